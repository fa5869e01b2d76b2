//! The services' shapes: a service with its provider, a provider profile, a transaction,
//! a thread page and its messages, an enquiry thread and a provider rating.

use chrono::{DateTime, Utc};
use marketplace_domain::field::FieldError;
use marketplace_domain::review::{Decision, Rating, RatingSummary, ReviewBody};
use marketplace_services::listing::ServiceListing;
use marketplace_services::provider::{PaymentMode, Provider, ProviderProfile};
use marketplace_services::rating::ProviderRating;
use marketplace_services::service::{Offer, ThreadPage, TransactionView};
use marketplace_services::text::{
    BusinessName, Location, MessageBody, PaymentInstructions, ProviderDescription,
    TransactionDescription,
};
use marketplace_services::thread::{Message, Party, Reader, Subject, Thread};
use marketplace_services::transaction::{Awaiting, Request, Transaction};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::extract::BadRequest;
use crate::wire::labels::{DecisionLabel, PaymentMethodLabel};
use crate::wire::{MoneyDto, page_request};

/// The list envelope's paging for the services' lists.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ServicesQuery {
    /// Words matched in the title, category or description (case-insensitive).
    pub search: Option<String>,
    /// One category, case-insensitive (e.g. `grooming`).
    pub category: Option<String>,
    /// 1 to 100, default 50.
    pub limit: Option<u32>,
    /// Default 0.
    pub offset: Option<u64>,
}

impl ServicesQuery {
    /// The page asked for.
    ///
    /// # Errors
    /// [`BadRequest`] for a limit outside 1..=100.
    pub fn page(&self) -> Result<marketplace_domain::paging::PageRequest, BadRequest> {
        page_request(self.limit, self.offset)
    }
}

/// A provider as buyers see it, with its rating over approved ratings (R-X5).
#[derive(Debug, Serialize, ToSchema)]
pub struct ProviderDto {
    /// The provider's seller id.
    pub id: Uuid,
    pub org_id: Uuid,
    pub business_name: String,
    pub description: String,
    pub location: String,
    /// `STRIPE_CONNECT` or `MANUAL`.
    #[schema(example = "STRIPE_CONNECT")]
    pub payment_mode: &'static str,
    /// How to pay a MANUAL provider's invoices.
    pub payment_instructions: Option<String>,
    /// Mean of approved ratings, 2 dp, or null without one.
    #[schema(value_type = Option<String>, example = "4.50")]
    pub avg_rating: Option<String>,
    pub rating_count: u64,
}

impl ProviderDto {
    pub fn new(p: &Provider, score: RatingSummary) -> Self {
        let profile = p.profile();
        Self {
            id: p.seller_id().as_uuid(),
            org_id: p.org_id().as_uuid(),
            business_name: profile.business_name.as_str().to_owned(),
            description: profile.description.as_str().to_owned(),
            location: profile.location.as_str().to_owned(),
            payment_mode: profile.payment_mode.label(),
            payment_instructions: match &profile.payment_mode {
                PaymentMode::Manual { instructions } => Some(instructions.as_str().to_owned()),
                PaymentMode::StripeConnect => None,
            },
            avg_rating: score.avg_rating.map(|d| format!("{d:.2}")),
            rating_count: score.review_count,
        }
    }
}

/// PUT /v1/sellers/me/provider.
#[derive(Debug, Deserialize, garde::Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProviderBody {
    #[garde(skip)]
    pub business_name: String,
    #[garde(skip)]
    pub description: String,
    #[garde(skip)]
    pub location: String,
    /// `STRIPE_CONNECT` (cards, paid out through Connect) or `MANUAL` (invoices paid by
    /// transfer following `payment_instructions`).
    #[garde(skip)]
    #[schema(example = "MANUAL")]
    pub payment_mode: String,
    /// Required for MANUAL.
    #[garde(skip)]
    pub payment_instructions: Option<String>,
}

/// The value, or its field error kept with the others.
fn keep<T>(faults: &mut Vec<FieldError>, r: Result<T, FieldError>) -> Option<T> {
    r.map_err(|f| faults.push(f)).ok()
}

impl TryFrom<ProviderBody> for ProviderProfile {
    type Error = BadRequest;

    fn try_from(b: ProviderBody) -> Result<Self, BadRequest> {
        let mut faults = Vec::new();
        let business_name = keep(&mut faults, BusinessName::parse(&b.business_name));
        let description = keep(&mut faults, ProviderDescription::parse(&b.description));
        let location = keep(&mut faults, Location::parse(&b.location));
        let payment_mode = match b.payment_mode.trim().to_ascii_uppercase().as_str() {
            "STRIPE_CONNECT" => keep(&mut faults, Ok(PaymentMode::StripeConnect)),
            "MANUAL" => keep(
                &mut faults,
                PaymentInstructions::parse(b.payment_instructions.as_deref().unwrap_or(""))
                    .map(|instructions| PaymentMode::Manual { instructions }),
            ),
            _ => keep(
                &mut faults,
                Err(FieldError::new(
                    "payment_mode",
                    "must be STRIPE_CONNECT or MANUAL",
                )),
            ),
        };
        match (business_name, description, location, payment_mode) {
            (Some(business_name), Some(description), Some(location), Some(payment_mode)) => {
                Ok(Self {
                    business_name,
                    description,
                    location,
                    payment_mode,
                })
            }
            _ => Err(BadRequest::new("the request body is invalid").with_fields(&faults)),
        }
    }
}

/// A published service listing with its provider (R-X2).
#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceDto {
    pub id: Uuid,
    pub title: String,
    pub category: String,
    pub description: String,
    pub price: MoneyDto,
    /// Whether a buyer may propose its own amount and description (a quote).
    pub allow_quotes: bool,
    /// `DRAFT`, `PUBLISHED` or `ARCHIVED`; buyers only ever see PUBLISHED.
    #[schema(example = "PUBLISHED")]
    pub status: &'static str,
    pub provider: ProviderDto,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Offer> for ServiceDto {
    fn from(o: Offer) -> Self {
        let Offer {
            listing,
            provider,
            score,
        } = o;
        Self::of(&listing, ProviderDto::new(&provider, score))
    }
}

impl ServiceDto {
    fn of(l: &ServiceListing, provider: ProviderDto) -> Self {
        let c = l.content();
        Self {
            id: l.id().as_uuid(),
            title: c.title.as_str().to_owned(),
            category: c.category.as_str().to_owned(),
            description: c.description.as_str().to_owned(),
            price: c.price.money().into(),
            allow_quotes: c.allow_quotes,
            status: l.status().as_str(),
            provider,
            created_at: l.created_at(),
            updated_at: l.updated_at(),
        }
    }
}

/// POST /v1/services/{id}/transactions: the listing's price and title, or a quote.
#[derive(Debug, Default, Deserialize, garde::Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StartBody {
    /// What the buyer asks for; the listing's title when absent.
    #[garde(skip)]
    pub description: Option<String>,
    /// A quote: only where the listing allows quotes, in the listing's currency.
    #[garde(skip)]
    pub amount: Option<MoneyDto>,
}

impl TryFrom<StartBody> for Request {
    type Error = BadRequest;

    fn try_from(b: StartBody) -> Result<Self, BadRequest> {
        let description = b
            .description
            .as_deref()
            .map(TransactionDescription::parse)
            .transpose()
            .map_err(|f| BadRequest::field(f.field, f.message))?;
        let amount = b.amount.map(|m| m.parse_field("amount")).transpose()?;
        Ok(Self {
            description,
            amount,
        })
    }
}

/// A transaction's invoice.
#[derive(Debug, Serialize, ToSchema)]
pub struct InvoiceDto {
    /// Per provider: `INV-000001`, `INV-000002`, ...
    #[schema(example = "INV-000001")]
    pub number: String,
    pub issued_at: DateTime<Utc>,
    /// 14 days after issue.
    pub due_at: DateTime<Utc>,
}

/// How a transaction was paid.
#[derive(Debug, Serialize, ToSchema)]
pub struct SettlementDto {
    pub payment_method: PaymentMethodLabel,
    pub paid_at: DateTime<Utc>,
}

/// A transaction between a buyer org and a provider (R-X3).
#[derive(Debug, Serialize, ToSchema)]
pub struct TransactionDto {
    pub id: Uuid,
    /// The listing it was started from.
    pub service_id: Option<Uuid>,
    pub buyer_org_id: Uuid,
    /// The provider's seller id.
    pub provider_id: Uuid,
    pub provider_org_id: Uuid,
    pub description: String,
    /// PENDING_INVOICE, INVOICED, PAID, COMPLETED, CANCELLED, REFUNDED or
    /// PARTIALLY_REFUNDED.
    #[schema(example = "INVOICED")]
    pub status: &'static str,
    pub amount: MoneyDto,
    /// What the platform keeps (the provider's rate, R-M3); fee + payout = amount.
    pub platform_fee: MoneyDto,
    pub provider_payout: MoneyDto,
    pub refunded: MoneyDto,
    pub invoice: Option<InvoiceDto>,
    /// A payment under way: `card` (awaiting the gateway) or `transfer` (awaiting a
    /// platform admin's mark-paid).
    #[schema(example = "transfer")]
    pub awaiting: Option<&'static str>,
    pub payment: Option<SettlementDto>,
    /// The caller's side: `BUYER` or `PROVIDER` (absent for platform admins).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub party: Option<&'static str>,
    /// The caller's unread messages in the transaction's thread.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unread: Option<u64>,
    /// For a MANUAL provider paid by invoice: how to pay it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payment_instructions: Option<String>,
    pub completed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Transaction> for TransactionDto {
    fn from(t: Transaction) -> Self {
        Self {
            id: t.id().as_uuid(),
            service_id: t.listing_id().map(|l| l.as_uuid()),
            buyer_org_id: t.buyer_org().as_uuid(),
            provider_id: t.provider().as_uuid(),
            provider_org_id: t.provider_org().as_uuid(),
            description: t.description().as_str().to_owned(),
            status: t.status().as_str(),
            amount: t.amount().into(),
            platform_fee: t.platform_fee().into(),
            provider_payout: t.provider_payout().into(),
            refunded: t.refunded().into(),
            invoice: t.invoice().map(|i| InvoiceDto {
                number: i.number.to_string(),
                issued_at: i.issued_at,
                due_at: i.due_at,
            }),
            awaiting: t.awaiting().map(|a| match a {
                Awaiting::Card { .. } => "card",
                Awaiting::Transfer => "transfer",
            }),
            payment: t.settlement().map(|s| SettlementDto {
                payment_method: s.method.into(),
                paid_at: s.paid_at,
            }),
            party: None,
            unread: None,
            payment_instructions: None,
            completed_at: t.completed_at(),
            created_at: t.created_at(),
            updated_at: t.updated_at(),
        }
    }
}

impl From<TransactionView> for TransactionDto {
    fn from(v: TransactionView) -> Self {
        Self {
            party: Some(v.party.as_str()),
            unread: Some(v.unread),
            ..v.transaction.into()
        }
    }
}

/// POST /v1/transactions/{id}/pay.
#[derive(Debug, Deserialize, garde::Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PayBody {
    /// `credit_card` (not to a MANUAL provider), `platform_credits` or `invoice`.
    #[garde(skip)]
    pub payment_method: PaymentMethodLabel,
}

/// POST /v1/transactions/{id}/refund: all that is left when `amount` is absent.
#[derive(Debug, Default, Deserialize, garde::Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefundBody {
    #[garde(skip)]
    pub amount: Option<MoneyDto>,
}

/// A message body: 1 to 10,000 characters once trimmed.
#[derive(Debug, Deserialize, garde::Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MessageBodyDto {
    #[garde(skip)]
    pub body: String,
}

impl TryFrom<MessageBodyDto> for MessageBody {
    type Error = BadRequest;

    fn try_from(b: MessageBodyDto) -> Result<Self, BadRequest> {
        Self::parse(&b.body).map_err(|f| BadRequest::field(f.field, f.message))
    }
}

/// One message of a thread; immutable, numbered from 1.
#[derive(Debug, Serialize, ToSchema)]
pub struct MessageDto {
    pub id: Uuid,
    pub thread_id: Uuid,
    pub seq: u64,
    /// `BUYER` or `PROVIDER`.
    #[schema(example = "BUYER")]
    pub author: &'static str,
    pub user_id: Uuid,
    pub body: String,
    pub sent_at: DateTime<Utc>,
}

impl From<Message> for MessageDto {
    fn from(m: Message) -> Self {
        Self {
            id: m.id.as_uuid(),
            thread_id: m.thread_id.as_uuid(),
            seq: m.seq,
            author: m.author.as_str(),
            user_id: m.user_id.as_uuid(),
            body: m.body.as_str().to_owned(),
            sent_at: m.sent_at,
        }
    }
}

/// A page of a thread: the list envelope, the thread and the caller's unread count before
/// this read (reading marks the thread read for the caller's side).
#[derive(Debug, Serialize, ToSchema)]
pub struct ThreadPageDto {
    pub items: Vec<MessageDto>,
    pub total: u64,
    pub limit: u32,
    pub offset: u64,
    pub thread: ThreadDto,
    pub unread: u64,
}

impl From<ThreadPage> for ThreadPageDto {
    fn from(p: ThreadPage) -> Self {
        let party = match p.reader {
            Reader::Party(party) => Some(party),
            Reader::Admin => None,
        };
        Self {
            thread: ThreadDto::new(&p.thread, party, 0),
            unread: p.unread,
            items: p.messages.items.into_iter().map(MessageDto::from).collect(),
            total: p.messages.total,
            limit: p.messages.limit,
            offset: p.messages.offset,
        }
    }
}

/// A thread between a buyer org and a provider.
#[derive(Debug, Serialize, ToSchema)]
pub struct ThreadDto {
    pub id: Uuid,
    /// The transaction it belongs to, or null for an enquiry.
    pub transaction_id: Option<Uuid>,
    /// The listing asked about, for an enquiry.
    pub service_id: Option<Uuid>,
    pub buyer_org_id: Uuid,
    pub provider_org_id: Uuid,
    pub message_count: u64,
    /// The caller's side, absent for a platform admin.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub party: Option<&'static str>,
    /// The caller's unread messages (in a list of threads).
    pub unread: u64,
    pub created_at: DateTime<Utc>,
    pub last_message_at: Option<DateTime<Utc>>,
}

impl ThreadDto {
    pub fn new(t: &Thread, party: Option<Party>, unread: u64) -> Self {
        let (transaction_id, service_id) = match t.subject() {
            Subject::Transaction(id) => (Some(id.as_uuid()), None),
            Subject::Enquiry(id) => (None, Some(id.as_uuid())),
        };
        Self {
            id: t.id().as_uuid(),
            transaction_id,
            service_id,
            buyer_org_id: t.buyer_org().as_uuid(),
            provider_org_id: t.provider_org().as_uuid(),
            message_count: t.message_count(),
            party: party.map(|p| p.as_str()),
            unread,
            created_at: t.created_at(),
            last_message_at: t.last_message_at(),
        }
    }
}

/// POST /v1/transactions/{id}/rating.
#[derive(Debug, Deserialize, garde::Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RatingBody {
    /// 1 to 5.
    #[garde(range(min = 1, max = 5))]
    pub rating: u8,
    #[garde(length(chars, max = 2000))]
    pub comment: Option<String>,
}

impl RatingBody {
    /// The rating and the comment as the domain holds them.
    ///
    /// # Errors
    /// [`BadRequest`] naming the field.
    pub fn parts(&self) -> Result<(Rating, Option<ReviewBody>), BadRequest> {
        let rating = Rating::new(self.rating).map_err(|f| BadRequest::field(f.field, f.message))?;
        let comment = ReviewBody::parse(self.comment.as_deref())
            .map_err(|f| BadRequest::field("comment", f.message))?;
        Ok((rating, comment))
    }
}

/// A buyer's rating of a provider (R-X5).
#[derive(Debug, Serialize, ToSchema)]
pub struct ProviderRatingDto {
    pub id: Uuid,
    pub transaction_id: Uuid,
    /// The provider's seller id.
    pub provider_id: Uuid,
    pub buyer_org_id: Uuid,
    pub user_id: Uuid,
    pub rating: u8,
    pub comment: Option<String>,
    /// PENDING, APPROVED or REJECTED; only APPROVED ratings count.
    #[schema(example = "PENDING")]
    pub status: &'static str,
    pub created_at: DateTime<Utc>,
    pub moderated_at: Option<DateTime<Utc>>,
}

impl From<ProviderRating> for ProviderRatingDto {
    fn from(r: ProviderRating) -> Self {
        Self {
            id: r.id.as_uuid(),
            transaction_id: r.transaction_id.as_uuid(),
            provider_id: r.provider.as_uuid(),
            buyer_org_id: r.buyer_org.as_uuid(),
            user_id: r.user_id.as_uuid(),
            rating: r.rating.get(),
            comment: r.comment.map(|c| c.as_str().to_owned()),
            status: r.status.as_str(),
            created_at: r.created_at,
            moderated_at: r.moderated_at,
        }
    }
}

/// POST /v1/moderation/ratings/{id}.
#[derive(Debug, Deserialize, garde::Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RatingDecisionBody {
    #[garde(skip)]
    pub decision: DecisionLabel,
}

impl RatingDecisionBody {
    pub const fn decision(&self) -> Decision {
        self.decision.0
    }
}
