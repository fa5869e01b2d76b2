//! What adapters implement for the services context. Every read that names an org is
//! scoped by the adapter's tenancy as well (R-T3): a transaction and its thread are visible
//! to the buyer org and to the provider's org, nobody else.

use async_trait::async_trait;
use marketplace_domain::checkout::PaymentState;
use marketplace_domain::revenue::{Posting, SellerTerms};
use marketplace_domain::review::RatingSummary;
use marketplace_kernel::ids::{OrgId, SellerId};
use marketplace_kernel::money::Money;
use marketplace_kernel::paging::{Page, PageRequest};
use marketplace_kernel::payment::PaymentError;
use marketplace_kernel::store::RepoError;

use crate::ids::{ProviderRatingId, ServiceListingId, ThreadId, TransactionId};
use crate::listing::ServiceListing;
use crate::provider::Provider;
use crate::rating::ProviderRating;
use crate::thread::{Message, Thread};
use crate::transaction::{InvoiceNumber, Transaction, TransactionStatus};

/// Whose eyes a read or write goes through: an org sees what names it (its own rows, and
/// a transaction or thread where it is the buyer or the provider); the platform (admins,
/// webhooks) sees every row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Viewer {
    Org(OrgId),
    Platform,
}

/// What a buyer looks for among published listings: words in the title, category or
/// description, and one category; both case-insensitive, `None` for anything.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ServiceSearch<'a> {
    pub words: Option<&'a str>,
    pub category: Option<&'a str>,
}

/// Platform credits a transaction's write moves with it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CreditMove {
    None,
    /// Debits the buyer org's credits (payment by credits); `InsufficientCredits` when
    /// they do not cover it.
    Debit(Money),
    /// Gives credits back to the buyer org (refund of a payment by credits).
    Credit(Money),
}

/// One atomic change of a transaction: the new state, provided it still stands in
/// `expected`, with its ledger postings and credit movement, or nothing at all.
#[derive(Clone, Copy, Debug)]
pub struct TransactionWrite<'a> {
    pub viewer: Viewer,
    pub transaction: &'a Transaction,
    pub expected: TransactionStatus,
    pub postings: &'a [Posting],
    pub credits: CreditMove,
}

/// Storage of providers, listings, transactions, threads and ratings.
#[async_trait]
pub trait ServicesStore: Send + Sync {
    /// The terms of the seller `org` manages, if it manages one.
    async fn seller_of_org(&self, org: OrgId) -> Result<Option<SellerTerms>, RepoError>;
    async fn provider(&self, seller: SellerId) -> Result<Option<Provider>, RepoError>;
    /// Creates or replaces a provider profile.
    async fn save_provider(&self, provider: &Provider) -> Result<(), RepoError>;

    async fn listing(&self, id: ServiceListingId) -> Result<Option<ServiceListing>, RepoError>;
    /// Creates or replaces a listing.
    async fn save_listing(&self, listing: &ServiceListing) -> Result<(), RepoError>;
    /// Published listings, newest first; `search.words` matches title, category or
    /// description, `search.category` the category (both case-insensitive).
    async fn published_listings(
        &self,
        search: ServiceSearch<'_>,
        page: PageRequest,
    ) -> Result<Page<ServiceListing>, RepoError>;
    /// A provider's listings in every status, newest first.
    async fn listings_of(
        &self,
        provider: SellerId,
        page: PageRequest,
    ) -> Result<Page<ServiceListing>, RepoError>;

    /// Stores a new transaction with its thread.
    async fn insert_transaction(
        &self,
        transaction: &Transaction,
        thread: &Thread,
    ) -> Result<(), RepoError>;
    async fn transaction(
        &self,
        viewer: Viewer,
        id: TransactionId,
    ) -> Result<Option<Transaction>, RepoError>;
    /// `org`'s transactions as buyer or as provider, newest first.
    async fn transactions_of(
        &self,
        org: OrgId,
        page: PageRequest,
    ) -> Result<Page<Transaction>, RepoError>;
    /// Takes `provider`'s next invoice number: never the same twice for one provider.
    async fn next_invoice_number(&self, provider: SellerId) -> Result<InvoiceNumber, RepoError>;
    /// Applies `write` atomically.
    ///
    /// # Errors
    /// `Stale` when the transaction no longer stands in `expected`; `InsufficientCredits`.
    /// Nothing is stored on any error.
    async fn update_transaction(&self, write: TransactionWrite<'_>) -> Result<(), RepoError>;
    /// The postings of a transaction: its sale first, then its refunds in order.
    async fn postings_of(
        &self,
        viewer: Viewer,
        id: TransactionId,
    ) -> Result<Vec<Posting>, RepoError>;
    /// Platform view: the transaction whose card payment is `reference`.
    async fn transaction_by_payment(
        &self,
        reference: &str,
    ) -> Result<Option<Transaction>, RepoError>;

    async fn thread(&self, viewer: Viewer, id: ThreadId) -> Result<Option<Thread>, RepoError>;
    async fn thread_of_transaction(
        &self,
        viewer: Viewer,
        id: TransactionId,
    ) -> Result<Option<Thread>, RepoError>;
    async fn enquiry_thread(
        &self,
        listing: ServiceListingId,
        buyer_org: OrgId,
    ) -> Result<Option<Thread>, RepoError>;
    /// The enquiry threads `org` is a party to (as buyer or provider), latest message
    /// first.
    async fn enquiries_of(&self, org: OrgId, page: PageRequest) -> Result<Page<Thread>, RepoError>;
    /// Stores a new thread (an enquiry); `Conflict` when the org already has one on the
    /// listing.
    async fn insert_thread(&self, thread: &Thread) -> Result<(), RepoError>;
    /// Stores a message with the thread's new counters, provided the thread still holds
    /// `message.seq - 1` messages (`Stale` otherwise). `org` is the author's.
    async fn append_message(
        &self,
        org: OrgId,
        thread: &Thread,
        message: &Message,
    ) -> Result<(), RepoError>;
    /// Stores the read counters of `org`'s side of the thread.
    async fn save_reads(&self, org: OrgId, thread: &Thread) -> Result<(), RepoError>;
    /// A thread's messages in order.
    async fn messages(
        &self,
        viewer: Viewer,
        thread: ThreadId,
        page: PageRequest,
    ) -> Result<Page<Message>, RepoError>;

    /// Stores a new rating (its buyer org's); `Conflict` when its transaction already has
    /// one.
    async fn insert_rating(&self, rating: &ProviderRating) -> Result<(), RepoError>;
    /// Platform view (moderation).
    async fn rating(&self, id: ProviderRatingId) -> Result<Option<ProviderRating>, RepoError>;
    /// Platform view (moderation).
    async fn save_rating(&self, rating: &ProviderRating) -> Result<(), RepoError>;
    /// Ratings awaiting a moderator, oldest first.
    async fn pending_ratings(&self, page: PageRequest) -> Result<Page<ProviderRating>, RepoError>;
    /// R-X5: the provider's rating over its approved ratings.
    async fn provider_score(&self, provider: SellerId) -> Result<RatingSummary, RepoError>;
}

/// A card payment for a transaction, the provider's share going to its connected account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChargeRequest {
    pub transaction_id: TransactionId,
    pub buyer_org: OrgId,
    pub provider: SellerId,
    pub amount: Money,
    /// What the platform keeps (R-M3); the rest is the provider's.
    pub platform_fee: Money,
    /// Derived from the transaction, so a retry never charges twice.
    pub idempotency_key: String,
    pub description: String,
}

/// A card payment created at the gateway.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Charge {
    pub reference: String,
    pub state: PaymentState,
}

/// Takes and refunds card payments for transactions.
#[async_trait]
pub trait ServicePayments: Send + Sync {
    async fn charge(&self, request: &ChargeRequest) -> Result<Charge, PaymentError>;
    /// Refunds `amount` of the payment; the same idempotency key refunds once.
    async fn refund(
        &self,
        reference: &str,
        amount: Money,
        idempotency_key: &str,
    ) -> Result<(), PaymentError>;
    /// Cancels a payment that has not succeeded.
    async fn cancel(&self, reference: &str) -> Result<(), PaymentError>;
}
