//! Small mappings between stored columns and domain values, shared by the repositories.

use std::str::FromStr;

use marketplace_domain::catalog::{ItemKind, ItemRef};
use marketplace_domain::ids::{BundleId, ToolId};
use marketplace_domain::money::{Currency, Money};
use marketplace_domain::ports::RepoError;
use rust_decimal::{Decimal, RoundingStrategy};
use uuid::Uuid;

use crate::error::corrupt;

/// Parses a stored UPPER_SNAKE label.
pub(crate) fn label<T>(table: &'static str, raw: &str) -> Result<T, RepoError>
where
    T: FromStr,
    T::Err: std::fmt::Display,
{
    raw.parse::<T>().map_err(|e| corrupt(table, e))
}

/// A stored amount with its currency. SQLite keeps money as `REAL`, so the amount is
/// rounded back to the currency's minor unit (exact for every NUMERIC(14,2) value).
pub(crate) fn money(
    table: &'static str,
    amount: Decimal,
    currency: &str,
) -> Result<Money, RepoError> {
    let currency = Currency::parse(currency.trim()).map_err(|e| corrupt(table, e))?;
    let amount = fix_scale(amount, currency.minor_units());
    Money::new(amount, currency).map_err(|e| corrupt(table, e))
}

/// Rounds a decimal read back from a float column to `dp` places and gives it that scale.
pub(crate) fn fix_scale(amount: Decimal, dp: u32) -> Decimal {
    let mut d = amount.round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero);
    d.rescale(dp);
    d
}

/// A stored, non-negative counter.
pub(crate) fn count(value: i32) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

/// A counter to store.
pub(crate) fn to_i32(table: &'static str, value: u64) -> Result<i32, RepoError> {
    i32::try_from(value).map_err(|e| corrupt(table, e))
}

/// The `(item_type, tool_id, bundle_id)` columns of an item.
pub(crate) fn item_columns(item: ItemRef) -> (String, Option<Uuid>, Option<Uuid>) {
    match item {
        ItemRef::Tool(t) => (ItemKind::Tool.as_str().to_owned(), Some(t.as_uuid()), None),
        ItemRef::Bundle(b) => (
            ItemKind::Bundle.as_str().to_owned(),
            None,
            Some(b.as_uuid()),
        ),
    }
}

/// An item from its `(item_type, tool_id, bundle_id)` columns.
pub(crate) fn item(
    table: &'static str,
    kind: &str,
    tool_id: Option<Uuid>,
    bundle_id: Option<Uuid>,
) -> Result<ItemRef, RepoError> {
    match (label::<ItemKind>(table, kind)?, tool_id, bundle_id) {
        (ItemKind::Tool, Some(t), None) => Ok(ItemRef::Tool(ToolId::from_uuid(t))),
        (ItemKind::Bundle, None, Some(b)) => Ok(ItemRef::Bundle(BundleId::from_uuid(b))),
        _ => Err(corrupt(table, "item type does not match its ids")),
    }
}

/// The ids of the tool items and of the bundle items.
pub(crate) fn split_items(items: &[ItemRef]) -> (Vec<Uuid>, Vec<Uuid>) {
    let mut tools = Vec::new();
    let mut bundles = Vec::new();
    for i in items {
        match i {
            ItemRef::Tool(t) => tools.push(t.as_uuid()),
            ItemRef::Bundle(b) => bundles.push(b.as_uuid()),
        }
    }
    (tools, bundles)
}

/// Inserts one row without reading it back (no `RETURNING`, no re-select).
pub(crate) async fn insert_row<A, C>(db: &C, row: A) -> Result<(), sea_orm::DbErr>
where
    A: sea_orm::ActiveModelTrait + Send,
    C: sea_orm::ConnectionTrait,
{
    use sea_orm::EntityTrait;
    <A::Entity as EntityTrait>::insert(row)
        .exec_without_returning(db)
        .await
        .map(|_| ())
}

/// Inserts a model as a new row.
pub(crate) async fn insert_model<M, A, C>(db: &C, model: M) -> Result<(), sea_orm::DbErr>
where
    M: sea_orm::IntoActiveModel<A>,
    A: sea_orm::ActiveModelTrait + Send,
    C: sea_orm::ConnectionTrait,
{
    insert_row(db, model.into_active_model().reset_all()).await
}
