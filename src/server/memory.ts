/**
 * Keeps V8's young generation at 16 MB. Under a steady stream of requests V8 doubles the new
 * space up to 128 MB resident, which dominated peak RSS in the 1,000,000-key bench (340 MB);
 * with 16 MB the gateway's throughput is the same (with 2 MB it falls by a quarter), see
 * docs/benchmarks.md. The size flag (`--max-semi-space-size`) works only on the node command
 * line, which `keyward start` does not control, so growth is stopped instead once the new space
 * has reached that size: V8 reads the growth factor each time it considers growing. A size or
 * factor given on the command line or in NODE_OPTIONS is left alone.
 */
import { PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';

const TARGET_BYTES = 16 * 2 ** 20;
const OWN_FLAGS = /^--(max-semi-space-size|min-semi-space-size|semi-space-growth-factor)\b/;

function newSpaceBytes(): number {
  return getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0;
}

/** Stops young-generation growth at 16 MB unless the operator chose its size; false when left alone. */
export function boundYoungGeneration(
  execArgv: readonly string[] = process.execArgv,
  nodeOptions = process.env.NODE_OPTIONS ?? '',
): boolean {
  if ([...execArgv, ...nodeOptions.split(/\s+/)].some((arg) => OWN_FLAGS.test(arg))) return false;
  const stopGrowing = () => setFlagsFromString('--semi-space-growth-factor=1');
  if (newSpaceBytes() >= TARGET_BYTES) {
    stopGrowing();
    return true;
  }
  // The new space grows only at a collection, so that is when to look.
  const observer = new PerformanceObserver(() => {
    if (newSpaceBytes() < TARGET_BYTES) return;
    stopGrowing();
    observer.disconnect();
  });
  observer.observe({ entryTypes: ['gc'] });
  return true;
}
