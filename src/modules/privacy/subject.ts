// One customer's data across every store (docs/design.md, "Privacy"): the session objects
// (the customer's, the guests merged into it, the link objects of its cross-site tokens),
// Postgres and the R2 archive. Export reads them; erasure empties the objects and anonymizes
// or deletes the rows, in an order that lets nothing come back (see eraseCustomer).
import type { LiveErasure, LiveStateExport, SessionJurisdiction } from "../../../durable-objects/contract";
import type { Database } from "../../db/client";
import { sessionStub } from "../../session-client";
import { archivedCarts, archiveMatch, eraseArchivedCarts } from "./archive";
import { eraseRows } from "./erase-rows";
import { countOf, exportRows, type PostgresExport } from "./export-rows";
import { findSessions } from "./sessions";

export interface Subject {
  env: Env;
  db: Database;
  companyId: string;
  customerId: string;
  /** the company's residency: where its session objects live */
  jurisdiction: SessionJurisdiction | undefined;
}

const customerObject = ({ env, companyId, customerId, jurisdiction }: Subject) =>
  sessionStub(env, { kind: "customer", companyId, customerId, jurisdiction });

/** A guest's session object, or a cross-site token's link object: both are named by a digest. */
const digestObject = ({ env, companyId, jurisdiction }: Subject, digest: string) =>
  sessionStub(env, { kind: "anonymous", companyId, tokenHash: digest, jurisdiction });

/** A live state with nothing in it is shown as null. */
const shown = (state: LiveStateExport): LiveStateExport | null =>
  state.session || state.carts.length || state.wishlist || state.comparison || state.crossSiteTokens.length
    ? state
    : null;

export async function exportCustomer(subject: Subject) {
  const live = await customerObject(subject).exportLiveState();
  const sessions = await findSessions(subject.db, subject.companyId, subject.customerId);
  const sessionIds = [...new Set([...sessions.sessionIds, ...(live.session ? [live.session.id] : [])])];
  const guests: LiveStateExport[] = [];
  for (const hash of sessions.guestTokenHashes) {
    const guest = shown(await digestObject(subject, hash).exportLiveState());
    if (guest) guests.push(guest);
  }
  const postgres = await exportRows(subject.db, subject.companyId, subject.customerId, sessionIds);
  const archived = await archivedCarts(
    subject.env.ARCHIVE,
    subject.companyId,
    archiveMatch(subject.customerId, sessionIds),
  );
  const document = {
    companyId: subject.companyId,
    customerId: subject.customerId,
    exportedAt: new Date().toISOString(),
    liveState: { customer: shown(live), mergedGuests: guests },
    postgres,
    archivedCarts: archived.map(({ cart }) => cart),
  };
  return { document, counts: exportCounts(document.liveState.customer, guests, postgres, archived.length) };
}

function exportCounts(live: LiveStateExport | null, guests: unknown[], postgres: PostgresExport, archived: number) {
  return {
    durableObjects: {
      sessions: (live?.session ? 1 : 0) + guests.length,
      carts: live?.carts.length ?? 0,
      wishlistItems: live?.wishlist?.items.length ?? 0,
      comparisonItems: live?.comparison?.state.items.length ?? 0,
    },
    postgres: countOf(postgres),
    archive: { carts: archived },
  };
}

/** Whether an export found anything at all. */
export const foundAnything = (counts: ReturnType<typeof exportCounts>) =>
  Object.values(counts).some((store) => Object.values(store).some((count) => count > 0));

const emptyObjects = () => ({ objects: 0, documents: 0, pendingChanges: 0, idempotencyRecords: 0, socketsClosed: 0 });

function addErasure(total: ReturnType<typeof emptyObjects>, erased: LiveErasure) {
  total.objects += erased.documents > 0 || erased.socketsClosed > 0 ? 1 : 0;
  total.documents += erased.documents;
  total.pendingChanges += erased.pendingChanges;
  total.idempotencyRecords += erased.idempotencyRecords;
  total.socketsClosed += erased.socketsClosed;
}

/**
 * Erases the customer everywhere. The order is what makes it final:
 * 1. the sessions the customer's object holds now, and Postgres's, get tombstones (under the
 *    company's erasure lock) and their rows are anonymized: from then on no replication of
 *    them — in flight, or sent while the shopper keeps shopping until step 2 — writes anything;
 * 2. the session objects are emptied (customer, merged guests, token links); a session the
 *    customer object started meanwhile is tombstoned by a second, small pass;
 * 3. the R2 archive lines go.
 * Every step is idempotent, so a failed erasure is simply asked again.
 */
export async function eraseCustomer(subject: Subject) {
  const { db, companyId, customerId } = subject;
  const customer = customerObject(subject);
  const current = (await customer.exportLiveState()).session?.id;
  const before = await findSessions(db, companyId, customerId);
  const rows = await eraseRows(db, companyId, customerId, current ? [current] : []);

  const objects = emptyObjects();
  const erased = await customer.eraseLiveState();
  addErasure(objects, erased);
  const digests = new Set([...erased.tokenDigests, ...before.customerTokenHashes, ...before.guestTokenHashes]);
  const sessionIds = new Set(rows.sessionIds);
  const missed: string[] = [];
  for (const digest of digests) {
    const other = await digestObject(subject, digest).eraseLiveState();
    addErasure(objects, other);
    missed.push(...other.sessionIds.filter((id) => !sessionIds.has(id)));
  }
  missed.push(...erased.sessionIds.filter((id) => !sessionIds.has(id)));
  const postgres = rows.counts;
  if (missed.length) {
    const late = await eraseRows(db, companyId, customerId, missed);
    for (const [key, value] of Object.entries(late.counts)) postgres[key as keyof typeof postgres] += value;
  }
  const allSessions = [...new Set([...rows.sessionIds, ...missed])];
  const archive = await eraseArchivedCarts(subject.env.ARCHIVE, companyId, archiveMatch(customerId, allSessions));
  return { durableObjects: objects, postgres, archive };
}

/** Whether an erasure erased anything at all. */
export const erasedAnything = (counts: Awaited<ReturnType<typeof eraseCustomer>>) =>
  Object.values(counts).some((store) => Object.values(store).some((count) => count > 0));
