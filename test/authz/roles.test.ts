import type { FastifyReply, FastifyRequest } from 'fastify';
import { describe, expect, test } from 'vitest';
import type { Principal } from '../../src/auth/principal.js';
import { hasAnyRole, requireRoles } from '../../src/authz/roles.js';
import { KeywardError } from '../../src/errors.js';

const principal = (roles: string[]): Principal => ({ kind: 'apiKey', id: 'key_x', roles, plan: null });

describe('roles', () => {
  test.each([
    [[], [], true],
    [['reader'], [], true],
    [['reader'], ['reader', 'editor'], true],
    [['editor'], ['reader'], false],
    [[], ['reader'], false],
  ])('a caller with %j against %j: %s', (held, required, allowed) => {
    expect(hasAnyRole(principal(held), required)).toBe(allowed);
  });

  test.each([
    [null, ['reader'], 'KW_ERR_UNAUTHENTICATED'],
    [principal(['editor']), ['reader', 'admin'], 'KW_ERR_FORBIDDEN'],
    [principal(['admin']), ['reader', 'admin'], null],
    [null, [], null],
  ])('the stage with %j needing %j refuses with %s', (caller, required, code) => {
    const stage = requireRoles(required);
    const run = () => stage({ principal: caller } as FastifyRequest, {} as FastifyReply);
    if (code === null) expect(run()).toBeUndefined();
    else {
      const refusal = run();
      expect(refusal).toBeInstanceOf(KeywardError);
      expect((refusal as KeywardError).code).toBe(code);
    }
  });
});
