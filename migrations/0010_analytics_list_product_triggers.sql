-- Custom SQL migration (drizzle-kit generate --custom): what else a list item write marks for
-- the top products rollup (0009). A (list, product)'s add day counts in the row of its previous
-- add day of that product in that list, so when the items of a (list, product) change on some
-- day, its next add day (after that day, in the rows as they are now) is recomputed too, beside
-- the item's own days that 0008's triggers mark. After a statement the next add day of every
-- changed day is what changed, whatever the write (insert, delete, added_at or product moved);
-- a list deleted marks all its items' days before the cascade (0008). And a list moved to
-- another site marks its items' days, which 0008 did not. docs/design.md §70.
-- TG_ARGV: the rollup kind, the lists table, the items' column naming their list.
CREATE FUNCTION analytics_mark_next_list_adds() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  changed text;
BEGIN
  changed := CASE TG_OP
    WHEN 'INSERT' THEN format('SELECT %I AS list_id, product_id, added_at FROM new_rows', TG_ARGV[2])
    WHEN 'DELETE' THEN format('SELECT %I AS list_id, product_id, added_at FROM old_rows', TG_ARGV[2])
    ELSE format('SELECT %1$I AS list_id, product_id, added_at FROM old_rows
                 UNION ALL SELECT %1$I, product_id, added_at FROM new_rows', TG_ARGV[2])
  END;
  EXECUTE format($sql$
    INSERT INTO analytics_dirty_days (kind, company_id, day)
    SELECT DISTINCT %L, l.company_id, (nx.added_at AT TIME ZONE 'UTC')::date
    FROM (SELECT DISTINCT list_id, product_id, (added_at AT TIME ZONE 'UTC')::date AS day FROM (%s) AS x) AS c
    JOIN %I l ON l.id = c.list_id
    CROSS JOIN LATERAL (
      SELECT i.added_at FROM %I i
      WHERE i.%I = c.list_id AND i.product_id = c.product_id
        AND i.added_at >= (c.day + 1)::timestamp AT TIME ZONE 'UTC'
      ORDER BY i.added_at LIMIT 1
    ) AS nx$sql$, TG_ARGV[0], changed, TG_ARGV[1], TG_TABLE_NAME, TG_ARGV[2]);
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER wishlist_items_analytics_next_insert AFTER INSERT ON wishlist_items REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION analytics_mark_next_list_adds('wishlist', 'wishlists', 'wishlist_id');
--> statement-breakpoint
CREATE TRIGGER wishlist_items_analytics_next_update AFTER UPDATE ON wishlist_items REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION analytics_mark_next_list_adds('wishlist', 'wishlists', 'wishlist_id');
--> statement-breakpoint
CREATE TRIGGER wishlist_items_analytics_next_delete AFTER DELETE ON wishlist_items REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION analytics_mark_next_list_adds('wishlist', 'wishlists', 'wishlist_id');
--> statement-breakpoint
CREATE TRIGGER product_comparison_items_analytics_next_insert AFTER INSERT ON product_comparison_items REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION analytics_mark_next_list_adds('comparison', 'product_comparisons', 'comparison_id');
--> statement-breakpoint
CREATE TRIGGER product_comparison_items_analytics_next_update AFTER UPDATE ON product_comparison_items REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION analytics_mark_next_list_adds('comparison', 'product_comparisons', 'comparison_id');
--> statement-breakpoint
CREATE TRIGGER product_comparison_items_analytics_next_delete AFTER DELETE ON product_comparison_items REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION analytics_mark_next_list_adds('comparison', 'product_comparisons', 'comparison_id');
--> statement-breakpoint
-- A list moved to another site (or company) moves its items' figures: every day holding one of
-- its items is marked, for both companies. Row-level, and only when either changed, so the
-- replication upserts (which set both to what they were) cost nothing here.
-- TG_ARGV: the rollup kind, the items table, the items' column naming their list.
CREATE FUNCTION analytics_mark_moved_list_items() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format($sql$
    INSERT INTO analytics_dirty_days (kind, company_id, day)
    SELECT DISTINCT %L, c.company_id, (i.added_at AT TIME ZONE 'UTC')::date
    FROM %I i CROSS JOIN (VALUES ($1), ($2)) AS c(company_id)
    WHERE i.%I = $3$sql$, TG_ARGV[0], TG_ARGV[1], TG_ARGV[2])
  USING OLD.company_id, NEW.company_id, NEW.id;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER wishlists_analytics_items_moved AFTER UPDATE OF company_id, site_id ON wishlists FOR EACH ROW WHEN (OLD.company_id IS DISTINCT FROM NEW.company_id OR OLD.site_id IS DISTINCT FROM NEW.site_id) EXECUTE FUNCTION analytics_mark_moved_list_items('wishlist', 'wishlist_items', 'wishlist_id');
--> statement-breakpoint
CREATE TRIGGER product_comparisons_analytics_items_moved AFTER UPDATE OF company_id, site_id ON product_comparisons FOR EACH ROW WHEN (OLD.company_id IS DISTINCT FROM NEW.company_id OR OLD.site_id IS DISTINCT FROM NEW.site_id) EXECUTE FUNCTION analytics_mark_moved_list_items('comparison', 'product_comparison_items', 'comparison_id');
--> statement-breakpoint
-- The new rollup starts empty: every day holding a list item is to be computed (the first
-- analytics read of each company, or `npm run analytics:rollups`, does it).
INSERT INTO analytics_dirty_days (kind, company_id, day)
SELECT DISTINCT 'wishlist', l.company_id, (i.added_at AT TIME ZONE 'UTC')::date FROM wishlist_items i JOIN wishlists l ON l.id = i.wishlist_id
UNION ALL SELECT DISTINCT 'comparison', l.company_id, (i.added_at AT TIME ZONE 'UTC')::date FROM product_comparison_items i JOIN product_comparisons l ON l.id = i.comparison_id;
