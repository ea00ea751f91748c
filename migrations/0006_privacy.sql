CREATE TABLE "erased_sessions" (
	"session_id" text PRIMARY KEY NOT NULL,
	"company_id" uuid NOT NULL,
	"erased_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "privacy_requests" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"company_id" uuid NOT NULL,
	"customer_id" text NOT NULL,
	"action" text NOT NULL,
	"outcome" text NOT NULL,
	"actor_sub" text NOT NULL,
	"actor_role" text NOT NULL,
	"request_id" text,
	"counts" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"requested_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "companies" ADD COLUMN "data_residency" text DEFAULT 'global' NOT NULL;--> statement-breakpoint
ALTER TABLE "erased_sessions" ADD CONSTRAINT "erased_sessions_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "privacy_requests" ADD CONSTRAINT "privacy_requests_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "erased_sessions_company_id_idx" ON "erased_sessions" USING btree ("company_id");--> statement-breakpoint
CREATE INDEX "privacy_requests_company_id_requested_at_idx" ON "privacy_requests" USING btree ("company_id","requested_at");--> statement-breakpoint
CREATE INDEX "privacy_requests_company_id_customer_id_idx" ON "privacy_requests" USING btree ("company_id","customer_id");--> statement-breakpoint
ALTER TABLE "companies" ADD CONSTRAINT "companies_data_residency_check" CHECK ("companies"."data_residency" in ('eu', 'global'));