import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { ERROR_CODES } from '../src/errors.js';

const here = new URL('.', import.meta.url).pathname;
const docs = readFileSync(join(here, '../docs/errors.md'), 'utf8');

/** `| <a id=…></a>`KW_ERR_X` | 401 | … |` rows of docs/errors.md, as code → status. */
function documentedCodes(): Map<string, number> {
  const rows = new Map<string, number>();
  for (const match of docs.matchAll(/^\| (?:<a id="[a-z_]+"><\/a>)?`(KW_ERR_[A-Z_]+)` \| (\d{3}) \|/gm)) {
    rows.set(match[1] as string, Number(match[2]));
  }
  return rows;
}

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return testFiles(path);
    return entry.name.endsWith('.test.ts') && path !== join(here, 'errors.test.ts') ? [path] : [];
  });
}

describe('the error table', () => {
  test('docs/errors.md lists exactly the codes of src/errors.ts, with the same statuses', () => {
    const documented = documentedCodes();
    const table = new Map(Object.entries(ERROR_CODES).map(([code, spec]) => [code, spec.status]));
    expect([...documented.keys()].sort()).toEqual([...table.keys()].sort());
    for (const [code, status] of table)
      expect({ code, status: documented.get(code) }).toEqual({ code, status });
  });

  test('every code is produced and asserted by at least one test', () => {
    const sources = testFiles(here).map((file) => readFileSync(file, 'utf8'));
    const unasserted = Object.keys(ERROR_CODES).filter(
      (code) => !sources.some((s) => new RegExp(`\\b${code}\\b`).test(s)),
    );
    expect(unasserted).toEqual([]);
  });
});
