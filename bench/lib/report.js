// The issue's targets, checked against one run's results, and the table printed from them
// (plain text for the terminal, Markdown for docs/benchmarks.md and the README).

const fmt = (n, digits = 0) =>
  n === undefined || n === null || Number.isNaN(n)
    ? '—'
    : n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const ms = (n) => (n === undefined || n === null ? '—' : n < 10 ? fmt(n, 2) : fmt(n, 1));
/** A difference in ms with its sign: +1.25, -0.40. */
const signedMs = (n) => `${n >= 0 ? '+' : ''}${ms(n)}`;

/** Why a row's answers do not count (errors where it should pass, passes where it should refuse), or null. */
function statusProblem(s) {
  const t = s.throughput;
  if (!t || t.statusErrors === undefined) return null;
  const expect = s.expect ?? 200;
  if (expect < 400)
    return t.statusErrors > 0 ? `${fmt(t.statusErrors)} of ${fmt(t.requests)} answers were ≥ 400` : null;
  if (t.statusErrors < t.requests)
    return `${fmt(t.requests - t.statusErrors)} of ${fmt(t.requests)} answers were not refused`;
  if (s.probeStatus !== expect) return `answers HTTP ${s.probeStatus}, not ${expect}`;
  return null;
}

/**
 * The two throughput results a target compares: the scenario's and its baseline's measured in
 * the same group (or, when the baseline had no run there, its own row's); null with the reason.
 */
function pair(results, scenario, baseline) {
  const s = results.scenarios[scenario];
  const b = results.scenarios[baseline];
  if (!s || s.skipped || !s.throughput) return { skipped: s?.skipped ?? 'not run' };
  const bt = s.sameRun?.[baseline] ?? b?.throughput;
  if (!bt) return { skipped: `baseline ${b?.short ?? baseline}: ${b?.skipped ?? 'not run'}` };
  // rows of different groups ran in different minutes (only an --only run selects that way)
  if (!s.sameRun?.[baseline] && s.group && b.group && s.group !== b.group)
    return { skipped: `${b.short} measured in group "${b.group}", not "${s.group}"` };
  const problem = statusProblem(s) ?? (b ? statusProblem({ ...b, throughput: bt }) : null);
  return { s, b, t: s.throughput, bt, short: b?.short ?? baseline, problem };
}

/** A failed check for a row whose answers were not what it measures. */
const invalid = (base, problem) => ({ ...base, actual: `invalid: ${problem}`, pass: false });

/**
 * A check of `scenario` against `baseline` (same group): `measure(t, bt)` gives the value of
 * the two throughput results, `pass(value)` decides, `describe(value, p)` says what was seen.
 */
function comparedCheck(results, scenario, baseline, { measure, target, limit, pass, describe }) {
  const p = pair(results, scenario, baseline);
  if (p.skipped) return { scenario, skipped: p.skipped };
  const value = measure(p.t, p.bt);
  const base = { scenario, target, value, limit, otherCores: Math.max(p.t.otherCores, p.bt.otherCores) };
  if (p.problem) return invalid(base, p.problem);
  return { ...base, actual: describe(value, p), pass: pass(value) };
}

function ratioCheck(results, scenario, baseline, min) {
  return comparedCheck(results, scenario, baseline, {
    measure: (t, bt) => t.rps / bt.rps,
    target: `≥ ${min}×`,
    limit: min,
    pass: (ratio) => ratio >= min,
    describe: (ratio, p) => `${fmt(ratio, 2)}× ${p.short}`,
  });
}

/** CPU per request of `scenario` against `baseline`'s (same group) must stay ≤ `max` ×. */
function cpuRatioCheck(results, scenario, baseline, max) {
  return comparedCheck(results, scenario, baseline, {
    measure: (t, bt) => t.cpuUsPerReq / bt.cpuUsPerReq,
    target: `≤ ${max}× CPU`,
    limit: max,
    pass: (ratio) => ratio <= max,
    describe: (ratio, p) =>
      `CPU ${fmt(p.t.cpuUsPerReq, 1)} µs = ${fmt(ratio, 2)}× ${p.short}'s ${fmt(p.bt.cpuUsPerReq, 1)}`,
  });
}

/**
 * `--workers 2` against one process, with what a second worker gives the node floor in the same
 * group beside it: on a machine whose cores also run wrk and the upstream, that bounds any Node
 * server, so the reader can tell Keyward's share of a miss from the machine's.
 */
function workersCheck(results) {
  const check = ratioCheck(results, 'keyward-workers2', 'keyward-proxy', 1.3);
  const floor = pair(results, 'node-floor-workers2', 'node-floor');
  if (check.actual === undefined || floor.skipped || floor.problem) return check;
  return { ...check, actual: `${check.actual} (node floor: ${fmt(floor.t.rps / floor.bt.rps, 2)}×)` };
}

/** The info-level row is only a measurement of the access log if it wrote one line per request. */
function accessLogCheck(results) {
  const check = ratioCheck(results, 'keyward-info', 'keyward-proxy', 0.9);
  const s = results.scenarios['keyward-info'];
  if (check.pass === undefined || !s?.throughput || s.logLines === undefined) return check;
  if (s.logLines < s.throughput.requests)
    return invalid(check, `${fmt(s.logLines)} log lines for ${fmt(s.throughput.requests)} requests`);
  return check;
}

/** /v1/time p99 beside 4096-bit prime checks ≤ its p99 alone + 5 ms, the checks all answered. */
function primesBesideCheck(results) {
  const alone = results.scenarios['time-alone']?.latency;
  const beside = results.scenarios['time-beside-primes'];
  if (!alone || !beside?.latency)
    return { scenario: 'time-beside-primes', skipped: beside?.skipped ?? 'not run' };
  const delta = beside.latency.p99Ms - alone.p99Ms;
  const base = {
    scenario: 'time-beside-primes',
    target: '≤ +5 ms',
    value: delta,
    limit: 5,
    otherCores: Math.max(alone.otherCores, beside.latency.otherCores),
  };
  const wrong = Object.entries(beside.primes.statuses).filter(([status]) => status !== '200');
  if (beside.primes.checks === 0) return invalid(base, 'no prime check finished');
  if (wrong.length > 0)
    return invalid(base, `prime checks answered ${wrong.map(([k, n]) => `${n} × ${k}`).join(', ')}`);
  if (alone.errors > 0 || beside.latency.errors > 0) return invalid(base, '/v1/time answered errors');
  return {
    ...base,
    actual: `p99 ${signedMs(delta)} ms vs alone (${fmt(beside.primes.checks)} checks, median ${ms(beside.primes.medianMs)} ms)`,
    pass: delta <= 5,
  };
}

function maxCheck(scenario, value, limit, unit, label, otherCores) {
  if (value === undefined || value === null) return { scenario, skipped: 'not run' };
  return {
    scenario,
    otherCores,
    actual: `${label} ${unit === 'ms' ? ms(value) : fmt(value, 1)} ${unit}`,
    target: `≤ ${fmt(limit)} ${unit}`,
    value,
    limit,
    pass: value <= limit,
  };
}

/** Every target (issues 8, 13 and 18), evaluated; `pass` is null when the scenario did not run. */
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
    { id: '--workers 2 with shared limits ≥ 1.3 × one process', ...workersCheck(results) },
    { id: 'proxy ≥ 0.80 × node floor', ...ratioCheck(results, 'keyward-proxy', 'node-floor', 0.8) },
    { id: 'access log: info ≥ 0.90 × warn', ...accessLogCheck(results) },
    ...[401, 403, 429].map((status) => ({
      id: `${status} refusal ≤ 0.5 × a proxied request's CPU`,
      ...cpuRatioCheck(results, `keyward-${status}`, 'keyward-proxy', 0.5),
    })),
    { id: '/v1/time p99 beside 4096-bit primes ≤ alone + 5 ms', ...primesBesideCheck(results) },
  ];
  const kp = s['keyward-proxy']?.latency;
  const dp = s.direct?.latency;
  // What the same paced run costs a bare Node forwarder: the part of a tail any Node process pays here.
  const fp = s['node-floor']?.latency;
  const floorNote = fp && dp ? ` (node floor: ${signedMs(fp.p99Ms - dp.p99Ms)} ms)` : '';
  if (kp && dp) {
    const delta = kp.p99Ms - dp.p99Ms;
    checks.push({
      id: 'p99 @ 2000 req/s ≤ direct + 2 ms',
      scenario: 'keyward-proxy',
      actual: `p99 ${signedMs(delta)} ms vs direct${floorNote}`,
      target: '≤ +2 ms',
      value: delta,
      limit: 2,
      pass: delta <= 2,
      otherCores: Math.max(kp.otherCores, dp.otherCores),
    });
  }
  const m = s['million-keys'];
  if (m && !m.skipped) {
    checks.push({
      id: '1M keys: start-up ≤ 2 s',
      ...maxCheck('million-keys', m.startupMs, 2000, 'ms', 'start-up', m.throughput?.otherCores),
    });
    checks.push({
      id: '1M keys: RSS ≤ 150 MB under load',
      ...maxCheck('million-keys', m.throughput?.peakRssMb, 150, 'MB', 'peak RSS', m.throughput?.otherCores),
    });
    const sat = m.throughput;
    if (sat)
      checks.push({
        id: '1M keys: saturation p99 ≤ 5 × p50',
        scenario: 'million-keys',
        otherCores: sat.otherCores,
        actual: `p99 ${ms(sat.p99Ms)} ms = ${fmt(sat.p99Ms / sat.p50Ms, 1)}× p50 ${ms(sat.p50Ms)} ms`,
        target: '≤ 5×',
        value: sat.p99Ms / sat.p50Ms,
        limit: 5,
        pass: sat.p99Ms <= 5 * sat.p50Ms,
      });
    const directPaced = s.direct?.latency;
    if (m.latency && directPaced) {
      const delta = m.latency.p99Ms - directPaced.p99Ms;
      checks.push({
        id: '1M keys: p99 @ 2000 req/s ≤ direct + 5 ms',
        scenario: 'million-keys',
        otherCores: Math.max(m.latency.otherCores ?? 0, directPaced.otherCores ?? 0),
        actual: `p99 ${signedMs(delta)} ms vs direct`,
        target: '≤ +5 ms',
        value: delta,
        limit: 5,
        pass: delta <= 5,
      });
    }
    const b = m.budgeted;
    if (b?.throughput) {
      const budgetMb = Number.parseInt(b.budget, 10);
      checks.push({
        id: `1M keys under server.memory ${b.budget}: peak RSS ≤ the budget`,
        ...maxCheck('million-keys', b.peakRssMb, budgetMb, 'MB', 'peak RSS', b.throughput.otherCores),
      });
      checks.push({
        id: `1M keys under server.memory ${b.budget}: req/s ≥ 0.90 × unbudgeted`,
        scenario: 'million-keys',
        otherCores: b.throughput.otherCores,
        actual: `${fmt(b.throughput.rps)} req/s = ${fmt(b.rpsRatio, 2)}× unbudgeted`,
        target: '≥ 0.90×',
        value: b.rpsRatio,
        limit: 0.9,
        pass: b.rpsRatio >= 0.9,
      });
    }
    checks.push({
      id: '1M keys: cache-miss verification p99 ≤ 1 ms',
      ...maxCheck('million-keys', m.verify?.misses.p99Ms, 1, 'ms', 'miss p99', m.throughput?.otherCores),
    });
  }
  const soak = s.soak;
  checks.push(
    soak && !soak.skipped
      ? {
          id: 'no RSS growth over a 60 s soak',
          scenario: 'soak',
          otherCores: soak.latency?.otherCores,
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
  'paced p99 ms',
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
    const base = s.baseline && (s.sameRun?.[s.baseline] ?? results.scenarios[s.baseline]?.throughput);
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
      const head = i === 0 ? [...metrics] : ['  ↳ same run', '', '', '', '', '', '', ''];
      // a target's other load: the busier of the two sides' measured rounds
      if (c.otherCores !== undefined) head[7] = fmt(c.otherCores, 2);
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
