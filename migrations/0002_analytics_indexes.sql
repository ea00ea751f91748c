CREATE INDEX "carts_company_id_created_at_idx" ON "carts" USING btree ("company_id","created_at","status","currency","site_id","item_count","grand_total");--> statement-breakpoint
CREATE INDEX "cross_site_sessions_company_id_created_at_idx" ON "cross_site_sessions" USING btree ("company_id","created_at");--> statement-breakpoint
CREATE INDEX "product_comparisons_company_id_created_at_idx" ON "product_comparisons" USING btree ("company_id","created_at");--> statement-breakpoint
CREATE INDEX "wishlists_company_id_created_at_idx" ON "wishlists" USING btree ("company_id","created_at");