/**
 * The frame of both apps: the sign-in card, and once signed in the sidebar (a top bar on a
 * narrow window) with the navigation, who is signed in and a sign-out button.
 */
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { messageOf } from './api';
import { Brand } from './logo';
import type { Session } from './session';
import { Field } from './ui';

export interface NavItem {
  path: string;
  label: string;
}

/** The signed-in layout. */
export function Shell(props: {
  sub: string;
  nav: NavItem[];
  current: string;
  user: string;
  onSignOut: () => void;
  children: ComponentChildren;
}) {
  const active = (item: NavItem) =>
    item.path === '/'
      ? props.current === '/'
      : props.current === item.path || props.current.startsWith(`${item.path}/`);
  return (
    <div class="shell">
      <aside class="side">
        <Brand sub={props.sub} />
        <nav class="nav" aria-label="Main">
          {props.nav.map((item) => (
            <a key={item.path} href={`#${item.path}`} aria-current={active(item) ? 'page' : undefined}>
              {item.label}
            </a>
          ))}
        </nav>
        <div class="who">
          <span>
            Signed in as <strong>{props.user}</strong>
          </span>
          <button type="button" onClick={props.onSignOut}>
            Sign out
          </button>
        </div>
      </aside>
      <main class="content" id="main">
        {props.children}
      </main>
    </div>
  );
}

/** The sign-in form; `notice` explains why it is shown (e.g. the session ended). */
export function SignIn(props: {
  session: Session;
  sub: string;
  notice?: string | null;
  onSignedIn: () => void;
  footer?: ComponentChildren;
}) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    setBusy(true);
    setError(null);
    try {
      await props.session.signIn(String(form.get('username')), String(form.get('password')));
      props.onSignedIn();
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="stack" onSubmit={submit} aria-label="Sign in">
      {props.notice && (
        <div class="notice" role="status">
          {props.notice}
        </div>
      )}
      {error && (
        <div class="error" role="alert">
          {error}
        </div>
      )}
      <Field label="Username">
        <input name="username" autocomplete="username" required autoFocus />
      </Field>
      <Field label="Password">
        <input name="password" type="password" autocomplete="current-password" required />
      </Field>
      <button class="primary" type="submit" disabled={busy}>
        {busy ? 'Signing in…' : 'Sign in'}
      </button>
      {props.footer}
    </form>
  );
}

/** The centred card the sign-in (and sign-up) forms sit in. */
export function AuthCard({ sub, children }: { sub: string; children: ComponentChildren }) {
  return (
    <div class="auth-page">
      <div class="auth-card">
        <Brand sub={sub} />
        {children}
      </div>
    </div>
  );
}
