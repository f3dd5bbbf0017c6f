/** `keyward usage [--key ID] [--since 24h]`: request counts per key, route and status class. */
import type { Command } from 'commander';
import { systemClock } from '../clock.js';
import { parseDuration } from '../config/units.js';
import { openStore } from '../store/db.js';
import { resolveConfig } from './config-source.js';
import { printJson, printTable, UsageError } from './output.js';

/** Registers the usage command. */
export function registerUsageCommand(program: Command): void {
  program
    .command('usage')
    .description(
      'request counts per key, route and status class (a running gateway writes them every few seconds)',
    )
    .option('--key <id>', 'only this key (or user) id')
    .option('--route <name>', 'only this route or service')
    .option('--since <duration>', 'how far back to count', '24h')
    .option('--json', 'machine-readable output')
    .option('-c, --config <file>', 'config file')
    .action(async (o: { key?: string; route?: string; since: string; json?: boolean; config?: string }) => {
      const since = parseDuration(o.since);
      if (since === undefined)
        throw new UsageError(`--since: expected a duration like 24h, got "${o.since}"`);
      const { compiled } = resolveConfig(o.config);
      const store = await openStore(compiled.storageUrl);
      const now = systemClock.now();
      let rows: Awaited<ReturnType<typeof store.usage.query>>;
      try {
        rows = await store.usage.query({
          from: now - since,
          to: now + 60_000,
          bucketMs: 60_000,
          ...(o.key ? { principal: o.key } : {}),
          ...(o.route ? { route: o.route } : {}),
        });
      } finally {
        await store.close();
      }
      const totals = new Map<string, { key: string; route: string; status: string; count: number }>();
      for (const r of rows) {
        const id = `${r.principal}\u0000${r.route}\u0000${r.statusClass}`;
        const entry = totals.get(id) ?? { key: r.principal, route: r.route, status: r.statusClass, count: 0 };
        entry.count += r.count;
        totals.set(id, entry);
      }
      const list = [...totals.values()].sort((a, b) => b.count - a.count || a.key.localeCompare(b.key));
      if (o.json) return printJson(list);
      if (list.length === 0) return void process.stdout.write(`no requests in the last ${o.since}\n`);
      printTable(
        ['KEY', 'ROUTE', 'STATUS', 'REQUESTS'],
        list.map((r) => [r.key, r.route, r.status, String(r.count)]),
      );
    });
}
