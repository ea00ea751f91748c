-- Undoes migrations/0010_analytics_list_product_triggers.sql (the triggers go with their
-- functions), first of the rollback's down files.
DROP FUNCTION IF EXISTS analytics_mark_next_list_adds() CASCADE;
DROP FUNCTION IF EXISTS analytics_mark_moved_list_items() CASCADE;
