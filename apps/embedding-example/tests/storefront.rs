//! The team's unit tests of its own code, against the domain's mocked ports (feature
//! `mocks`): each mock says which calls the storefront may make, so a test also proves what
//! it does not touch.

use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use embedding_example::{BuyNowError, Storefront};
use marketplace_domain::access::{Actor, OrgRole, PlatformRole};
use marketplace_domain::audit::MockAuditLog;
use marketplace_domain::cart::{CartError, MockCartRepository};
use marketplace_domain::catalog::MockCatalogRepository;
use marketplace_domain::checkout::{CheckoutPorts, MockOrderRepository, MockPaymentGateway};
use marketplace_domain::entitlement::{
    Entitlement, EntitlementSource, Holdings, MockHoldingsRepository,
};
use marketplace_domain::ids::{EntitlementId, OrgId, PurchaseId, ToolId, UserId};
use marketplace_domain::org::MockOrgRepository;
use marketplace_domain::ports::{MockClock, MockIdGenerator};
use uuid::Uuid;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap()
}

fn actor(role: OrgRole) -> Actor {
    Actor {
        user_id: UserId::from_uuid(Uuid::from_u128(1)),
        org_id: OrgId::from_uuid(Uuid::from_u128(2)),
        org_role: role,
        platform_role: PlatformRole::User,
    }
}

fn tool() -> ToolId {
    ToolId::from_uuid(Uuid::from_u128(3))
}

/// Ports whose mocks expect nothing but what `holdings` allows: any other call panics.
fn storefront(holdings: MockHoldingsRepository) -> Storefront {
    let mut clock = MockClock::new();
    clock.expect_now().return_const(now());
    Storefront::new(CheckoutPorts {
        orders: Arc::new(MockOrderRepository::new()),
        carts: Arc::new(MockCartRepository::new()),
        catalog: Arc::new(MockCatalogRepository::new()),
        orgs: Arc::new(MockOrgRepository::new()),
        holdings: Arc::new(holdings),
        payments: Arc::new(MockPaymentGateway::new()),
        audit: Arc::new(MockAuditLog::new()),
        clock: Arc::new(clock),
        ids: Arc::new(MockIdGenerator::new()),
    })
}

fn holding(tools: &[ToolId]) -> MockHoldingsRepository {
    let actor = actor(OrgRole::Owner);
    let entitlements: Vec<Entitlement> = tools
        .iter()
        .enumerate()
        .map(|(n, tool)| Entitlement {
            id: EntitlementId::from_uuid(Uuid::from_u128(100 + n as u128)),
            org_id: actor.org_id,
            tool_id: *tool,
            purchase_id: PurchaseId::from_uuid(Uuid::from_u128(200 + n as u128)),
            source: EntitlementSource::Purchase,
            granted_at: now(),
            until: None,
            ended_at: None,
        })
        .collect();
    let mut holdings = MockHoldingsRepository::new();
    holdings
        .expect_holdings()
        .withf(move |org, at| *org == actor.org_id && *at == now())
        .times(1)
        .returning(move |_, at| Ok(Holdings::new(Vec::new(), &entitlements, at)));
    holdings
}

#[tokio::test]
async fn buy_now_refuses_a_held_tool_before_touching_the_cart() {
    let store = storefront(holding(&[tool()]));

    let err = store
        .buy_now(&actor(OrgRole::Owner), tool(), "buy-1")
        .await
        .unwrap_err();

    assert!(matches!(err, BuyNowError::AlreadyHeld), "{err:?}");
}

#[tokio::test]
async fn buy_now_passes_the_domains_refusal_through_unchanged() {
    // A viewer may look but not use the cart (the domain's permission matrix): the cart
    // refuses before reading any port, and the storefront says so as it is.
    let store = storefront(holding(&[]));

    let err = store
        .buy_now(&actor(OrgRole::Viewer), tool(), "buy-2")
        .await
        .unwrap_err();

    assert!(
        matches!(err, BuyNowError::Cart(CartError::Forbidden(_))),
        "{err:?}"
    );
}

#[tokio::test]
async fn buy_now_checks_the_key_before_anything_else() {
    let store = storefront(MockHoldingsRepository::new());

    let err = store
        .buy_now(&actor(OrgRole::Owner), tool(), "")
        .await
        .unwrap_err();

    assert!(matches!(err, BuyNowError::InvalidKey(_)), "{err:?}");
}

#[tokio::test]
async fn holds_is_the_domains_answer() {
    let store = storefront(holding(&[tool()]));
    assert!(store.holds(&actor(OrgRole::Member), tool()).await.unwrap());
}
