/**
 * The rate-limit stage of a route or service: gathers every limit that applies to the request
 * (the principal's plan, the route's own `rateLimit`, the upstream `budget`), checks them
 * together, and answers 429 with Retry-After and RateLimit headers — or lets the request on
 * with the remaining allowance in those headers. Compiled once per route.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { LimitPolicyConfig } from '../config/schema.js';
import { KeywardError } from '../errors.js';
import type { Stage, StageOutcome } from '../stages.js';
import { policyHeader, rateLimitHeaders } from './headers.js';
import type { FailureMode, RateLimiter } from './limiter.js';
import type { LimitCheck, LimitDecision, Period } from './policy.js';

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

/** One limit of a route or plan, with everything but the subject worked out at start-up. */
interface CheckTemplate {
  idPrefix: string;
  name: string;
  policy: LimitPolicyConfig;
  by: Subject;
}

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

function templates(idPrefix: string, namePrefix: string, policies: readonly LimitPolicyConfig[]) {
  return policies.map((policy, i): CheckTemplate => {
    const duplicate = policies.some((q, j) => j !== i && q.per === policy.per);
    return {
      idPrefix: `${idPrefix}:${i}:`,
      name: duplicate ? `${namePrefix}-${policy.per}-${i}` : `${namePrefix}-${policy.per}`,
      policy,
      by: policy.by ?? 'key',
    };
  });
}

/** The precomputed checks for requests on one plan (or none): templates, budget and the policy header. */
interface CheckSet {
  templates: CheckTemplate[];
  policyHeader: string;
  /** Whether the checks depend on the principal only (no `by: ip`), so they can be reused. */
  perPrincipal: boolean;
  /**
   * Built checks by principal id: reused, their ids are the same strings on every request, which
   * keeps the limiter's lookups cheap. Bounded; cleared when full (it refills as requests come).
   */
  built: Map<string, LimitCheck[]>;
}

const MAX_BUILT = 4096;

/** Builds the stage enforcing a route's limits plus the caller's plan. */
export function createLimitStage(spec: LimitSpec, limiter: RateLimiter, plans: PlanTable): Stage {
  const budgetId = `budget:${spec.scope}`;
  const budget: LimitCheck | null = spec.budget
    ? { id: budgetId, name: `${spec.scope}-budget`, policy: spec.budget }
    : null;
  const routeTemplates = templates(`route:${spec.scope}`, spec.scope, spec.rateLimit);
  const checkSet = (planTemplates: CheckTemplate[]): CheckSet => {
    const all = [...planTemplates, ...routeTemplates];
    const policies = [...all, ...(budget ? [budget] : [])];
    return {
      templates: all,
      policyHeader: policyHeader(policies),
      perPrincipal: all.every((t) => t.by !== 'ip'),
      built: new Map(),
    };
  };
  const withoutPlan = checkSet([]);
  const byPlan = new Map<string, CheckSet>();
  for (const [plan, p] of Object.entries(plans)) {
    if (p) byPlan.set(plan, checkSet(templates(`plan:${plan}`, `plan-${plan}`, p.limits)));
  }

  return function enforceLimits(request: FastifyRequest, reply: FastifyReply) {
    const plan = spec.applyPlan === false ? null : request.principal?.plan;
    let set = withoutPlan;
    if (plan) {
      const found = byPlan.get(plan);
      if (!found)
        throw new KeywardError('KW_ERR_PLAN_UNKNOWN', {
          detail: `This credential's plan "${plan}" is not configured.`,
        });
      set = found;
    }
    if (set.templates.length === 0 && budget === null) return undefined;
    const checks = checksFor(set, request);

    const decision = limiter.consume(checks, spec.onFailure, spec.scope);
    // Counters in memory decide synchronously; a promise only while a quota loads from the store.
    if (decision instanceof Promise) return decision.then((d) => answer(d, set, reply));
    return answer(decision, set, reply);
  };

  function build(set: CheckSet, request: FastifyRequest): LimitCheck[] {
    const checks: LimitCheck[] = [];
    for (const t of set.templates) {
      checks.push({ id: t.idPrefix + subjectOf(t.by, request), name: t.name, policy: t.policy });
    }
    if (budget) checks.push(budget);
    return checks;
  }

  function checksFor(set: CheckSet, request: FastifyRequest): LimitCheck[] {
    const p = request.principal;
    // A client-credentials principal counts `by: key` against its key, `by: user` against itself.
    if (!set.perPrincipal || !p || (p.keyId !== undefined && p.keyId !== p.id)) return build(set, request);
    let checks = set.built.get(p.id);
    if (checks === undefined) {
      if (set.built.size >= MAX_BUILT) set.built.clear();
      checks = build(set, request);
      set.built.set(p.id, checks);
    }
    return checks;
  }

  function answer(decision: LimitDecision, set: CheckSet, reply: FastifyReply): StageOutcome {
    const headers = rateLimitHeaders(decision, set.policyHeader);
    if (decision.allowed) {
      reply.headers(headers);
      return undefined;
    }
    const budgetExhausted = decision.results.some((r) => !r.allowed && r.check.id === budgetId);
    return new KeywardError(budgetExhausted ? 'KW_ERR_UPSTREAM_BUDGET' : 'KW_ERR_RATE_LIMITED', {
      detail: budgetExhausted
        ? `Route "${spec.scope}" has used its upstream budget for now.`
        : `Rate limit exceeded; retry after ${headers['retry-after']} s.`,
      headers,
    });
  }
}
