CREATE TABLE "analytics_cart_days" (
	"company_id" uuid NOT NULL,
	"day" date NOT NULL,
	"site_id" uuid,
	"currency" text NOT NULL,
	"created" integer DEFAULT 0 NOT NULL,
	"counted" integer DEFAULT 0 NOT NULL,
	"active" integer DEFAULT 0 NOT NULL,
	"converted" integer DEFAULT 0 NOT NULL,
	"abandoned" integer DEFAULT 0 NOT NULL,
	"merged" integer DEFAULT 0 NOT NULL,
	"non_empty" integer DEFAULT 0 NOT NULL,
	"non_empty_items" bigint DEFAULT 0 NOT NULL,
	"non_empty_value" bigint DEFAULT 0 NOT NULL,
	"revenue" bigint DEFAULT 0 NOT NULL,
	"bundle_additions" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "analytics_cart_days_company_id_day_site_id_currency_key" UNIQUE NULLS NOT DISTINCT("company_id","day","site_id","currency")
);
--> statement-breakpoint
CREATE TABLE "analytics_dirty_days" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"company_id" uuid NOT NULL,
	"day" date NOT NULL
);
--> statement-breakpoint
CREATE TABLE "analytics_list_days" (
	"kind" text NOT NULL,
	"company_id" uuid NOT NULL,
	"day" date NOT NULL,
	"site_id" uuid,
	"created" integer DEFAULT 0 NOT NULL,
	"shared" integer DEFAULT 0 NOT NULL,
	"items" integer DEFAULT 0 NOT NULL,
	"added" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "analytics_list_days_kind_company_id_day_site_id_key" UNIQUE NULLS NOT DISTINCT("kind","company_id","day","site_id")
);
--> statement-breakpoint
CREATE TABLE "analytics_ranked_days" (
	"list" text NOT NULL,
	"company_id" uuid NOT NULL,
	"day" date NOT NULL,
	"scope" text,
	"item" text NOT NULL,
	"item2" text DEFAULT '' NOT NULL,
	"a" bigint DEFAULT 0 NOT NULL,
	"b" bigint DEFAULT 0 NOT NULL,
	"c" bigint DEFAULT 0 NOT NULL,
	"d" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "analytics_ranked_days_list_company_id_day_scope_item_item2_key" UNIQUE NULLS NOT DISTINCT("list","company_id","day","scope","item","item2")
);
--> statement-breakpoint
CREATE TABLE "analytics_session_days" (
	"company_id" uuid NOT NULL,
	"day" date NOT NULL,
	"scope" text,
	"created" integer DEFAULT 0 NOT NULL,
	"active" integer DEFAULT 0 NOT NULL,
	"merged" integer DEFAULT 0 NOT NULL,
	"expired" integer DEFAULT 0 NOT NULL,
	"transfers" bigint DEFAULT 0 NOT NULL,
	"transferred" integer DEFAULT 0 NOT NULL,
	"merges_received" bigint DEFAULT 0 NOT NULL,
	"sites" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "analytics_session_days_company_id_day_scope_key" UNIQUE NULLS NOT DISTINCT("company_id","day","scope")
);
--> statement-breakpoint
ALTER TABLE "analytics_cart_days" ADD CONSTRAINT "analytics_cart_days_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "analytics_list_days" ADD CONSTRAINT "analytics_list_days_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "analytics_ranked_days" ADD CONSTRAINT "analytics_ranked_days_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "analytics_session_days" ADD CONSTRAINT "analytics_session_days_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "analytics_dirty_days_company_id_idx" ON "analytics_dirty_days" USING btree ("company_id");--> statement-breakpoint
CREATE INDEX "product_comparison_items_added_at_idx" ON "product_comparison_items" USING btree ("added_at");--> statement-breakpoint
CREATE INDEX "wishlist_items_added_at_idx" ON "wishlist_items" USING btree ("added_at");