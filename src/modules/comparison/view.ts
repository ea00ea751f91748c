import type { ComparisonDoc, SessionDoc } from "../../sessions/types";

export function comparisonView(session: SessionDoc, comparison: ComparisonDoc, maxItems: number) {
  return {
    id: comparison.id,
    sessionId: session.id,
    companyId: session.companyId,
    customerId: session.customerId,
    items: comparison.state.items,
    itemCount: comparison.state.items.length,
    maxItems,
    shared: comparison.shareTokenHash !== null,
    sharedAt: comparison.sharedAt,
    version: comparison.version,
    expiresAt: comparison.expiresAt,
    createdAt: comparison.createdAt,
    updatedAt: comparison.updatedAt,
  };
}

export type ComparisonView = ReturnType<typeof comparisonView>;
