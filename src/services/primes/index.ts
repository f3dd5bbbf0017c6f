/** The primes service's descriptor: `POST {path}/check` and `/next`, reading exact big integers from JSON. */
import { useExactJsonParser } from '../../http/exact-json.js';
import { type ServiceDescriptor, serviceMount } from '../service.js';
import { registerPrimeRoutes } from './routes.js';

export const primesService: ServiceDescriptor<'primes'> = {
  name: 'primes',
  async register(app, section, { mount, cors }) {
    await mount(app, serviceMount('primes', section, section.roles ?? [], cors), (scope) => {
      useExactJsonParser(scope);
      registerPrimeRoutes(scope, section.maxBits);
    });
  },
};
