/** Routes and services as the config defines them: paths, credentials, roles, limits, upstream hosts. */
import { useState } from 'preact/hooks';
import type { Api } from '../../shared/api';
import { limitText } from '../../shared/format';
import { useLoad } from '../../shared/hooks';
import type { Limit, UsageSeries } from '../../shared/types';
import { Badge, BadgeList, Empty, ListTable, PageHead } from '../../shared/ui';
import { SeriesPanel } from './overview';

interface Target {
  origin: string;
  weight: number;
  available: boolean;
  healthy: boolean;
  breaker: string;
}

interface RouteView {
  name: string;
  path: string;
  methods: string[];
  auth: string[];
  roles: string[];
  websocket: { enabled: boolean; open: number };
  rateLimit: Limit[];
  upstream: {
    timeout: string;
    budget: Limit | null;
    cacheTtl: string | null;
    injects: string[];
    balancing: string;
    targets: Target[];
  };
}

interface ServiceView {
  name: string;
  path: string;
  auth: string[];
  roles: string[];
  writeRoles: string[] | null;
  rateLimit: Limit[];
  settings: Record<string, string | number>;
}

const limits = (items: Limit[]) =>
  items.length ? items.map(limitText).join(', ') : <span class="muted">none</span>;

function RouteUsage({ api, name }: { api: Api; name: string }) {
  const usage = useLoad(
    () => api<UsageSeries>('GET', `/usage/series?window=24h&route=${encodeURIComponent(name)}`),
    [name],
  );
  return (
    <div class="card">
      <h2>Usage of {name}, last day</h2>
      <SeriesPanel
        series={usage.data}
        error={usage.error}
        retry={usage.reload}
        emptyText="No calls to it in the last day."
      />
    </div>
  );
}

export function RoutesPage({ api }: { api: Api }) {
  const routes = useLoad(() => api<{ items: RouteView[] }>('GET', '/routes'), []);
  const services = useLoad(() => api<{ items: ServiceView[] }>('GET', '/services'), []);
  const [selected, setSelected] = useState<string | null>(null);
  const pick = (name: string) => (
    <button
      type="button"
      class="link"
      onClick={() => setSelected(selected === name ? null : name)}
      aria-expanded={selected === name}
    >
      {name}
    </button>
  );
  return (
    <>
      <PageHead
        title="Routes & services"
        sub="As the config file defines them. Upstream credentials are never shown: only which headers or parameters the gateway adds."
      />
      <div class="card">
        <h2>Proxied routes</h2>
        <ListTable
          list={routes}
          empty={<Empty title="No routes">Add routes to the config file to proxy an upstream API.</Empty>}
          head={
            <>
              <th>Name</th>
              <th>Path</th>
              <th>Methods</th>
              <th>Credentials</th>
              <th>Roles</th>
              <th>Limits</th>
              <th>Upstream</th>
            </>
          }
          row={(r) => (
            <tr key={r.name}>
              <td>{pick(r.name)}</td>
              <td class="mono">{r.path}</td>
              <td>{r.methods.join(' ')}</td>
              <td>
                <BadgeList items={r.auth} />
              </td>
              <td>
                <BadgeList items={r.roles} />
              </td>
              <td>
                {limits(r.rateLimit)}
                {r.upstream.budget && <div class="small muted">budget {limitText(r.upstream.budget)}</div>}
              </td>
              <td>
                {r.upstream.targets.map((t) => (
                  <div key={t.origin}>
                    <span class="mono">{t.origin}</span>{' '}
                    <Badge tone={t.available ? 'ok' : 'bad'}>
                      {t.available ? 'up' : t.healthy ? 'breaker open' : 'down'}
                    </Badge>
                  </div>
                ))}
                <div class="small muted">
                  timeout {r.upstream.timeout}
                  {r.upstream.targets.length > 1 && ` · ${r.upstream.balancing}`}
                  {r.upstream.cacheTtl && ` · cache ${r.upstream.cacheTtl}`}
                  {r.websocket.enabled && ` · WebSocket (${r.websocket.open} open)`}
                  {r.upstream.injects.length > 0 && ` · adds ${r.upstream.injects.join(', ')}`}
                </div>
              </td>
            </tr>
          )}
        />
      </div>
      <div class="card">
        <h2>Built-in services</h2>
        <ListTable
          list={services}
          empty={<Empty title="No services enabled" />}
          head={
            <>
              <th>Name</th>
              <th>Path</th>
              <th>Credentials</th>
              <th>Roles</th>
              <th>Limits</th>
              <th>Settings</th>
            </>
          }
          row={(s) => (
            <tr key={s.name}>
              <td>{pick(s.name)}</td>
              <td class="mono">{s.path}</td>
              <td>
                <BadgeList items={s.auth} />
              </td>
              <td>
                {s.writeRoles ? (
                  <>
                    read <BadgeList items={s.roles} /> write <BadgeList items={s.writeRoles} />
                  </>
                ) : (
                  <BadgeList items={s.roles} />
                )}
              </td>
              <td>{limits(s.rateLimit)}</td>
              <td class="small">
                {Object.keys(s.settings).length === 0 && <span class="muted">—</span>}
                {Object.entries(s.settings).map(([k, v]) => (
                  <div key={k}>
                    {k}: <span class="mono">{String(v)}</span>
                  </div>
                ))}
              </td>
            </tr>
          )}
        />
      </div>
      {selected && <RouteUsage api={api} name={selected} />}
    </>
  );
}
