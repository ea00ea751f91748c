// The single home of the cart's limits. Route schemas import these rather than
// repeating the numbers, so a limit changes in one place.

export const MIN_QUANTITY = 1;
export const MAX_QUANTITY = 999;
export const MAX_LINES = 250;
/** Saved-for-later is a second list in the same cart row; it gets the same ceiling as the cart. */
export const MAX_SAVED_LINES = 250;
export const MAX_DISCOUNT_CODES = 10;
