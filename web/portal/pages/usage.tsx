/** Usage & quota: the developer's own calls over time and what is left of their plan's quotas. */
import { useState } from 'preact/hooks';
import type { Api } from '../../shared/api';
import { UsageChart } from '../../shared/chart';
import { count, limitText, percent, when } from '../../shared/format';
import { useInterval, useLoad } from '../../shared/hooks';
import type { PlanView, UsageSeries } from '../../shared/types';
import { Empty, ErrorBox, Loading, PageHead, Segmented } from '../../shared/ui';

interface QuotaStatus {
  requests: number;
  per: string;
  used: number | null;
  remaining: number | null;
  resetsAt: string | null;
}

interface QuotaAnswer {
  plan: PlanView | null;
  items: { id: string; name: string; plan: string | null; limits: QuotaStatus[] }[];
}

function Quotas({ api }: { api: Api }) {
  const quota = useLoad(() => api<QuotaAnswer>('GET', '/quota'), []);
  useInterval(quota.reload, 15_000);
  if (quota.error) return <ErrorBox message={quota.error} retry={quota.reload} />;
  if (!quota.data) return <Loading what="Loading quotas" />;
  const { plan, items } = quota.data;
  if (!plan) return <p class="muted">Your keys have no plan: only the limits of each API apply.</p>;
  if (items.length === 0) return <Empty title="No active keys">Quotas are counted per key.</Empty>;
  return (
    <div class="table-wrap">
      <table>
        <thead>
          <tr>
            <th>Key</th>
            {plan.limits.map((l, i) => (
              <th key={i}>{limitText(l)}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {items.map((k) => (
            <tr key={k.id}>
              <td>
                <strong>{k.name}</strong>
              </td>
              {k.limits.map((l, i) => (
                <td key={i} data-testid={`quota-${k.id}-${l.per}`}>
                  {l.remaining === null ? (
                    <span class="muted">smooth limit</span>
                  ) : (
                    <>
                      <strong>{count(l.remaining)}</strong> left of {count(l.requests)}
                      <meter
                        min={0}
                        max={l.requests}
                        value={l.used ?? 0}
                        low={l.requests * 0.7}
                        high={l.requests * 0.9}
                        optimum={0}
                      />
                      <div class="small muted">resets {when(l.resetsAt)}</div>
                    </>
                  )}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function UsagePage({ api }: { api: Api }) {
  const [window, setWindow] = useState<'1h' | '24h' | '7d'>('1h');
  const usage = useLoad(() => api<UsageSeries>('GET', `/usage?window=${window}`), [window]);
  useInterval(usage.reload, 10_000);
  const t = usage.data?.totals;
  return (
    <>
      <PageHead title="Usage & quota" sub="Calls made with your keys. Nobody else's calls are counted here.">
        <Segmented
          label="Time window"
          value={window}
          onChange={setWindow}
          options={[
            ['1h', 'Last hour'],
            ['24h', 'Last day'],
            ['7d', 'Last week'],
          ]}
        />
      </PageHead>
      {usage.error && <ErrorBox message={usage.error} retry={usage.reload} />}
      {!usage.data && !usage.error && <Loading what="Loading usage" />}
      {usage.data && t && (
        <>
          <div class="stats">
            <div class="stat">
              <div class="label">Requests</div>
              <div class="value" data-testid="stat-total">
                {count(t.total)}
              </div>
            </div>
            <div class="stat">
              <div class="label">Successful</div>
              <div class="value">{percent(t['2xx'], t.total)}</div>
            </div>
            <div class="stat">
              <div class="label">Errors (4xx/5xx)</div>
              <div class="value">{count(t['4xx'] + t['5xx'])}</div>
            </div>
            <div class="stat">
              <div class="label">Rate limited</div>
              <div class="value">{count(t['429'])}</div>
            </div>
          </div>
          <div class="grid">
            <div class="card">
              <h2>Requests</h2>
              <UsageChart series={usage.data} mode="requests" title="Your requests per interval" />
            </div>
            <div class="card">
              <h2>Error and limit rates</h2>
              <UsageChart
                series={usage.data}
                mode="rates"
                title="Share of your calls answered 4xx, 5xx or 429"
              />
            </div>
          </div>
        </>
      )}
      <div class="card">
        <h2>Quota left</h2>
        <Quotas api={api} />
      </div>
    </>
  );
}
