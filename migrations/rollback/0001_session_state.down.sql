-- Runbook §2.3 emergency rollback of migrations/0001_session_state.sql, verbatim.
--
-- Run it with `npm run db:rollback -- --yes` (scripts/db-rollback.ts): the script runs these
-- statements in one transaction together with deleting the rows of the session-state
-- migrations from drizzle's journal (drizzle.__drizzle_migrations, the rows whose created_at is
-- the `when` of 0001_session_state, 0002_analytics_indexes and 0003_cart_money_bigint in
-- migrations/meta/_journal.json; SESSION_STATE_MIGRATIONS in scripts/lib/migrate.ts), so that
-- `npm run db:migrate` re-creates the tables. Dropping the tables undoes all three. Run by hand
-- (psql -f), delete those rows yourself in the same session.

-- EMERGENCY ROLLBACK: Execute only if critical issues discovered
-- This will DROP all new tables and lose any data created

BEGIN;

-- Drop in reverse dependency order
DROP TABLE IF EXISTS "cross_site_sessions" CASCADE;
DROP TABLE IF EXISTS "product_comparison_items" CASCADE;
DROP TABLE IF EXISTS "product_comparisons" CASCADE;
DROP TABLE IF EXISTS "wishlist_items" CASCADE;
DROP TABLE IF EXISTS "wishlists" CASCADE;
DROP TABLE IF EXISTS "saved_cart_items" CASCADE;
DROP TABLE IF EXISTS "cart_items" CASCADE;
DROP TABLE IF EXISTS "carts" CASCADE;

-- Drop enum if created
DROP TYPE IF EXISTS "CrossSiteSessionStatus" CASCADE;
DROP TYPE IF EXISTS "CartStatus" CASCADE;

COMMIT;
