//! The marketplace schema: every table, constraint and index, on PostgreSQL and SQLite.
//!
//! Written as SQL, once, with the per-backend type names spliced in from [`Dialect`]. Every
//! constraint and index is named, so an adapter can map a violation to a domain conflict by
//! name. PostgreSQL reports the name for every kind (`duplicate key value violates unique
//! constraint "purchases_one_active_tool"`). SQLite names CHECK constraints (`CHECK constraint
//! failed: reviews_rating_check`) but reports UNIQUE and PRIMARY KEY violations, partial
//! indexes included, by their columns (`UNIQUE constraint failed: purchases.org_id,
//! purchases.tool_id`); no two unique keys of a table share a column list, so that is as
//! unambiguous.
//!
//! Foreign keys are enforced on SQLite because sqlx turns `PRAGMA foreign_keys` on for every
//! connection. No stored totals anywhere: carts, orders' derived values and seller balances
//! are computed from lines and ledger entries (R-K4, R-M5).

use sea_orm_migration::prelude::*;

use crate::dialect::{Dialect, one_of};
use crate::enums::{
    BILLINGS, BUNDLE_STATUSES, ENTITLEMENT_SOURCES, INTEGRATION_TYPES, ITEM_TYPES, ORDER_STATUSES,
    PAYMENT_METHODS, POSTING_KINDS, PRICE_MODELS, PURCHASE_STATUSES, REVIEW_STATUSES, SELLER_KINDS,
    SUBSCRIPTION_TIERS, TOOL_CATEGORIES, TOOL_STATUSES,
};

/// Creates the tables, indexes and the ledger's append-only triggers.
#[derive(Debug)]
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20250601_000001_create_schema"
    }
}

/// Tables in creation order; dropped in reverse.
pub const TABLES: &[&str] = &[
    "organizations",
    "sellers",
    "tools",
    "tool_tags",
    "bundles",
    "bundle_items",
    "cart_lines",
    "orders",
    "order_lines",
    "idempotency_keys",
    "purchases",
    "entitlements",
    "reviews",
    "review_votes",
    "review_flags",
    "ledger_postings",
    "ledger_entries",
    "processed_payment_events",
    "audit_log",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let d = Dialect::of(manager.get_database_backend())?;
        let conn = manager.get_connection();
        for sql in tables(d)
            .into_iter()
            .chain(indexes().iter().map(|s| (*s).to_owned()))
            .chain(ledger_triggers(d))
        {
            conn.execute_unprepared(&sql).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let d = Dialect::of(manager.get_database_backend())?;
        let conn = manager.get_connection();
        // Dropping a table drops its indexes and triggers; DROP does not fire DELETE triggers.
        for table in TABLES.iter().rev() {
            conn.execute_unprepared(&format!("DROP TABLE IF EXISTS {table}"))
                .await?;
        }
        if d == Dialect::Postgres {
            conn.execute_unprepared("DROP FUNCTION IF EXISTS ledger_refuse_change()")
                .await?;
        }
        Ok(())
    }

    fn use_transaction(&self) -> Option<bool> {
        // All or nothing on SQLite too (PostgreSQL wraps migrations by default).
        Some(true)
    }
}

#[allow(clippy::too_many_lines)] // one CREATE TABLE per table reads best as one list
fn tables(d: Dialect) -> Vec<String> {
    let uuid = d.uuid();
    let money = d.money();
    let ts = d.timestamp();
    let now = d.now();
    let cur = d.currency();
    let tier_ok = |column: &str| one_of(column, SUBSCRIPTION_TIERS);
    let cur_ok = |column: &str| d.currency_check(column);
    // The original schema's check: a line or purchase is a tool or a bundle, never both nor
    // neither.
    let item_xor = |kind: &str| {
        format!(
            "({kind} = 'TOOL' AND tool_id IS NOT NULL AND bundle_id IS NULL) OR \
             ({kind} = 'BUNDLE' AND bundle_id IS NOT NULL AND tool_id IS NULL)"
        )
    };

    vec![
        // A tenant. credit_balance is the PLATFORM_CREDITS wallet (R-O3), never negative.
        format!(
            "CREATE TABLE organizations (
                id {uuid} NOT NULL,
                name VARCHAR(200) NOT NULL,
                tier TEXT NOT NULL,
                credit_balance {money} NOT NULL DEFAULT 0,
                credit_currency {cur} NOT NULL DEFAULT 'USD',
                created_at {ts} NOT NULL DEFAULT {now},
                updated_at {ts} NOT NULL DEFAULT {now},
                CONSTRAINT organizations_pkey PRIMARY KEY (id),
                CONSTRAINT organizations_name_check CHECK (length(name) <= 200),
                CONSTRAINT organizations_tier_check CHECK ({tier}),
                CONSTRAINT organizations_credit_balance_check CHECK (credit_balance >= 0),
                CONSTRAINT organizations_credit_currency_check CHECK ({credit_cur})
            )",
            tier = tier_ok("tier"),
            credit_cur = cur_ok("credit_currency"),
        ),
        // Who sells a tool (R-M2): the platform itself ("Internal", fee 1 = keeps 100 %) or a
        // third party managed by the users of org_id, paid out through stripe_account_id.
        format!(
            "CREATE TABLE sellers (
                id {uuid} NOT NULL,
                name VARCHAR(200) NOT NULL,
                kind TEXT NOT NULL,
                fee_rate {rate} NOT NULL DEFAULT 0.05,
                org_id {uuid} NULL,
                stripe_account_id VARCHAR(255) NULL,
                payouts_enabled BOOLEAN NOT NULL DEFAULT FALSE,
                created_at {ts} NOT NULL DEFAULT {now},
                CONSTRAINT sellers_pkey PRIMARY KEY (id),
                CONSTRAINT sellers_name_check CHECK (length(name) BETWEEN 1 AND 200),
                CONSTRAINT sellers_kind_check CHECK ({kind}),
                CONSTRAINT sellers_fee_rate_check CHECK (fee_rate >= 0 AND fee_rate <= 1),
                CONSTRAINT sellers_stripe_account_id_key UNIQUE (stripe_account_id),
                CONSTRAINT sellers_org_fkey FOREIGN KEY (org_id)
                    REFERENCES organizations (id) ON DELETE SET NULL
            )",
            rate = d.rate(),
            kind = one_of("kind", SELLER_KINDS),
        ),
        // The global catalog (R-T4, R-C1). Counters are denormalised for sorting; avg_rating
        // and review_count are recomputed together from APPROVED reviews (R-V6).
        format!(
            "CREATE TABLE tools (
                id {uuid} NOT NULL,
                name VARCHAR(100) NOT NULL,
                description TEXT NOT NULL,
                long_description TEXT NULL,
                category TEXT NOT NULL,
                price_model TEXT NOT NULL,
                price_amount {money} NOT NULL DEFAULT 0,
                currency {cur} NOT NULL DEFAULT 'USD',
                required_tier TEXT NOT NULL,
                integration_type TEXT NOT NULL,
                status TEXT NOT NULL DEFAULT 'ACTIVE',
                seller_id {uuid} NOT NULL,
                documentation_url VARCHAR(500) NULL,
                demo_url VARCHAR(500) NULL,
                support_url VARCHAR(500) NULL,
                icon_url VARCHAR(500) NULL,
                version VARCHAR(20) NOT NULL DEFAULT '1.0.0',
                is_featured BOOLEAN NOT NULL DEFAULT FALSE,
                purchase_count INTEGER NOT NULL DEFAULT 0,
                view_count INTEGER NOT NULL DEFAULT 0,
                avg_rating {avg} NULL,
                review_count INTEGER NOT NULL DEFAULT 0,
                created_at {ts} NOT NULL DEFAULT {now},
                updated_at {ts} NOT NULL DEFAULT {now},
                CONSTRAINT tools_pkey PRIMARY KEY (id),
                CONSTRAINT tools_name_check CHECK (length(name) BETWEEN 1 AND 100),
                CONSTRAINT tools_category_check CHECK ({category}),
                CONSTRAINT tools_price_model_check CHECK ({price_model}),
                CONSTRAINT tools_required_tier_check CHECK ({tier}),
                CONSTRAINT tools_integration_type_check CHECK ({integration}),
                CONSTRAINT tools_status_check CHECK ({status}),
                CONSTRAINT tools_currency_check CHECK ({tool_cur}),
                CONSTRAINT tools_price_amount_check CHECK (price_amount >= 0),
                CONSTRAINT tools_free_price_check CHECK (price_model <> 'FREE' OR price_amount = 0),
                CONSTRAINT tools_priced_check
                    CHECK (price_model IN ('FREE', 'CUSTOM') OR price_amount > 0),
                CONSTRAINT tools_purchase_count_check CHECK (purchase_count >= 0),
                CONSTRAINT tools_view_count_check CHECK (view_count >= 0),
                CONSTRAINT tools_review_count_check CHECK (review_count >= 0),
                CONSTRAINT tools_avg_rating_check
                    CHECK (avg_rating IS NULL OR (avg_rating >= 1 AND avg_rating <= 5)),
                CONSTRAINT tools_rating_presence_check
                    CHECK ((review_count = 0) = (avg_rating IS NULL)),
                CONSTRAINT tools_seller_fkey FOREIGN KEY (seller_id) REFERENCES sellers (id)
            )",
            avg = d.avg_rating(),
            category = one_of("category", TOOL_CATEGORIES),
            price_model = one_of("price_model", PRICE_MODELS),
            tier = tier_ok("required_tier"),
            integration = one_of("integration_type", INTEGRATION_TYPES),
            status = one_of("status", TOOL_STATUSES),
            tool_cur = cur_ok("currency"),
        ),
        // Tags as rows, so "has any of these tags" is an indexed query on both backends.
        format!(
            "CREATE TABLE tool_tags (
                tool_id {uuid} NOT NULL,
                tag VARCHAR(50) NOT NULL,
                position INTEGER NOT NULL DEFAULT 0,
                CONSTRAINT tool_tags_pkey PRIMARY KEY (tool_id, tag),
                CONSTRAINT tool_tags_tag_check CHECK (length(tag) BETWEEN 1 AND 50),
                CONSTRAINT tool_tags_tool_fkey FOREIGN KEY (tool_id)
                    REFERENCES tools (id) ON DELETE CASCADE
            )"
        ),
        // No stored discount_percent: it is derived from the tools' list prices (R-C4).
        format!(
            "CREATE TABLE bundles (
                id {uuid} NOT NULL,
                name VARCHAR(100) NOT NULL,
                description TEXT NOT NULL,
                price_amount {money} NOT NULL,
                currency {cur} NOT NULL DEFAULT 'USD',
                required_tier TEXT NOT NULL,
                status TEXT NOT NULL DEFAULT 'DRAFT',
                is_featured BOOLEAN NOT NULL DEFAULT FALSE,
                purchase_count INTEGER NOT NULL DEFAULT 0,
                created_at {ts} NOT NULL DEFAULT {now},
                updated_at {ts} NOT NULL DEFAULT {now},
                CONSTRAINT bundles_pkey PRIMARY KEY (id),
                CONSTRAINT bundles_name_check CHECK (length(name) BETWEEN 1 AND 100),
                CONSTRAINT bundles_price_amount_check CHECK (price_amount >= 0),
                CONSTRAINT bundles_currency_check CHECK ({bundle_cur}),
                CONSTRAINT bundles_required_tier_check CHECK ({tier}),
                CONSTRAINT bundles_status_check CHECK ({status}),
                CONSTRAINT bundles_purchase_count_check CHECK (purchase_count >= 0)
            )",
            bundle_cur = cur_ok("currency"),
            tier = tier_ok("required_tier"),
            status = one_of("status", BUNDLE_STATUSES),
        ),
        // A bundle's tools in display order; a tool appears once per bundle.
        format!(
            "CREATE TABLE bundle_items (
                bundle_id {uuid} NOT NULL,
                tool_id {uuid} NOT NULL,
                position INTEGER NOT NULL,
                CONSTRAINT bundle_items_pkey PRIMARY KEY (bundle_id, tool_id),
                CONSTRAINT bundle_items_bundle_position_key UNIQUE (bundle_id, position),
                CONSTRAINT bundle_items_position_check CHECK (position >= 0),
                CONSTRAINT bundle_items_bundle_fkey FOREIGN KEY (bundle_id)
                    REFERENCES bundles (id) ON DELETE CASCADE,
                CONSTRAINT bundle_items_tool_fkey FOREIGN KEY (tool_id) REFERENCES tools (id)
            )"
        ),
        // A cart is its lines, one per (org, user, item) (R-K1); totals are derived (R-K4).
        format!(
            "CREATE TABLE cart_lines (
                id {uuid} NOT NULL,
                org_id {uuid} NOT NULL,
                user_id {uuid} NOT NULL,
                item_type TEXT NOT NULL,
                tool_id {uuid} NULL,
                bundle_id {uuid} NULL,
                added_at {ts} NOT NULL DEFAULT {now},
                CONSTRAINT cart_lines_pkey PRIMARY KEY (id),
                CONSTRAINT cart_lines_item_type_check CHECK ({item_type}),
                CONSTRAINT cart_lines_item_check CHECK ({xor}),
                CONSTRAINT cart_lines_org_user_tool_key UNIQUE (org_id, user_id, tool_id),
                CONSTRAINT cart_lines_org_user_bundle_key UNIQUE (org_id, user_id, bundle_id),
                CONSTRAINT cart_lines_org_fkey FOREIGN KEY (org_id)
                    REFERENCES organizations (id) ON DELETE CASCADE,
                CONSTRAINT cart_lines_tool_fkey FOREIGN KEY (tool_id)
                    REFERENCES tools (id) ON DELETE CASCADE,
                CONSTRAINT cart_lines_bundle_fkey FOREIGN KEY (bundle_id)
                    REFERENCES bundles (id) ON DELETE CASCADE
            )",
            item_type = one_of("item_type", ITEM_TYPES),
            xor = item_xor("item_type"),
        ),
        // One checkout (R-O1). payment_reference is the provider's intent id: unique, so a
        // webhook finds exactly one order. refunded_amount never exceeds the total.
        format!(
            "CREATE TABLE orders (
                id {uuid} NOT NULL,
                org_id {uuid} NOT NULL,
                user_id {uuid} NOT NULL,
                status TEXT NOT NULL DEFAULT 'PENDING_PAYMENT',
                payment_method TEXT NOT NULL,
                total_amount {money} NOT NULL,
                currency {cur} NOT NULL,
                payment_reference VARCHAR(255) NULL,
                client_secret VARCHAR(500) NULL,
                failure_reason TEXT NULL,
                refunded_amount {money} NOT NULL DEFAULT 0,
                created_at {ts} NOT NULL DEFAULT {now},
                updated_at {ts} NOT NULL DEFAULT {now},
                CONSTRAINT orders_pkey PRIMARY KEY (id),
                CONSTRAINT orders_status_check CHECK ({status}),
                CONSTRAINT orders_payment_method_check CHECK ({method}),
                CONSTRAINT orders_total_amount_check CHECK (total_amount >= 0),
                CONSTRAINT orders_refunded_amount_check
                    CHECK (refunded_amount >= 0 AND refunded_amount <= total_amount),
                CONSTRAINT orders_currency_check CHECK ({order_cur}),
                CONSTRAINT orders_payment_reference_key UNIQUE (payment_reference),
                CONSTRAINT orders_org_fkey FOREIGN KEY (org_id) REFERENCES organizations (id)
            )",
            status = one_of("status", ORDER_STATUSES),
            method = one_of("payment_method", PAYMENT_METHODS),
            order_cur = cur_ok("currency"),
        ),
        // The cart's lines frozen at checkout, with the price then (R-O1).
        format!(
            "CREATE TABLE order_lines (
                id {uuid} NOT NULL,
                order_id {uuid} NOT NULL,
                org_id {uuid} NOT NULL,
                position INTEGER NOT NULL,
                item_type TEXT NOT NULL,
                tool_id {uuid} NULL,
                bundle_id {uuid} NULL,
                price_at_purchase {money} NOT NULL,
                currency {cur} NOT NULL,
                CONSTRAINT order_lines_pkey PRIMARY KEY (id),
                CONSTRAINT order_lines_order_position_key UNIQUE (order_id, position),
                CONSTRAINT order_lines_item_type_check CHECK ({item_type}),
                CONSTRAINT order_lines_item_check CHECK ({xor}),
                CONSTRAINT order_lines_price_check CHECK (price_at_purchase >= 0),
                CONSTRAINT order_lines_currency_check CHECK ({line_cur}),
                CONSTRAINT order_lines_order_fkey FOREIGN KEY (order_id)
                    REFERENCES orders (id) ON DELETE CASCADE,
                CONSTRAINT order_lines_org_fkey FOREIGN KEY (org_id) REFERENCES organizations (id),
                CONSTRAINT order_lines_tool_fkey FOREIGN KEY (tool_id) REFERENCES tools (id),
                CONSTRAINT order_lines_bundle_fkey FOREIGN KEY (bundle_id) REFERENCES bundles (id)
            )",
            item_type = one_of("item_type", ITEM_TYPES),
            xor = item_xor("item_type"),
            line_cur = cur_ok("currency"),
        ),
        // Checkout idempotency (R-O2): a key is scoped to its org; the fingerprint of the
        // cart tells a replay (same cart) from a conflict (different cart).
        format!(
            "CREATE TABLE idempotency_keys (
                org_id {uuid} NOT NULL,
                key VARCHAR(255) NOT NULL,
                fingerprint VARCHAR(128) NOT NULL,
                order_id {uuid} NOT NULL,
                created_at {ts} NOT NULL DEFAULT {now},
                CONSTRAINT idempotency_keys_pkey PRIMARY KEY (org_id, key),
                CONSTRAINT idempotency_keys_key_check CHECK (length(key) BETWEEN 1 AND 255),
                CONSTRAINT idempotency_keys_org_fkey FOREIGN KEY (org_id)
                    REFERENCES organizations (id) ON DELETE CASCADE,
                CONSTRAINT idempotency_keys_order_fkey FOREIGN KEY (order_id)
                    REFERENCES orders (id) ON DELETE CASCADE
            )"
        ),
        // What an org bought (R-O4): a tool or a bundle, never both (the original check). Never
        // deleted: cancelling, expiring and refunding are status changes. One ACTIVE purchase
        // per (org, item) is enforced by the partial unique indexes below (R-O5).
        format!(
            "CREATE TABLE purchases (
                id {uuid} NOT NULL,
                org_id {uuid} NOT NULL,
                user_id {uuid} NOT NULL,
                order_id {uuid} NOT NULL,
                purchase_type TEXT NOT NULL,
                tool_id {uuid} NULL,
                bundle_id {uuid} NULL,
                amount {money} NOT NULL,
                currency {cur} NOT NULL,
                payment_method TEXT NOT NULL,
                status TEXT NOT NULL DEFAULT 'ACTIVE',
                refunded_amount {money} NOT NULL DEFAULT 0,
                billing TEXT NOT NULL,
                period_start {ts} NULL,
                period_end {ts} NULL,
                auto_renew BOOLEAN NOT NULL DEFAULT FALSE,
                provider_subscription_id VARCHAR(255) NULL,
                created_at {ts} NOT NULL DEFAULT {now},
                updated_at {ts} NOT NULL DEFAULT {now},
                cancelled_at {ts} NULL,
                ended_at {ts} NULL,
                CONSTRAINT purchases_pkey PRIMARY KEY (id),
                CONSTRAINT purchases_purchase_type_check CHECK ({purchase_type}),
                CONSTRAINT purchases_item_check CHECK ({xor}),
                CONSTRAINT purchases_status_check CHECK ({status}),
                CONSTRAINT purchases_payment_method_check CHECK ({method}),
                CONSTRAINT purchases_billing_check CHECK ({billing}),
                CONSTRAINT purchases_amount_check CHECK (amount >= 0),
                CONSTRAINT purchases_refunded_amount_check
                    CHECK (refunded_amount >= 0 AND refunded_amount <= amount),
                CONSTRAINT purchases_currency_check CHECK ({purchase_cur}),
                CONSTRAINT purchases_period_check CHECK (billing = 'ONE_TIME' OR
                    (period_start IS NOT NULL AND period_end IS NOT NULL
                     AND period_end > period_start)),
                CONSTRAINT purchases_provider_subscription_id_key
                    UNIQUE (provider_subscription_id),
                CONSTRAINT purchases_org_fkey FOREIGN KEY (org_id) REFERENCES organizations (id),
                CONSTRAINT purchases_order_fkey FOREIGN KEY (order_id) REFERENCES orders (id),
                CONSTRAINT purchases_tool_fkey FOREIGN KEY (tool_id) REFERENCES tools (id),
                CONSTRAINT purchases_bundle_fkey FOREIGN KEY (bundle_id) REFERENCES bundles (id)
            )",
            purchase_type = one_of("purchase_type", ITEM_TYPES),
            xor = item_xor("purchase_type"),
            status = one_of("status", PURCHASE_STATUSES),
            method = one_of("payment_method", PAYMENT_METHODS),
            billing = one_of("billing", BILLINGS),
            purchase_cur = cur_ok("currency"),
        ),
        // May org X use tool Y (R-E1..R-E3): one row per (purchase, tool); ended_at set when
        // the purchase it came from ends.
        format!(
            "CREATE TABLE entitlements (
                id {uuid} NOT NULL,
                org_id {uuid} NOT NULL,
                tool_id {uuid} NOT NULL,
                purchase_id {uuid} NOT NULL,
                source TEXT NOT NULL,
                granted_at {ts} NOT NULL DEFAULT {now},
                ends_at {ts} NULL,
                ended_at {ts} NULL,
                CONSTRAINT entitlements_pkey PRIMARY KEY (id),
                CONSTRAINT entitlements_source_check CHECK ({source}),
                CONSTRAINT entitlements_purchase_tool_key UNIQUE (purchase_id, tool_id),
                CONSTRAINT entitlements_org_fkey FOREIGN KEY (org_id) REFERENCES organizations (id),
                CONSTRAINT entitlements_tool_fkey FOREIGN KEY (tool_id) REFERENCES tools (id),
                CONSTRAINT entitlements_purchase_fkey FOREIGN KEY (purchase_id)
                    REFERENCES purchases (id)
            )",
            source = one_of("source", ENTITLEMENT_SOURCES),
        ),
        // One review per (tool, user) (R-V1), moderated (R-V3). Title and body lengths are
        // checked here too because SQLite ignores VARCHAR lengths.
        format!(
            "CREATE TABLE reviews (
                id {uuid} NOT NULL,
                tool_id {uuid} NOT NULL,
                org_id {uuid} NOT NULL,
                user_id {uuid} NOT NULL,
                rating {small} NOT NULL,
                title VARCHAR(200) NULL,
                body TEXT NULL,
                status TEXT NOT NULL DEFAULT 'PENDING',
                verified_purchase BOOLEAN NOT NULL DEFAULT FALSE,
                helpful_count INTEGER NOT NULL DEFAULT 0,
                flag_count INTEGER NOT NULL DEFAULT 0,
                moderated_by {uuid} NULL,
                moderated_at {ts} NULL,
                moderation_notes TEXT NULL,
                created_at {ts} NOT NULL DEFAULT {now},
                updated_at {ts} NOT NULL DEFAULT {now},
                CONSTRAINT reviews_pkey PRIMARY KEY (id),
                CONSTRAINT reviews_rating_check CHECK (rating BETWEEN 1 AND 5),
                CONSTRAINT reviews_title_check CHECK (title IS NULL OR length(title) <= 200),
                CONSTRAINT reviews_body_check CHECK (body IS NULL OR length(body) <= 2000),
                CONSTRAINT reviews_status_check CHECK ({status}),
                CONSTRAINT reviews_helpful_count_check CHECK (helpful_count >= 0),
                CONSTRAINT reviews_flag_count_check CHECK (flag_count >= 0),
                CONSTRAINT reviews_moderation_check
                    CHECK ((moderated_by IS NULL) = (moderated_at IS NULL)),
                CONSTRAINT reviews_tool_user_key UNIQUE (tool_id, user_id),
                CONSTRAINT reviews_tool_fkey FOREIGN KEY (tool_id)
                    REFERENCES tools (id) ON DELETE CASCADE,
                CONSTRAINT reviews_org_fkey FOREIGN KEY (org_id)
                    REFERENCES organizations (id) ON DELETE CASCADE
            )",
            small = d.small_int(),
            status = one_of("status", REVIEW_STATUSES),
        ),
        // One helpful vote per user per review (R-V5).
        format!(
            "CREATE TABLE review_votes (
                review_id {uuid} NOT NULL,
                user_id {uuid} NOT NULL,
                org_id {uuid} NOT NULL,
                created_at {ts} NOT NULL DEFAULT {now},
                CONSTRAINT review_votes_pkey PRIMARY KEY (review_id, user_id),
                CONSTRAINT review_votes_review_fkey FOREIGN KEY (review_id)
                    REFERENCES reviews (id) ON DELETE CASCADE,
                CONSTRAINT review_votes_org_fkey FOREIGN KEY (org_id)
                    REFERENCES organizations (id) ON DELETE CASCADE
            )"
        ),
        // One flag per user per review (R-V5); three distinct flags make it FLAGGED (R-V3).
        format!(
            "CREATE TABLE review_flags (
                review_id {uuid} NOT NULL,
                user_id {uuid} NOT NULL,
                org_id {uuid} NOT NULL,
                reason VARCHAR(500) NULL,
                created_at {ts} NOT NULL DEFAULT {now},
                CONSTRAINT review_flags_pkey PRIMARY KEY (review_id, user_id),
                CONSTRAINT review_flags_review_fkey FOREIGN KEY (review_id)
                    REFERENCES reviews (id) ON DELETE CASCADE,
                CONSTRAINT review_flags_org_fkey FOREIGN KEY (org_id)
                    REFERENCES organizations (id) ON DELETE CASCADE
            )"
        ),
        // The double-entry revenue ledger (R-M5): a posting and its entries, which sum to zero
        // per currency (checked by the adapter when it writes a posting). Append-only: see the
        // triggers below.
        format!(
            "CREATE TABLE ledger_postings (
                id {uuid} NOT NULL,
                kind TEXT NOT NULL,
                order_id {uuid} NULL,
                purchase_id {uuid} NULL,
                org_id {uuid} NULL,
                occurred_at {ts} NOT NULL,
                created_at {ts} NOT NULL DEFAULT {now},
                CONSTRAINT ledger_postings_pkey PRIMARY KEY (id),
                CONSTRAINT ledger_postings_kind_check CHECK ({kind}),
                CONSTRAINT ledger_postings_order_fkey FOREIGN KEY (order_id) REFERENCES orders (id),
                CONSTRAINT ledger_postings_purchase_fkey FOREIGN KEY (purchase_id)
                    REFERENCES purchases (id),
                CONSTRAINT ledger_postings_org_fkey FOREIGN KEY (org_id)
                    REFERENCES organizations (id)
            )",
            kind = one_of("kind", POSTING_KINDS),
        ),
        format!(
            "CREATE TABLE ledger_entries (
                id {uuid} NOT NULL,
                posting_id {uuid} NOT NULL,
                position INTEGER NOT NULL,
                account VARCHAR(32) NOT NULL,
                seller_id {uuid} NULL,
                tool_id {uuid} NULL,
                amount {ledger_money} NOT NULL,
                currency {cur} NOT NULL,
                CONSTRAINT ledger_entries_pkey PRIMARY KEY (id),
                CONSTRAINT ledger_entries_posting_position_key UNIQUE (posting_id, position),
                CONSTRAINT ledger_entries_account_check CHECK (length(account) BETWEEN 1 AND 32),
                CONSTRAINT ledger_entries_currency_check CHECK ({entry_cur}),
                CONSTRAINT ledger_entries_posting_fkey FOREIGN KEY (posting_id)
                    REFERENCES ledger_postings (id),
                CONSTRAINT ledger_entries_seller_fkey FOREIGN KEY (seller_id)
                    REFERENCES sellers (id),
                CONSTRAINT ledger_entries_tool_fkey FOREIGN KEY (tool_id) REFERENCES tools (id)
            )",
            ledger_money = d.ledger_money(),
            entry_cur = cur_ok("currency"),
        ),
        // Webhook deduplication: an event id is processed once (insert first, then act).
        format!(
            "CREATE TABLE processed_payment_events (
                event_id VARCHAR(255) NOT NULL,
                provider VARCHAR(32) NOT NULL,
                event_type VARCHAR(255) NOT NULL,
                org_id {uuid} NULL,
                processed_at {ts} NOT NULL DEFAULT {now},
                CONSTRAINT processed_payment_events_pkey PRIMARY KEY (event_id)
            )"
        ),
        // Who did what, append-only by grant on PostgreSQL. No foreign keys: the trail
        // outlives what it mentions.
        format!(
            "CREATE TABLE audit_log (
                id {uuid} NOT NULL,
                occurred_at {ts} NOT NULL DEFAULT {now},
                actor_user_id {uuid} NULL,
                org_id {uuid} NULL,
                action VARCHAR(64) NOT NULL,
                subject_type VARCHAR(64) NOT NULL,
                subject_id {uuid} NULL,
                details {json} NOT NULL DEFAULT '{{}}',
                CONSTRAINT audit_log_pkey PRIMARY KEY (id){details_check}
            )",
            json = d.json(),
            details_check = match d {
                Dialect::Postgres => "",
                Dialect::Sqlite =>
                    ",\n                CONSTRAINT audit_log_details_check CHECK (json_valid(details))",
            },
        ),
    ]
}

/// Every index, with the query it serves. Identical SQL on both backends (both have
/// partial and expression indexes).
fn indexes() -> &'static [&'static str] {
    &[
        // --- catalog: filters (R-C5) ---
        // filter by one or many categories
        "CREATE INDEX tools_category_idx ON tools (category)",
        // filter by status (the catalog shows ACTIVE/BETA by default)
        "CREATE INDEX tools_status_idx ON tools (status)",
        // filter by required tier
        "CREATE INDEX tools_required_tier_idx ON tools (required_tier)",
        // filter by price model (e.g. only FREE tools)
        "CREATE INDEX tools_price_model_idx ON tools (price_model)",
        // tools of a seller: seller statements, and the foreign key
        "CREATE INDEX tools_seller_idx ON tools (seller_id)",
        // "has any of these tags": tag -> tools (the primary key serves tool -> tags)
        "CREATE INDEX tool_tags_tag_idx ON tool_tags (tag, tool_id)",
        // --- catalog: sorts, each with the id tie-break so pages never repeat or skip ---
        // default sort: most purchased first
        "CREATE INDEX tools_popular_idx ON tools (purchase_count DESC, id)",
        // sort by rating
        "CREATE INDEX tools_rating_idx ON tools (avg_rating, id)",
        // sort by newest / oldest
        "CREATE INDEX tools_created_at_idx ON tools (created_at, id)",
        // sort by price, and price-range filters
        "CREATE INDEX tools_price_idx ON tools (price_amount, id)",
        // sort by name, case-insensitively (text search itself scans: 54 rows)
        "CREATE INDEX tools_lower_name_idx ON tools (lower(name), id)",
        // bundles: filter by status, default sort most purchased first
        "CREATE INDEX bundles_status_idx ON bundles (status)",
        "CREATE INDEX bundles_popular_idx ON bundles (purchase_count DESC, id)",
        // bundles containing a tool (R-K3 "covered by a bundle"), and the foreign key
        "CREATE INDEX bundle_items_tool_idx ON bundle_items (tool_id)",
        // --- cart: the unique keys (org_id, user_id, …) serve loading a cart ---
        // lines naming a tool or bundle: removing bought items, and the cascading keys
        "CREATE INDEX cart_lines_tool_idx ON cart_lines (tool_id)",
        "CREATE INDEX cart_lines_bundle_idx ON cart_lines (bundle_id)",
        // --- orders ---
        // an org's orders, newest first
        "CREATE INDEX orders_org_created_idx ON orders (org_id, created_at DESC, id DESC)",
        // the reconciliation job: orders still awaiting payment, oldest first
        "CREATE INDEX orders_pending_payment_idx ON orders (created_at) \
         WHERE status = 'PENDING_PAYMENT'",
        // expiring old idempotency keys; and the key -> order foreign key
        "CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at)",
        "CREATE INDEX idempotency_keys_order_idx ON idempotency_keys (order_id)",
        // --- purchases (R-O5): one ACTIVE purchase per (org, tool) and per (org, bundle) ---
        "CREATE UNIQUE INDEX purchases_one_active_tool ON purchases (org_id, tool_id) \
         WHERE status = 'ACTIVE' AND tool_id IS NOT NULL",
        "CREATE UNIQUE INDEX purchases_one_active_bundle ON purchases (org_id, bundle_id) \
         WHERE status = 'ACTIVE' AND bundle_id IS NOT NULL",
        // an org's purchases by status (holdings, limits R-S2)
        "CREATE INDEX purchases_org_status_idx ON purchases (org_id, status)",
        // purchases of an order: fulfilment runs once, refunds find what to reverse
        "CREATE INDEX purchases_order_idx ON purchases (order_id)",
        // the renewal/expiry job: active recurring purchases by period end (R-R2)
        "CREATE INDEX purchases_period_end_idx ON purchases (period_end) \
         WHERE status = 'ACTIVE' AND billing <> 'ONE_TIME'",
        // --- entitlements: "does org X hold tool Y now?" (R-E3), and an org's holdings ---
        "CREATE INDEX entitlements_org_tool_live_idx ON entitlements (org_id, tool_id) \
         WHERE ended_at IS NULL",
        // tool foreign key (the unique key serves purchase -> entitlements, R-E2)
        "CREATE INDEX entitlements_tool_idx ON entitlements (tool_id)",
        // --- reviews ---
        // a tool's public reviews (status = APPROVED), newest first
        "CREATE INDEX reviews_tool_status_created_idx \
         ON reviews (tool_id, status, created_at DESC, id)",
        // the moderation queue across orgs: by status, oldest first
        "CREATE INDEX reviews_status_created_idx ON reviews (status, created_at, id)",
        // an org's reviews (RLS-scoped listings, and the foreign key)
        "CREATE INDEX reviews_org_idx ON reviews (org_id)",
        // --- ledger ---
        // postings of an order or a purchase: refunds reverse the sale's postings
        "CREATE INDEX ledger_postings_order_idx ON ledger_postings (order_id)",
        "CREATE INDEX ledger_postings_purchase_idx ON ledger_postings (purchase_id)",
        // monthly statements select postings by time (R-M6)
        "CREATE INDEX ledger_postings_occurred_idx ON ledger_postings (occurred_at)",
        // a seller's balance and per-tool statement lines (R-M5, R-M6)
        "CREATE INDEX ledger_entries_seller_tool_idx ON ledger_entries (seller_id, tool_id)",
        // --- audit ---
        // an org's trail, newest first
        "CREATE INDEX audit_log_org_occurred_idx ON audit_log (org_id, occurred_at DESC)",
        // the history of one subject
        "CREATE INDEX audit_log_subject_idx ON audit_log (subject_type, subject_id)",
    ]
}

/// The ledger is append-only: UPDATE and DELETE are refused on both tables.
fn ledger_triggers(d: Dialect) -> Vec<String> {
    const MESSAGE: &str = "the ledger is append-only: post a reversing entry instead";
    match d {
        Dialect::Postgres => {
            let mut sql = vec![format!(
                "CREATE OR REPLACE FUNCTION ledger_refuse_change() RETURNS trigger
                 LANGUAGE plpgsql AS $$
                 BEGIN
                     RAISE EXCEPTION '% on %: {MESSAGE}', TG_OP, TG_TABLE_NAME;
                 END
                 $$"
            )];
            for table in ["ledger_postings", "ledger_entries"] {
                sql.push(format!(
                    "CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
                     FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change()"
                ));
            }
            sql
        }
        Dialect::Sqlite => {
            let mut sql = Vec::new();
            for table in ["ledger_postings", "ledger_entries"] {
                for op in ["UPDATE", "DELETE"] {
                    sql.push(format!(
                        "CREATE TRIGGER {table}_no_{lower} BEFORE {op} ON {table}
                         BEGIN SELECT RAISE(ABORT, '{op} on {table}: {MESSAGE}'); END",
                        lower = op.to_lowercase(),
                    ));
                }
            }
            sql
        }
    }
}
