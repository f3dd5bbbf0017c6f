/** Vitest global setup: each run starts the no-leak sweep with no reports from earlier runs. */
import { rmSync } from 'node:fs';
import { SWEEP_DIR } from './leak-sweep.js';

export default function setup(): void {
  rmSync(SWEEP_DIR, { recursive: true, force: true });
}
