CREATE TABLE "cart_conversions" (
	"company_id" uuid NOT NULL,
	"order_id" text NOT NULL,
	"cart_id" uuid NOT NULL,
	"site_id" uuid,
	"customer_id" uuid,
	"currency" text NOT NULL,
	"grand_total" bigint NOT NULL,
	"item_count" integer NOT NULL,
	"converted_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "cart_conversions_company_id_order_id_pk" PRIMARY KEY("company_id","order_id")
);
--> statement-breakpoint
ALTER TABLE "cart_conversions" ADD CONSTRAINT "cart_conversions_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "cart_conversions_company_id_cart_id_key" ON "cart_conversions" USING btree ("company_id","cart_id");--> statement-breakpoint
CREATE INDEX "cart_conversions_converted_at_idx" ON "cart_conversions" USING btree ("converted_at");