// Rate and average math, and the folding of per-bucket rows into totals. Pure. Every rate
// and average of every endpoint goes through `rate` and `average`, so "division by zero"
// has one answer: null (no data), never 0 and never NaN.

/** Postgres counts and sums arrive as numbers or, for bigint, as strings. */
export function toNumber(value: unknown): number {
  if (value === null || value === undefined) return 0;
  const number = typeof value === "number" ? value : Number(value);
  return Number.isFinite(number) ? number : 0;
}

export const nullableText = (value: unknown) => (value === null || value === undefined ? null : String(value));

/** `numerator / denominator` as a fraction rounded to 4 decimals (0.1234 = 12.34 %); null when the denominator is 0. */
export function rate(numerator: number, denominator: number): number | null {
  if (denominator === 0) return null;
  return Math.round((numerator / denominator) * 10_000) / 10_000;
}

/** `sum / count` rounded to `decimals` (0 for money in minor units); null when the count is 0. */
export function average(sum: number, count: number, decimals: number): number | null {
  if (count === 0) return null;
  const factor = 10 ** decimals;
  return Math.round((sum / count) * factor) / factor;
}

/** Adds `b` into `a`, key by key (counters of one bucket, or of the whole range). */
export function addInto<K extends string>(a: Record<K, number>, b: Record<K, number>): void {
  for (const key of Object.keys(b) as K[]) a[key] += b[key];
}

// ---------------------------------------------------------------------------------------------
// Carts: the SQL returns one row per (bucket, currency); everything else is folded here.
// ---------------------------------------------------------------------------------------------

export const CART_COUNTERS = [
  "created",
  "counted",
  "active",
  "converted",
  "abandoned",
  "merged",
  "nonEmpty",
  "nonEmptyItems",
] as const;
export type CartCounters = Record<(typeof CART_COUNTERS)[number], number>;

export interface CartMoneyCounters {
  currency: string;
  convertedCarts: number;
  revenue: number;
  nonEmptyCarts: number;
  nonEmptyValue: number;
}

export interface CartBucketRow {
  bucket: string;
  /** null on a bucket without any cart (zero-filled by generate_series) */
  currency: string | null;
  counters: CartCounters;
  money: Omit<CartMoneyCounters, "currency">;
}

export interface FoldedCarts {
  /** every bucket of the range, in order */
  buckets: string[];
  total: CartCounters;
  byBucket: Map<string, CartCounters>;
  /** per currency, sorted by currency code */
  money: CartMoneyCounters[];
  /** bucket → currency → revenue; every currency of `money` in every bucket (0 when none) */
  revenueByBucket: Map<string, Map<string, number>>;
}

export const zeroCartCounters = (): CartCounters =>
  Object.fromEntries(CART_COUNTERS.map((key) => [key, 0])) as CartCounters;

export function foldCartRows(rows: CartBucketRow[]): FoldedCarts {
  const buckets: string[] = [];
  const byBucket = new Map<string, CartCounters>();
  const total = zeroCartCounters();
  const money = new Map<string, CartMoneyCounters>();
  const revenue = new Map<string, Map<string, number>>();
  for (const row of rows) {
    let counters = byBucket.get(row.bucket);
    if (!counters) {
      counters = zeroCartCounters();
      byBucket.set(row.bucket, counters);
      buckets.push(row.bucket);
      revenue.set(row.bucket, new Map());
    }
    if (row.currency === null) continue;
    addInto(counters, row.counters);
    addInto(total, row.counters);
    const perCurrency = money.get(row.currency) ?? { currency: row.currency, ...zeroMoney() };
    addInto(perCurrency as unknown as Record<string, number>, row.money);
    money.set(row.currency, perCurrency);
    const bucketRevenue = revenue.get(row.bucket) as Map<string, number>;
    bucketRevenue.set(row.currency, (bucketRevenue.get(row.currency) ?? 0) + row.money.revenue);
  }
  const currencies = [...money.keys()].sort();
  const revenueByBucket = new Map(
    buckets.map((bucket) => {
      const amounts = revenue.get(bucket) as Map<string, number>;
      return [bucket, new Map(currencies.map((currency) => [currency, amounts.get(currency) ?? 0]))];
    }),
  );
  return {
    buckets,
    total,
    byBucket,
    money: currencies.map((currency) => money.get(currency) as CartMoneyCounters),
    revenueByBucket,
  };
}

const zeroMoney = () => ({ convertedCarts: 0, revenue: 0, nonEmptyCarts: 0, nonEmptyValue: 0 });

/** The cart metrics every endpoint reports the same way (overview, cart, and each bucket). */
export function cartRates(counters: CartCounters) {
  return {
    abandonmentRate: rate(counters.abandoned, counters.counted),
    conversionRate: rate(counters.converted, counters.counted),
  };
}

export function cartSummary(counters: CartCounters) {
  return {
    created: counters.created,
    active: counters.active,
    converted: counters.converted,
    abandoned: counters.abandoned,
    merged: counters.merged,
    ...cartRates(counters),
    averageItems: average(counters.nonEmptyItems, counters.nonEmpty, 2),
  };
}

export function cartMoney(counters: CartMoneyCounters) {
  return {
    currency: counters.currency,
    convertedCarts: counters.convertedCarts,
    revenue: counters.revenue,
    averageConvertedCartValue: average(counters.revenue, counters.convertedCarts, 0),
    averageCartValue: average(counters.nonEmptyValue, counters.nonEmptyCarts, 0),
  };
}

export function revenueList(amounts: Map<string, number> | undefined) {
  return [...(amounts ?? new Map<string, number>())].map(([currency, amount]) => ({ currency, amount }));
}
