//! The services use cases: each checks who acts (the kernel's permission matrix, then the
//! party rules of R-X4), applies the rule of its module and hands the result to a port.

use std::sync::Arc;

use marketplace_domain::checkout::PaymentState;
use marketplace_domain::revenue::Posting;
use marketplace_domain::review::{Decision, Rating, RatingSummary, ReviewBody};
use marketplace_kernel::access::{AccessPolicy, Actor, Forbidden, Permission};
use marketplace_kernel::clock::{Clock, IdGenerator, IdGeneratorExt};
use marketplace_kernel::field::FieldError;
use marketplace_kernel::ids::SellerId;
use marketplace_kernel::money::Money;
use marketplace_kernel::paging::{Page, PageRequest};
use marketplace_kernel::payment::{PaymentError, PaymentMethod};
use marketplace_kernel::store::{Conflict, RepoError};

use crate::ids::{ProviderRatingId, ServiceListingId, TransactionId};
use crate::listing::{IllegalListingMove, ServiceContent, ServiceListing};
use crate::ports::{
    ChargeRequest, CreditMove, ServicePayments, ServiceSearch, ServicesStore, TransactionWrite,
    Viewer,
};
use crate::provider::{Provider, ProviderError, ProviderProfile};
use crate::rating::{ProviderRating, RatingError};
use crate::text::MessageBody;
use crate::thread::{Message, Party, Reader, Thread, ThreadError};
use crate::transaction::{
    Awaiting, Move, Request, Transaction, TransactionError, TransactionStatus,
};

/// Why a services use case refused. Each variant names what the caller can act on.
#[derive(Debug, thiserror::Error)]
pub enum ServicesError {
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    /// Unknown, or not the caller's to see (another org's transaction or thread: R-X4).
    #[error("not found")]
    NotFound,
    #[error("invalid {}: {}", .0.field, .0.message)]
    Field(FieldError),
    /// The caller's org manages no seller (R-X1: a provider is a seller).
    #[error("the org manages no seller")]
    NotASeller,
    /// The caller's org is no provider.
    #[error("the org is not a service provider")]
    NotAProvider,
    #[error(transparent)]
    Provider(#[from] ProviderError),
    #[error(transparent)]
    Listing(#[from] IllegalListingMove),
    #[error(transparent)]
    Transaction(#[from] TransactionError),
    /// Admins read transaction threads; they do not write in them.
    #[error("only the buyer and the provider write in a thread")]
    ThreadReadOnly,
    #[error(transparent)]
    Rating(#[from] RatingError),
    /// The transaction is rated already (R-X5: once).
    #[error("this transaction is already rated")]
    AlreadyRated,
    /// The buyer org's platform credits do not cover the amount.
    #[error("insufficient platform credits")]
    InsufficientCredits,
    /// The card was declined or the payment failed at the gateway; nothing changed.
    #[error("payment failed")]
    PaymentFailed { code: Option<String> },
    /// The record changed meanwhile; reading it again shows where it stands.
    #[error("changed concurrently; try again")]
    Concurrent,
    #[error(transparent)]
    Payment(PaymentError),
    #[error(transparent)]
    Store(RepoError),
}

impl From<RepoError> for ServicesError {
    fn from(error: RepoError) -> Self {
        match error {
            RepoError::NotFound => Self::NotFound,
            RepoError::Stale(_) => Self::Concurrent,
            RepoError::InsufficientCredits => Self::InsufficientCredits,
            other => Self::Store(other),
        }
    }
}

impl From<ThreadError> for ServicesError {
    fn from(error: ThreadError) -> Self {
        match error {
            ThreadError::NotFound => Self::NotFound,
            ThreadError::ReadOnly => Self::ThreadReadOnly,
            ThreadError::ListingNotOffered => {
                Self::Transaction(TransactionError::ListingNotOffered)
            }
            ThreadError::OwnService => Self::Transaction(TransactionError::OwnService),
        }
    }
}

impl From<PaymentError> for ServicesError {
    fn from(error: PaymentError) -> Self {
        match error {
            PaymentError::Declined { code, .. } => Self::PaymentFailed { code },
            other => Self::Payment(other),
        }
    }
}

type Result<T, E = ServicesError> = std::result::Result<T, E>;

/// A published listing as buyers see it: with its provider and the provider's rating.
#[derive(Clone, Debug, PartialEq)]
pub struct Offer {
    pub listing: ServiceListing,
    pub provider: Provider,
    pub score: RatingSummary,
}

/// A transaction as one of its parties sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct TransactionView {
    pub transaction: Transaction,
    /// The caller's side.
    pub party: Party,
    /// The caller's unread messages in the transaction's thread.
    pub unread: u64,
}

/// A thread in a party's list: its side and its unread count.
#[derive(Clone, Debug, PartialEq)]
pub struct ThreadView {
    pub thread: Thread,
    pub party: Party,
    pub unread: u64,
}

/// A page of a thread as a caller reads it; reading marks the thread read for a party.
#[derive(Clone, Debug, PartialEq)]
pub struct ThreadPage {
    pub thread: Thread,
    pub reader: Reader,
    /// The caller's unread count before this read.
    pub unread: u64,
    pub messages: Page<Message>,
}

/// What a buyer chose to pay with, and what it led to.
#[derive(Clone, Debug, PartialEq)]
pub struct Paid {
    pub transaction: Transaction,
    /// For a MANUAL provider paid by invoice: how to pay it.
    pub instructions: Option<String>,
}

/// The services use cases.
#[derive(Clone)]
pub struct ServicesService {
    store: Arc<dyn ServicesStore>,
    payments: Arc<dyn ServicePayments>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGenerator>,
}

impl std::fmt::Debug for ServicesService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServicesService").finish_non_exhaustive()
    }
}

impl ServicesService {
    pub fn new(
        store: Arc<dyn ServicesStore>,
        payments: Arc<dyn ServicePayments>,
        clock: Arc<dyn Clock>,
        ids: Arc<dyn IdGenerator>,
    ) -> Self {
        Self {
            store,
            payments,
            clock,
            ids,
        }
    }

    // ---- providers (R-X1) ----------------------------------------------------------

    /// The seller the actor's org manages becomes a provider, or updates its profile.
    ///
    /// # Errors
    /// `Forbidden` without `ManageSellerAccount`, `NotASeller`, `Provider`, `Store`.
    pub async fn register_provider(
        &self,
        actor: &Actor,
        profile: ProviderProfile,
    ) -> Result<Provider> {
        AccessPolicy.require(actor, Permission::ManageSellerAccount)?;
        let terms = self
            .store
            .seller_of_org(actor.org_id)
            .await?
            .ok_or(ServicesError::NotASeller)?;
        let provider = match self.store.provider(terms.seller_id).await? {
            Some(mut existing) => {
                existing.update(profile);
                existing
            }
            None => Provider::new(terms, actor.org_id, profile)?,
        };
        self.store.save_provider(&provider).await?;
        Ok(provider)
    }

    async fn own_provider(&self, actor: &Actor) -> Result<Provider> {
        let terms = self
            .store
            .seller_of_org(actor.org_id)
            .await?
            .ok_or(ServicesError::NotAProvider)?;
        self.store
            .provider(terms.seller_id)
            .await?
            .ok_or(ServicesError::NotAProvider)
    }

    /// The actor's own provider profile.
    ///
    /// # Errors
    /// `NotAProvider`, `Store`.
    pub async fn my_provider(&self, actor: &Actor) -> Result<Provider> {
        self.own_provider(actor).await
    }

    /// R-X5: a provider's rating over its approved ratings.
    ///
    /// # Errors
    /// `Store`.
    pub async fn provider_score(&self, provider: SellerId) -> Result<RatingSummary> {
        Ok(self.store.provider_score(provider).await?)
    }

    // ---- listings (R-X2) -----------------------------------------------------------

    /// A provider drafts a listing; it is offered once a moderator publishes it.
    ///
    /// # Errors
    /// `Forbidden`, `NotAProvider`, `Store`.
    pub async fn draft_listing(
        &self,
        actor: &Actor,
        content: ServiceContent,
    ) -> Result<ServiceListing> {
        AccessPolicy.require(actor, Permission::ManageSellerAccount)?;
        let provider = self.own_provider(actor).await?;
        let listing = ServiceListing::draft(
            self.ids.new_id(),
            provider.seller_id(),
            provider.org_id(),
            content,
            self.clock.now(),
        );
        self.store.save_listing(&listing).await?;
        Ok(listing)
    }

    /// R-G3 → R-X2: a moderator publishes a provider's draft.
    ///
    /// # Errors
    /// `Forbidden` without `ModerateReviews`, `NotFound`, `Listing` unless a draft.
    pub async fn publish_listing(
        &self,
        actor: &Actor,
        id: ServiceListingId,
    ) -> Result<ServiceListing> {
        AccessPolicy.require(actor, Permission::ModerateReviews)?;
        let mut listing = self
            .store
            .listing(id)
            .await?
            .ok_or(ServicesError::NotFound)?;
        listing.publish(self.clock.now())?;
        self.store.save_listing(&listing).await?;
        Ok(listing)
    }

    /// The listings workflow approved a service listing of `provider` (R-G3): it is
    /// published as it is created, with the approved content.
    ///
    /// # Errors
    /// `Forbidden` without `PublishListings` (a moderator's right), `NotAProvider` when
    /// the seller has no provider profile, `Store`.
    pub async fn publish_approved(
        &self,
        actor: &Actor,
        provider: SellerId,
        content: ServiceContent,
    ) -> Result<ServiceListing> {
        self.publish_approved_as(actor, self.ids.new_id(), provider, content)
            .await
    }

    /// As [`Self::publish_approved`], under the id the listings workflow chose: the
    /// approved listing's own. Publishing the same approval again replaces the one service
    /// with the same content, so a retried or repeated approval never makes two.
    ///
    /// # Errors
    /// As [`Self::publish_approved`].
    pub async fn publish_approved_as(
        &self,
        actor: &Actor,
        id: ServiceListingId,
        provider: SellerId,
        content: ServiceContent,
    ) -> Result<ServiceListing> {
        AccessPolicy.require(actor, Permission::PublishListings)?;
        let provider = self
            .store
            .provider(provider)
            .await?
            .ok_or(ServicesError::NotAProvider)?;
        let listing = ServiceListing::approved(
            id,
            provider.seller_id(),
            provider.org_id(),
            content,
            self.clock.now(),
        );
        self.store.save_listing(&listing).await?;
        Ok(listing)
    }

    /// The provider withdraws one of its listings.
    ///
    /// # Errors
    /// `Forbidden`, `NotFound` for another provider's listing, `Listing` when archived.
    pub async fn archive_listing(
        &self,
        actor: &Actor,
        id: ServiceListingId,
    ) -> Result<ServiceListing> {
        AccessPolicy.require(actor, Permission::ManageSellerAccount)?;
        let mut listing = self
            .store
            .listing(id)
            .await?
            .ok_or(ServicesError::NotFound)?;
        if listing.provider_org() != actor.org_id {
            return Err(ServicesError::NotFound);
        }
        listing.archive(self.clock.now())?;
        self.store.save_listing(&listing).await?;
        Ok(listing)
    }

    /// The actor's provider's listings, every status.
    ///
    /// # Errors
    /// `NotAProvider`, `Store`.
    pub async fn my_listings(
        &self,
        actor: &Actor,
        page: PageRequest,
    ) -> Result<Page<ServiceListing>> {
        let provider = self.own_provider(actor).await?;
        Ok(self.store.listings_of(provider.seller_id(), page).await?)
    }

    /// The actor's provider's listings as they are offered, every status: its own page of
    /// services, archived ones included.
    ///
    /// # Errors
    /// `NotAProvider`, `Store`.
    pub async fn my_offers(&self, actor: &Actor, page: PageRequest) -> Result<Page<Offer>> {
        let provider = self.own_provider(actor).await?;
        let listings = self.store.listings_of(provider.seller_id(), page).await?;
        let score = self.store.provider_score(provider.seller_id()).await?;
        Ok(listings.map(|listing| Offer {
            listing,
            provider: provider.clone(),
            score,
        }))
    }

    /// Published listings, searchable like tools.
    ///
    /// # Errors
    /// `Forbidden`, `Store`.
    pub async fn browse(
        &self,
        actor: &Actor,
        query: Option<&str>,
        page: PageRequest,
    ) -> Result<Page<Offer>> {
        let search = ServiceSearch {
            words: query,
            category: None,
        };
        self.search(actor, search, page).await
    }

    /// Published listings matching `search` (words and a category; blank means any).
    ///
    /// # Errors
    /// `Forbidden`, `Store`.
    pub async fn search(
        &self,
        actor: &Actor,
        search: ServiceSearch<'_>,
        page: PageRequest,
    ) -> Result<Page<Offer>> {
        AccessPolicy.require(actor, Permission::BrowseCatalog)?;
        let search = ServiceSearch {
            words: given(search.words),
            category: given(search.category),
        };
        let listings = self.store.published_listings(search, page).await?;
        let mut items = Vec::with_capacity(listings.items.len());
        for listing in listings.items {
            items.push(self.offer(listing).await?);
        }
        Ok(Page {
            items,
            total: listings.total,
            limit: listings.limit,
            offset: listings.offset,
        })
    }

    /// One published listing; a draft or archived one is found by its provider only.
    ///
    /// # Errors
    /// `Forbidden`, `NotFound`, `Store`.
    pub async fn offer_of(&self, actor: &Actor, id: ServiceListingId) -> Result<Offer> {
        AccessPolicy.require(actor, Permission::BrowseCatalog)?;
        let listing = self
            .store
            .listing(id)
            .await?
            .ok_or(ServicesError::NotFound)?;
        if !listing.is_offered() && listing.provider_org() != actor.org_id {
            return Err(ServicesError::NotFound);
        }
        self.offer(listing).await
    }

    async fn offer(&self, listing: ServiceListing) -> Result<Offer> {
        let provider = self
            .store
            .provider(listing.provider())
            .await?
            .ok_or_else(|| {
                RepoError::corrupt("service_listings", "a listing without its provider")
            })?;
        let score = self.store.provider_score(provider.seller_id()).await?;
        Ok(Offer {
            listing,
            provider,
            score,
        })
    }

    // ---- transactions (R-X3) -------------------------------------------------------

    /// A buyer org starts a transaction on a published listing, at its price or a quote.
    ///
    /// # Errors
    /// `Forbidden` without `Purchase`, `NotFound`, `Transaction` (not offered, own
    /// service, quotes), `Store`.
    pub async fn start(
        &self,
        actor: &Actor,
        listing: ServiceListingId,
        request: Request,
    ) -> Result<Transaction> {
        AccessPolicy.require(actor, Permission::Purchase)?;
        let listing = self
            .store
            .listing(listing)
            .await?
            .filter(|l| l.is_offered() || l.provider_org() == actor.org_id)
            .ok_or(ServicesError::NotFound)?;
        let provider = self
            .store
            .provider(listing.provider())
            .await?
            .ok_or(ServicesError::NotFound)?;
        let now = self.clock.now();
        let transaction = Transaction::open(
            self.ids.new_id(),
            &listing,
            &provider,
            actor.org_id,
            request,
            now,
        )?;
        let thread = Thread::of_transaction(self.ids.new_id(), &transaction, now);
        self.store.insert_transaction(&transaction, &thread).await?;
        Ok(transaction)
    }

    /// A transaction the actor's org is a party to; anyone else is told not found.
    async fn party_transaction(
        &self,
        actor: &Actor,
        id: TransactionId,
    ) -> Result<(Transaction, Party)> {
        let transaction = self
            .store
            .transaction(Viewer::Org(actor.org_id), id)
            .await?
            .ok_or(ServicesError::NotFound)?;
        let party = if actor.org_id == transaction.buyer_org() {
            Party::Buyer
        } else if actor.org_id == transaction.provider_org() {
            Party::Provider
        } else {
            return Err(ServicesError::NotFound);
        };
        Ok((transaction, party))
    }

    /// One of the actor's transactions, as buyer or provider.
    ///
    /// # Errors
    /// `NotFound` for another org's, `Store`.
    pub async fn transaction(&self, actor: &Actor, id: TransactionId) -> Result<TransactionView> {
        let (transaction, party) = self.party_transaction(actor, id).await?;
        let unread = self
            .store
            .thread_of_transaction(Viewer::Org(actor.org_id), id)
            .await?
            .map_or(0, |t| t.unread(party));
        Ok(TransactionView {
            transaction,
            party,
            unread,
        })
    }

    /// The actor's org's transactions, as buyer or provider, newest first.
    ///
    /// # Errors
    /// `Store`.
    pub async fn transactions(
        &self,
        actor: &Actor,
        page: PageRequest,
    ) -> Result<Page<TransactionView>> {
        let found = self.store.transactions_of(actor.org_id, page).await?;
        let mut items = Vec::with_capacity(found.items.len());
        for transaction in found.items {
            let party = if transaction.buyer_org() == actor.org_id {
                Party::Buyer
            } else {
                Party::Provider
            };
            let unread = self
                .store
                .thread_of_transaction(Viewer::Org(actor.org_id), transaction.id())
                .await?
                .map_or(0, |t| t.unread(party));
            items.push(TransactionView {
                transaction,
                party,
                unread,
            });
        }
        Ok(Page {
            items,
            total: found.total,
            limit: found.limit,
            offset: found.offset,
        })
    }

    async fn write(
        &self,
        viewer: Viewer,
        transaction: &Transaction,
        expected: TransactionStatus,
        postings: &[Posting],
        credits: CreditMove,
    ) -> Result<()> {
        self.store
            .update_transaction(TransactionWrite {
                viewer,
                transaction,
                expected,
                postings,
                credits,
            })
            .await?;
        Ok(())
    }

    /// The provider invoices the transaction with its next invoice number.
    ///
    /// # Errors
    /// `Forbidden`, `NotFound` (not a party), `Transaction` (illegal move; nothing
    /// changes and no number is taken), `Concurrent`, `Store`.
    pub async fn invoice(&self, actor: &Actor, id: TransactionId) -> Result<Transaction> {
        let (mut transaction, party) = self.party_transaction(actor, id).await?;
        require_provider(actor, party)?;
        let expected = transaction.status();
        // Check the move before taking a number, so a refusal burns none.
        transaction.check(Move::Invoice)?;
        let number = self
            .store
            .next_invoice_number(transaction.provider())
            .await?;
        transaction.issue_invoice(number, self.clock.now())?;
        self.write(
            Viewer::Org(actor.org_id),
            &transaction,
            expected,
            &[],
            CreditMove::None,
        )
        .await?;
        Ok(transaction)
    }

    /// The buyer pays the invoice: by card (through the gateway, the provider's share to
    /// its connected account), by platform credits (at once) or by invoice (a bank
    /// transfer a platform admin marks paid; a MANUAL provider's instructions come back).
    ///
    /// # Errors
    /// `Forbidden` without `Purchase`, `NotFound`, `Transaction` (illegal move, card to a
    /// MANUAL provider), `InsufficientCredits`, `PaymentFailed`, `Payment`, `Concurrent`.
    pub async fn pay(
        &self,
        actor: &Actor,
        id: TransactionId,
        method: PaymentMethod,
    ) -> Result<Paid> {
        AccessPolicy.require(actor, Permission::Purchase)?;
        let (mut transaction, party) = self.party_transaction(actor, id).await?;
        if party != Party::Buyer {
            return Err(Forbidden(Permission::Purchase).into());
        }
        let provider = self
            .store
            .provider(transaction.provider())
            .await?
            .ok_or(ServicesError::NotFound)?;
        let takes_cards = provider.profile().payment_mode.takes_cards();
        transaction.check_payment(method, takes_cards)?;
        let expected = transaction.status();
        let now = self.clock.now();
        let instructions = match &provider.profile().payment_mode {
            crate::provider::PaymentMode::Manual { instructions } => {
                Some(instructions.as_str().to_owned())
            }
            crate::provider::PaymentMode::StripeConnect => None,
        };
        match method {
            PaymentMethod::PlatformCredits => {
                let posting = transaction.settle(method, self.ids.new_id(), now)?;
                let debit = CreditMove::Debit(transaction.amount());
                self.write(
                    Viewer::Org(actor.org_id),
                    &transaction,
                    expected,
                    &[posting],
                    debit,
                )
                .await?;
            }
            PaymentMethod::Invoice => {
                transaction.await_payment(Awaiting::Transfer, takes_cards, now)?;
                self.write(
                    Viewer::Org(actor.org_id),
                    &transaction,
                    expected,
                    &[],
                    CreditMove::None,
                )
                .await?;
            }
            PaymentMethod::CreditCard => {
                let charge = self
                    .payments
                    .charge(&ChargeRequest {
                        transaction_id: transaction.id(),
                        buyer_org: transaction.buyer_org(),
                        provider: transaction.provider(),
                        amount: transaction.amount(),
                        platform_fee: transaction.platform_fee(),
                        idempotency_key: format!("service-transaction-{}", transaction.id()),
                        description: transaction.description().as_str().to_owned(),
                    })
                    .await?;
                match charge.state {
                    PaymentState::Failed { code } => {
                        return Err(ServicesError::PaymentFailed { code });
                    }
                    PaymentState::Cancelled => {
                        return Err(ServicesError::PaymentFailed { code: None });
                    }
                    PaymentState::Pending | PaymentState::Succeeded => {}
                }
                let awaiting = Awaiting::Card {
                    reference: charge.reference,
                };
                transaction.await_payment(awaiting, takes_cards, now)?;
                let postings = if charge.state == PaymentState::Succeeded {
                    vec![transaction.settle(method, self.ids.new_id(), now)?]
                } else {
                    Vec::new()
                };
                self.write(
                    Viewer::Org(actor.org_id),
                    &transaction,
                    expected,
                    &postings,
                    CreditMove::None,
                )
                .await?;
            }
        }
        Ok(Paid {
            transaction,
            instructions: instructions.filter(|_| method == PaymentMethod::Invoice),
        })
    }

    /// The gateway confirmed the card payment `reference` (its webhook): the transaction
    /// it pays is PAID and posted to the ledger once, whatever the number of deliveries.
    ///
    /// # Errors
    /// `NotFound` for an unknown reference, `Store`.
    pub async fn card_payment_succeeded(&self, reference: &str) -> Result<Option<Transaction>> {
        let Some(mut transaction) = self.store.transaction_by_payment(reference).await? else {
            return Err(ServicesError::NotFound);
        };
        let expected = transaction.status();
        let awaiting_this = matches!(
            transaction.awaiting(),
            Some(Awaiting::Card { reference: r }) if r == reference
        );
        if !awaiting_this {
            return Ok(None); // settled already: a repeated delivery
        }
        let posting = transaction.settle(
            PaymentMethod::CreditCard,
            self.ids.new_id(),
            self.clock.now(),
        )?;
        self.write(
            Viewer::Platform,
            &transaction,
            expected,
            &[posting],
            CreditMove::None,
        )
        .await?;
        Ok(Some(transaction))
    }

    /// A platform admin marks an invoiced transaction paid (a bank transfer arrived).
    ///
    /// # Errors
    /// `Forbidden` without `ManageBilling`, `NotFound`, `Transaction`, `Concurrent`.
    pub async fn mark_paid(&self, actor: &Actor, id: TransactionId) -> Result<Transaction> {
        AccessPolicy.require(actor, Permission::ManageBilling)?;
        let mut transaction = self
            .store
            .transaction(Viewer::Platform, id)
            .await?
            .ok_or(ServicesError::NotFound)?;
        let expected = transaction.status();
        let posting =
            transaction.settle(PaymentMethod::Invoice, self.ids.new_id(), self.clock.now())?;
        self.write(
            Viewer::Platform,
            &transaction,
            expected,
            &[posting],
            CreditMove::None,
        )
        .await?;
        Ok(transaction)
    }

    /// The provider completes the work.
    ///
    /// # Errors
    /// `Forbidden`, `NotFound`, `Transaction`, `Concurrent`.
    pub async fn complete(&self, actor: &Actor, id: TransactionId) -> Result<Transaction> {
        let (mut transaction, party) = self.party_transaction(actor, id).await?;
        require_provider(actor, party)?;
        let expected = transaction.status();
        transaction.complete(self.clock.now())?;
        self.write(
            Viewer::Org(actor.org_id),
            &transaction,
            expected,
            &[],
            CreditMove::None,
        )
        .await?;
        Ok(transaction)
    }

    /// Either party calls the transaction off before payment; a card payment under way is
    /// cancelled at the gateway first.
    ///
    /// # Errors
    /// `Forbidden`, `NotFound`, `Transaction`, `Payment`, `Concurrent`.
    pub async fn cancel(&self, actor: &Actor, id: TransactionId) -> Result<Transaction> {
        let (mut transaction, party) = self.party_transaction(actor, id).await?;
        match party {
            Party::Buyer => AccessPolicy.require(actor, Permission::Purchase)?,
            Party::Provider => AccessPolicy.require(actor, Permission::ManageSellerAccount)?,
        }
        let expected = transaction.status();
        let under_way = match transaction.awaiting() {
            Some(Awaiting::Card { reference }) => Some(reference.clone()),
            _ => None,
        };
        transaction.cancel(self.clock.now())?;
        if let Some(reference) = under_way {
            self.payments.cancel(&reference).await?;
        }
        self.write(
            Viewer::Org(actor.org_id),
            &transaction,
            expected,
            &[],
            CreditMove::None,
        )
        .await?;
        Ok(transaction)
    }

    /// A platform admin refunds `amount` (what is left when `None`): the ledger reverses
    /// fee and payout in proportion (R-M5); a card is refunded at the gateway, credits go
    /// back to the buyer org, an invoice's money is returned outside the platform.
    ///
    /// # Errors
    /// `Forbidden` without `ManageBilling`, `NotFound`, `Transaction` (illegal move,
    /// invalid amount), `Payment`, `Concurrent`.
    pub async fn refund(
        &self,
        actor: &Actor,
        id: TransactionId,
        amount: Option<Money>,
    ) -> Result<Transaction> {
        AccessPolicy.require(actor, Permission::ManageBilling)?;
        let mut transaction = self
            .store
            .transaction(Viewer::Platform, id)
            .await?
            .ok_or(ServicesError::NotFound)?;
        let expected = transaction.status();
        let postings = self.store.postings_of(Viewer::Platform, id).await?;
        transaction.check(Move::Refund)?;
        let Some((sale, earlier)) = postings.split_first() else {
            return Err(
                RepoError::corrupt("service_transactions", "paid without a sale posting").into(),
            );
        };
        let before = transaction.refunded();
        let posting =
            transaction.refund(amount, self.ids.new_id(), sale, earlier, self.clock.now())?;
        let refunded = transaction
            .refunded()
            .checked_sub(before)
            .map_err(|e| TransactionError::Revenue(e.into()))?;
        let settlement = transaction.settlement().cloned();
        let credits = match settlement.as_ref().map(|s| s.method) {
            Some(PaymentMethod::PlatformCredits) => CreditMove::Credit(refunded),
            _ => CreditMove::None,
        };
        if let Some(reference) = settlement.and_then(|s| s.reference) {
            let key = format!("service-refund-{}-{}", transaction.id(), earlier.len() + 1);
            self.payments.refund(&reference, refunded, &key).await?;
        }
        self.write(
            Viewer::Platform,
            &transaction,
            expected,
            &[posting],
            credits,
        )
        .await?;
        Ok(transaction)
    }

    // ---- messages (R-X4) -----------------------------------------------------------

    async fn transaction_thread(&self, actor: &Actor, id: TransactionId) -> Result<Thread> {
        let thread = self
            .store
            .thread_of_transaction(viewer_of(actor), id)
            .await?
            .ok_or(ServicesError::NotFound)?;
        thread.reader(actor)?;
        Ok(thread)
    }

    /// A page of a transaction's thread; a party's read marks its messages read.
    ///
    /// # Errors
    /// `NotFound` for anyone but the parties (and admins), `Store`.
    pub async fn messages(
        &self,
        actor: &Actor,
        id: TransactionId,
        page: PageRequest,
    ) -> Result<ThreadPage> {
        let thread = self.transaction_thread(actor, id).await?;
        self.read_thread(actor, thread, page).await
    }

    async fn read_thread(
        &self,
        actor: &Actor,
        mut thread: Thread,
        page: PageRequest,
    ) -> Result<ThreadPage> {
        let reader = thread.reader(actor)?;
        let messages = self
            .store
            .messages(viewer_of(actor), thread.id(), page)
            .await?;
        let unread = match reader {
            Reader::Party(party) => {
                let unread = thread.unread(party);
                if unread > 0 {
                    thread.mark_read(party);
                    self.store.save_reads(actor.org_id, &thread).await?;
                }
                unread
            }
            Reader::Admin => 0,
        };
        Ok(ThreadPage {
            thread,
            reader,
            unread,
            messages,
        })
    }

    /// A party writes in a transaction's thread.
    ///
    /// # Errors
    /// `NotFound`, `ThreadReadOnly` for an admin, `Concurrent`, `Store`.
    pub async fn post(
        &self,
        actor: &Actor,
        id: TransactionId,
        body: MessageBody,
    ) -> Result<Message> {
        let mut thread = self.transaction_thread(actor, id).await?;
        let message = thread.post(actor, self.ids.new_id(), body, self.clock.now())?;
        self.store
            .append_message(actor.org_id, &thread, &message)
            .await?;
        Ok(message)
    }

    /// A buyer org asks about a published listing: its enquiry thread (opened on first
    /// use) gets the message.
    ///
    /// # Errors
    /// `NotFound`, `Transaction` (not offered, own service), `Concurrent`, `Store`.
    pub async fn enquire(
        &self,
        actor: &Actor,
        listing: ServiceListingId,
        body: MessageBody,
    ) -> Result<Message> {
        let mut thread = match self.store.enquiry_thread(listing, actor.org_id).await? {
            Some(thread) => thread,
            None => {
                let listing = self
                    .store
                    .listing(listing)
                    .await?
                    .ok_or(ServicesError::NotFound)?;
                let thread =
                    Thread::enquiry(self.ids.new_id(), &listing, actor.org_id, self.clock.now())?;
                match self.store.insert_thread(&thread).await {
                    Ok(()) => thread,
                    // Opened meanwhile by another member: write in that one.
                    Err(RepoError::Conflict(_)) => self
                        .store
                        .enquiry_thread(listing.id(), actor.org_id)
                        .await?
                        .ok_or(ServicesError::Concurrent)?,
                    Err(other) => return Err(other.into()),
                }
            }
        };
        let message = thread.post(actor, self.ids.new_id(), body, self.clock.now())?;
        self.store
            .append_message(actor.org_id, &thread, &message)
            .await?;
        Ok(message)
    }

    /// A page of an enquiry thread, by its id, for its two parties.
    ///
    /// # Errors
    /// `NotFound`, `Store`.
    pub async fn enquiry(
        &self,
        actor: &Actor,
        id: crate::ids::ThreadId,
        page: PageRequest,
    ) -> Result<ThreadPage> {
        let thread = self
            .store
            .thread(viewer_of(actor), id)
            .await?
            .ok_or(ServicesError::NotFound)?;
        self.read_thread(actor, thread, page).await
    }

    /// The caller's org's enquiry thread on a listing, if it opened one.
    ///
    /// # Errors
    /// `NotFound` when it has none, `Store`.
    pub async fn my_enquiry(
        &self,
        actor: &Actor,
        listing: ServiceListingId,
        page: PageRequest,
    ) -> Result<ThreadPage> {
        let thread = self
            .store
            .enquiry_thread(listing, actor.org_id)
            .await?
            .ok_or(ServicesError::NotFound)?;
        self.read_thread(actor, thread, page).await
    }

    /// Either party writes in an enquiry thread by its id (the provider answers this way).
    ///
    /// # Errors
    /// `NotFound` for anyone but the two parties, `Concurrent`, `Store`.
    pub async fn reply(
        &self,
        actor: &Actor,
        id: crate::ids::ThreadId,
        body: MessageBody,
    ) -> Result<Message> {
        let mut thread = self
            .store
            .thread(Viewer::Org(actor.org_id), id)
            .await?
            .filter(|t| matches!(t.subject(), crate::thread::Subject::Enquiry(_)))
            .ok_or(ServicesError::NotFound)?;
        let message = thread.post(actor, self.ids.new_id(), body, self.clock.now())?;
        self.store
            .append_message(actor.org_id, &thread, &message)
            .await?;
        Ok(message)
    }

    /// The enquiry threads the caller's org is a party to, as buyer or provider, with its
    /// unread count in each.
    ///
    /// # Errors
    /// `Store`.
    pub async fn enquiries(&self, actor: &Actor, page: PageRequest) -> Result<Page<ThreadView>> {
        let found = self.store.enquiries_of(actor.org_id, page).await?;
        let items = found
            .items
            .into_iter()
            .map(|thread| {
                let party = if thread.buyer_org() == actor.org_id {
                    Party::Buyer
                } else {
                    Party::Provider
                };
                let unread = thread.unread(party);
                ThreadView {
                    thread,
                    party,
                    unread,
                }
            })
            .collect();
        Ok(Page {
            items,
            total: found.total,
            limit: found.limit,
            offset: found.offset,
        })
    }

    // ---- ratings (R-X5) ------------------------------------------------------------

    /// The buyer rates the provider of a completed transaction, once; it counts once a
    /// moderator approves it.
    ///
    /// # Errors
    /// `Forbidden` without `Review`, `NotFound`, `Rating`, `AlreadyRated`, `Store`.
    pub async fn rate(
        &self,
        actor: &Actor,
        id: TransactionId,
        rating: Rating,
        comment: Option<ReviewBody>,
    ) -> Result<ProviderRating> {
        AccessPolicy.require(actor, Permission::Review)?;
        let (transaction, _) = self.party_transaction(actor, id).await?;
        let rating = ProviderRating::write(
            self.ids.new_id(),
            &transaction,
            actor,
            rating,
            comment,
            self.clock.now(),
        )?;
        match self.store.insert_rating(&rating).await {
            Ok(()) => Ok(rating),
            Err(RepoError::Conflict(Conflict::Duplicate(_))) => Err(ServicesError::AlreadyRated),
            Err(other) => Err(other.into()),
        }
    }

    /// Ratings awaiting a moderator.
    ///
    /// # Errors
    /// `Forbidden` without `ModerateReviews`, `Store`.
    pub async fn pending_ratings(
        &self,
        actor: &Actor,
        page: PageRequest,
    ) -> Result<Page<ProviderRating>> {
        AccessPolicy.require(actor, Permission::ModerateReviews)?;
        Ok(self.store.pending_ratings(page).await?)
    }

    /// A moderator approves or rejects a rating (as reviews, R-V3).
    ///
    /// # Errors
    /// `Forbidden` without `ModerateReviews`, `NotFound`, `Store`.
    pub async fn moderate_rating(
        &self,
        actor: &Actor,
        id: ProviderRatingId,
        decision: Decision,
    ) -> Result<ProviderRating> {
        AccessPolicy.require(actor, Permission::ModerateReviews)?;
        let mut rating = self
            .store
            .rating(id)
            .await?
            .ok_or(ServicesError::NotFound)?;
        rating.moderate(decision, self.clock.now());
        self.store.save_rating(&rating).await?;
        Ok(rating)
    }
}

/// A search term, trimmed; blank is none.
fn given(term: Option<&str>) -> Option<&str> {
    term.map(str::trim).filter(|t| !t.is_empty())
}

/// Platform admins read transaction threads to settle disputes (R-X4): their reads go
/// through the platform's view, which the thread's own rule then narrows; everyone else
/// reads through their org's.
fn viewer_of(actor: &Actor) -> Viewer {
    if AccessPolicy.allows(actor, Permission::ManageBilling) {
        Viewer::Platform
    } else {
        Viewer::Org(actor.org_id)
    }
}

/// The provider's moves are its owners' and admins' (`ManageSellerAccount`).
fn require_provider(actor: &Actor, party: Party) -> Result<()> {
    AccessPolicy.require(actor, Permission::ManageSellerAccount)?;
    if party == Party::Provider {
        Ok(())
    } else {
        Err(Forbidden(Permission::ManageSellerAccount).into())
    }
}
