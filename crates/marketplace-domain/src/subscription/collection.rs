//! How a subscription's renewals are collected (R-B6), and what must be asked of the
//! payment provider when a subscription stops renewing or ends (R-B8).

use std::fmt;

use crate::payment::PaymentMethod;

use super::SubscriptionError;

/// The payment provider's id of a card subscription (Stripe's `sub_...`): 1 to 255
/// printable ASCII characters without spaces, otherwise opaque.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ProviderRef(String);

impl ProviderRef {
    /// # Errors
    /// [`SubscriptionError::InvalidProviderRef`] for an empty, over-long or spaced id.
    pub fn parse(id: &str) -> Result<Self, SubscriptionError> {
        if (1..=255).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_graphic()) {
            Ok(Self(id.to_owned()))
        } else {
            Err(SubscriptionError::InvalidProviderRef)
        }
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ProviderRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Who collects the renewals. A card subscription is renewed by the payment provider and
/// known there by its [`ProviderRef`] (absent until the provider has created it); credits
/// and invoices are renewed by the engine itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Collection {
    Card { subscription: Option<ProviderRef> },
    PlatformCredits,
    Invoice,
}

impl Collection {
    #[must_use]
    pub const fn method(&self) -> PaymentMethod {
        match self {
            Self::Card { .. } => PaymentMethod::CreditCard,
            Self::PlatformCredits => PaymentMethod::PlatformCredits,
            Self::Invoice => PaymentMethod::Invoice,
        }
    }

    /// The provider's subscription, for a card subscription the provider has created.
    #[must_use]
    pub const fn provider_ref(&self) -> Option<&ProviderRef> {
        match self {
            Self::Card { subscription } => subscription.as_ref(),
            Self::PlatformCredits | Self::Invoice => None,
        }
    }

    /// What the provider must do when renewing stops at the period's end.
    pub(super) fn stop_renewing(&self) -> ProviderAction {
        self.provider_ref().map_or(ProviderAction::Nothing, |r| {
            ProviderAction::StopRenewing(r.clone())
        })
    }

    /// What the provider must do when renewing resumes.
    pub(super) fn resume_renewing(&self) -> ProviderAction {
        self.provider_ref().map_or(ProviderAction::Nothing, |r| {
            ProviderAction::ResumeRenewing(r.clone())
        })
    }

    /// What the provider must do when the subscription ends now (R-B8).
    pub(super) fn cancel_now(&self) -> ProviderAction {
        self.provider_ref().map_or(ProviderAction::Nothing, |r| {
            ProviderAction::CancelNow(r.clone())
        })
    }
}

/// What to ask of the payment provider after a move, so that it never charges for a
/// subscription the marketplace has stopped or ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProviderAction {
    /// Nothing: the provider holds no subscription of it (credits, invoices, or a card
    /// subscription the provider has not created yet).
    Nothing,
    /// Do not renew at the period's end (auto-renew off; access stays until then).
    StopRenewing(ProviderRef),
    /// Renew again at the period's end (undoes [`ProviderAction::StopRenewing`]).
    ResumeRenewing(ProviderRef),
    /// Cancel at once, so nothing is ever charged again (R-B8).
    CancelNow(ProviderRef),
}
