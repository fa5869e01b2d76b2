//! Services and messages (R-X1..R-X5): providers, published services, transactions and
//! their moves, message threads (a transaction's and enquiries) and provider ratings.

pub mod dto;
pub mod messages;
pub mod offers;
pub mod own;
pub mod providers;
pub mod ratings;
pub mod transactions;

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/services", web::get().to(offers::list_services))
        .route("/services/{id}", web::get().to(offers::get_service))
        .route(
            "/services/{id}/transactions",
            web::post().to(transactions::start_transaction),
        )
        .route(
            "/services/{id}/enquiry",
            web::get().to(messages::my_enquiry),
        )
        .route("/services/{id}/enquiry", web::post().to(messages::enquire))
        .route(
            "/sellers/me/provider",
            web::get().to(providers::my_provider),
        )
        .route(
            "/sellers/me/provider",
            web::put().to(providers::put_provider),
        )
        .route("/sellers/me/services", web::get().to(own::my_services))
        .route(
            "/sellers/me/services/{id}/archive",
            web::post().to(own::archive_service),
        )
        .route(
            "/transactions",
            web::get().to(transactions::list_transactions),
        )
        .route(
            "/transactions/{id}",
            web::get().to(transactions::get_transaction),
        )
        .route(
            "/transactions/{id}/invoice",
            web::post().to(transactions::invoice),
        )
        .route("/transactions/{id}/pay", web::post().to(transactions::pay))
        .route(
            "/transactions/{id}/mark-paid",
            web::post().to(transactions::mark_paid),
        )
        .route(
            "/transactions/{id}/complete",
            web::post().to(transactions::complete),
        )
        .route(
            "/transactions/{id}/cancel",
            web::post().to(transactions::cancel),
        )
        .route(
            "/transactions/{id}/refund",
            web::post().to(transactions::refund),
        )
        .route(
            "/transactions/{id}/messages",
            web::get().to(messages::transaction_messages),
        )
        .route(
            "/transactions/{id}/messages",
            web::post().to(messages::post_transaction_message),
        )
        .route("/transactions/{id}/rating", web::post().to(ratings::rate))
        .route("/enquiries", web::get().to(messages::list_enquiries))
        .route(
            "/enquiries/{id}/messages",
            web::get().to(messages::enquiry_messages),
        )
        .route("/enquiries/{id}/messages", web::post().to(messages::reply))
        .route("/moderation/ratings", web::get().to(ratings::rating_queue))
        .route(
            "/moderation/ratings/{id}",
            web::post().to(ratings::moderate_rating),
        );
}
