//! [`ServicesStore`] (R-X1..R-X5): providers, service listings, transactions with their
//! postings, threads, messages and ratings.
//!
//! Reads and writes run in the scope of whoever acts: an org's transaction sees the rows
//! that name it (a transaction, its thread and messages name the buyer org in `org_id` and
//! the provider's org in `provider_org_id`, and row-level security admits either), the
//! platform's sees every row. Every query also filters by the org in SQL, the guard on
//! SQLite. A transaction moves only from the status it was read in; a message is appended
//! only after the messages its number follows.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use marketplace_domain::ids::{OrgId, SellerId, UserId};
use marketplace_domain::paging::{Page, PageRequest};
use marketplace_domain::payment::PaymentMethod;
use marketplace_domain::ports::{Conflict, RepoError};
use marketplace_domain::revenue::{Posting, SellerTerms};
use marketplace_domain::review::{Rating, RatingSummary, ReviewBody};
use marketplace_domain::seller::SellerRepository;
use marketplace_services::ids::{
    MessageId, ProviderRatingId, ServiceListingId, ThreadId, TransactionId,
};
use marketplace_services::listing::{
    ListingStatus, ServiceContent, ServiceListing, ServiceListingParts, ServicePrice,
};
use marketplace_services::ports::{
    CreditMove, ServiceSearch, ServicesStore, TransactionWrite, Viewer,
};
use marketplace_services::provider::{PaymentMode, Provider, ProviderProfile};
use marketplace_services::rating::{ProviderRating, RatingStatus};
use marketplace_services::text::{
    BusinessName, Location, MessageBody, PaymentInstructions, ProviderDescription, ServiceCategory,
    ServiceDescription, ServiceTitle, TransactionDescription,
};
use marketplace_services::thread::{Message, Party, Subject, Thread, ThreadParts};
use marketplace_services::transaction::{
    Awaiting, Invoice, InvoiceNumber, Settlement, Transaction, TransactionParts, TransactionStatus,
};
use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr, OnConflict, Query};
use sea_orm::{
    ColumnTrait, Condition, DatabaseTransaction, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};

use crate::SeaOrmStore;
use crate::convert::{insert_model, label, money};
use crate::entities::ledger_postings;
use crate::error::{corrupt, map_db};
use crate::ledger::{insert_posting, with_entries};
use crate::orgs::{credit_back, debit_credits};
use crate::tenant::{Scope, commit};

/// The services tables as sea-orm entities.
pub(crate) mod entities {
    macro_rules! entity {
        ($module:ident, $table:literal, { $($field:ident : $ty:ty),+ $(,)? }, $pk:ident : $pkty:ty) => {
            pub(crate) mod $module {
                use sea_orm::entity::prelude::*;

                #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
                #[sea_orm(table_name = $table)]
                pub struct Model {
                    #[sea_orm(primary_key, auto_increment = false)]
                    pub $pk: $pkty,
                    $(pub $field: $ty,)+
                }

                #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
                pub enum Relation {}

                impl ActiveModelBehavior for ActiveModel {}
            }
        };
    }

    entity!(service_providers, "service_providers", {
        org_id: Uuid, business_name: String, description: String, location: String,
        payment_mode: String, payment_instructions: Option<String>, invoices_issued: i32,
        created_at: DateTimeUtc, updated_at: DateTimeUtc,
    }, seller_id: Uuid);

    entity!(service_listings, "service_listings", {
        org_id: Uuid, seller_id: Uuid, title: String, category: String, description: String,
        price: Decimal, currency: String, allow_quotes: bool, status: String,
        created_at: DateTimeUtc, updated_at: DateTimeUtc,
    }, id: Uuid);

    entity!(service_transactions, "service_transactions", {
        org_id: Uuid, provider_org_id: Uuid, seller_id: Uuid, listing_id: Option<Uuid>,
        description: String, amount: Decimal, platform_fee: Decimal, provider_payout: Decimal,
        currency: String, status: String, invoice_number: Option<i32>,
        invoice_issued_at: Option<DateTimeUtc>, invoice_due_at: Option<DateTimeUtc>,
        awaiting: Option<String>, payment_method: Option<String>,
        payment_reference: Option<String>, paid_at: Option<DateTimeUtc>,
        completed_at: Option<DateTimeUtc>, refunded_amount: Decimal,
        created_at: DateTimeUtc, updated_at: DateTimeUtc,
    }, id: Uuid);

    entity!(service_transaction_postings, "service_transaction_postings", {
        transaction_id: Uuid, org_id: Uuid,
    }, posting_id: Uuid);

    entity!(service_threads, "service_threads", {
        org_id: Uuid, provider_org_id: Uuid, transaction_id: Option<Uuid>,
        listing_id: Option<Uuid>, sent_by_buyer: i64, sent_by_provider: i64,
        read_by_buyer: i64, read_by_provider: i64, created_at: DateTimeUtc,
        last_message_at: Option<DateTimeUtc>,
    }, id: Uuid);

    entity!(service_messages, "service_messages", {
        thread_id: Uuid, seq: i64, org_id: Uuid, provider_org_id: Uuid, author: String,
        user_id: Uuid, body: String, sent_at: DateTimeUtc,
    }, id: Uuid);

    entity!(provider_ratings, "provider_ratings", {
        transaction_id: Uuid, seller_id: Uuid, org_id: Uuid, user_id: Uuid, rating: i16,
        comment: Option<String>, status: String, created_at: DateTimeUtc,
        moderated_at: Option<DateTimeUtc>,
    }, id: Uuid);
}

use entities::{
    provider_ratings as ratings, service_listings as listings, service_messages as messages,
    service_providers as providers, service_threads as threads,
    service_transaction_postings as links, service_transactions as transactions,
};

const PROVIDERS: &str = "service_providers";
const LISTINGS: &str = "service_listings";
const TRANSACTIONS: &str = "service_transactions";
const THREADS: &str = "service_threads";
const MESSAGES: &str = "service_messages";
const RATINGS: &str = "provider_ratings";

fn text<T>(
    table: &'static str,
    parse: fn(&str) -> Result<T, marketplace_domain::field::FieldError>,
    raw: &str,
) -> Result<T, RepoError> {
    parse(raw).map_err(|e| corrupt(table, format!("{}: {}", e.field, e.message)))
}

fn to_provider(terms: SellerTerms, m: providers::Model) -> Result<Provider, RepoError> {
    let payment_mode = match (m.payment_mode.as_str(), m.payment_instructions) {
        ("STRIPE_CONNECT", None) => PaymentMode::StripeConnect,
        ("MANUAL", Some(raw)) => PaymentMode::Manual {
            instructions: text(PROVIDERS, PaymentInstructions::parse, &raw)?,
        },
        _ => return Err(corrupt(PROVIDERS, "payment mode without its instructions")),
    };
    let profile = ProviderProfile {
        business_name: text(PROVIDERS, BusinessName::parse, &m.business_name)?,
        description: text(PROVIDERS, ProviderDescription::parse, &m.description)?,
        location: text(PROVIDERS, Location::parse, &m.location)?,
        payment_mode,
    };
    Provider::new(terms, OrgId::from_uuid(m.org_id), profile).map_err(|e| corrupt(PROVIDERS, e))
}

fn to_listing(m: listings::Model) -> Result<ServiceListing, RepoError> {
    let price = money(LISTINGS, m.price, &m.currency)?;
    Ok(ServiceListing::restore(ServiceListingParts {
        id: ServiceListingId::from_uuid(m.id),
        provider: SellerId::from_uuid(m.seller_id),
        provider_org: OrgId::from_uuid(m.org_id),
        content: ServiceContent {
            title: text(LISTINGS, ServiceTitle::parse, &m.title)?,
            category: text(LISTINGS, ServiceCategory::parse, &m.category)?,
            description: text(LISTINGS, ServiceDescription::parse, &m.description)?,
            price: ServicePrice::new(price).map_err(|e| corrupt(LISTINGS, e.message))?,
            allow_quotes: m.allow_quotes,
        },
        status: label::<ListingStatus>(LISTINGS, &m.status)?,
        created_at: m.created_at,
        updated_at: m.updated_at,
    }))
}

fn listing_row(l: &ServiceListing) -> listings::Model {
    let c = l.content();
    let price = c.price.money();
    listings::Model {
        id: l.id().as_uuid(),
        org_id: l.provider_org().as_uuid(),
        seller_id: l.provider().as_uuid(),
        title: c.title.as_str().to_owned(),
        category: c.category.as_str().to_owned(),
        description: c.description.as_str().to_owned(),
        price: price.amount(),
        currency: price.currency().code().to_owned(),
        allow_quotes: c.allow_quotes,
        status: l.status().as_str().to_owned(),
        created_at: l.created_at(),
        updated_at: l.updated_at(),
    }
}

fn transaction_row(t: &Transaction) -> transactions::Model {
    let awaiting = t.awaiting().map(|a| match a {
        Awaiting::Card { .. } => "CARD".to_owned(),
        Awaiting::Transfer => "TRANSFER".to_owned(),
    });
    let reference = match (t.awaiting(), t.settlement()) {
        (Some(Awaiting::Card { reference }), _) => Some(reference.clone()),
        (_, Some(s)) => s.reference.clone(),
        _ => None,
    };
    transactions::Model {
        id: t.id().as_uuid(),
        org_id: t.buyer_org().as_uuid(),
        provider_org_id: t.provider_org().as_uuid(),
        seller_id: t.provider().as_uuid(),
        listing_id: t.listing_id().map(|l| l.as_uuid()),
        description: t.description().as_str().to_owned(),
        amount: t.amount().amount(),
        platform_fee: t.platform_fee().amount(),
        provider_payout: t.provider_payout().amount(),
        currency: t.amount().currency().code().to_owned(),
        status: t.status().as_str().to_owned(),
        invoice_number: t
            .invoice()
            .and_then(|i| i32::try_from(i.number.sequence()).ok()),
        invoice_issued_at: t.invoice().map(|i| i.issued_at),
        invoice_due_at: t.invoice().map(|i| i.due_at),
        awaiting,
        payment_method: t.settlement().map(|s| s.method.as_str().to_owned()),
        payment_reference: reference,
        paid_at: t.settlement().map(|s| s.paid_at),
        completed_at: t.completed_at(),
        refunded_amount: t.refunded().amount(),
        created_at: t.created_at(),
        updated_at: t.updated_at(),
    }
}

fn to_transaction(m: transactions::Model) -> Result<Transaction, RepoError> {
    let cur = m.currency.as_str();
    let invoice = match (m.invoice_number, m.invoice_issued_at, m.invoice_due_at) {
        (Some(n), Some(issued_at), Some(due_at)) => Some(Invoice {
            number: u32::try_from(n)
                .ok()
                .and_then(InvoiceNumber::new)
                .ok_or_else(|| corrupt(TRANSACTIONS, "invoice number"))?,
            issued_at,
            due_at,
        }),
        (None, _, _) => None,
        _ => return Err(corrupt(TRANSACTIONS, "invoice without its dates")),
    };
    let awaiting = match m.awaiting.as_deref() {
        None => None,
        Some("TRANSFER") => Some(Awaiting::Transfer),
        Some("CARD") => Some(Awaiting::Card {
            reference: m
                .payment_reference
                .clone()
                .ok_or_else(|| corrupt(TRANSACTIONS, "card payment without reference"))?,
        }),
        Some(other) => return Err(corrupt(TRANSACTIONS, format!("awaiting {other}"))),
    };
    let settlement = match (m.payment_method.as_deref(), m.paid_at) {
        (Some(method), Some(paid_at)) => Some(Settlement {
            method: label::<PaymentMethod>(TRANSACTIONS, method)?,
            reference: m.payment_reference.clone(),
            paid_at,
        }),
        (None, None) => None,
        _ => return Err(corrupt(TRANSACTIONS, "payment without its date")),
    };
    Transaction::restore(TransactionParts {
        id: TransactionId::from_uuid(m.id),
        listing_id: m.listing_id.map(ServiceListingId::from_uuid),
        buyer_org: OrgId::from_uuid(m.org_id),
        provider: SellerId::from_uuid(m.seller_id),
        provider_org: OrgId::from_uuid(m.provider_org_id),
        description: text(TRANSACTIONS, TransactionDescription::parse, &m.description)?,
        amount: money(TRANSACTIONS, m.amount, cur)?,
        fee: money(TRANSACTIONS, m.platform_fee, cur)?,
        payout: money(TRANSACTIONS, m.provider_payout, cur)?,
        status: label::<TransactionStatus>(TRANSACTIONS, &m.status)?,
        invoice,
        awaiting,
        settlement,
        completed_at: m.completed_at,
        refunded: money(TRANSACTIONS, m.refunded_amount, cur)?,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
    .map_err(|e| corrupt(TRANSACTIONS, e))
}

fn counter(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

fn stored(table: &'static str, value: u64) -> Result<i64, RepoError> {
    i64::try_from(value).map_err(|e| corrupt(table, e))
}

fn thread_row(t: &Thread) -> Result<threads::Model, RepoError> {
    let p = t.clone().into_parts();
    let (transaction_id, listing_id) = match p.subject {
        Subject::Transaction(id) => (Some(id.as_uuid()), None),
        Subject::Enquiry(id) => (None, Some(id.as_uuid())),
    };
    Ok(threads::Model {
        id: p.id.as_uuid(),
        org_id: p.buyer_org.as_uuid(),
        provider_org_id: p.provider_org.as_uuid(),
        transaction_id,
        listing_id,
        sent_by_buyer: stored(THREADS, p.sent_by_buyer)?,
        sent_by_provider: stored(THREADS, p.sent_by_provider)?,
        read_by_buyer: stored(THREADS, p.read_by_buyer)?,
        read_by_provider: stored(THREADS, p.read_by_provider)?,
        created_at: p.created_at,
        last_message_at: p.last_message_at,
    })
}

fn to_thread(m: threads::Model) -> Result<Thread, RepoError> {
    let subject = match (m.transaction_id, m.listing_id) {
        (Some(t), None) => Subject::Transaction(TransactionId::from_uuid(t)),
        (None, Some(l)) => Subject::Enquiry(ServiceListingId::from_uuid(l)),
        _ => return Err(corrupt(THREADS, "a thread is about one thing")),
    };
    Ok(Thread::restore(ThreadParts {
        id: ThreadId::from_uuid(m.id),
        subject,
        buyer_org: OrgId::from_uuid(m.org_id),
        provider_org: OrgId::from_uuid(m.provider_org_id),
        sent_by_buyer: counter(m.sent_by_buyer),
        sent_by_provider: counter(m.sent_by_provider),
        read_by_buyer: counter(m.read_by_buyer),
        read_by_provider: counter(m.read_by_provider),
        created_at: m.created_at,
        last_message_at: m.last_message_at,
    }))
}

fn to_message(m: messages::Model) -> Result<Message, RepoError> {
    Ok(Message {
        id: MessageId::from_uuid(m.id),
        thread_id: ThreadId::from_uuid(m.thread_id),
        seq: u64::try_from(m.seq).map_err(|e| corrupt(MESSAGES, e))?,
        author: label::<Party>(MESSAGES, &m.author)?,
        user_id: UserId::from_uuid(m.user_id),
        body: text(MESSAGES, MessageBody::parse, &m.body)?,
        sent_at: m.sent_at,
    })
}

fn rating_row(r: &ProviderRating) -> ratings::Model {
    ratings::Model {
        id: r.id.as_uuid(),
        transaction_id: r.transaction_id.as_uuid(),
        seller_id: r.provider.as_uuid(),
        org_id: r.buyer_org.as_uuid(),
        user_id: r.user_id.as_uuid(),
        rating: i16::from(r.rating.get()),
        comment: r.comment.as_ref().map(|c| c.as_str().to_owned()),
        status: r.status.as_str().to_owned(),
        created_at: r.created_at,
        moderated_at: r.moderated_at,
    }
}

fn to_rating(m: ratings::Model) -> Result<ProviderRating, RepoError> {
    Ok(ProviderRating {
        id: ProviderRatingId::from_uuid(m.id),
        transaction_id: TransactionId::from_uuid(m.transaction_id),
        provider: SellerId::from_uuid(m.seller_id),
        buyer_org: OrgId::from_uuid(m.org_id),
        user_id: UserId::from_uuid(m.user_id),
        rating: u8::try_from(m.rating)
            .ok()
            .and_then(|r| Rating::new(r).ok())
            .ok_or_else(|| corrupt(RATINGS, "rating"))?,
        comment: ReviewBody::parse(m.comment.as_deref())
            .map_err(|e| corrupt(RATINGS, e.message))?,
        status: label::<RatingStatus>(RATINGS, &m.status)?,
        created_at: m.created_at,
        moderated_at: m.moderated_at,
    })
}

/// The scope of a viewer, and the SQL condition naming its rows of a two-org table.
fn scope_of(viewer: Viewer) -> Scope {
    match viewer {
        Viewer::Org(org) => Scope::Org(org, None),
        Viewer::Platform => Scope::Platform,
    }
}

fn either_org<C: ColumnTrait>(viewer: Viewer, org_col: C, provider_col: C) -> Condition {
    match viewer {
        Viewer::Org(org) => Condition::any()
            .add(org_col.eq(org.as_uuid()))
            .add(provider_col.eq(org.as_uuid())),
        Viewer::Platform => Condition::all(),
    }
}

fn limit_of(page: PageRequest) -> (u64, u64) {
    (u64::from(page.limit()), page.offset())
}

async fn link(
    tx: &DatabaseTransaction,
    t: &Transaction,
    posting: &Posting,
    now: DateTime<Utc>,
) -> Result<(), RepoError> {
    insert_posting(tx, posting, now).await?;
    insert_model(
        tx,
        links::Model {
            transaction_id: t.id().as_uuid(),
            posting_id: posting.id().as_uuid(),
            org_id: t.buyer_org().as_uuid(),
        },
    )
    .await
    .map_err(map_db)
}

impl SeaOrmStore {
    async fn one_listing(&self, cond: Condition) -> Result<Option<ServiceListing>, RepoError> {
        let tx = self.begin(Scope::Platform).await?;
        let row = listings::Entity::find()
            .filter(cond)
            .one(&tx)
            .await
            .map_err(map_db)?;
        commit(tx).await?;
        row.map(to_listing).transpose()
    }

    async fn listing_page(
        &self,
        scope: Scope,
        cond: Condition,
        page: PageRequest,
    ) -> Result<Page<ServiceListing>, RepoError> {
        let tx = self.begin(scope).await?;
        let query = listings::Entity::find().filter(cond);
        let total = query.clone().count(&tx).await.map_err(map_db)?;
        let (limit, offset) = limit_of(page);
        let rows = query
            .order_by_desc(listings::Column::CreatedAt)
            .order_by_asc(listings::Column::Id)
            .limit(limit)
            .offset(offset)
            .all(&tx)
            .await
            .map_err(map_db)?;
        commit(tx).await?;
        Ok(Page {
            items: rows.into_iter().map(to_listing).collect::<Result<_, _>>()?,
            total,
            limit: page.limit(),
            offset: page.offset(),
        })
    }

    async fn one_thread(
        &self,
        viewer: Viewer,
        cond: Condition,
    ) -> Result<Option<Thread>, RepoError> {
        let tx = self.begin(scope_of(viewer)).await?;
        let row = threads::Entity::find()
            .filter(cond)
            .filter(either_org(
                viewer,
                threads::Column::OrgId,
                threads::Column::ProviderOrgId,
            ))
            .one(&tx)
            .await
            .map_err(map_db)?;
        commit(tx).await?;
        row.map(to_thread).transpose()
    }
}

#[async_trait]
impl ServicesStore for SeaOrmStore {
    async fn seller_of_org(&self, org: OrgId) -> Result<Option<SellerTerms>, RepoError> {
        Ok(SellerRepository::of_org(self, org)
            .await?
            .map(|s| s.terms()))
    }

    async fn provider(&self, seller: SellerId) -> Result<Option<Provider>, RepoError> {
        let Some(s) = SellerRepository::get(self, seller).await? else {
            return Ok(None);
        };
        let tx = self.begin(Scope::Platform).await?;
        let row = providers::Entity::find_by_id(seller.as_uuid())
            .one(&tx)
            .await
            .map_err(map_db)?;
        commit(tx).await?;
        row.map(|m| to_provider(s.terms(), m)).transpose()
    }

    async fn save_provider(&self, provider: &Provider) -> Result<(), RepoError> {
        let now = self.now();
        let p = provider.profile();
        let (mode, instructions) = match &p.payment_mode {
            PaymentMode::StripeConnect => ("STRIPE_CONNECT", None),
            PaymentMode::Manual { instructions } => {
                ("MANUAL", Some(instructions.as_str().to_owned()))
            }
        };
        let row = providers::Model {
            seller_id: provider.seller_id().as_uuid(),
            org_id: provider.org_id().as_uuid(),
            business_name: p.business_name.as_str().to_owned(),
            description: p.description.as_str().to_owned(),
            location: p.location.as_str().to_owned(),
            payment_mode: mode.to_owned(),
            payment_instructions: instructions,
            invoices_issued: 0,
            created_at: now,
            updated_at: now,
        };
        let tx = self.begin(Scope::Org(provider.org_id(), None)).await?;
        providers::Entity::insert(row.into_active_model())
            .on_conflict(
                OnConflict::column(providers::Column::SellerId)
                    .update_columns([
                        providers::Column::BusinessName,
                        providers::Column::Description,
                        providers::Column::Location,
                        providers::Column::PaymentMode,
                        providers::Column::PaymentInstructions,
                        providers::Column::UpdatedAt,
                    ])
                    .to_owned(),
            )
            .exec(&tx)
            .await
            .map_err(map_db)?;
        commit(tx).await
    }

    async fn listing(&self, id: ServiceListingId) -> Result<Option<ServiceListing>, RepoError> {
        self.one_listing(Condition::all().add(listings::Column::Id.eq(id.as_uuid())))
            .await
    }

    async fn save_listing(&self, listing: &ServiceListing) -> Result<(), RepoError> {
        let tx = self.begin(Scope::Org(listing.provider_org(), None)).await?;
        listings::Entity::insert(listing_row(listing).into_active_model())
            .on_conflict(
                OnConflict::column(listings::Column::Id)
                    .update_columns([
                        listings::Column::Title,
                        listings::Column::Category,
                        listings::Column::Description,
                        listings::Column::Price,
                        listings::Column::Currency,
                        listings::Column::AllowQuotes,
                        listings::Column::Status,
                        listings::Column::UpdatedAt,
                    ])
                    .to_owned(),
            )
            .exec(&tx)
            .await
            .map_err(map_db)?;
        commit(tx).await
    }

    async fn published_listings(
        &self,
        search: ServiceSearch<'_>,
        page: PageRequest,
    ) -> Result<Page<ServiceListing>, RepoError> {
        let mut cond =
            Condition::all().add(listings::Column::Status.eq(ListingStatus::Published.as_str()));
        if let Some(category) = search.category {
            cond = cond.add(
                Expr::expr(Func::lower(Expr::col((
                    listings::Entity,
                    listings::Column::Category,
                ))))
                .eq(category.to_lowercase()),
            );
        }
        if let Some(q) = search.words {
            let pattern = format!("%{}%", q.to_lowercase().replace(['%', '_', '\\'], ""));
            let like = |col: listings::Column| {
                Expr::expr(Func::lower(Expr::col((listings::Entity, col))))
                    .like(LikeExpr::new(pattern.clone()))
            };
            cond = cond.add(
                Condition::any()
                    .add(like(listings::Column::Title))
                    .add(like(listings::Column::Category))
                    .add(like(listings::Column::Description)),
            );
        }
        // Published listings are public by rule: the tenant pool, no org setting.
        self.listing_page(Scope::Global, cond, page).await
    }

    async fn listings_of(
        &self,
        provider: SellerId,
        page: PageRequest,
    ) -> Result<Page<ServiceListing>, RepoError> {
        let cond = Condition::all().add(listings::Column::SellerId.eq(provider.as_uuid()));
        self.listing_page(Scope::Platform, cond, page).await
    }

    async fn insert_transaction(
        &self,
        transaction: &Transaction,
        thread: &Thread,
    ) -> Result<(), RepoError> {
        let tx = self
            .begin(Scope::Org(transaction.buyer_org(), None))
            .await?;
        insert_model(&tx, transaction_row(transaction))
            .await
            .map_err(map_db)?;
        insert_model(&tx, thread_row(thread)?)
            .await
            .map_err(map_db)?;
        commit(tx).await
    }

    async fn transaction(
        &self,
        viewer: Viewer,
        id: TransactionId,
    ) -> Result<Option<Transaction>, RepoError> {
        let tx = self.begin(scope_of(viewer)).await?;
        let row = transactions::Entity::find_by_id(id.as_uuid())
            .filter(either_org(
                viewer,
                transactions::Column::OrgId,
                transactions::Column::ProviderOrgId,
            ))
            .one(&tx)
            .await
            .map_err(map_db)?;
        commit(tx).await?;
        row.map(to_transaction).transpose()
    }

    async fn transactions_of(
        &self,
        org: OrgId,
        page: PageRequest,
    ) -> Result<Page<Transaction>, RepoError> {
        let viewer = Viewer::Org(org);
        let tx = self.begin(scope_of(viewer)).await?;
        let query = transactions::Entity::find().filter(either_org(
            viewer,
            transactions::Column::OrgId,
            transactions::Column::ProviderOrgId,
        ));
        let total = query.clone().count(&tx).await.map_err(map_db)?;
        let (limit, offset) = limit_of(page);
        let rows = query
            .order_by_desc(transactions::Column::CreatedAt)
            .order_by_asc(transactions::Column::Id)
            .limit(limit)
            .offset(offset)
            .all(&tx)
            .await
            .map_err(map_db)?;
        commit(tx).await?;
        Ok(Page {
            items: rows
                .into_iter()
                .map(to_transaction)
                .collect::<Result<_, _>>()?,
            total,
            limit: page.limit(),
            offset: page.offset(),
        })
    }

    async fn next_invoice_number(&self, provider: SellerId) -> Result<InvoiceNumber, RepoError> {
        self.atomically(|| async move {
            let tx = self.begin(Scope::Platform).await?;
            let row = providers::Entity::find_by_id(provider.as_uuid())
                .one(&tx)
                .await
                .map_err(map_db)?
                .ok_or(RepoError::NotFound)?;
            let next = row
                .invoices_issued
                .checked_add(1)
                .ok_or_else(|| corrupt(PROVIDERS, "invoice numbers exhausted"))?;
            let res = providers::Entity::update_many()
                .col_expr(providers::Column::InvoicesIssued, Expr::val(next))
                .filter(providers::Column::SellerId.eq(provider.as_uuid()))
                .filter(providers::Column::InvoicesIssued.eq(row.invoices_issued))
                .exec(&tx)
                .await
                .map_err(map_db)?;
            if res.rows_affected == 0 {
                return Err(RepoError::Stale("an invoice number was taken meanwhile"));
            }
            commit(tx).await?;
            u32::try_from(next)
                .ok()
                .and_then(InvoiceNumber::new)
                .ok_or_else(|| corrupt(PROVIDERS, "invoice number"))
        })
        .await
    }

    async fn update_transaction(&self, write: TransactionWrite<'_>) -> Result<(), RepoError> {
        let t = write.transaction;
        self.atomically(|| async move {
            let tx = self.begin(scope_of(write.viewer)).await?;
            let now = self.now();
            let row = transaction_row(t);
            let res = transactions::Entity::update_many()
                .col_expr(transactions::Column::Status, Expr::val(row.status))
                .col_expr(
                    transactions::Column::InvoiceNumber,
                    Expr::val(row.invoice_number),
                )
                .col_expr(
                    transactions::Column::InvoiceIssuedAt,
                    Expr::val(row.invoice_issued_at),
                )
                .col_expr(
                    transactions::Column::InvoiceDueAt,
                    Expr::val(row.invoice_due_at),
                )
                .col_expr(transactions::Column::Awaiting, Expr::val(row.awaiting))
                .col_expr(
                    transactions::Column::PaymentMethod,
                    Expr::val(row.payment_method),
                )
                .col_expr(
                    transactions::Column::PaymentReference,
                    Expr::val(row.payment_reference),
                )
                .col_expr(transactions::Column::PaidAt, Expr::val(row.paid_at))
                .col_expr(
                    transactions::Column::CompletedAt,
                    Expr::val(row.completed_at),
                )
                .col_expr(
                    transactions::Column::RefundedAmount,
                    Expr::val(row.refunded_amount),
                )
                .col_expr(transactions::Column::UpdatedAt, Expr::val(row.updated_at))
                .filter(transactions::Column::Id.eq(row.id))
                .filter(transactions::Column::Status.eq(write.expected.as_str()))
                .filter(either_org(
                    write.viewer,
                    transactions::Column::OrgId,
                    transactions::Column::ProviderOrgId,
                ))
                .exec(&tx)
                .await
                .map_err(map_db)?;
            if res.rows_affected == 0 {
                return Err(RepoError::Stale("the transaction moved meanwhile"));
            }
            for posting in write.postings {
                link(&tx, t, posting, now).await?;
            }
            match write.credits {
                CreditMove::None => {}
                CreditMove::Debit(amount) => debit_credits(&tx, t.buyer_org(), amount, now).await?,
                CreditMove::Credit(amount) => credit_back(&tx, t.buyer_org(), amount, now).await?,
            }
            commit(tx).await
        })
        .await
    }

    async fn postings_of(
        &self,
        viewer: Viewer,
        id: TransactionId,
    ) -> Result<Vec<Posting>, RepoError> {
        let tx = self.begin(scope_of(viewer)).await?;
        let mut links_of = Query::select()
            .column(links::Column::PostingId)
            .from(links::Entity)
            .and_where(links::Column::TransactionId.eq(id.as_uuid()))
            .to_owned();
        if let Viewer::Org(org) = viewer {
            links_of.and_where(links::Column::OrgId.eq(org.as_uuid()));
        }
        let rows = ledger_postings::Entity::find()
            .filter(ledger_postings::Column::Id.in_subquery(links_of))
            .order_by_asc(ledger_postings::Column::OccurredAt)
            .order_by_asc(ledger_postings::Column::CreatedAt)
            .order_by_asc(ledger_postings::Column::Id)
            .all(&tx)
            .await
            .map_err(map_db)?;
        let mut postings = with_entries(&tx, rows).await?;
        commit(tx).await?;
        // The sale first, whatever the clock said.
        postings.sort_by_key(|p| p.kind() != marketplace_domain::revenue::PostingKind::Sale);
        Ok(postings)
    }

    async fn transaction_by_payment(
        &self,
        reference: &str,
    ) -> Result<Option<Transaction>, RepoError> {
        let tx = self.begin(Scope::Platform).await?;
        let row = transactions::Entity::find()
            .filter(transactions::Column::PaymentReference.eq(reference))
            .one(&tx)
            .await
            .map_err(map_db)?;
        commit(tx).await?;
        row.map(to_transaction).transpose()
    }

    async fn thread(&self, viewer: Viewer, id: ThreadId) -> Result<Option<Thread>, RepoError> {
        self.one_thread(
            viewer,
            Condition::all().add(threads::Column::Id.eq(id.as_uuid())),
        )
        .await
    }

    async fn thread_of_transaction(
        &self,
        viewer: Viewer,
        id: TransactionId,
    ) -> Result<Option<Thread>, RepoError> {
        self.one_thread(
            viewer,
            Condition::all().add(threads::Column::TransactionId.eq(id.as_uuid())),
        )
        .await
    }

    async fn enquiry_thread(
        &self,
        listing: ServiceListingId,
        buyer_org: OrgId,
    ) -> Result<Option<Thread>, RepoError> {
        self.one_thread(
            Viewer::Org(buyer_org),
            Condition::all()
                .add(threads::Column::ListingId.eq(listing.as_uuid()))
                .add(threads::Column::OrgId.eq(buyer_org.as_uuid()))
                .add(threads::Column::TransactionId.is_null()),
        )
        .await
    }

    async fn enquiries_of(&self, org: OrgId, page: PageRequest) -> Result<Page<Thread>, RepoError> {
        let viewer = Viewer::Org(org);
        let tx = self.begin(scope_of(viewer)).await?;
        let query = threads::Entity::find()
            .filter(threads::Column::TransactionId.is_null())
            .filter(either_org(
                viewer,
                threads::Column::OrgId,
                threads::Column::ProviderOrgId,
            ));
        let total = query.clone().count(&tx).await.map_err(map_db)?;
        let (limit, offset) = limit_of(page);
        let rows = query
            .order_by_desc(threads::Column::LastMessageAt)
            .order_by_asc(threads::Column::Id)
            .limit(limit)
            .offset(offset)
            .all(&tx)
            .await
            .map_err(map_db)?;
        commit(tx).await?;
        Ok(Page {
            items: rows.into_iter().map(to_thread).collect::<Result<_, _>>()?,
            total,
            limit: page.limit(),
            offset: page.offset(),
        })
    }

    async fn insert_thread(&self, thread: &Thread) -> Result<(), RepoError> {
        let tx = self.begin(Scope::Org(thread.buyer_org(), None)).await?;
        insert_model(&tx, thread_row(thread)?)
            .await
            .map_err(map_db)?;
        commit(tx).await
    }

    async fn append_message(
        &self,
        org: OrgId,
        thread: &Thread,
        message: &Message,
    ) -> Result<(), RepoError> {
        let row = thread_row(thread)?;
        self.atomically(|| {
            let row = row.clone();
            async move {
                let viewer = Viewer::Org(org);
                let tx = self.begin(scope_of(viewer)).await?;
                let before = stored(MESSAGES, message.seq.saturating_sub(1))?;
                let res = threads::Entity::update_many()
                    .col_expr(threads::Column::SentByBuyer, Expr::val(row.sent_by_buyer))
                    .col_expr(
                        threads::Column::SentByProvider,
                        Expr::val(row.sent_by_provider),
                    )
                    .col_expr(threads::Column::ReadByBuyer, Expr::val(row.read_by_buyer))
                    .col_expr(
                        threads::Column::ReadByProvider,
                        Expr::val(row.read_by_provider),
                    )
                    .col_expr(
                        threads::Column::LastMessageAt,
                        Expr::val(row.last_message_at),
                    )
                    .filter(threads::Column::Id.eq(row.id))
                    .filter(either_org(
                        viewer,
                        threads::Column::OrgId,
                        threads::Column::ProviderOrgId,
                    ))
                    .filter(
                        Expr::col(threads::Column::SentByBuyer)
                            .add(Expr::col(threads::Column::SentByProvider))
                            .eq(before),
                    )
                    .exec(&tx)
                    .await
                    .map_err(map_db)?;
                if res.rows_affected == 0 {
                    return Err(RepoError::Stale("another message came first"));
                }
                insert_model(
                    &tx,
                    messages::Model {
                        id: message.id.as_uuid(),
                        thread_id: message.thread_id.as_uuid(),
                        seq: stored(MESSAGES, message.seq)?,
                        org_id: row.org_id,
                        provider_org_id: row.provider_org_id,
                        author: message.author.as_str().to_owned(),
                        user_id: message.user_id.as_uuid(),
                        body: message.body.as_str().to_owned(),
                        sent_at: message.sent_at,
                    },
                )
                .await
                .map_err(map_db)?;
                commit(tx).await
            }
        })
        .await
    }

    async fn save_reads(&self, org: OrgId, thread: &Thread) -> Result<(), RepoError> {
        let row = thread_row(thread)?;
        let viewer = Viewer::Org(org);
        let tx = self.begin(scope_of(viewer)).await?;
        // Only the reader's own counter moves: a message written meanwhile stays unread.
        let update = if org.as_uuid() == row.org_id {
            threads::Entity::update_many()
                .col_expr(threads::Column::ReadByBuyer, Expr::val(row.read_by_buyer))
        } else {
            threads::Entity::update_many().col_expr(
                threads::Column::ReadByProvider,
                Expr::val(row.read_by_provider),
            )
        };
        update
            .filter(threads::Column::Id.eq(row.id))
            .filter(either_org(
                viewer,
                threads::Column::OrgId,
                threads::Column::ProviderOrgId,
            ))
            .exec(&tx)
            .await
            .map_err(map_db)?;
        commit(tx).await
    }

    async fn messages(
        &self,
        viewer: Viewer,
        thread: ThreadId,
        page: PageRequest,
    ) -> Result<Page<Message>, RepoError> {
        let tx = self.begin(scope_of(viewer)).await?;
        let query = messages::Entity::find()
            .filter(messages::Column::ThreadId.eq(thread.as_uuid()))
            .filter(either_org(
                viewer,
                messages::Column::OrgId,
                messages::Column::ProviderOrgId,
            ));
        let total = query.clone().count(&tx).await.map_err(map_db)?;
        let (limit, offset) = limit_of(page);
        let rows = query
            .order_by_asc(messages::Column::Seq)
            .limit(limit)
            .offset(offset)
            .all(&tx)
            .await
            .map_err(map_db)?;
        commit(tx).await?;
        Ok(Page {
            items: rows.into_iter().map(to_message).collect::<Result<_, _>>()?,
            total,
            limit: page.limit(),
            offset: page.offset(),
        })
    }

    async fn insert_rating(&self, rating: &ProviderRating) -> Result<(), RepoError> {
        let tx = self.begin(Scope::Org(rating.buyer_org, None)).await?;
        insert_model(&tx, rating_row(rating))
            .await
            .map_err(map_db)
            .map_err(|e| match e {
                RepoError::Conflict(_) => {
                    RepoError::Conflict(Conflict::Duplicate("provider_ratings_transaction_key"))
                }
                other => other,
            })?;
        commit(tx).await
    }

    async fn rating(&self, id: ProviderRatingId) -> Result<Option<ProviderRating>, RepoError> {
        let tx = self.begin(Scope::Platform).await?;
        let row = ratings::Entity::find_by_id(id.as_uuid())
            .one(&tx)
            .await
            .map_err(map_db)?;
        commit(tx).await?;
        row.map(to_rating).transpose()
    }

    async fn save_rating(&self, rating: &ProviderRating) -> Result<(), RepoError> {
        let tx = self.begin(Scope::Platform).await?;
        ratings::Entity::update_many()
            .col_expr(ratings::Column::Status, Expr::val(rating.status.as_str()))
            .col_expr(ratings::Column::ModeratedAt, Expr::val(rating.moderated_at))
            .filter(ratings::Column::Id.eq(rating.id.as_uuid()))
            .exec(&tx)
            .await
            .map_err(map_db)?;
        commit(tx).await
    }

    async fn pending_ratings(&self, page: PageRequest) -> Result<Page<ProviderRating>, RepoError> {
        let tx = self.begin(Scope::Platform).await?;
        let query = ratings::Entity::find()
            .filter(ratings::Column::Status.eq(RatingStatus::Pending.as_str()));
        let total = query.clone().count(&tx).await.map_err(map_db)?;
        let (limit, offset) = limit_of(page);
        let rows = query
            .order_by_asc(ratings::Column::CreatedAt)
            .order_by_asc(ratings::Column::Id)
            .limit(limit)
            .offset(offset)
            .all(&tx)
            .await
            .map_err(map_db)?;
        commit(tx).await?;
        Ok(Page {
            items: rows.into_iter().map(to_rating).collect::<Result<_, _>>()?,
            total,
            limit: page.limit(),
            offset: page.offset(),
        })
    }

    async fn provider_score(&self, provider: SellerId) -> Result<RatingSummary, RepoError> {
        let tx = self.begin(Scope::Platform).await?;
        let rows: Vec<(i16, i64)> = ratings::Entity::find()
            .select_only()
            .column(ratings::Column::Rating)
            .column_as(Expr::col(ratings::Column::Id).count(), "n")
            .filter(ratings::Column::SellerId.eq(provider.as_uuid()))
            .filter(ratings::Column::Status.eq(RatingStatus::Approved.as_str()))
            .group_by(ratings::Column::Rating)
            .into_tuple()
            .all(&tx)
            .await
            .map_err(map_db)?;
        commit(tx).await?;
        let tally = rows
            .into_iter()
            .map(|(rating, n)| {
                let rating = u8::try_from(rating)
                    .ok()
                    .and_then(|r| Rating::new(r).ok())
                    .ok_or_else(|| corrupt(RATINGS, "rating"))?;
                Ok((rating, u64::try_from(n).unwrap_or(0)))
            })
            .collect::<Result<Vec<_>, RepoError>>()?;
        Ok(RatingSummary::from_tally(tally))
    }
}
