//! How store failures become the domain's [`RepoError`]: unique violations by constraint or
//! index name, serialization failures and deadlocks as retryable.

use std::ops::Deref;

use marketplace_domain::catalog::ItemRef;
use marketplace_domain::ports::{Conflict, RepoError};
use sea_orm::{DbErr, RuntimeErr};

/// A stored row that does not map to a valid domain value (the schema or an outside write
/// let it through).
#[derive(Debug, thiserror::Error)]
#[error("corrupt row in {table}: {detail}")]
pub(crate) struct Corrupt {
    pub(crate) table: &'static str,
    pub(crate) detail: String,
}

/// A [`RepoError::Unavailable`] for a row that does not map to the domain.
pub(crate) fn corrupt(table: &'static str, detail: impl std::fmt::Display) -> RepoError {
    RepoError::unavailable(Corrupt {
        table,
        detail: detail.to_string(),
    })
}

/// What the database said, where it said it.
#[derive(Debug, Default)]
pub(crate) struct DbFault {
    /// SQLSTATE on PostgreSQL, the extended result code on SQLite.
    pub(crate) code: String,
    /// The constraint or index name (PostgreSQL reports it; on SQLite it is rebuilt from the
    /// message, see [`sqlite_constraint`]).
    pub(crate) constraint: Option<String>,
}

pub(crate) fn fault(e: &DbErr) -> Option<DbFault> {
    let (DbErr::Exec(RuntimeErr::SqlxError(e))
    | DbErr::Query(RuntimeErr::SqlxError(e))
    | DbErr::Conn(RuntimeErr::SqlxError(e))) = e
    else {
        return None;
    };
    let sea_orm::sqlx::Error::Database(db) = e.deref() else {
        return None;
    };
    let constraint = db
        .constraint()
        .map(str::to_owned)
        .or_else(|| sqlite_constraint(db.message()));
    Some(DbFault {
        code: db.code().map(|c| c.into_owned()).unwrap_or_default(),
        constraint,
    })
}

/// SQLite names a violated unique index only for expression indexes; for column indexes
/// and keys it lists `table.column`s. This maps those lists back to the migration's names.
fn sqlite_constraint(message: &str) -> Option<String> {
    let rest = message.strip_prefix("UNIQUE constraint failed: ")?;
    if let Some(name) = rest.strip_prefix("index '") {
        return Some(name.trim_end_matches('\'').to_owned());
    }
    let name = match rest {
        "purchases.org_id, purchases.tool_id" => "purchases_one_active_tool",
        "purchases.org_id, purchases.bundle_id" => "purchases_one_active_bundle",
        "idempotency_keys.org_id, idempotency_keys.key" => "idempotency_keys_pkey",
        "reviews.tool_id, reviews.user_id" => "reviews_tool_user_key",
        "review_votes.review_id, review_votes.user_id" => "review_votes_pkey",
        "review_flags.review_id, review_flags.user_id" => "review_flags_pkey",
        "entitlements.purchase_id, entitlements.tool_id" => "entitlements_purchase_tool_key",
        "orders.payment_reference" => "orders_payment_reference_key",
        "purchases.provider_subscription_id" => "purchases_provider_subscription_id_key",
        "sellers.stripe_account_id" => "sellers_stripe_account_id_key",
        other => {
            // `table.id` → `table_pkey`; anything else keeps the table name.
            let table = other.split('.').next().unwrap_or(other);
            return Some(if other.ends_with(".id") && !other.contains(',') {
                format!("{table}_pkey")
            } else {
                format!("{table}_unique")
            });
        }
    };
    Some(name.to_owned())
}

/// Whether `e` is a unique violation (PostgreSQL 23505; SQLite 2067 or 1555).
pub(crate) fn is_unique_violation(f: &DbFault) -> bool {
    matches!(f.code.as_str(), "23505" | "2067" | "1555")
}

/// Interns a constraint name for [`Conflict::Duplicate`] (which wants `&'static str`).
fn static_name(name: &str) -> &'static str {
    const KNOWN: &[&str] = &[
        "purchases_one_active_tool",
        "purchases_one_active_bundle",
        "idempotency_keys_pkey",
        "reviews_tool_user_key",
        "review_votes_pkey",
        "review_flags_pkey",
        "entitlements_purchase_tool_key",
        "orders_payment_reference_key",
        "purchases_provider_subscription_id_key",
        "sellers_stripe_account_id_key",
        "tools_pkey",
        "bundles_pkey",
        "sellers_pkey",
        "orders_pkey",
        "order_lines_pkey",
        "purchases_pkey",
        "entitlements_pkey",
        "reviews_pkey",
        "ledger_postings_pkey",
        "ledger_entries_pkey",
        "organizations_pkey",
        "cart_lines_pkey",
        "bundle_items_pkey",
        "bundle_items_bundle_position_key",
        "tool_tags_pkey",
        "cart_lines_org_user_tool_key",
        "cart_lines_org_user_bundle_key",
        "order_lines_order_position_key",
        "ledger_entries_posting_position_key",
        "audit_log_pkey",
    ];
    KNOWN
        .iter()
        .find(|k| **k == name)
        .copied()
        .unwrap_or("unique constraint")
}

/// Maps any database error: a unique violation becomes a [`Conflict`] by its name (an
/// active-purchase index with `item` when the caller knows which item it was inserting),
/// everything else is `Unavailable` with the cause.
pub(crate) fn map_db(e: DbErr) -> RepoError {
    map_db_for(e, None)
}

pub(crate) fn map_db_for(e: DbErr, item: Option<ItemRef>) -> RepoError {
    if let Some(f) = fault(&e)
        && is_unique_violation(&f)
    {
        let name = f.constraint.unwrap_or_default();
        let conflict = match (name.as_str(), item) {
            ("purchases_one_active_tool" | "purchases_one_active_bundle", Some(item)) => {
                Conflict::ActivePurchase { item }
            }
            ("idempotency_keys_pkey", _) => Conflict::IdempotencyKey,
            (other, _) => Conflict::Duplicate(static_name(other)),
        };
        return RepoError::Conflict(conflict);
    }
    RepoError::unavailable(e)
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
