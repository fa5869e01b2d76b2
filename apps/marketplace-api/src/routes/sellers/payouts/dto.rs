//! The payouts' shapes: a payout, and Stripe Connect onboarding's request and answer.

use chrono::{DateTime, Utc};
use marketplace_domain::seller::{Onboarding, Payout};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::extract::BadRequest;
use crate::wire::MoneyDto;

/// A payout of one month.
#[derive(Debug, Serialize, ToSchema)]
pub struct PayoutDto {
    pub id: Uuid,
    #[schema(example = "2025-03")]
    pub month: String,
    pub amount: MoneyDto,
    /// PENDING, PAID or FAILED.
    pub status: &'static str,
    pub transfer_id: Option<String>,
    pub failure_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&Payout> for PayoutDto {
    fn from(p: &Payout) -> Self {
        Self {
            id: p.id.as_uuid(),
            month: p.month.to_string(),
            amount: p.amount.into(),
            status: p.status.as_str(),
            transfer_id: p.transfer_id.clone(),
            failure_reason: p.failure_reason.clone(),
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

/// POST /v1/sellers/me/connect.
#[derive(Debug, Deserialize, garde::Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConnectBody {
    /// Where Stripe sends the seller when the link has expired (an http(s) URL).
    #[garde(length(chars, min = 1, max = 2000))]
    pub refresh_url: String,
    /// Where Stripe sends the seller when onboarding is done (an http(s) URL).
    #[garde(length(chars, min = 1, max = 2000))]
    pub return_url: String,
}

/// Where Stripe sends the seller back: both http(s) URLs, kept as the caller wrote them.
#[derive(Debug)]
pub struct ReturnUrls {
    pub refresh_url: String,
    pub return_url: String,
}

impl TryFrom<ConnectBody> for ReturnUrls {
    type Error = BadRequest;

    fn try_from(b: ConnectBody) -> Result<Self, BadRequest> {
        for (field, raw) in [
            ("refresh_url", &b.refresh_url),
            ("return_url", &b.return_url),
        ] {
            let web = url::Url::parse(raw).is_ok_and(|u| matches!(u.scheme(), "http" | "https"));
            if !web {
                return Err(BadRequest::field(field, "must be an http(s) URL"));
            }
        }
        Ok(Self {
            refresh_url: b.refresh_url,
            return_url: b.return_url,
        })
    }
}

/// Where onboarding continues.
#[derive(Debug, Serialize, ToSchema)]
pub struct OnboardingDto {
    pub account_id: String,
    /// A one-time Stripe link; ask again when it expires.
    pub url: String,
}

impl From<Onboarding> for OnboardingDto {
    fn from(o: Onboarding) -> Self {
        Self {
            account_id: o.account_id,
            url: o.url,
        }
    }
}
