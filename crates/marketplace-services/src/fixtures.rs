//! Values the tests of this crate share.

use chrono::{DateTime, TimeZone, Utc};
use marketplace_domain::revenue::{FeeRate, SellerKind, SellerTerms};
use marketplace_kernel::access::{Actor, OrgRole, PlatformRole};
use marketplace_kernel::ids::{OrgId, SellerId, UserId};
use marketplace_kernel::money::{Currency, Money};
use uuid::Uuid;

use crate::ids::{ServiceListingId, TransactionId};
use crate::listing::{ServiceContent, ServiceListing, ServicePrice};
use crate::provider::{PaymentMode, Provider, ProviderProfile};
use crate::text::{
    BusinessName, Location, PaymentInstructions, ProviderDescription, ServiceCategory,
    ServiceDescription, ServiceTitle,
};
use crate::transaction::{Request, Transaction};

pub const PROVIDER_ORG: u128 = 0x10;
pub const BUYER_ORG: u128 = 0x20;
pub const OTHER_ORG: u128 = 0x30;
pub const ADMIN_ORG: u128 = 0x40;

pub fn org(n: u128) -> OrgId {
    OrgId::from_uuid(Uuid::from_u128(n))
}

pub fn seller() -> SellerId {
    SellerId::from_uuid(Uuid::from_u128(0x50))
}

pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 10, 0, 0).unwrap()
}

pub fn cents(minor: i64) -> Money {
    Money::from_minor(minor, Currency::USD)
}

pub fn terms(rate: FeeRate) -> SellerTerms {
    SellerTerms {
        seller_id: seller(),
        kind: SellerKind::ThirdParty,
        fee_rate: rate,
    }
}

pub fn profile(mode: PaymentMode) -> ProviderProfile {
    ProviderProfile {
        business_name: BusinessName::parse("Happy Paws").unwrap(),
        description: ProviderDescription::parse("Grooming and training for dogs").unwrap(),
        location: Location::parse("Lyon").unwrap(),
        payment_mode: mode,
    }
}

pub fn manual() -> PaymentMode {
    PaymentMode::Manual {
        instructions: PaymentInstructions::parse("Transfer to IBAN FR76 3000 6000 0112").unwrap(),
    }
}

pub fn provider(rate: FeeRate, mode: PaymentMode) -> Provider {
    Provider::new(terms(rate), org(PROVIDER_ORG), profile(mode)).unwrap()
}

pub fn content(price: i64, allow_quotes: bool) -> ServiceContent {
    ServiceContent {
        title: ServiceTitle::parse("Dog grooming").unwrap(),
        category: ServiceCategory::parse("grooming").unwrap(),
        description: ServiceDescription::parse("Wash, cut and nails").unwrap(),
        price: ServicePrice::new(cents(price)).unwrap(),
        allow_quotes,
    }
}

pub fn published(price: i64, allow_quotes: bool) -> ServiceListing {
    ServiceListing::approved(
        ServiceListingId::from_uuid(Uuid::from_u128(0x60)),
        seller(),
        org(PROVIDER_ORG),
        content(price, allow_quotes),
        t0(),
    )
}

pub fn transaction(price: i64, rate: FeeRate) -> Transaction {
    Transaction::open(
        TransactionId::from_uuid(Uuid::from_u128(0x70)),
        &published(price, false),
        &provider(rate, PaymentMode::StripeConnect),
        org(BUYER_ORG),
        Request::default(),
        t0(),
    )
    .unwrap()
}

pub fn actor(org_n: u128, org_role: OrgRole, platform_role: PlatformRole) -> Actor {
    Actor {
        user_id: UserId::from_uuid(Uuid::from_u128(0x1000 + org_n)),
        org_id: org(org_n),
        org_role,
        platform_role,
    }
}
