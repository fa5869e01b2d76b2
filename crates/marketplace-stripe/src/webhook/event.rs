//! Stripe's event payloads, read into [`StripeEvent`]s.
//!
//! Parsing reads the few fields the marketplace needs and tolerates every other field and
//! every API version seen so far: localstripe's 2017-08-15 payloads, the 2024 shapes, and
//! the 2025-03-31 ones (where an invoice's subscription moved under
//! `parent.subscription_details` and a subscription's period onto its items).

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;
use uuid::Uuid;

use crate::gateway::SubscriptionStatus;
use crate::wire::{self, id_of};

/// A verified event, reduced to what the marketplace acts on.
#[derive(Clone, Debug, PartialEq)]
pub struct StripeEvent {
    /// `evt_…`: record it with the event's effect, so a redelivery changes nothing.
    pub id: String,
    /// Unix seconds when Stripe created the event (events may arrive in any order).
    pub created: i64,
    /// Stripe's type, e.g. `payment_intent.succeeded`.
    pub event_type: String,
    /// The API version the payload was rendered with, if stated.
    pub api_version: Option<String>,
    pub livemode: bool,
    pub data: EventData,
}

/// What an event says, per type.
#[derive(Clone, Debug, PartialEq)]
pub enum EventData {
    /// `payment_intent.succeeded`: the card payment of an order is taken.
    PaymentIntentSucceeded {
        intent_id: String,
        /// `metadata[order_id]`, when it holds a UUID.
        order_id: Option<Uuid>,
        /// `metadata[org_id]`, when it holds a UUID.
        org_id: Option<Uuid>,
        /// `amount_received` (or `amount`), to check against the order's total.
        amount_minor: Option<i64>,
        /// Lower-case, as Stripe writes it.
        currency: Option<String>,
    },
    /// `payment_intent.payment_failed`: the card was refused.
    PaymentIntentFailed {
        intent_id: String,
        order_id: Option<Uuid>,
        org_id: Option<Uuid>,
        /// `last_payment_error.decline_code`, else its `code`.
        decline_code: Option<String>,
    },
    /// `charge.refunded`: some or all of a charge was refunded.
    ChargeRefunded {
        charge_id: String,
        /// Absent on charges made without an intent (and on old payloads).
        payment_intent: Option<String>,
        /// The total refunded so far (cumulative, not this refund alone).
        amount_refunded_minor: i64,
        /// The charge's amount, when stated.
        amount_minor: Option<i64>,
        currency: String,
        /// Whether the charge is now refunded in full.
        fully_refunded: bool,
    },
    /// `invoice.paid` or `invoice.payment_succeeded` of a subscription's invoice: the
    /// first period or a renewal is paid. Stripe sends both for one invoice; act once
    /// per `invoice_id`.
    InvoicePaid {
        invoice_id: String,
        subscription_id: String,
        /// The end of the period this invoice pays for (its subscription line's
        /// `period.end`); `None` when the payload carries no line, in which case ask
        /// Stripe for the subscription's `current_period_end`.
        period_end: Option<i64>,
        amount_paid_minor: Option<i64>,
        currency: Option<String>,
        /// The payment intent that paid it (`payment_intent`, before 2025-03-31), which
        /// the charge's refunds name.
        payment_intent: Option<String>,
    },
    /// `invoice.payment_failed` of a subscription's invoice.
    InvoicePaymentFailed {
        invoice_id: String,
        subscription_id: String,
        /// When Stripe will try again, if it will.
        next_payment_attempt: Option<i64>,
    },
    /// `customer.subscription.created` or `.updated`: the subscription's state now.
    SubscriptionUpdated {
        subscription_id: String,
        cancel_at_period_end: bool,
        status: SubscriptionStatus,
        current_period_end: Option<i64>,
        metadata: BTreeMap<String, String>,
    },
    /// `customer.subscription.deleted`: it ended (at period end, or at once).
    SubscriptionDeleted {
        subscription_id: String,
        ended_at: Option<i64>,
        metadata: BTreeMap<String, String>,
    },
    /// `account.updated` of a Connect account (a seller's): whether it may receive
    /// payouts now.
    AccountUpdated {
        account_id: String,
        payouts_enabled: bool,
        /// Whether the seller finished the onboarding form.
        details_submitted: bool,
    },
    /// Any other type (including invoices of no subscription): acknowledge and ignore.
    Other { event_type: String },
}

/// Why a payload could not be read as an event.
#[derive(Debug, thiserror::Error)]
pub enum EventParseError {
    #[error("the payload is not a Stripe event: {0}")]
    Json(#[from] serde_json::Error),
    #[error("{event_type} event {event_id} has no usable {field}")]
    MissingField {
        event_id: String,
        event_type: String,
        field: &'static str,
    },
}

#[derive(Deserialize)]
struct Envelope {
    id: String,
    #[serde(rename = "type")]
    event_type: String,
    #[serde(default)]
    created: i64,
    #[serde(default)]
    api_version: Option<String>,
    #[serde(default)]
    livemode: bool,
    data: EnvelopeData,
}

#[derive(Deserialize)]
struct EnvelopeData {
    object: Value,
}

#[derive(Deserialize)]
struct IntentObject {
    id: String,
    #[serde(default)]
    amount: Option<i64>,
    #[serde(default)]
    amount_received: Option<i64>,
    #[serde(default)]
    currency: Option<String>,
    #[serde(default)]
    metadata: Metadata,
    #[serde(default)]
    last_payment_error: Option<wire::LastPaymentError>,
}

#[derive(Deserialize)]
struct ChargeObject {
    id: String,
    #[serde(default)]
    payment_intent: Option<Value>,
    #[serde(default)]
    amount: Option<i64>,
    #[serde(default)]
    amount_refunded: Option<i64>,
    #[serde(default)]
    refunded: bool,
    #[serde(default)]
    refunds: Option<RefundList>,
    currency: String,
}

#[derive(Deserialize)]
struct RefundList {
    #[serde(default)]
    data: Vec<RefundObject>,
}

#[derive(Deserialize)]
struct RefundObject {
    #[serde(default)]
    amount: i64,
    #[serde(default)]
    status: Option<String>,
}

#[derive(Deserialize)]
struct InvoiceObject {
    id: String,
    /// Before 2025-03-31: the id (or the expanded subscription).
    #[serde(default)]
    subscription: Option<Value>,
    /// Since 2025-03-31: `parent.subscription_details.subscription`.
    #[serde(default)]
    parent: Option<Value>,
    #[serde(default)]
    lines: Option<LineList>,
    #[serde(default)]
    amount_paid: Option<i64>,
    #[serde(default)]
    currency: Option<String>,
    #[serde(default)]
    next_payment_attempt: Option<i64>,
    /// The id (or the expanded intent) of the payment that paid it.
    #[serde(default)]
    payment_intent: Option<Value>,
}

#[derive(Deserialize)]
struct LineList {
    #[serde(default)]
    data: Vec<LineObject>,
}

#[derive(Deserialize)]
struct LineObject {
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    period: Option<Period>,
    #[serde(default)]
    proration: Option<bool>,
    #[serde(default)]
    subscription: Option<Value>,
    #[serde(default)]
    parent: Option<Value>,
}

#[derive(Deserialize)]
struct Period {
    #[serde(default)]
    end: Option<i64>,
}

#[derive(Deserialize)]
struct SubscriptionObject {
    id: String,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    cancel_at_period_end: bool,
    #[serde(default)]
    current_period_end: Option<i64>,
    #[serde(default)]
    items: Option<wire::ItemList>,
    #[serde(default)]
    ended_at: Option<i64>,
    #[serde(default)]
    metadata: Metadata,
}

#[derive(Deserialize)]
struct AccountObject {
    id: String,
    #[serde(default)]
    payouts_enabled: bool,
    #[serde(default)]
    details_submitted: bool,
}

/// Metadata values are strings; anything else (a null, say) is skipped.
#[derive(Default, Deserialize)]
#[serde(transparent)]
struct Metadata(Option<BTreeMap<String, Value>>);

impl Metadata {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.as_ref()?.get(key)?.as_str()
    }

    fn uuid(&self, key: &str) -> Option<Uuid> {
        self.get(key).and_then(|v| Uuid::parse_str(v.trim()).ok())
    }

    fn strings(&self) -> BTreeMap<String, String> {
        self.0
            .iter()
            .flatten()
            .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_owned())))
            .collect()
    }
}

/// Reads a verified payload. Call [`verify_signature`](super::verify_signature) on the
/// same bytes first (or let [`StripeWebhook`](super::StripeWebhook) do both).
///
/// Unknown types, and invoices of no subscription, are [`EventData::Other`], not errors.
///
/// # Errors
/// [`EventParseError::Json`] when the payload is not an event, or a handled type's
/// object lacks its id or has a field of the wrong type; [`EventParseError::MissingField`]
/// when a handled type lacks a field the marketplace cannot act without (a refund total,
/// a subscription's status).
pub fn parse_event(payload: &[u8]) -> Result<StripeEvent, EventParseError> {
    let envelope: Envelope = serde_json::from_slice(payload)?;
    let object = envelope.data.object;
    let event_type = envelope.event_type;
    let data = match event_type.as_str() {
        "payment_intent.succeeded" => {
            let intent: IntentObject = serde_json::from_value(object)?;
            EventData::PaymentIntentSucceeded {
                order_id: intent.metadata.uuid("order_id"),
                org_id: intent.metadata.uuid("org_id"),
                amount_minor: intent.amount_received.or(intent.amount),
                currency: intent.currency,
                intent_id: intent.id,
            }
        }
        "payment_intent.payment_failed" => {
            let intent: IntentObject = serde_json::from_value(object)?;
            EventData::PaymentIntentFailed {
                order_id: intent.metadata.uuid("order_id"),
                org_id: intent.metadata.uuid("org_id"),
                decline_code: intent
                    .last_payment_error
                    .as_ref()
                    .and_then(wire::LastPaymentError::best_code),
                intent_id: intent.id,
            }
        }
        "charge.refunded" => {
            let charge: ChargeObject = serde_json::from_value(object)?;
            let from_refunds = charge.refunds.as_ref().map(|list| {
                list.data
                    .iter()
                    .filter(|r| !matches!(r.status.as_deref(), Some("failed" | "canceled")))
                    .map(|r| r.amount)
                    .sum::<i64>()
            });
            let amount_refunded_minor =
                charge.amount_refunded.or(from_refunds).ok_or_else(|| {
                    EventParseError::MissingField {
                        event_id: envelope.id.clone(),
                        event_type: event_type.clone(),
                        field: "amount_refunded",
                    }
                })?;
            EventData::ChargeRefunded {
                payment_intent: charge.payment_intent.as_ref().and_then(id_of),
                fully_refunded: charge.refunded
                    || charge
                        .amount
                        .is_some_and(|a| a > 0 && amount_refunded_minor >= a),
                amount_minor: charge.amount,
                amount_refunded_minor,
                currency: charge.currency,
                charge_id: charge.id,
            }
        }
        "invoice.paid" | "invoice.payment_succeeded" | "invoice.payment_failed" => {
            let invoice: InvoiceObject = serde_json::from_value(object)?;
            match invoice_subscription(&invoice) {
                None => EventData::Other {
                    event_type: event_type.clone(),
                },
                Some(subscription_id) if event_type == "invoice.payment_failed" => {
                    EventData::InvoicePaymentFailed {
                        invoice_id: invoice.id,
                        subscription_id,
                        next_payment_attempt: invoice.next_payment_attempt,
                    }
                }
                Some(subscription_id) => EventData::InvoicePaid {
                    period_end: invoice_period_end(&invoice),
                    payment_intent: invoice.payment_intent.as_ref().and_then(id_of),
                    amount_paid_minor: invoice.amount_paid,
                    currency: invoice.currency,
                    invoice_id: invoice.id,
                    subscription_id,
                },
            }
        }
        "customer.subscription.created" | "customer.subscription.updated" => {
            let sub: SubscriptionObject = serde_json::from_value(object)?;
            let status = sub
                .status
                .as_deref()
                .ok_or_else(|| EventParseError::MissingField {
                    event_id: envelope.id.clone(),
                    event_type: event_type.clone(),
                    field: "status",
                })?;
            EventData::SubscriptionUpdated {
                status: SubscriptionStatus::parse(status),
                cancel_at_period_end: sub.cancel_at_period_end,
                current_period_end: sub.current_period_end.or_else(|| {
                    sub.items.as_ref().and_then(|items| {
                        items.data.iter().filter_map(|i| i.current_period_end).max()
                    })
                }),
                metadata: sub.metadata.strings(),
                subscription_id: sub.id,
            }
        }
        "customer.subscription.deleted" => {
            let sub: SubscriptionObject = serde_json::from_value(object)?;
            EventData::SubscriptionDeleted {
                ended_at: sub.ended_at,
                metadata: sub.metadata.strings(),
                subscription_id: sub.id,
            }
        }
        "account.updated" => {
            let account: AccountObject = serde_json::from_value(object)?;
            EventData::AccountUpdated {
                account_id: account.id,
                payouts_enabled: account.payouts_enabled,
                details_submitted: account.details_submitted,
            }
        }
        _ => EventData::Other {
            event_type: event_type.clone(),
        },
    };
    Ok(StripeEvent {
        id: envelope.id,
        created: envelope.created,
        event_type,
        api_version: envelope.api_version,
        livemode: envelope.livemode,
        data,
    })
}

/// The subscription an invoice belongs to, in any API version's shape.
fn invoice_subscription(invoice: &InvoiceObject) -> Option<String> {
    if let Some(id) = invoice.subscription.as_ref().and_then(id_of) {
        return Some(id);
    }
    if let Some(id) = invoice
        .parent
        .as_ref()
        .and_then(|p| p.get("subscription_details"))
        .and_then(|d| d.get("subscription"))
        .and_then(id_of)
    {
        return Some(id);
    }
    invoice
        .lines
        .as_ref()?
        .data
        .iter()
        .find_map(line_subscription)
}

fn line_subscription(line: &LineObject) -> Option<String> {
    line.subscription.as_ref().and_then(id_of).or_else(|| {
        line.parent
            .as_ref()?
            .get("subscription_item_details")?
            .get("subscription")
            .and_then(id_of)
    })
}

/// The end of the period an invoice pays for: the latest `period.end` among its
/// subscription lines that are not prorations.
fn invoice_period_end(invoice: &InvoiceObject) -> Option<i64> {
    invoice
        .lines
        .as_ref()?
        .data
        .iter()
        .filter(|line| is_subscription_period_line(line))
        .filter_map(|line| line.period.as_ref()?.end)
        .max()
}

/// Before 2025-03-31 a line says `type: subscription` and `proration`; since then its
/// `parent.type` is `subscription_item_details`, with `proration` inside.
fn is_subscription_period_line(line: &LineObject) -> bool {
    let details = line
        .parent
        .as_ref()
        .and_then(|p| p.get("subscription_item_details"));
    let proration = line
        .proration
        .or_else(|| details?.get("proration")?.as_bool());
    if proration == Some(true) {
        return false;
    }
    match line.kind.as_deref() {
        Some(kind) => kind == "subscription",
        None => match line.parent.as_ref().and_then(|p| p.get("type")) {
            Some(parent_type) => parent_type.as_str() == Some("subscription_item_details"),
            None => true,
        },
    }
}
