/**
 * The request bodies Keyward parses app-wide: JSON only. There is no text/plain parser, so a
 * JSON endpoint sent `text/plain` answers 415 instead of a confusing 422 about a string body.
 * An empty JSON body on a route that takes no body is no body at all: clients such as axios
 * and fetch wrappers send `Content-Type: application/json` on every POST, body or not. Scopes
 * add their own parsers where they take something else (form, CSV, exact-integer JSON).
 */
import type { FastifyInstance } from 'fastify';

/** Replaces Fastify's default parsers on the root instance (before any route is added). */
export function installBodyParsers(app: FastifyInstance): void {
  // Prototype-poisoning keys refused, as Fastify's own parser does by default.
  const json = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '' && request.routeOptions.schema?.body === undefined) {
      done(null, undefined);
      return;
    }
    json(request, body as string, done);
  });
}
