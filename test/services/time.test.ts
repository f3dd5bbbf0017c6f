import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { timeAt } from '../../src/services/time/routes.js';
import { createTestGateway, type TestGateway } from '../helpers/gateway.js';

const NOW = Date.UTC(2026, 6, 14, 12, 30, 15, 250);
let gw: TestGateway;
let key: string;
beforeAll(async () => {
  gw = await createTestGateway({
    clock: new ManualClock(NOW),
    yaml: 'services:\n  time: { path: /v1/time, auth: [apiKey], roles: [clock] }\n',
  });
  key = (await gw.keys.create({ name: 'seed', roles: ['clock'] }, { id: 'test' })).key;
});
afterAll(() => gw.close());

describe('time service', () => {
  test.each(['GET', 'POST'] as const)(
    '%s /v1/time with a raw Authorization key (as the seed calls it)',
    async (method) => {
      const res = await gw.app.inject({ method, url: '/v1/time', headers: { authorization: key } });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ currentTime: '2026-07-14T12:30:15.250Z', unix: Math.floor(NOW / 1000) });
    },
  );

  test('?tz= gives local time and offset, DST-aware', async () => {
    const res = await gw.app.inject({ url: '/v1/time?tz=Europe/Paris', headers: { 'x-api-key': key } });
    expect(res.json()).toMatchObject({
      timeZone: 'Europe/Paris',
      localTime: '2026-07-14T14:30:15.250+02:00',
      utcOffset: '+02:00',
    });
    expect(timeAt(Date.UTC(2026, 0, 1), 'Europe/Paris')?.utcOffset).toBe('+01:00');
    expect(timeAt(NOW, 'Asia/Kolkata')?.utcOffset).toBe('+05:30');
    expect(timeAt(NOW, 'America/St_Johns')?.utcOffset).toBe('-02:30');
    expect(timeAt(NOW, 'UTC')?.utcOffset).toBe('+00:00');
  });

  test.each(['Mars/Olympus', '+01:00', 'GMT+1 ', '../etc/passwd', '', 'x'.repeat(65)])(
    'tz=%j is 422',
    async (tz) => {
      const res = await gw.app.inject({
        url: `/v1/time?tz=${encodeURIComponent(tz)}`,
        headers: { 'x-api-key': key },
      });
      expect(res.statusCode).toBe(422);
      expect(res.json().code).toBe('KW_ERR_VALIDATION');
    },
  );

  test('no key is 401, a key without the role is 403', async () => {
    expect((await gw.app.inject({ url: '/v1/time' })).statusCode).toBe(401);
    const other = await gw.keys.create({ name: 'other', roles: ['reader'] }, { id: 'test' });
    const res = await gw.app.inject({ url: '/v1/time', headers: { 'x-api-key': other.key } });
    expect(res.statusCode).toBe(403);
    expect(res.json().detail).toBe('This requires one of the roles: clock.');
  });

  test('the request log names the service', async () => {
    gw.logs.length = 0;
    await gw.app.inject({ url: '/v1/time', headers: { 'x-api-key': key } });
    const line = gw.logs.map((l) => JSON.parse(l)).find((l) => l.msg === 'request');
    expect(line).toMatchObject({ route: 'time', status: 200 });
  });
});
