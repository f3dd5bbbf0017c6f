/**
 * The built-in services, one descriptor each (`services/<name>/index.ts`): each enabled one is
 * mounted at its configured path behind the same stages as a configured route.
 */
import type { FastifyInstance } from 'fastify';
import { placesService } from './places/index.js';
import { primesService } from './primes/index.js';
import type { ServiceContext, ServiceDescriptor, ServiceName, ServicesConfig } from './service.js';
import { timeService } from './time/index.js';

/** Every built-in service this build serves. */
export const SERVICES = [timeService, primesService, placesService] as const;

/** Their names, derived from the descriptors. */
export const SERVICE_NAMES: readonly ServiceName[] = SERVICES.map((s) => s.name);

/** Mounts each service whose config section is present and enabled. */
export async function registerServices(
  app: FastifyInstance,
  sections: ServicesConfig,
  context: ServiceContext,
): Promise<void> {
  for (const service of SERVICES) await registerOne(app, service as ServiceDescriptor, sections, context);
}

async function registerOne<N extends ServiceName>(
  app: FastifyInstance,
  service: ServiceDescriptor<N>,
  sections: ServicesConfig,
  context: ServiceContext,
): Promise<void> {
  const section = sections[service.name];
  if (section?.enabled) await service.register(app, section as NonNullable<ServicesConfig[N]>, context);
}
