/**
 * Who may read and who may change places. `roles` is either one list (needed for both) or
 * `{ read, write }`. Reading with no read roles is public — a credential is checked if sent but
 * not required — because the places are what the public map shows (a places map is usually
 * public; posting a place is what needs protecting). Unset write roles fall back to the read roles,
 * so writing is never more open than reading by accident.
 */
import type { AuthScheme } from '../../auth/authenticate.js';

export interface PlacesConfigAccess {
  auth: readonly AuthScheme[];
  roles?: readonly string[] | { read?: readonly string[]; write?: readonly string[] } | undefined;
}

export interface PlacesAccess {
  readRoles: readonly string[];
  writeRoles: readonly string[];
  readSchemes: readonly AuthScheme[];
  writeSchemes: readonly AuthScheme[];
  /** Whether a caller without any credential may read (and so the map can show the places). */
  publicRead: boolean;
}

/** Resolves the service's `auth` and `roles` into the read and write requirements. */
export function placesAccess(config: PlacesConfigAccess): PlacesAccess {
  const roles = config.roles;
  const readRoles = Array.isArray(roles) ? roles : ((roles as { read?: readonly string[] })?.read ?? []);
  const writeRoles = Array.isArray(roles)
    ? roles
    : ((roles as { write?: readonly string[] })?.write ?? readRoles);
  const publicRead = readRoles.length === 0;
  const readSchemes: readonly AuthScheme[] =
    publicRead && !config.auth.includes('none') ? [...config.auth, 'none'] : config.auth;
  return { readRoles, writeRoles, readSchemes, writeSchemes: config.auth, publicRead };
}
