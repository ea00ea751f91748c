-- Undoes migrations/0006_privacy.sql. Run by `npm run db:rollback` just before the runbook's
-- session-state rollback, in the same transaction: the erased-session tombstones describe the
-- session rows that rollback drops, and the privacy audit goes with them (export it first:
-- docs/operations.md, "Data-subject requests"). The residency column is dropped so the next
-- migrate can add it again.
DROP TABLE IF EXISTS "privacy_requests";
DROP TABLE IF EXISTS "erased_sessions";
ALTER TABLE "companies" DROP CONSTRAINT IF EXISTS "companies_data_residency_check";
ALTER TABLE "companies" DROP COLUMN IF EXISTS "data_residency";
