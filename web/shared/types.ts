/** Shapes of the API answers the pages read (see docs/admin-api.md and docs/portal.md). */

export interface UsageSeries {
  window: string;
  bucketSeconds: number;
  from: string;
  to: string;
  times: number[];
  counts: Record<'total' | '2xx' | '3xx' | '4xx' | '5xx' | '429', number[]>;
  totals: Record<'total' | '2xx' | '3xx' | '4xx' | '5xx' | '429', number>;
}

export interface Limit {
  requests: number;
  per: string;
  by?: string;
}

export interface PlanView {
  name: string;
  limits: Limit[];
}
