/** Plans: named sets of limits keys can be put on. */
import type { Api } from '../../shared/api';
import { limitText } from '../../shared/format';
import { useLoad } from '../../shared/hooks';
import type { PlanView } from '../../shared/types';
import { Empty, ListTable, PageHead } from '../../shared/ui';

export function PlansPage({ api }: { api: Api }) {
  const plans = useLoad(() => api<{ items: PlanView[] }>('GET', '/plans'), []);
  return (
    <>
      <PageHead
        title="Plans"
        sub="Limits that apply to every key on the plan, on every route and service. Defined in the config file."
      />
      <div class="card">
        <ListTable
          list={plans}
          empty={<Empty title="No plans">Add a plans section to the config file.</Empty>}
          head={
            <>
              <th>Plan</th>
              <th>Limits</th>
            </>
          }
          row={(p) => (
            <tr key={p.name}>
              <td>
                <strong>{p.name}</strong>
              </td>
              <td>
                {p.limits.length ? p.limits.map(limitText).join(' · ') : <span class="muted">no limits</span>}
              </td>
            </tr>
          )}
        />
      </div>
    </>
  );
}
