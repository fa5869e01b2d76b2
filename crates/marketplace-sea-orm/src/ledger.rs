//! The revenue ledger's postings (R-M5), written inside the transactions that cause them
//! (fulfilment, refund) and read back for proportional refunds. Append-only.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use marketplace_domain::ids::{OrderId, OrgId, PostingId, PurchaseId, SellerId, ToolId};
use marketplace_domain::ports::RepoError;
use marketplace_domain::revenue::{Account, Entry, Posting, PostingKind};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::convert::{insert_model, label, money};
use crate::entities::{ledger_entries, ledger_postings};
use crate::error::{corrupt, map_db};

/// Writes a posting and its entries in the caller's transaction, recorded at `now`.
pub(crate) async fn insert_posting<C: ConnectionTrait>(
    db: &C,
    posting: &Posting,
    now: DateTime<Utc>,
) -> Result<(), RepoError> {
    let row = ledger_postings::Model {
        id: posting.id().as_uuid(),
        kind: posting.kind().as_str().to_owned(),
        order_id: posting.order_id().map(|o| o.as_uuid()),
        purchase_id: posting.purchase_id().map(|p| p.as_uuid()),
        org_id: posting.org_id().map(|o| o.as_uuid()),
        occurred_at: posting.occurred_at(),
        created_at: now,
    };
    insert_model(db, row).await.map_err(map_db)?;
    for (position, entry) in (0_i32..).zip(posting.entries()) {
        let row = ledger_entries::Model {
            id: Uuid::now_v7(),
            posting_id: posting.id().as_uuid(),
            position,
            account: entry.account.code().to_owned(),
            seller_id: entry.account.seller().map(|s| s.as_uuid()),
            tool_id: entry.tool_id.map(|t| t.as_uuid()),
            amount: entry.amount.amount(),
            currency: entry.amount.currency().code().to_owned(),
        };
        insert_model(db, row).await.map_err(map_db)?;
    }
    Ok(())
}

/// How many ids one `IN (…)` list carries (far below SQLite's and PostgreSQL's limits).
const CHUNK: usize = 500;

/// The one mapping of stored postings to the domain's [`Posting`]s, in the order of `rows`,
/// each with its entries in order (read in chunks of ids).
pub(crate) async fn with_entries<C: ConnectionTrait>(
    db: &C,
    rows: Vec<ledger_postings::Model>,
) -> Result<Vec<Posting>, RepoError> {
    const T: &str = "ledger_postings";
    let mut entries: HashMap<Uuid, Vec<Entry>> = HashMap::new();
    for ids in rows.chunks(CHUNK) {
        let found = ledger_entries::Entity::find()
            .filter(ledger_entries::Column::PostingId.is_in(ids.iter().map(|p| p.id)))
            .order_by_asc(ledger_entries::Column::PostingId)
            .order_by_asc(ledger_entries::Column::Position)
            .all(db)
            .await
            .map_err(map_db)?;
        for e in found {
            entries.entry(e.posting_id).or_default().push(Entry {
                account: Account::from_parts(&e.account, e.seller_id.map(SellerId::from_uuid))
                    .map_err(|err| corrupt("ledger_entries", err))?,
                amount: money("ledger_entries", e.amount, &e.currency)?,
                tool_id: e.tool_id.map(ToolId::from_uuid),
            });
        }
    }
    rows.into_iter()
        .map(|p| {
            Posting::restore(
                PostingId::from_uuid(p.id),
                label::<PostingKind>(T, &p.kind)?,
                p.order_id.map(OrderId::from_uuid),
                p.purchase_id.map(PurchaseId::from_uuid),
                p.org_id.map(OrgId::from_uuid),
                p.occurred_at,
                entries.remove(&p.id).unwrap_or_default(),
            )
            .map_err(|e| corrupt(T, e))
        })
        .collect()
}

/// A purchase's postings (its first sale and the refunds of it since), oldest first, with
/// their entries in order; its renewals' postings are theirs, not listed.
pub(crate) async fn postings_of<C: ConnectionTrait>(
    db: &C,
    purchase: PurchaseId,
) -> Result<Vec<Posting>, RepoError> {
    use crate::renewals::entities::subscription_renewal_postings as links;
    let rows = ledger_postings::Entity::find()
        .filter(ledger_postings::Column::PurchaseId.eq(purchase.as_uuid()))
        .filter(
            ledger_postings::Column::Id.not_in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(links::Column::PostingId)
                    .from(links::Entity)
                    .to_owned(),
            ),
        )
        .order_by_asc(ledger_postings::Column::OccurredAt)
        .order_by_asc(ledger_postings::Column::CreatedAt)
        .order_by_asc(ledger_postings::Column::Id)
        .all(db)
        .await
        .map_err(map_db)?;
    with_entries(db, rows).await
}
