//! The orgs' shapes: an org as the platform knows it, its edit and a credit grant.

use marketplace_domain::money::Money;
use marketplace_domain::org::Organization;
use marketplace_modules::Version;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::extract::BadRequest;
use crate::wire::MoneyDto;
use crate::wire::labels::TierLabel;

/// An org as the platform knows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrgDto {
    pub id: Uuid,
    pub name: String,
    pub tier: TierLabel,
    pub credits: MoneyDto,
}

impl From<Organization> for OrgDto {
    fn from(o: Organization) -> Self {
        Self {
            id: o.id().as_uuid(),
            name: o.name().to_owned(),
            tier: o.tier().into(),
            credits: o.credits().into(),
        }
    }
}

/// PUT /v1/admin/orgs/{id}.
#[derive(Debug, Deserialize, garde::Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrgBody {
    #[garde(length(chars, min = 1, max = 200))]
    pub name: String,
    #[garde(skip)]
    pub tier: TierLabel,
    /// The host platform version the org runs (R-I2), e.g. `5.2.0`: every module
    /// resolution of the org is pinned to it. Left as it was when absent.
    #[garde(length(min = 1, max = 100))]
    pub platform_version: Option<String>,
}

impl OrgBody {
    /// The platform version asked for, if any.
    ///
    /// # Errors
    /// [`BadRequest`] when it is not a semver version.
    pub fn platform_version(&self) -> Result<Option<Version>, BadRequest> {
        self.platform_version
            .as_deref()
            .map(|text| {
                Version::parse(text)
                    .map_err(|e| BadRequest::field("platform_version", e.to_string()))
            })
            .transpose()
    }
}

/// POST /v1/admin/orgs/{id}/credits.
#[derive(Debug, Deserialize, garde::Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreditsBody {
    #[garde(skip)]
    pub amount: MoneyDto,
}

/// The amount of credits to grant, as the caller wrote it (the domain decides whether it
/// may be granted).
#[derive(Debug)]
pub struct CreditAmount(pub Money);

impl TryFrom<CreditsBody> for CreditAmount {
    type Error = BadRequest;

    fn try_from(b: CreditsBody) -> Result<Self, BadRequest> {
        b.amount.parse_field("amount").map(Self)
    }
}
