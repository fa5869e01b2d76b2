//! R-X2: service listings. A listing's content comes from the listings workflow (R-G2,
//! R-G3): a provider drafts it, a moderator publishes it; only PUBLISHED listings are
//! offered to buyers.

use chrono::{DateTime, Utc};
use marketplace_kernel::field::FieldError;
use marketplace_kernel::ids::{OrgId, SellerId};
use marketplace_kernel::money::Money;

use crate::ids::ServiceListingId;
use crate::text::{ServiceCategory, ServiceDescription, ServiceTitle};

/// Where a service listing stands (R-X2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ListingStatus {
    Draft,
    Published,
    Archived,
}
marketplace_kernel::labelled!(ListingStatus, "service listing status", {
    Draft => "DRAFT", Published => "PUBLISHED", Archived => "ARCHIVED",
});

/// A service's price: a positive amount in whole minor units.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ServicePrice(Money);

impl ServicePrice {
    /// # Errors
    /// [`FieldError`] on `price` when it is zero, negative or finer than the minor unit.
    pub fn new(amount: Money) -> Result<Self, FieldError> {
        if amount.is_zero() || amount.is_negative() || amount.to_minor().is_err() {
            return Err(FieldError::new(
                "price",
                "must be a positive amount in whole cents",
            ));
        }
        Ok(Self(amount))
    }

    #[must_use]
    pub const fn money(&self) -> Money {
        self.0
    }
}

/// What a service listing says: the content an approved listing carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceContent {
    pub title: ServiceTitle,
    pub category: ServiceCategory,
    pub description: ServiceDescription,
    pub price: ServicePrice,
    /// Whether a buyer may propose its own description and amount (a quote).
    pub allow_quotes: bool,
}

/// A move the listing's status does not allow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("a {from} service listing cannot become {to}")]
pub struct IllegalListingMove {
    pub from: ListingStatus,
    pub to: ListingStatus,
}

/// A service listing of one provider (R-X2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceListing {
    id: ServiceListingId,
    provider: SellerId,
    provider_org: OrgId,
    content: ServiceContent,
    status: ListingStatus,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

/// A listing's fields as stored, for adapters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceListingParts {
    pub id: ServiceListingId,
    pub provider: SellerId,
    pub provider_org: OrgId,
    pub content: ServiceContent,
    pub status: ListingStatus,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl ServiceListing {
    /// A provider's new draft.
    #[must_use]
    pub fn draft(
        id: ServiceListingId,
        provider: SellerId,
        provider_org: OrgId,
        content: ServiceContent,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            id,
            provider,
            provider_org,
            content,
            status: ListingStatus::Draft,
            created_at: now,
            updated_at: now,
        }
    }

    /// A listing the listings workflow approved (R-G3): published as it is created.
    #[must_use]
    pub fn approved(
        id: ServiceListingId,
        provider: SellerId,
        provider_org: OrgId,
        content: ServiceContent,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            status: ListingStatus::Published,
            ..Self::draft(id, provider, provider_org, content, now)
        }
    }

    #[must_use]
    pub fn restore(parts: ServiceListingParts) -> Self {
        Self {
            id: parts.id,
            provider: parts.provider,
            provider_org: parts.provider_org,
            content: parts.content,
            status: parts.status,
            created_at: parts.created_at,
            updated_at: parts.updated_at,
        }
    }

    #[must_use]
    pub fn into_parts(self) -> ServiceListingParts {
        ServiceListingParts {
            id: self.id,
            provider: self.provider,
            provider_org: self.provider_org,
            content: self.content,
            status: self.status,
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }

    /// A moderator's approval: DRAFT → PUBLISHED.
    ///
    /// # Errors
    /// [`IllegalListingMove`] from any other status; nothing changes.
    pub fn publish(&mut self, now: DateTime<Utc>) -> Result<(), IllegalListingMove> {
        self.r#move(ListingStatus::Draft, ListingStatus::Published, now)
    }

    /// Withdraws a draft or published listing for good; transactions already started go on.
    ///
    /// # Errors
    /// [`IllegalListingMove`] when already archived; nothing changes.
    pub fn archive(&mut self, now: DateTime<Utc>) -> Result<(), IllegalListingMove> {
        let from = self.status;
        self.r#move(from, ListingStatus::Archived, now)
    }

    fn r#move(
        &mut self,
        from: ListingStatus,
        to: ListingStatus,
        now: DateTime<Utc>,
    ) -> Result<(), IllegalListingMove> {
        if self.status != from || from == to || from == ListingStatus::Archived {
            return Err(IllegalListingMove {
                from: self.status,
                to,
            });
        }
        self.status = to;
        self.updated_at = now;
        Ok(())
    }

    #[must_use]
    pub const fn id(&self) -> ServiceListingId {
        self.id
    }

    #[must_use]
    pub const fn provider(&self) -> SellerId {
        self.provider
    }

    #[must_use]
    pub const fn provider_org(&self) -> OrgId {
        self.provider_org
    }

    #[must_use]
    pub const fn content(&self) -> &ServiceContent {
        &self.content
    }

    #[must_use]
    pub const fn status(&self) -> ListingStatus {
        self.status
    }

    #[must_use]
    pub const fn is_offered(&self) -> bool {
        matches!(self.status, ListingStatus::Published)
    }

    #[must_use]
    pub const fn created_at(&self) -> DateTime<Utc> {
        self.created_at
    }

    #[must_use]
    pub const fn updated_at(&self) -> DateTime<Utc> {
        self.updated_at
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use chrono::TimeZone;
    use marketplace_kernel::money::Currency;
    use rust_decimal::Decimal;
    use uuid::Uuid;

    pub(crate) fn content(price_cents: i64, allow_quotes: bool) -> ServiceContent {
        ServiceContent {
            title: ServiceTitle::parse("Dog grooming").unwrap(),
            category: ServiceCategory::parse("grooming").unwrap(),
            description: ServiceDescription::parse("Wash, cut and nails").unwrap(),
            price: ServicePrice::new(Money::from_minor(price_cents, Currency::USD)).unwrap(),
            allow_quotes,
        }
    }

    fn listing() -> ServiceListing {
        ServiceListing::draft(
            ServiceListingId::from_uuid(Uuid::from_u128(1)),
            SellerId::from_uuid(Uuid::from_u128(2)),
            OrgId::from_uuid(Uuid::from_u128(3)),
            content(4_500, false),
            Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
        )
    }

    #[test]
    fn r_x2_a_draft_is_published_once_then_archived() {
        let later = Utc.with_ymd_and_hms(2026, 1, 2, 0, 0, 0).unwrap();
        let mut listing = listing();
        assert_eq!(listing.status(), ListingStatus::Draft);
        assert!(!listing.is_offered());
        listing.publish(later).unwrap();
        assert!(listing.is_offered());
        assert_eq!(listing.updated_at(), later);

        let before = listing.clone();
        assert_eq!(
            listing.publish(later),
            Err(IllegalListingMove {
                from: ListingStatus::Published,
                to: ListingStatus::Published
            })
        );
        assert_eq!(listing, before, "a refused move changes nothing");

        listing.archive(later).unwrap();
        let before = listing.clone();
        assert!(listing.archive(later).is_err());
        assert!(listing.publish(later).is_err());
        assert_eq!(listing, before);
    }

    #[test]
    fn r_x2_an_approved_listing_is_published_at_once() {
        let now = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let listing = ServiceListing::approved(
            ServiceListingId::from_uuid(Uuid::from_u128(1)),
            SellerId::from_uuid(Uuid::from_u128(2)),
            OrgId::from_uuid(Uuid::from_u128(3)),
            content(100, true),
            now,
        );
        assert_eq!(listing.status(), ListingStatus::Published);
    }

    #[test]
    fn r_x2_a_price_is_positive_in_whole_cents() {
        let usd = |d: &str| Money::unrounded(d.parse::<Decimal>().unwrap(), Currency::USD);
        assert!(ServicePrice::new(usd("0")).is_err());
        assert!(ServicePrice::new(usd("-1")).is_err());
        assert!(ServicePrice::new(usd("1.005")).is_err());
        assert_eq!(
            ServicePrice::new(usd("45.00")).unwrap().money(),
            usd("45.00")
        );
    }
}
