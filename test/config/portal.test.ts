/** The `ui` and `portal` config sections: defaults that keep older configs valid, and the checks across sections. */
import { describe, expect, test } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { ConfigError, formatProblem } from '../../src/config/problems.js';

const MASTER = 'secrets: { masterKey: "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=" }\n';

function problemsOf(yaml: string): string[] {
  try {
    parseConfig(yaml, 'test.yaml', {});
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems.map(formatProblem);
  }
  return [];
}

describe('portal and ui config', () => {
  test('a config without them gets the dashboard on and the portal off', () => {
    const { config } = parseConfig('server: { port: 8081 }\n', 'test.yaml', {});
    expect(config.ui).toEqual({ enabled: true });
    expect(config.portal).toEqual({
      enabled: false,
      registration: 'off',
      roles: ['developer'],
      keyRoles: [],
      maxKeysPerUser: 5,
    });
  });

  test('a full portal section is accepted', () => {
    const yaml = `${MASTER}plans:\n  free: { limits: [{ requests: 5, per: day }] }\nportal: { enabled: true, registration: invite, plan: free, maxKeysPerUser: 3, keyRoles: [reader], keyExpiry: 90d }\n`;
    expect(problemsOf(yaml)).toEqual([]);
  });

  test.each([
    [
      'registration that is no choice',
      `${MASTER}portal: { enabled: true, registration: maybe }\n`,
      'portal.registration: expected open, invite or off, got "maybe" (line 2)',
    ],
    [
      'a portal without a master key',
      'portal: { enabled: true }\n',
      'portal.enabled: the portal signs developers in with JWT, which needs secrets.masterKey (KEYWARD_MASTER_KEY); run `keyward init` or set it (line 1)',
    ],
    [
      'an unknown plan',
      `${MASTER}portal: { enabled: true, plan: gold }\n`,
      'portal.plan: no plan named "gold" in plans (line 2)',
    ],
    [
      'an admin role for developers',
      `${MASTER}portal: { enabled: true, roles: [admin] }\n`,
      'portal.roles: "admin" is an admin role: developers serving themselves would become admins (line 2)',
    ],
    [
      'an admin role on developer keys',
      `${MASTER}portal: { enabled: true, keyRoles: [reader, admin] }\n`,
      'portal.keyRoles: "admin" is an admin role: developers serving themselves would become admins (line 2)',
    ],
    [
      'too many keys per developer',
      `${MASTER}portal: { maxKeysPerUser: 1000 }\n`,
      'portal.maxKeysPerUser: expected a whole number 1-100, got 1000 (line 2)',
    ],
    [
      'a route over the portal',
      'routes:\n  - { name: a, path: /portal/*, auth: [none], upstream: { url: "http://x" } }\n',
      "routes[0].path: overlaps Keyward's own /portal (line 2)",
    ],
  ])('%s is reported', (_name, yaml, expected) => {
    expect(problemsOf(yaml)).toContain(expected);
  });
});
