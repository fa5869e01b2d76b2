//! Card payments for service transactions over the payment gateway the tool checkout
//! uses: one charge path, one gateway, one webhook. The platform takes the whole card
//! payment and the provider's payout reaches it as a separate transfer: the sale credits
//! the provider's seller payable (R-X3), which the monthly payout run pays out through
//! Stripe Connect like any seller's (see ADR 0020). A MANUAL provider takes no card at all
//! (R-X1), which the transaction refuses before calling here.

use std::sync::Arc;

use async_trait::async_trait;
use marketplace_domain::checkout::{PaymentGateway, PaymentRequest};
use marketplace_domain::ids::OrderId;
use marketplace_domain::money::Money;
use marketplace_domain::payment::PaymentError;
use marketplace_services::ports::{Charge, ChargeRequest, ServicePayments};

/// [`ServicePayments`] through a [`PaymentGateway`].
#[derive(Clone)]
#[allow(missing_debug_implementations)]
pub struct GatewayServicePayments {
    gateway: Arc<dyn PaymentGateway>,
}

impl GatewayServicePayments {
    pub fn new(gateway: Arc<dyn PaymentGateway>) -> Self {
        Self { gateway }
    }
}

#[async_trait]
impl ServicePayments for GatewayServicePayments {
    async fn charge(&self, request: &ChargeRequest) -> Result<Charge, PaymentError> {
        // The gateway's payment names what it pays by id; a transaction's id is as unique
        // as an order's, and the webhook finds the transaction by the payment's reference.
        let payment = self
            .gateway
            .create_payment(&PaymentRequest {
                order_id: OrderId::from_uuid(request.transaction_id.as_uuid()),
                org_id: request.buyer_org,
                amount: request.amount,
                idempotency_key: request.idempotency_key.clone(),
                description: request.description.clone(),
                save_for_renewals: false,
            })
            .await?;
        Ok(Charge {
            reference: payment.payment.reference,
            state: payment.state,
        })
    }

    async fn refund(
        &self,
        reference: &str,
        amount: Money,
        idempotency_key: &str,
    ) -> Result<(), PaymentError> {
        self.gateway
            .refund(reference, amount, idempotency_key)
            .await
    }

    async fn cancel(&self, reference: &str) -> Result<(), PaymentError> {
        self.gateway.cancel(reference).await
    }
}
