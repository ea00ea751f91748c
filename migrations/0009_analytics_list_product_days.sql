CREATE TABLE "analytics_list_product_days" (
	"kind" text NOT NULL,
	"company_id" uuid NOT NULL,
	"day" date NOT NULL,
	"site_id" uuid,
	"product_id" uuid NOT NULL,
	"prev_day" date,
	"lists" integer DEFAULT 0 NOT NULL,
	"items" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "analytics_list_product_days_key" UNIQUE NULLS NOT DISTINCT("kind","company_id","day","site_id","product_id","prev_day")
);
--> statement-breakpoint
ALTER TABLE "analytics_list_product_days" ADD CONSTRAINT "analytics_list_product_days_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE cascade ON UPDATE no action;