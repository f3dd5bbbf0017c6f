/**
 * Starts an app: resumes the session from the refresh cookie, shows the sign-in card until
 * someone signs in, and brings it back — with a notice, never a blank page — when the session
 * ends while the app is open.
 */
import type { ComponentChildren } from 'preact';
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { Session } from './session';
import { Loading } from './ui';

export interface AppProps {
  session: Session;
  signOut: () => void;
}

type State = 'starting' | 'out' | 'in';

function Root(props: {
  session: Session;
  signedOut: (notice: string | null, onSignedIn: () => void) => ComponentChildren;
  app: (props: AppProps) => ComponentChildren;
}) {
  const { session } = props;
  const [state, setState] = useState<State>('starting');
  const [notice, setNotice] = useState<string | null>(null);
  useEffect(() => {
    session.onExpired = () => {
      setNotice('Your session has ended. Sign in again to continue.');
      setState('out');
    };
    session.refresh().then(
      (resumed) => setState(resumed ? 'in' : 'out'),
      () => setState('out'),
    );
  }, [session]);
  if (state === 'starting') return <Loading what="Starting" />;
  if (state === 'out')
    return props.signedOut(notice, () => {
      setNotice(null);
      setState('in');
    });
  const signOut = () => {
    void session.signOut();
    setNotice('You have signed out.');
    setState('out');
  };
  return <>{props.app({ session, signOut })}</>;
}

/** Renders the app into #app. */
export function boot(
  sessionPath: string,
  signedOut: (session: Session, notice: string | null, onSignedIn: () => void) => ComponentChildren,
  app: (props: AppProps) => ComponentChildren,
): void {
  const session = new Session(sessionPath);
  const root = document.getElementById('app');
  if (!root) return;
  render(<Root session={session} signedOut={(n, done) => signedOut(session, n, done)} app={app} />, root);
}
