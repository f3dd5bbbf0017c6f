/** Secrets: the names and times of upstream credentials. Values go in and never come back out. */
import { useState } from 'preact/hooks';
import type { Api } from '../../shared/api';
import { when } from '../../shared/format';
import { useAction, useLoad } from '../../shared/hooks';
import { Dialog, DialogActions, Empty, ErrorBox, Field, ListTable, PageHead } from '../../shared/ui';

interface SecretInfo {
  name: string;
  createdAt: string;
  updatedAt: string;
}

function SetSecretDialog({
  api,
  name,
  onClose,
  onSaved,
}: {
  api: Api;
  name: string | null;
  onClose: () => void;
  onSaved: () => void;
}) {
  const { error, run } = useAction();
  const submit = async (event: Event) => {
    event.preventDefault();
    const f = new FormData(event.currentTarget as HTMLFormElement);
    const secretName = String(f.get('name') ?? '').trim();
    await run(async () => {
      await api('PUT', `/secrets/${encodeURIComponent(secretName)}`, { value: String(f.get('value') ?? '') });
      onSaved();
      onClose();
    });
  };
  return (
    <Dialog title={name ? `Replace ${name}` : 'Set a secret'} onClose={onClose}>
      <form class="stack" onSubmit={submit}>
        {error && <ErrorBox message={error} />}
        <Field label="Name" hint="Referenced in the config as ${secret:NAME}">
          <input
            name="name"
            required
            pattern="[A-Za-z0-9_.\-]{1,128}"
            value={name ?? ''}
            readOnly={name !== null}
            autoFocus={name === null}
          />
        </Field>
        <Field label="Value" hint="Stored encrypted. It cannot be shown again, only replaced.">
          <input name="value" type="password" required autocomplete="off" autoFocus={name !== null} />
        </Field>
        <DialogActions submit={name ? 'Replace value' : 'Save secret'} onCancel={onClose} />
      </form>
    </Dialog>
  );
}

export function SecretsPage({ api }: { api: Api }) {
  const secrets = useLoad(() => api<{ items: SecretInfo[] }>('GET', '/secrets'), []);
  const [editing, setEditing] = useState<string | null | undefined>(undefined);
  const { error, run } = useAction();
  const remove = async (name: string) => {
    if (!confirm(`Remove the secret ${name}? Routes that use it will fail until it is set again.`)) return;
    await run(async () => {
      await api('DELETE', `/secrets/${encodeURIComponent(name)}`);
      secrets.reload();
    });
  };
  return (
    <>
      <PageHead
        title="Secrets"
        sub="Upstream credentials the gateway adds to proxied calls. Values are write-only."
      >
        <button type="button" class="primary" onClick={() => setEditing(null)}>
          Set a secret
        </button>
      </PageHead>
      {editing !== undefined && (
        <SetSecretDialog
          api={api}
          name={editing}
          onClose={() => setEditing(undefined)}
          onSaved={secrets.reload}
        />
      )}
      <div class="card">
        {error && <ErrorBox message={error} />}
        <ListTable
          list={secrets}
          empty={<Empty title="No secrets yet">Set one, then use it in a route as ${'{secret:NAME}'}.</Empty>}
          head={
            <>
              <th>Name</th>
              <th>Created</th>
              <th>Updated</th>
              <th />
            </>
          }
          row={(s) => (
            <tr key={s.name}>
              <td class="mono">{s.name}</td>
              <td>{when(s.createdAt)}</td>
              <td>{when(s.updatedAt)}</td>
              <td class="actions">
                <button type="button" onClick={() => setEditing(s.name)}>
                  Replace
                </button>
                <button type="button" class="danger" onClick={() => remove(s.name)}>
                  Remove
                </button>
              </td>
            </tr>
          )}
        />
      </div>
    </>
  );
}
