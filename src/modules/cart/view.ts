import type { CartDoc, SessionDoc } from "../../sessions/types";

/** The cart as the API shows it (DESIGN §4 representation). */
export function cartView(session: SessionDoc, cart: CartDoc) {
  return {
    id: cart.id,
    sessionId: session.id,
    companyId: session.companyId,
    siteId: cart.siteId,
    customerId: session.customerId,
    status: cart.status,
    currency: cart.state.currency,
    items: cart.state.lines.map((line) => ({
      id: line.id,
      productId: line.productId,
      variantId: line.variantId,
      sku: line.sku,
      name: line.name,
      quantity: line.quantity,
      unitPrice: line.unitPrice,
      lineTotal: line.lineTotal,
      bundleGroupId: line.bundleGroupId,
      bundleId: line.bundleId,
      siteId: line.siteId,
      unavailable: line.unavailable,
      addedAt: line.addedAt,
    })),
    savedItems: cart.state.savedLines.map((saved) => ({
      id: saved.id,
      productId: saved.productId,
      variantId: saved.variantId,
      sku: saved.sku,
      name: saved.name,
      quantity: saved.quantity,
      unitPrice: saved.unitPrice,
      siteId: saved.siteId,
      savedAt: saved.savedAt,
    })),
    discounts: cart.state.discounts.map(({ code, type, value, amount, stackable }) => ({
      code,
      type,
      value,
      amount,
      stackable,
    })),
    totals: cart.totals,
    orderId: cart.orderId,
    version: cart.version,
    expiresAt: cart.expiresAt,
    createdAt: cart.createdAt,
    updatedAt: cart.updatedAt,
  };
}

export type CartView = ReturnType<typeof cartView>;
