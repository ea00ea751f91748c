// Helpers for the pure domain tests (test/domain): plain data, no runtime, so they run in Node.
import { expect } from "vitest";
import type { PricedItem } from "../../src/domain/cart";
import { DomainError } from "../../src/domain/errors";

/** The clock every domain test reads. */
export const NOW = new Date("2025-06-01T12:00:00.000Z");

/** Ids `prefix-1`, `prefix-2`, … in order: the id generator the domain functions take. */
export function sequence(prefix = "id"): () => string {
  let n = 0;
  return () => `${prefix}-${++n}`;
}

/** Freezes the value and everything in it, so a function that mutates its input throws. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** The code of the DomainError `run` throws; undefined when it returns. Any other error is rethrown. */
export function errorCode(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
  return undefined;
}

/** Asserts that `run` throws a DomainError with this code. */
export function expectDomainError(run: () => unknown, code: string) {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(DomainError);
  expect((caught as DomainError).code).toBe(code);
}

/** A catalog item as the cart sees it: USD, active, no variant; sku and name are the product id. */
export function pricedItem(productId: string, unitPrice = 1000, overrides: Partial<PricedItem> = {}): PricedItem {
  return {
    productId,
    variantId: null,
    companyId: "c1",
    sku: productId,
    name: productId,
    unitPrice,
    currency: "USD",
    active: true,
    ...overrides,
  };
}
