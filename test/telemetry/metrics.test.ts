import { describe, expect, test } from 'vitest';
import { GatewayMetrics } from '../../src/telemetry/metrics.js';

describe('gateway metrics exposition', () => {
  test('request counts accumulate across scrapes; latency buckets are cumulative with sum and count', async () => {
    const metrics = new GatewayMetrics();
    for (const seconds of [0.0004, 0.001, 0.003, 0.2, 12]) metrics.observe('weather', 'GET', 200, seconds);
    metrics.observe('weather', 'POST', 502, 0.03);
    metrics.observe('time', 'GET', 200, 0.002);
    const first = await metrics.registry.metrics();
    expect(first).toContain('keyward_requests_total{route="weather",method="GET",status="200"} 5');
    expect(first).toContain('keyward_requests_total{route="weather",method="POST",status="502"} 1');
    expect(first).toContain('keyward_requests_total{route="time",method="GET",status="200"} 1');
    expect(first).toContain('# TYPE keyward_request_duration_seconds histogram');
    // le is inclusive: 0.001 falls in the 0.001 bucket.
    expect(first).toContain('keyward_request_duration_seconds_bucket{le="0.001",route="weather"} 2');
    expect(first).toContain('keyward_request_duration_seconds_bucket{le="0.005",route="weather"} 3');
    expect(first).toContain('keyward_request_duration_seconds_bucket{le="0.05",route="weather"} 4');
    expect(first).toContain('keyward_request_duration_seconds_bucket{le="0.25",route="weather"} 5');
    expect(first).toContain('keyward_request_duration_seconds_bucket{le="10",route="weather"} 5');
    expect(first).toContain('keyward_request_duration_seconds_bucket{le="+Inf",route="weather"} 6');
    expect(first).toContain('keyward_request_duration_seconds_count{route="weather"} 6');
    expect(first).toMatch(/keyward_request_duration_seconds_sum\{route="weather"\} 12\.234/);

    metrics.observe('weather', 'GET', 200, 0.001);
    const second = await metrics.registry.metrics();
    expect(second).toContain('keyward_requests_total{route="weather",method="GET",status="200"} 6');
    expect(second).toContain('keyward_requests_total{route="time",method="GET",status="200"} 1');
    expect(second).toContain('keyward_request_duration_seconds_count{route="weather"} 7');
  });
});
