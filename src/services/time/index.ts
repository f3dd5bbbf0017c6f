/** The time service's descriptor: `GET|POST {path}` behind the service's stages. */
import { type ServiceDescriptor, serviceMount } from '../service.js';
import { registerTimeService } from './routes.js';

export const timeService: ServiceDescriptor<'time'> = {
  name: 'time',
  async register(app, section, { mount, cors, clock }) {
    await mount(app, serviceMount('time', section, section.roles ?? [], cors), (scope) =>
      registerTimeService(scope, clock),
    );
  },
};
