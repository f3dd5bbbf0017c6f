/** The developer portal: sign in or register, then your APIs, keys and usage. */
import '../shared/styles.css';
import { useMemo, useState } from 'preact/hooks';
import { createApi } from '../shared/api';
import { type AppProps, boot } from '../shared/boot';
import { useAction, useHashPath, useLoad } from '../shared/hooks';
import { problemOf, type Session } from '../shared/session';
import { AuthCard, type NavItem, Shell, SignIn } from '../shared/shell';
import { ErrorBox, Field } from '../shared/ui';
import { ApisPage } from './pages/apis';
import { KeysPage } from './pages/keys';
import { UsagePage } from './pages/usage';

const NAV: NavItem[] = [
  { path: '/', label: 'APIs' },
  { path: '/keys', label: 'My keys' },
  { path: '/usage', label: 'Usage & quota' },
];

function Portal({ session, signOut }: AppProps) {
  const api = useMemo(() => createApi(session), [session]);
  const path = useHashPath();
  const section = path.split('/')[1];
  let page = <ApisPage api={api} />;
  if (section === 'keys') page = <KeysPage api={api} />;
  else if (section === 'usage') page = <UsagePage api={api} />;
  return (
    <Shell
      sub="Developer portal"
      nav={NAV}
      current={path}
      user={session.user?.username ?? ''}
      onSignOut={signOut}
    >
      {page}
    </Shell>
  );
}

function Register({
  session,
  invite,
  onSignedIn,
}: {
  session: Session;
  invite: boolean;
  onSignedIn: () => void;
}) {
  const { error, busy, run } = useAction();
  const submit = async (event: Event) => {
    event.preventDefault();
    const f = new FormData(event.currentTarget as HTMLFormElement);
    const username = String(f.get('username') ?? '').trim();
    const password = String(f.get('password') ?? '');
    const body: Record<string, string> = { username, password };
    if (invite) body.invitation = String(f.get('invitation') ?? '').trim();
    await run(async () => {
      const response = await fetch('api/register', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (!response.ok) throw await problemOf(response);
      await session.signIn(username, password);
      onSignedIn();
    });
  };
  return (
    <form class="stack" onSubmit={submit} aria-label="Create an account">
      {error && <ErrorBox message={error} />}
      <Field label="Username" hint="Letters, digits and . _ @ + -">
        <input name="username" required autoFocus autocomplete="username" />
      </Field>
      <Field label="Password" hint="At least 8 characters">
        <input name="password" type="password" required minLength={8} autocomplete="new-password" />
      </Field>
      {invite && (
        <Field label="Invitation code" hint="From the operator who invited you">
          <input name="invitation" required autocomplete="off" />
        </Field>
      )}
      <button class="primary" type="submit" disabled={busy}>
        {busy ? 'Creating your account…' : 'Create account'}
      </button>
    </form>
  );
}

function SignedOut({
  session,
  notice,
  onSignedIn,
}: {
  session: Session;
  notice: string | null;
  onSignedIn: () => void;
}) {
  const info = useLoad(
    () =>
      fetch('api/info').then((r) =>
        r.ok ? (r.json() as Promise<{ registration: string }>) : { registration: 'off' },
      ),
    [],
  );
  const [tab, setTab] = useState<'in' | 'up'>('in');
  const mode = info.data?.registration ?? 'off';
  return (
    <AuthCard sub="Developer portal">
      {mode !== 'off' && (
        <div class="tabs" role="tablist">
          <button type="button" role="tab" aria-selected={tab === 'in'} onClick={() => setTab('in')}>
            Sign in
          </button>
          <button type="button" role="tab" aria-selected={tab === 'up'} onClick={() => setTab('up')}>
            Create account
          </button>
        </div>
      )}
      {tab === 'in' || mode === 'off' ? (
        <SignIn session={session} sub="Developer portal" notice={notice} onSignedIn={onSignedIn} />
      ) : (
        <Register session={session} invite={mode === 'invite'} onSignedIn={onSignedIn} />
      )}
    </AuthCard>
  );
}

boot(
  'session',
  (session, notice, done) => <SignedOut session={session} notice={notice} onSignedIn={done} />,
  (props) => <Portal {...props} />,
);
