-- Undoes migrations/0004_replication_dead_letters.sql. Run by `npm run db:rollback` just before the
-- runbook's session-state rollback (0001_session_state.down.sql), in the same transaction: the
-- dead letters describe replication into the tables that rollback drops, so they go with them.
DROP TABLE IF EXISTS "replication_dead_letters";
