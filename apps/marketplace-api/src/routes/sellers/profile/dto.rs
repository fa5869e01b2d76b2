//! A seller as the API shows it, to platform admins and to the seller's own users.

use chrono::{DateTime, Utc};
use marketplace_domain::seller::Seller;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::wire::MoneyDto;

/// A seller's connected account (Stripe Connect).
#[derive(Debug, Serialize, ToSchema)]
pub struct ConnectDto {
    #[schema(example = "acct_1NewSeller")]
    pub account_id: String,
    /// Whether Stripe lets the account receive payouts (onboarding complete).
    pub payouts_enabled: bool,
}

/// A seller.
#[derive(Debug, Serialize, ToSchema)]
pub struct SellerDto {
    pub id: Uuid,
    pub name: String,
    /// PLATFORM or THIRD_PARTY.
    pub kind: &'static str,
    /// The platform's share of each sale, 0..=1 (the platform keeps all of its own).
    #[schema(example = "0.05")]
    pub fee_rate: String,
    /// The org whose users manage the seller.
    pub org_id: Option<Uuid>,
    pub connect: Option<ConnectDto>,
    /// Below this a month's balance is carried to the next.
    pub payout_minimum: MoneyDto,
    pub created_at: DateTime<Utc>,
}

impl From<&Seller> for SellerDto {
    fn from(s: &Seller) -> Self {
        Self {
            id: s.id().as_uuid(),
            name: s.name().to_owned(),
            kind: s.kind().as_str(),
            fee_rate: s.fee_rate().value().normalize().to_string(),
            org_id: s.org_id().map(|o| o.as_uuid()),
            connect: s.connect().map(|c| ConnectDto {
                account_id: c.account_id.clone(),
                payouts_enabled: c.payouts_enabled,
            }),
            payout_minimum: s.payout().minimum().into(),
            created_at: s.created_at(),
        }
    }
}

/// The caller's seller with the tools it sells.
#[derive(Debug, Serialize, ToSchema)]
pub struct MySellerDto {
    #[serde(flatten)]
    pub seller: SellerDto,
    pub tool_ids: Vec<Uuid>,
}
