-- Undoes migrations/0005_cart_conversions.sql. Run by `npm run db:rollback` just before the
-- runbook's session-state rollback, in the same transaction: the conversions name carts that
-- rollback drops, so they go with them.
DROP TABLE IF EXISTS "cart_conversions";
