#!/usr/bin/env node
// Summarizes V8 .cpuprofile files (from `node --cpu-prof`, e.g. `npm run bench -- --profile`):
// top functions by self time, and top files/packages by self time, so a profile can be read in
// a terminal. Usage: node bench/profile-summary.js FILE.cpuprofile [--top 25]
import { readFileSync } from 'node:fs';

const files = process.argv.slice(2).filter((a) => a.endsWith('.cpuprofile'));
const topIndex = process.argv.indexOf('--top');
const top = topIndex > 0 ? Number(process.argv[topIndex + 1]) : 25;
if (files.length === 0) {
  console.error('usage: node bench/profile-summary.js FILE.cpuprofile [...] [--top N]');
  process.exit(2);
}

/** Where a function lives: a package name, node:internal, or a path under the project. */
function origin(url) {
  if (!url) return '(native/VM)';
  if (url.startsWith('node:')) return url.replace(/^node:internal\/(.*?)(\/.*)?$/, 'node:$1');
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 14).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  const dist = url.indexOf('/dist/');
  return dist >= 0 ? url.slice(dist + 1) : url.replace(/^file:\/\//, '');
}

for (const file of files) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  // samples[i] happened after timeDeltas[i] µs; attribute each delta to the sampled node
  profile.samples.forEach((id, i) => {
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const byFunction = new Map();
  const byOrigin = new Map();
  for (const [id, us] of self) {
    const { callFrame: f } = byId.get(id);
    const where = origin(f.url);
    const name = `${f.functionName || '(anonymous)'}  ${where}${f.url ? `:${f.lineNumber + 1}` : ''}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + us);
    byOrigin.set(where, (byOrigin.get(where) ?? 0) + us);
  }
  // inclusive time of the project's own functions (dist/), counting recursion once
  const inclusive = new Map();
  const children = new Map(profile.nodes.map((n) => [n.id, n.children ?? []]));
  const visit = (id, open) => {
    const { callFrame: f } = byId.get(id);
    let sum = self.get(id) ?? 0;
    const mine = f.url.includes('/dist/')
      ? `${f.functionName || '(anonymous)'}  ${origin(f.url)}:${f.lineNumber + 1}`
      : null;
    const fresh = mine !== null && !open.has(mine);
    if (fresh) open.add(mine);
    for (const child of children.get(id)) sum += visit(child, open);
    if (fresh) {
      open.delete(mine);
      inclusive.set(mine, (inclusive.get(mine) ?? 0) + sum);
    }
    return sum;
  };
  visit(profile.nodes[0].id, new Set());
  const pct = (us) => `${((100 * us) / total).toFixed(1).padStart(5)}%`;
  const idle = [...byFunction].filter(([n]) => /^\((idle|program|garbage collector)\)/.test(n));
  console.log(
    `\n${file}\n  ${(total / 1e6).toFixed(2)} s sampled; ${idle.map(([n, us]) => `${n.split(' ')[0]} ${pct(us).trim()}`).join(', ')}`,
  );
  console.log('\n  self time by function:');
  for (const [name, us] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top))
    console.log(`  ${pct(us)}  ${name}`);
  console.log("\n  inclusive time of Keyward's own functions (dist/):");
  for (const [name, us] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, top))
    console.log(`  ${pct(us)}  ${name}`);
  console.log('\n  self time by package / file:');
  for (const [name, us] of [...byOrigin].sort((a, b) => b[1] - a[1]).slice(0, 20))
    console.log(`  ${pct(us)}  ${name}`);
}
