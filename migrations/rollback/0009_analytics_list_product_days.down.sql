-- Undoes migrations/0009_analytics_list_product_days.sql. Run by `npm run db:rollback` just
-- before 0008's and 0007's down files and the runbook's session-state rollback, in the same
-- transaction: the rollup holds figures of the rows that rollback drops.
DROP TABLE IF EXISTS "analytics_list_product_days";
