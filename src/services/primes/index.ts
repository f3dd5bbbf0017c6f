/**
 * The primes service's descriptor: `POST {path}/check` and `/next`, reading exact big integers
 * from JSON, with large inputs computed on a pool of worker threads that closes with the app.
 */
import { useExactJsonParser } from '../../http/exact-json.js';
import { type ServiceDescriptor, serviceMount } from '../service.js';
import { PrimePool } from './pool.js';
import { registerPrimeRoutes } from './routes.js';

export const primesService: ServiceDescriptor<'primes'> = {
  name: 'primes',
  async register(app, section, { mount, cors }) {
    await mount(app, serviceMount('primes', section, section.roles ?? [], cors), (scope) => {
      useExactJsonParser(scope);
      const pool = new PrimePool();
      scope.addHook('onClose', () => pool.close());
      registerPrimeRoutes(scope, section.maxBits, pool);
    });
  },
};
