import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestGateway, type TestGateway } from '../helpers/gateway.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';

/** A span as the OTLP/HTTP JSON body carries it. */
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  status?: { code?: number; message?: string };
  attributes?: { key: string; value: Record<string, unknown> }[];
}

/** An in-process OTLP receiver: collects every span posted to /v1/traces. */
async function startReceiver(): Promise<{
  url: string;
  spans: OtlpSpan[];
  bodies: string[];
  close(): Promise<void>;
}> {
  const spans: OtlpSpan[] = [];
  const bodies: string[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => {
      body += d;
    });
    req.on('end', () => {
      bodies.push(body);
      const parsed = JSON.parse(body) as {
        resourceSpans: { scopeSpans: { spans: OtlpSpan[] }[] }[];
      };
      for (const rs of parsed.resourceSpans) for (const ss of rs.scopeSpans) spans.push(...ss.spans);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1/traces`,
    spans,
    bodies,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN = '00f067aa0ba902b7';
const TRACEPARENT = `00-${TRACE_ID}-${CALLER_SPAN}-01`;

let upstream: TestUpstream;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let traced: TestGateway;
let untraced: TestGateway;
let key: string;

const routes = (up: string) => `
routes:
  - name: echo
    path: /echo/*
    auth: [apiKey]
    upstream: { url: "${up}/echo", inject: { header: { X-Secret: "\${TOKEN}" } } }
`;

beforeAll(async () => {
  upstream = await startUpstream();
  receiver = await startReceiver();
  traced = await createTestGateway({
    env: { TOKEN: 'injected-token-value-123' },
    yaml: `tracing: { endpoint: "${receiver.url}", serviceName: kw-test }\n${routes(upstream.url)}`,
  });
  untraced = await createTestGateway({
    env: { TOKEN: 'injected-token-value-123' },
    yaml: routes(upstream.url),
  });
  key = (await traced.keys.create({ name: 'caller' }, { id: 'test' })).key;
});
afterAll(async () => {
  await traced.close();
  await untraced.close();
  await receiver.close();
  await upstream.close();
});

const byName = (name: RegExp) => receiver.spans.filter((s) => name.test(s.name));

describe('tracing on', () => {
  test('continues the caller trace: server span, a span per stage, the upstream call, and the upstream sees it', async () => {
    const res = await traced.app.inject({
      url: '/echo/x',
      headers: { 'x-api-key': key, traceparent: TRACEPARENT },
    });
    expect(res.statusCode).toBe(200);
    await traced.parts.tracing?.flush();

    const server = byName(/^GET echo$/)[0] as OtlpSpan;
    expect(server).toMatchObject({ traceId: TRACE_ID, parentSpanId: CALLER_SPAN, kind: 2 });
    const stages = ['authenticate', 'authorize', 'limits'].filter(
      (n) => byName(new RegExp(`^${n}$`)).length > 0,
    );
    expect(stages).toEqual(['authenticate', 'limits']);
    for (const name of stages)
      expect(byName(new RegExp(`^${name}$`))[0]).toMatchObject({
        traceId: TRACE_ID,
        parentSpanId: server.spanId,
      });
    const client = byName(/^GET upstream echo$/)[0] as OtlpSpan;
    expect(client).toMatchObject({ traceId: TRACE_ID, parentSpanId: server.spanId, kind: 3 });

    const sent = upstream.received[upstream.received.length - 1];
    expect(sent?.headers.traceparent).toBe(`00-${TRACE_ID}-${client.spanId}-01`);
    // Spans carry names and codes, never credentials or injected values.
    const exported = receiver.bodies.join('');
    expect(exported).not.toContain(key);
    expect(exported).not.toContain('injected-token-value-123');
  });

  test('a refusal ends its stage span as failed, with the error code', async () => {
    receiver.spans.length = 0;
    const res = await traced.app.inject({ url: '/echo/x', headers: { traceparent: TRACEPARENT } });
    expect(res.statusCode).toBe(401);
    await traced.parts.tracing?.flush();
    expect(byName(/^authenticate$/)[0]?.status).toMatchObject({ code: 2, message: 'KW_ERR_UNAUTHENTICATED' });
  });

  test('a request without traceparent starts a new trace', async () => {
    receiver.spans.length = 0;
    await traced.app.inject({ url: '/echo/x', headers: { 'x-api-key': key } });
    await traced.parts.tracing?.flush();
    const server = byName(/^GET echo$/)[0] as OtlpSpan;
    expect(server.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(server.traceId).not.toBe(TRACE_ID);
    expect(server.parentSpanId ?? '').toBe('');
  });
});

describe('tracing off', () => {
  test('makes no spans and passes the caller traceparent through unchanged', async () => {
    const k = (await untraced.keys.create({ name: 'caller' }, { id: 'test' })).key;
    receiver.spans.length = 0;
    const res = await untraced.app.inject({
      url: '/echo/x',
      headers: { 'x-api-key': k, traceparent: TRACEPARENT },
    });
    expect(res.statusCode).toBe(200);
    expect(untraced.parts.tracing).toBeNull();
    expect(upstream.received[upstream.received.length - 1]?.headers.traceparent).toBe(TRACEPARENT);
    expect(receiver.spans).toEqual([]);
  });
});
