// Times on the agent's clock. Instants travel as UTC strings; the screens show them in the
// agent's time zone (the one of their Availability Settings), which may differ from the
// device's.

import type { Instant, LocalDate, TimeZone, WallTime, Weekday } from './types';
import { WEEKDAYS } from './types';

const MINUTE = 60_000;

interface ZonedParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
}

/**
 * One formatter per kind, language and zone, made on first use: an `Intl.DateTimeFormat` holds
 * ICU's formatter, and a table page formats dozens of instants on every render.
 */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(
  kind: string,
  lang: string,
  timeZone: TimeZone,
  options: Intl.DateTimeFormatOptions,
): Intl.DateTimeFormat {
  const key = `${kind}|${lang}|${timeZone}`;
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(locale(lang), { ...options, timeZone });
    formatters.set(key, f);
  }
  return f;
}

function partsFormatter(tz: TimeZone): Intl.DateTimeFormat {
  return formatter('parts', 'en', tz, {
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  });
}

export function zonedParts(at: Date, tz: TimeZone): ZonedParts {
  const out: Record<string, number> = {};
  for (const p of partsFormatter(tz).formatToParts(at)) {
    if (p.type !== 'literal') out[p.type] = Number(p.value);
  }
  return {
    year: out.year,
    month: out.month,
    day: out.day,
    hour: out.hour % 24,
    minute: out.minute,
  };
}

/** The zone's offset from UTC at `at`, in milliseconds. */
function offsetAt(at: number, tz: TimeZone): number {
  const p = zonedParts(new Date(at), tz);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute);
  return asUtc - Math.floor(at / MINUTE) * MINUTE;
}

/** The instant a wall time on a local date names in `tz` (a DST gap moves it forward). */
export function zonedToUtc(date: LocalDate, time: WallTime, tz: TimeZone): Date {
  const [y, m, d] = date.split('-').map(Number);
  const [h, mi] = time.split(':').map(Number);
  const wall = Date.UTC(y, m - 1, d, h, mi);
  let at = wall - offsetAt(wall, tz);
  const second = wall - offsetAt(at, tz);
  if (second !== at) at = Math.max(at, second);
  return new Date(at);
}

export function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** The device's zone (AV-2). */
export function detectTimeZone(): TimeZone {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'America/New_York';
}

export function timeZones(): TimeZone[] {
  const intl = Intl as unknown as { supportedValuesOf?: (key: string) => string[] };
  const all = intl.supportedValuesOf?.('timeZone') ?? [];
  const common = [
    'America/New_York',
    'America/Chicago',
    'America/Denver',
    'America/Phoenix',
    'America/Los_Angeles',
    'America/Anchorage',
    'Pacific/Honolulu',
    'America/Puerto_Rico',
  ];
  return Array.from(new Set([...common, ...all]));
}

const pad = (n: number) => String(n).padStart(2, '0');

export function localDate(at: Date, tz: TimeZone): LocalDate {
  const p = zonedParts(at, tz);
  return `${p.year}-${pad(p.month)}-${pad(p.day)}`;
}

export function wallTime(at: Date, tz: TimeZone): WallTime {
  const p = zonedParts(at, tz);
  return `${pad(p.hour)}:${pad(p.minute)}`;
}

/** A `datetime-local` input value ("YYYY-MM-DDTHH:MM") in `tz`. */
export function toDateTimeInput(at: Date, tz: TimeZone): string {
  return `${localDate(at, tz)}T${wallTime(at, tz)}`;
}

export function fromDateTimeInput(value: string, tz: TimeZone): Date | null {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(value);
  return m ? zonedToUtc(m[1], m[2], tz) : null;
}

export function addDays(date: LocalDate, days: number): LocalDate {
  const [y, m, d] = date.split('-').map(Number);
  const t = new Date(Date.UTC(y, m - 1, d + days));
  return `${t.getUTCFullYear()}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}`;
}

export function weekdayOf(date: LocalDate): Weekday {
  const [y, m, d] = date.split('-').map(Number);
  const js = new Date(Date.UTC(y, m - 1, d)).getUTCDay(); // 0 = Sunday
  return WEEKDAYS[(js + 6) % 7];
}

/** Minutes since local midnight of "HH:MM". */
export function wallMinutes(t: WallTime): number {
  const [h, m] = t.split(':').map(Number);
  return h * 60 + m;
}

export function locale(lang: string): string {
  return lang === 'es' ? 'es-US' : 'en-US';
}

const asDate = (at: Instant | Date) => (typeof at === 'string' ? new Date(at) : at);

export function formatTime(at: Instant | Date, lang: string, tz: TimeZone): string {
  return formatter('time', lang, tz, { hour: 'numeric', minute: '2-digit' }).format(asDate(at));
}

export function formatDateTime(at: Instant | Date, lang: string, tz: TimeZone): string {
  return formatter('date-time', lang, tz, {
    month: 'short',
    day: 'numeric',
    year: 'numeric',
    hour: 'numeric',
    minute: '2-digit',
  }).format(asDate(at));
}

export function formatDay(date: LocalDate, lang: string): string {
  const [y, m, d] = date.split('-').map(Number);
  return formatter('day', lang, 'UTC', {
    weekday: 'short',
    month: 'short',
    day: 'numeric',
  }).format(new Date(Date.UTC(y, m - 1, d)));
}

/** "14:59" for a countdown; "1:02:03" past an hour; "0:00" once it ran out. */
export function formatCountdown(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return h > 0 ? `${h}:${pad(m)}:${pad(s)}` : `${m}:${pad(s)}`;
}
