// The single home of the cart's limits. Route schemas import these rather than
// repeating the numbers, so a limit changes in one place.

export const MIN_QUANTITY = 1;
export const MAX_QUANTITY = 999;
export const MAX_LINES = 250;
/** Saved-for-later is a second list in the same cart row; it gets the same ceiling as the cart. */
export const MAX_SAVED_LINES = 250;
export const MAX_DISCOUNT_CODES = 10;

/** The highest unit price a line takes (minor units): the catalog's `integer` price column. */
export const MAX_UNIT_PRICE = 2_147_483_647;
/** Tax rates run from 0 to 100 %. */
export const MAX_TAX_RATE_BPS = 10_000;
/**
 * The most any cart amount can reach: every line at the cap and priced at MAX_UNIT_PRICE, plus
 * 100 % tax (≈ 1.07 × 10^15 minor units). Far past 2^31, hence the `bigint` money columns of
 * carts, cart_items and saved_cart_items; well within Number.MAX_SAFE_INTEGER (≈ 9.0 × 10^15),
 * so JS numbers (and drizzle's `bigint` in number mode) hold every cart amount exactly.
 */
export const MAX_CART_TOTAL = 2 * MAX_LINES * MAX_QUANTITY * MAX_UNIT_PRICE;
