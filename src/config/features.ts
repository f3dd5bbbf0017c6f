/**
 * Which config sections this build validates but does not act on yet: `keyward check` and
 * `keyward start` say so plainly instead of silently ignoring them.
 */
import type { CompiledConfig } from './compile.js';

/** One line per configured section that this build validates but does not enforce yet. */
export function pendingFeatureNotes(config: CompiledConfig): string[] {
  const notes: string[] = [];
  if (config.redisUrl !== '') notes.push('redis: validated, but Redis is not used yet in this build');
  return notes;
}
