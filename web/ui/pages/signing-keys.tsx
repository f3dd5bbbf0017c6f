/** Signing keys: the keys that sign the gateway's own JWTs, and rotating them. */
import type { Api } from '../../shared/api';
import { when } from '../../shared/format';
import { useAction, useLoad } from '../../shared/hooks';
import { Badge, Empty, ErrorBox, ListTable, PageHead } from '../../shared/ui';

interface SigningKey {
  kid: string;
  algorithm: string;
  status: string;
  createdAt: string;
  retiredAt: string | null;
  verifiesUntil: string | null;
}

export function SigningKeysPage({ api }: { api: Api }) {
  const keys = useLoad(() => api<{ items: SigningKey[] }>('GET', '/signing-keys'), []);
  const { error, busy, run } = useAction();
  const rotate = async () => {
    if (
      !confirm('Make a new signing key current? Tokens signed by the old key keep working until they expire.')
    )
      return;
    await run(async () => {
      await api('POST', '/signing-keys/rotate');
      keys.reload();
    });
  };
  return (
    <>
      <PageHead
        title="Signing keys"
        sub="Keys that sign the gateway's access tokens, published at /.well-known/jwks.json."
      >
        <button type="button" class="primary" onClick={rotate} disabled={busy}>
          Rotate signing key
        </button>
      </PageHead>
      <div class="card">
        {error && <ErrorBox message={error} />}
        <ListTable
          list={keys}
          empty={<Empty title="No signing keys" />}
          head={
            <>
              <th>Key id</th>
              <th>Algorithm</th>
              <th>Status</th>
              <th>Created</th>
              <th>Verifies until</th>
            </>
          }
          row={(k) => (
            <tr key={k.kid}>
              <td class="mono">{k.kid}</td>
              <td>{k.algorithm}</td>
              <td>
                <Badge>{k.status}</Badge>
              </td>
              <td>{when(k.createdAt)}</td>
              <td>{k.status === 'current' ? '—' : when(k.verifiesUntil)}</td>
            </tr>
          )}
        />
      </div>
    </>
  );
}
