-- Undoes migrations/0007_analytics_rollups.sql. Run by `npm run db:rollback` just before the
-- runbook's session-state rollback, in the same transaction: the rollups are figures of the
-- rows that rollback drops, so they go with them.
DROP TABLE IF EXISTS "analytics_ranked_days";
DROP TABLE IF EXISTS "analytics_session_days";
DROP TABLE IF EXISTS "analytics_list_days";
DROP TABLE IF EXISTS "analytics_cart_days";
DROP TABLE IF EXISTS "analytics_dirty_days";
DROP INDEX IF EXISTS "wishlist_items_added_at_idx";
DROP INDEX IF EXISTS "product_comparison_items_added_at_idx";
