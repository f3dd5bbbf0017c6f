// Baseline: the node floor (node-floor.js) in two node:cluster workers sharing the port, as
// `keyward start --workers 2` runs. Its ratio to the one-process node floor is what this
// machine gives any Node server for a second worker, with wrk and the upstream on the same cores.
// argv: port upstreamUrl apiKey (passed on to the workers)
import cluster from 'node:cluster';

if (cluster.isPrimary) {
  for (let i = 0; i < 2; i++) cluster.fork();
  process.on('SIGTERM', () => {
    for (const worker of Object.values(cluster.workers ?? {})) worker?.kill('SIGTERM');
    process.exit(0);
  });
} else {
  await import('./node-floor.js');
}
