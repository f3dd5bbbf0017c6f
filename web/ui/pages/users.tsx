/** Users: local accounts for sign-in (operators and developers), and invitations to the portal. */
import { useState } from 'preact/hooks';
import type { Api } from '../../shared/api';
import { when } from '../../shared/format';
import { useAction, useLoad } from '../../shared/hooks';
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
  ShownOnce,
} from '../../shared/ui';

interface UserView {
  id: string;
  username: string;
  roles: string[];
  createdAt: string;
}

interface Invitation {
  id: string;
  note: string;
  status: string;
  createdAt: string;
  expiresAt: string;
  usedBy: string | null;
}

function AddUserDialog({ api, onClose, onSaved }: { api: Api; onClose: () => void; onSaved: () => void }) {
  const { error, run } = useAction();
  const submit = async (event: Event) => {
    event.preventDefault();
    const f = new FormData(event.currentTarget as HTMLFormElement);
    await run(async () => {
      await api('POST', '/users', {
        username: String(f.get('username') ?? '').trim(),
        password: String(f.get('password') ?? ''),
        roles: listOf(String(f.get('roles') ?? '')),
      });
      onSaved();
      onClose();
    });
  };
  return (
    <Dialog title="Add a user" onClose={onClose}>
      <form class="stack" onSubmit={submit}>
        {error && <ErrorBox message={error} />}
        <Field label="Username">
          <input name="username" required autoFocus autocomplete="off" />
        </Field>
        <Field label="Password" hint="At least 8 characters">
          <input name="password" type="password" required autocomplete="new-password" />
        </Field>
        <Field label="Roles" hint="Comma-separated, e.g. admin or developer">
          <input name="roles" />
        </Field>
        <DialogActions submit="Add user" onCancel={onClose} />
      </form>
    </Dialog>
  );
}

function PasswordDialog({ api, username, onClose }: { api: Api; username: string; onClose: () => void }) {
  const { error, run } = useAction();
  const submit = async (event: Event) => {
    event.preventDefault();
    const password = String(new FormData(event.currentTarget as HTMLFormElement).get('password') ?? '');
    await run(async () => {
      await api('PUT', `/users/${encodeURIComponent(username)}/password`, { password });
      onClose();
    });
  };
  return (
    <Dialog title={`New password for ${username}`} onClose={onClose}>
      <form class="stack" onSubmit={submit}>
        {error && <ErrorBox message={error} />}
        <p class="muted">The user is signed out everywhere.</p>
        <Field label="New password">
          <input name="password" type="password" required autoFocus autocomplete="new-password" />
        </Field>
        <DialogActions submit="Set password" onCancel={onClose} />
      </form>
    </Dialog>
  );
}

function Invitations({ api }: { api: Api }) {
  const invitations = useLoad(() => api<{ items: Invitation[] }>('GET', '/invitations'), []);
  const [code, setCode] = useState<string | null>(null);
  const { error, run } = useAction();
  const create = async (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const f = new FormData(form);
    await run(async () => {
      const made = await api<{ code: string }>('POST', '/invitations', {
        note: String(f.get('note') ?? ''),
        expiresIn: String(f.get('expiresIn') ?? '7d') || '7d',
      });
      setCode(made.code);
      form.reset();
      invitations.reload();
    });
  };
  const revoke = async (id: string) => {
    await run(async () => {
      await api('DELETE', `/invitations/${id}`);
      invitations.reload();
    });
  };
  return (
    <div class="card">
      <h2>Portal invitations</h2>
      <p class="muted small">
        For a portal with registration by invitation: a developer registers once with the code.
      </p>
      {error && <ErrorBox message={error} />}
      <form class="row" onSubmit={create} aria-label="Invite a developer">
        <Field label="Note">
          <input name="note" placeholder="who it is for" maxLength={200} />
        </Field>
        <Field label="Valid for">
          <input name="expiresIn" value="7d" pattern="[0-9]+(ms|s|m|h|d)" />
        </Field>
        <button type="submit">Create invitation</button>
      </form>
      {code && (
        <div class="stack">
          <ShownOnce label="Invitation code" value={code} />
        </div>
      )}
      {invitations.error && <ErrorBox message={invitations.error} retry={invitations.reload} />}
      {invitations.data && invitations.data.items.length > 0 && (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th>Note</th>
                <th>Status</th>
                <th>Expires</th>
                <th>Used by</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {invitations.data.items.map((i) => (
                <tr key={i.id}>
                  <td>{i.note || <span class="muted">—</span>}</td>
                  <td>
                    <Badge>{i.status}</Badge>
                  </td>
                  <td>{when(i.expiresAt)}</td>
                  <td>{i.usedBy ?? '—'}</td>
                  <td>
                    {i.status === 'open' && (
                      <button type="button" class="danger" onClick={() => revoke(i.id)}>
                        Revoke
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

export function UsersPage({ api }: { api: Api }) {
  const users = useLoad(() => api<{ items: UserView[] }>('GET', '/users'), []);
  const [adding, setAdding] = useState(false);
  const [password, setPassword] = useState<string | null>(null);
  const { error, run } = useAction();
  const remove = async (username: string) => {
    if (
      !confirm(
        `Remove ${username}? They are signed out at once, and the keys they made in the portal are revoked.`,
      )
    )
      return;
    await run(async () => {
      await api('DELETE', `/users/${encodeURIComponent(username)}`);
      users.reload();
    });
  };
  return (
    <>
      <PageHead
        title="Users"
        sub="Local accounts that sign in with a password: operators (admin role) and portal developers."
      >
        <button type="button" class="primary" onClick={() => setAdding(true)}>
          Add user
        </button>
      </PageHead>
      {adding && <AddUserDialog api={api} onClose={() => setAdding(false)} onSaved={users.reload} />}
      {password && <PasswordDialog api={api} username={password} onClose={() => setPassword(null)} />}
      <div class="card">
        {error && <ErrorBox message={error} />}
        <ListTable
          list={users}
          empty={<Empty title="No users yet" />}
          head={
            <>
              <th>Username</th>
              <th>Roles</th>
              <th>Created</th>
              <th />
            </>
          }
          row={(u) => (
            <tr key={u.id}>
              <td>
                <strong>{u.username}</strong>
              </td>
              <td>
                <BadgeList items={u.roles} />
              </td>
              <td>{when(u.createdAt)}</td>
              <td class="actions">
                <button type="button" onClick={() => setPassword(u.username)}>
                  Set password
                </button>
                <button type="button" class="danger" onClick={() => remove(u.username)}>
                  Remove
                </button>
              </td>
            </tr>
          )}
        />
      </div>
      <Invitations api={api} />
    </>
  );
}
