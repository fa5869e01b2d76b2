//! A payment gateway that takes no money: every card payment succeeds at once. It exists
//! so the embedded demo can run a full checkout with no network and no keys; never use it
//! in production (the application refuses to).

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;
use marketplace_domain::checkout::{
    Payment, PaymentError, PaymentGateway, PaymentRef, PaymentRequest, PaymentState,
};
use marketplace_domain::money::Money;

/// Confirms card payments at once, and remembers them so refunds and state queries
/// answer consistently for the life of the process.
#[derive(Debug, Default)]
pub struct OfflineGateway {
    payments: Mutex<HashMap<String, PaymentState>>,
}

impl OfflineGateway {
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait]
impl PaymentGateway for OfflineGateway {
    async fn create_payment(&self, request: &PaymentRequest) -> Result<Payment, PaymentError> {
        let reference = format!("offline_{}", request.idempotency_key);
        self.payments
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(reference.clone(), PaymentState::Succeeded);
        tracing::info!(
            order_id = %request.order_id,
            amount = %request.amount,
            "offline payment gateway: card payment confirmed at once (no money moved)"
        );
        Ok(Payment {
            payment: PaymentRef {
                client_secret: Some(format!("{reference}_secret")),
                reference,
            },
            state: PaymentState::Succeeded,
        })
    }

    async fn payment_state(&self, reference: &str) -> Result<PaymentState, PaymentError> {
        Ok(self
            .payments
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(reference)
            .cloned()
            .unwrap_or(PaymentState::Succeeded))
    }

    async fn refund(&self, reference: &str, amount: Money, _key: &str) -> Result<(), PaymentError> {
        tracing::info!(reference, %amount, "offline payment gateway: refund recorded (no money moved)");
        Ok(())
    }

    async fn cancel(&self, reference: &str) -> Result<(), PaymentError> {
        self.payments
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(reference.to_owned(), PaymentState::Cancelled);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use marketplace_domain::ids::{OrderId, OrgId};
    use marketplace_domain::money::Currency;
    use uuid::Uuid;

    #[tokio::test]
    async fn confirms_at_once_and_remembers_cancellations() {
        let gw = OfflineGateway::new();
        let request = PaymentRequest {
            order_id: OrderId::from_uuid(Uuid::from_u128(1)),
            org_id: OrgId::from_uuid(Uuid::from_u128(2)),
            amount: Money::from_minor(4_999, Currency::USD),
            idempotency_key: "order-1".into(),
            description: "test".into(),
            save_for_renewals: false,
        };
        let payment = gw.create_payment(&request).await.unwrap();
        assert_eq!(payment.state, PaymentState::Succeeded);
        assert_eq!(payment.payment.reference, "offline_order-1");
        assert_eq!(
            gw.payment_state("offline_order-1").await.unwrap(),
            PaymentState::Succeeded
        );
        gw.cancel("offline_order-1").await.unwrap();
        assert_eq!(
            gw.payment_state("offline_order-1").await.unwrap(),
            PaymentState::Cancelled
        );
    }
}
