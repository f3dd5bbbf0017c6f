// Runs one throughput group of rows.js: starts its servers, alternates wrk rounds between its
// rows (the best round counts), checks each row's status with one more request, stops the
// servers, and files the results: a row's first group gives its table line, and a row whose
// baseline ran in the same group keeps that baseline's figures beside its own (`sameRun`), so
// its ratio compares servers measured in the same minutes.
import { createReadStream } from 'node:fs';
import { summarizeRounds, throughputRound } from '../lib/wrk.js';
import { probeStatus, requestOptions } from './credentials.js';

/** Lines in `file` (the info-level gateway's log: one access line per request). */
async function countLines(file) {
  let lines = 0;
  for await (const chunk of createReadStream(file)) {
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
  }
  return lines;
}

/**
 * Runs `group` ({ name, rows }) and files its rows into `scenarios`. `start(name)` starts a
 * server; `ctx` carries the credentials (credentials.js); `quiet()` waits for a quieter machine.
 */
export async function runGroup({ group, start, upstream, ctx, tp, quiet, log, scenarios }) {
  log(`group "${group.name}": ${group.rows.map((r) => r.id).join(', ')}`);
  const servers = { upstream };
  const entries = {};
  try {
    for (const name of new Set(group.rows.map((r) => r.server)))
      if (!servers[name]) servers[name] = await start(name);
    const rounds = new Map(group.rows.map((r) => [r.id, []]));
    for (let round = 0; round < tp.rounds; round++) {
      for (const row of group.rows) {
        const server = servers[row.server];
        if (server.skipped) continue;
        log(`round ${round + 1}/${tp.rounds}: ${row.label}`);
        await quiet();
        // fresh processes need more than 1 s to warm up (JIT, pools): longer before their first round
        const warmup = round === 0 ? tp.firstWarmup : tp.warmup;
        try {
          const options = requestOptions(row, ctx, server);
          rounds.get(row.id).push(
            await throughputRound(`${server.url}${row.path}`, server.proc.pid, {
              ...tp,
              warmup,
              ...options,
            }),
          );
        } catch (error) {
          console.error(error);
        }
      }
    }
    for (const row of group.rows) {
      const { server: name, path, credential: _c, ...meta } = row;
      const server = servers[name];
      const done = rounds.get(row.id);
      entries[row.id] = server.skipped
        ? { ...meta, skipped: server.skipped }
        : done.length === 0
          ? { ...meta, skipped: 'failed (see the log)' }
          : {
              ...meta,
              group: group.name,
              throughput: summarizeRounds(done, server.proc.pid),
              probeStatus: await probeStatus(`${server.url}${path}`, row, ctx, server),
            };
    }
  } finally {
    for (const server of Object.values(servers))
      if (server !== upstream && !server.skipped) await server.stop();
  }
  const info = entries['keyward-info'];
  if (info?.throughput && servers['keyward-info'].logFile)
    info.logLines = await countLines(servers['keyward-info'].logFile);
  for (const row of group.rows) {
    if (scenarios[row.id]) continue; // measured in an earlier group: here only as a companion
    const entry = entries[row.id];
    const baseline = entries[row.baseline];
    if (entry.throughput && baseline?.throughput) entry.sameRun = { [row.baseline]: baseline.throughput };
    scenarios[row.id] = entry;
  }
}
