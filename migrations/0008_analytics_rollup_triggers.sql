-- Custom SQL migration (drizzle-kit generate --custom): the triggers that keep the analytics
-- rollups (0006) exact. Each write to a replicated table records, in the writer's own
-- transaction, every (kind, company, UTC day) whose figures it may change — the day of the row
-- before and after, for carts and lists by created_at, for list items by added_at.
-- src/modules/analytics/sql/rollups.ts recomputes those days from the raw rows and deletes the
-- records it handled. Statement-level triggers with transition tables: one INSERT per
-- statement, whatever number of rows it wrote. docs/design.md §65.
CREATE FUNCTION analytics_mark_days() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  kind text := TG_ARGV[0];
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    INSERT INTO analytics_dirty_days (kind, company_id, day)
    SELECT DISTINCT kind, o.company_id, (o.created_at AT TIME ZONE 'UTC')::date FROM old_rows o;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO analytics_dirty_days (kind, company_id, day)
    SELECT DISTINCT kind, n.company_id, (n.created_at AT TIME ZONE 'UTC')::date FROM new_rows n;
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
-- Cart lines count under their cart's created day (bundles); a line whose cart is gone in the
-- same statement (a cascade) was marked by the cart's own trigger.
CREATE FUNCTION analytics_mark_cart_lines() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    INSERT INTO analytics_dirty_days (kind, company_id, day)
    SELECT DISTINCT 'cart', c.company_id, (c.created_at AT TIME ZONE 'UTC')::date
    FROM old_rows o JOIN carts c ON c.id = o.cart_id;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO analytics_dirty_days (kind, company_id, day)
    SELECT DISTINCT 'cart', c.company_id, (c.created_at AT TIME ZONE 'UTC')::date
    FROM new_rows n JOIN carts c ON c.id = n.cart_id;
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
-- List items count under their own added day, for their list's company.
CREATE FUNCTION analytics_mark_wishlist_items() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    INSERT INTO analytics_dirty_days (kind, company_id, day)
    SELECT DISTINCT 'wishlist', l.company_id, (o.added_at AT TIME ZONE 'UTC')::date
    FROM old_rows o JOIN wishlists l ON l.id = o.wishlist_id;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO analytics_dirty_days (kind, company_id, day)
    SELECT DISTINCT 'wishlist', l.company_id, (n.added_at AT TIME ZONE 'UTC')::date
    FROM new_rows n JOIN wishlists l ON l.id = n.wishlist_id;
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE FUNCTION analytics_mark_comparison_items() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    INSERT INTO analytics_dirty_days (kind, company_id, day)
    SELECT DISTINCT 'comparison', l.company_id, (o.added_at AT TIME ZONE 'UTC')::date
    FROM old_rows o JOIN product_comparisons l ON l.id = o.comparison_id;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO analytics_dirty_days (kind, company_id, day)
    SELECT DISTINCT 'comparison', l.company_id, (n.added_at AT TIME ZONE 'UTC')::date
    FROM new_rows n JOIN product_comparisons l ON l.id = n.comparison_id;
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
-- A list deleted takes its items with it (cascade), after its row is gone: its items' days are
-- marked here, before, while the items are still there.
CREATE FUNCTION analytics_mark_list_items_before_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_TABLE_NAME = 'wishlists' THEN
    INSERT INTO analytics_dirty_days (kind, company_id, day)
    SELECT DISTINCT 'wishlist', OLD.company_id, (i.added_at AT TIME ZONE 'UTC')::date
    FROM wishlist_items i WHERE i.wishlist_id = OLD.id;
  ELSE
    INSERT INTO analytics_dirty_days (kind, company_id, day)
    SELECT DISTINCT 'comparison', OLD.company_id, (i.added_at AT TIME ZONE 'UTC')::date
    FROM product_comparison_items i WHERE i.comparison_id = OLD.id;
  END IF;
  RETURN OLD;
END $$;
--> statement-breakpoint
CREATE TRIGGER carts_analytics_insert AFTER INSERT ON carts REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION analytics_mark_days('cart');
--> statement-breakpoint
CREATE TRIGGER carts_analytics_update AFTER UPDATE ON carts REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION analytics_mark_days('cart');
--> statement-breakpoint
CREATE TRIGGER carts_analytics_delete AFTER DELETE ON carts REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION analytics_mark_days('cart');
--> statement-breakpoint
CREATE TRIGGER cart_items_analytics_insert AFTER INSERT ON cart_items REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION analytics_mark_cart_lines();
--> statement-breakpoint
CREATE TRIGGER cart_items_analytics_update AFTER UPDATE ON cart_items REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION analytics_mark_cart_lines();
--> statement-breakpoint
CREATE TRIGGER cart_items_analytics_delete AFTER DELETE ON cart_items REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION analytics_mark_cart_lines();
--> statement-breakpoint
CREATE TRIGGER wishlists_analytics_insert AFTER INSERT ON wishlists REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION analytics_mark_days('wishlist');
--> statement-breakpoint
CREATE TRIGGER wishlists_analytics_update AFTER UPDATE ON wishlists REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION analytics_mark_days('wishlist');
--> statement-breakpoint
CREATE TRIGGER wishlists_analytics_delete AFTER DELETE ON wishlists REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION analytics_mark_days('wishlist');
--> statement-breakpoint
CREATE TRIGGER wishlists_analytics_items_before_delete BEFORE DELETE ON wishlists FOR EACH ROW EXECUTE FUNCTION analytics_mark_list_items_before_delete();
--> statement-breakpoint
CREATE TRIGGER wishlist_items_analytics_insert AFTER INSERT ON wishlist_items REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION analytics_mark_wishlist_items();
--> statement-breakpoint
CREATE TRIGGER wishlist_items_analytics_update AFTER UPDATE ON wishlist_items REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION analytics_mark_wishlist_items();
--> statement-breakpoint
CREATE TRIGGER wishlist_items_analytics_delete AFTER DELETE ON wishlist_items REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION analytics_mark_wishlist_items();
--> statement-breakpoint
CREATE TRIGGER product_comparisons_analytics_insert AFTER INSERT ON product_comparisons REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION analytics_mark_days('comparison');
--> statement-breakpoint
CREATE TRIGGER product_comparisons_analytics_update AFTER UPDATE ON product_comparisons REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION analytics_mark_days('comparison');
--> statement-breakpoint
CREATE TRIGGER product_comparisons_analytics_delete AFTER DELETE ON product_comparisons REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION analytics_mark_days('comparison');
--> statement-breakpoint
CREATE TRIGGER product_comparisons_analytics_items_before_delete BEFORE DELETE ON product_comparisons FOR EACH ROW EXECUTE FUNCTION analytics_mark_list_items_before_delete();
--> statement-breakpoint
CREATE TRIGGER product_comparison_items_analytics_insert AFTER INSERT ON product_comparison_items REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION analytics_mark_comparison_items();
--> statement-breakpoint
CREATE TRIGGER product_comparison_items_analytics_update AFTER UPDATE ON product_comparison_items REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION analytics_mark_comparison_items();
--> statement-breakpoint
CREATE TRIGGER product_comparison_items_analytics_delete AFTER DELETE ON product_comparison_items REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION analytics_mark_comparison_items();
--> statement-breakpoint
CREATE TRIGGER cross_site_sessions_analytics_insert AFTER INSERT ON cross_site_sessions REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION analytics_mark_days('session');
--> statement-breakpoint
CREATE TRIGGER cross_site_sessions_analytics_update AFTER UPDATE ON cross_site_sessions REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION analytics_mark_days('session');
--> statement-breakpoint
CREATE TRIGGER cross_site_sessions_analytics_delete AFTER DELETE ON cross_site_sessions REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION analytics_mark_days('session');
--> statement-breakpoint
-- The rows already there: every day that holds one is to be computed (the first analytics read
-- of each company, or `npm run analytics:rollup`, does it).
INSERT INTO analytics_dirty_days (kind, company_id, day)
SELECT DISTINCT 'cart', company_id, (created_at AT TIME ZONE 'UTC')::date FROM carts
UNION ALL SELECT DISTINCT 'wishlist', company_id, (created_at AT TIME ZONE 'UTC')::date FROM wishlists
UNION ALL SELECT DISTINCT 'wishlist', l.company_id, (i.added_at AT TIME ZONE 'UTC')::date FROM wishlist_items i JOIN wishlists l ON l.id = i.wishlist_id
UNION ALL SELECT DISTINCT 'comparison', company_id, (created_at AT TIME ZONE 'UTC')::date FROM product_comparisons
UNION ALL SELECT DISTINCT 'comparison', l.company_id, (i.added_at AT TIME ZONE 'UTC')::date FROM product_comparison_items i JOIN product_comparisons l ON l.id = i.comparison_id
UNION ALL SELECT DISTINCT 'session', company_id, (created_at AT TIME ZONE 'UTC')::date FROM cross_site_sessions;
