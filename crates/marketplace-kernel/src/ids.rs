//! Typed identifiers (R-T1): every id in a domain signature is a UUID newtype, so an
//! `OrgId` can never be passed where a `ToolId` is expected.

/// Declares UUID newtypes with the conversions every id has (from and to `Uuid`, `Display`,
/// `FromStr`, transparent serde). Context crates declare their own ids with it, so every id
/// of every context behaves alike. The calling crate needs `serde` and `uuid`.
#[macro_export]
macro_rules! id_type {
    ($($(#[$doc:meta])* $name:ident),+ $(,)?) => {$(
        $(#[$doc])*
        #[derive(
            Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord,
            ::serde::Serialize, ::serde::Deserialize,
        )]
        #[serde(transparent)]
        pub struct $name(::uuid::Uuid);

        impl $name {
            /// Wraps a UUID that already names this kind of record.
            #[must_use]
            pub const fn from_uuid(id: ::uuid::Uuid) -> Self {
                Self(id)
            }

            /// The underlying UUID, for adapters.
            #[must_use]
            pub const fn as_uuid(&self) -> ::uuid::Uuid {
                self.0
            }
        }

        impl ::core::convert::From<::uuid::Uuid> for $name {
            fn from(id: ::uuid::Uuid) -> Self {
                Self(id)
            }
        }

        impl ::core::convert::From<$name> for ::uuid::Uuid {
            fn from(id: $name) -> Self {
                id.0
            }
        }

        impl ::core::fmt::Display for $name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl ::core::str::FromStr for $name {
            type Err = ::uuid::Error;
            fn from_str(s: &str) -> ::core::result::Result<Self, Self::Err> {
                ::uuid::Uuid::parse_str(s).map(Self)
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
    use uuid::Uuid;

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
