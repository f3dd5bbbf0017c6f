/**
 * What a built-in service is: a descriptor with its config section's name and a `register`
 * that mounts its routes through the pipeline, like a configured route (the same stages, in
 * the same order). Services answer browsers under the global `cors` policy, as routes without
 * their own `cors` do.
 */
import type { FastifyInstance } from 'fastify';
import type { AuthScheme } from '../auth/authenticate.js';
import type { Clock } from '../clock.js';
import type { KeywardConfig, LimitPolicyConfig } from '../config/schema.js';
import type { CorsPolicy } from '../http/cors.js';
import type { Mount, MountSpec } from '../http/pipeline.js';
import type { PlaceRepository } from '../store/repositories/places.js';

export type ServicesConfig = KeywardConfig['services'];
export type ServiceName = keyof ServicesConfig;

/** What services are built from. */
export interface ServiceContext {
  mount: Mount;
  cors: CorsPolicy;
  clock: Clock;
  places: PlaceRepository;
}

export interface ServiceDescriptor<N extends ServiceName = ServiceName> {
  name: N;
  /** Mounts the service for its (enabled) config section. */
  register(
    app: FastifyInstance,
    section: NonNullable<ServicesConfig[N]>,
    context: ServiceContext,
  ): Promise<void>;
}

/** The parts of a service section every service has. */
interface ServiceSection {
  path: string;
  auth: readonly AuthScheme[];
  rateLimit?: readonly LimitPolicyConfig[] | undefined;
}

/** The mount of a service: its path, schemes and roles, its limits plus the caller's plan. */
export function serviceMount(
  name: ServiceName,
  section: ServiceSection,
  roles: readonly string[],
  cors: CorsPolicy,
): MountSpec {
  return {
    name,
    prefix: section.path.replace(/\/\*?$/, ''),
    cors,
    authenticate: section.auth,
    authorize: roles,
    limits: { rateLimit: section.rateLimit ?? [], onFailure: 'open', plan: true },
  };
}
