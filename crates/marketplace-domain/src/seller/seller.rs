//! The seller (R-M2): who sells tools, at which fee, managed by which org, paid out
//! through which connected account and above which minimum.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use crate::field::FieldError;
use crate::ids::{OrgId, SellerId};
use crate::money::{Currency, Money};
use crate::revenue::{FeeRate, SellerKind, SellerTerms};

/// A seller's display name: 1..=200 characters once trimmed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SellerName(String);

impl SellerName {
    /// # Errors
    /// A [`FieldError`] on `name` when empty or longer than 200 characters.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let name = raw.trim();
        match name.chars().count() {
            0 => Err(FieldError::new("name", "must not be empty")),
            1..=200 => Ok(Self(name.to_owned())),
            _ => Err(FieldError::new("name", "must be at most 200 characters")),
        }
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The payout provider's connected account of a seller (a Stripe Express account).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnectAccount {
    /// The provider's id (`acct_…`).
    pub account_id: String,
    /// Whether the provider lets the account receive payouts (onboarding complete).
    pub payouts_enabled: bool,
}

/// How a seller is paid: never less than `minimum` at once, in its currency. Below it,
/// the balance is carried to the next month.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PayoutSettings {
    minimum: Money,
}

impl PayoutSettings {
    /// # Errors
    /// A [`FieldError`] on `payout_minimum` for a negative amount or one finer than the
    /// currency's minor unit.
    pub fn new(minimum: Money) -> Result<Self, FieldError> {
        if minimum.is_negative() {
            return Err(FieldError::new("payout_minimum", "must not be negative"));
        }
        if minimum.to_minor().is_err() {
            return Err(FieldError::new(
                "payout_minimum",
                "has more decimals than the currency allows",
            ));
        }
        Ok(Self { minimum })
    }

    /// The smallest amount paid out at once.
    #[must_use]
    pub const fn minimum(&self) -> Money {
        self.minimum
    }

    /// The currency payouts are made in.
    #[must_use]
    pub const fn currency(&self) -> Currency {
        self.minimum.currency()
    }
}

impl Default for PayoutSettings {
    /// 25.00 USD.
    fn default() -> Self {
        Self {
            minimum: Money::from_minor(2_500, Currency::USD),
        }
    }
}

/// Every field of a seller, for adapters restoring one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SellerParts {
    pub id: SellerId,
    pub name: SellerName,
    pub kind: SellerKind,
    pub fee_rate: FeeRate,
    /// The org whose users manage the seller (see its statements, onboard it).
    pub org_id: Option<OrgId>,
    pub connect: Option<ConnectAccount>,
    pub payout: PayoutSettings,
    pub created_at: DateTime<Utc>,
}

/// Who sells tools: the platform itself or a third party (R-M2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Seller {
    parts: SellerParts,
}

impl Seller {
    /// A seller as stored.
    #[must_use]
    pub const fn restore(parts: SellerParts) -> Self {
        Self { parts }
    }

    #[must_use]
    pub fn into_parts(self) -> SellerParts {
        self.parts
    }

    #[must_use]
    pub const fn id(&self) -> SellerId {
        self.parts.id
    }

    #[must_use]
    pub fn name(&self) -> &str {
        self.parts.name.as_str()
    }

    #[must_use]
    pub const fn kind(&self) -> SellerKind {
        self.parts.kind
    }

    #[must_use]
    pub const fn fee_rate(&self) -> FeeRate {
        self.parts.fee_rate
    }

    #[must_use]
    pub const fn org_id(&self) -> Option<OrgId> {
        self.parts.org_id
    }

    #[must_use]
    pub const fn connect(&self) -> Option<&ConnectAccount> {
        self.parts.connect.as_ref()
    }

    #[must_use]
    pub const fn payout(&self) -> PayoutSettings {
        self.parts.payout
    }

    #[must_use]
    pub const fn created_at(&self) -> DateTime<Utc> {
        self.parts.created_at
    }

    /// The terms a sale of its tools is split by (R-M2, R-M3).
    #[must_use]
    pub const fn terms(&self) -> SellerTerms {
        SellerTerms {
            seller_id: self.parts.id,
            kind: self.parts.kind,
            fee_rate: self.parts.fee_rate,
        }
    }

    /// Whether `org`'s users manage this seller.
    #[must_use]
    pub fn is_managed_by(&self, org: OrgId) -> bool {
        self.parts.org_id == Some(org)
    }

    /// The account to pay, when the seller is paid out at all: a third party whose
    /// connected account may receive payouts. The platform is never paid out.
    #[must_use]
    pub fn payout_account(&self) -> Option<&ConnectAccount> {
        match self.parts.kind {
            SellerKind::Platform => None,
            SellerKind::ThirdParty => self.parts.connect.as_ref().filter(|c| c.payouts_enabled),
        }
    }

    /// Records the connected account (or its new state).
    pub fn set_connect(&mut self, account: ConnectAccount) {
        self.parts.connect = Some(account);
    }

    /// The seller with `patch` applied; every fault is reported at once.
    ///
    /// # Errors
    /// The [`FieldError`]s of the patch.
    pub fn patched(&self, patch: SellerPatch) -> Result<Self, Vec<FieldError>> {
        let mut faults = Vec::new();
        let mut next = self.parts.clone();
        if let Some(name) = patch.name {
            match SellerName::parse(&name) {
                Ok(n) => next.name = n,
                Err(e) => faults.push(e),
            }
        }
        if let Some(kind) = patch.kind {
            next.kind = kind;
        }
        if let Some(rate) = patch.fee_rate {
            match fee_rate(rate) {
                Ok(r) => next.fee_rate = r,
                Err(e) => faults.push(e),
            }
        }
        if let Some(org) = patch.org_id {
            next.org_id = org;
        }
        if let Some(minimum) = patch.payout_minimum {
            match PayoutSettings::new(minimum) {
                Ok(p) => next.payout = p,
                Err(e) => faults.push(e),
            }
        }
        if faults.is_empty() {
            Ok(Self::restore(next))
        } else {
            Err(faults)
        }
    }
}

fn fee_rate(rate: Decimal) -> Result<FeeRate, FieldError> {
    FeeRate::new(rate).map_err(|_| FieldError::new("fee_rate", "must be between 0 and 1"))
}

/// A new seller as an admin describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewSeller {
    pub name: String,
    pub kind: SellerKind,
    /// The platform's share; [`FeeRate::DEFAULT`] (5%) when `None` (R-M2).
    pub fee_rate: Option<Decimal>,
    pub org_id: Option<OrgId>,
    /// 25.00 USD when `None`.
    pub payout_minimum: Option<Money>,
}

impl NewSeller {
    /// Validates every field, reporting all faults at once.
    ///
    /// # Errors
    /// The [`FieldError`]s.
    pub fn into_seller(self, id: SellerId, now: DateTime<Utc>) -> Result<Seller, Vec<FieldError>> {
        let mut faults = Vec::new();
        let name = SellerName::parse(&self.name)
            .map_err(|e| faults.push(e))
            .ok();
        let rate = self
            .fee_rate
            .map_or(Ok(FeeRate::DEFAULT), fee_rate)
            .map_err(|e| faults.push(e))
            .ok();
        let payout = self
            .payout_minimum
            .map_or(Ok(PayoutSettings::default()), PayoutSettings::new)
            .map_err(|e| faults.push(e))
            .ok();
        match (name, rate, payout) {
            (Some(name), Some(fee_rate), Some(payout)) => Ok(Seller::restore(SellerParts {
                id,
                name,
                kind: self.kind,
                fee_rate,
                org_id: self.org_id,
                connect: None,
                payout,
                created_at: now,
            })),
            _ => Err(faults),
        }
    }
}

/// A change to some of a seller's fields; `None` keeps the field. `org_id: Some(None)`
/// detaches the seller from its org.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SellerPatch {
    pub name: Option<String>,
    pub kind: Option<SellerKind>,
    pub fee_rate: Option<Decimal>,
    pub org_id: Option<Option<OrgId>>,
    pub payout_minimum: Option<Money>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use rust_decimal::dec;
    use uuid::Uuid;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 3, 1, 0, 0, 0).unwrap()
    }

    fn new_seller(name: &str) -> NewSeller {
        NewSeller {
            name: name.into(),
            kind: SellerKind::ThirdParty,
            fee_rate: None,
            org_id: None,
            payout_minimum: None,
        }
    }

    fn id() -> SellerId {
        SellerId::from_uuid(Uuid::from_u128(1))
    }

    #[test]
    fn r_m2_a_new_seller_pays_the_default_five_percent_and_a_25_usd_minimum() {
        let s = new_seller("  Brightlane ")
            .into_seller(id(), now())
            .unwrap();
        assert_eq!(s.name(), "Brightlane");
        assert_eq!(s.fee_rate(), FeeRate::DEFAULT);
        assert_eq!(
            s.payout().minimum(),
            Money::from_minor(2_500, Currency::USD)
        );
        assert_eq!(s.connect(), None);
        assert_eq!(s.terms().effective_rate(), FeeRate::DEFAULT);
    }

    #[test]
    fn invalid_fields_are_all_reported() {
        let faults = NewSeller {
            name: " ".into(),
            fee_rate: Some(dec!(1.5)),
            payout_minimum: Some(Money::from_minor(-1, Currency::USD)),
            ..new_seller("x")
        }
        .into_seller(id(), now())
        .unwrap_err();
        let fields: Vec<_> = faults.iter().map(|f| f.field).collect();
        assert_eq!(fields, ["name", "fee_rate", "payout_minimum"]);
    }

    #[test]
    fn only_an_onboarded_third_party_is_paid_out() {
        let mut s = new_seller("A").into_seller(id(), now()).unwrap();
        assert!(s.payout_account().is_none());
        s.set_connect(ConnectAccount {
            account_id: "acct_1".into(),
            payouts_enabled: false,
        });
        assert!(s.payout_account().is_none(), "onboarding not complete");
        s.set_connect(ConnectAccount {
            account_id: "acct_1".into(),
            payouts_enabled: true,
        });
        assert_eq!(s.payout_account().unwrap().account_id, "acct_1");
        let platform = s
            .patched(SellerPatch {
                kind: Some(SellerKind::Platform),
                ..SellerPatch::default()
            })
            .unwrap();
        assert!(
            platform.payout_account().is_none(),
            "R-M2: the platform keeps its own"
        );
    }

    #[test]
    fn a_patch_changes_only_what_it_names() {
        let org = OrgId::from_uuid(Uuid::from_u128(9));
        let s = new_seller("A").into_seller(id(), now()).unwrap();
        let p = s
            .patched(SellerPatch {
                fee_rate: Some(dec!(0.10)),
                org_id: Some(Some(org)),
                ..SellerPatch::default()
            })
            .unwrap();
        assert_eq!(p.fee_rate().value(), dec!(0.10));
        assert!(p.is_managed_by(org));
        assert_eq!(p.name(), "A");
        let detached = p
            .patched(SellerPatch {
                org_id: Some(None),
                ..SellerPatch::default()
            })
            .unwrap();
        assert_eq!(detached.org_id(), None);
        assert_eq!(
            s.patched(SellerPatch {
                name: Some(String::new()),
                ..SellerPatch::default()
            })
            .unwrap_err()[0]
                .field,
            "name"
        );
    }
}
