/** API keys: search, filter and page through them; create one and see its plaintext once. */
import { useState } from 'preact/hooks';
import type { KeyView } from '../../../src/auth/keys/view-shape';
import type { Api } from '../../shared/api';
import { relative, when } from '../../shared/format';
import { useAction, useLoad } from '../../shared/hooks';
import type { PlanView } from '../../shared/types';
import {
  Badge,
  BadgeList,
  Dialog,
  DialogActions,
  Empty,
  ErrorBox,
  Field,
  ListTable,
  listOf,
  PageHead,
  Pager,
  PlanSelect,
  ShownOnce,
} from '../../shared/ui';

interface KeyPage {
  items: KeyView[];
  nextCursor: string | null;
}

const PAGE_SIZE = 20;

function CreateKeyDialog({
  api,
  onClose,
  onCreated,
}: {
  api: Api;
  onClose: () => void;
  onCreated: () => void;
}) {
  const plans = useLoad(() => api<{ items: PlanView[] }>('GET', '/plans'), []);
  const [created, setCreated] = useState<(KeyView & { key: string }) | null>(null);
  const { error, busy, run } = useAction();
  const submit = async (event: Event) => {
    event.preventDefault();
    const f = new FormData(event.currentTarget as HTMLFormElement);
    const text = (name: string) => String(f.get(name) ?? '').trim();
    const body: Record<string, unknown> = { name: text('name'), roles: listOf(text('roles')) };
    if (text('plan')) body.plan = text('plan');
    if (text('expiresIn')) body.expiresIn = text('expiresIn');
    if (text('uses')) body.uses = Number(text('uses'));
    if (text('origins')) body.origins = listOf(text('origins'));
    if (text('ips')) body.ips = listOf(text('ips'));
    await run(async () => {
      setCreated(await api<KeyView & { key: string }>('POST', '/keys', body));
      onCreated();
    });
  };
  if (created)
    return (
      <Dialog
        title="Key created"
        onClose={onClose}
        footer={
          <button type="button" class="primary" onClick={onClose}>
            Done
          </button>
        }
      >
        <p>
          <strong>{created.name}</strong> <span class="mono muted">{created.id}</span>
        </p>
        <ShownOnce label="Your new API key" value={created.key} />
      </Dialog>
    );
  return (
    <Dialog title="Create an API key" onClose={onClose}>
      <form class="stack" onSubmit={submit} id="create-key">
        {error && <ErrorBox message={error} />}
        <Field label="Name">
          <input name="name" required maxLength={200} autoFocus placeholder="e.g. billing-service" />
        </Field>
        <div class="row">
          <Field label="Roles" hint="Comma-separated, e.g. reader, editor">
            <input name="roles" />
          </Field>
          <PlanSelect plans={plans.data?.items} />
        </div>
        <div class="row">
          <Field label="Expires in" hint="e.g. 30d, 12h; empty: never">
            <input name="expiresIn" pattern="[0-9]+(ms|s|m|h|d)" />
          </Field>
          <Field label="Allowed uses" hint="Empty: unlimited">
            <input name="uses" type="number" min={1} />
          </Field>
        </div>
        <Field label="Allowed origins" hint="Browser origins that may use it, comma-separated; empty: any">
          <input name="origins" placeholder="https://app.example.com" />
        </Field>
        <Field label="Allowed client addresses" hint="IP addresses or CIDR ranges; empty: any">
          <input name="ips" placeholder="10.0.0.0/8" />
        </Field>
        <DialogActions submit={busy ? 'Creating…' : 'Create key'} onCancel={onClose} busy={busy} />
      </form>
    </Dialog>
  );
}

export function KeysPage({ api }: { api: Api }) {
  const [query, setQuery] = useState('');
  const [status, setStatus] = useState('');
  const [cursors, setCursors] = useState<string[]>([]);
  const [creating, setCreating] = useState(false);
  const cursor = cursors[cursors.length - 1];
  const params = new URLSearchParams({ limit: String(PAGE_SIZE) });
  if (query.trim()) params.set('q', query.trim());
  if (status) params.set('status', status);
  if (cursor) params.set('cursor', cursor);
  const page = useLoad(() => api<KeyPage>('GET', `/keys?${params}`), [params.toString()]);
  const search = (event: Event) => {
    event.preventDefault();
    setQuery(String(new FormData(event.currentTarget as HTMLFormElement).get('q') ?? ''));
    setCursors([]);
  };
  return (
    <>
      <PageHead title="API keys" sub="Keys callers present to your routes and services.">
        <button type="button" class="primary" onClick={() => setCreating(true)}>
          Create key
        </button>
      </PageHead>
      {creating && <CreateKeyDialog api={api} onClose={() => setCreating(false)} onCreated={page.reload} />}
      <div class="card">
        <form class="toolbar" onSubmit={search} role="search">
          <input
            type="search"
            name="q"
            placeholder="Search by name, id or last 4 characters"
            aria-label="Search keys"
          />
          <select
            aria-label="Status"
            value={status}
            onChange={(e) => {
              setStatus((e.currentTarget as HTMLSelectElement).value);
              setCursors([]);
            }}
          >
            <option value="">All statuses</option>
            <option value="active">Active</option>
            <option value="revoked">Revoked</option>
            <option value="expired">Expired</option>
          </select>
          <button type="submit">Search</button>
        </form>
        <ListTable
          list={page}
          loading="Loading keys"
          empty={
            <Empty title={query || status ? 'No key matches' : 'No keys yet'}>
              {query || status ? 'Try another search.' : 'Create one to let a caller in.'}
            </Empty>
          }
          head={
            <>
              <th>Name</th>
              <th>Key</th>
              <th>Status</th>
              <th>Roles</th>
              <th>Plan</th>
              <th>Last used</th>
              <th>Created</th>
            </>
          }
          row={(k) => (
            <tr key={k.id}>
              <td>
                <a href={`#/keys/${k.id}`}>{k.name}</a>
                {k.owner && <div class="small muted">portal developer</div>}
              </td>
              <td class="mono">{k.hint}</td>
              <td>
                <Badge>{k.status}</Badge>
              </td>
              <td>
                <BadgeList items={k.roles} />
              </td>
              <td>{k.plan ?? <span class="muted">—</span>}</td>
              <td title={when(k.lastUsedAt)}>{k.lastUsedAt ? relative(k.lastUsedAt) : 'never'}</td>
              <td>{when(k.createdAt)}</td>
            </tr>
          )}
        />
        <Pager cursors={cursors} setCursors={setCursors} next={page.data?.nextCursor} />
      </div>
    </>
  );
}
