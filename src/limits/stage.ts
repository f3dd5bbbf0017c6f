/**
 * The rate-limit stage of a route or service: gathers every limit that applies to the request
 * (the principal's plan, the route's own `rateLimit`, the upstream `budget`), checks them
 * together, and answers 429 with Retry-After and RateLimit headers — or lets the request on
 * with the remaining allowance in those headers. Compiled once per route.
 */
import type { FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import type { LimitPolicyConfig } from '../config/schema.js';
import { KeywardError } from '../errors.js';
import { rateLimitHeaders } from './headers.js';
import type { FailureMode, RateLimiter } from './limiter.js';
import type { LimitCheck, Period } from './policy.js';

export interface LimitSpec {
  /** Route or service name; scopes route limits and budgets. */
  scope: string;
  rateLimit: readonly LimitPolicyConfig[];
  budget?: { requests: number; per: Period } | undefined;
  onFailure: FailureMode;
  /** Whether the caller's plan limits apply here too (not for Keyward's own built-in limits). */
  applyPlan?: boolean;
}

export interface PlanTable {
  [plan: string]: { limits: readonly LimitPolicyConfig[] } | undefined;
}

type Subject = NonNullable<LimitPolicyConfig['by']>;

function subjectOf(by: Subject, request: FastifyRequest): string {
  const p = request.principal;
  switch (by) {
    case 'route':
      return 'all';
    case 'ip':
      return `ip:${request.ip}`;
    case 'user':
      return p ? p.id : `ip:${request.ip}`;
    default:
      return p ? (p.keyId ?? p.id) : `ip:${request.ip}`;
  }
}

function named(prefix: string, policies: readonly LimitPolicyConfig[]): string[] {
  return policies.map((p, i) => {
    const duplicate = policies.some((q, j) => j !== i && q.per === p.per);
    return duplicate ? `${prefix}-${p.per}-${i}` : `${prefix}-${p.per}`;
  });
}

/** Builds the onRequest hook enforcing a route's limits plus the caller's plan. */
export function createLimitStage(
  spec: LimitSpec,
  limiter: RateLimiter,
  plans: PlanTable,
): onRequestAsyncHookHandler {
  const routeNames = named(spec.scope, spec.rateLimit);
  const planNames = new Map(
    Object.entries(plans).map(([plan, p]) => [plan, named(`plan-${plan}`, p?.limits ?? [])]),
  );
  const budgetId = `budget:${spec.scope}`;
  return async function enforceLimits(request: FastifyRequest, reply: FastifyReply) {
    const checks: LimitCheck[] = [];
    const plan = spec.applyPlan === false ? null : request.principal?.plan;
    if (plan) {
      const limits = plans[plan]?.limits;
      if (!limits)
        throw new KeywardError('KW_ERR_PLAN_UNKNOWN', {
          detail: `This credential's plan "${plan}" is not configured.`,
        });
      const names = planNames.get(plan) ?? [];
      limits.forEach((policy, i) => {
        checks.push({
          id: `plan:${plan}:${i}:${subjectOf(policy.by ?? 'key', request)}`,
          name: names[i] ?? plan,
          policy,
        });
      });
    }
    spec.rateLimit.forEach((policy, i) => {
      checks.push({
        id: `route:${spec.scope}:${i}:${subjectOf(policy.by ?? 'key', request)}`,
        name: routeNames[i] ?? spec.scope,
        policy,
      });
    });
    if (spec.budget) checks.push({ id: budgetId, name: `${spec.scope}-budget`, policy: spec.budget });
    if (checks.length === 0) return;

    const decision = await limiter.consume(checks, spec.onFailure, spec.scope);
    const headers = rateLimitHeaders(decision);
    if (decision.allowed) {
      reply.headers(headers);
      return;
    }
    const budgetExhausted = decision.results.some((r) => !r.allowed && r.check.id === budgetId);
    throw new KeywardError(budgetExhausted ? 'KW_ERR_UPSTREAM_BUDGET' : 'KW_ERR_RATE_LIMITED', {
      detail: budgetExhausted
        ? `Route "${spec.scope}" has used its upstream budget for now.`
        : `Rate limit exceeded; retry after ${headers['retry-after']} s.`,
      headers,
    });
  };
}
