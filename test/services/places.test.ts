import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { createTestGateway, type TestGateway } from '../helpers/gateway.js';

// The seed's REST client call: strings for the coordinates, as the screenshot shows.
const SAO_JOSE = { name: 'São José', latitude: '-27.597724533718875', longitude: '-48.61495221317449' };
const XSS = '<img src=x onerror=alert(1)>';

let gw: TestGateway;
let editor: string;
let reader: string;
beforeAll(async () => {
  gw = await createTestGateway({
    yaml: 'services:\n  places: { path: /v1/places, auth: [apiKey], roles: { write: [editor] } }\n',
  });
  editor = (await gw.keys.create({ name: 'editor', roles: ['editor'] }, { id: 'test' })).key;
  reader = (await gw.keys.create({ name: 'reader', roles: ['reader'] }, { id: 'test' })).key;
});
afterAll(() => gw.close());
beforeEach(async () => {
  await gw.store.db.deleteFrom('places').execute();
});

function send(method: 'POST' | 'PATCH' | 'DELETE', url: string, body?: unknown, key = editor) {
  return gw.app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${key}` },
    ...(body === undefined ? {} : { payload: body as object }),
  });
}

describe('the seed call: POST a place, see it listed', () => {
  test('posting "São José" with string coordinates gives 201 and a GeoJSON feature', async () => {
    const res = await send('POST', '/v1/places', SAO_JOSE);
    expect(res.statusCode).toBe(201);
    expect(res.headers['content-type']).toBe('application/geo+json; charset=utf-8');
    const feature = res.json();
    expect(feature).toEqual({
      type: 'Feature',
      id: expect.stringMatching(/^place_/),
      geometry: { type: 'Point', coordinates: [-48.61495221317449, -27.597724533718875] },
      properties: { id: feature.id, name: 'São José' },
    });
    expect(res.headers.location).toBe(`/v1/places/${feature.id}`);

    const list = await gw.app.inject({ url: '/v1/places' });
    expect(list.statusCode).toBe(200);
    expect(list.json()).toEqual({ type: 'FeatureCollection', features: [feature] });
  });

  test('numbers work as well as numeric strings; names are trimmed and NFC-normalized', async () => {
    const res = await send('POST', '/v1/places', {
      name: '  Sa\u0303o Paulo ',
      latitude: -23.55,
      longitude: -46.64,
    });
    expect(res.statusCode).toBe(201);
    expect(res.json().properties.name).toBe('São Paulo');
    expect(res.json().geometry.coordinates).toEqual([-46.64, -23.55]);
  });

  test('a name that looks like HTML is kept as the literal text', async () => {
    const res = await send('POST', '/v1/places', { name: XSS, latitude: 0, longitude: 0 });
    expect(res.statusCode).toBe(201);
    const list = await gw.app.inject({ url: '/v1/places' });
    expect(list.json().features[0].properties.name).toBe(XSS);
  });

  test('places are listed oldest first, with the bounds accepted exactly', async () => {
    for (const [name, latitude, longitude] of [
      ['North Pole', 90, 180],
      ['South Pole', '-90', '-180'],
      ['Null Island', '0', '-0'],
    ] as const) {
      expect((await send('POST', '/v1/places', { name, latitude, longitude })).statusCode).toBe(201);
    }
    const features = (await gw.app.inject({ url: '/v1/places' })).json().features;
    expect(features.map((f: { properties: { name: string } }) => f.properties.name)).toEqual([
      'North Pole',
      'South Pole',
      'Null Island',
    ]);
    expect(features[2].geometry.coordinates).toEqual([0, 0]);
  });
});

describe('validation: 422 with every bad field named', () => {
  test.each([
    [{ ...SAO_JOSE, latitude: '91' }, 'body.latitude', 'must be between -90 and 90 degrees'],
    [{ ...SAO_JOSE, latitude: -90.000001 }, 'body.latitude', 'must be between -90 and 90 degrees'],
    [{ ...SAO_JOSE, longitude: '180.5' }, 'body.longitude', 'must be between -180 and 180 degrees'],
    [{ ...SAO_JOSE, latitude: 'abc' }, 'body.latitude', expect.stringContaining('decimal string')],
    [{ ...SAO_JOSE, latitude: '' }, 'body.latitude', expect.stringContaining('decimal string')],
    [{ ...SAO_JOSE, latitude: '0x10' }, 'body.latitude', expect.stringContaining('decimal string')],
    [{ ...SAO_JOSE, latitude: 'Infinity' }, 'body.latitude', expect.stringContaining('decimal string')],
    [{ ...SAO_JOSE, latitude: '1e999' }, 'body.latitude', 'must be between -90 and 90 degrees'],
    [{ ...SAO_JOSE, latitude: null }, 'body.latitude', expect.stringContaining('must be a number')],
    [{ ...SAO_JOSE, latitude: true }, 'body.latitude', expect.stringContaining('must be a number')],
    [{ ...SAO_JOSE, longitude: [1] }, 'body.longitude', expect.stringContaining('must be a number')],
    [{ ...SAO_JOSE, name: '' }, 'body.name', 'must not be empty'],
    [{ ...SAO_JOSE, name: '   ' }, 'body.name', 'must not be empty'],
    [{ ...SAO_JOSE, name: 42 }, 'body.name', 'must be a string'],
    [{ ...SAO_JOSE, name: null }, 'body.name', 'must be a string'],
    [{ ...SAO_JOSE, name: 'a\nb' }, 'body.name', 'must not contain control characters or line breaks'],
    [{ ...SAO_JOSE, name: 'bell\u0007' }, 'body.name', 'must not contain control characters or line breaks'],
    [
      { ...SAO_JOSE, name: 'abc\u202Egpj.exe' },
      'body.name',
      'must not contain control characters or line breaks',
    ],
    [{ ...SAO_JOSE, name: 'bad \ud800 half' }, 'body.name', 'must be valid Unicode text'],
    [{ ...SAO_JOSE, name: 'x'.repeat(201) }, 'body.name', 'must be at most 200 characters (got 201)'],
    [{ name: 'x', latitude: 1 }, 'body.longitude', 'is required'],
    [{ ...SAO_JOSE, country: 'BR' }, 'body.country', 'unknown field'],
  ])('%j', async (body, path, message) => {
    const res = await send('POST', '/v1/places', body);
    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({ code: 'KW_ERR_VALIDATION', errors: [{ path, message }] });
    expect((await gw.app.inject({ url: '/v1/places' })).json().features).toEqual([]);
  });

  test('200 characters is fine, counted as characters, not UTF-16 units', async () => {
    const res = await send('POST', '/v1/places', { ...SAO_JOSE, name: '🗺'.repeat(200) });
    expect(res.statusCode).toBe(201);
  });

  test('all bad fields are reported at once', async () => {
    const res = await send('POST', '/v1/places', { name: '', latitude: 100, longitude: 'x' });
    expect(res.json().errors.map((e: { path: string }) => e.path)).toEqual([
      'body.name',
      'body.latitude',
      'body.longitude',
    ]);
  });
});

describe('PATCH and DELETE', () => {
  test('PATCH changes the given fields, keeps the rest; unknown ids are 404', async () => {
    const id = (await send('POST', '/v1/places', SAO_JOSE)).json().id;
    const res = await send('PATCH', `/v1/places/${id}`, { name: 'São José (SC)', latitude: '-27.6' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      id,
      geometry: { coordinates: [-48.61495221317449, -27.6] },
      properties: { id, name: 'São José (SC)' },
    });
    const bad = await send('PATCH', `/v1/places/${id}`, { latitude: 'north' });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().errors).toEqual([{ path: 'body.latitude', message: expect.any(String) }]);
    expect((await send('PATCH', `/v1/places/${id}`, {})).statusCode).toBe(422);
    const missing = await send('PATCH', '/v1/places/place_nope', { name: 'x' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ code: 'KW_ERR_NOT_FOUND', detail: 'No place has this id.' });
  });

  test('DELETE removes a place once, then 404', async () => {
    const id = (await send('POST', '/v1/places', SAO_JOSE)).json().id;
    expect((await send('DELETE', `/v1/places/${id}`)).statusCode).toBe(204);
    expect((await send('DELETE', `/v1/places/${id}`)).statusCode).toBe(404);
    expect((await gw.app.inject({ url: '/v1/places' })).json().features).toEqual([]);
  });
});

describe('read and write roles', () => {
  test('reading is public without read roles; a bad credential is still refused', async () => {
    expect((await gw.app.inject({ url: '/v1/places' })).statusCode).toBe(200);
    expect((await gw.app.inject({ url: '/v1/places', headers: { 'x-api-key': reader } })).statusCode).toBe(
      200,
    );
    const bad = await gw.app.inject({ url: '/v1/places', headers: { 'x-api-key': 'kw_nonsense' } });
    expect(bad.statusCode).toBe(401);
  });

  test('writing needs the write role: 401 without a key, 403 naming the role', async () => {
    const anonymous = await gw.app.inject({ method: 'POST', url: '/v1/places', payload: SAO_JOSE });
    expect(anonymous.statusCode).toBe(401);
    const forbidden = await send('POST', '/v1/places', SAO_JOSE, reader);
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.json().detail).toBe('This requires one of the roles: editor.');
    expect((await send('DELETE', '/v1/places/x', undefined, reader)).statusCode).toBe(403);
  });

  test('with read roles, reading needs them too; a plain list applies to both', async () => {
    const strict = await createTestGateway({
      yaml: [
        'services:',
        '  places: { path: /v1/places, auth: [apiKey], roles: { read: [viewer], write: [editor] }, map: /where }',
      ].join('\n'),
    });
    const plain = await createTestGateway({
      yaml: 'services:\n  places: { path: /p, auth: [apiKey], roles: [cartographer] }\n',
    });
    try {
      const viewer = (await strict.keys.create({ name: 'v', roles: ['viewer'] }, { id: 't' })).key;
      const onlyEditor = (await strict.keys.create({ name: 'e', roles: ['editor'] }, { id: 't' })).key;
      expect((await strict.app.inject({ url: '/v1/places' })).statusCode).toBe(401);
      expect((await strict.app.inject({ url: '/v1/places.csv' })).statusCode).toBe(401);
      const noRead = await strict.app.inject({ url: '/v1/places', headers: { 'x-api-key': onlyEditor } });
      expect(noRead.statusCode).toBe(403);
      expect(noRead.json().detail).toBe('This requires one of the roles: viewer.');
      expect(
        (await strict.app.inject({ url: '/v1/places', headers: { 'x-api-key': viewer } })).statusCode,
      ).toBe(200);
      // The map page itself stays public; it tells the visitor the places are not.
      expect((await strict.app.inject({ url: '/where' })).statusCode).toBe(200);

      const carto = (await plain.keys.create({ name: 'c', roles: ['cartographer'] }, { id: 't' })).key;
      const other = (await plain.keys.create({ name: 'o', roles: ['other'] }, { id: 't' })).key;
      expect((await plain.app.inject({ url: '/p', headers: { 'x-api-key': other } })).statusCode).toBe(403);
      expect((await plain.app.inject({ url: '/p', headers: { 'x-api-key': carto } })).statusCode).toBe(200);
      const post = await plain.app.inject({
        method: 'POST',
        url: '/p',
        headers: { 'x-api-key': carto },
        payload: SAO_JOSE,
      });
      expect(post.statusCode).toBe(201);
    } finally {
      await strict.close();
      await plain.close();
    }
  });

  test('write roles default to the read roles, never to "anyone with a key"', async () => {
    const gw2 = await createTestGateway({
      yaml: 'services:\n  places: { path: /v1/places, auth: [apiKey], roles: { read: [viewer] } }\n',
    });
    try {
      const anyKey = (await gw2.keys.create({ name: 'a', roles: ['misc'] }, { id: 't' })).key;
      const res = await gw2.app.inject({
        method: 'POST',
        url: '/v1/places',
        headers: { 'x-api-key': anyKey },
        payload: SAO_JOSE,
      });
      expect(res.statusCode).toBe(403);
      expect(res.json().detail).toBe('This requires one of the roles: viewer.');
    } finally {
      await gw2.close();
    }
  });

  test('the request log names the service', async () => {
    gw.logs.length = 0;
    await gw.app.inject({ url: '/v1/places' });
    const line = gw.logs.map((l) => JSON.parse(l)).find((l) => l.msg === 'request');
    expect(line).toMatchObject({ route: 'places', status: 200 });
  });
});
