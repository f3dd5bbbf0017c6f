/** APIs: what the developer's keys may call, each operation's reference, and a form to try a call. */
import { useState } from 'preact/hooks';
import type { Api } from '../../shared/api';
import { limitText } from '../../shared/format';
import { useLoad } from '../../shared/hooks';
import type { Limit } from '../../shared/types';
import { Badge, Empty, ErrorBox, Field, Loading, PageHead } from '../../shared/ui';
import { rememberedKey } from '../memory';

interface Operation {
  method: string;
  path: string;
  summary: string;
  spec: Record<string, unknown> | null;
}

interface Entry {
  kind: 'route' | 'service';
  name: string;
  path: string;
  auth: string[];
  rateLimit: Limit[];
  operations: Operation[];
}

interface TryResult {
  status: number;
  headers: [string, string][];
  body: string;
}

const SHOWN_HEADERS = ['content-type', 'ratelimit', 'ratelimit-policy', 'retry-after', 'x-request-id'];

/** The request body schema of an operation, if it has one, as pretty JSON. */
function bodySchema(spec: Record<string, unknown> | null): string | null {
  const content = (spec?.requestBody as { content?: Record<string, { schema?: unknown }> } | undefined)
    ?.content;
  const schema = content?.['application/json']?.schema;
  return schema ? JSON.stringify(schema, null, 2) : null;
}

function TryIt({ operations, keyHeader }: { operations: Operation[]; keyHeader: string }) {
  const [choice, setChoice] = useState(0);
  const op = operations[choice];
  const [result, setResult] = useState<TryResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  if (!op) return null;
  const send = async (event: Event) => {
    event.preventDefault();
    const f = new FormData(event.currentTarget as HTMLFormElement);
    const path = String(f.get('path') ?? op.path);
    const body = String(f.get('body') ?? '');
    setBusy(true);
    setError(null);
    try {
      const response = await fetch(path, {
        method: op.method,
        headers: {
          [keyHeader]: String(f.get('key') ?? ''),
          ...(body.trim() && op.method !== 'GET' ? { 'content-type': 'application/json' } : {}),
        },
        ...(body.trim() && op.method !== 'GET' ? { body } : {}),
      });
      const text = await response.text();
      let pretty = text;
      try {
        pretty = JSON.stringify(JSON.parse(text), null, 2);
      } catch {
        // Not JSON: show it as it came.
      }
      setResult({
        status: response.status,
        headers: SHOWN_HEADERS.flatMap((h) =>
          response.headers.get(h) ? [[h, response.headers.get(h) as string] as [string, string]] : [],
        ),
        body: pretty,
      });
    } catch {
      setError('The call did not reach the gateway.');
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="stack" onSubmit={send} aria-label="Try a call">
      <div class="row">
        <Field label="Operation">
          <select
            value={String(choice)}
            onChange={(e) => {
              setChoice(Number((e.currentTarget as HTMLSelectElement).value));
              setResult(null);
            }}
          >
            {operations.map((o, i) => (
              <option key={`${o.method} ${o.path}`} value={String(i)}>
                {o.method} {o.path}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Path">
          <input name="path" key={`${op.method}${op.path}`} value={op.path.replace('…', '')} required />
        </Field>
      </div>
      <Field label="API key" hint="Your key is sent only to this gateway and is not stored.">
        <input
          name="key"
          type="password"
          value={rememberedKey()}
          required
          autocomplete="off"
          placeholder="kw_…"
        />
      </Field>
      {op.method !== 'GET' && op.method !== 'DELETE' && (
        <Field label="JSON body">
          <textarea name="body" key={`${op.method}${op.path}-body`} placeholder="{}" />
        </Field>
      )}
      <div class="actions">
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Sending…' : 'Send request'}
        </button>
      </div>
      {error && <ErrorBox message={error} />}
      {result && (
        <div role="region" aria-label="Response">
          <p>
            <Badge tone={result.status < 400 ? 'ok' : 'bad'}>{`HTTP ${result.status}`}</Badge>
            {result.headers.map(([h, v]) => (
              <span key={h} class="small muted">
                {' '}
                {h}: <span class="mono">{v}</span>
              </span>
            ))}
          </p>
          <pre class="response" data-testid="try-response">
            {result.body}
          </pre>
        </div>
      )}
    </form>
  );
}

function EntryCard({ entry, keyHeader }: { entry: Entry; keyHeader: string }) {
  return (
    <div class="card">
      <h2>
        <span>
          {entry.name} <span class="mono muted small">{entry.path}</span>
        </span>
        <Badge tone="role">{entry.kind === 'service' ? 'built-in service' : 'proxied API'}</Badge>
      </h2>
      <p class="small muted">
        Credentials: {entry.auth.filter((a) => a !== 'none').join(', ') || 'none'}
        {entry.auth.includes('none') ? ' (optional)' : ''} · Limits:{' '}
        {entry.rateLimit.length ? entry.rateLimit.map(limitText).join(', ') : 'your plan only'}
      </p>
      {entry.operations.map((op) => {
        const schema = bodySchema(op.spec);
        return (
          <details class="op" key={`${op.method} ${op.path}`}>
            <summary>
              <Badge tone="method">{op.method}</Badge>
              <span class="mono">{op.path}</span>
              <span class="muted">{op.summary}</span>
            </summary>
            {op.spec?.description && op.spec.description !== op.summary && (
              <p>{String(op.spec.description)}</p>
            )}
            {schema ? (
              <>
                <h3>Request body</h3>
                <pre>{schema}</pre>
              </>
            ) : (
              !op.spec && (
                <p class="small muted">
                  Forwarded as sent (within the route's base path); the upstream's own API documentation
                  applies.
                </p>
              )
            )}
          </details>
        );
      })}
      <h3>Try it</h3>
      <TryIt operations={entry.operations} keyHeader={keyHeader} />
    </div>
  );
}

export function ApisPage({ api }: { api: Api }) {
  const catalog = useLoad(() => api<{ keyHeader: string; items: Entry[] }>('GET', '/catalog'), []);
  return (
    <>
      <PageHead
        title="APIs"
        sub="What your keys may call through this gateway, with each operation's reference."
      />
      {catalog.data && (
        <p class="notice">
          Send your key in the <code>{catalog.data.keyHeader}</code> header with every call.
        </p>
      )}
      {catalog.error && <ErrorBox message={catalog.error} retry={catalog.reload} />}
      {!catalog.data && !catalog.error && <Loading what="Loading the APIs" />}
      {catalog.data?.items.length === 0 && (
        <div class="card">
          <Empty title="No API is open to portal keys yet">Ask the operator which APIs you may use.</Empty>
        </div>
      )}
      {catalog.data?.items.map((entry) => (
        <EntryCard key={entry.name} entry={entry} keyHeader={catalog.data?.keyHeader ?? 'x-api-key'} />
      ))}
    </>
  );
}
