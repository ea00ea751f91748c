// Date ranges and time buckets of the analytics, in UTC. Pure: no I/O, no clock (callers
// pass `now`). Imported by the SQL builders, which scripts/lib/bench-data-explain.ts also
// loads under Node's type stripping, so this file imports nothing.

export const INTERVALS = ["day", "week", "month"] as const;
export type Interval = (typeof INTERVALS)[number];

/** Default range: the last 30 days, today (UTC) included. */
export const DEFAULT_RANGE_DAYS = 30;
/** Longest range: one leap year, both ends included. */
export const MAX_RANGE_DAYS = 366;

const DAY_MS = 86_400_000;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The UTC midnight of a `YYYY-MM-DD` calendar date, or null when it is not one (2026-02-30). */
export function parseIsoDate(value: string): Date | null {
  const match = ISO_DATE.exec(value);
  if (!match) return null;
  const date = new Date(`${value}T00:00:00.000Z`);
  return Number.isNaN(date.getTime()) || formatIsoDate(date) !== value ? null : date;
}

export function formatIsoDate(date: Date): string {
  return date.toISOString().slice(0, 10);
}

export function addDays(date: Date, days: number): Date {
  return new Date(date.getTime() + days * DAY_MS);
}

/** Days from `start` to `end`, both included (1 for the same day). */
export function daysInclusive(start: Date, end: Date): number {
  return Math.round((end.getTime() - start.getTime()) / DAY_MS) + 1;
}

export interface DateRange {
  startDate: string;
  endDate: string;
}

export type RangeResult =
  | { ok: true; range: DateRange }
  | { ok: false; field: "startDate" | "endDate"; message: string };

/**
 * Fills in the defaults and checks the range: `endDate` defaults to today (UTC), `startDate`
 * to 29 days before `endDate`; `endDate` must not be before `startDate`, and the range spans
 * at most 366 days. The fields' own format is checked by the query schema first.
 */
export function resolveRange(
  input: { startDate?: string | undefined; endDate?: string | undefined },
  now: Date,
): RangeResult {
  const end = input.endDate === undefined ? parseIsoDate(formatIsoDate(now)) : parseIsoDate(input.endDate);
  if (!end) return failure("endDate", "must be a calendar date YYYY-MM-DD");
  const start = input.startDate === undefined ? addDays(end, -(DEFAULT_RANGE_DAYS - 1)) : parseIsoDate(input.startDate);
  if (!start) return failure("startDate", "must be a calendar date YYYY-MM-DD");
  if (end < start) {
    const which = input.endDate === undefined ? "endDate (default: today, UTC)" : "endDate";
    return failure("endDate", `${which} must not be before startDate`);
  }
  if (daysInclusive(start, end) > MAX_RANGE_DAYS) {
    return failure("endDate", `the range may span at most ${MAX_RANGE_DAYS} days, both ends included`);
  }
  return { ok: true, range: { startDate: formatIsoDate(start), endDate: formatIsoDate(end) } };
}

function failure(field: "startDate" | "endDate", message: string): RangeResult {
  return { ok: false, field, message };
}

/** The start (UTC midnight) of the bucket holding `date`: its day, ISO week (Monday) or month. */
export function bucketStart(date: Date, interval: Interval): Date {
  const day = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
  if (interval === "day") return day;
  if (interval === "week") return addDays(day, -((day.getUTCDay() + 6) % 7));
  return new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), 1));
}

function nextBucket(start: Date, interval: Interval): Date {
  if (interval === "day") return addDays(start, 1);
  if (interval === "week") return addDays(start, 7);
  return new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1));
}

/**
 * Every bucket touching the range, as `YYYY-MM-DD` of its start. The first and last may
 * start before or end after the range (a partial week or month): only data inside the range
 * counts in them. Postgres builds the same list with generate_series (see sql/definitions.ts).
 */
export function bucketStarts(range: DateRange, interval: Interval): string[] {
  const end = parseIsoDate(range.endDate);
  const start = parseIsoDate(range.startDate);
  if (!start || !end) return [];
  const buckets: string[] = [];
  for (let bucket = bucketStart(start, interval); bucket <= end; bucket = nextBucket(bucket, interval)) {
    buckets.push(formatIsoDate(bucket));
  }
  return buckets;
}

/** Everything a query needs about the request, already validated and normalized. */
export interface AnalyticsParams {
  companyId: string;
  /** lower-case site id, or null for every site of the company */
  siteId: string | null;
  startDate: string;
  endDate: string;
  interval: Interval;
  /** first instant counted: startDate at 00:00:00Z (ISO timestamp) */
  from: string;
  /** first instant NOT counted: the day after endDate at 00:00:00Z (ISO timestamp) */
  to: string;
  /** start of the first and of the last bucket (YYYY-MM-DD), for generate_series */
  firstBucket: string;
  lastBucket: string;
}

export function analyticsParams(
  companyId: string,
  siteId: string | null,
  range: DateRange,
  interval: Interval,
): AnalyticsParams {
  const start = parseIsoDate(range.startDate);
  const end = parseIsoDate(range.endDate);
  if (!start || !end) throw new RangeError(`invalid range ${range.startDate}..${range.endDate}`);
  return {
    companyId,
    siteId,
    startDate: range.startDate,
    endDate: range.endDate,
    interval,
    from: start.toISOString(),
    to: addDays(end, 1).toISOString(),
    firstBucket: formatIsoDate(bucketStart(start, interval)),
    lastBucket: formatIsoDate(bucketStart(end, interval)),
  };
}
