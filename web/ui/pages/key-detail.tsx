/** One key: its settings, its usage chart, and edit, rotate and revoke. */
import { useState } from 'preact/hooks';
import type { KeyView } from '../../../src/auth/keys/view-shape';
import type { Api } from '../../shared/api';
import { when } from '../../shared/format';
import { useAction, useInterval, useLoad } from '../../shared/hooks';
import type { PlanView, UsageSeries } from '../../shared/types';
import {
  Badge,
  Dialog,
  DialogActions,
  ErrorBox,
  Field,
  Loading,
  listOf,
  PageHead,
  PlanSelect,
  Segmented,
  ShownOnce,
} from '../../shared/ui';
import { SeriesPanel } from './overview';

/** `2026-03-01T10:00` for a datetime-local input, in local time. */
function localInput(iso: string | null): string {
  if (!iso) return '';
  const d = new Date(iso);
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

function EditForm({ api, item, onSaved }: { api: Api; item: KeyView; onSaved: (k: KeyView) => void }) {
  const plans = useLoad(() => api<{ items: PlanView[] }>('GET', '/plans'), []);
  const { error, run } = useAction();
  const [saved, setSaved] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    const f = new FormData(event.currentTarget as HTMLFormElement);
    const text = (name: string) => String(f.get(name) ?? '').trim();
    const expires = text('expiresAt');
    setSaved(false);
    await run(async () => {
      const updated = await api<KeyView>('PATCH', `/keys/${item.id}`, {
        name: text('name'),
        roles: listOf(text('roles')),
        plan: text('plan') || null,
        expiresAt: expires ? new Date(expires).toISOString() : null,
        origins: listOf(text('origins')),
        ips: listOf(text('ips')),
      });
      setSaved(true);
      onSaved(updated);
    });
  };
  return (
    <form class="stack" onSubmit={submit} aria-label="Edit key">
      {error && <ErrorBox message={error} />}
      {saved && (
        <div class="success" role="status">
          Saved.
        </div>
      )}
      <div class="row">
        <Field label="Name">
          <input name="name" required maxLength={200} value={item.name} />
        </Field>
        <PlanSelect plans={plans.data?.items} value={item.plan ?? ''} />
      </div>
      <div class="row">
        <Field label="Roles" hint="Comma-separated">
          <input name="roles" value={item.roles.join(', ')} />
        </Field>
        <Field label="Expires at" hint="Empty: never">
          <input name="expiresAt" type="datetime-local" value={localInput(item.expiresAt)} />
        </Field>
      </div>
      <Field label="Allowed origins" hint="Comma-separated; empty: any">
        <input name="origins" value={(item.origins ?? []).join(', ')} />
      </Field>
      <Field label="Allowed client addresses" hint="IP addresses or CIDR ranges; empty: any">
        <input name="ips" value={(item.ips ?? []).join(', ')} />
      </Field>
      <div class="actions">
        <button type="submit" class="primary">
          Save changes
        </button>
      </div>
    </form>
  );
}

function RotateDialog({
  api,
  item,
  onClose,
  onDone,
}: {
  api: Api;
  item: KeyView;
  onClose: () => void;
  onDone: () => void;
}) {
  const { error, run } = useAction();
  const [result, setResult] = useState<(KeyView & { key: string; previous: KeyView }) | null>(null);
  const submit = async (event: Event) => {
    event.preventDefault();
    const grace = String(new FormData(event.currentTarget as HTMLFormElement).get('grace') ?? '').trim();
    await run(async () => {
      setResult(
        await api<KeyView & { key: string; previous: KeyView }>('POST', `/keys/${item.id}/rotate`, {
          grace: grace || '24h',
        }),
      );
      onDone();
    });
  };
  if (result)
    return (
      <Dialog
        title="Key rotated"
        onClose={onClose}
        footer={
          <button type="button" class="primary" onClick={onClose}>
            Done
          </button>
        }
      >
        <p>
          The old key keeps working until {when(result.previous.graceUntil)}. New key:{' '}
          <a href={`#/keys/${result.id}`} class="mono">
            {result.id}
          </a>
        </p>
        <ShownOnce label="The replacement key" value={result.key} />
      </Dialog>
    );
  return (
    <Dialog title={`Rotate ${item.name}`} onClose={onClose}>
      <form class="stack" onSubmit={submit}>
        {error && <ErrorBox message={error} />}
        <p>
          A new key with the same settings replaces this one. The old key keeps working for the grace period,
          so callers can switch.
        </p>
        <Field label="Grace period" hint="e.g. 24h, 7d, 0s for none">
          <input name="grace" value="24h" pattern="[0-9]+(ms|s|m|h|d)" required autoFocus />
        </Field>
        <DialogActions submit="Rotate key" onCancel={onClose} />
      </form>
    </Dialog>
  );
}

function RevokeDialog({
  api,
  item,
  onClose,
  onDone,
}: {
  api: Api;
  item: KeyView;
  onClose: () => void;
  onDone: () => void;
}) {
  const { error, run } = useAction();
  const revoke = async () => {
    await run(async () => {
      await api('POST', `/keys/${item.id}/revoke`);
      onDone();
      onClose();
    });
  };
  return (
    <Dialog
      title={`Revoke ${item.name}?`}
      onClose={onClose}
      footer={
        <>
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="button" class="danger" onClick={revoke} autoFocus>
            Revoke key
          </button>
        </>
      }
    >
      {error && <ErrorBox message={error} />}
      <p>Calls with this key are refused from now on. This cannot be undone.</p>
    </Dialog>
  );
}

export function KeyDetailPage({ api, id }: { api: Api; id: string }) {
  const key = useLoad(() => api<KeyView>('GET', `/keys/${id}`), [id]);
  const [window, setWindow] = useState<'1h' | '24h'>('1h');
  const usage = useLoad(
    () => api<UsageSeries>('GET', `/usage/series?window=${window}&key=${id}`),
    [id, window],
  );
  useInterval(usage.reload, 10_000);
  const [dialog, setDialog] = useState<'rotate' | 'revoke' | null>(null);
  if (key.error && !key.data) return <ErrorBox message={key.error} retry={key.reload} />;
  const item = key.data;
  if (!item) return <Loading what="Loading the key" />;
  const active = item.status === 'active';
  return (
    <>
      <p class="small">
        <a href="#/keys">← API keys</a>
      </p>
      <PageHead title={item.name} sub={`${item.id} · ${item.hint}`}>
        <Badge>{item.status}</Badge>
        <button type="button" onClick={() => setDialog('rotate')} disabled={!active}>
          Rotate
        </button>
        <button
          type="button"
          class="danger"
          onClick={() => setDialog('revoke')}
          disabled={item.status === 'revoked'}
        >
          Revoke
        </button>
      </PageHead>
      {dialog === 'rotate' && (
        <RotateDialog api={api} item={item} onClose={() => setDialog(null)} onDone={key.reload} />
      )}
      {dialog === 'revoke' && (
        <RevokeDialog api={api} item={item} onClose={() => setDialog(null)} onDone={key.reload} />
      )}
      <div class="toolbar">
        <h2 class="sr-only">Usage</h2>
        <Segmented
          label="Usage window"
          value={window}
          onChange={setWindow}
          options={[
            ['1h', 'Last hour'],
            ['24h', 'Last day'],
          ]}
        />
      </div>
      <SeriesPanel
        series={usage.data}
        error={usage.error}
        retry={usage.reload}
        emptyText="Calls made with this key show here within a few seconds."
      />
      <div class="grid">
        <div class="card">
          <h2>Details</h2>
          <dl class="kv">
            <dt>Created</dt>
            <dd>{when(item.createdAt)}</dd>
            <dt>Last used</dt>
            <dd>{when(item.lastUsedAt)}</dd>
            <dt>Expires</dt>
            <dd>{item.expiresAt ? when(item.expiresAt) : 'never'}</dd>
            {item.revokedAt && (
              <>
                <dt>Revoked</dt>
                <dd>{when(item.revokedAt)}</dd>
              </>
            )}
            {item.rotatedTo && (
              <>
                <dt>Replaced by</dt>
                <dd>
                  <a class="mono" href={`#/keys/${item.rotatedTo}`}>
                    {item.rotatedTo}
                  </a>{' '}
                  (old key valid until {when(item.graceUntil)})
                </dd>
              </>
            )}
            <dt>Remaining uses</dt>
            <dd>{item.remainingUses ?? 'unlimited'}</dd>
            {item.owner && (
              <>
                <dt>Made in the portal by</dt>
                <dd class="mono">{item.metadata.portalUser ?? item.owner}</dd>
              </>
            )}
          </dl>
        </div>
        <div class="card">
          <h2>Settings</h2>
          <EditForm api={api} item={item} onSaved={key.reload} />
        </div>
      </div>
    </>
  );
}
