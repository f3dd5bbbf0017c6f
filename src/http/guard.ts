/**
 * The protection every route, service and operation gets, in request order: authenticate with
 * the accepted schemes, require one of the roles, then enforce plan and route limits. One
 * function, so a service cannot forget a stage a proxy route has.
 */
import type { onRequestHookHandler } from 'fastify';
import { type AuthScheme, createAuthenticator } from '../auth/authenticate.js';
import { requireRoles } from '../authz/roles.js';
import type { LimitPolicyConfig } from '../config/schema.js';
import type { FailureMode } from '../limits/limiter.js';
import type { Period } from '../limits/policy.js';
import { createLimitStage } from '../limits/stage.js';
import type { AppDependencies } from '../server/app.js';
import { type Stage, stageHook } from './stages.js';

export interface GuardSpec {
  /** Route or service name: scopes its limits and budget. */
  scope: string;
  schemes: readonly AuthScheme[];
  roles?: readonly string[] | undefined;
  rateLimit?: readonly LimitPolicyConfig[] | undefined;
  budget?: { requests: number; per: Period } | undefined;
  onLimiterFailure?: FailureMode;
}

/** The stages protecting one route or service, in order. */
export function guardStages(spec: GuardSpec, deps: AppDependencies): Stage[] {
  return [
    createAuthenticator({ schemes: spec.schemes, apiKeys: deps.apiKeys, settings: deps.config.apiKeys }),
    requireRoles(spec.roles ?? []),
    createLimitStage(
      {
        scope: spec.scope,
        rateLimit: spec.rateLimit ?? [],
        budget: spec.budget,
        onFailure: spec.onLimiterFailure ?? 'open',
      },
      deps.limiter,
      deps.config.raw.plans,
    ),
  ];
}

/** The one onRequest hook protecting a route or service. */
export function guardHook(spec: GuardSpec, deps: AppDependencies): onRequestHookHandler {
  return stageHook(...guardStages(spec, deps));
}
