/**
 * Which config sections this build validates but does not act on yet: `keyward check` and
 * `keyward start` say so plainly instead of silently ignoring them. Every section of the config
 * is enforced in this build, so there are none today; a feature that lands in parts adds its
 * line here until it is whole.
 */
import type { CompiledConfig } from './compile.js';

/** One line per configured section that this build validates but does not enforce yet. */
export function pendingFeatureNotes(_config: CompiledConfig): string[] {
  return [];
}
