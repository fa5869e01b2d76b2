//! R-X1: a provider is a seller that offers services, with a business name, description,
//! location and payment mode.

use marketplace_domain::revenue::{SellerKind, SellerTerms};
use marketplace_kernel::ids::{OrgId, SellerId};

use crate::text::{BusinessName, Location, PaymentInstructions, ProviderDescription};

/// How a provider is paid for its services (R-X1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PaymentMode {
    /// Buyers pay by card through the platform; the provider's share reaches its connected
    /// payout account (destination charge or separate transfer).
    StripeConnect,
    /// The provider has no connected account: buyers pay by invoice following these
    /// instructions, and a platform admin marks the invoice paid.
    Manual { instructions: PaymentInstructions },
}

impl PaymentMode {
    /// The stored label: `STRIPE_CONNECT` or `MANUAL`.
    #[must_use]
    pub const fn label(&self) -> &'static str {
        match self {
            Self::StripeConnect => "STRIPE_CONNECT",
            Self::Manual { .. } => "MANUAL",
        }
    }

    /// Whether buyers may pay this provider by card.
    #[must_use]
    pub const fn takes_cards(&self) -> bool {
        matches!(self, Self::StripeConnect)
    }
}

/// What a provider tells buyers about itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProviderProfile {
    pub business_name: BusinessName,
    pub description: ProviderDescription,
    pub location: Location,
    pub payment_mode: PaymentMode,
}

/// Why a seller cannot be a provider.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ProviderError {
    /// The platform's own seller is never paid out, so it offers no services (R-X1).
    #[error("the platform's own seller cannot be a provider")]
    PlatformSeller,
}

/// A seller's provider profile (R-X1). The fee terms are the seller's (R-M2), so a service
/// is split exactly as a tool of the same seller would be (R-M3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Provider {
    terms: SellerTerms,
    org_id: OrgId,
    profile: ProviderProfile,
}

impl Provider {
    /// Makes the seller of `terms`, managed by `org_id`, a provider.
    ///
    /// # Errors
    /// [`ProviderError::PlatformSeller`] for the platform's own seller.
    pub fn new(
        terms: SellerTerms,
        org_id: OrgId,
        profile: ProviderProfile,
    ) -> Result<Self, ProviderError> {
        if terms.kind == SellerKind::Platform {
            return Err(ProviderError::PlatformSeller);
        }
        Ok(Self {
            terms,
            org_id,
            profile,
        })
    }

    /// Replaces the profile; the seller and its terms stay.
    pub fn update(&mut self, profile: ProviderProfile) {
        self.profile = profile;
    }

    #[must_use]
    pub const fn seller_id(&self) -> SellerId {
        self.terms.seller_id
    }

    #[must_use]
    pub const fn terms(&self) -> SellerTerms {
        self.terms
    }

    /// The org whose members act for the provider.
    #[must_use]
    pub const fn org_id(&self) -> OrgId {
        self.org_id
    }

    #[must_use]
    pub const fn profile(&self) -> &ProviderProfile {
        &self.profile
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use marketplace_domain::revenue::FeeRate;
    use uuid::Uuid;

    fn terms(kind: SellerKind) -> SellerTerms {
        SellerTerms {
            seller_id: SellerId::from_uuid(Uuid::from_u128(1)),
            kind,
            fee_rate: FeeRate::DEFAULT,
        }
    }

    fn profile(payment_mode: PaymentMode) -> ProviderProfile {
        ProviderProfile {
            business_name: BusinessName::parse("  Happy Paws ").unwrap(),
            description: ProviderDescription::parse("Grooming and training").unwrap(),
            location: Location::parse("Lyon").unwrap(),
            payment_mode,
        }
    }

    #[test]
    fn r_x1_a_provider_is_a_third_party_seller_with_a_profile() {
        let org = OrgId::from_uuid(Uuid::from_u128(9));
        let provider = Provider::new(
            terms(SellerKind::ThirdParty),
            org,
            profile(PaymentMode::StripeConnect),
        )
        .unwrap();
        assert_eq!(
            provider.seller_id(),
            SellerId::from_uuid(Uuid::from_u128(1))
        );
        assert_eq!(provider.org_id(), org);
        assert_eq!(provider.profile().business_name.as_str(), "Happy Paws");
        assert!(provider.profile().payment_mode.takes_cards());

        assert_eq!(
            Provider::new(
                terms(SellerKind::Platform),
                org,
                profile(PaymentMode::StripeConnect)
            ),
            Err(ProviderError::PlatformSeller)
        );
    }

    #[test]
    fn r_x1_manual_mode_carries_instructions_and_takes_no_cards() {
        let manual = PaymentMode::Manual {
            instructions: PaymentInstructions::parse("IBAN FR76 ...").unwrap(),
        };
        assert_eq!(manual.label(), "MANUAL");
        assert!(!manual.takes_cards());
        assert_eq!(PaymentMode::StripeConnect.label(), "STRIPE_CONNECT");
        assert!(PaymentInstructions::parse("   ").is_err());
        assert!(BusinessName::parse(&"x".repeat(201)).is_err());
    }
}
