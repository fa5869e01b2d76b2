//! The few fields the adapter reads from Stripe's objects. Everything else is ignored,
//! and every field is optional where some API version (localstripe speaks 2017-08-15;
//! Stripe moved fields in 2025-03-31) lacks it, so one parser reads them all.

use serde::Deserialize;
use serde_json::Value;

/// A PaymentIntent.
#[derive(Debug, Deserialize)]
pub(crate) struct PaymentIntent {
    pub id: String,
    pub status: String,
    #[serde(default)]
    pub client_secret: Option<String>,
    #[serde(default)]
    pub last_payment_error: Option<LastPaymentError>,
    /// The customer the card is saved to (an id, or the customer when expanded).
    #[serde(default)]
    pub customer: Option<Value>,
    /// The card that paid (an id, or the payment method when expanded).
    #[serde(default)]
    pub payment_method: Option<Value>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct LastPaymentError {
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub decline_code: Option<String>,
}

impl LastPaymentError {
    /// The most specific code: the bank's decline code, else Stripe's error code.
    pub fn best_code(&self) -> Option<String> {
        self.decline_code.clone().or_else(|| self.code.clone())
    }
}

/// A Refund.
#[derive(Debug, Deserialize)]
pub(crate) struct Refund {
    pub id: String,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub failure_reason: Option<String>,
}

/// Any object of which only the id matters (customer, plan, product).
#[derive(Debug, Deserialize)]
pub(crate) struct Created {
    pub id: String,
}

/// A Subscription, in any API version's shape.
#[derive(Debug, Deserialize)]
pub(crate) struct Subscription {
    pub id: String,
    pub status: String,
    #[serde(default)]
    pub cancel_at_period_end: bool,
    /// On the subscription before 2025-03-31.
    #[serde(default)]
    pub current_period_end: Option<i64>,
    /// Since 2025-03-31 the period lives on each item.
    #[serde(default)]
    pub items: Option<ItemList>,
    /// An id, or the invoice itself when expanded.
    #[serde(default)]
    pub latest_invoice: Option<Value>,
    #[serde(default)]
    pub customer: Option<Value>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct ItemList {
    #[serde(default)]
    pub data: Vec<SubscriptionItem>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct SubscriptionItem {
    #[serde(default)]
    pub current_period_end: Option<i64>,
}

impl Subscription {
    /// The end of the current period, wherever this API version keeps it.
    pub fn period_end(&self) -> Option<i64> {
        self.current_period_end.or_else(|| {
            self.items
                .as_ref()
                .and_then(|items| items.data.iter().filter_map(|i| i.current_period_end).max())
        })
    }

    /// The client secret of the latest invoice's PaymentIntent, when it was expanded.
    pub fn latest_invoice_client_secret(&self) -> Option<String> {
        self.latest_invoice
            .as_ref()?
            .get("payment_intent")?
            .get("client_secret")?
            .as_str()
            .map(str::to_owned)
    }

    pub fn latest_invoice_id(&self) -> Option<String> {
        match self.latest_invoice.as_ref()? {
            Value::String(id) => Some(id.clone()),
            other => other.get("id")?.as_str().map(str::to_owned),
        }
    }

    pub fn customer_id(&self) -> Option<String> {
        id_of(self.customer.as_ref()?)
    }
}

/// An id from a field that holds either the id or the expanded object.
pub(crate) fn id_of(value: &Value) -> Option<String> {
    match value {
        Value::String(id) => Some(id.clone()),
        other => other.get("id")?.as_str().map(str::to_owned),
    }
}
