#!/usr/bin/env node
// `npm run bench:readme [-- FILE.json]`: puts a bench run's table (default: the latest run,
// bench/results/latest.json) into README.md, between the `bench:latest` markers of its
// Benchmarks section, with one line saying when, where and how many targets passed. A --quick
// or --only run is not a record: it is refused unless --partial is given.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { evaluateTargets, markdownTable } from './lib/report.js';

const START = '<!-- bench:latest:start -->';
const END = '<!-- bench:latest:end -->';
const benchDir = dirname(fileURLToPath(import.meta.url));
const root = dirname(benchDir);
const argv = process.argv.slice(2);
const partial = argv.includes('--partial');
const file = argv.find((a) => !a.startsWith('--')) ?? join(benchDir, 'results', 'latest.json');

const fail = (message) => {
  console.error(`bench:readme: ${message}`);
  process.exit(1);
};

let results;
try {
  results = JSON.parse(readFileSync(file, 'utf8'));
} catch (error) {
  fail(`cannot read ${file} (${error.code ?? error.message}); run \`npm run bench\` first`);
}
const complete = !results.options.quick && results.scenarios['million-keys'];
if (!complete && !partial)
  fail(`${file} is a --quick or --only run, not a record (--partial to use it anyway)`);

const checks = evaluateTargets(results);
const count = (v) => checks.filter((c) => c.pass === v).length;
const m = results.machine;
const day = new Date(results.date).toLocaleDateString('en-GB', {
  day: 'numeric',
  month: 'long',
  year: 'numeric',
});
const summary =
  `Latest run (${day}, \`npm run bench${results.options.soak ? ' -- --soak' : ''}\` on ${m.cpus} × ${m.cpuModel}, ` +
  `Node ${m.node.replace(/^v/, '')}, ${results.upstream} upstream; ${count(true)} of ${count(true) + count(false)} ` +
  `targets met${results.options.quick ? '; a quick run, not a record' : ''}):`;

const readmePath = join(root, 'README.md');
const readme = readFileSync(readmePath, 'utf8');
const from = readme.indexOf(START);
const to = readme.indexOf(END);
if (from === -1 || to < from) fail(`README.md has no ${START} … ${END} block`);
const block = `${START}\n${summary}\n\n${markdownTable(results, checks)}\n${END}`;
writeFileSync(readmePath, readme.slice(0, from) + block + readme.slice(to + END.length));
console.log(
  `README.md: the table of ${file} (${count(true)} pass, ${count(false)} fail, ${count(null)} skipped)`,
);
