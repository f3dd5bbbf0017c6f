import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { formatCsv, parseCsv } from '../../src/services/places/csv.js';
import { createTestGateway, type TestGateway } from '../helpers/gateway.js';

// The seed's places.csv, byte for byte apart from the line numbers of the slide.
const SEED_CSV = `name,latitude,longitude
Graz,47.09113253131379,15.475817295884495
Taipei,25.031224572388727,121.56835539277961
São Paulo,-23.553587531516293,-46.64191552881332
Ribeirão Preto,-21.175419814826252,-47.80700041467615
Florianópolis,-27.599309445589657,-48.48817975644357
Salvador,-12.947243144620645,-38.436411301896534
Maceió,-9.641966176203784,-35.73846456565925
Belo Horizonte,-19.848295063505297,-43.934907510577496
Brasília,-15.765777242405598,-47.90688628657218
`;

describe('parseCsv (RFC 4180)', () => {
  test.each([
    [
      'a,b\r\nc,d\r\n',
      [
        ['a', 'b'],
        ['c', 'd'],
      ],
    ],
    [
      'a,b\nc,d',
      [
        ['a', 'b'],
        ['c', 'd'],
      ],
    ],
    ['"a,1","say ""hi"""\n', [['a,1', 'say "hi"']]],
    ['"two\nlines",x\n', [['two\nlines', 'x']]],
    ['"crlf\r\ninside",x', [['crlf\r\ninside', 'x']]],
    ['a,,\n', [['a', '', '']]],
    ['"",x\n', [['', 'x']]],
    ['""\n', [['']]],
    ['a\n\n\nb\n', [['a'], ['b']]],
    ['  padded  ,x', [['  padded  ', 'x']]],
    ['', []],
  ])('%j', (text, fields) => {
    const parsed = parseCsv(text);
    expect(parsed.ok && parsed.records.map((r) => r.fields)).toEqual(fields);
  });

  test('rows are numbered as a spreadsheet shows them: blank rows count, quoted line breaks do not', () => {
    const parsed = parseCsv('h\n\n"x\ny"\nz\n');
    expect(parsed.ok && parsed.records.map((r) => r.row)).toEqual([1, 3, 4]);
  });

  test.each([
    ['a\n"open,x\n', 2, 'never closed'],
    ['a\n"x"y,z\n', 2, 'after a closing quote'],
    ['a\nb"c,d\n', 2, 'quote inside an unquoted field'],
    ['a\nb\n c"d"', 3, 'quote inside an unquoted field'],
  ])('%j fails at row %i', (text, row, message) => {
    const parsed = parseCsv(text);
    expect(parsed).toEqual({ ok: false, row, message: expect.stringContaining(message) });
  });

  test('formatCsv quotes only what needs quoting and round-trips any fields', () => {
    expect(formatCsv([['a', 'b,c', 'say "hi"', 'x\ny', ' pad']])).toBe(
      'a,"b,c","say ""hi""","x\ny"," pad"\r\n',
    );
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.string({ unit: 'grapheme' }), { minLength: 2, maxLength: 4 }), { maxLength: 5 }),
        (rows) => {
          const parsed = parseCsv(formatCsv(rows));
          expect(parsed.ok && parsed.records.map((r) => r.fields)).toEqual(rows);
        },
      ),
    );
  });
});

let gw: TestGateway;
let editor: string;
beforeAll(async () => {
  gw = await createTestGateway({
    yaml: 'services:\n  places: { path: /v1/places, auth: [apiKey], roles: { write: [editor] } }\n',
  });
  editor = (await gw.keys.create({ name: 'editor', roles: ['editor'] }, { id: 'test' })).key;
});
afterAll(() => gw.close());
beforeEach(async () => {
  await gw.store.db.deleteFrom('places').execute();
});

function upload(body: string | Buffer, query = '', contentType = 'text/csv', key = editor) {
  return gw.app.inject({
    method: 'POST',
    url: `/v1/places.csv${query}`,
    headers: { 'x-api-key': key, 'content-type': contentType },
    payload: body,
  });
}

const names = async () =>
  (await gw.app.inject({ url: '/v1/places' }))
    .json()
    .features.map((f: { properties: { name: string } }) => f.properties.name);

describe('CSV import and export over HTTP', () => {
  test("the seed's places.csv imports, and exports back as the same rows", async () => {
    const res = await upload(SEED_CSV);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ imported: 9, removed: 0 });
    expect(await names()).toContain('Ribeirão Preto');

    const exported = await gw.app.inject({ url: '/v1/places.csv' });
    expect(exported.statusCode).toBe(200);
    expect(exported.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(exported.headers['content-disposition']).toBe('attachment; filename="places.csv"');
    expect(exported.body).toBe(SEED_CSV.replaceAll('\n', '\r\n'));
  });

  test('quoted fields with commas and quotes import; a BOM and CRLF are fine; columns in any order', async () => {
    const csv = '\uFEFFLatitude,Name,Longitude\r\n1.5,"Vila ""Nova"", Porto",-8.6\r\n"2","Plain",3\r\n';
    const res = await upload(csv);
    expect(res.json()).toEqual({ imported: 2, removed: 0 });
    expect(await names()).toEqual(['Vila "Nova", Porto', 'Plain']);
    const exported = await gw.app.inject({ url: '/v1/places.csv' });
    expect(exported.body).toBe('name,latitude,longitude\r\n"Vila ""Nova"", Porto",1.5,-8.6\r\nPlain,2,3\r\n');
  });

  test('a bad file is refused whole with every bad row named, and nothing is imported', async () => {
    const csv = [
      'name,latitude,longitude',
      'Graz,47.09,15.47',
      'Nowhere,91,0',
      ',1,2',
      '"Two\nlines",1,2',
      'Extra,1,2,3',
      'Graz again,47.09,east',
      '',
    ].join('\n');
    const res = await upload(csv);
    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({
      code: 'KW_ERR_VALIDATION',
      detail: 'Nothing was imported: 5 problems in the file.',
      errors: [
        { path: 'row 3', message: 'latitude must be between -90 and 90 degrees' },
        { path: 'row 4', message: 'name must not be empty' },
        { path: 'row 5', message: 'name must not contain control characters or line breaks' },
        { path: 'row 6', message: 'expected 3 fields, found 4' },
        { path: 'row 7', message: expect.stringMatching(/^longitude must be a number/) },
      ],
    });
    expect(await names()).toEqual([]);
  });

  test.each([
    ['', 'row 1', 'the file is empty'],
    ['name,lat,lon\n', 'row 1', 'unknown column "lat"'],
    ['name,latitude\nx,1\n', 'row 1', 'missing column longitude'],
    ['name,name,latitude,longitude\n', 'row 1', 'column "name" appears twice'],
    ['name,latitude,longitude\n"x,1,2\n', 'row 2', 'never closed'],
  ])('%j is 422 at %s', async (csv, path, message) => {
    const res = await upload(csv);
    expect(res.statusCode).toBe(422);
    expect(res.json().errors).toEqual([{ path, message: expect.stringContaining(message) }]);
  });

  test('a huge bad file reports the first 100 problems and the total', async () => {
    const rows = Array.from({ length: 150 }, (_, i) => `p${i},100,0`);
    const res = await upload(['name,latitude,longitude', ...rows].join('\n'));
    expect(res.statusCode).toBe(422);
    expect(res.json().errors).toHaveLength(100);
    expect(res.json().detail).toBe('Nothing was imported: 150 problems in the file (the first 100 shown).');
  });

  test('mode=replace swaps all places in one go; an unknown mode is 422', async () => {
    await upload(SEED_CSV);
    const res = await upload('name,latitude,longitude\nOnly,1,1\n', '?mode=replace');
    expect(res.json()).toEqual({ imported: 1, removed: 9 });
    expect(await names()).toEqual(['Only']);
    expect((await upload('name,latitude,longitude\n', '?mode=merge')).statusCode).toBe(422);
  });

  test('names a spreadsheet would run as formulas export with a leading quote and import back unchanged', async () => {
    await upload('name,latitude,longitude\n"=HYPERLINK(""http://evil"")",1,1\n@SUM,2,2\n-West,3,3\n');
    const exported = (await gw.app.inject({ url: '/v1/places.csv' })).body;
    expect(exported).toBe(
      'name,latitude,longitude\r\n"\'=HYPERLINK(""http://evil"")",1,1\r\n\'@SUM,2,2\r\n\'-West,3,3\r\n',
    );
    await upload(exported, '?mode=replace');
    expect(await names()).toEqual(['=HYPERLINK("http://evil")', '@SUM', '-West']);
  });

  test('only UTF-8 text/csv is accepted', async () => {
    const latin1 = Buffer.from('name,latitude,longitude\nS\xe3o Jos\xe9,1,1\n', 'latin1');
    const invalid = await upload(latin1);
    expect(invalid.statusCode).toBe(422);
    expect(invalid.json().errors).toEqual([{ path: 'body', message: 'is not valid UTF-8 text' }]);
    const declared = await upload(latin1, '', 'text/csv; charset=iso-8859-1');
    expect(declared.statusCode).toBe(415);
    expect((await upload(SEED_CSV, '', 'text/csv; charset=UTF-8')).statusCode).toBe(200);
    expect((await upload('{"name":"x"}', '', 'application/json')).statusCode).toBe(415);
    const csvToJsonRoute = await gw.app.inject({
      method: 'POST',
      url: '/v1/places',
      headers: { 'x-api-key': editor, 'content-type': 'text/csv' },
      payload: SEED_CSV,
    });
    expect(csvToJsonRoute.statusCode).toBe(415);
  });

  test('import needs the write role, before the body is read; export is public like the list', async () => {
    const res = await gw.app.inject({
      method: 'POST',
      url: '/v1/places.csv',
      headers: { 'content-type': 'text/csv' },
      payload: SEED_CSV,
    });
    expect(res.statusCode).toBe(401);
    expect((await gw.app.inject({ url: '/v1/places.csv' })).statusCode).toBe(200);
  });
});
