/**
 * The time service: current UTC time, and local time for an IANA zone. Zone names
 * are checked against the IANA database Node ships; offsets like `+01:00` and abbreviations
 * like `CET` that are not zone names are refused with 422.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../../clock.js';
import { KeywardError } from '../../errors.js';

const ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+){0,3}$/;
const offsetFormats = new Map<string, Intl.DateTimeFormat>();

/** The formatter for a zone, or null when it is not an IANA zone name. */
function zoneFormatter(zone: string): Intl.DateTimeFormat | null {
  let format = offsetFormats.get(zone);
  if (format) return format;
  if (!ZONE_NAME.test(zone)) return null;
  try {
    format = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' });
  } catch {
    return null;
  }
  if (offsetFormats.size < 1000) offsetFormats.set(zone, format);
  return format;
}

/** `+01:00` for the zone at that instant (`GMT` alone means UTC). */
function utcOffset(format: Intl.DateTimeFormat, at: Date): string {
  const name = format.formatToParts(at).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const match = /^GMT([+-]\d{2}):?(\d{2})?$/.exec(name);
  return match ? `${match[1]}:${match[2] ?? '00'}` : '+00:00';
}

function offsetMinutes(offset: string): number {
  const sign = offset.startsWith('-') ? -1 : 1;
  return sign * (Number(offset.slice(1, 3)) * 60 + Number(offset.slice(4, 6)));
}

export interface TimeAnswer {
  currentTime: string;
  unix: number;
  timeZone?: string;
  localTime?: string;
  utcOffset?: string;
}

// Under load many requests fall in the same millisecond; formatting is the costliest step here.
let lastInstant = Number.NaN;
let lastIso = '';

function isoString(now: number): string {
  if (now !== lastInstant) {
    lastIso = new Date(now).toISOString();
    lastInstant = now;
  }
  return lastIso;
}

/** The answer for `now`, optionally in `zone`; null when the zone is not an IANA name. */
export function timeAt(now: number, zone: string | undefined): TimeAnswer | null {
  const answer: TimeAnswer = { currentTime: isoString(now), unix: Math.floor(now / 1000) };
  if (zone === undefined) return answer;
  const format = zoneFormatter(zone);
  if (!format) return null;
  const offset = utcOffset(format, new Date(now));
  const local = new Date(now + offsetMinutes(offset) * 60_000).toISOString().replace('Z', offset);
  return { ...answer, timeZone: format.resolvedOptions().timeZone, localTime: local, utcOffset: offset };
}

const TimeQuery = Type.Object(
  { tz: Type.Optional(Type.String({ maxLength: 64 })) },
  { additionalProperties: false },
);

const TimeResponse = Type.Object({
  currentTime: Type.String({ format: 'date-time', description: 'Now, in UTC (ISO 8601)' }),
  unix: Type.Integer({ description: 'Seconds since the Unix epoch' }),
  timeZone: Type.Optional(Type.String({ description: 'The IANA zone asked for with ?tz' })),
  localTime: Type.Optional(Type.String({ description: 'Now in that zone, with its offset' })),
  utcOffset: Type.Optional(Type.String({ description: 'The zone offset, e.g. +01:00' })),
});

/** Registers GET and POST on the service path (already prefixed). */
export function registerTimeService(app: FastifyInstance, clock: Clock): void {
  // Synchronous (reply.send, no promise): nothing here waits.
  const handler = (request: FastifyRequest, reply: FastifyReply) => {
    const { tz } = request.query as { tz?: string };
    const answer = timeAt(clock.now(), tz);
    if (!answer) {
      throw new KeywardError('KW_ERR_VALIDATION', {
        detail: 'tz must be an IANA time zone name like Europe/Paris.',
        errors: [{ path: 'query.tz', message: 'unknown IANA time zone name' }],
      });
    }
    reply.send(answer);
  };
  const schema = { querystring: TimeQuery, response: { 200: TimeResponse } };
  app.get('/', { schema }, handler);
  app.post('/', { schema }, handler);
}
