/**
 * The no-leak sweep, run after every other test file (vitest.config.ts puts it in a later group):
 * each gateway and process the suite ran scanned its own log lines and response bodies for its
 * plaintext API keys, passwords, refresh and access tokens, injected upstream secrets and master
 * key (test/helpers/leak-sweep.ts). Here the reports are read: any finding fails the run, and the
 * canary (leak-canary.test.ts) must have been found in all three channels, so a capture that
 * silently saw nothing cannot pass.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { SWEEP_DIR, type SweepReport } from '../helpers/leak-sweep.js';

let reports: SweepReport[] = [];
beforeAll(() => {
  reports = existsSync(SWEEP_DIR)
    ? readdirSync(SWEEP_DIR).map((f) => JSON.parse(readFileSync(join(SWEEP_DIR, f), 'utf8')) as SweepReport)
    : [];
});

describe('no-leak sweep over the whole suite', () => {
  test('the canary was seen in a log line, a socket body and an inject() body', () => {
    const canary = reports.find((r) => r.source === 'test/security/leak-canary.test.ts');
    expect(canary, 'the canary test did not run: run the sweep with the suite (npm test)').toBeDefined();
    const found = new Set(canary?.findings.filter((f) => f.kind === 'canary').map((f) => f.where));
    expect([...found].sort()).toEqual(['body', 'log']);
    expect(
      canary?.findings.filter((f) => f.kind === 'canary' && f.where === 'body').length,
    ).toBeGreaterThanOrEqual(2);
    expect(canary?.channels.socket).toBeGreaterThan(0);
    expect(canary?.channels.inject).toBeGreaterThan(0);
  });

  test('it scanned real traffic: secrets, log lines and bodies from many gateways', () => {
    const total = (pick: (r: SweepReport) => number) => reports.reduce((n, r) => n + pick(r), 0);
    console.log(
      `leak sweep: ${reports.length} captures, ${total((r) => r.secrets)} secrets, ` +
        `${total((r) => r.logLines)} log lines (${total((r) => r.logBytes)} B), ` +
        `${total((r) => r.bodies)} bodies (${total((r) => r.bodyBytes)} B)`,
    );
    expect(reports.length).toBeGreaterThan(1);
    expect(total((r) => r.secrets)).toBeGreaterThan(0);
    expect(total((r) => r.logLines)).toBeGreaterThan(0);
    expect(total((r) => r.bodies)).toBeGreaterThan(0);
  });

  test('no plaintext key, password, token, injected secret or master key in any log line or body', () => {
    const leaks = reports.flatMap((r) =>
      r.findings
        .filter((f) => f.kind !== 'canary')
        .map((f) => `${r.source}: ${f.kind} in a ${f.where} (${f.context})`),
    );
    expect(leaks).toEqual([]);
  });
});
