import { InputError } from "./errors";

/** Date, ISO-8601 with an explicit offset or Z, epoch SECONDS (number or digits), or a duration from now. */
export type TimeInput = Date | string | number;

/**
 * Epoch values at or above this are read as milliseconds and refused: 1e11 seconds is the year 5138,
 * while any millisecond timestamp after March 1973 is above it (spec §7: the classic 1970-expiry bug).
 */
export const MILLISECONDS_THRESHOLD = 1e11;

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
const DURATION = /^(?:\d+[smhdw])+$/;
const DURATION_PART = /(\d+)([smhdw])/g;
const EPOCH = /^\d+(?:\.\d+)?$/;
// Date, time, optional seconds/fraction, then the offset; the offset group is optional here so that a
// missing one gets its own message rather than "not a time".
const ISO = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?([Zz]|[+-]\d{2}(?::?\d{2})?)?$/;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

const HINT = "use an ISO-8601 time with an offset (2030-01-31T12:00:00Z), epoch seconds, or a duration like 90s, 15m, 24h, 7d";

function fromEpoch(value: number, field: string, original: string): number {
  if (!Number.isFinite(value) || value < 0) {
    throw new InputError(`${field}: "${original}" is not a valid time; ${HINT}`);
  }
  if (value >= MILLISECONDS_THRESHOLD) {
    throw new InputError(
      `${field}: ${original} looks like epoch milliseconds; give epoch seconds (${Math.floor(value / 1000)}) or an ISO-8601 time`,
    );
  }
  return value;
}

/** Parses a duration such as `90s`, `15m`, `24h`, `7d`, `1h30m` into seconds; undefined if not one. */
export function parseDuration(text: string): number | undefined {
  if (!DURATION.test(text)) return undefined;
  let seconds = 0;
  for (const m of text.matchAll(DURATION_PART)) seconds += Number(m[1]) * UNIT_SECONDS[m[2]];
  return seconds;
}

function parseIso(text: string, field: string): number | undefined {
  const m = ISO.exec(text);
  if (!m) {
    if (DATE_ONLY.test(text)) {
      throw new InputError(`${field}: "${text}" has no time of day or UTC offset; write e.g. ${text}T00:00:00Z`);
    }
    return undefined;
  }
  const [, y, mo, d, h, mi, s = "0", frac = "", offset] = m;
  if (offset === undefined) {
    throw new InputError(`${field}: "${text}" has no UTC offset, so its meaning depends on the time zone; append Z or an offset like +02:00`);
  }
  const year = Number(y), month = Number(mo), day = Number(d), hour = Number(h), minute = Number(mi), second = Number(s);
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  const check = new Date(ms);
  // Date.UTC silently rolls over (Feb 30 → Mar 2); a real calendar date must survive the round trip.
  if (
    check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day ||
    check.getUTCHours() !== hour || check.getUTCMinutes() !== minute || check.getUTCSeconds() !== second
  ) {
    throw new InputError(`${field}: "${text}" is not a real calendar date/time; ${HINT}`);
  }
  let offsetSeconds = 0;
  if (offset !== "Z" && offset !== "z") {
    const sign = offset[0] === "-" ? -1 : 1;
    const digits = offset.slice(1).replace(":", "");
    const oh = Number(digits.slice(0, 2));
    const om = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
    if (oh > 23 || om > 59) throw new InputError(`${field}: "${text}" has an invalid UTC offset ${offset}`);
    offsetSeconds = sign * (oh * 3600 + om * 60);
  }
  const fraction = frac === "" ? 0 : Number(`0.${frac}`);
  return ms / 1000 + fraction - offsetSeconds;
}

/**
 * Converts a time input to epoch seconds (possibly fractional; the signer rounds expiry down and start up).
 * `field` names the option in error messages (`--expires-in`, `expires`, …); durations count from `now`.
 */
export function parseTime(input: TimeInput, field: string, now: Date = new Date()): number {
  if (input instanceof Date) {
    const ms = input.getTime();
    if (Number.isNaN(ms)) throw new InputError(`${field}: invalid Date; ${HINT}`);
    return ms / 1000;
  }
  if (typeof input === "number") return fromEpoch(input, field, String(input));
  if (typeof input !== "string") throw new InputError(`${field}: unsupported time value; ${HINT}`);
  const text = input.trim();
  if (text === "") throw new InputError(`${field}: empty time; ${HINT}`);
  if (EPOCH.test(text)) return fromEpoch(Number(text), field, text);
  const duration = parseDuration(text);
  if (duration !== undefined) return now.getTime() / 1000 + duration;
  // "-1h": a duration before now (e.g. cf-sign verify --at=-1h).
  const past = text.startsWith("-") ? parseDuration(text.slice(1)) : undefined;
  if (past !== undefined) return now.getTime() / 1000 - past;
  const iso = parseIso(text, field);
  if (iso !== undefined) return iso;
  throw new InputError(`${field}: "${text}" is not a time; ${HINT}`);
}
