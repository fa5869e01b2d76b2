//! The migrations' CHECK lists are the domain's labels: every enum column of the
//! marketplace's tables accepts exactly the labels of the domain enum the store writes into
//! it, so a value added on one side only fails here, not in production. (The tables of the
//! licensing, metering and module contexts are theirs to compare.)

use std::collections::BTreeMap;

use marketplace_domain::catalog::{
    BundleStatus, IntegrationType, ItemKind, PriceModel, ToolCategory, ToolStatus,
};
use marketplace_domain::checkout::{OrderStatus, PaymentMethod};
use marketplace_domain::entitlement::EntitlementSource;
use marketplace_domain::labels::Labelled;
use marketplace_domain::purchase::{Interval, PurchaseStatus};
use marketplace_domain::revenue::{PostingKind, SellerKind};
use marketplace_domain::review::ReviewStatus;
use marketplace_domain::seller::PayoutStatus;
use marketplace_domain::tier::Tier;
use marketplace_migrations::{
    m20250601_000001_create_schema as create_schema, m20250601_000003_payouts as payouts,
};
use marketplace_sea_orm::Database;
use sea_orm::{ConnectionTrait, DbBackend, Statement};

fn labels<T: Labelled>() -> Vec<String> {
    T::all().iter().map(|v| v.label().to_owned()).collect()
}

/// Every enum column, with the labels the domain writes into it.
fn expected() -> BTreeMap<(&'static str, &'static str), Vec<String>> {
    // A one-time purchase stores ONE_TIME; a recurring one its interval's label.
    let billing = std::iter::once("ONE_TIME".to_owned())
        .chain(labels::<Interval>())
        .collect();
    BTreeMap::from([
        (("organizations", "tier"), labels::<Tier>()),
        (("sellers", "kind"), labels::<SellerKind>()),
        (("tools", "category"), labels::<ToolCategory>()),
        (("tools", "price_model"), labels::<PriceModel>()),
        (("tools", "required_tier"), labels::<Tier>()),
        (("tools", "integration_type"), labels::<IntegrationType>()),
        (("tools", "status"), labels::<ToolStatus>()),
        (("bundles", "required_tier"), labels::<Tier>()),
        (("bundles", "status"), labels::<BundleStatus>()),
        (("cart_lines", "item_type"), labels::<ItemKind>()),
        (("orders", "status"), labels::<OrderStatus>()),
        (("orders", "payment_method"), labels::<PaymentMethod>()),
        (("order_lines", "item_type"), labels::<ItemKind>()),
        (("purchases", "purchase_type"), labels::<ItemKind>()),
        (("purchases", "status"), labels::<PurchaseStatus>()),
        (("purchases", "payment_method"), labels::<PaymentMethod>()),
        (("purchases", "billing"), billing),
        (("entitlements", "source"), labels::<EntitlementSource>()),
        (("reviews", "status"), labels::<ReviewStatus>()),
        (("ledger_postings", "kind"), labels::<PostingKind>()),
        (("payouts", "status"), labels::<PayoutStatus>()),
    ])
}

/// The enum checks of a `CREATE TABLE` statement, `CHECK (column IN ('A', 'B', …))`, by
/// column. A check that only mentions a list among other conditions is not one.
fn in_lists(sql: &str) -> Vec<(String, Vec<String>)> {
    let mut found = Vec::new();
    for check in sql.split("CHECK (").skip(1) {
        let column: String = check
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        let Some(list) = check[column.len()..].strip_prefix(" IN (") else {
            continue;
        };
        let Some(end) = list.find(')') else { continue };
        if !list[end + 1..].starts_with(')') {
            continue;
        }
        let values = list[..end]
            .split(',')
            .map(|v| v.trim().trim_matches('\'').to_owned())
            .collect();
        found.push((column, values));
    }
    found
}

/// Every enum CHECK of the migrated schema, by (table, column).
async fn schema_lists() -> BTreeMap<(String, String), Vec<String>> {
    let db = Database::connect("sqlite::memory:").await.unwrap();
    db.migrate().await.unwrap();
    let rows = db
        .connection()
        .query_all_raw(Statement::from_string(
            DbBackend::Sqlite,
            "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND sql IS NOT NULL",
        ))
        .await
        .unwrap();
    let mut lists = BTreeMap::new();
    for row in rows {
        let table: String = row.try_get("", "name").unwrap();
        let sql: String = row.try_get("", "sql").unwrap();
        for (column, values) in in_lists(&sql) {
            let previous = lists.insert((table.clone(), column.clone()), values);
            assert!(previous.is_none(), "{table}.{column} has two IN lists");
        }
    }
    db.close().await.unwrap();
    lists
}

#[tokio::test]
async fn every_enum_check_of_the_schema_lists_exactly_the_domains_labels() {
    let schema = schema_lists().await;
    let expected = expected();
    for ((table, column), labels) in &expected {
        let Some(allowed) = schema.get(&((*table).to_owned(), (*column).to_owned())) else {
            panic!("{table}.{column}: no CHECK (… IN (…)) in the migrated schema");
        };
        assert_eq!(
            allowed, labels,
            "{table}.{column}: the migration's CHECK list differs from the domain's labels"
        );
    }
    let marketplace: Vec<&str> = create_schema::TABLES
        .iter()
        .chain(payouts::TABLES)
        .copied()
        .collect();
    for (table, column) in schema.keys() {
        if !marketplace.contains(&table.as_str()) {
            continue;
        }
        assert!(
            expected.contains_key(&(table.as_str(), column.as_str())),
            "{table}.{column} has a CHECK list but no domain enum is compared with it here"
        );
    }
}

#[test]
fn in_lists_are_read_with_their_column() {
    let sql = "CREATE TABLE t (a TEXT, CONSTRAINT t_a_check CHECK (a IN ('X', 'Y_Z')), \
               CONSTRAINT t_b_check CHECK (length(b) <= 3), \
               CONSTRAINT t_d_check CHECK (d IN ('P') OR e > 0), \
               CONSTRAINT t_c CHECK (c IN ('Q')))";
    assert_eq!(
        in_lists(sql),
        [
            ("a".to_owned(), vec!["X".to_owned(), "Y_Z".to_owned()]),
            ("c".to_owned(), vec!["Q".to_owned()]),
        ]
    );
}
