//! What a verified Stripe event means to the marketplace: the one place where Stripe's
//! event types become domain facts (payment, refund, renewal and subscription events for
//! the payment events use case, account changes for the seller's Connect account).

use chrono::DateTime;
use marketplace_domain::money::{Currency, Money};
use marketplace_domain::payment_events::{PaymentEvent, ReceivedEvent};
use marketplace_domain::seller::ConnectAccount;

use super::event::{EventData, StripeEvent};

/// Stripe's type for a connected account's change.
const ACCOUNT_UPDATED: &str = "account.updated";

/// What a verified Stripe event asks of the marketplace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Translated {
    /// A payment, refund, renewal or subscription fact for the payment events use case,
    /// under Stripe's event id so that a redelivery applies nothing twice.
    Payment(ReceivedEvent),
    /// A seller's connected account changed: whether it may receive payouts now.
    AccountUpdated {
        event_id: String,
        account: ConnectAccount,
    },
    /// Nothing the marketplace acts on (another type, a payment that is no order's, a
    /// currency code it cannot read): acknowledge it and change nothing.
    Irrelevant {
        event_id: String,
        event_type: String,
    },
}

impl Translated {
    /// Stripe's event id (`evt_…`).
    #[must_use]
    pub fn event_id(&self) -> &str {
        match self {
            Self::Payment(received) => &received.id,
            Self::AccountUpdated { event_id, .. } | Self::Irrelevant { event_id, .. } => event_id,
        }
    }

    /// Stripe's event type, e.g. `payment_intent.succeeded`.
    #[must_use]
    pub fn event_type(&self) -> &str {
        match self {
            Self::Payment(received) => &received.kind,
            Self::AccountUpdated { .. } => ACCOUNT_UPDATED,
            Self::Irrelevant { event_type, .. } => event_type,
        }
    }
}

impl From<StripeEvent> for Translated {
    fn from(event: StripeEvent) -> Self {
        let StripeEvent {
            id,
            event_type,
            data,
            ..
        } = event;
        match data {
            EventData::AccountUpdated {
                account_id,
                payouts_enabled,
                ..
            } => Self::AccountUpdated {
                event_id: id,
                account: ConnectAccount {
                    account_id,
                    payouts_enabled,
                },
            },
            data => match payment_event(data) {
                Some(event) => Self::Payment(ReceivedEvent {
                    id,
                    kind: event_type,
                    event,
                }),
                None => Self::Irrelevant {
                    event_id: id,
                    event_type,
                },
            },
        }
    }
}

/// The payment fact an event states, when the marketplace acts on it.
fn payment_event(data: EventData) -> Option<PaymentEvent> {
    match data {
        // A payment intent without an order is not a checkout's (a subscription invoice's,
        // say): nothing to fulfil or fail.
        EventData::PaymentIntentSucceeded {
            intent_id,
            order_id: Some(_),
            ..
        } => Some(PaymentEvent::PaymentSucceeded {
            reference: intent_id,
        }),
        EventData::PaymentIntentFailed {
            intent_id,
            order_id: Some(_),
            decline_code,
            ..
        } => Some(PaymentEvent::PaymentFailed {
            reference: intent_id,
            code: decline_code,
        }),
        // Stripe writes currencies in lower case; a code that is not one cannot be an
        // order's currency.
        EventData::ChargeRefunded {
            payment_intent: Some(reference),
            amount_refunded_minor,
            currency,
            ..
        } => {
            let currency = Currency::parse(&currency.to_uppercase()).ok()?;
            Some(PaymentEvent::Refunded {
                reference,
                total_refunded: Money::from_minor(amount_refunded_minor, currency),
            })
        }
        // Without a readable period end the purchase renews by one period of its own.
        EventData::InvoicePaid {
            subscription_id,
            period_end,
            amount_paid_minor,
            currency,
            payment_intent,
            ..
        } => Some(PaymentEvent::RenewalPaid {
            subscription: subscription_id,
            paid_until: period_end.and_then(|secs| DateTime::from_timestamp(secs, 0)),
            amount: amount_paid_minor.zip(currency).and_then(|(minor, code)| {
                Currency::parse(&code.to_uppercase())
                    .ok()
                    .map(|c| Money::from_minor(minor, c))
            }),
            payment: payment_intent,
        }),
        EventData::InvoicePaymentFailed {
            subscription_id, ..
        } => Some(PaymentEvent::RenewalFailed {
            subscription: subscription_id,
        }),
        EventData::SubscriptionUpdated {
            subscription_id,
            cancel_at_period_end,
            ..
        } => Some(PaymentEvent::SubscriptionChanged {
            subscription: subscription_id,
            cancel_at_period_end,
        }),
        EventData::SubscriptionDeleted {
            subscription_id, ..
        } => Some(PaymentEvent::SubscriptionEnded {
            subscription: subscription_id,
        }),
        EventData::PaymentIntentSucceeded { .. }
        | EventData::PaymentIntentFailed { .. }
        | EventData::ChargeRefunded { .. }
        | EventData::AccountUpdated { .. }
        | EventData::Other { .. } => None,
    }
}
