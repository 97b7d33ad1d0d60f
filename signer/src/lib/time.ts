import { InputError } from "./errors";
import { quoteInput } from "./terminal";

/** Date, ISO-8601 with an explicit offset or Z, epoch SECONDS (number or digits), or a duration from now. */
export type TimeInput = Date | string | number;

/**
 * Epoch values at or above this are read as milliseconds and refused: 1e11 seconds is the year 5138,
 * while any millisecond timestamp after March 1973 is above it (spec §7: the classic 1970-expiry bug).
 */
export const MILLISECONDS_THRESHOLD = 1e11;

/** The latest time accepted (epoch seconds): anything later is a slip of unit or of typing, never meant. */
export const LATEST_EPOCH_SECONDS = MILLISECONDS_THRESHOLD - 1;

/** "5138-11-16T09:46:39Z (epoch 99999999999)", for messages. */
export const LATEST_TIME_TEXT = `${new Date(LATEST_EPOCH_SECONDS * 1000).toISOString().replace(".000Z", "Z")} (epoch ${LATEST_EPOCH_SECONDS})`;

/**
 * A number at or above the threshold is read as milliseconds only when that reading is a plausible
 * time (after September 2001, epoch 1e9 seconds); anything else is simply out of range.
 */
const PLAUSIBLE_MILLISECONDS = { from: 1e12, to: 1e14 };

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
const DURATION = /^(?:\d+[smhdw])+$/;
const DURATION_PART = /(\d+)([smhdw])/g;
const EPOCH = /^\d+(?:\.\d+)?$/;
// Date, time, optional seconds/fraction, then the offset; the offset group is optional here so that a
// missing one gets its own message rather than "not a time".
const ISO = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?([Zz]|[+-]\d{2}(?::?\d{2})?)?$/;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

const HINT = "use an ISO-8601 time with an offset (2030-01-31T12:00:00Z), epoch seconds, or a duration like 90s, 15m, 24h, 7d";

/** A time given as a number (or digits): epoch seconds; a millisecond value is named as such. */
function fromEpoch(value: number, field: string, original: string): number {
  if (Number.isNaN(value) || value < 0) {
    throw new InputError(`${field}: ${quoteInput(original)} is not a valid time; ${HINT}`);
  }
  if (value >= MILLISECONDS_THRESHOLD) {
    if (value >= PLAUSIBLE_MILLISECONDS.from && value < PLAUSIBLE_MILLISECONDS.to) {
      throw new InputError(
        `${field}: ${original} looks like epoch milliseconds; give epoch seconds (${Math.floor(value / 1000)}) or an ISO-8601 time`,
      );
    }
    throw new InputError(`${field}: ${quoteInput(original)} is out of range; epoch seconds go up to ${LATEST_TIME_TEXT}`);
  }
  return value;
}

/** A time computed from a date or a duration: refused (naming the field) when past the latest time accepted. */
function inRange(seconds: number, field: string, original: string): number {
  if (!(seconds <= LATEST_EPOCH_SECONDS)) {
    throw new InputError(`${field}: ${quoteInput(original)} is out of range; the latest time accepted is ${LATEST_TIME_TEXT}`);
  }
  return seconds;
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
      throw new InputError(`${field}: ${quoteInput(text)} has no time of day or UTC offset; write e.g. ${text}T00:00:00Z`);
    }
    return undefined;
  }
  const [, y, mo, d, h, mi, s = "0", frac = "", offset] = m;
  if (offset === undefined) {
    throw new InputError(`${field}: ${quoteInput(text)} has no UTC offset, so its meaning depends on the time zone; append Z or an offset like +02:00`);
  }
  const year = Number(y), month = Number(mo), day = Number(d), hour = Number(h), minute = Number(mi), second = Number(s);
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  const check = new Date(ms);
  // Date.UTC silently rolls over (Feb 30 → Mar 2); a real calendar date must survive the round trip.
  if (
    check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day ||
    check.getUTCHours() !== hour || check.getUTCMinutes() !== minute || check.getUTCSeconds() !== second
  ) {
    throw new InputError(`${field}: ${quoteInput(text)} is not a real calendar date/time; ${HINT}`);
  }
  let offsetSeconds = 0;
  if (offset !== "Z" && offset !== "z") {
    const sign = offset[0] === "-" ? -1 : 1;
    const digits = offset.slice(1).replace(":", "");
    const oh = Number(digits.slice(0, 2));
    const om = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
    if (oh > 23 || om > 59) throw new InputError(`${field}: ${quoteInput(text)} has an invalid UTC offset ${offset}`);
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
    return inRange(ms / 1000, field, input.toISOString());
  }
  if (typeof input === "number") return fromEpoch(input, field, String(input));
  if (typeof input !== "string") throw new InputError(`${field}: unsupported time value; ${HINT}`);
  const text = input.trim();
  if (text === "") throw new InputError(`${field}: empty time; ${HINT}`);
  if (EPOCH.test(text)) return fromEpoch(Number(text), field, text);
  const duration = parseDuration(text);
  if (duration !== undefined) return inRange(now.getTime() / 1000 + duration, field, text);
  // "-1h": a duration before now (e.g. cf-sign verify --at=-1h).
  const past = text.startsWith("-") ? parseDuration(text.slice(1)) : undefined;
  if (past !== undefined) return now.getTime() / 1000 - past;
  const iso = parseIso(text, field);
  if (iso !== undefined) return inRange(iso, field, text);
  throw new InputError(`${field}: ${quoteInput(text)} is not a time; ${HINT}`);
}
