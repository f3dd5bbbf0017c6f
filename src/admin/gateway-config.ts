/**
 * `GET /routes`, `GET /services`, `GET /plans`: the config as the dashboard shows it — paths,
 * credentials, roles, limits and upstream hosts, never a secret (see config/views.ts). Built
 * once at start.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { PlanView, RouteView, ServiceView } from '../config/views.js';

const Limit = Type.Object({ requests: Type.Integer(), per: Type.String(), by: Type.Optional(Type.String()) });
const Strings = Type.Array(Type.String());

const RouteSchema = Type.Object({
  kind: Type.Literal('route'),
  name: Type.String(),
  path: Type.String(),
  methods: Strings,
  auth: Strings,
  roles: Strings,
  rateLimit: Type.Array(Limit),
  upstream: Type.Object({
    origin: Type.String(),
    timeout: Type.String(),
    budget: Type.Union([Limit, Type.Null()]),
    cacheTtl: Type.Union([Type.String(), Type.Null()]),
    injects: Strings,
  }),
});

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
  routes: RouteView[];
  services: ServiceView[];
  plans: PlanView[];
}

/** Registers the read-only config views. */
export function registerGatewayConfigRoutes(app: FastifyInstance, views: GatewayViews): void {
  const routes = { items: views.routes };
  const services = { items: views.services };
  const plans = { items: views.plans };
  const schema = (item: Parameters<typeof Type.Array>[0]) => ({
    tags: ['admin'],
    response: { 200: Type.Object({ items: Type.Array(item) }) },
  });
  app.get('/routes', { schema: schema(RouteSchema) }, async () => routes);
  app.get('/services', { schema: schema(ServiceSchema) }, async () => services);
  app.get('/plans', { schema: schema(PlanSchema) }, async () => plans);
}
