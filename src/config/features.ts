/**
 * Which config sections this build enforces. The schema accepts all of SPEC §2 so configs
 * written today stay valid; `keyward check` and `keyward start` say plainly which parts are
 * validated but not acted on yet, instead of silently ignoring them.
 */
import { SERVED_SERVICES } from '../services/index.js';
import type { LoadedConfig } from './load.js';

/** One line per configured section that this build validates but does not enforce yet. */
export function pendingFeatureNotes({ config }: LoadedConfig): string[] {
  const notes: string[] = [];
  const pending = (section: string, what: string) =>
    notes.push(`${section}: validated, but ${what} in this build`);
  if (config.redis.url !== '') pending('redis', 'Redis is not used yet');
  const services = Object.entries(config.services).filter(
    ([name, s]) => s?.enabled && !(SERVED_SERVICES as readonly string[]).includes(name),
  );
  if (services.length > 0)
    pending('services', `built-in services (${services.map(([n]) => n).join(', ')}) are not served yet`);
  return notes;
}
