//! [`EntitlementFeed`]: the entitlements licenses come with (R-L1), and where each stands
//! (R-L6), read from the `entitlements` and `purchases` tables.
//!
//! Both reads are platform work: the job issues licenses for every org, and a license is
//! reached by its key from any org (see the [`LicenseRepository`] document).
//!
//! [`LicenseRepository`]: marketplace_licensing::license::LicenseRepository

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use marketplace_domain::catalog::PriceModel;
use marketplace_domain::ids::{EntitlementId, OrgId, ToolId};
use marketplace_domain::ports::RepoError;
use marketplace_domain::purchase::{Purchase, PurchaseStatus};
use marketplace_domain::renewal::RenewalStatus;
use marketplace_domain::subscription::RefusedRenewal;
use marketplace_licensing::license::{
    EntitlementFeed, EntitlementGranted, EntitlementStanding, EntitlementState, PlanTerms,
};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::entities::licenses;
use crate::SeaOrmStore;
use crate::convert::label;
use crate::entities::{entitlements, purchases, tools};
use crate::error::map_db;
use crate::purchases::to_purchase;
use crate::renewals::{renewals, to_renewal};
use crate::tenant::{Scope, commit};

/// The terms of the plan an entitlement's tool is sold on. Plans of the first wave are the
/// price models' (R-B2): FREE for a free tool, STANDARD otherwise; neither names features
/// or an activation limit, so the license gets none and the default limit.
fn plan_terms(price_model: Option<PriceModel>) -> PlanTerms {
    let plan = match price_model {
        Some(PriceModel::Free) => "FREE",
        _ => "STANDARD",
    };
    PlanTerms {
        plan: plan.to_owned(),
        features: Vec::new(),
        max_activations: None,
    }
}

/// Where an entitlement stands: ended for good when its row says so (expired, or revoked
/// by a refund or a cancellation), PAST_DUE while a refused renewal holds its purchase back
/// (R-B5; until paid, or until the expiry job ends it after the grace), current otherwise.
/// The one rule behind [`EntitlementFeed::standing`] and the licenses' validation read.
pub(super) fn state_of(ended: bool, purchase_expired: bool, held_back: bool) -> EntitlementState {
    if ended {
        if purchase_expired {
            EntitlementState::Expired
        } else {
            EntitlementState::Ended
        }
    } else if held_back {
        EntitlementState::PastDue
    } else {
        EntitlementState::Current
    }
}

/// [`state_of`] an entitlement from its own row, its purchase and the purchase's refused
/// renewal, if it has one.
fn standing_of(
    entitlement: &entitlements::Model,
    purchase: &Purchase,
    refused: Option<RefusedRenewal>,
) -> EntitlementStanding {
    EntitlementStanding {
        state: state_of(
            entitlement.ended_at.is_some(),
            purchase.status() == PurchaseStatus::Expired,
            refused.is_some_and(|r| r.holds_back(purchase)),
        ),
        until: entitlement.ends_at,
    }
}

#[async_trait]
impl EntitlementFeed for SeaOrmStore {
    async fn unlicensed(
        &self,
        org: Option<OrgId>,
        now: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<EntitlementGranted>, RepoError> {
        let tx = self.begin(Scope::Platform).await?;
        let mut query = entitlements::Entity::find()
            .filter(entitlements::Column::EndedAt.is_null())
            .filter(
                Condition::any()
                    .add(entitlements::Column::EndsAt.is_null())
                    .add(entitlements::Column::EndsAt.gt(now)),
            )
            .filter(
                Expr::col((entitlements::Entity, entitlements::Column::Id)).not_in_subquery(
                    Query::select()
                        .column(licenses::Column::EntitlementId)
                        .from(licenses::Entity)
                        .to_owned(),
                ),
            );
        if let Some(org) = org {
            query = query.filter(entitlements::Column::OrgId.eq(org.as_uuid()));
        }
        let rows = query
            .order_by_asc(entitlements::Column::GrantedAt)
            .order_by_asc(entitlements::Column::Id)
            .limit(u64::from(limit))
            .all(&tx)
            .await
            .map_err(map_db)?;
        let tool_ids: Vec<_> = rows.iter().map(|e| e.tool_id).collect();
        let models: HashMap<_, _> = if tool_ids.is_empty() {
            HashMap::new()
        } else {
            tools::Entity::find()
                .filter(tools::Column::Id.is_in(tool_ids))
                .all(&tx)
                .await
                .map_err(map_db)?
                .into_iter()
                .map(|t| (t.id, t.price_model))
                .collect()
        };
        commit(tx).await?;
        rows.into_iter()
            .map(|e| {
                let model = models
                    .get(&e.tool_id)
                    .map(|m| label::<PriceModel>("tools", m))
                    .transpose()?;
                Ok(EntitlementGranted {
                    entitlement_id: EntitlementId::from_uuid(e.id),
                    org_id: OrgId::from_uuid(e.org_id),
                    tool_id: ToolId::from_uuid(e.tool_id),
                    terms: plan_terms(model),
                    granted_at: e.granted_at,
                    until: e.ends_at,
                })
            })
            .collect()
    }

    async fn standing(
        &self,
        entitlement: EntitlementId,
    ) -> Result<Option<EntitlementStanding>, RepoError> {
        let tx = self.begin(Scope::Platform).await?;
        let Some(row) = entitlements::Entity::find_by_id(entitlement.as_uuid())
            .one(&tx)
            .await
            .map_err(map_db)?
        else {
            commit(tx).await?;
            return Ok(None);
        };
        let Some(purchase) = purchases::Entity::find_by_id(row.purchase_id)
            .one(&tx)
            .await
            .map_err(map_db)?
        else {
            commit(tx).await?;
            return Ok(None);
        };
        let refused = match purchase.period_end {
            Some(end) => renewals::Entity::find()
                .filter(renewals::Column::PurchaseId.eq(purchase.id))
                .filter(renewals::Column::PeriodStart.eq(end))
                .filter(renewals::Column::Status.eq(RenewalStatus::PastDue.as_str()))
                .one(&tx)
                .await
                .map_err(map_db)?,
            None => None,
        };
        commit(tx).await?;
        let purchase = to_purchase(purchase)?;
        let refused = refused
            .map(to_renewal)
            .transpose()?
            .and_then(|r| r.refused());
        Ok(Some(standing_of(&row, &purchase, refused)))
    }
}
