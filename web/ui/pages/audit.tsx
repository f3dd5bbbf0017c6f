/** The audit log: who did what to which key, user, secret or invitation, and when. */
import { useState } from 'preact/hooks';
import type { Api } from '../../shared/api';
import { when } from '../../shared/format';
import { useLoad } from '../../shared/hooks';
import { Badge, Empty, ListTable, PageHead, Pager } from '../../shared/ui';

interface AuditEntry {
  id: string;
  at: string;
  actor: string;
  action: string;
  targetType: string;
  targetId: string | null;
  ip: string | null;
  details: Record<string, unknown>;
}

const PAGE_SIZE = 25;

export function AuditPage({ api }: { api: Api }) {
  const [target, setTarget] = useState('');
  const [cursors, setCursors] = useState<string[]>([]);
  const params = new URLSearchParams({ limit: String(PAGE_SIZE) });
  if (target) params.set('target', target);
  const cursor = cursors[cursors.length - 1];
  if (cursor) params.set('cursor', cursor);
  const log = useLoad(
    () => api<{ items: AuditEntry[]; nextCursor: string | null }>('GET', `/audit?${params}`),
    [params.toString()],
  );
  const filter = (event: Event) => {
    event.preventDefault();
    setTarget(String(new FormData(event.currentTarget as HTMLFormElement).get('target') ?? '').trim());
    setCursors([]);
  };
  return (
    <>
      <PageHead
        title="Audit log"
        sub="Every change to keys, users, secrets and invitations. Append-only; it never holds a key or a secret."
      />
      <div class="card">
        <form class="toolbar" onSubmit={filter} role="search">
          <input
            type="search"
            name="target"
            placeholder="Filter by target id (e.g. key_…)"
            aria-label="Target id"
          />
          <button type="submit">Filter</button>
        </form>
        <ListTable
          list={log}
          empty={<Empty title="Nothing logged yet" />}
          head={
            <>
              <th>When</th>
              <th>Who</th>
              <th>Action</th>
              <th>Target</th>
              <th>Details</th>
            </>
          }
          row={(e) => (
            <tr key={e.id}>
              <td>{when(e.at)}</td>
              <td>
                <span class="mono">{e.actor}</span>
                {e.ip && <div class="small muted">{e.ip}</div>}
              </td>
              <td>
                <Badge tone="method">{e.action}</Badge>
              </td>
              <td>
                {e.targetType === 'key' && e.targetId ? (
                  <a class="mono" href={`#/keys/${e.targetId}`}>
                    {e.targetId}
                  </a>
                ) : (
                  <span class="mono">{e.targetId ?? e.targetType}</span>
                )}
              </td>
              <td class="small mono wrap">
                {Object.keys(e.details).length ? JSON.stringify(e.details) : ''}
              </td>
            </tr>
          )}
        />
        <Pager cursors={cursors} setCursors={setCursors} next={log.data?.nextCursor} />
      </div>
    </>
  );
}
