/**
 * `GET /services`, `GET /plans`: the built-in services and the plans as the dashboard shows
 * them — paths, credentials, roles, limits and settings (see config/views.ts). Built once at
 * start. Routes have their own view (routes.ts), with upstream health.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { PlanView, ServiceView } from '../config/views.js';

const Limit = Type.Object({ requests: Type.Integer(), per: Type.String(), by: Type.Optional(Type.String()) });
const Strings = Type.Array(Type.String());

const ServiceSchema = Type.Object({
  kind: Type.Literal('service'),
  name: Type.String(),
  path: Type.String(),
  auth: Strings,
  roles: Strings,
  writeRoles: Type.Union([Strings, Type.Null()]),
  rateLimit: Type.Array(Limit),
  settings: Type.Record(Type.String(), Type.Union([Type.String(), Type.Number()])),
});

const PlanSchema = Type.Object({ name: Type.String(), limits: Type.Array(Limit) });

/** The config as shown (built once by config/views.ts). */
export interface GatewayViews {
  services: ServiceView[];
  plans: PlanView[];
}

/** Registers the read-only config views. */
export function registerGatewayConfigRoutes(app: FastifyInstance, views: GatewayViews): void {
  const services = { items: views.services };
  const plans = { items: views.plans };
  const schema = (item: Parameters<typeof Type.Array>[0]) => ({
    tags: ['admin'],
    response: { 200: Type.Object({ items: Type.Array(item) }) },
  });
  app.get('/services', { schema: schema(ServiceSchema) }, async () => services);
  app.get('/plans', { schema: schema(PlanSchema) }, async () => plans);
}
