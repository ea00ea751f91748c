CREATE TYPE "public"."CartStatus" AS ENUM('ACTIVE', 'MERGED', 'CONVERTED', 'ABANDONED', 'EXPIRED');--> statement-breakpoint
CREATE TYPE "public"."CrossSiteSessionStatus" AS ENUM('ACTIVE', 'MERGED', 'EXPIRED');--> statement-breakpoint
CREATE TABLE "cart_items" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"cart_id" uuid NOT NULL,
	"product_id" uuid NOT NULL,
	"variant_id" uuid,
	"sku" text NOT NULL,
	"name" text NOT NULL,
	"quantity" integer NOT NULL,
	"unit_price" integer NOT NULL,
	"line_total" integer NOT NULL,
	"bundle_group_id" uuid,
	"bundle_id" uuid,
	"site_id" uuid,
	"added_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "carts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"company_id" uuid NOT NULL,
	"site_id" uuid,
	"customer_id" uuid,
	"session_id" text NOT NULL,
	"session_token_hash" text,
	"visitor_id" text,
	"status" "CartStatus" DEFAULT 'ACTIVE' NOT NULL,
	"currency" text NOT NULL,
	"subtotal" integer DEFAULT 0 NOT NULL,
	"discount_total" integer DEFAULT 0 NOT NULL,
	"tax_total" integer DEFAULT 0 NOT NULL,
	"shipping_total" integer DEFAULT 0 NOT NULL,
	"grand_total" integer DEFAULT 0 NOT NULL,
	"item_count" integer DEFAULT 0 NOT NULL,
	"discounts" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"order_id" text,
	"converted_at" timestamp with time zone,
	"abandoned_at" timestamp with time zone,
	"merged_into_cart_id" uuid,
	"version" integer DEFAULT 0 NOT NULL,
	"last_activity_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "cross_site_sessions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"company_id" uuid NOT NULL,
	"customer_id" uuid,
	"session_token_hash" text,
	"status" "CrossSiteSessionStatus" DEFAULT 'ACTIVE' NOT NULL,
	"origin_site_id" uuid,
	"sites_visited" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"transfer_count" integer DEFAULT 0 NOT NULL,
	"merge_count" integer DEFAULT 0 NOT NULL,
	"merged_into_session_id" text,
	"merged_at" timestamp with time zone,
	"expired_at" timestamp with time zone,
	"version" integer DEFAULT 0 NOT NULL,
	"last_activity_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "product_comparison_items" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"comparison_id" uuid NOT NULL,
	"product_id" uuid NOT NULL,
	"variant_id" uuid,
	"position" integer NOT NULL,
	"added_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "product_comparison_items_comparison_product_variant_key" UNIQUE NULLS NOT DISTINCT("comparison_id","product_id","variant_id")
);
--> statement-breakpoint
CREATE TABLE "product_comparisons" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"company_id" uuid NOT NULL,
	"site_id" uuid,
	"customer_id" uuid,
	"session_id" text NOT NULL,
	"session_token_hash" text,
	"share_token_hash" text,
	"shared_at" timestamp with time zone,
	"item_count" integer DEFAULT 0 NOT NULL,
	"version" integer DEFAULT 0 NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "saved_cart_items" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"cart_id" uuid NOT NULL,
	"product_id" uuid NOT NULL,
	"variant_id" uuid,
	"sku" text NOT NULL,
	"name" text NOT NULL,
	"quantity" integer NOT NULL,
	"unit_price" integer NOT NULL,
	"site_id" uuid,
	"saved_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "wishlist_items" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"wishlist_id" uuid NOT NULL,
	"product_id" uuid NOT NULL,
	"variant_id" uuid,
	"priority" integer DEFAULT 0 NOT NULL,
	"note" text,
	"added_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "wishlist_items_wishlist_id_product_id_variant_id_key" UNIQUE NULLS NOT DISTINCT("wishlist_id","product_id","variant_id")
);
--> statement-breakpoint
CREATE TABLE "wishlists" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"company_id" uuid NOT NULL,
	"site_id" uuid,
	"customer_id" uuid,
	"session_id" text NOT NULL,
	"session_token_hash" text,
	"name" text DEFAULT 'Wishlist' NOT NULL,
	"share_token_hash" text,
	"shared_at" timestamp with time zone,
	"item_count" integer DEFAULT 0 NOT NULL,
	"version" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "cart_items" ADD CONSTRAINT "cart_items_cart_id_carts_id_fk" FOREIGN KEY ("cart_id") REFERENCES "public"."carts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "carts" ADD CONSTRAINT "carts_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cross_site_sessions" ADD CONSTRAINT "cross_site_sessions_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "product_comparison_items" ADD CONSTRAINT "product_comparison_items_comparison_id_product_comparisons_id_fk" FOREIGN KEY ("comparison_id") REFERENCES "public"."product_comparisons"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "product_comparisons" ADD CONSTRAINT "product_comparisons_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "saved_cart_items" ADD CONSTRAINT "saved_cart_items_cart_id_carts_id_fk" FOREIGN KEY ("cart_id") REFERENCES "public"."carts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "wishlist_items" ADD CONSTRAINT "wishlist_items_wishlist_id_wishlists_id_fk" FOREIGN KEY ("wishlist_id") REFERENCES "public"."wishlists"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "wishlists" ADD CONSTRAINT "wishlists_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "cart_items_cart_id_idx" ON "cart_items" USING btree ("cart_id");--> statement-breakpoint
CREATE INDEX "cart_items_product_id_idx" ON "cart_items" USING btree ("product_id");--> statement-breakpoint
CREATE INDEX "carts_company_id_status_idx" ON "carts" USING btree ("company_id","status");--> statement-breakpoint
CREATE INDEX "carts_company_id_customer_id_idx" ON "carts" USING btree ("company_id","customer_id");--> statement-breakpoint
CREATE UNIQUE INDEX "carts_session_token_hash_key" ON "carts" USING btree ("session_token_hash");--> statement-breakpoint
CREATE INDEX "carts_visitor_id_idx" ON "carts" USING btree ("visitor_id");--> statement-breakpoint
CREATE INDEX "carts_status_expires_at_idx" ON "carts" USING btree ("status","expires_at");--> statement-breakpoint
CREATE INDEX "carts_company_id_site_id_status_idx" ON "carts" USING btree ("company_id","site_id","status");--> statement-breakpoint
CREATE UNIQUE INDEX "carts_company_id_order_id_key" ON "carts" USING btree ("company_id","order_id");--> statement-breakpoint
CREATE INDEX "cross_site_sessions_company_id_idx" ON "cross_site_sessions" USING btree ("company_id");--> statement-breakpoint
CREATE INDEX "cross_site_sessions_customer_id_idx" ON "cross_site_sessions" USING btree ("customer_id");--> statement-breakpoint
CREATE UNIQUE INDEX "cross_site_sessions_session_token_hash_key" ON "cross_site_sessions" USING btree ("session_token_hash");--> statement-breakpoint
CREATE INDEX "cross_site_sessions_status_idx" ON "cross_site_sessions" USING btree ("status");--> statement-breakpoint
CREATE INDEX "cross_site_sessions_expires_at_idx" ON "cross_site_sessions" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "product_comparisons_company_id_idx" ON "product_comparisons" USING btree ("company_id");--> statement-breakpoint
CREATE INDEX "product_comparisons_company_id_customer_id_idx" ON "product_comparisons" USING btree ("company_id","customer_id");--> statement-breakpoint
CREATE UNIQUE INDEX "product_comparisons_session_token_hash_key" ON "product_comparisons" USING btree ("session_token_hash");--> statement-breakpoint
CREATE UNIQUE INDEX "product_comparisons_share_token_hash_key" ON "product_comparisons" USING btree ("share_token_hash");--> statement-breakpoint
CREATE INDEX "product_comparisons_expires_at_idx" ON "product_comparisons" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "saved_cart_items_cart_id_idx" ON "saved_cart_items" USING btree ("cart_id");--> statement-breakpoint
CREATE INDEX "wishlists_company_id_idx" ON "wishlists" USING btree ("company_id");--> statement-breakpoint
CREATE INDEX "wishlists_customer_id_idx" ON "wishlists" USING btree ("customer_id");--> statement-breakpoint
CREATE UNIQUE INDEX "wishlists_session_token_hash_key" ON "wishlists" USING btree ("session_token_hash");--> statement-breakpoint
CREATE UNIQUE INDEX "wishlists_share_token_hash_key" ON "wishlists" USING btree ("share_token_hash");