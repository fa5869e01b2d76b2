//! The listings store on SQLite and PostgreSQL (as the app role, with the platform pool
//! for moderators): a seller's rows are its org's only, a decision saves once, the queue
//! is oldest first, notices newest first, opt-in choices round-trip, and a published
//! bundle names its org.

use chrono::Duration;
use marketplace_domain::ids::{BundleId, OrgId, SellerId, UserId};
use marketplace_domain::item::ItemRef;
use marketplace_domain::paging::PageRequest;
use marketplace_domain::ports::RepoError;
use marketplace_domain::seller::{
    PayoutSettings, Seller, SellerName, SellerParts, SellerRepository,
};
use marketplace_listings::content::{ListingContent, Published, ServiceProposal};
use marketplace_listings::listing::{Notes, NoticeId, Outcome};
use marketplace_listings::opt_in::OptIn;
use marketplace_listings::ports::{ListingRepository, Notice};
use marketplace_listings::seller::Registration;
use marketplace_listings::{Listing, ListingId, ListingStatus};
use marketplace_sea_orm::SeaOrmStore;
use marketplace_testkit::builders::t0;
use rust_decimal::dec;
use uuid::Uuid;

use crate::fixtures::org;
use crate::support::TestDb;

/// A third-party seller managed by `org`.
pub async fn seller_of(store: &SeaOrmStore, org: OrgId) -> SellerId {
    let id = SellerId::from_uuid(Uuid::new_v4());
    let seller = Seller::restore(SellerParts {
        id,
        name: SellerName::parse(&format!("Seller of {org}")).unwrap(),
        kind: marketplace_domain::revenue::SellerKind::ThirdParty,
        fee_rate: marketplace_domain::revenue::FeeRate::DEFAULT,
        org_id: Some(org),
        connect: None,
        payout: PayoutSettings::default(),
        created_at: t0(),
    });
    SellerRepository::upsert(store, &seller).await.unwrap();
    id
}

fn service(title: &str) -> ListingContent {
    ListingContent::Service(ServiceProposal {
        title: title.into(),
        category: "Photography".into(),
        description: "Twenty photos".into(),
        price: dec!(250.00),
        currency: "USD".into(),
        allow_quotes: true,
    })
}

/// A seller of `org` with a profile, a draft, a notice and opt-in choices: a row in each
/// listings table.
pub async fn listings_of(store: &SeaOrmStore, org: OrgId) -> (SellerId, Listing) {
    let seller = seller_of(store, org).await;
    let profile = Registration {
        display_name: "Brightlane".into(),
        description: "Photos".into(),
        website: Some("https://brightlane.example".into()),
        support_email: "help@brightlane.example".into(),
    }
    .into_profile(seller, org)
    .unwrap();
    store.save_profile(&profile).await.unwrap();
    let listing = Listing::draft(
        ListingId::from_uuid(Uuid::new_v4()),
        seller,
        org,
        service("Listing photos"),
        t0(),
    );
    ListingRepository::insert(store, &listing).await.unwrap();
    store
        .notify(&Notice {
            id: NoticeId::from_uuid(Uuid::new_v4()),
            org_id: org,
            listing_id: listing.id(),
            title: "Listing photos".into(),
            outcome: Outcome::Rejected,
            notes: Some("Add samples".into()),
            at: t0(),
        })
        .await
        .unwrap();
    store
        .set_opt_in(org, seller, &OptIn::new(false, []))
        .await
        .unwrap();
    (seller, listing)
}

async fn a_seller_reads_and_changes_its_own_listings_only(db: &TestDb) {
    let store = db.store();
    let a = org(&store, "0").await;
    let b = org(&store, "0").await;
    let (_, listing) = listings_of(&store, a).await;
    assert_eq!(
        ListingRepository::get(&store, a, listing.id())
            .await
            .unwrap(),
        Some(listing.clone())
    );
    assert_eq!(
        ListingRepository::get(&store, b, listing.id())
            .await
            .unwrap(),
        None
    );
    assert!(
        ListingRepository::of_org(&store, b)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        ListingRepository::of_org(&store, a).await.unwrap(),
        vec![listing.clone()]
    );
    assert!(store.notices(b).await.unwrap().is_empty());
    assert_eq!(
        store.notices(a).await.unwrap()[0].notes.as_deref(),
        Some("Add samples")
    );
    assert_eq!(store.profile(b).await.unwrap(), None);
    assert_eq!(
        store.profile(a).await.unwrap().unwrap().display_name(),
        "Brightlane"
    );
    assert_eq!(store.opt_in(a).await.unwrap(), Some(OptIn::new(false, [])));
    assert_eq!(store.opt_in(b).await.unwrap(), None);
}

async fn a_decision_saves_once_and_the_queue_is_oldest_first(db: &TestDb) {
    let store = db.store();
    let a = org(&store, "0").await;
    let (seller, first) = listings_of(&store, a).await;
    let mut first = first;
    first.submit(vec![], true, t0()).unwrap();
    store.save(&first, ListingStatus::Draft).await.unwrap();
    let mut second = Listing::draft(
        ListingId::from_uuid(Uuid::new_v4()),
        seller,
        a,
        service("Drone video"),
        t0(),
    );
    ListingRepository::insert(&store, &second).await.unwrap();
    second
        .submit(vec![], true, t0() + Duration::hours(1))
        .unwrap();
    store.save(&second, ListingStatus::Draft).await.unwrap();
    let queue = store
        .queue(ListingStatus::Submitted, PageRequest::default())
        .await
        .unwrap();
    let ids: Vec<ListingId> = queue.items.iter().map(Listing::id).collect();
    assert_eq!(ids, [first.id(), second.id()]);
    assert_eq!(queue.total, 2);

    let moderator = UserId::from_uuid(Uuid::new_v4());
    let mut approved = store.find(first.id()).await.unwrap().unwrap();
    approved
        .approve(
            moderator,
            Notes::parse(Some("ok")).unwrap(),
            Published::Service(Uuid::new_v4()),
            t0(),
        )
        .unwrap();
    store
        .save(&approved, ListingStatus::Submitted)
        .await
        .unwrap();
    assert_eq!(
        ListingRepository::get(&store, a, first.id()).await.unwrap(),
        Some(approved.clone()),
        "the decision round-trips"
    );
    // A second moderator deciding on the stale copy changes nothing.
    let mut late = first.clone();
    late.reject(moderator, Notes::parse(Some("no")).unwrap(), t0())
        .unwrap();
    assert!(matches!(
        store.save(&late, ListingStatus::Submitted).await,
        Err(RepoError::Stale(_))
    ));
    assert_eq!(
        store.find(first.id()).await.unwrap().unwrap().status(),
        ListingStatus::Published
    );
    let bundle = BundleId::from_uuid(Uuid::new_v4());
    let mut b = second.clone();
    b.approve(moderator, None, Published::Bundle(bundle), t0())
        .unwrap();
    store.save(&b, ListingStatus::Submitted).await.unwrap();
    assert_eq!(store.bundle_owner(bundle).await.unwrap(), Some(a));
    assert_eq!(
        store
            .bundle_owner(BundleId::from_uuid(Uuid::new_v4()))
            .await
            .unwrap(),
        None
    );
    let choice = OptIn::new(true, [(ItemRef::Bundle(bundle), false)]);
    store.set_opt_in(a, seller, &choice).await.unwrap();
    assert_eq!(store.opt_in(a).await.unwrap(), Some(choice));
}

async fn names_are_taken_without_regard_to_case(db: &TestDb) {
    let store = db.store();
    let s = crate::fixtures::seller(&store).await;
    let t = crate::fixtures::tool(&store, s, "10.00").await;
    let upper = t.name.as_str().to_uppercase();
    assert!(store.catalog_name_taken(&upper, None).await.unwrap());
    assert!(
        !store.catalog_name_taken(&upper, Some(t.id)).await.unwrap(),
        "an edit keeps its own name"
    );
    assert!(
        !store
            .catalog_name_taken("No Such Tool Anywhere", None)
            .await
            .unwrap()
    );
}

macro_rules! both {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    let db = super::TestDb::sqlite().await;
                    super::$name(&db).await;
                    db.finish().await;
                }
            )+
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    let Some(db) = super::TestDb::postgres(concat!("listings_", stringify!($name))).await else { return };
                    super::$name(&db).await;
                    db.finish().await;
                }
            )+
        }
    };
}

/// R-G5: the in-memory catalog withholds what a seller does not offer, sees this
/// replica's choice at once and another writer's (raw SQL here) within the poll, through
/// the opt-in trigger on the catalog version.
async fn r_g5_the_catalog_copy_withholds_what_a_seller_does_not_offer(db: &TestDb) {
    use marketplace_domain::catalog::CatalogReadModel;
    use sea_orm::ConnectionTrait;

    let store = db.store();
    let a = org(&store, "0").await;
    let seller = seller_of(&store, a).await;
    let tool = crate::fixtures::tool(&store, seller, "10.00").await;
    let other = crate::fixtures::tool(&store, crate::fixtures::seller(&store).await, "5.00").await;
    let poll = std::time::Duration::from_millis(300);
    let memory = marketplace_sea_orm::MemoryCatalog::new(store.clone(), poll);
    let item = ItemRef::Tool(tool.id);
    assert_eq!(memory.snapshot().await.unwrap().withheld(item), None);

    let choice = OptIn::new(true, [(item, false)]);
    store.set_opt_in(a, seller, &choice).await.unwrap();
    let copy = memory.snapshot().await.unwrap();
    assert_eq!(
        copy.withheld(item),
        Some(a),
        "this replica's choice, at once"
    );
    assert_eq!(copy.withheld(ItemRef::Tool(other.id)), None);

    let raw = db.owner.as_ref().unwrap_or(&db.app).connection();
    raw.execute_unprepared("UPDATE seller_opt_ins SET products = '[]'")
        .await
        .unwrap();
    tokio::time::sleep(poll + std::time::Duration::from_millis(50)).await;
    assert_eq!(
        memory.snapshot().await.unwrap().withheld(item),
        None,
        "another writer's choice, within the poll"
    );
    raw.execute_unprepared("UPDATE seller_opt_ins SET enabled = NOT enabled")
        .await
        .unwrap();
    tokio::time::sleep(poll + std::time::Duration::from_millis(50)).await;
    let copy = memory.snapshot().await.unwrap();
    assert_eq!(copy.withheld(item), Some(a), "opted out globally");
    assert_eq!(
        copy.withheld(ItemRef::Tool(other.id)),
        None,
        "another seller's"
    );
}

both!(
    r_g5_the_catalog_copy_withholds_what_a_seller_does_not_offer,
    a_seller_reads_and_changes_its_own_listings_only,
    a_decision_saves_once_and_the_queue_is_oldest_first,
    names_are_taken_without_regard_to_case,
);
