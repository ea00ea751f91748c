-- Undoes migrations/0008_analytics_rollup_triggers.sql, before 0007's down file and the
-- session-state rollback (which drops the tables, and the triggers on them, anyway).
DROP FUNCTION IF EXISTS analytics_mark_days() CASCADE;
DROP FUNCTION IF EXISTS analytics_mark_cart_lines() CASCADE;
DROP FUNCTION IF EXISTS analytics_mark_wishlist_items() CASCADE;
DROP FUNCTION IF EXISTS analytics_mark_comparison_items() CASCADE;
DROP FUNCTION IF EXISTS analytics_mark_list_items_before_delete() CASCADE;
