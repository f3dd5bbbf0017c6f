/** My keys: the developer's own API keys — create (shown once), list and revoke. */
import { useState } from 'preact/hooks';
import type { Api } from '../../shared/api';
import { limitText, relative, when } from '../../shared/format';
import { useAction, useLoad } from '../../shared/hooks';
import type { PlanView } from '../../shared/types';
import { Badge, Dialog, Empty, ErrorBox, Field, ListTable, PageHead, ShownOnce } from '../../shared/ui';
import { rememberKey } from '../memory';

export interface DeveloperKey {
  id: string;
  name: string;
  hint: string;
  status: string;
  plan: string | null;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
}

export interface Me {
  user: { username: string };
  plan: PlanView | null;
  maxKeys: number;
  activeKeys: number;
}

export function KeysPage({ api }: { api: Api }) {
  const keys = useLoad(() => api<{ items: DeveloperKey[] }>('GET', '/keys'), []);
  const me = useLoad(() => api<Me>('GET', '/me'), []);
  const [created, setCreated] = useState<(DeveloperKey & { key: string }) | null>(null);
  const [revoking, setRevoking] = useState<DeveloperKey | null>(null);
  const { error, run } = useAction();
  const reload = () => {
    keys.reload();
    me.reload();
  };
  const create = async (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    await run(async () => {
      const made = await api<DeveloperKey & { key: string }>('POST', '/keys', {
        name: String(new FormData(form).get('name') ?? '').trim(),
      });
      rememberKey(made.key);
      setCreated(made);
      form.reset();
      reload();
    });
  };
  const revoke = async () => {
    if (!revoking) return;
    // The dialog closes once the call is done, whether it worked or not (`run` shows a failure).
    await run(async () => {
      await api('POST', `/keys/${revoking.id}/revoke`);
      reload();
    });
    setRevoking(null);
  };
  const full = me.data ? me.data.activeKeys >= me.data.maxKeys : false;
  return (
    <>
      <PageHead title="My keys" sub="Send a key with each call, in the header the APIs page names." />
      {revoking && (
        <Dialog
          title={`Revoke ${revoking.name}?`}
          onClose={() => setRevoking(null)}
          footer={
            <>
              <button type="button" onClick={() => setRevoking(null)}>
                Cancel
              </button>
              <button type="button" class="danger" onClick={revoke} autoFocus>
                Revoke key
              </button>
            </>
          }
        >
          <p>Calls with this key are refused from now on. This cannot be undone.</p>
        </Dialog>
      )}
      <div class="card">
        <h2>Create a key</h2>
        {me.data && (
          <p class="muted">
            {me.data.activeKeys} of {me.data.maxKeys} active keys
            {me.data.plan
              ? ` · plan ${me.data.plan.name}: ${me.data.plan.limits.map(limitText).join(', ') || 'no limits'}`
              : ''}
          </p>
        )}
        {error && <ErrorBox message={error} />}
        {created && <ShownOnce label={`Your new key “${created.name}”`} value={created.key} />}
        <form class="row" onSubmit={create} aria-label="Create a key">
          <Field label="Key name" hint="What it is for, e.g. my-laptop">
            <input name="name" required maxLength={100} disabled={full} />
          </Field>
          <button type="submit" class="primary" disabled={full}>
            Create key
          </button>
        </form>
        {full && <p class="small muted">You have the most keys allowed. Revoke one to make another.</p>}
      </div>
      <div class="card">
        <h2>Your keys</h2>
        <ListTable
          list={keys}
          loading="Loading your keys"
          empty={<Empty title="No keys yet">Create one above to start calling the APIs.</Empty>}
          head={
            <>
              <th>Name</th>
              <th>Key</th>
              <th>Status</th>
              <th>Last used</th>
              <th>Created</th>
              <th />
            </>
          }
          row={(k) => (
            <tr key={k.id}>
              <td>
                <strong>{k.name}</strong>
              </td>
              <td class="mono">{k.hint}</td>
              <td>
                <Badge>{k.status}</Badge>
              </td>
              <td>{k.lastUsedAt ? relative(k.lastUsedAt) : 'never'}</td>
              <td>{when(k.createdAt)}</td>
              <td>
                {k.status === 'active' && (
                  <button type="button" class="danger" onClick={() => setRevoking(k)}>
                    Revoke
                  </button>
                )}
              </td>
            </tr>
          )}
        />
      </div>
    </>
  );
}
