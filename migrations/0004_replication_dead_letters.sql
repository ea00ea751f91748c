CREATE TABLE "replication_dead_letters" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"company_id" text,
	"object_id" text,
	"session_id" text,
	"resource" text NOT NULL,
	"resource_id" text NOT NULL,
	"version" integer DEFAULT 0 NOT NULL,
	"reason" text NOT NULL,
	"sql_state" text,
	"count" integer DEFAULT 1 NOT NULL,
	"first_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"replayed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE UNIQUE INDEX "replication_dead_letters_resource_resource_id_key" ON "replication_dead_letters" USING btree ("resource","resource_id");--> statement-breakpoint
CREATE INDEX "replication_dead_letters_last_seen_at_idx" ON "replication_dead_letters" USING btree ("last_seen_at");