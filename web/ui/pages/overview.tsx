/** Overview: the gateway's traffic over the last hour or day — requests, and 4xx, 5xx and 429 rates. */
import { useState } from 'preact/hooks';
import type { Api } from '../../shared/api';
import { UsageChart } from '../../shared/chart';
import { count, percent } from '../../shared/format';
import { useInterval, useLoad } from '../../shared/hooks';
import type { UsageSeries } from '../../shared/types';
import { Empty, ErrorBox, Loading, PageHead, Segmented } from '../../shared/ui';

type Window = '1h' | '24h';

/** Four figures above the charts. */
export function UsageStats({ series }: { series: UsageSeries }) {
  const t = series.totals;
  const rate = (n: number) => (t.total === 0 ? 0 : n / t.total);
  return (
    <div class="stats">
      <div class="stat">
        <div class="label">Requests</div>
        <div class="value" data-testid="stat-total">
          {count(t.total)}
        </div>
      </div>
      <div class={`stat ${rate(t['4xx']) > 0.1 ? 'warn' : ''}`}>
        <div class="label">4xx rate</div>
        <div class="value">{percent(t['4xx'], t.total)}</div>
      </div>
      <div class={`stat ${rate(t['5xx']) > 0.01 ? 'bad' : ''}`}>
        <div class="label">5xx rate</div>
        <div class="value">{percent(t['5xx'], t.total)}</div>
      </div>
      <div class={`stat ${rate(t['429']) > 0.05 ? 'warn' : ''}`}>
        <div class="label">429 rate</div>
        <div class="value">{percent(t['429'], t.total)}</div>
      </div>
    </div>
  );
}

/** Stats and the two charts of one series, with loading, error and empty states. */
export function SeriesPanel({
  series,
  error,
  retry,
  emptyText,
}: {
  series: UsageSeries | undefined;
  error: string | null;
  retry: () => void;
  emptyText: string;
}) {
  if (error && !series) return <ErrorBox message={error} retry={retry} />;
  if (!series) return <Loading what="Loading usage" />;
  return (
    <>
      {error && <ErrorBox message={error} retry={retry} />}
      <UsageStats series={series} />
      {series.totals.total === 0 && (
        <div class="card">
          <Empty title="No requests in this window">{emptyText}</Empty>
        </div>
      )}
      <div class="grid">
        <div class="card">
          <h2>Requests</h2>
          <UsageChart series={series} mode="requests" title="Requests per interval" />
        </div>
        <div class="card">
          <h2>Error and limit rates</h2>
          <UsageChart series={series} mode="rates" title="Share of 4xx, 5xx and 429 answers" />
        </div>
      </div>
    </>
  );
}

export function OverviewPage({ api }: { api: Api }) {
  const [window, setWindow] = useState<Window>('1h');
  const usage = useLoad(() => api<UsageSeries>('GET', `/usage/series?window=${window}`), [window]);
  useInterval(usage.reload, 15_000);
  return (
    <>
      <PageHead
        title="Overview"
        sub="Traffic through the gateway's routes and services (the dashboard's own calls are left out)."
      >
        <Segmented
          label="Time window"
          value={window}
          onChange={setWindow}
          options={[
            ['1h', 'Last hour'],
            ['24h', 'Last day'],
          ]}
        />
      </PageHead>
      <SeriesPanel
        series={usage.data}
        error={usage.error}
        retry={usage.reload}
        emptyText="Calls to your routes and services will show here within a few seconds."
      />
    </>
  );
}
