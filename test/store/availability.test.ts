import { describe, expect, test } from 'vitest';
import { isStoreUnavailable } from '../../src/store/availability.js';

const error = (fields: Record<string, unknown>) =>
  Object.assign(new Error(String(fields.message ?? 'x')), fields);

describe('isStoreUnavailable', () => {
  test.each([
    [
      'connection refused',
      error({ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:5432' }),
      true,
    ],
    ['connection reset', error({ code: 'ECONNRESET' }), true],
    [
      'Postgres shutting down (57P01)',
      error({ code: '57P01', message: 'terminating connection due to administrator command' }),
      true,
    ],
    [
      'Postgres starting up (57P03)',
      error({ code: '57P03', message: 'the database system is starting up' }),
      true,
    ],
    ['a connection exception (08006)', error({ code: '08006' }), true],
    ['a dropped connection', error({ message: 'Connection terminated unexpectedly' }), true],
    [
      'a pool that cannot connect in time',
      error({ message: 'timeout exceeded when trying to connect' }),
      true,
    ],
    [
      'SQLite busy past its timeout',
      error({ code: 'ERR_SQLITE_ERROR', message: 'database is locked' }),
      true,
    ],
    [
      'a unique violation is a bug, not an outage',
      error({ code: '23505', message: 'duplicate key value' }),
      false,
    ],
    ['a syntax error', error({ code: '42601' }), false],
    ['a closed handle (shut down already)', error({ message: 'database is not open' }), false],
    ['not an error at all', 'ECONNREFUSED', false],
    ['null', null, false],
  ])('%s → %s', (_name, value, expected) => {
    expect(isStoreUnavailable(value)).toBe(expected);
  });
});
