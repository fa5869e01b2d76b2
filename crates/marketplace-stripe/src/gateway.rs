//! [`StripeGateway`]: the domain's [`PaymentGateway`] over Stripe's PaymentIntents and
//! Refunds, plus the customers and subscriptions that recurring purchases need.

use std::collections::BTreeMap;

use async_trait::async_trait;
use marketplace_domain::checkout::{
    Payment, PaymentError, PaymentGateway, PaymentRef, PaymentRequest, PaymentState,
    SubscriptionRequest as RenewalRequest,
};
use marketplace_domain::ids::OrgId;
use marketplace_domain::money::{Currency, Money};
use marketplace_domain::purchase::Interval;

use crate::client::{Form, StripeClient, path_id};
use crate::config::{ApiFlavor, StripeConfig};
use crate::wire;

/// Takes card payments through Stripe PaymentIntents.
///
/// Every creating request carries an `Idempotency-Key`: the order's for a payment, the
/// caller's for a refund or a subscription, so a retry (ours, or the caller's after a
/// crash) never creates a second intent, refund or subscription at Stripe.
#[derive(Clone)]
pub struct StripeGateway {
    client: StripeClient,
}

impl std::fmt::Debug for StripeGateway {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StripeGateway")
            .field("config", self.client.config())
            .finish()
    }
}

/// A Stripe customer, created once per organization for its subscriptions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CustomerRef {
    pub id: String,
}

/// How often a subscription bills.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BillingInterval {
    Month,
    Year,
}

impl BillingInterval {
    fn as_str(self) -> &'static str {
        match self {
            Self::Month => "month",
            Self::Year => "year",
        }
    }
}

/// A subscription's status at Stripe.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SubscriptionStatus {
    /// The first invoice is not paid yet.
    Incomplete,
    /// The first invoice was never paid (23 hours); the subscription is dead.
    IncompleteExpired,
    Trialing,
    Active,
    /// A renewal payment failed; Stripe is retrying.
    PastDue,
    /// Renewal payments failed and Stripe stopped retrying, keeping it open.
    Unpaid,
    Canceled,
    Paused,
    /// A status this adapter does not know.
    Other(String),
}

impl SubscriptionStatus {
    /// Parses Stripe's status text.
    #[must_use]
    pub fn parse(status: &str) -> Self {
        match status {
            "incomplete" => Self::Incomplete,
            "incomplete_expired" => Self::IncompleteExpired,
            "trialing" => Self::Trialing,
            "active" => Self::Active,
            "past_due" => Self::PastDue,
            "unpaid" => Self::Unpaid,
            "canceled" => Self::Canceled,
            "paused" => Self::Paused,
            other => Self::Other(other.to_owned()),
        }
    }

    /// Whether the buyer is entitled now (active, trialing, or past due while Stripe
    /// still retries the renewal).
    #[must_use]
    pub fn grants_access(&self) -> bool {
        matches!(self, Self::Active | Self::Trialing | Self::PastDue)
    }
}

/// A subscription as Stripe reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubscriptionRef {
    pub id: String,
    pub status: SubscriptionStatus,
    /// Unix seconds; `None` only if Stripe's answer carried no period.
    pub current_period_end: Option<i64>,
    pub cancel_at_period_end: bool,
    pub customer: Option<String>,
    pub latest_invoice: Option<String>,
    /// The client secret of the first invoice's PaymentIntent, when the subscription
    /// awaits its first payment and Stripe returned it (the buyer confirms it like a
    /// one-off card payment).
    pub payment_client_secret: Option<String>,
}

impl From<wire::Subscription> for SubscriptionRef {
    fn from(sub: wire::Subscription) -> Self {
        Self {
            status: SubscriptionStatus::parse(&sub.status),
            current_period_end: sub.period_end(),
            cancel_at_period_end: sub.cancel_at_period_end,
            customer: sub.customer_id(),
            latest_invoice: sub.latest_invoice_id(),
            payment_client_secret: sub.latest_invoice_client_secret(),
            id: sub.id,
        }
    }
}

/// A recurring purchase to start.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubscriptionRequest {
    /// From [`StripeGateway::create_customer`].
    pub customer: String,
    /// The price per period, in minor units (cents).
    pub price_amount_minor: i64,
    pub currency: Currency,
    pub interval: BillingInterval,
    /// Shown on the buyer's invoices.
    pub product_name: String,
    /// Copied to the subscription (and its plan): e.g. `org_id`, `order_id`, `tool_id`,
    /// so webhooks can be traced back.
    pub metadata: BTreeMap<String, String>,
    /// Derived from the order, so a retry never starts a second subscription.
    pub idempotency_key: String,
    /// Unix seconds of the first charge, when the first period is already paid (sent as
    /// `trial_end`: the subscription starts `trialing` and bills nothing until then).
    /// `None` bills the first period at once.
    pub trial_end: Option<i64>,
    /// The card every invoice charges: a payment method saved to `customer` (sent as
    /// `default_payment_method`). `None` charges the customer's default. localstripe does
    /// not know the parameter; it is not sent there.
    pub default_payment_method: Option<String>,
}

impl StripeGateway {
    /// A gateway for `config`.
    ///
    /// # Errors
    /// [`PaymentError::Configuration`] when the key is empty, the API base is not an
    /// http(s) URL, or the HTTP client cannot be built.
    pub fn new(config: StripeConfig) -> Result<Self, PaymentError> {
        Ok(Self {
            client: StripeClient::new(config)?,
        })
    }

    fn flavor(&self) -> ApiFlavor {
        self.client.config().flavor
    }

    /// Creates the Stripe customer of an organization (its id goes to `metadata[org_id]`).
    /// The caller stores the returned id and reuses it.
    ///
    /// # Errors
    /// As for every call: `Configuration` (401/403), `Invalid` (other 4xx),
    /// `Unavailable` (429, 5xx, network, after the retries).
    pub async fn create_customer(
        &self,
        org_id: OrgId,
        email: Option<&str>,
    ) -> Result<CustomerRef, PaymentError> {
        let mut form: Form = vec![("metadata[org_id]".into(), org_id.to_string())];
        if let Some(email) = email {
            form.push(("email".into(), email.to_owned()));
        }
        let created: wire::Created = self.client.post("/v1/customers", &form, None).await?;
        Ok(CustomerRef { id: created.id })
    }

    /// The renewals of a recurring purchase whose first period the checkout paid: a plan
    /// for the price and interval, and a subscription whose first charge is at
    /// `first_renewal_at` (`trial_end`), each with `metadata[purchase_id]` and
    /// `metadata[org_id]` and a key derived from `request.idempotency_key`, so a retry
    /// creates none of them twice.
    ///
    /// Renewals charge the card the checkout paid with: the checkout's PaymentIntent
    /// (`request.payment_reference`, created with `save_for_renewals`) names the customer
    /// the card was saved to and the card, which become the subscription's customer and
    /// `default_payment_method`. Without a saved card (no reference, or an intent made
    /// without a customer) the purchase gets a customer of its own and no card, so its
    /// first renewal fails. localstripe keeps a subscription with `trial_end`
    /// `incomplete` (Stripe: `trialing`) and bills nothing either way.
    async fn start_renewals(
        &self,
        request: &RenewalRequest,
    ) -> Result<SubscriptionRef, PaymentError> {
        let price = positive_minor(&request.amount)?;
        let metadata: BTreeMap<String, String> = [
            ("purchase_id".to_owned(), request.purchase_id.to_string()),
            ("org_id".to_owned(), request.org_id.to_string()),
        ]
        .into();
        let (customer, card) = match self.saved_card(request).await? {
            (Some(customer), card) => (customer, card),
            (None, _) => {
                tracing::warn!(purchase_id = %request.purchase_id, payment = ?request.payment_reference, "no saved card for the renewals of a purchase; its first renewal will fail");
                let mut customer_form: Form =
                    vec![("description".into(), request.description.clone())];
                push_metadata(&mut customer_form, &metadata);
                let customer: wire::Created = self
                    .client
                    .post(
                        "/v1/customers",
                        &customer_form,
                        Some(&format!("{}-customer", request.idempotency_key)),
                    )
                    .await?;
                (customer.id, None)
            }
        };
        let sub = self
            .create_subscription(&SubscriptionRequest {
                customer,
                price_amount_minor: price,
                currency: request.amount.currency(),
                interval: match request.interval {
                    Interval::Monthly => BillingInterval::Month,
                    Interval::Annual => BillingInterval::Year,
                },
                product_name: request.description.clone(),
                metadata,
                idempotency_key: request.idempotency_key.clone(),
                trial_end: Some(request.first_renewal_at.timestamp()),
                default_payment_method: card,
            })
            .await?;
        tracing::info!(purchase_id = %request.purchase_id, subscription = %sub.id, status = ?sub.status, first_charge = %request.first_renewal_at, "stripe subscription started");
        Ok(sub)
    }

    /// The customer and the card of the checkout's payment, read from its PaymentIntent;
    /// `(None, None)` without a payment reference.
    async fn saved_card(
        &self,
        request: &RenewalRequest,
    ) -> Result<(Option<String>, Option<String>), PaymentError> {
        let Some(reference) = &request.payment_reference else {
            return Ok((None, None));
        };
        let path = format!("/v1/payment_intents/{}", path_id(reference)?);
        let intent: wire::PaymentIntent = self.client.get(&path).await?;
        let customer = intent.customer.as_ref().and_then(wire::id_of);
        let card = intent.payment_method.as_ref().and_then(wire::id_of);
        if customer.is_some() && card.is_none() {
            tracing::warn!(purchase_id = %request.purchase_id, intent = %intent.id, "the checkout's payment has no card; renewals charge the customer's default");
        }
        Ok((customer, card))
    }

    /// Starts a subscription: creates a plan (with its product inline) for the price,
    /// then the subscription on it, each under a key derived from
    /// `request.idempotency_key`. The customer must have a default payment method for
    /// the first invoice to be paid at once; otherwise the subscription starts
    /// `incomplete` and [`SubscriptionRef::payment_client_secret`] (when Stripe returns
    /// it) lets the buyer pay.
    ///
    /// # Errors
    /// `Invalid` for a non-positive price; `Declined` when the first payment is
    /// refused outright; otherwise as [`StripeGateway::create_customer`].
    pub async fn create_subscription(
        &self,
        request: &SubscriptionRequest,
    ) -> Result<SubscriptionRef, PaymentError> {
        if request.price_amount_minor <= 0 {
            return Err(PaymentError::Invalid(format!(
                "a subscription price must be positive, got {} minor units",
                request.price_amount_minor
            )));
        }
        let mut plan_form: Form = vec![
            ("amount".into(), request.price_amount_minor.to_string()),
            (
                "currency".into(),
                request.currency.code().to_ascii_lowercase(),
            ),
            ("interval".into(), request.interval.as_str().into()),
            ("product[name]".into(), request.product_name.clone()),
        ];
        push_metadata(&mut plan_form, &request.metadata);
        let plan: wire::Created = self
            .client
            .post(
                "/v1/plans",
                &plan_form,
                Some(&format!("{}-plan", request.idempotency_key)),
            )
            .await?;

        // A plan is a price to Stripe (a plan id is accepted as a price id); localstripe
        // only knows the older `plan` parameter.
        let item_key = match self.flavor() {
            ApiFlavor::Stripe => "items[0][price]",
            ApiFlavor::Localstripe => "items[0][plan]",
        };
        let mut form: Form = vec![
            ("customer".into(), request.customer.clone()),
            (item_key.into(), plan.id),
            ("expand[]".into(), "latest_invoice.payment_intent".into()),
        ];
        if let Some(trial_end) = request.trial_end {
            form.push(("trial_end".into(), trial_end.to_string()));
        }
        // localstripe 1.15 refuses `default_payment_method` ("Unexpected"); it never
        // renews anyway.
        if let (Some(card), ApiFlavor::Stripe) = (&request.default_payment_method, self.flavor()) {
            form.push(("default_payment_method".into(), card.clone()));
        }
        push_metadata(&mut form, &request.metadata);
        let sub: wire::Subscription = self
            .client
            .post(
                "/v1/subscriptions",
                &form,
                Some(&format!("{}-subscription", request.idempotency_key)),
            )
            .await?;
        Ok(sub.into())
    }

    /// Stops renewal: the subscription stays active until its period ends, then Stripe
    /// deletes it (`customer.subscription.deleted`).
    ///
    /// # Errors
    /// `Invalid` for an unknown subscription; otherwise as
    /// [`StripeGateway::create_customer`].
    pub async fn cancel_subscription_at_period_end(
        &self,
        subscription_id: &str,
    ) -> Result<SubscriptionRef, PaymentError> {
        let path = format!("/v1/subscriptions/{}", path_id(subscription_id)?);
        let form: Form = vec![("cancel_at_period_end".into(), "true".into())];
        // One key per subscription: the request is idempotent anyway, and a retry after
        // a crash replays the first answer.
        let key = format!("subscription-{subscription_id}-cancel-at-period-end");
        let sub: wire::Subscription = self.client.post(&path, &form, Some(&key)).await?;
        Ok(sub.into())
    }

    /// R-B8: cancels the subscription at once (`DELETE /v1/subscriptions/{id}`), so it
    /// never charges again. One already cancelled counts as done: Stripe refuses a second
    /// cancellation, so a refusal is checked against the subscription's status.
    ///
    /// # Errors
    /// `Invalid` for an unknown subscription or one Stripe will not cancel; otherwise as
    /// [`StripeGateway::create_customer`].
    pub async fn cancel_subscription_now(
        &self,
        subscription_id: &str,
    ) -> Result<SubscriptionRef, PaymentError> {
        let path = format!("/v1/subscriptions/{}", path_id(subscription_id)?);
        match self.client.delete::<wire::Subscription>(&path).await {
            Ok(sub) => Ok(sub.into()),
            Err(PaymentError::Invalid(why)) => {
                let current = self.get_subscription(subscription_id).await?;
                if current.status == SubscriptionStatus::Canceled {
                    Ok(current)
                } else {
                    Err(PaymentError::Invalid(why))
                }
            }
            Err(e) => Err(e),
        }
    }

    /// The subscription as Stripe has it now (for reconciliation).
    ///
    /// # Errors
    /// `Invalid` for an unknown subscription; otherwise as
    /// [`StripeGateway::create_customer`].
    pub async fn get_subscription(
        &self,
        subscription_id: &str,
    ) -> Result<SubscriptionRef, PaymentError> {
        let path = format!("/v1/subscriptions/{}", path_id(subscription_id)?);
        let sub: wire::Subscription = self.client.get(&path).await?;
        Ok(sub.into())
    }
}

fn push_metadata(form: &mut Form, metadata: &BTreeMap<String, String>) {
    for (key, value) in metadata {
        form.push((format!("metadata[{key}]"), value.clone()));
    }
}

/// Minor units of a positive amount, as Stripe wants them.
fn positive_minor(amount: &Money) -> Result<i64, PaymentError> {
    let minor = amount
        .to_minor()
        .map_err(|e| PaymentError::Invalid(format!("amount {amount}: {e}")))?;
    if minor <= 0 {
        return Err(PaymentError::Invalid(format!(
            "amount must be positive, got {amount}"
        )));
    }
    Ok(minor)
}

/// Where an intent stands, in the domain's terms.
///
/// `requires_payment_method` after a failed attempt (it carries `last_payment_error`)
/// is `Failed`: the card was refused. Stripe would let the buyer try another card on
/// the same intent, but the marketplace fails the order and a new checkout makes a new
/// intent.
fn intent_state(intent: &wire::PaymentIntent) -> PaymentState {
    match intent.status.as_str() {
        "succeeded" => PaymentState::Succeeded,
        "canceled" => PaymentState::Cancelled,
        "requires_payment_method" => match &intent.last_payment_error {
            Some(error) => PaymentState::Failed {
                code: error.best_code(),
            },
            None => PaymentState::Pending,
        },
        "requires_confirmation" | "requires_action" | "processing" | "requires_capture" => {
            PaymentState::Pending
        }
        other => {
            tracing::warn!(intent = %intent.id, status = other, "unknown PaymentIntent status; treated as pending");
            PaymentState::Pending
        }
    }
}

#[async_trait]
impl PaymentGateway for StripeGateway {
    /// With `save_for_renewals`, the payment gets a customer of its own first (key
    /// `<key>-customer`) and the intent saves the card to it for off-session charges
    /// (`setup_future_usage=off_session`; not sent to localstripe, which refuses it), so
    /// the order's subscriptions can charge that card.
    async fn create_payment(&self, request: &PaymentRequest) -> Result<Payment, PaymentError> {
        let amount = positive_minor(&request.amount)?;
        let mut form: Form = vec![
            ("amount".into(), amount.to_string()),
            (
                "currency".into(),
                request.amount.currency().code().to_ascii_lowercase(),
            ),
            ("payment_method_types[]".into(), "card".into()),
        ];
        if request.save_for_renewals {
            let customer_form: Form = vec![
                ("metadata[org_id]".into(), request.org_id.to_string()),
                ("metadata[order_id]".into(), request.order_id.to_string()),
            ];
            let customer: wire::Created = self
                .client
                .post(
                    "/v1/customers",
                    &customer_form,
                    Some(&format!("{}-customer", request.idempotency_key)),
                )
                .await?;
            form.push(("customer".into(), customer.id));
            if self.flavor() == ApiFlavor::Stripe {
                form.push(("setup_future_usage".into(), "off_session".into()));
            }
        }
        form.push(("metadata[order_id]".into(), request.order_id.to_string()));
        form.push(("metadata[org_id]".into(), request.org_id.to_string()));
        match self.flavor() {
            ApiFlavor::Stripe => form.push(("description".into(), request.description.clone())),
            ApiFlavor::Localstripe => {
                form.push(("metadata[description]".into(), request.description.clone()));
            }
        }
        let intent: wire::PaymentIntent = self
            .client
            .post("/v1/payment_intents", &form, Some(&request.idempotency_key))
            .await?;
        tracing::info!(order_id = %request.order_id, intent = %intent.id, status = %intent.status, "stripe payment intent created");
        Ok(Payment {
            state: intent_state(&intent),
            payment: PaymentRef {
                reference: intent.id,
                client_secret: intent.client_secret,
            },
        })
    }

    async fn payment_state(&self, reference: &str) -> Result<PaymentState, PaymentError> {
        let path = format!("/v1/payment_intents/{}", path_id(reference)?);
        let intent: wire::PaymentIntent = self.client.get(&path).await?;
        Ok(intent_state(&intent))
    }

    async fn refund(
        &self,
        reference: &str,
        amount: Money,
        idempotency_key: &str,
    ) -> Result<(), PaymentError> {
        let minor = positive_minor(&amount)?;
        let form: Form = vec![
            ("payment_intent".into(), path_id(reference)?.to_owned()),
            ("amount".into(), minor.to_string()),
        ];
        let refund: wire::Refund = self
            .client
            .post("/v1/refunds", &form, Some(idempotency_key))
            .await?;
        match refund.status.as_deref() {
            Some("failed" | "canceled") => Err(PaymentError::Invalid(format!(
                "refund {} {}: {}",
                refund.id,
                refund.status.as_deref().unwrap_or_default(),
                refund
                    .failure_reason
                    .as_deref()
                    .unwrap_or("no reason given")
            ))),
            _ => {
                tracing::info!(intent = reference, refund = %refund.id, %amount, "stripe refund created");
                Ok(())
            }
        }
    }

    async fn cancel(&self, reference: &str) -> Result<(), PaymentError> {
        let path = format!("/v1/payment_intents/{}/cancel", path_id(reference)?);
        let intent: wire::PaymentIntent = self.client.post(&path, &Form::new(), None).await?;
        tracing::info!(intent = %intent.id, status = %intent.status, "stripe payment intent cancelled");
        Ok(())
    }

    async fn subscribe(&self, request: &RenewalRequest) -> Result<Option<String>, PaymentError> {
        Ok(Some(self.start_renewals(request).await?.id))
    }

    async fn cancel_subscription_at_period_end(
        &self,
        subscription: &str,
    ) -> Result<(), PaymentError> {
        let sub = StripeGateway::cancel_subscription_at_period_end(self, subscription).await?;
        tracing::info!(subscription = %sub.id, period_end = ?sub.current_period_end, "stripe subscription set to cancel at period end");
        Ok(())
    }

    async fn cancel_subscription(&self, subscription: &str) -> Result<(), PaymentError> {
        let sub = StripeGateway::cancel_subscription_now(self, subscription).await?;
        tracing::info!(subscription = %sub.id, "stripe subscription cancelled");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn intent(status: &str, error: Option<(&str, Option<&str>)>) -> wire::PaymentIntent {
        wire::PaymentIntent {
            id: "pi_1".into(),
            status: status.into(),
            client_secret: None,
            customer: None,
            payment_method: None,
            last_payment_error: error.map(|(code, decline)| wire::LastPaymentError {
                code: Some(code.into()),
                decline_code: decline.map(str::to_owned),
            }),
        }
    }

    #[test]
    fn intent_statuses_map_to_payment_states() {
        for pending in [
            "requires_payment_method",
            "requires_confirmation",
            "requires_action",
            "processing",
            "requires_capture",
            "something_new",
        ] {
            assert_eq!(
                intent_state(&intent(pending, None)),
                PaymentState::Pending,
                "{pending}"
            );
        }
        assert_eq!(
            intent_state(&intent("succeeded", None)),
            PaymentState::Succeeded
        );
        assert_eq!(
            intent_state(&intent("canceled", None)),
            PaymentState::Cancelled
        );
        assert_eq!(
            intent_state(&intent(
                "requires_payment_method",
                Some(("card_declined", Some("insufficient_funds")))
            )),
            PaymentState::Failed {
                code: Some("insufficient_funds".into())
            }
        );
        assert_eq!(
            intent_state(&intent(
                "requires_payment_method",
                Some(("card_declined", None))
            )),
            PaymentState::Failed {
                code: Some("card_declined".into())
            }
        );
    }

    #[test]
    fn subscription_status_parses_and_says_who_is_entitled() {
        assert_eq!(
            SubscriptionStatus::parse("active"),
            SubscriptionStatus::Active
        );
        assert_eq!(
            SubscriptionStatus::parse("weird"),
            SubscriptionStatus::Other("weird".into())
        );
        assert!(SubscriptionStatus::PastDue.grants_access());
        assert!(!SubscriptionStatus::Canceled.grants_access());
        assert!(!SubscriptionStatus::Incomplete.grants_access());
    }
}
