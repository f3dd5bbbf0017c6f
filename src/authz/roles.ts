/** Role checks: a route, service or the admin API names the roles it needs (any one suffices). */
import type { Principal } from '../auth/principal.js';
import { KeywardError } from '../errors.js';
import type { Stage } from '../stages.js';

/** Whether the principal holds at least one of `required` (an empty list requires nothing). */
export function hasAnyRole(principal: Principal | null, required: readonly string[]): boolean {
  if (required.length === 0) return true;
  return principal?.roles.some((r) => required.includes(r)) ?? false;
}

/** Builds the stage that refuses with 401 without a principal and 403 without a needed role. */
export function requireRoles(required: readonly string[]): Stage {
  const needed = required.join(', ');
  return function authorize(request) {
    if (required.length === 0) return undefined;
    if (request.principal === null) {
      return new KeywardError('KW_ERR_UNAUTHENTICATED', { detail: 'A credential is required.' });
    }
    if (!hasAnyRole(request.principal, required)) {
      return new KeywardError('KW_ERR_FORBIDDEN', { detail: `This requires one of the roles: ${needed}.` });
    }
    return undefined;
  };
}
