//! A payment gateway that does what it is told.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use async_trait::async_trait;
use marketplace_domain::checkout::{
    Payment, PaymentError, PaymentGateway, PaymentRef, PaymentRequest, PaymentState,
    SubscriptionRequest,
};
use marketplace_domain::money::Money;

/// What the gateway does with the next new payment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GatewayBehaviour {
    /// The payment succeeds at once (a card confirmed on the spot).
    ConfirmAtOnce,
    /// The payment waits for the buyer; flip it with [`FakePaymentGateway::settle`].
    LeavePending,
    /// The card is declined with this code.
    Decline(Option<String>),
    /// The gateway cannot be reached.
    Unavailable,
}

/// A payment the fake created.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FakePayment {
    pub reference: String,
    pub request: PaymentRequest,
    pub state: PaymentState,
}

/// A refund the fake made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FakeRefund {
    pub reference: String,
    pub amount: Money,
    pub idempotency_key: String,
}

#[derive(Debug)]
struct GatewayState {
    behaviour: GatewayBehaviour,
    payments: Vec<FakePayment>,
    by_key: HashMap<String, String>,
    refunds: Vec<FakeRefund>,
    cancels: Vec<String>,
    fail_refunds: bool,
    declined: usize,
    /// Subscriptions started, by idempotency key; `None` until enabled.
    subscriptions: Option<Vec<(String, SubscriptionRequest)>>,
    cancelled_subscriptions: Vec<String>,
    /// Subscriptions cancelled at once (R-B8).
    ended_subscriptions: Vec<String>,
    /// Payments the provider took by itself (subscription renewals): reference, amount.
    renewal_payments: Vec<(String, Money)>,
}

/// The in-memory [`PaymentGateway`]: configurable outcome, records payments, refunds and
/// cancels, and honours idempotency keys (the same key returns the same payment; a refund
/// key refunds once).
#[derive(Debug)]
pub struct FakePaymentGateway {
    state: Mutex<GatewayState>,
}

impl Default for FakePaymentGateway {
    fn default() -> Self {
        Self {
            state: Mutex::new(GatewayState {
                behaviour: GatewayBehaviour::ConfirmAtOnce,
                payments: Vec::new(),
                by_key: HashMap::new(),
                refunds: Vec::new(),
                cancels: Vec::new(),
                fail_refunds: false,
                declined: 0,
                subscriptions: None,
                cancelled_subscriptions: Vec::new(),
                ended_subscriptions: Vec::new(),
                renewal_payments: Vec::new(),
            }),
        }
    }
}

impl FakePaymentGateway {
    /// Makes the gateway renew recurring purchases itself (`subscribe` answers `sub_N`).
    pub fn enable_subscriptions(&self) {
        self.lock().subscriptions.get_or_insert_with(Vec::new);
    }

    /// The subscriptions started: (id, request).
    #[must_use]
    pub fn subscriptions(&self) -> Vec<(String, SubscriptionRequest)> {
        self.lock().subscriptions.clone().unwrap_or_default()
    }

    /// Subscriptions set to stop at their period's end.
    #[must_use]
    pub fn cancelled_subscriptions(&self) -> Vec<String> {
        self.lock().cancelled_subscriptions.clone()
    }

    /// Subscriptions cancelled at once, in order.
    #[must_use]
    pub fn ended_subscriptions(&self) -> Vec<String> {
        self.lock().ended_subscriptions.clone()
    }

    /// The provider charged a subscription's renewal: payment `reference` of `amount`
    /// succeeded, and may be refunded.
    pub fn take_renewal_payment(&self, reference: &str, amount: Money) {
        self.lock()
            .renewal_payments
            .push((reference.to_owned(), amount));
    }

    fn lock(&self) -> MutexGuard<'_, GatewayState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Sets what happens to the next new payments.
    pub fn set_behaviour(&self, behaviour: GatewayBehaviour) {
        self.lock().behaviour = behaviour;
    }

    /// New payments succeed at once (the default).
    pub fn confirm_at_once(&self) {
        self.set_behaviour(GatewayBehaviour::ConfirmAtOnce);
    }

    /// New payments stay pending.
    pub fn leave_pending(&self) {
        self.set_behaviour(GatewayBehaviour::LeavePending);
    }

    /// New payments are declined with `code`.
    pub fn decline(&self, code: &str) {
        self.set_behaviour(GatewayBehaviour::Decline(Some(code.to_owned())));
    }

    /// Refunds fail with `Unavailable` while set.
    pub fn fail_refunds(&self, fail: bool) {
        self.lock().fail_refunds = fail;
    }

    /// Moves a payment to `state` (the buyer paid, the bank refused…), as a webhook
    /// would then report.
    ///
    /// # Errors
    /// `Invalid` for an unknown reference.
    pub fn settle(&self, reference: &str, state: PaymentState) -> Result<(), PaymentError> {
        let mut s = self.lock();
        let payment = s
            .payments
            .iter_mut()
            .find(|p| p.reference == reference)
            .ok_or_else(|| PaymentError::Invalid(format!("no payment {reference}")))?;
        payment.state = state;
        Ok(())
    }

    /// Every payment created, in order.
    #[must_use]
    pub fn payments(&self) -> Vec<FakePayment> {
        self.lock().payments.clone()
    }

    /// Every refund made, in order.
    #[must_use]
    pub fn refunds(&self) -> Vec<FakeRefund> {
        self.lock().refunds.clone()
    }

    /// The references of every cancelled payment, in order.
    #[must_use]
    pub fn cancels(&self) -> Vec<String> {
        self.lock().cancels.clone()
    }

    /// How many payment attempts were declined.
    #[must_use]
    pub fn declined(&self) -> usize {
        self.lock().declined
    }

    /// What has been refunded of `reference` so far.
    fn refunded_minor(s: &GatewayState, reference: &str) -> i64 {
        s.refunds
            .iter()
            .filter(|r| r.reference == reference)
            .map(|r| r.amount.to_minor().unwrap_or(0))
            .sum()
    }
}

#[async_trait]
impl PaymentGateway for FakePaymentGateway {
    async fn create_payment(&self, request: &PaymentRequest) -> Result<Payment, PaymentError> {
        let mut s = self.lock();
        if let Some(reference) = s.by_key.get(&request.idempotency_key).cloned()
            && let Some(existing) = s.payments.iter().find(|p| p.reference == reference)
        {
            if existing.request != *request {
                return Err(PaymentError::Invalid(
                    "idempotency key reused with different parameters".into(),
                ));
            }
            return Ok(Payment {
                payment: PaymentRef {
                    reference: existing.reference.clone(),
                    client_secret: Some(format!("{}_secret", existing.reference)),
                },
                state: existing.state.clone(),
            });
        }
        let state = match s.behaviour.clone() {
            GatewayBehaviour::ConfirmAtOnce => PaymentState::Succeeded,
            GatewayBehaviour::LeavePending => PaymentState::Pending,
            GatewayBehaviour::Decline(code) => {
                s.declined += 1;
                return Err(PaymentError::Declined {
                    code,
                    message: "card declined".into(),
                });
            }
            GatewayBehaviour::Unavailable => {
                return Err(PaymentError::Unavailable("fake gateway is down".into()));
            }
        };
        let reference = format!("pi_fake_{}", s.payments.len() + 1);
        s.by_key
            .insert(request.idempotency_key.clone(), reference.clone());
        s.payments.push(FakePayment {
            reference: reference.clone(),
            request: request.clone(),
            state: state.clone(),
        });
        Ok(Payment {
            payment: PaymentRef {
                client_secret: Some(format!("{reference}_secret")),
                reference,
            },
            state,
        })
    }

    async fn payment_state(&self, reference: &str) -> Result<PaymentState, PaymentError> {
        self.lock()
            .payments
            .iter()
            .find(|p| p.reference == reference)
            .map(|p| p.state.clone())
            .ok_or_else(|| PaymentError::Invalid(format!("no payment {reference}")))
    }

    async fn refund(
        &self,
        reference: &str,
        amount: Money,
        idempotency_key: &str,
    ) -> Result<(), PaymentError> {
        let mut s = self.lock();
        if s.fail_refunds {
            return Err(PaymentError::Unavailable("fake refunds are down".into()));
        }
        if s.refunds
            .iter()
            .any(|r| r.idempotency_key == idempotency_key)
        {
            return Ok(());
        }
        let limit =
            if let Some((_, amount)) = s.renewal_payments.iter().find(|(r, _)| r == reference) {
                amount.to_minor().unwrap_or(0)
            } else {
                let paid = s
                    .payments
                    .iter()
                    .find(|p| p.reference == reference)
                    .ok_or_else(|| PaymentError::Invalid(format!("no payment {reference}")))?;
                if paid.state != PaymentState::Succeeded {
                    return Err(PaymentError::Invalid(format!(
                        "payment {reference} has not succeeded"
                    )));
                }
                paid.request.amount.to_minor().unwrap_or(0)
            };
        let wanted = amount
            .to_minor()
            .map_err(|e| PaymentError::Invalid(e.to_string()))?;
        if wanted <= 0 || Self::refunded_minor(&s, reference) + wanted > limit {
            return Err(PaymentError::Invalid(format!(
                "refund of {amount} exceeds what {reference} can refund"
            )));
        }
        s.refunds.push(FakeRefund {
            reference: reference.to_owned(),
            amount,
            idempotency_key: idempotency_key.to_owned(),
        });
        Ok(())
    }

    async fn cancel(&self, reference: &str) -> Result<(), PaymentError> {
        let mut s = self.lock();
        let payment = s
            .payments
            .iter_mut()
            .find(|p| p.reference == reference)
            .ok_or_else(|| PaymentError::Invalid(format!("no payment {reference}")))?;
        if payment.state == PaymentState::Succeeded {
            return Err(PaymentError::Invalid(format!(
                "payment {reference} already succeeded"
            )));
        }
        payment.state = PaymentState::Cancelled;
        s.cancels.push(reference.to_owned());
        Ok(())
    }

    async fn subscribe(
        &self,
        request: &SubscriptionRequest,
    ) -> Result<Option<String>, PaymentError> {
        let mut s = self.lock();
        let Some(subs) = s.subscriptions.as_mut() else {
            return Ok(None);
        };
        if let Some((id, _)) = subs
            .iter()
            .find(|(_, r)| r.idempotency_key == request.idempotency_key)
        {
            return Ok(Some(id.clone()));
        }
        let id = format!("sub_{}", subs.len() + 1);
        subs.push((id.clone(), request.clone()));
        Ok(Some(id))
    }

    async fn cancel_subscription_at_period_end(
        &self,
        subscription: &str,
    ) -> Result<(), PaymentError> {
        self.lock()
            .cancelled_subscriptions
            .push(subscription.to_owned());
        Ok(())
    }

    async fn cancel_subscription(&self, subscription: &str) -> Result<(), PaymentError> {
        let mut s = self.lock();
        if !s.ended_subscriptions.iter().any(|e| e == subscription) {
            s.ended_subscriptions.push(subscription.to_owned());
        }
        Ok(())
    }
}
