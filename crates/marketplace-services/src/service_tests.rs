//! The use cases over an in-memory store and payment gateway.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use marketplace_domain::checkout::PaymentState;
use marketplace_domain::revenue::{Account, FeeRate, Posting, SellerTerms, balance};
use marketplace_domain::review::{Decision, Rating, RatingSummary};
use marketplace_kernel::access::{Actor, OrgRole, PlatformRole};
use marketplace_kernel::clock::{Clock, IdGenerator};
use marketplace_kernel::ids::{OrgId, SellerId};
use marketplace_kernel::money::{Currency, Money};
use marketplace_kernel::paging::{Page, PageRequest};
use marketplace_kernel::payment::{PaymentError, PaymentMethod};
use marketplace_kernel::store::{Conflict, RepoError};
use uuid::Uuid;

use crate::fixtures::*;
use crate::ids::{ProviderRatingId, ServiceListingId, ThreadId, TransactionId};
use crate::listing::{ListingStatus, ServiceListing};
use crate::ports::{
    Charge, ChargeRequest, CreditMove, ServicePayments, ServiceSearch, ServicesStore,
    TransactionWrite, Viewer,
};

/// What row-level security lets `viewer` see of a row naming two orgs.
fn sees(viewer: Viewer, buyer: OrgId, provider: OrgId) -> bool {
    match viewer {
        Viewer::Platform => true,
        Viewer::Org(org) => org == buyer || org == provider,
    }
}
use crate::provider::{PaymentMode, Provider};
use crate::rating::{ProviderRating, RatingStatus, provider_score};
use crate::service::{ServicesError, ServicesService};
use crate::text::MessageBody;
use crate::thread::{Message, Party, Reader, Subject, Thread};
use crate::transaction::{
    InvoiceNumber, Move, Request, Transaction, TransactionError, TransactionStatus,
};

#[derive(Default)]
struct State {
    sellers: HashMap<OrgId, SellerTerms>,
    providers: HashMap<SellerId, Provider>,
    listings: Vec<ServiceListing>,
    transactions: Vec<Transaction>,
    invoice_numbers: HashMap<SellerId, u32>,
    postings: HashMap<TransactionId, Vec<Posting>>,
    credits: HashMap<OrgId, Money>,
    threads: Vec<Thread>,
    messages: Vec<Message>,
    ratings: Vec<ProviderRating>,
}

#[derive(Default)]
struct Store(Mutex<State>);

impl Store {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.0.lock().unwrap()
    }
}

#[async_trait]
impl ServicesStore for Store {
    async fn seller_of_org(&self, org: OrgId) -> Result<Option<SellerTerms>, RepoError> {
        Ok(self.state().sellers.get(&org).copied())
    }
    async fn provider(&self, seller: SellerId) -> Result<Option<Provider>, RepoError> {
        Ok(self.state().providers.get(&seller).cloned())
    }
    async fn save_provider(&self, provider: &Provider) -> Result<(), RepoError> {
        self.state()
            .providers
            .insert(provider.seller_id(), provider.clone());
        Ok(())
    }
    async fn listing(&self, id: ServiceListingId) -> Result<Option<ServiceListing>, RepoError> {
        Ok(self.state().listings.iter().find(|l| l.id() == id).cloned())
    }
    async fn save_listing(&self, listing: &ServiceListing) -> Result<(), RepoError> {
        let mut s = self.state();
        s.listings.retain(|l| l.id() != listing.id());
        s.listings.push(listing.clone());
        Ok(())
    }
    async fn published_listings(
        &self,
        search: ServiceSearch<'_>,
        page: PageRequest,
    ) -> Result<Page<ServiceListing>, RepoError> {
        let q = search.words.map(str::to_lowercase);
        let category = search.category.map(str::to_lowercase);
        let found = self
            .state()
            .listings
            .iter()
            .filter(|l| l.is_offered())
            .filter(|l| {
                q.as_ref().is_none_or(|q| {
                    let c = l.content();
                    [
                        c.title.as_str(),
                        c.category.as_str(),
                        c.description.as_str(),
                    ]
                    .iter()
                    .any(|t| t.to_lowercase().contains(q))
                })
            })
            .filter(|l| {
                category
                    .as_ref()
                    .is_none_or(|c| l.content().category.as_str().to_lowercase() == *c)
            })
            .cloned()
            .collect();
        Ok(Page::slice(found, page))
    }
    async fn listings_of(
        &self,
        provider: SellerId,
        page: PageRequest,
    ) -> Result<Page<ServiceListing>, RepoError> {
        let found = self
            .state()
            .listings
            .iter()
            .filter(|l| l.provider() == provider)
            .cloned()
            .collect();
        Ok(Page::slice(found, page))
    }
    async fn insert_transaction(
        &self,
        transaction: &Transaction,
        thread: &Thread,
    ) -> Result<(), RepoError> {
        let mut s = self.state();
        s.transactions.push(transaction.clone());
        s.threads.push(thread.clone());
        Ok(())
    }
    async fn transaction(
        &self,
        viewer: Viewer,
        id: TransactionId,
    ) -> Result<Option<Transaction>, RepoError> {
        Ok(self
            .state()
            .transactions
            .iter()
            .find(|t| t.id() == id && sees(viewer, t.buyer_org(), t.provider_org()))
            .cloned())
    }
    async fn transactions_of(
        &self,
        org: OrgId,
        page: PageRequest,
    ) -> Result<Page<Transaction>, RepoError> {
        let found = self
            .state()
            .transactions
            .iter()
            .filter(|t| t.is_party(org))
            .cloned()
            .collect();
        Ok(Page::slice(found, page))
    }
    async fn next_invoice_number(&self, provider: SellerId) -> Result<InvoiceNumber, RepoError> {
        let mut s = self.state();
        let n = s.invoice_numbers.entry(provider).or_insert(0);
        *n += 1;
        InvoiceNumber::new(*n).ok_or(RepoError::Stale("invoice numbers"))
    }
    async fn update_transaction(&self, write: TransactionWrite<'_>) -> Result<(), RepoError> {
        let mut s = self.state();
        let id = write.transaction.id();
        let index = s
            .transactions
            .iter()
            .position(|t| t.id() == id && sees(write.viewer, t.buyer_org(), t.provider_org()))
            .ok_or(RepoError::NotFound)?;
        if s.transactions[index].status() != write.expected {
            return Err(RepoError::Stale("transaction"));
        }
        let buyer = write.transaction.buyer_org();
        let held = s.credits.get(&buyer).copied().unwrap_or(cents(0));
        let credits = match write.credits {
            CreditMove::None => held,
            CreditMove::Debit(m) if m.amount() > held.amount() => {
                return Err(RepoError::InsufficientCredits);
            }
            CreditMove::Debit(m) => held.checked_sub(m).unwrap(),
            CreditMove::Credit(m) => held.checked_add(m).unwrap(),
        };
        s.credits.insert(buyer, credits);
        s.transactions[index] = write.transaction.clone();
        s.postings
            .entry(id)
            .or_default()
            .extend(write.postings.iter().cloned());
        Ok(())
    }
    async fn postings_of(
        &self,
        _viewer: Viewer,
        id: TransactionId,
    ) -> Result<Vec<Posting>, RepoError> {
        Ok(self.state().postings.get(&id).cloned().unwrap_or_default())
    }
    async fn transaction_by_payment(
        &self,
        reference: &str,
    ) -> Result<Option<Transaction>, RepoError> {
        Ok(self
            .state()
            .transactions
            .iter()
            .find(|t| {
                matches!(t.awaiting(), Some(crate::transaction::Awaiting::Card { reference: r }) if r == reference)
                    || t.settlement().and_then(|s| s.reference.as_deref()) == Some(reference)
            })
            .cloned())
    }
    async fn thread(&self, viewer: Viewer, id: ThreadId) -> Result<Option<Thread>, RepoError> {
        Ok(self
            .state()
            .threads
            .iter()
            .find(|t| t.id() == id && sees(viewer, t.buyer_org(), t.provider_org()))
            .cloned())
    }
    async fn thread_of_transaction(
        &self,
        viewer: Viewer,
        id: TransactionId,
    ) -> Result<Option<Thread>, RepoError> {
        Ok(self
            .state()
            .threads
            .iter()
            .find(|t| {
                t.subject() == Subject::Transaction(id)
                    && sees(viewer, t.buyer_org(), t.provider_org())
            })
            .cloned())
    }
    async fn enquiry_thread(
        &self,
        listing: ServiceListingId,
        buyer_org: OrgId,
    ) -> Result<Option<Thread>, RepoError> {
        Ok(self
            .state()
            .threads
            .iter()
            .find(|t| t.subject() == Subject::Enquiry(listing) && t.buyer_org() == buyer_org)
            .cloned())
    }
    async fn enquiries_of(&self, org: OrgId, page: PageRequest) -> Result<Page<Thread>, RepoError> {
        let mut found: Vec<Thread> = self
            .state()
            .threads
            .iter()
            .filter(|t| matches!(t.subject(), Subject::Enquiry(_)))
            .filter(|t| sees(Viewer::Org(org), t.buyer_org(), t.provider_org()))
            .cloned()
            .collect();
        found.sort_by_key(|t| std::cmp::Reverse(t.last_message_at()));
        Ok(Page::slice(found, page))
    }
    async fn insert_thread(&self, thread: &Thread) -> Result<(), RepoError> {
        self.state().threads.push(thread.clone());
        Ok(())
    }
    async fn append_message(
        &self,
        _org: OrgId,
        thread: &Thread,
        message: &Message,
    ) -> Result<(), RepoError> {
        let mut s = self.state();
        let index = s
            .threads
            .iter()
            .position(|t| t.id() == thread.id())
            .ok_or(RepoError::NotFound)?;
        if s.threads[index].message_count() + 1 != message.seq {
            return Err(RepoError::Stale("thread"));
        }
        s.threads[index] = thread.clone();
        s.messages.push(message.clone());
        Ok(())
    }
    async fn save_reads(&self, _org: OrgId, thread: &Thread) -> Result<(), RepoError> {
        let mut s = self.state();
        if let Some(t) = s.threads.iter_mut().find(|t| t.id() == thread.id()) {
            *t = thread.clone();
        }
        Ok(())
    }
    async fn messages(
        &self,
        _viewer: Viewer,
        thread: ThreadId,
        page: PageRequest,
    ) -> Result<Page<Message>, RepoError> {
        let found = self
            .state()
            .messages
            .iter()
            .filter(|m| m.thread_id == thread)
            .cloned()
            .collect();
        Ok(Page::slice(found, page))
    }
    async fn insert_rating(&self, rating: &ProviderRating) -> Result<(), RepoError> {
        let mut s = self.state();
        if s.ratings
            .iter()
            .any(|r| r.transaction_id == rating.transaction_id)
        {
            return Err(RepoError::Conflict(Conflict::Duplicate("provider rating")));
        }
        s.ratings.push(rating.clone());
        Ok(())
    }
    async fn rating(&self, id: ProviderRatingId) -> Result<Option<ProviderRating>, RepoError> {
        Ok(self.state().ratings.iter().find(|r| r.id == id).cloned())
    }
    async fn save_rating(&self, rating: &ProviderRating) -> Result<(), RepoError> {
        let mut s = self.state();
        s.ratings.retain(|r| r.id != rating.id);
        s.ratings.push(rating.clone());
        Ok(())
    }
    async fn pending_ratings(&self, page: PageRequest) -> Result<Page<ProviderRating>, RepoError> {
        let found = self
            .state()
            .ratings
            .iter()
            .filter(|r| r.status == RatingStatus::Pending)
            .cloned()
            .collect();
        Ok(Page::slice(found, page))
    }
    async fn provider_score(&self, provider: SellerId) -> Result<RatingSummary, RepoError> {
        let s = self.state();
        Ok(provider_score(
            s.ratings.iter().filter(|r| r.provider == provider),
        ))
    }
}

#[derive(Default)]
struct Gateway {
    /// The state the next charge reports.
    next: Mutex<Option<PaymentState>>,
    charges: Mutex<Vec<ChargeRequest>>,
    refunds: Mutex<Vec<(String, Money, String)>>,
    cancelled: Mutex<Vec<String>>,
}

#[async_trait]
impl ServicePayments for Gateway {
    async fn charge(&self, request: &ChargeRequest) -> Result<Charge, PaymentError> {
        self.charges.lock().unwrap().push(request.clone());
        let state = self
            .next
            .lock()
            .unwrap()
            .clone()
            .unwrap_or(PaymentState::Succeeded);
        Ok(Charge {
            reference: format!("pi_{}", request.transaction_id),
            state,
        })
    }
    async fn refund(&self, reference: &str, amount: Money, key: &str) -> Result<(), PaymentError> {
        self.refunds
            .lock()
            .unwrap()
            .push((reference.to_owned(), amount, key.to_owned()));
        Ok(())
    }
    async fn cancel(&self, reference: &str) -> Result<(), PaymentError> {
        self.cancelled.lock().unwrap().push(reference.to_owned());
        Ok(())
    }
}

struct FixedClock(DateTime<Utc>);
impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        self.0
    }
}

#[derive(Default)]
struct Counter(Mutex<u128>);
impl IdGenerator for Counter {
    fn new_uuid(&self) -> Uuid {
        let mut n = self.0.lock().unwrap();
        *n += 1;
        Uuid::from_u128(0xABC0_0000 + *n)
    }
}

struct World {
    store: Arc<Store>,
    gateway: Arc<Gateway>,
    service: ServicesService,
    provider_owner: Actor,
    buyer_owner: Actor,
    buyer_member: Actor,
    stranger: Actor,
    admin: Actor,
    moderator: Actor,
}

fn world(mode: PaymentMode) -> World {
    let store = Arc::new(Store::default());
    store
        .state()
        .sellers
        .insert(org(PROVIDER_ORG), terms(FeeRate::DEFAULT));
    store.state().credits.insert(org(BUYER_ORG), cents(100_000));
    let gateway = Arc::new(Gateway::default());
    let service = ServicesService::new(
        store.clone(),
        gateway.clone(),
        Arc::new(FixedClock(t0())),
        Arc::new(Counter::default()),
    );
    let w = World {
        store,
        gateway,
        service,
        provider_owner: actor(PROVIDER_ORG, OrgRole::Owner, PlatformRole::User),
        buyer_owner: actor(BUYER_ORG, OrgRole::Owner, PlatformRole::User),
        buyer_member: actor(BUYER_ORG, OrgRole::Member, PlatformRole::User),
        stranger: actor(OTHER_ORG, OrgRole::Owner, PlatformRole::User),
        admin: actor(ADMIN_ORG, OrgRole::Owner, PlatformRole::Admin),
        moderator: actor(ADMIN_ORG, OrgRole::Member, PlatformRole::Moderator),
    };
    w.store
        .state()
        .providers
        .insert(seller(), provider(FeeRate::DEFAULT, mode));
    w
}

async fn listed(w: &World, allow_quotes: bool) -> ServiceListing {
    let draft = w
        .service
        .draft_listing(&w.provider_owner, content(4_500, allow_quotes))
        .await
        .unwrap();
    w.service
        .publish_listing(&w.moderator, draft.id())
        .await
        .unwrap()
}

async fn invoiced(w: &World) -> Transaction {
    let listing = listed(w, false).await;
    let t = w
        .service
        .start(&w.buyer_owner, listing.id(), Request::default())
        .await
        .unwrap();
    w.service.invoice(&w.provider_owner, t.id()).await.unwrap()
}

fn body(text: &str) -> MessageBody {
    MessageBody::parse(text).unwrap()
}

fn ledger(w: &World, id: TransactionId, account: Account) -> Money {
    let s = w.store.state();
    let postings = s.postings.get(&id).cloned().unwrap_or_default();
    balance(
        postings.iter().flat_map(|p| p.entries().iter()),
        &account,
        Currency::USD,
    )
}

#[tokio::test]
async fn r_x1_the_seller_org_registers_its_provider_profile() {
    let w = world(PaymentMode::StripeConnect);
    w.store.state().providers.clear();
    let p = w
        .service
        .register_provider(&w.provider_owner, profile(manual()))
        .await
        .unwrap();
    assert_eq!(p.seller_id(), seller());
    assert_eq!(p.profile().payment_mode.label(), "MANUAL");
    assert!(matches!(
        w.service
            .register_provider(&w.stranger, profile(manual()))
            .await,
        Err(ServicesError::NotASeller)
    ));
    let member = actor(PROVIDER_ORG, OrgRole::Member, PlatformRole::User);
    assert!(matches!(
        w.service
            .register_provider(&member, profile(manual()))
            .await,
        Err(ServicesError::Forbidden(_))
    ));
}

#[tokio::test]
async fn r_x2_a_draft_is_offered_only_once_a_moderator_publishes_it() {
    let w = world(PaymentMode::StripeConnect);
    let draft = w
        .service
        .draft_listing(&w.provider_owner, content(4_500, false))
        .await
        .unwrap();
    assert_eq!(draft.status(), ListingStatus::Draft);
    let page = PageRequest::default();
    assert_eq!(
        w.service
            .browse(&w.buyer_owner, None, page)
            .await
            .unwrap()
            .total,
        0
    );
    assert!(matches!(
        w.service.offer_of(&w.buyer_owner, draft.id()).await,
        Err(ServicesError::NotFound)
    ));
    assert!(matches!(
        w.service
            .start(&w.buyer_owner, draft.id(), Request::default())
            .await,
        Err(ServicesError::NotFound)
    ));
    assert!(matches!(
        w.service
            .publish_listing(&w.provider_owner, draft.id())
            .await,
        Err(ServicesError::Forbidden(_))
    ));

    w.service
        .publish_listing(&w.moderator, draft.id())
        .await
        .unwrap();
    let found = w
        .service
        .browse(&w.buyer_owner, Some("GROOM"), page)
        .await
        .unwrap();
    assert_eq!(found.total, 1);
    assert_eq!(
        found.items[0].provider.profile().business_name.as_str(),
        "Happy Paws"
    );
    assert_eq!(
        w.service
            .browse(&w.buyer_owner, Some("piano"), page)
            .await
            .unwrap()
            .total,
        0
    );
    assert!(matches!(
        w.service.publish_listing(&w.moderator, draft.id()).await,
        Err(ServicesError::Listing(_))
    ));
}

#[tokio::test]
async fn r_x2_an_approved_listing_from_the_workflow_is_published() {
    let w = world(PaymentMode::StripeConnect);
    let listing = w
        .service
        .publish_approved(&w.moderator, seller(), content(9_900, true))
        .await
        .unwrap();
    assert!(listing.is_offered());
    assert_eq!(listing.provider_org(), org(PROVIDER_ORG));
}

#[tokio::test]
async fn r_x2_the_same_approval_published_twice_is_one_service() {
    let w = world(PaymentMode::StripeConnect);
    let id = ServiceListingId::from_uuid(Uuid::from_u128(0x77));
    for _ in 0..2 {
        let listing = w
            .service
            .publish_approved_as(&w.moderator, id, seller(), content(9_900, true))
            .await
            .unwrap();
        assert_eq!(
            listing.id(),
            id,
            "the approved listing's id is the service's"
        );
    }
    let page = w
        .service
        .browse(&w.buyer_owner, None, PageRequest::default())
        .await
        .unwrap();
    assert_eq!(page.total, 1);
    assert!(matches!(
        w.service
            .publish_approved_as(&w.buyer_owner, id, seller(), content(9_900, true))
            .await,
        Err(ServicesError::Forbidden(_))
    ));
}

#[tokio::test]
async fn r_x2_search_filters_by_category_and_words() {
    let w = world(PaymentMode::StripeConnect);
    listed(&w, false).await;
    let page = PageRequest::default();
    let search = |words, category| ServiceSearch { words, category };
    let total = |found: Page<crate::service::Offer>| found.total;
    let svc = &w.service;
    let who = &w.buyer_owner;
    assert_eq!(
        total(
            svc.search(who, search(None, Some("GROOMING")), page)
                .await
                .unwrap()
        ),
        1
    );
    assert_eq!(
        total(
            svc.search(who, search(None, Some("groom")), page)
                .await
                .unwrap()
        ),
        0
    );
    assert_eq!(
        total(
            svc.search(who, search(Some("nails"), Some("grooming")), page)
                .await
                .unwrap()
        ),
        1
    );
    assert_eq!(
        total(
            svc.search(who, search(Some("piano"), Some("grooming")), page)
                .await
                .unwrap()
        ),
        0
    );
    assert_eq!(
        total(
            svc.search(who, search(Some("  "), Some(" ")), page)
                .await
                .unwrap()
        ),
        1
    );
}

#[tokio::test]
async fn r_x3_a_card_payment_posts_the_split_and_completes() {
    let w = world(PaymentMode::StripeConnect);
    let t = invoiced(&w).await;
    assert_eq!(t.invoice().map(|i| i.number), InvoiceNumber::new(1));
    let paid = w
        .service
        .pay(&w.buyer_owner, t.id(), PaymentMethod::CreditCard)
        .await
        .unwrap();
    assert_eq!(paid.transaction.status(), TransactionStatus::Paid);
    let charge = w.gateway.charges.lock().unwrap()[0].clone();
    assert_eq!(
        (charge.amount, charge.platform_fee),
        (cents(4_500), cents(225))
    );
    assert_eq!(ledger(&w, t.id(), Account::BuyerPayments), cents(4_500));
    assert_eq!(ledger(&w, t.id(), Account::PlatformRevenue), cents(-225));
    assert_eq!(
        ledger(&w, t.id(), Account::SellerPayable(seller())),
        cents(-4_275)
    );

    let done = w.service.complete(&w.provider_owner, t.id()).await.unwrap();
    assert_eq!(done.status(), TransactionStatus::Completed);
}

#[tokio::test]
async fn r_x3_invoice_numbers_run_per_provider_and_a_refused_invoice_takes_none() {
    let w = world(PaymentMode::StripeConnect);
    let first = invoiced(&w).await;
    assert!(matches!(
        w.service.invoice(&w.provider_owner, first.id()).await,
        Err(ServicesError::Transaction(
            TransactionError::IllegalMove { .. }
        ))
    ));
    let second = invoiced(&w).await;
    assert_eq!(
        second.invoice().map(|i| i.number.to_string()),
        Some("INV-000002".into())
    );
}

#[tokio::test]
async fn r_x3_a_pending_card_settles_once_on_confirmation() {
    let w = world(PaymentMode::StripeConnect);
    *w.gateway.next.lock().unwrap() = Some(PaymentState::Pending);
    let t = invoiced(&w).await;
    let paid = w
        .service
        .pay(&w.buyer_owner, t.id(), PaymentMethod::CreditCard)
        .await
        .unwrap();
    assert_eq!(paid.transaction.status(), TransactionStatus::Invoiced);
    assert_eq!(ledger(&w, t.id(), Account::BuyerPayments), cents(0));
    let reference = format!("pi_{}", t.id());
    let settled = w.service.card_payment_succeeded(&reference).await.unwrap();
    assert_eq!(settled.map(|t| t.status()), Some(TransactionStatus::Paid));
    assert_eq!(
        w.service.card_payment_succeeded(&reference).await.unwrap(),
        None
    );
    assert_eq!(
        ledger(&w, t.id(), Account::BuyerPayments),
        cents(4_500),
        "posted once"
    );
}

#[tokio::test]
async fn r_x3_a_declined_card_changes_nothing() {
    let w = world(PaymentMode::StripeConnect);
    *w.gateway.next.lock().unwrap() = Some(PaymentState::Failed {
        code: Some("card_declined".into()),
    });
    let t = invoiced(&w).await;
    assert!(matches!(
        w.service
            .pay(&w.buyer_owner, t.id(), PaymentMethod::CreditCard)
            .await,
        Err(ServicesError::PaymentFailed { code: Some(_) })
    ));
    assert_eq!(w.store.state().transactions[0], t);
}

#[tokio::test]
async fn r_x3_a_manual_provider_is_paid_by_invoice_marked_paid_by_an_admin() {
    let w = world(manual());
    let t = invoiced(&w).await;
    assert!(matches!(
        w.service
            .pay(&w.buyer_owner, t.id(), PaymentMethod::CreditCard)
            .await,
        Err(ServicesError::Transaction(
            TransactionError::CardsNotAccepted
        ))
    ));
    let paid = w
        .service
        .pay(&w.buyer_owner, t.id(), PaymentMethod::Invoice)
        .await
        .unwrap();
    assert!(paid.instructions.unwrap().contains("IBAN"));
    assert_eq!(paid.transaction.status(), TransactionStatus::Invoiced);
    assert!(matches!(
        w.service.mark_paid(&w.buyer_owner, t.id()).await,
        Err(ServicesError::Forbidden(_))
    ));
    let t = w.service.mark_paid(&w.admin, t.id()).await.unwrap();
    assert_eq!(t.status(), TransactionStatus::Paid);
    assert_eq!(
        ledger(&w, t.id(), Account::SellerPayable(seller())),
        cents(-4_275)
    );
}

#[tokio::test]
async fn r_x3_credits_pay_at_once_and_come_back_on_refund() {
    let w = world(PaymentMode::StripeConnect);
    let t = invoiced(&w).await;
    w.service
        .pay(&w.buyer_owner, t.id(), PaymentMethod::PlatformCredits)
        .await
        .unwrap();
    assert_eq!(w.store.state().credits[&org(BUYER_ORG)], cents(95_500));

    let t = w
        .service
        .refund(&w.admin, t.id(), Some(cents(1_000)))
        .await
        .unwrap();
    assert_eq!(t.status(), TransactionStatus::PartiallyRefunded);
    assert_eq!(w.store.state().credits[&org(BUYER_ORG)], cents(96_500));
    let t = w.service.refund(&w.admin, t.id(), None).await.unwrap();
    assert_eq!(t.status(), TransactionStatus::Refunded);
    assert_eq!(w.store.state().credits[&org(BUYER_ORG)], cents(100_000));
    assert_eq!(ledger(&w, t.id(), Account::Refunds), cents(-4_500));
    assert_eq!(
        ledger(&w, t.id(), Account::SellerPayable(seller())),
        cents(0)
    );
    assert!(matches!(
        w.service.refund(&w.admin, t.id(), None).await,
        Err(ServicesError::Transaction(TransactionError::IllegalMove {
            action: Move::Refund,
            ..
        }))
    ));
}

#[tokio::test]
async fn r_x3_a_card_refund_goes_back_through_the_gateway_once_per_refund() {
    let w = world(PaymentMode::StripeConnect);
    let t = invoiced(&w).await;
    w.service
        .pay(&w.buyer_owner, t.id(), PaymentMethod::CreditCard)
        .await
        .unwrap();
    w.service
        .refund(&w.admin, t.id(), Some(cents(500)))
        .await
        .unwrap();
    w.service
        .refund(&w.admin, t.id(), Some(cents(700)))
        .await
        .unwrap();
    let refunds = w.gateway.refunds.lock().unwrap().clone();
    assert_eq!(refunds.len(), 2);
    assert_eq!((refunds[0].1, refunds[1].1), (cents(500), cents(700)));
    assert_ne!(
        refunds[0].2, refunds[1].2,
        "each refund has its own idempotency key"
    );
}

#[tokio::test]
async fn r_x3_illegal_moves_through_the_use_cases_change_nothing() {
    let w = world(PaymentMode::StripeConnect);
    let listing = listed(&w, false).await;
    let t = w
        .service
        .start(&w.buyer_owner, listing.id(), Request::default())
        .await
        .unwrap();
    let stored = || w.store.state().transactions[0].clone();
    assert!(
        w.service
            .pay(&w.buyer_owner, t.id(), PaymentMethod::PlatformCredits)
            .await
            .is_err()
    );
    assert!(w.service.complete(&w.provider_owner, t.id()).await.is_err());
    assert!(w.service.refund(&w.admin, t.id(), None).await.is_err());
    assert!(w.service.mark_paid(&w.admin, t.id()).await.is_err());
    assert_eq!(stored(), t);
    assert_eq!(w.store.state().credits[&org(BUYER_ORG)], cents(100_000));
    // The buyer cannot invoice, the provider cannot pay.
    assert!(matches!(
        w.service.invoice(&w.buyer_owner, t.id()).await,
        Err(ServicesError::Forbidden(_))
    ));
    let t = w.service.cancel(&w.buyer_owner, t.id()).await.unwrap();
    assert_eq!(t.status(), TransactionStatus::Cancelled);
    assert!(w.service.invoice(&w.provider_owner, t.id()).await.is_err());
    assert_eq!(stored(), t);
}

#[tokio::test]
async fn r_x3_insufficient_credits_change_nothing() {
    let w = world(PaymentMode::StripeConnect);
    w.store.state().credits.insert(org(BUYER_ORG), cents(100));
    let t = invoiced(&w).await;
    assert!(matches!(
        w.service
            .pay(&w.buyer_owner, t.id(), PaymentMethod::PlatformCredits)
            .await,
        Err(ServicesError::InsufficientCredits)
    ));
    assert_eq!(w.store.state().transactions[0], t);
    assert!(
        w.store
            .state()
            .postings
            .get(&t.id())
            .is_none_or(Vec::is_empty)
    );
}

#[tokio::test]
async fn r_x4_another_org_gets_not_found_for_transactions_and_threads() {
    let w = world(PaymentMode::StripeConnect);
    let t = invoiced(&w).await;
    let page = PageRequest::default();
    assert!(matches!(
        w.service.transaction(&w.stranger, t.id()).await,
        Err(ServicesError::NotFound)
    ));
    assert!(matches!(
        w.service.messages(&w.stranger, t.id(), page).await,
        Err(ServicesError::NotFound)
    ));
    assert!(matches!(
        w.service.post(&w.stranger, t.id(), body("hello")).await,
        Err(ServicesError::NotFound)
    ));
    assert!(matches!(
        w.service.cancel(&w.stranger, t.id()).await,
        Err(ServicesError::NotFound)
    ));
    assert!(matches!(
        w.service
            .rate(&w.stranger, t.id(), Rating::new(5).unwrap(), None)
            .await,
        Err(ServicesError::NotFound)
    ));
    assert_eq!(
        w.service
            .transactions(&w.stranger, page)
            .await
            .unwrap()
            .total,
        0
    );
    assert_eq!(
        w.service
            .transactions(&w.buyer_member, page)
            .await
            .unwrap()
            .total,
        1
    );
    assert_eq!(
        w.service
            .transactions(&w.provider_owner, page)
            .await
            .unwrap()
            .total,
        1
    );
}

#[tokio::test]
async fn r_x4_parties_talk_with_unread_counts_and_admins_only_read() {
    let w = world(PaymentMode::StripeConnect);
    let t = invoiced(&w).await;
    let page = PageRequest::default();
    w.service
        .post(&w.buyer_member, t.id(), body("Can you do Tuesday?"))
        .await
        .unwrap();
    w.service
        .post(&w.buyer_owner, t.id(), body("Morning preferred"))
        .await
        .unwrap();

    let view = w
        .service
        .transaction(&w.provider_owner, t.id())
        .await
        .unwrap();
    assert_eq!((view.party, view.unread), (Party::Provider, 2));
    let read = w
        .service
        .messages(&w.provider_owner, t.id(), page)
        .await
        .unwrap();
    assert_eq!(read.unread, 2);
    assert_eq!(
        read.messages
            .items
            .iter()
            .map(|m| m.seq)
            .collect::<Vec<_>>(),
        [1, 2]
    );
    assert_eq!(
        w.service
            .transaction(&w.provider_owner, t.id())
            .await
            .unwrap()
            .unread,
        0
    );

    let reply = w
        .service
        .post(&w.provider_owner, t.id(), body("Tuesday 9:00"))
        .await
        .unwrap();
    assert_eq!((reply.seq, reply.author), (3, Party::Provider));
    assert_eq!(
        w.service
            .transaction(&w.buyer_member, t.id())
            .await
            .unwrap()
            .unread,
        1
    );

    let admin_read = w.service.messages(&w.admin, t.id(), page).await.unwrap();
    assert_eq!(admin_read.reader, Reader::Admin);
    assert_eq!(admin_read.messages.total, 3);
    assert!(matches!(
        w.service.post(&w.admin, t.id(), body("hi")).await,
        Err(ServicesError::ThreadReadOnly)
    ));
    let paged = w
        .service
        .messages(
            &w.buyer_member,
            t.id(),
            PageRequest::new(Some(1), Some(2)).unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(paged.messages.items.len(), 1);
    assert_eq!(paged.messages.items[0].seq, 3);
}

#[tokio::test]
async fn r_x4_an_enquiry_thread_per_buyer_org_and_listing() {
    let w = world(PaymentMode::StripeConnect);
    let listing = listed(&w, true).await;
    let first = w
        .service
        .enquire(&w.buyer_member, listing.id(), body("Do you groom cats?"))
        .await
        .unwrap();
    let second = w
        .service
        .enquire(&w.buyer_owner, listing.id(), body("And rabbits?"))
        .await
        .unwrap();
    assert_eq!(
        first.thread_id, second.thread_id,
        "one thread per org and listing"
    );
    assert_eq!(second.seq, 2);
    let other = w
        .service
        .enquire(&w.stranger, listing.id(), body("Price for two?"))
        .await
        .unwrap();
    assert_ne!(other.thread_id, first.thread_id);

    let page = PageRequest::default();
    let provider_view = w
        .service
        .enquiry(&w.provider_owner, first.thread_id, page)
        .await
        .unwrap();
    assert_eq!(provider_view.unread, 2);
    assert!(matches!(
        w.service.enquiry(&w.stranger, first.thread_id, page).await,
        Err(ServicesError::NotFound)
    ));
    assert!(matches!(
        w.service.enquiry(&w.admin, first.thread_id, page).await,
        Err(ServicesError::NotFound)
    ));
    assert!(matches!(
        w.service
            .enquire(&w.provider_owner, listing.id(), body("me?"))
            .await,
        Err(ServicesError::Transaction(TransactionError::OwnService))
    ));
}

#[tokio::test]
async fn r_x4_the_provider_answers_an_enquiry_and_each_side_lists_its_enquiries() {
    let w = world(PaymentMode::StripeConnect);
    let listing = listed(&w, true).await;
    let asked = w
        .service
        .enquire(&w.buyer_member, listing.id(), body("Do you groom cats?"))
        .await
        .unwrap();
    let page = PageRequest::default();
    let mine = w.service.enquiries(&w.provider_owner, page).await.unwrap();
    assert_eq!(mine.total, 1);
    assert_eq!(mine.items[0].party, Party::Provider);
    assert_eq!(mine.items[0].unread, 1, "one unread question");
    let answer = w
        .service
        .reply(&w.provider_owner, asked.thread_id, body("Yes"))
        .await
        .unwrap();
    assert_eq!((answer.seq, answer.author), (2, Party::Provider));
    let buyer = w
        .service
        .my_enquiry(&w.buyer_owner, listing.id(), page)
        .await
        .unwrap();
    assert_eq!(buyer.unread, 1);
    assert_eq!(buyer.messages.total, 2);
    for outsider in [&w.stranger, &w.admin] {
        assert!(matches!(
            w.service.reply(outsider, asked.thread_id, body("hi")).await,
            Err(ServicesError::NotFound)
        ));
    }
    assert!(matches!(
        w.service.my_enquiry(&w.stranger, listing.id(), page).await,
        Err(ServicesError::NotFound)
    ));
    assert_eq!(
        w.service.enquiries(&w.stranger, page).await.unwrap().total,
        0
    );
}

#[tokio::test]
async fn r_x5_the_buyer_rates_a_completed_transaction_once_and_only_approved_ratings_count() {
    let w = world(PaymentMode::StripeConnect);
    let t = invoiced(&w).await;
    let five = Rating::new(5).unwrap();
    w.service
        .pay(&w.buyer_owner, t.id(), PaymentMethod::PlatformCredits)
        .await
        .unwrap();
    assert!(matches!(
        w.service.rate(&w.buyer_member, t.id(), five, None).await,
        Err(ServicesError::Rating(
            crate::rating::RatingError::NotCompleted
        ))
    ));
    w.service.complete(&w.provider_owner, t.id()).await.unwrap();
    assert!(matches!(
        w.service.rate(&w.provider_owner, t.id(), five, None).await,
        Err(ServicesError::Rating(
            crate::rating::RatingError::NotTheBuyer
        ))
    ));
    let rating = w
        .service
        .rate(&w.buyer_member, t.id(), five, None)
        .await
        .unwrap();
    assert!(matches!(
        w.service
            .rate(&w.buyer_owner, t.id(), Rating::new(1).unwrap(), None)
            .await,
        Err(ServicesError::AlreadyRated)
    ));

    assert_eq!(
        score_of(&w).await.review_count,
        0,
        "pending ratings do not count"
    );
    let page = PageRequest::default();
    assert_eq!(
        w.service
            .pending_ratings(&w.moderator, page)
            .await
            .unwrap()
            .total,
        1
    );
    assert!(matches!(
        w.service
            .moderate_rating(&w.buyer_owner, rating.id, Decision::Approve)
            .await,
        Err(ServicesError::Forbidden(_))
    ));
    w.service
        .moderate_rating(&w.moderator, rating.id, Decision::Approve)
        .await
        .unwrap();
    let score = score_of(&w).await;
    assert_eq!(
        (score.review_count, score.avg_rating),
        (1, Some(rust_decimal::dec!(5.00)))
    );
    w.service
        .moderate_rating(&w.moderator, rating.id, Decision::Reject)
        .await
        .unwrap();
    assert_eq!(score_of(&w).await.review_count, 0);
}

async fn score_of(w: &World) -> RatingSummary {
    let listing = w.store.state().listings[0].id();
    w.service
        .offer_of(&w.buyer_owner, listing)
        .await
        .unwrap()
        .score
}

#[test]
fn r_x5_a_provider_score_counts_approved_ratings_only() {
    let t = {
        let mut t = transaction(4_500, FeeRate::DEFAULT);
        t.issue_invoice(InvoiceNumber::FIRST, t0()).unwrap();
        t.settle(
            PaymentMethod::PlatformCredits,
            marketplace_kernel::ids::PostingId::from_uuid(Uuid::from_u128(1)),
            t0(),
        )
        .unwrap();
        t.complete(t0()).unwrap();
        t
    };
    let buyer = actor(BUYER_ORG, OrgRole::Member, PlatformRole::User);
    let rate = |n: u128, stars: u8, status: RatingStatus| {
        let mut r = ProviderRating::write(
            ProviderRatingId::from_uuid(Uuid::from_u128(n)),
            &t,
            &buyer,
            Rating::new(stars).unwrap(),
            None,
            t0(),
        )
        .unwrap();
        r.status = status;
        r
    };
    let ratings = [
        rate(1, 5, RatingStatus::Approved),
        rate(2, 4, RatingStatus::Approved),
        rate(3, 4, RatingStatus::Approved),
        rate(4, 1, RatingStatus::Pending),
        rate(5, 1, RatingStatus::Rejected),
    ];
    let score = provider_score(&ratings);
    assert_eq!(score.review_count, 3);
    assert_eq!(score.avg_rating, Some(rust_decimal::dec!(4.33)));
}
