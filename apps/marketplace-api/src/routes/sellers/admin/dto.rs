//! The bodies of platform admins' seller edits, each converted into the domain's command.

use marketplace_domain::ids::OrgId;
use marketplace_domain::revenue::SellerKind;
use marketplace_domain::seller::{NewSeller, SellerPatch};
use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::extract::BadRequest;
use crate::wire::labels::parse_label;
use crate::wire::{MoneyDto, decimal_field};

/// POST /v1/admin/sellers.
#[derive(Debug, Deserialize, garde::Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSellerBody {
    #[garde(length(chars, min = 1, max = 200))]
    pub name: String,
    /// PLATFORM or THIRD_PARTY (the default).
    #[garde(skip)]
    pub kind: Option<String>,
    /// 0..=1 as a decimal string; "0.05" when absent.
    #[garde(skip)]
    pub fee_rate: Option<String>,
    /// The org whose users manage the seller.
    #[garde(skip)]
    pub org_id: Option<Uuid>,
    /// 25.00 USD when absent.
    #[garde(skip)]
    pub payout_minimum: Option<MoneyDto>,
}

impl TryFrom<NewSellerBody> for NewSeller {
    type Error = BadRequest;

    fn try_from(b: NewSellerBody) -> Result<Self, BadRequest> {
        Ok(Self {
            name: b.name,
            kind: b.kind.as_deref().map_or(Ok(SellerKind::ThirdParty), kind)?,
            fee_rate: fee_rate(b.fee_rate.as_deref())?,
            org_id: b.org_id.map(OrgId::from_uuid),
            payout_minimum: b
                .payout_minimum
                .map(|m| m.parse_field("payout_minimum"))
                .transpose()?,
        })
    }
}

/// Distinguishes an absent field (`None`) from an explicit `null` (`Some(None)`).
fn double_option<'de, D, T>(de: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(de).map(Some)
}

/// PATCH /v1/admin/sellers/{id}: absent fields are kept; `"org_id": null` detaches the
/// seller from its org.
#[derive(Debug, Default, Deserialize, garde::Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SellerPatchBody {
    #[garde(inner(length(chars, min = 1, max = 200)))]
    pub name: Option<String>,
    #[garde(skip)]
    pub kind: Option<String>,
    #[garde(skip)]
    pub fee_rate: Option<String>,
    #[garde(skip)]
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Uuid>, nullable)]
    pub org_id: Option<Option<Uuid>>,
    #[garde(skip)]
    pub payout_minimum: Option<MoneyDto>,
}

impl TryFrom<SellerPatchBody> for SellerPatch {
    type Error = BadRequest;

    fn try_from(b: SellerPatchBody) -> Result<Self, BadRequest> {
        Ok(Self {
            name: b.name,
            kind: b.kind.as_deref().map(kind).transpose()?,
            fee_rate: fee_rate(b.fee_rate.as_deref())?,
            org_id: b.org_id.map(|o| o.map(OrgId::from_uuid)),
            payout_minimum: b
                .payout_minimum
                .map(|m| m.parse_field("payout_minimum"))
                .transpose()?,
        })
    }
}

fn fee_rate(raw: Option<&str>) -> Result<Option<Decimal>, BadRequest> {
    decimal_field("fee_rate", raw, "must be a decimal string such as \"0.05\"")
}

fn kind(raw: &str) -> Result<SellerKind, BadRequest> {
    parse_label(raw).map_err(|message| BadRequest::field("kind", message))
}

/// PUT /v1/admin/tools/{id}/seller.
#[derive(Debug, Deserialize, garde::Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignToolBody {
    #[garde(skip)]
    pub seller_id: Uuid,
}

/// A tool and its seller.
#[derive(Debug, Serialize, ToSchema)]
pub struct ToolSellerDto {
    pub tool_id: Uuid,
    pub seller_id: Uuid,
}
