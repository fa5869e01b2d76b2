//! Checkout, orders and fulfilment (R-O*): a cart becomes one order at snapshot prices,
//! and a confirmed payment fulfils it exactly once.

mod plan;
mod ports;
mod service;
mod settlement;

#[cfg(test)]
mod service_tests;

pub use crate::order::{
    IdempotencyKey, IllegalTransition, InvalidOrder, LinePlan, Order, OrderLine, OrderParts,
    OrderRuleError, OrderStatus, PaymentRef, fingerprint, fingerprint_with_plans,
};
pub use crate::payment::{PaymentError, PaymentMethod};
pub use plan::{FulfilmentPlan, PlanError, plan_fulfilment, renews_every};
pub use ports::{
    KeyedOrder, OrderRepository, Payment, PaymentGateway, PaymentRequest, PaymentState,
    PlacedOrder, SubscriptionRequest,
};
#[cfg(any(test, feature = "mocks"))]
pub use ports::{MockOrderRepository, MockPaymentGateway};
pub use service::{CheckoutError, CheckoutPorts, CheckoutService};
pub use settlement::{Confirmation, Settlement};
