/**
 * `POST /config/reload`: reads the config file again and applies it when it is valid, as
 * SIGHUP does. 200 `{reloaded: true}`; a config with problems changes nothing and answers 422
 * with each problem's YAML path. A gateway that cannot reload (one built only for tests)
 * answers 404.
 */
import type { FastifyInstance } from 'fastify';
import type { ConfigProblem } from '../config/problems.js';
import { KeywardError } from '../errors.js';

/** Runs a reload; null while the gateway has none. */
export interface ConfigReload {
  run: (() => Promise<{ reloaded: boolean; problems: ConfigProblem[] }>) | null;
}

/** Registers the reload route. */
export async function registerConfigRoutes(app: FastifyInstance, reload: ConfigReload): Promise<void> {
  app.post('/config/reload', { schema: { summary: 'Reload the config file', tags: ['admin'] } }, async () => {
    if (reload.run === null) {
      throw new KeywardError('KW_ERR_NOT_FOUND', {
        detail: 'This gateway was not started from a config file.',
      });
    }
    const outcome = await reload.run();
    if (!outcome.reloaded) {
      throw new KeywardError('KW_ERR_VALIDATION', {
        detail: 'The config has problems; the running config stays.',
        errors: outcome.problems.map((p) => ({
          path: p.path,
          message: p.line === undefined ? p.message : `${p.message} (line ${p.line})`,
        })),
      });
    }
    return { reloaded: true };
  });
}
