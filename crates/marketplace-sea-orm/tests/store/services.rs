//! The services store (R-X1..R-X5) through its use cases, on SQLite and PostgreSQL: a
//! transaction's payment, refund and completion with their postings, invoice numbers per
//! provider, threads seen by their two parties only, ratings counted once approved.

use std::sync::Arc;

use async_trait::async_trait;
use marketplace_domain::access::{Actor, OrgRole, PlatformRole};
use marketplace_domain::ids::{OrgId, SellerId, UserId};
use marketplace_domain::money::Money;
use marketplace_domain::paging::PageRequest;
use marketplace_domain::payment::{PaymentError, PaymentMethod};
use marketplace_domain::ports::UuidV7Ids;
use marketplace_domain::revenue::{Account, FeeRate, SellerKind, balance};
use marketplace_domain::review::{Decision, Rating};
use marketplace_domain::seller::{
    PayoutSettings, Seller, SellerName, SellerParts, SellerRepository,
};
use marketplace_sea_orm::SeaOrmStore;
use marketplace_services::listing::{ServiceContent, ServicePrice};
use marketplace_services::ports::{Charge, ChargeRequest, ServicePayments, ServicesStore, Viewer};
use marketplace_services::provider::{PaymentMode, ProviderProfile};
use marketplace_services::service::{ServicesError, ServicesService};
use marketplace_services::text::{
    BusinessName, Location, MessageBody, ProviderDescription, ServiceCategory, ServiceDescription,
    ServiceTitle,
};
use marketplace_services::transaction::{Request, TransactionStatus};
use marketplace_testkit::builders::{t0, usd};
use marketplace_testkit::fakes::FixedClock;

use crate::fixtures::org;
use crate::support::TestDb;

/// Card payments are not taken in these tests: the store's side is the same for all.
struct NoCards;

#[async_trait]
impl ServicePayments for NoCards {
    async fn charge(&self, _: &ChargeRequest) -> Result<Charge, PaymentError> {
        Err(PaymentError::Configuration("no cards here".into()))
    }
    async fn refund(&self, _: &str, _: Money, _: &str) -> Result<(), PaymentError> {
        Err(PaymentError::Configuration("no cards here".into()))
    }
    async fn cancel(&self, _: &str) -> Result<(), PaymentError> {
        Ok(())
    }
}

pub(crate) fn service(store: &SeaOrmStore) -> ServicesService {
    ServicesService::new(
        Arc::new(store.clone()),
        Arc::new(NoCards),
        Arc::new(FixedClock::at(t0())),
        Arc::new(UuidV7Ids),
    )
}

pub(crate) fn actor(org: OrgId, org_role: OrgRole, platform_role: PlatformRole) -> Actor {
    Actor {
        user_id: UserId::from_uuid(uuid::Uuid::new_v4()),
        org_id: org,
        org_role,
        platform_role,
    }
}

fn owner(org: OrgId) -> Actor {
    actor(org, OrgRole::Owner, PlatformRole::User)
}

fn moderator() -> Actor {
    actor(
        OrgId::from_uuid(uuid::Uuid::new_v4()),
        OrgRole::Member,
        PlatformRole::Admin,
    )
}

fn content(price: &str) -> ServiceContent {
    ServiceContent {
        title: ServiceTitle::parse("Dog grooming").unwrap(),
        category: ServiceCategory::parse("grooming").unwrap(),
        description: ServiceDescription::parse("Wash, cut and nails").unwrap(),
        price: ServicePrice::new(usd(price)).unwrap(),
        allow_quotes: true,
    }
}

/// A third-party seller managed by a new org, made a provider: its org and seller.
pub(crate) async fn provider(store: &SeaOrmStore) -> (OrgId, SellerId) {
    let org_id = org(store, "0").await;
    let seller = Seller::restore(SellerParts {
        id: SellerId::from_uuid(uuid::Uuid::new_v4()),
        name: SellerName::parse(&format!("Provider {org_id}")).unwrap(),
        kind: SellerKind::ThirdParty,
        fee_rate: FeeRate::DEFAULT,
        org_id: Some(org_id),
        connect: None,
        payout: PayoutSettings::default(),
        created_at: t0(),
    });
    SellerRepository::upsert(store, &seller).await.unwrap();
    let profile = ProviderProfile {
        business_name: BusinessName::parse("Happy Paws").unwrap(),
        description: ProviderDescription::parse("Grooming and training").unwrap(),
        location: Location::parse("Lyon").unwrap(),
        payment_mode: PaymentMode::StripeConnect,
    };
    service(store)
        .register_provider(&owner(org_id), profile)
        .await
        .unwrap();
    (org_id, seller.id())
}

/// Rows in every services table naming `a`: as a provider (a draft and a published
/// listing, a transaction bought by another org with its thread, messages and posting)
/// and as a buyer (a completed, rated transaction with another provider, an enquiry).
pub(crate) async fn services_of(store: &SeaOrmStore, a: OrgId) {
    use marketplace_domain::seller::SellerRepository;
    let s = service(store);
    let a_seller = SellerRepository::of_org(store, a).await.unwrap();
    if a_seller.is_none() {
        let seller = Seller::restore(SellerParts {
            id: SellerId::from_uuid(uuid::Uuid::new_v4()),
            name: SellerName::parse(&format!("Provider {a}")).unwrap(),
            kind: SellerKind::ThirdParty,
            fee_rate: FeeRate::DEFAULT,
            org_id: Some(a),
            connect: None,
            payout: PayoutSettings::default(),
            created_at: t0(),
        });
        SellerRepository::upsert(store, &seller).await.unwrap();
    }
    let profile = ProviderProfile {
        business_name: BusinessName::parse("A's services").unwrap(),
        description: ProviderDescription::parse("Training").unwrap(),
        location: Location::parse("Paris").unwrap(),
        payment_mode: PaymentMode::StripeConnect,
    };
    let a_provider = s.register_provider(&owner(a), profile).await.unwrap();
    s.draft_listing(&owner(a), content("30.00")).await.unwrap();
    let mine = s
        .publish_approved(&moderator(), a_provider.seller_id(), content("40.00"))
        .await
        .unwrap();
    // Another org buys from A.
    let c = org(store, "100.00").await;
    let t = s
        .start(&owner(c), mine.id(), Request::default())
        .await
        .unwrap();
    s.invoice(&owner(a), t.id()).await.unwrap();
    s.pay(&owner(c), t.id(), PaymentMethod::PlatformCredits)
        .await
        .unwrap();
    s.post(&owner(c), t.id(), MessageBody::parse("Thanks").unwrap())
        .await
        .unwrap();
    // A buys from another provider, completes, rates and enquires.
    let (d, d_seller) = provider(store).await;
    let theirs = s
        .publish_approved(&moderator(), d_seller, content("25.00"))
        .await
        .unwrap();
    marketplace_domain::org::OrgRepository::grant_credits(store, a, usd("25.00"))
        .await
        .unwrap();
    let bought = s
        .start(&owner(a), theirs.id(), Request::default())
        .await
        .unwrap();
    s.invoice(&owner(d), bought.id()).await.unwrap();
    s.pay(&owner(a), bought.id(), PaymentMethod::PlatformCredits)
        .await
        .unwrap();
    s.complete(&owner(d), bought.id()).await.unwrap();
    s.post(&owner(a), bought.id(), MessageBody::parse("Great").unwrap())
        .await
        .unwrap();
    s.rate(&owner(a), bought.id(), Rating::new(5).unwrap(), None)
        .await
        .unwrap();
    s.enquire(
        &owner(a),
        theirs.id(),
        MessageBody::parse("Weekends?").unwrap(),
    )
    .await
    .unwrap();
}

async fn a_transaction_runs_its_course_through_the_store(db: TestDb) {
    let store = db.store();
    let s = service(&store);
    let (p_org, p_seller) = provider(&store).await;
    let buyer = org(&store, "100.00").await;
    let stranger = org(&store, "100.00").await;
    let listing = s
        .publish_approved(&moderator(), p_seller, content("45.00"))
        .await
        .unwrap();
    let found = s
        .browse(&owner(stranger), Some("GROOM"), PageRequest::default())
        .await
        .unwrap();
    assert!(found.items.iter().any(|o| o.listing.id() == listing.id()));

    let t = s
        .start(&owner(buyer), listing.id(), Request::default())
        .await
        .unwrap();
    let first = s.invoice(&owner(p_org), t.id()).await.unwrap();
    let t2 = s
        .start(&owner(buyer), listing.id(), Request::default())
        .await
        .unwrap();
    let second = s.invoice(&owner(p_org), t2.id()).await.unwrap();
    assert_eq!(
        (
            first.invoice().unwrap().number.sequence(),
            second.invoice().unwrap().number.sequence()
        ),
        (1, 2)
    );
    s.pay(&owner(buyer), t.id(), PaymentMethod::PlatformCredits)
        .await
        .unwrap();
    s.complete(&owner(p_org), t.id()).await.unwrap();
    let admin = actor(stranger, OrgRole::Owner, PlatformRole::Admin);
    let refunded = s.refund(&admin, t.id(), Some(usd("10.00"))).await.unwrap();
    assert_eq!(refunded.status(), TransactionStatus::PartiallyRefunded);
    let stored = ServicesStore::transaction(&store, Viewer::Org(buyer), t.id())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored, refunded);

    let postings = ServicesStore::postings_of(&store, Viewer::Platform, t.id())
        .await
        .unwrap();
    assert_eq!(postings.len(), 2);
    let entries: Vec<_> = postings.iter().flat_map(|p| p.entries().iter()).collect();
    let of = |a: Account| balance(entries.iter().copied(), &a, usd("0").currency());
    assert_eq!(of(Account::BuyerPayments), usd("45.00"));
    assert_eq!(of(Account::Refunds), usd("-10.00"));
    assert_eq!(
        of(Account::PlatformRevenue).amount() + of(Account::SellerPayable(p_seller)).amount(),
        usd("-35.00").amount()
    );

    // Another org: not found everywhere; the two parties see it.
    assert!(matches!(
        s.transaction(&owner(stranger), t.id()).await,
        Err(ServicesError::NotFound)
    ));
    assert!(matches!(
        s.messages(&owner(stranger), t.id(), PageRequest::default())
            .await,
        Err(ServicesError::NotFound)
    ));
    s.post(
        &owner(buyer),
        t.id(),
        MessageBody::parse("See you").unwrap(),
    )
    .await
    .unwrap();
    let view = s.transaction(&owner(p_org), t.id()).await.unwrap();
    assert_eq!(view.unread, 1);
    let page = s
        .messages(&owner(p_org), t.id(), PageRequest::default())
        .await
        .unwrap();
    assert_eq!(page.messages.items.len(), 1);
    assert_eq!(
        s.transaction(&owner(p_org), t.id()).await.unwrap().unread,
        0
    );

    // R-X5: a rating counts once approved.
    let rating = s
        .rate(&owner(buyer), t.id(), Rating::new(4).unwrap(), None)
        .await
        .unwrap();
    assert!(matches!(
        s.rate(&owner(buyer), t.id(), Rating::new(4).unwrap(), None)
            .await,
        Err(ServicesError::AlreadyRated)
    ));
    assert_eq!(
        ServicesStore::provider_score(&store, p_seller)
            .await
            .unwrap()
            .review_count,
        0
    );
    s.moderate_rating(&moderator(), rating.id, Decision::Approve)
        .await
        .unwrap();
    let score = ServicesStore::provider_score(&store, p_seller)
        .await
        .unwrap();
    assert_eq!(score.review_count, 1);
    db.finish().await;
}

#[tokio::test]
async fn r_x3_a_transaction_runs_its_course_through_the_store_on_sqlite() {
    a_transaction_runs_its_course_through_the_store(TestDb::sqlite().await).await;
}

#[tokio::test]
async fn r_x3_a_transaction_runs_its_course_through_the_store_on_postgres() {
    if let Some(db) = TestDb::postgres("services_course").await {
        a_transaction_runs_its_course_through_the_store(db).await;
    }
}

/// R-X2 and R-X4 in SQL: the category filter beside the words, the same approval
/// published twice as one service, and each party's list of enquiry threads (nobody
/// else's), under row-level security on PostgreSQL.
async fn searches_and_enquiries_through_the_store(db: TestDb) {
    let store = db.store();
    let s = service(&store);
    let (p_org, p_seller) = provider(&store).await;
    let buyer = org(&store, "0").await;
    let stranger = org(&store, "0").await;
    let id = marketplace_services::ids::ServiceListingId::from_uuid(uuid::Uuid::new_v4());
    for _ in 0..2 {
        s.publish_approved_as(&moderator(), id, p_seller, content("45.00"))
            .await
            .unwrap();
    }
    let page = PageRequest::default();
    let search = |words, category| marketplace_services::ports::ServiceSearch { words, category };
    let ids = |found: marketplace_domain::paging::Page<marketplace_services::service::Offer>| {
        found.items.iter().filter(|o| o.listing.id() == id).count()
    };
    let who = owner(stranger);
    assert_eq!(
        ids(s
            .search(&who, search(None, Some("GROOMING")), page)
            .await
            .unwrap()),
        1
    );
    assert_eq!(
        ids(s
            .search(&who, search(Some("nails"), Some("grooming")), page)
            .await
            .unwrap()),
        1
    );
    assert_eq!(
        ids(s
            .search(&who, search(None, Some("groom")), page)
            .await
            .unwrap()),
        0
    );
    assert_eq!(
        ids(s
            .search(&who, search(Some("piano"), None), page)
            .await
            .unwrap()),
        0
    );

    let asked = s
        .enquire(&owner(buyer), id, MessageBody::parse("Cats too?").unwrap())
        .await
        .unwrap();
    let theirs = s.enquiries(&owner(p_org), page).await.unwrap();
    assert_eq!(theirs.total, 1);
    assert_eq!(theirs.items[0].thread.id(), asked.thread_id);
    assert_eq!(theirs.items[0].unread, 1, "one unread");
    s.reply(
        &owner(p_org),
        asked.thread_id,
        MessageBody::parse("Yes").unwrap(),
    )
    .await
    .unwrap();
    let mine = s.enquiries(&owner(buyer), page).await.unwrap();
    assert_eq!((mine.total, mine.items[0].unread), (1, 1));
    assert_eq!(s.enquiries(&owner(stranger), page).await.unwrap().total, 0);
    assert!(matches!(
        s.reply(
            &owner(stranger),
            asked.thread_id,
            MessageBody::parse("hi").unwrap()
        )
        .await,
        Err(ServicesError::NotFound)
    ));
    db.finish().await;
}

#[tokio::test]
async fn r_x4_searches_and_enquiries_through_the_store_on_sqlite() {
    searches_and_enquiries_through_the_store(TestDb::sqlite().await).await;
}

#[tokio::test]
async fn r_x4_searches_and_enquiries_through_the_store_on_postgres() {
    if let Some(db) = TestDb::postgres("services_enquiries").await {
        searches_and_enquiries_through_the_store(db).await;
    }
}
