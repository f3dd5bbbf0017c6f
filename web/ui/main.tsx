/** The admin dashboard: sign-in, then the pages an operator uses, chosen by the location hash. */
import '../shared/styles.css';
import { useMemo } from 'preact/hooks';
import { createApi } from '../shared/api';
import { type AppProps, boot } from '../shared/boot';
import { useHashPath } from '../shared/hooks';
import { AuthCard, type NavItem, Shell, SignIn } from '../shared/shell';
import { AuditPage } from './pages/audit';
import { KeyDetailPage } from './pages/key-detail';
import { KeysPage } from './pages/keys';
import { OverviewPage } from './pages/overview';
import { PlansPage } from './pages/plans';
import { RoutesPage } from './pages/routes';
import { SecretsPage } from './pages/secrets';
import { SigningKeysPage } from './pages/signing-keys';
import { UsersPage } from './pages/users';

const NAV: NavItem[] = [
  { path: '/', label: 'Overview' },
  { path: '/keys', label: 'API keys' },
  { path: '/routes', label: 'Routes & services' },
  { path: '/plans', label: 'Plans' },
  { path: '/secrets', label: 'Secrets' },
  { path: '/users', label: 'Users' },
  { path: '/signing-keys', label: 'Signing keys' },
  { path: '/audit', label: 'Audit log' },
];

function Dashboard({ session, signOut }: AppProps) {
  const api = useMemo(() => createApi(session), [session]);
  const path = useHashPath();
  const [, section, id] = path.split('/');
  let page = <OverviewPage api={api} />;
  if (section === 'keys') page = id ? <KeyDetailPage api={api} id={id} /> : <KeysPage api={api} />;
  else if (section === 'routes') page = <RoutesPage api={api} />;
  else if (section === 'plans') page = <PlansPage api={api} />;
  else if (section === 'secrets') page = <SecretsPage api={api} />;
  else if (section === 'users') page = <UsersPage api={api} />;
  else if (section === 'signing-keys') page = <SigningKeysPage api={api} />;
  else if (section === 'audit') page = <AuditPage api={api} />;
  return (
    <Shell sub="Dashboard" nav={NAV} current={path} user={session.user?.username ?? ''} onSignOut={signOut}>
      {page}
    </Shell>
  );
}

boot(
  'session',
  (session, notice, done) => (
    <AuthCard sub="Dashboard">
      <SignIn session={session} sub="Dashboard" notice={notice} onSignedIn={done} />
    </AuthCard>
  ),
  (props) => <Dashboard {...props} />,
);
