//! Typed identifiers (R-T1): every id in a domain signature is a UUID newtype, so an
//! `OrgId` can never be passed where a `ToolId` is expected.

use std::fmt;
use std::str::FromStr;

use uuid::Uuid;

macro_rules! id_type {
    ($($(#[$doc:meta])* $name:ident),+ $(,)?) => {$(
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// Wraps a UUID that already names this kind of record.
            #[must_use]
            pub const fn from_uuid(id: Uuid) -> Self {
                Self(id)
            }

            /// The underlying UUID, for adapters.
            #[must_use]
            pub const fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl From<Uuid> for $name {
            fn from(id: Uuid) -> Self {
                Self(id)
            }
        }

        impl From<$name> for Uuid {
            fn from(id: $name) -> Self {
                id.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    )+};
}

id_type!(
    /// A tool in the global catalog.
    ToolId,
    /// A bundle in the global catalog.
    BundleId,
    /// An organization: the tenant.
    OrgId,
    /// A user of the platform.
    UserId,
    /// A checkout's order.
    OrderId,
    /// A purchase of one tool or one bundle by an org.
    PurchaseId,
    /// A right of an org to use a tool.
    EntitlementId,
    /// A review of a tool.
    ReviewId,
    /// Who sells a tool: the platform itself or a third party.
    SellerId,
    /// A balanced ledger posting.
    PostingId,
    /// A payout of one seller's month.
    PayoutId,
    /// One of the plans an item is sold through.
    PlanId,
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r_t1_ids_round_trip_through_strings() {
        let id = ToolId::from_uuid(Uuid::from_u128(7));
        let parsed: ToolId = id
            .to_string()
            .parse()
            .unwrap_or_else(|_| ToolId::from_uuid(Uuid::nil()));
        assert_eq!(parsed, id);
        assert!("not-a-uuid".parse::<OrgId>().is_err());
    }
}
