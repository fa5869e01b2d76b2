//! [`HoldingsRepository`]: what an org holds now (R-E3), from its ACTIVE purchases and its
//! entitlements in force. Each held tool comes with its price model, a fact: what counts
//! toward the tier's limits (R-S2) is the domain's to decide.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use marketplace_domain::catalog::{ItemRef, PriceModel};
use marketplace_domain::entitlement::{
    Entitlement, EntitlementSource, HeldPurchase, Holdings, HoldingsRepository,
};
use marketplace_domain::ids::{EntitlementId, OrgId, PurchaseId, ToolId};
use marketplace_domain::paging::{Page, PageRequest};
use marketplace_domain::ports::RepoError;
use marketplace_domain::purchase::PurchaseStatus;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Select,
};
use uuid::Uuid;

use crate::SeaOrmStore;
use crate::convert::{insert_model, item, label, split_items};
use crate::entities::{bundle_items, entitlements, purchases, tools};
use crate::error::map_db;
use crate::tenant::{Scope, commit};

pub(crate) fn to_entitlement(m: entitlements::Model) -> Result<Entitlement, RepoError> {
    Ok(Entitlement {
        id: EntitlementId::from_uuid(m.id),
        org_id: OrgId::from_uuid(m.org_id),
        tool_id: ToolId::from_uuid(m.tool_id),
        purchase_id: PurchaseId::from_uuid(m.purchase_id),
        source: label::<EntitlementSource>("entitlements", &m.source)?,
        granted_at: m.granted_at,
        until: m.ends_at,
        ended_at: m.ended_at,
    })
}

pub(crate) fn entitlement_model(e: &Entitlement) -> entitlements::Model {
    entitlements::Model {
        id: e.id.as_uuid(),
        org_id: e.org_id.as_uuid(),
        tool_id: e.tool_id.as_uuid(),
        purchase_id: e.purchase_id.as_uuid(),
        source: e.source.as_str().to_owned(),
        granted_at: e.granted_at,
        ends_at: e.until,
        ended_at: e.ended_at,
    }
}

/// Inserts entitlements in the caller's transaction.
pub(crate) async fn insert_entitlements<C: ConnectionTrait>(
    db: &C,
    list: &[Entitlement],
) -> Result<(), RepoError> {
    for e in list {
        insert_model(db, entitlement_model(e))
            .await
            .map_err(map_db)?;
    }
    Ok(())
}

/// The org's entitlements in force at `now`, oldest first.
fn in_force_query(org: OrgId, now: DateTime<Utc>) -> Select<entitlements::Entity> {
    entitlements::Entity::find()
        .filter(entitlements::Column::OrgId.eq(org.as_uuid()))
        .filter(entitlements::Column::EndedAt.is_null())
        .filter(
            Condition::any()
                .add(entitlements::Column::EndsAt.is_null())
                .add(entitlements::Column::EndsAt.gt(now)),
        )
        .order_by_asc(entitlements::Column::GrantedAt)
        .order_by_asc(entitlements::Column::Id)
}

async fn in_force<C: ConnectionTrait>(
    db: &C,
    org: OrgId,
    now: DateTime<Utc>,
) -> Result<Vec<Entitlement>, RepoError> {
    in_force_query(org, now)
        .all(db)
        .await
        .map_err(map_db)?
        .into_iter()
        .map(to_entitlement)
        .collect()
}

async fn in_force_page<C: ConnectionTrait>(
    db: &C,
    org: OrgId,
    now: DateTime<Utc>,
    page: PageRequest,
) -> Result<Page<Entitlement>, RepoError> {
    let total = in_force_query(org, now).count(db).await.map_err(map_db)?;
    let items = in_force_query(org, now)
        .limit(u64::from(page.limit()))
        .offset(page.offset())
        .all(db)
        .await
        .map_err(map_db)?
        .into_iter()
        .map(to_entitlement)
        .collect::<Result<_, _>>()?;
    Ok(Page {
        items,
        total,
        limit: page.limit(),
        offset: page.offset(),
    })
}

#[async_trait]
impl HoldingsRepository for SeaOrmStore {
    async fn holdings(&self, org: OrgId, now: DateTime<Utc>) -> Result<Holdings, RepoError> {
        let tx = self.begin(Scope::Org(org, None)).await?;
        let active = purchases::Entity::find()
            .filter(purchases::Column::OrgId.eq(org.as_uuid()))
            .filter(purchases::Column::Status.eq(PurchaseStatus::Active.as_str()))
            .order_by_asc(purchases::Column::CreatedAt)
            .order_by_asc(purchases::Column::Id)
            .all(&tx)
            .await
            .map_err(map_db)?;
        let items = active
            .iter()
            .map(|p| item("purchases", &p.purchase_type, p.tool_id, p.bundle_id))
            .collect::<Result<Vec<ItemRef>, RepoError>>()?;
        let (tool_ids, bundle_ids) = split_items(&items);
        let price_models: HashMap<Uuid, PriceModel> = if tool_ids.is_empty() {
            HashMap::new()
        } else {
            tools::Entity::find()
                .select_only()
                .column(tools::Column::Id)
                .column(tools::Column::PriceModel)
                .filter(tools::Column::Id.is_in(tool_ids))
                .into_tuple::<(Uuid, String)>()
                .all(&tx)
                .await
                .map_err(map_db)?
                .into_iter()
                .map(|(id, model)| Ok((id, label::<PriceModel>("tools", &model)?)))
                .collect::<Result<_, RepoError>>()?
        };
        let mut bundle_tools: HashMap<Uuid, Vec<ToolId>> = HashMap::new();
        if !bundle_ids.is_empty() {
            for row in bundle_items::Entity::find()
                .filter(bundle_items::Column::BundleId.is_in(bundle_ids))
                .order_by_asc(bundle_items::Column::BundleId)
                .order_by_asc(bundle_items::Column::Position)
                .all(&tx)
                .await
                .map_err(map_db)?
            {
                bundle_tools
                    .entry(row.bundle_id)
                    .or_default()
                    .push(ToolId::from_uuid(row.tool_id));
            }
        }
        let entitlements = in_force(&tx, org, now).await?;
        commit(tx).await?;
        let held = active
            .iter()
            .zip(items)
            .map(|(p, item)| match item {
                ItemRef::Tool(t) => HeldPurchase {
                    purchase_id: PurchaseId::from_uuid(p.id),
                    item,
                    tools: vec![t],
                    price_model: price_models.get(&t.as_uuid()).copied(),
                },
                ItemRef::Bundle(b) => HeldPurchase {
                    purchase_id: PurchaseId::from_uuid(p.id),
                    item,
                    tools: bundle_tools.get(&b.as_uuid()).cloned().unwrap_or_default(),
                    price_model: None,
                },
            })
            .collect();
        Ok(Holdings::new(held, &entitlements, now))
    }

    async fn entitlements(
        &self,
        org: OrgId,
        now: DateTime<Utc>,
    ) -> Result<Vec<Entitlement>, RepoError> {
        let tx = self.begin(Scope::Org(org, None)).await?;
        let list = in_force(&tx, org, now).await?;
        commit(tx).await?;
        Ok(list)
    }

    async fn entitlement_page(
        &self,
        org: OrgId,
        now: DateTime<Utc>,
        page: PageRequest,
    ) -> Result<Page<Entitlement>, RepoError> {
        let tx = self.begin(Scope::Org(org, None)).await?;
        let found = in_force_page(&tx, org, now, page).await?;
        commit(tx).await?;
        Ok(found)
    }
}
