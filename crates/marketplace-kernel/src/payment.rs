//! How a payment is made and what a payment provider reports, shared by every context that
//! takes or sends money.

/// How an order is paid (ACH is not offered).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PaymentMethod {
    /// Through the payment gateway; the order waits for the gateway's confirmation.
    CreditCard,
    /// Waits until a platform admin marks it paid.
    Invoice,
    /// Debited from the org's credits in the checkout's own transaction.
    PlatformCredits,
}
crate::labelled!(PaymentMethod, "payment method", {
    CreditCard => "CREDIT_CARD", Invoice => "INVOICE", PlatformCredits => "PLATFORM_CREDITS",
});

/// What the gateway reports.
#[derive(Debug, thiserror::Error)]
pub enum PaymentError {
    /// The card or bank refused; `code` is the provider's decline code.
    #[error("payment declined")]
    Declined {
        code: Option<String>,
        message: String,
    },
    /// The gateway is misconfigured (keys); retrying will not help.
    #[error("payment gateway misconfigured: {0}")]
    Configuration(String),
    /// The gateway refused the request as invalid.
    #[error("payment request refused: {0}")]
    Invalid(String),
    /// The gateway could not be reached or failed; retrying later may help.
    #[error("payment gateway unavailable")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
}
