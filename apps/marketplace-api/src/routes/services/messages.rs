//! Message threads (R-X4): one per transaction, and one enquiry thread per (buyer org,
//! service) before any transaction. Only the two parties' members read and write them;
//! platform admins read a transaction's thread to settle a dispute; anyone else is told
//! the thread does not exist. Reading a page marks the thread read for the reader's side.

use actix_web::{HttpResponse, web};
use marketplace_services::ids::{ServiceListingId, ThreadId, TransactionId};
use marketplace_services::text::MessageBody;
use uuid::Uuid;

use super::dto::{MessageBodyDto, MessageDto, ThreadDto, ThreadPageDto};
use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{Query, ValidJson};
use crate::state::Services;
use crate::wire::{ListDto, PageQuery};

/// A page of a transaction's thread, oldest first, with the caller's unread count before
/// this read.
#[utoipa::path(
    get, path = "/v1/transactions/{id}/messages", tag = "services", params(("id" = Uuid, Path), PageQuery),
    responses(
        (status = 200, description = "The thread's messages", body = ThreadPageDto),
        (status = 400, description = "Malformed id or paging", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 404, description = "No such transaction of the caller's org", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn transaction_messages(
    svc: web::Data<Services>,
    caller: Caller,
    id: web::Path<Uuid>,
    page: Query<PageQuery>,
) -> Result<web::Json<ThreadPageDto>, ApiError> {
    let page = svc
        .services
        .messages(
            &caller.0,
            TransactionId::from_uuid(id.into_inner()),
            page.into_inner().try_into()?,
        )
        .await?;
    Ok(web::Json(page.into()))
}

/// Writes in a transaction's thread (the buyer's or the provider's members).
#[utoipa::path(
    post, path = "/v1/transactions/{id}/messages", tag = "services", params(("id" = Uuid, Path)), request_body = MessageBodyDto,
    responses(
        (status = 201, description = "The message", body = MessageDto),
        (status = 400, description = "Malformed id, or a body blank or over 10,000 characters", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 403, description = "read_only: a platform admin reads, does not write", body = ErrorBody),
        (status = 404, description = "No such transaction of the caller's org", body = ErrorBody),
        (status = 409, description = "concurrent_change", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn post_transaction_message(
    svc: web::Data<Services>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: ValidJson<MessageBodyDto>,
) -> Result<HttpResponse, ApiError> {
    let body: MessageBody = body.into_inner().try_into()?;
    let message = svc
        .services
        .post(&caller.0, TransactionId::from_uuid(id.into_inner()), body)
        .await?;
    Ok(HttpResponse::Created().json(MessageDto::from(message)))
}

/// The caller's org's enquiry thread on a service, if it opened one.
#[utoipa::path(
    get, path = "/v1/services/{id}/enquiry", tag = "services", params(("id" = Uuid, Path), PageQuery),
    responses(
        (status = 200, description = "The enquiry's messages", body = ThreadPageDto),
        (status = 400, description = "Malformed id or paging", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 404, description = "The org has no enquiry on this service", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn my_enquiry(
    svc: web::Data<Services>,
    caller: Caller,
    id: web::Path<Uuid>,
    page: Query<PageQuery>,
) -> Result<web::Json<ThreadPageDto>, ApiError> {
    let page = svc
        .services
        .my_enquiry(
            &caller.0,
            ServiceListingId::from_uuid(id.into_inner()),
            page.into_inner().try_into()?,
        )
        .await?;
    Ok(web::Json(page.into()))
}

/// Asks the provider about a published service: the org's enquiry thread on it (opened on
/// first use) gets the message.
#[utoipa::path(
    post, path = "/v1/services/{id}/enquiry", tag = "services", params(("id" = Uuid, Path)), request_body = MessageBodyDto,
    responses(
        (status = 201, description = "The message", body = MessageDto),
        (status = 400, description = "Malformed id, or a body blank or over 10,000 characters", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 404, description = "No such published service", body = ErrorBody),
        (status = 409, description = "concurrent_change", body = ErrorBody),
        (status = 422, description = "own_service or not_offered", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn enquire(
    svc: web::Data<Services>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: ValidJson<MessageBodyDto>,
) -> Result<HttpResponse, ApiError> {
    let body: MessageBody = body.into_inner().try_into()?;
    let message = svc
        .services
        .enquire(
            &caller.0,
            ServiceListingId::from_uuid(id.into_inner()),
            body,
        )
        .await?;
    Ok(HttpResponse::Created().json(MessageDto::from(message)))
}

/// The enquiry threads the caller's org is a party to (as buyer or provider), latest
/// message first, each with the caller's unread count.
#[utoipa::path(
    get, path = "/v1/enquiries", tag = "services", params(PageQuery),
    responses(
        (status = 200, description = "Enquiry threads", body = ListDto<ThreadDto>),
        (status = 400, description = "Malformed paging", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn list_enquiries(
    svc: web::Data<Services>,
    caller: Caller,
    page: Query<PageQuery>,
) -> Result<web::Json<ListDto<ThreadDto>>, ApiError> {
    let page = svc
        .services
        .enquiries(&caller.0, page.into_inner().try_into()?)
        .await?;
    Ok(web::Json(ListDto::from_page(page, |v| {
        ThreadDto::new(&v.thread, Some(v.party), v.unread)
    })))
}

/// A page of an enquiry thread, for its two parties.
#[utoipa::path(
    get, path = "/v1/enquiries/{id}/messages", tag = "services", params(("id" = Uuid, Path), PageQuery),
    responses(
        (status = 200, description = "The enquiry's messages", body = ThreadPageDto),
        (status = 400, description = "Malformed id or paging", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 404, description = "No such thread of the caller's org", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn enquiry_messages(
    svc: web::Data<Services>,
    caller: Caller,
    id: web::Path<Uuid>,
    page: Query<PageQuery>,
) -> Result<web::Json<ThreadPageDto>, ApiError> {
    let page = svc
        .services
        .enquiry(
            &caller.0,
            ThreadId::from_uuid(id.into_inner()),
            page.into_inner().try_into()?,
        )
        .await?;
    Ok(web::Json(page.into()))
}

/// Writes in an enquiry thread by its id: how the provider answers.
#[utoipa::path(
    post, path = "/v1/enquiries/{id}/messages", tag = "services", params(("id" = Uuid, Path)), request_body = MessageBodyDto,
    responses(
        (status = 201, description = "The message", body = MessageDto),
        (status = 400, description = "Malformed id, or a body blank or over 10,000 characters", body = ErrorBody),
        (status = 401, description = "Missing or bad token", body = ErrorBody),
        (status = 404, description = "No such enquiry thread of the caller's org", body = ErrorBody),
        (status = 409, description = "concurrent_change", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn reply(
    svc: web::Data<Services>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: ValidJson<MessageBodyDto>,
) -> Result<HttpResponse, ApiError> {
    let body: MessageBody = body.into_inner().try_into()?;
    let message = svc
        .services
        .reply(&caller.0, ThreadId::from_uuid(id.into_inner()), body)
        .await?;
    Ok(HttpResponse::Created().json(MessageDto::from(message)))
}
