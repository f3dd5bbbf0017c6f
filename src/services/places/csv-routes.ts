/**
 * `GET {path}.csv` and `POST {path}.csv`: the common `name,latitude,longitude` file. Import is
 * all or nothing: every row is checked first and a 422 lists each bad row; only a clean file is
 * written, in one transaction.
 */
import type { Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { KeywardError } from '../../errors.js';
import type { PlaceRepository } from '../../store/repositories/places.js';
import { MAX_ROW_ERRORS, placesFromCsv, placesToCsv } from './csv-places.js';
import { CsvImportQuery, CsvImportReply } from './schemas.js';

const CSV_TYPE = 'text/csv';
const CHARSET = /;\s*charset\s*=\s*"?([^";\s]+)/i;

function unsupportedCsv(detail: string): KeywardError {
  return new KeywardError('KW_ERR_UNSUPPORTED_MEDIA_TYPE', { detail });
}

/** The upload as text: UTF-8 only (a BOM is dropped), anything else is refused, not guessed. */
function csvText(request: FastifyRequest): string {
  if (!Buffer.isBuffer(request.body)) {
    throw unsupportedCsv('Send the file as Content-Type: text/csv (UTF-8).');
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(request.body);
  } catch {
    throw new KeywardError('KW_ERR_VALIDATION', {
      detail: 'The file is not valid UTF-8; save it as CSV UTF-8 and upload it again.',
      errors: [{ path: 'body', message: 'is not valid UTF-8 text' }],
    });
  }
}

const tags = ['places'];

/** Registers the CSV export next to `base` (e.g. GET /v1/places.csv). */
export function registerPlaceCsvExport(app: FastifyInstance, base: string, places: PlaceRepository): void {
  app.get(
    `${base}.csv`,
    {
      schema: { summary: 'All places as CSV (name,latitude,longitude)', tags, produces: [CSV_TYPE] },
    },
    async (_request, reply) => {
      reply
        .type(`${CSV_TYPE}; charset=utf-8`)
        .header('content-disposition', 'attachment; filename="places.csv"');
      return placesToCsv(await places.list());
    },
  );
}

/** Registers the CSV import next to `base` (e.g. POST /v1/places.csv). */
export async function registerPlaceCsvImport(
  app: FastifyInstance,
  base: string,
  places: PlaceRepository,
): Promise<void> {
  // Its own scope so that this one route reads text/csv and nothing else.
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(CSV_TYPE, { parseAs: 'buffer' }, (request, body, done) => {
      const charset = CHARSET.exec(request.headers['content-type'] ?? '')?.[1]?.toLowerCase();
      if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
        done(unsupportedCsv(`Only UTF-8 CSV is accepted, not charset=${charset.slice(0, 40)}.`), undefined);
        return;
      }
      done(null, body);
    });
    scope.post(
      `${base}.csv`,
      {
        schema: {
          summary: 'Import places from CSV (name,latitude,longitude; all rows or none)',
          description: `Rows are numbered as a spreadsheet shows them (the header is row 1). A file with bad rows is rejected whole with 422, listing up to ${MAX_ROW_ERRORS} problems as { path: "row N", message }.`,
          tags,
          consumes: [CSV_TYPE],
          querystring: CsvImportQuery,
          response: { 200: CsvImportReply },
        },
      },
      async (request) => {
        const parsed = placesFromCsv(csvText(request));
        if (!parsed.ok) {
          const shown =
            parsed.errors.length < parsed.total ? ` (the first ${parsed.errors.length} shown)` : '';
          throw new KeywardError('KW_ERR_VALIDATION', {
            detail: `Nothing was imported: ${parsed.total} problem${parsed.total === 1 ? '' : 's'} in the file${shown}.`,
            errors: parsed.errors,
          });
        }
        const { mode } = request.query as Static<typeof CsvImportQuery>;
        const result = await places.import(parsed.places, { replace: mode === 'replace' });
        return { imported: result.created.length, removed: result.removed };
      },
    );
  });
}
