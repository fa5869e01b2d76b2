//! How store failures become the domain's [`RepoError`]: each unique key of the schema is
//! known by its exact name (or, on SQLite, its exact columns) and becomes a typed
//! [`Conflict`]; a missing referenced row is `NotFound`; a row that does not make a domain
//! value is `Corrupt`; serialization failures and deadlocks are retryable `Unavailable`.

use std::ops::Deref;

use marketplace_domain::catalog::ItemRef;
use marketplace_domain::ports::{Conflict, RepoError};
use sea_orm::{DbErr, RuntimeErr};

/// A [`RepoError::Corrupt`] for a row of `table` that does not make a valid domain value
/// (the schema or an outside write let it through).
pub(crate) fn corrupt(table: &'static str, detail: impl std::fmt::Display) -> RepoError {
    RepoError::corrupt(table, detail)
}

/// What the database said.
#[derive(Debug, Default)]
struct DbFault {
    /// SQLSTATE on PostgreSQL, the extended result code on SQLite.
    code: String,
    /// The violated constraint or index, as PostgreSQL names it.
    constraint: Option<String>,
    /// The message: SQLite lists the violated key's columns there
    /// (`UNIQUE constraint failed: purchases.org_id, purchases.tool_id`).
    message: String,
}

fn fault(e: &DbErr) -> Option<DbFault> {
    let (DbErr::Exec(RuntimeErr::SqlxError(e))
    | DbErr::Query(RuntimeErr::SqlxError(e))
    | DbErr::Conn(RuntimeErr::SqlxError(e))) = e
    else {
        return None;
    };
    let sea_orm::sqlx::Error::Database(db) = e.deref() else {
        return None;
    };
    Some(DbFault {
        code: db.code().map(|c| c.into_owned()).unwrap_or_default(),
        constraint: db.constraint().map(str::to_owned),
        message: db.message().to_owned(),
    })
}

/// What a violated unique key means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Meaning {
    /// One of the one-active-purchase indexes (R-O5): the conflict names the item the caller
    /// was inserting.
    ActivePurchase,
    /// Always this conflict.
    Is(Conflict),
}

/// A unique key of the schema: its name, the columns SQLite lists instead of the name, and
/// what a violation means.
#[derive(Debug)]
struct UniqueKey {
    name: &'static str,
    columns: &'static str,
    meaning: Meaning,
}

const fn unique(name: &'static str, columns: &'static str, meaning: Meaning) -> UniqueKey {
    UniqueKey {
        name,
        columns,
        meaning,
    }
}

/// A key that only a caller's bug (a reused id or line position) can violate.
const fn key(name: &'static str, columns: &'static str, table: &'static str) -> UniqueKey {
    unique(name, columns, Meaning::Is(Conflict::Key { table }))
}

/// Every unique key of the marketplace's tables (a test checks the list against the
/// migrated schema, both ways).
const UNIQUE_KEYS: &[UniqueKey] = &[
    key("organizations_pkey", "organizations.id", "organizations"),
    key("sellers_pkey", "sellers.id", "sellers"),
    unique(
        "sellers_stripe_account_id_key",
        "sellers.stripe_account_id",
        Meaning::Is(Conflict::ConnectAccount),
    ),
    unique(
        "sellers_org_key",
        "sellers.org_id",
        Meaning::Is(Conflict::SellerOrg),
    ),
    key("tools_pkey", "tools.id", "tools"),
    key(
        "tool_tags_pkey",
        "tool_tags.tool_id, tool_tags.tag",
        "tool_tags",
    ),
    key("bundles_pkey", "bundles.id", "bundles"),
    key(
        "bundle_items_pkey",
        "bundle_items.bundle_id, bundle_items.tool_id",
        "bundle_items",
    ),
    key(
        "bundle_items_bundle_position_key",
        "bundle_items.bundle_id, bundle_items.position",
        "bundle_items",
    ),
    key("cart_lines_pkey", "cart_lines.id", "cart_lines"),
    key(
        "cart_lines_org_user_tool_key",
        "cart_lines.org_id, cart_lines.user_id, cart_lines.tool_id",
        "cart_lines",
    ),
    key(
        "cart_lines_org_user_bundle_key",
        "cart_lines.org_id, cart_lines.user_id, cart_lines.bundle_id",
        "cart_lines",
    ),
    key("orders_pkey", "orders.id", "orders"),
    unique(
        "orders_payment_reference_key",
        "orders.payment_reference",
        Meaning::Is(Conflict::PaymentReference),
    ),
    key("order_lines_pkey", "order_lines.id", "order_lines"),
    key(
        "order_lines_order_position_key",
        "order_lines.order_id, order_lines.position",
        "order_lines",
    ),
    unique(
        "idempotency_keys_pkey",
        "idempotency_keys.org_id, idempotency_keys.key",
        Meaning::Is(Conflict::IdempotencyKey),
    ),
    key("purchases_pkey", "purchases.id", "purchases"),
    unique(
        "purchases_provider_subscription_id_key",
        "purchases.provider_subscription_id",
        Meaning::Is(Conflict::Subscription),
    ),
    unique(
        "purchases_one_active_tool",
        "purchases.org_id, purchases.tool_id",
        Meaning::ActivePurchase,
    ),
    unique(
        "purchases_one_active_bundle",
        "purchases.org_id, purchases.bundle_id",
        Meaning::ActivePurchase,
    ),
    key("entitlements_pkey", "entitlements.id", "entitlements"),
    key(
        "entitlements_purchase_tool_key",
        "entitlements.purchase_id, entitlements.tool_id",
        "entitlements",
    ),
    key("reviews_pkey", "reviews.id", "reviews"),
    unique(
        "reviews_tool_user_key",
        "reviews.tool_id, reviews.user_id",
        Meaning::Is(Conflict::Review),
    ),
    key(
        "review_votes_pkey",
        "review_votes.review_id, review_votes.user_id",
        "review_votes",
    ),
    key(
        "review_flags_pkey",
        "review_flags.review_id, review_flags.user_id",
        "review_flags",
    ),
    key(
        "ledger_postings_pkey",
        "ledger_postings.id",
        "ledger_postings",
    ),
    key("ledger_entries_pkey", "ledger_entries.id", "ledger_entries"),
    key(
        "ledger_entries_posting_position_key",
        "ledger_entries.posting_id, ledger_entries.position",
        "ledger_entries",
    ),
    key(
        "processed_payment_events_pkey",
        "processed_payment_events.event_id",
        "processed_payment_events",
    ),
    key("audit_log_pkey", "audit_log.id", "audit_log"),
    key("plans_pkey", "plans.id", "plans"),
    unique(
        "plans_tool_code_key",
        "plans.tool_id, plans.code",
        Meaning::Is(Conflict::PlanCode),
    ),
    unique(
        "plans_bundle_code_key",
        "plans.bundle_id, plans.code",
        Meaning::Is(Conflict::PlanCode),
    ),
    key("payouts_pkey", "payouts.id", "payouts"),
    unique(
        "payouts_seller_month_key",
        "payouts.seller_id, payouts.month",
        Meaning::Is(Conflict::PayoutMonth),
    ),
    key("api_keys_pkey", "api_keys.id", "api_keys"),
    unique(
        "api_keys_digest_key",
        "api_keys.digest",
        Meaning::Is(Conflict::Duplicate("api key digest")),
    ),
    key("licenses_pkey", "licenses.id", "licenses"),
    unique(
        "licenses_entitlement_key",
        "licenses.entitlement_id",
        Meaning::Is(Conflict::Duplicate("license entitlement")),
    ),
    unique(
        "license_activations_pkey",
        "license_activations.license_id, license_activations.fingerprint",
        Meaning::Is(Conflict::Duplicate("license activation")),
    ),
    // Usage: events are inserted with ON CONFLICT DO NOTHING and totals upserted, so a
    // violation here is a bug, named by its table.
    key(
        "usage_event_ids_pkey",
        "usage_event_ids.org_id, usage_event_ids.event_id",
        "usage_event_ids",
    ),
    key(
        "usage_events_pkey",
        "usage_events.org_id, usage_events.event_id",
        "usage_events",
    ),
    key(
        "usage_totals_pkey",
        "usage_totals.org_id, usage_totals.tool_id, usage_totals.meter, usage_totals.period_start",
        "usage_totals",
    ),
    key(
        "usage_buckets_pkey",
        "usage_buckets.org_id, usage_buckets.tool_id, usage_buckets.meter, \
         usage_buckets.granularity, usage_buckets.bucket_start",
        "usage_buckets",
    ),
    key(
        "usage_distinct_keys_pkey",
        "usage_distinct_keys.org_id, usage_distinct_keys.tool_id, usage_distinct_keys.meter, \
         usage_distinct_keys.window_kind, usage_distinct_keys.window_start, usage_distinct_keys.key",
        "usage_distinct_keys",
    ),
    // Meters are inserted with ON CONFLICT DO NOTHING: a violation is a bug.
    key(
        "tool_meters_pkey",
        "tool_meters.tool_id, tool_meters.meter",
        "tool_meters",
    ),
    // Modules.
    unique(
        "module_versions_pkey",
        "module_versions.tool_id, module_versions.version",
        Meaning::Is(Conflict::Duplicate("module version")),
    ),
    key(
        "module_dependencies_pkey",
        "module_dependencies.tool_id, module_dependencies.version, module_dependencies.depends_on",
        "module_dependencies",
    ),
    key(
        "org_platforms_pkey",
        "org_platforms.org_id",
        "org_platforms",
    ),
    key(
        "installation_heads_pkey",
        "installation_heads.org_id",
        "installation_heads",
    ),
    key(
        "installation_generations_pkey",
        "installation_generations.org_id, installation_generations.generation",
        "installation_generations",
    ),
    key(
        "installation_lockfiles_pkey",
        "installation_lockfiles.org_id, installation_lockfiles.generation, \
         installation_lockfiles.tool_id",
        "installation_lockfiles",
    ),
    key(
        "install_attempts_pkey",
        "install_attempts.id",
        "install_attempts",
    ),
    key(
        "module_update_notices_org_tool_version_key",
        "module_update_notices.org_id, module_update_notices.tool_id, \
         module_update_notices.version",
        "module_update_notices",
    ),
    // Sellers' listings: ids, one profile per seller and per org, one opt-in row per org
    // (written by upsert).
    key(
        "seller_listings_pkey",
        "seller_listings.id",
        "seller_listings",
    ),
    key("seller_notices_pkey", "seller_notices.id", "seller_notices"),
    key(
        "seller_opt_ins_pkey",
        "seller_opt_ins.org_id",
        "seller_opt_ins",
    ),
    key(
        "seller_profiles_pkey",
        "seller_profiles.seller_id",
        "seller_profiles",
    ),
    unique(
        "seller_profiles_org_key",
        "seller_profiles.org_id",
        Meaning::Is(Conflict::SellerOrg),
    ),
    // Services: ids, one invoice number per provider, one payment per transaction, one
    // thread per transaction and per (listing, buyer org) enquiry, ordered messages, one
    // rating per transaction.
    key(
        "service_providers_pkey",
        "service_providers.seller_id",
        "service_providers",
    ),
    key(
        "service_listings_pkey",
        "service_listings.id",
        "service_listings",
    ),
    key(
        "service_transactions_pkey",
        "service_transactions.id",
        "service_transactions",
    ),
    unique(
        "service_transactions_invoice_key",
        "service_transactions.seller_id, service_transactions.invoice_number",
        Meaning::Is(Conflict::Duplicate("service invoice number")),
    ),
    unique(
        "service_transactions_payment_key",
        "service_transactions.payment_reference",
        Meaning::Is(Conflict::PaymentReference),
    ),
    key(
        "service_transaction_postings_pkey",
        "service_transaction_postings.posting_id",
        "service_transaction_postings",
    ),
    key(
        "service_threads_pkey",
        "service_threads.id",
        "service_threads",
    ),
    unique(
        "service_threads_transaction_key",
        "service_threads.transaction_id",
        Meaning::Is(Conflict::Duplicate("the transaction's thread")),
    ),
    unique(
        "service_threads_enquiry_key",
        "service_threads.listing_id, service_threads.org_id",
        Meaning::Is(Conflict::Duplicate("the org's enquiry thread")),
    ),
    key(
        "service_messages_pkey",
        "service_messages.id",
        "service_messages",
    ),
    unique(
        "service_messages_seq_key",
        "service_messages.thread_id, service_messages.seq",
        Meaning::Is(Conflict::Duplicate("message number")),
    ),
    key(
        "provider_ratings_pkey",
        "provider_ratings.id",
        "provider_ratings",
    ),
    unique(
        "provider_ratings_transaction_key",
        "provider_ratings.transaction_id",
        Meaning::Is(Conflict::Duplicate("provider_ratings_transaction_key")),
    ),
    // Renewals.
    key(
        "subscription_renewals_pkey",
        "subscription_renewals.id",
        "subscription_renewals",
    ),
    unique(
        "subscription_renewals_period_key",
        "subscription_renewals.purchase_id, subscription_renewals.period_start",
        Meaning::Is(Conflict::Duplicate("the period's renewal")),
    ),
    unique(
        "subscription_renewals_invoice_key",
        "subscription_renewals.org_id, subscription_renewals.invoice_number",
        Meaning::Is(Conflict::Duplicate("renewal invoice number")),
    ),
    unique(
        "subscription_renewals_payment_key",
        "subscription_renewals.payment_reference",
        Meaning::Is(Conflict::Duplicate("renewal payment")),
    ),
    key(
        "subscription_renewal_postings_pkey",
        "subscription_renewal_postings.posting_id",
        "subscription_renewal_postings",
    ),
    // Analytics: counts are upserted, so a violation here is a bug, named by its table.
    key(
        "tool_views_pkey",
        "tool_views.tool_id, tool_views.month",
        "tool_views",
    ),
];

/// The unique key a violation names: by constraint name on PostgreSQL; on SQLite by the
/// index name it gives for expression indexes, else by the exact column list.
fn violated_key(f: &DbFault) -> Option<&'static UniqueKey> {
    if let Some(name) = &f.constraint {
        return UNIQUE_KEYS.iter().find(|k| k.name == name);
    }
    let listed = f.message.strip_prefix("UNIQUE constraint failed: ")?;
    match listed.strip_prefix("index '") {
        Some(name) => {
            let name = name.trim_end_matches('\'');
            UNIQUE_KEYS.iter().find(|k| k.name == name)
        }
        None => UNIQUE_KEYS.iter().find(|k| k.columns == listed),
    }
}

/// Whether `f` is a unique violation (PostgreSQL 23505; SQLite 2067 or 1555).
fn is_unique_violation(f: &DbFault) -> bool {
    matches!(f.code.as_str(), "23505" | "2067" | "1555")
}

/// Whether `f` is a foreign-key violation (PostgreSQL 23503, SQLite 787): a referenced row
/// is missing.
fn is_missing_reference(f: &DbFault) -> bool {
    matches!(f.code.as_str(), "23503" | "787")
}

/// Maps any database error: a unique violation becomes its key's [`Conflict`], everything
/// else is `Unavailable` with the cause.
pub(crate) fn map_db(e: DbErr) -> RepoError {
    map_db_for(e, None)
}

/// [`map_db`], for an insert of a purchase of `item` (the one-active-purchase indexes name
/// it in their conflict).
pub(crate) fn map_db_for(e: DbErr, item: Option<ItemRef>) -> RepoError {
    let Some(f) = fault(&e).filter(is_unique_violation) else {
        return RepoError::unavailable(e);
    };
    let conflict = match (violated_key(&f).map(|k| k.meaning), item) {
        (Some(Meaning::Is(conflict)), _) => conflict,
        (Some(Meaning::ActivePurchase), Some(item)) => Conflict::ActivePurchase { item },
        (Some(Meaning::ActivePurchase), None) => Conflict::Duplicate("one active purchase"),
        (None, _) => Conflict::Duplicate("unique key"),
    };
    RepoError::Conflict(conflict)
}

/// [`map_db`], where a missing referenced row (an unknown seller, tool or org) is
/// `NotFound`.
pub(crate) fn map_db_or_missing(e: DbErr) -> RepoError {
    if fault(&e).is_some_and(|f| is_missing_reference(&f)) {
        return RepoError::NotFound;
    }
    map_db(e)
}

/// PostgreSQL's serialization failure (40001) or deadlock (40P01): the transaction may be
/// run again. SQLite's `SQLITE_BUSY` (5) is also worth another try.
pub(crate) fn is_retryable(e: &RepoError) -> bool {
    let RepoError::Unavailable(source) = e else {
        return false;
    };
    source
        .downcast_ref::<DbErr>()
        .and_then(fault)
        .is_some_and(|f| matches!(f.code.as_str(), "40001" | "40P01" | "5" | "517"))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use marketplace_migrations::MigratorTrait;
    use sea_orm::{ConnectionTrait, DbBackend, Statement};

    use super::*;

    fn sqlite(columns: &str) -> DbFault {
        DbFault {
            code: "2067".to_owned(),
            constraint: None,
            message: format!("UNIQUE constraint failed: {columns}"),
        }
    }

    fn postgres(name: &str) -> DbFault {
        DbFault {
            code: "23505".to_owned(),
            constraint: Some(name.to_owned()),
            message: format!("duplicate key value violates unique constraint \"{name}\""),
        }
    }

    #[test]
    fn a_key_is_known_by_its_exact_name_or_its_exact_columns() {
        let meaning = |f: &DbFault| violated_key(f).map(|k| k.meaning);
        for (name, columns, conflict) in [
            ("sellers_org_key", "sellers.org_id", Conflict::SellerOrg),
            (
                "sellers_stripe_account_id_key",
                "sellers.stripe_account_id",
                Conflict::ConnectAccount,
            ),
            (
                "payouts_seller_month_key",
                "payouts.seller_id, payouts.month",
                Conflict::PayoutMonth,
            ),
            (
                "reviews_tool_user_key",
                "reviews.tool_id, reviews.user_id",
                Conflict::Review,
            ),
            ("tools_pkey", "tools.id", Conflict::Key { table: "tools" }),
        ] {
            assert_eq!(meaning(&postgres(name)), Some(Meaning::Is(conflict)));
            assert_eq!(meaning(&sqlite(columns)), Some(Meaning::Is(conflict)));
        }
        // Nothing is matched by a part of its name or columns.
        assert_eq!(meaning(&postgres("sellers_org")), None);
        assert_eq!(meaning(&postgres("x_sellers_org_key")), None);
        assert_eq!(meaning(&sqlite("sellers.org_id, sellers.name")), None);
        assert_eq!(meaning(&sqlite("payouts.month")), None);
        // SQLite names an expression index.
        let by_index = DbFault {
            message: "UNIQUE constraint failed: index 'purchases_one_active_tool'".to_owned(),
            ..sqlite("")
        };
        assert_eq!(meaning(&by_index), Some(Meaning::ActivePurchase));
    }

    /// Every unique index of the marketplace's tables, as SQLite lists its columns, and
    /// every named key of their DDL.
    async fn schema_keys() -> (BTreeSet<String>, BTreeSet<String>) {
        let db = sea_orm::Database::connect("sqlite::memory:").await.unwrap();
        marketplace_migrations::Migrator::up(&db, None)
            .await
            .unwrap();
        let rows = |sql: String| {
            let db = &db;
            async move {
                db.query_all_raw(Statement::from_string(DbBackend::Sqlite, sql))
                    .await
                    .unwrap()
            }
        };
        let (mut columns, mut names) = (BTreeSet::new(), BTreeSet::new());
        for table in marketplace_migrations::TABLES {
            for index in rows(format!("PRAGMA index_list('{table}')")).await {
                if index.try_get::<i32>("", "unique").unwrap() != 1 {
                    continue;
                }
                let name: String = index.try_get("", "name").unwrap();
                let listed: Vec<String> = rows(format!("PRAGMA index_info('{name}')"))
                    .await
                    .iter()
                    .map(|c| format!("{table}.{}", c.try_get::<String>("", "name").unwrap()))
                    .collect();
                columns.insert(listed.join(", "));
            }
            let sql: Vec<String> = rows(format!(
                "SELECT sql FROM sqlite_master WHERE tbl_name = '{table}' AND sql IS NOT NULL"
            ))
            .await
            .iter()
            .map(|r| r.try_get::<String>("", "sql").unwrap())
            .collect();
            for statement in sql {
                let words: Vec<&str> = statement
                    .split(|c: char| c.is_whitespace() || c == '(' || c == ',')
                    .filter(|w| !w.is_empty())
                    .collect();
                for w in words.windows(3) {
                    if w[0] == "CONSTRAINT" && matches!(w[2], "PRIMARY" | "UNIQUE") {
                        names.insert(w[1].to_owned());
                    }
                    if w[0] == "UNIQUE" && w[1] == "INDEX" {
                        names.insert(w[2].to_owned());
                    }
                }
            }
        }
        (columns, names)
    }

    #[tokio::test]
    async fn every_unique_key_of_the_schema_has_a_meaning_and_no_other_is_listed() {
        let (columns, names) = schema_keys().await;
        let known_columns: BTreeSet<String> =
            UNIQUE_KEYS.iter().map(|k| k.columns.to_owned()).collect();
        let known_names: BTreeSet<String> = UNIQUE_KEYS.iter().map(|k| k.name.to_owned()).collect();
        assert_eq!(
            columns, known_columns,
            "the unique keys' columns (as SQLite reports them) and UNIQUE_KEYS differ"
        );
        assert_eq!(
            names, known_names,
            "the unique keys' names (as PostgreSQL reports them) and UNIQUE_KEYS differ"
        );
    }
}
