//! Sellers (R-M2): who sells a tool and at which fee rate. The domain has no seller port
//! yet (it reads [`SellerTerms`](marketplace_domain::revenue::SellerTerms) through the
//! catalog), so seeding and administration use these inherent methods.

use chrono::{DateTime, Utc};
use marketplace_domain::ids::{OrgId, SellerId};
use marketplace_domain::ports::RepoError;
use marketplace_domain::revenue::{FeeRate, SellerKind};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, QueryOrder};

use crate::SeaOrmStore;
use crate::convert::fix_scale;
use crate::entities::sellers;
use crate::error::{corrupt, map_db};

/// A seller as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Seller {
    pub id: SellerId,
    pub name: String,
    pub kind: SellerKind,
    pub fee_rate: FeeRate,
    /// The org whose users manage a third-party seller.
    pub org_id: Option<OrgId>,
    /// The payout provider's connected account.
    pub stripe_account_id: Option<String>,
    pub payouts_enabled: bool,
    pub created_at: DateTime<Utc>,
}

pub(crate) fn kind_from(raw: &str) -> Result<SellerKind, RepoError> {
    match raw {
        "PLATFORM" => Ok(SellerKind::Platform),
        "THIRD_PARTY" => Ok(SellerKind::ThirdParty),
        other => Err(corrupt("sellers", format!("unknown seller kind {other:?}"))),
    }
}

const fn kind_label(kind: SellerKind) -> &'static str {
    match kind {
        SellerKind::Platform => "PLATFORM",
        SellerKind::ThirdParty => "THIRD_PARTY",
    }
}

fn to_seller(m: sellers::Model) -> Result<Seller, RepoError> {
    Ok(Seller {
        id: SellerId::from_uuid(m.id),
        name: m.name,
        kind: kind_from(&m.kind)?,
        fee_rate: FeeRate::new(fix_scale(m.fee_rate, 4)).map_err(|e| corrupt("sellers", e))?,
        org_id: m.org_id.map(OrgId::from_uuid),
        stripe_account_id: m.stripe_account_id,
        payouts_enabled: m.payouts_enabled,
        created_at: m.created_at,
    })
}

impl SeaOrmStore {
    /// Creates a seller, or updates every field of an existing one (by id).
    ///
    /// # Errors
    /// `Conflict(Duplicate)` when the Stripe account belongs to another seller;
    /// `Unavailable` otherwise.
    pub async fn upsert_seller(&self, seller: &Seller) -> Result<(), RepoError> {
        let model = sellers::Model {
            id: seller.id.as_uuid(),
            name: seller.name.clone(),
            kind: kind_label(seller.kind).to_owned(),
            fee_rate: seller.fee_rate.value(),
            org_id: seller.org_id.map(|o| o.as_uuid()),
            stripe_account_id: seller.stripe_account_id.clone(),
            payouts_enabled: seller.payouts_enabled,
            created_at: seller.created_at,
        };
        sellers::Entity::insert(model.into_active_model().reset_all())
            .on_conflict(
                OnConflict::column(sellers::Column::Id)
                    .update_columns([
                        sellers::Column::Name,
                        sellers::Column::Kind,
                        sellers::Column::FeeRate,
                        sellers::Column::OrgId,
                        sellers::Column::StripeAccountId,
                        sellers::Column::PayoutsEnabled,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(&self.conn)
            .await
            .map_err(map_db)?;
        Ok(())
    }

    /// `Ok(None)` for an unknown seller.
    ///
    /// # Errors
    /// `Unavailable`.
    pub async fn seller(&self, id: SellerId) -> Result<Option<Seller>, RepoError> {
        sellers::Entity::find_by_id(id.as_uuid())
            .one(&self.conn)
            .await
            .map_err(map_db)?
            .map(to_seller)
            .transpose()
    }

    /// Every seller, by id.
    ///
    /// # Errors
    /// `Unavailable`.
    pub async fn sellers(&self) -> Result<Vec<Seller>, RepoError> {
        sellers::Entity::find()
            .order_by_asc(sellers::Column::Id)
            .all(&self.conn)
            .await
            .map_err(map_db)?
            .into_iter()
            .map(to_seller)
            .collect()
    }
}
