// The targets, checked against one run's results, and the table printed from them
// (plain text for the terminal, Markdown for docs/benchmarks.md and the README).

const fmt = (n, digits = 0) =>
  n === undefined || n === null || Number.isNaN(n)
    ? '—'
    : n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const ms = (n) => (n === undefined || n === null ? '—' : n < 10 ? fmt(n, 2) : fmt(n, 1));

function ratioCheck(results, scenario, baseline, min) {
  const s = results.scenarios[scenario];
  const b = results.scenarios[baseline];
  if (!s || s.skipped || !s.throughput) return { scenario, skipped: s?.skipped ?? 'not run' };
  if (!b || b.skipped || !b.throughput)
    return { scenario, skipped: `baseline ${b?.short ?? baseline}: ${b?.skipped ?? 'not run'}` };
  const ratio = s.throughput.rps / b.throughput.rps;
  return {
    scenario,
    actual: `${fmt(ratio, 2)}× ${b.short}`,
    target: `≥ ${min}×`,
    value: ratio,
    limit: min,
    pass: ratio >= min,
  };
}

function maxCheck(scenario, value, limit, unit, label) {
  if (value === undefined || value === null) return { scenario, skipped: 'not run' };
  return {
    scenario,
    actual: `${label} ${unit === 'ms' ? ms(value) : fmt(value, 1)} ${unit}`,
    target: `≤ ${fmt(limit)} ${unit}`,
    value,
    limit,
    pass: value <= limit,
  };
}

/** Every target of issue 8, evaluated; `pass` is null when the scenario did not run. */
export function evaluateTargets(results) {
  const s = results.scenarios;
  const checks = [
    { id: 'proxy ≥ 0.40 × nginx key-check', ...ratioCheck(results, 'keyward-proxy', 'nginx-keycheck', 0.4) },
    { id: 'proxy ≥ 6 × Express', ...ratioCheck(results, 'keyward-proxy', 'express', 6) },
    { id: '/v1/time ≥ 0.60 × bare Fastify', ...ratioCheck(results, 'keyward-time', 'fastify-hello', 0.6) },
    { id: 'provider JWT ≥ 0.80 × API key', ...ratioCheck(results, 'keyward-jwt', 'keyward-proxy', 0.8) },
    {
      id: 'WebSocket msgs ≥ 0.50 × direct',
      ...ratioCheck(results, 'keyward-websocket', 'websocket-direct', 0.5),
    },
    {
      id: 'limits shared in Redis ≥ 0.80 × local limits',
      ...ratioCheck(results, 'keyward-redis', 'keyward-proxy', 0.8),
    },
    {
      id: '--workers 2 with shared limits ≥ 1.3 × one process',
      ...ratioCheck(results, 'keyward-workers2', 'keyward-proxy', 1.3),
    },
  ];
  const kp = s['keyward-proxy']?.latency;
  const dp = s.direct?.latency;
  if (kp && dp) {
    const delta = kp.p99Ms - dp.p99Ms;
    checks.push({
      id: 'p99 @ 2000 req/s ≤ direct + 2 ms',
      scenario: 'keyward-proxy',
      actual: `p99 ${delta >= 0 ? '+' : ''}${ms(delta)} ms vs direct`,
      target: '≤ +2 ms',
      value: delta,
      limit: 2,
      pass: delta <= 2,
    });
  }
  const m = s['million-keys'];
  if (m && !m.skipped) {
    checks.push({
      id: '1M keys: start-up ≤ 2 s',
      ...maxCheck('million-keys', m.startupMs, 2000, 'ms', 'start-up'),
    });
    checks.push({
      id: '1M keys: RSS ≤ 150 MB under load',
      ...maxCheck('million-keys', m.throughput?.peakRssMb, 150, 'MB', 'peak RSS'),
    });
    checks.push({
      id: '1M keys: cache-miss verification p99 ≤ 1 ms',
      ...maxCheck('million-keys', m.verify?.misses.p99Ms, 1, 'ms', 'miss p99'),
    });
  }
  const soak = s.soak;
  checks.push(
    soak && !soak.skipped
      ? {
          id: 'no RSS growth over a 60 s soak',
          scenario: 'soak',
          actual:
            `RSS ${soak.slopeMbPerMin >= 0 ? '+' : ''}${fmt(soak.slopeMbPerMin, 1)} MB/min` +
            (soak.heapUsedSlopeMbPerMin === null
              ? ''
              : `, heap ${soak.heapUsedSlopeMbPerMin >= 0 ? '+' : ''}${fmt(soak.heapUsedSlopeMbPerMin, 1)}`),
          target: `≤ +${soak.limitMbPerMin} MB/min`,
          value: soak.slopeMbPerMin,
          limit: soak.limitMbPerMin,
          pass: soak.slopeMbPerMin <= soak.limitMbPerMin,
        }
      : {
          id: 'no RSS growth over a 60 s soak',
          scenario: 'soak',
          skipped: soak?.skipped ?? 'run with --soak',
        },
  );
  return checks.map((c) => ({ pass: null, ...c }));
}

const short = (text, max = 60) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

const HEADERS = [
  'scenario',
  'req/s',
  'p50 ms',
  'p99 ms',
  'p99 @2k/s',
  'peak RSS MB',
  'CPU µs/req',
  'other load',
  'vs baseline',
  'target',
  'result',
];
const NUMERIC = 7; // columns 1..7 are numbers

function rows(results, checks) {
  const out = [];
  for (const [id, s] of Object.entries(results.scenarios)) {
    const t = s.throughput;
    const mine = checks.filter((c) => c.scenario === id);
    const base = s.baseline && results.scenarios[s.baseline]?.throughput;
    const info =
      t && base ? `${fmt(t.rps / base.rps, 2)}× ${results.scenarios[s.baseline].short}` : (s.note ?? '');
    const other = t?.otherCores ?? s.latency?.otherCores;
    const metrics = s.skipped
      ? [s.label, '', '', '', '', '', '', '']
      : [
          s.label,
          fmt(t?.rps),
          ms(t?.p50Ms),
          ms(t?.p99Ms),
          ms(s.latency?.p99Ms),
          fmt(t?.peakRssMb ?? s.latency?.peakRssMb, 1),
          fmt(t?.cpuUsPerReq, 1),
          other === undefined ? '—' : fmt(other, 2),
        ];
    if (mine.length === 0) {
      const role = s.skipped ? 'SKIP' : s.role === 'baseline' ? 'baseline' : 'info';
      out.push([...metrics, s.skipped ? short(`skipped: ${s.skipped}`) : info, '—', role]);
      continue;
    }
    mine.forEach((c, i) => {
      const result = c.pass === null ? 'SKIP' : c.pass ? 'PASS' : 'FAIL';
      const head = i === 0 ? metrics : ['  ↳ same run', '', '', '', '', '', '', ''];
      out.push([...head, c.skipped ? short(`skipped: ${c.skipped}`) : c.actual, c.target ?? '—', result]);
    });
  }
  return out;
}

/** The table as aligned plain text. */
export function textTable(results, checks) {
  const all = [HEADERS, ...rows(results, checks)];
  const widths = HEADERS.map((_, i) => Math.max(...all.map((r) => String(r[i]).length)));
  const line = (r) =>
    r
      .map((cell, i) =>
        i >= 1 && i <= NUMERIC ? String(cell).padStart(widths[i]) : String(cell).padEnd(widths[i]),
      )
      .join('  ')
      .trimEnd();
  return [line(HEADERS), widths.map((w) => '-'.repeat(w)).join('  '), ...all.slice(1).map(line)].join('\n');
}

/** The same table in Markdown. */
export function markdownTable(results, checks) {
  const cellText = (cell) => String(cell).replaceAll('|', '\\|');
  const body = rows(results, checks).map((r) => `| ${r.map(cellText).join(' | ')} |`);
  return [
    `| ${HEADERS.join(' | ')} |`,
    `| ${HEADERS.map((_, i) => (i >= 1 && i <= NUMERIC ? '---:' : '---')).join(' | ')} |`,
    ...body,
  ].join('\n');
}
