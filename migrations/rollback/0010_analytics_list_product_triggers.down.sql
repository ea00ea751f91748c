-- Undoes migrations/0010_analytics_list_product_triggers.sql (its triggers go with the
-- function), first of the rollback's down files.
DROP FUNCTION IF EXISTS analytics_mark_next_list_adds() CASCADE;
