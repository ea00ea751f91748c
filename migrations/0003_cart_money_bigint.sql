ALTER TABLE "cart_items" ALTER COLUMN "unit_price" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "cart_items" ALTER COLUMN "line_total" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "carts" ALTER COLUMN "subtotal" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "carts" ALTER COLUMN "discount_total" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "carts" ALTER COLUMN "tax_total" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "carts" ALTER COLUMN "shipping_total" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "carts" ALTER COLUMN "grand_total" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "saved_cart_items" ALTER COLUMN "unit_price" SET DATA TYPE bigint;