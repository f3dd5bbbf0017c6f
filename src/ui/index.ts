/**
 * The admin dashboard at `/ui` (when `ui.enabled`): the built page and its cookie sign-in at
 * `/ui/session` for local users holding one of `admin.roles`. Everything else the page does
 * goes through the admin API with the access token it holds in memory.
 */
import type { FastifyInstance } from 'fastify';
import { registerCookieSession, type SessionLogin } from './cookie-session.js';
import { registerStaticApp } from './static-app.js';

export const UI_PATH = '/ui';

export interface DashboardOptions {
  adminRoles: readonly string[];
  /** The admin API's path, e.g. /admin/v1. */
  adminPath: string;
  login: SessionLogin | null;
}

/** Registers the dashboard page and its session endpoints. */
export function registerDashboard(app: FastifyInstance, options: DashboardOptions): void {
  registerStaticApp(app, { name: 'ui', base: UI_PATH, routeName: 'ui' });
  registerCookieSession(app, {
    path: `${UI_PATH}/session`,
    cookieName: 'kw_ui_session',
    roles: options.adminRoles,
    audience: `an admin role (${options.adminRoles.join(', ')})`,
    routeName: 'ui',
    apiBase: options.adminPath,
    login: options.login,
  });
}
