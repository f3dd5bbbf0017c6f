/**
 * `GET /routes` and `GET /routes/:name`: the configured proxy routes as operators need to see
 * them — public path, methods, auth and roles, WebSocket connections, and each upstream
 * target's health and circuit-breaker state. Only scheme, host and port of a target are shown:
 * never an upstream path or query, an injected value or a secret. The one routes view of the
 * admin API (the dashboard reads this too).
 */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { KeywardError } from '../errors.js';
import type { RouteView } from '../proxy/status.js';

export interface RouteViewOptions {
  /** The current view of every configured route. */
  views(): RouteView[];
}

/** Registers the route views. */
export async function registerRouteViews(app: FastifyInstance, options: RouteViewOptions): Promise<void> {
  app.get('/routes', async () => ({ items: options.views() }));
  app.get<{ Params: { name: string } }>(
    '/routes/:name',
    { schema: { params: Type.Object({ name: Type.String({ maxLength: 64 }) }) } },
    async (request) => {
      const view = options.views().find((r) => r.name === request.params.name);
      if (!view) throw new KeywardError('KW_ERR_NOT_FOUND', { detail: 'No route by that name.' });
      return view;
    },
  );
}
