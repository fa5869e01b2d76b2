//! Transactions (R-X3): started by a buyer org from a published service, invoiced and
//! completed by the provider, paid by the buyer (card, platform credits or invoice),
//! marked paid and refunded by platform admins, cancelled by either party before payment.
//! Another org's transaction is not found; a move its status does not allow is a 409 and
//! changes nothing.

use actix_web::{HttpResponse, web};
use marketplace_domain::money::Money;
use marketplace_services::ids::{ServiceListingId, TransactionId};
use uuid::Uuid;

use super::dto::{PayBody, RefundBody, StartBody, TransactionDto};
use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{NoQuery, OptionalJson, Query, ValidJson};
use crate::state::Services;
use crate::wire::{ListDto, PageQuery};

fn id_of(id: web::Path<Uuid>) -> TransactionId {
    TransactionId::from_uuid(id.into_inner())
}

/// Starts a transaction on a published service at its price, or at a quote where the
/// listing allows one; it opens the transaction's message thread.
#[utoipa::path(
    post, path = "/v1/services/{id}/transactions", tag = "services", params(("id" = Uuid, Path)),
    request_body = Option<StartBody>,
    responses(
        (status = 201, description = "The transaction, PENDING_INVOICE", body = TransactionDto),
        (status = 400, description = "Malformed id or body", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 403, description = "Not a purchaser (org owner or admin)", body = ErrorBody),
        (status = 404, description = "No such published service", body = ErrorBody),
        (status = 422, description = "own_service, not_offered, quotes_not_allowed or invalid_quote", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn start_transaction(
    svc: web::Data<Services>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: OptionalJson<StartBody>,
) -> Result<HttpResponse, ApiError> {
    let request = body.into_inner().unwrap_or_default().try_into()?;
    let transaction = svc
        .services
        .start(
            &caller.0,
            ServiceListingId::from_uuid(id.into_inner()),
            request,
        )
        .await?;
    Ok(HttpResponse::Created().json(TransactionDto::from(transaction)))
}

/// The caller's org's transactions, as buyer or as provider, newest first, each with the
/// caller's unread messages.
#[utoipa::path(
    get, path = "/v1/transactions", tag = "services", params(PageQuery),
    responses(
        (status = 200, description = "The org's transactions", body = ListDto<TransactionDto>),
        (status = 400, description = "Malformed paging", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn list_transactions(
    svc: web::Data<Services>,
    caller: Caller,
    page: Query<PageQuery>,
) -> Result<web::Json<ListDto<TransactionDto>>, ApiError> {
    let page = svc
        .services
        .transactions(&caller.0, page.into_inner().try_into()?)
        .await?;
    Ok(web::Json(ListDto::from_page(page, TransactionDto::from)))
}

/// One of the caller's org's transactions.
#[utoipa::path(
    get, path = "/v1/transactions/{id}", tag = "services", params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "The transaction", body = TransactionDto),
        (status = 400, description = "Malformed id", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 404, description = "No such transaction of the caller's org", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn get_transaction(
    svc: web::Data<Services>,
    caller: Caller,
    _: Query<NoQuery>,
    id: web::Path<Uuid>,
) -> Result<web::Json<TransactionDto>, ApiError> {
    let view = svc.services.transaction(&caller.0, id_of(id)).await?;
    Ok(web::Json(view.into()))
}

/// The provider invoices: the next number of its own sequence, due in 14 days.
#[utoipa::path(
    post, path = "/v1/transactions/{id}/invoice", tag = "services", params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "INVOICED", body = TransactionDto),
        (status = 400, description = "Malformed id", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 403, description = "Not the provider's owner or admin", body = ErrorBody),
        (status = 404, description = "No such transaction of the caller's org", body = ErrorBody),
        (status = 409, description = "illegal_state (not PENDING_INVOICE) or concurrent_change", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn invoice(
    svc: web::Data<Services>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<TransactionDto>, ApiError> {
    let t = svc.services.invoice(&caller.0, id_of(id)).await?;
    Ok(web::Json(t.into()))
}

/// The buyer pays an invoiced transaction: by card (the gateway; PAID once it confirms),
/// by platform credits (PAID at once) or by invoice (a transfer a platform admin marks
/// paid; a MANUAL provider's instructions come back).
#[utoipa::path(
    post, path = "/v1/transactions/{id}/pay", tag = "services", params(("id" = Uuid, Path)), request_body = PayBody,
    responses(
        (status = 200, description = "PAID, or awaiting the card or the transfer", body = TransactionDto),
        (status = 400, description = "Malformed id or body", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 402, description = "insufficient_credits or card_declined", body = ErrorBody),
        (status = 403, description = "Not the buyer's owner or admin", body = ErrorBody),
        (status = 404, description = "No such transaction of the caller's org", body = ErrorBody),
        (status = 409, description = "illegal_state (not INVOICED, or a payment under way) or concurrent_change", body = ErrorBody),
        (status = 422, description = "cards_not_accepted (a MANUAL provider)", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn pay(
    svc: web::Data<Services>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: ValidJson<PayBody>,
) -> Result<web::Json<TransactionDto>, ApiError> {
    let paid = svc
        .services
        .pay(&caller.0, id_of(id), body.into_inner().payment_method.0)
        .await?;
    Ok(web::Json(TransactionDto {
        payment_instructions: paid.instructions,
        ..paid.transaction.into()
    }))
}

/// A platform admin marks an invoice paid (the transfer arrived): PAID, posted to the
/// ledger.
#[utoipa::path(
    post, path = "/v1/transactions/{id}/mark-paid", tag = "services", params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "PAID", body = TransactionDto),
        (status = 400, description = "Malformed id", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 403, description = "Not a platform admin", body = ErrorBody),
        (status = 404, description = "No such transaction", body = ErrorBody),
        (status = 409, description = "illegal_state (not awaiting a transfer) or concurrent_change", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn mark_paid(
    svc: web::Data<Services>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<TransactionDto>, ApiError> {
    let t = svc.services.mark_paid(&caller.0, id_of(id)).await?;
    Ok(web::Json(t.into()))
}

/// The provider completes the work.
#[utoipa::path(
    post, path = "/v1/transactions/{id}/complete", tag = "services", params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "COMPLETED", body = TransactionDto),
        (status = 400, description = "Malformed id", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 403, description = "Not the provider's owner or admin", body = ErrorBody),
        (status = 404, description = "No such transaction of the caller's org", body = ErrorBody),
        (status = 409, description = "illegal_state (not paid) or concurrent_change", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn complete(
    svc: web::Data<Services>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<TransactionDto>, ApiError> {
    let t = svc.services.complete(&caller.0, id_of(id)).await?;
    Ok(web::Json(t.into()))
}

/// Either party calls the transaction off before it is paid.
#[utoipa::path(
    post, path = "/v1/transactions/{id}/cancel", tag = "services", params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "CANCELLED", body = TransactionDto),
        (status = 400, description = "Malformed id", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 403, description = "Not the party's owner or admin", body = ErrorBody),
        (status = 404, description = "No such transaction of the caller's org", body = ErrorBody),
        (status = 409, description = "illegal_state (paid already) or concurrent_change", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn cancel(
    svc: web::Data<Services>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<TransactionDto>, ApiError> {
    let t = svc.services.cancel(&caller.0, id_of(id)).await?;
    Ok(web::Json(t.into()))
}

/// A platform admin refunds `amount`, or all that is left: fee and payout are reversed in
/// proportion on the ledger (R-M5); credits go back to the buyer, a card is refunded at
/// the gateway.
#[utoipa::path(
    post, path = "/v1/transactions/{id}/refund", tag = "services", params(("id" = Uuid, Path)),
    request_body = Option<RefundBody>,
    responses(
        (status = 200, description = "REFUNDED or PARTIALLY_REFUNDED", body = TransactionDto),
        (status = 400, description = "Malformed id or amount", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 403, description = "Not a platform admin", body = ErrorBody),
        (status = 404, description = "No such transaction", body = ErrorBody),
        (status = 409, description = "illegal_state (not paid) or concurrent_change", body = ErrorBody),
        (status = 422, description = "invalid_refund (zero, or more than is left)", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn refund(
    svc: web::Data<Services>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: OptionalJson<RefundBody>,
) -> Result<web::Json<TransactionDto>, ApiError> {
    let amount: Option<Money> = body
        .into_inner()
        .and_then(|b| b.amount)
        .map(|m| m.parse_field("amount"))
        .transpose()?;
    let t = svc.services.refund(&caller.0, id_of(id), amount).await?;
    Ok(web::Json(t.into()))
}
