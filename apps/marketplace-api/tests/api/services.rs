//! Services and messages over HTTP (R-X1..R-X5) on the real wiring: provider profiles,
//! service listings through the listings workflow, transactions and their moves with the
//! platform fee, payments and refunds on the ledger, threads and enquiries, provider
//! ratings, and another org's ids answered 404 on every endpoint.

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use serde_json::{Value, json};

use crate::helpers::{Org, TestApp, assert_list, assert_money, spawn_app, uuid};

/// Registers a GROWTH org as a seller and a provider paid through `mode`.
async fn provider<S, B>(app: &TestApp<S>, name: &str, mode: &str) -> Org
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let org = app.org("GROWTH", "0").await;
    app.post(
        "/v1/sellers",
        &org.owner,
        json!({"display_name": name, "description": "Pet care",
            "website": "https://pets.example.com", "support_email": "help@pets.example.com"}),
    )
    .await
    .expect(201);
    let mut body = json!({"business_name": name, "description": "Grooming and training",
        "location": "Lyon", "payment_mode": mode});
    if mode == "MANUAL" {
        body["payment_instructions"] = json!("IBAN FR76 3000 6000 0112 3456 7890 189");
    }
    app.put("/v1/sellers/me/provider", &org.owner, body)
        .await
        .expect(200);
    org
}

/// Drafts, submits and has the moderator approve a service listing; returns its id.
async fn service<S, B>(
    app: &TestApp<S>,
    org: &Org,
    title: &str,
    price: &str,
    quotes: bool,
) -> String
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let id = draft(app, org, title, price, quotes).await;
    app.post_empty(&format!("/v1/sellers/me/listings/{id}/submit"), &org.owner)
        .await
        .expect(200);
    let approved = app
        .post(
            &format!("/v1/moderation/listings/{id}"),
            &app.moderator.clone(),
            json!({"decision": "approve"}),
        )
        .await
        .expect(200);
    assert_eq!(approved["published"]["type"], "service", "{approved}");
    approved["published"]["id"].as_str().unwrap().to_owned()
}

async fn draft<S, B>(app: &TestApp<S>, org: &Org, title: &str, price: &str, quotes: bool) -> String
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    app.post(
        "/v1/sellers/me/listings",
        &org.owner,
        json!({"kind": "service", "title": title, "category": "Grooming",
            "description": "Wash, cut and nails", "allow_quotes": quotes,
            "price": {"amount": price, "currency": "USD"}}),
    )
    .await
    .expect(201)["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// A buyer's transaction on `service`, invoiced by the provider.
async fn invoiced<S, B>(app: &TestApp<S>, buyer: &Org, seller: &Org, service: &str) -> String
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let t = app
        .post_empty(
            &format!("/v1/services/{service}/transactions"),
            &buyer.owner,
        )
        .await
        .expect(201);
    let id = t["id"].as_str().unwrap().to_owned();
    app.post_empty(&format!("/v1/transactions/{id}/invoice"), &seller.owner)
        .await
        .expect(200);
    id
}

/// The org's platform credits (through the idempotent admin PUT).
async fn credits<S, B>(app: &TestApp<S>, org: &Org) -> Value
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    app.set_tier(org.id, "GROWTH").await["credits"]["amount"].clone()
}

fn month() -> String {
    chrono::Utc::now().format("%Y-%m").to_string()
}

#[actix_web::test]
async fn r_x1_a_sellers_owners_register_it_as_a_provider_with_a_payment_mode() {
    let app = spawn_app().await;
    let org = app.org("GROWTH", "0").await;
    let profile = json!({"business_name": "Happy Paws", "description": "Grooming",
        "location": "Lyon", "payment_mode": "MANUAL", "payment_instructions": "IBAN FR76 ..."});
    // Not a seller yet.
    app.put("/v1/sellers/me/provider", &org.owner, profile.clone())
        .await
        .expect_reason(409, "conflict", "not_a_seller");
    app.get("/v1/sellers/me/provider", &org.owner)
        .await
        .expect_error(404, "not_found");
    app.post(
        "/v1/sellers",
        &org.owner,
        json!({"display_name": "Happy Paws", "support_email": "a@b.co"}),
    )
    .await
    .expect(201);
    // A member may not; MANUAL needs instructions; an unknown mode is refused.
    app.put("/v1/sellers/me/provider", &org.member, profile.clone())
        .await
        .expect_error(403, "forbidden");
    let mut bad = profile.clone();
    bad["payment_instructions"] = Value::Null;
    let err = app
        .put("/v1/sellers/me/provider", &org.owner, bad)
        .await
        .expect_error(400, "invalid_request");
    assert_eq!(err["details"][0]["field"], "payment_instructions");
    let mut bad = profile.clone();
    bad["payment_mode"] = json!("CASH");
    bad["business_name"] = json!("  ");
    let err = app
        .put("/v1/sellers/me/provider", &org.owner, bad)
        .await
        .expect_error(400, "invalid_request");
    let fields: Vec<&str> = err["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["business_name", "payment_mode"]);
    app.get("/v1/sellers/me/provider", &org.owner)
        .await
        .expect_error(404, "not_found");

    let p = app
        .put("/v1/sellers/me/provider", &org.admin, profile)
        .await
        .expect(200);
    assert_eq!(p["payment_mode"], "MANUAL");
    assert_eq!(p["payment_instructions"], "IBAN FR76 ...");
    assert_eq!(p["avg_rating"], Value::Null);
    // The profile is replaced, not duplicated.
    let p2 = app
        .put(
            "/v1/sellers/me/provider",
            &org.owner,
            json!({"business_name": "Happy Paws Lyon", "description": "Grooming",
                "location": "Lyon", "payment_mode": "STRIPE_CONNECT"}),
        )
        .await
        .expect(200);
    assert_eq!(p2["id"], p["id"]);
    let mine = app
        .get("/v1/sellers/me/provider", &org.member)
        .await
        .expect(200);
    assert_eq!(mine["business_name"], "Happy Paws Lyon");
    assert_eq!(mine["payment_mode"], "STRIPE_CONNECT");
    assert_eq!(mine["payment_instructions"], Value::Null);
}

#[actix_web::test]
async fn r_x2_an_approved_service_listing_is_one_published_service_browsed_and_searched() {
    let app = spawn_app().await;
    let seller = provider(&app, "Happy Paws", "STRIPE_CONNECT").await;
    let buyer = app.org("GROWTH", "0").await;
    // A seller without a provider profile: the approval is refused, nothing is public.
    let plain = app.org("GROWTH", "0").await;
    app.post(
        "/v1/sellers",
        &plain.owner,
        json!({"display_name": "Plain", "support_email": "a@b.co"}),
    )
    .await
    .expect(201);
    let orphan = draft(&app, &plain, "Dog walking", "30.00", false).await;
    app.post_empty(
        &format!("/v1/sellers/me/listings/{orphan}/submit"),
        &plain.owner,
    )
    .await
    .expect(200);
    let err = app
        .post(
            &format!("/v1/moderation/listings/{orphan}"),
            &app.moderator.clone(),
            json!({"decision": "approve"}),
        )
        .await
        .expect_reason(422, "invalid_request", "publish_refused");
    assert_eq!(err["details"][0]["field"], "provider");
    app.get(&format!("/v1/services/{orphan}"), &buyer.owner)
        .await
        .expect_error(404, "not_found");

    // Submitted but not approved: not offered.
    let waiting = draft(&app, &seller, "Cat grooming", "80.00", false).await;
    app.post_empty(
        &format!("/v1/sellers/me/listings/{waiting}/submit"),
        &seller.owner,
    )
    .await
    .expect(200);
    let id = service(&app, &seller, "Dog grooming", "45.00", false).await;
    assert_ne!(id, orphan);
    let page = app.get("/v1/services", &buyer.member).await.expect(200);
    let items = assert_list(&page, 1, 50, 0);
    assert_eq!(
        items[0]["id"],
        id.as_str(),
        "the service's id is the listing's"
    );
    assert_eq!(items[0]["status"], "PUBLISHED");
    assert_money(&items[0]["price"], "45.00");
    assert_eq!(items[0]["provider"]["business_name"], "Happy Paws");
    assert_eq!(items[0]["provider"]["rating_count"], 0);

    for (query, total) in [
        ("search=GROOM", 1),
        ("search=nails", 1),
        ("search=piano", 0),
        ("category=grooming", 1),
        ("category=Training", 0),
        ("category=grooming&search=dog", 1),
        ("category=grooming&search=cat", 0),
    ] {
        let page = app
            .get(&format!("/v1/services?{query}"), &buyer.member)
            .await
            .expect(200);
        assert_eq!(page["total"], total, "{query}: {page}");
    }
    app.get("/v1/services?limit=0", &buyer.member)
        .await
        .expect_error(400, "invalid_request");
    let one = app
        .get(&format!("/v1/services/{id}"), &buyer.member)
        .await
        .expect(200);
    assert_eq!(one["title"], "Dog grooming");
    app.get(&format!("/v1/services/{}", uuid()), &buyer.member)
        .await
        .expect_error(404, "not_found");
}

#[actix_web::test]
async fn r_x2_a_provider_archives_its_service_which_leaves_the_listing_but_not_its_own_page() {
    let app = spawn_app().await;
    let seller = provider(&app, "Paws Archive", "STRIPE_CONNECT").await;
    let other = provider(&app, "Other Paws", "STRIPE_CONNECT").await;
    let buyer = app.org("GROWTH", "0").await;
    let id = service(&app, &seller, "Puppy class", "60.00", false).await;
    let kept = service(&app, &seller, "Adult class", "70.00", false).await;

    // Another provider, or a buyer, cannot withdraw it: not found, nothing changed.
    for org in [&other, &buyer] {
        app.post_empty(&format!("/v1/sellers/me/services/{id}/archive"), &org.owner)
            .await
            .expect_error(404, "not_found");
    }
    app.post_empty(
        &format!("/v1/sellers/me/services/{id}/archive"),
        &seller.member,
    )
    .await
    .expect_error(403, "forbidden");
    app.get(&format!("/v1/services/{id}"), &buyer.member)
        .await
        .expect(200);

    let archived = app
        .post_empty(
            &format!("/v1/sellers/me/services/{id}/archive"),
            &seller.owner,
        )
        .await
        .expect(200);
    assert_eq!(archived["status"], "ARCHIVED");
    app.get(&format!("/v1/services/{id}"), &buyer.member)
        .await
        .expect_error(404, "not_found");
    let page = app
        .get("/v1/services?search=class", &buyer.member)
        .await
        .expect(200);
    let items = assert_list(&page, 1, 50, 0);
    assert_eq!(
        items[0]["id"],
        kept.as_str(),
        "only the service still offered"
    );
    app.post(
        &format!("/v1/services/{id}/transactions"),
        &buyer.owner,
        json!({}),
    )
    .await
    .expect_error(404, "not_found");

    // Its provider still sees it, archived, beside the one on sale; archiving twice is
    // an illegal move.
    let own = app
        .get("/v1/sellers/me/services", &seller.member)
        .await
        .expect(200);
    let items = assert_list(&own, 2, 50, 0);
    let status = |sid: &str| {
        items
            .iter()
            .find(|i| i["id"] == sid)
            .map(|i| i["status"].clone())
    };
    assert_eq!(status(&id), Some(json!("ARCHIVED")));
    assert_eq!(status(&kept), Some(json!("PUBLISHED")));
    app.post_empty(
        &format!("/v1/sellers/me/services/{id}/archive"),
        &seller.owner,
    )
    .await
    .expect_reason(409, "conflict", "illegal_state");
    app.get("/v1/sellers/me/services", &buyer.owner)
        .await
        .expect_error(404, "not_found");
}

#[actix_web::test]
async fn r_x3_a_transaction_is_invoiced_paid_completed_and_refunded_with_fee_and_payout() {
    let app = spawn_app().await;
    let seller = provider(&app, "Happy Paws", "STRIPE_CONNECT").await;
    let buyer = app.org("GROWTH", "1000.00").await;
    let id = service(&app, &seller, "Dog grooming", "250.00", false).await;

    // Members may not buy; the provider never buys its own service.
    app.post_empty(&format!("/v1/services/{id}/transactions"), &buyer.member)
        .await
        .expect_error(403, "forbidden");
    app.post_empty(&format!("/v1/services/{id}/transactions"), &seller.owner)
        .await
        .expect_reason(422, "invalid_request", "own_service");
    // No quotes on this listing.
    app.post(
        &format!("/v1/services/{id}/transactions"),
        &buyer.owner,
        json!({"amount": {"amount": "10.00", "currency": "USD"}}),
    )
    .await
    .expect_reason(422, "invalid_request", "quotes_not_allowed");

    let t = app
        .post(
            &format!("/v1/services/{id}/transactions"),
            &buyer.owner,
            json!({"description": "Two dogs, Saturday"}),
        )
        .await
        .expect(201);
    let tid = t["id"].as_str().unwrap().to_owned();
    assert_eq!(t["status"], "PENDING_INVOICE");
    assert_eq!(t["description"], "Two dogs, Saturday");
    assert_money(&t["amount"], "250.00");
    assert_money(&t["platform_fee"], "12.50");
    assert_money(&t["provider_payout"], "237.50");
    assert_eq!(t["invoice"], Value::Null);

    // Illegal moves: refused, nothing changed.
    let before = app
        .get(&format!("/v1/transactions/{tid}"), &buyer.owner)
        .await
        .expect(200);
    for (who, action, body) in [
        (
            &buyer.owner,
            "pay",
            Some(json!({"payment_method": "platform_credits"})),
        ),
        (&seller.owner, "complete", None),
    ] {
        let r = app
            .call(
                "POST",
                &format!("/v1/transactions/{tid}/{action}"),
                Some(who),
                body,
            )
            .await;
        let err = r.expect_reason(409, "conflict", "illegal_state");
        assert_eq!(err["details"][0]["from"], "PENDING_INVOICE", "{action}");
    }
    app.post(
        &format!("/v1/transactions/{tid}/refund"),
        &app.platform_admin.clone(),
        json!({}),
    )
    .await
    .expect_reason(409, "conflict", "illegal_state");
    // Only the provider invoices.
    app.post_empty(&format!("/v1/transactions/{tid}/invoice"), &buyer.owner)
        .await
        .expect_error(403, "forbidden");
    app.post_empty(&format!("/v1/transactions/{tid}/invoice"), &seller.member)
        .await
        .expect_error(403, "forbidden");
    let after = app
        .get(&format!("/v1/transactions/{tid}"), &buyer.owner)
        .await
        .expect(200);
    assert_eq!(after, before);

    let invoiced = app
        .post_empty(&format!("/v1/transactions/{tid}/invoice"), &seller.owner)
        .await
        .expect(200);
    assert_eq!(invoiced["status"], "INVOICED");
    assert_eq!(invoiced["invoice"]["number"], "INV-000001");
    let issued =
        chrono::DateTime::parse_from_rfc3339(invoiced["invoice"]["issued_at"].as_str().unwrap())
            .unwrap();
    let due = chrono::DateTime::parse_from_rfc3339(invoiced["invoice"]["due_at"].as_str().unwrap())
        .unwrap();
    assert_eq!(due - issued, chrono::Duration::days(14));
    app.post_empty(&format!("/v1/transactions/{tid}/invoice"), &seller.owner)
        .await
        .expect_reason(409, "conflict", "illegal_state");
    // A second transaction takes the provider's next number.
    let second = invoiced_number(&app, &buyer, &seller, &id).await;
    assert_eq!(second, "INV-000002");

    // Paid with platform credits: debited at once.
    let paid = app
        .post(
            &format!("/v1/transactions/{tid}/pay"),
            &buyer.admin,
            json!({"payment_method": "platform_credits"}),
        )
        .await
        .expect(200);
    assert_eq!(paid["status"], "PAID");
    assert_eq!(paid["payment"]["payment_method"], "platform_credits");
    assert_eq!(credits(&app, &buyer).await, "750.00");
    app.post_empty(&format!("/v1/transactions/{tid}/cancel"), &buyer.owner)
        .await
        .expect_reason(409, "conflict", "illegal_state");
    // The provider's statement takes the sale in: fee and payout to the cent.
    let statement = app
        .get(
            &format!("/v1/sellers/me/statements?month={}", month()),
            &seller.owner,
        )
        .await
        .expect(200);
    assert_money(&statement["totals"]["gross"], "250.00");
    assert_money(&statement["totals"]["fees"], "12.50");
    assert_money(&statement["totals"]["net"], "237.50");

    let done = app
        .post_empty(&format!("/v1/transactions/{tid}/complete"), &seller.admin)
        .await
        .expect(200);
    assert_eq!(done["status"], "COMPLETED");
    assert!(done["completed_at"].is_string());

    // Refunds: a platform admin's, partial then the rest; never more than is left.
    app.post(
        &format!("/v1/transactions/{tid}/refund"),
        &buyer.owner,
        json!({}),
    )
    .await
    .expect_error(403, "forbidden");
    let admin = app.platform_admin.clone();
    let err = app
        .post(
            &format!("/v1/transactions/{tid}/refund"),
            &admin,
            json!({"amount": {"amount": "300.00", "currency": "USD"}}),
        )
        .await
        .expect_reason(422, "invalid_request", "invalid_refund");
    assert_money(&err["details"][0]["refundable"], "250.00");
    let partial = app
        .post(
            &format!("/v1/transactions/{tid}/refund"),
            &admin,
            json!({"amount": {"amount": "100.00", "currency": "USD"}}),
        )
        .await
        .expect(200);
    assert_eq!(partial["status"], "PARTIALLY_REFUNDED");
    assert_money(&partial["refunded"], "100.00");
    assert_eq!(credits(&app, &buyer).await, "850.00");
    let full = app
        .post_empty(&format!("/v1/transactions/{tid}/refund"), &admin)
        .await
        .expect(200);
    assert_eq!(full["status"], "REFUNDED");
    assert_money(&full["refunded"], "250.00");
    assert_eq!(credits(&app, &buyer).await, "1000.00");
    let statement = app
        .get(
            &format!("/v1/sellers/me/statements?month={}", month()),
            &seller.owner,
        )
        .await
        .expect(200);
    assert_money(&statement["totals"]["refunds"], "250.00");
    assert_money(&statement["totals"]["net"], "0.00");
    app.post_empty(&format!("/v1/transactions/{tid}/refund"), &admin)
        .await
        .expect_reason(409, "conflict", "illegal_state");

    // Both parties list it; the buyer sees its side.
    let mine = app.get("/v1/transactions", &buyer.member).await.expect(200);
    let items = assert_list(&mine, 2, 50, 0);
    assert!(items.iter().all(|t| t["party"] == "BUYER"));
    let theirs = app
        .get("/v1/transactions", &seller.member)
        .await
        .expect(200);
    assert!(
        theirs["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["party"] == "PROVIDER")
    );
}

async fn invoiced_number<S, B>(app: &TestApp<S>, buyer: &Org, seller: &Org, service: &str) -> String
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let id = invoiced(app, buyer, seller, service).await;
    app.get(&format!("/v1/transactions/{id}"), &seller.owner)
        .await
        .expect(200)["invoice"]["number"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[actix_web::test]
async fn r_x3_a_manual_provider_is_paid_by_transfer_that_a_platform_admin_marks_paid() {
    let app = spawn_app().await;
    let seller = provider(&app, "Happy Paws", "MANUAL").await;
    let buyer = app.org("GROWTH", "10.00").await;
    let id = service(&app, &seller, "Dog grooming", "45.00", true).await;
    // A quote, where the listing takes them.
    let t = app
        .post(
            &format!("/v1/services/{id}/transactions"),
            &buyer.owner,
            json!({"amount": {"amount": "60.00", "currency": "USD"}}),
        )
        .await
        .expect(201);
    assert_money(&t["amount"], "60.00");
    assert_money(&t["platform_fee"], "3.00");
    let tid = t["id"].as_str().unwrap().to_owned();
    app.post_empty(&format!("/v1/transactions/{tid}/invoice"), &seller.owner)
        .await
        .expect(200);
    app.post(
        &format!("/v1/transactions/{tid}/pay"),
        &buyer.owner,
        json!({"payment_method": "credit_card"}),
    )
    .await
    .expect_reason(422, "invalid_request", "cards_not_accepted");
    app.post(
        &format!("/v1/transactions/{tid}/pay"),
        &buyer.owner,
        json!({"payment_method": "platform_credits"}),
    )
    .await
    .expect_reason(402, "payment_required", "insufficient_credits");
    assert_eq!(credits(&app, &buyer).await, "10.00");
    app.post(
        &format!("/v1/transactions/{tid}/pay"),
        &buyer.owner,
        json!({"payment_method": "bitcoin"}),
    )
    .await
    .expect_error(400, "invalid_request");
    let waiting = app
        .post(
            &format!("/v1/transactions/{tid}/pay"),
            &buyer.owner,
            json!({"payment_method": "invoice"}),
        )
        .await
        .expect(200);
    assert_eq!(waiting["status"], "INVOICED");
    assert_eq!(waiting["awaiting"], "transfer");
    assert!(
        waiting["payment_instructions"]
            .as_str()
            .unwrap()
            .starts_with("IBAN")
    );
    // Only a platform admin marks it paid; once.
    for who in [&buyer.owner, &seller.owner] {
        app.post_empty(&format!("/v1/transactions/{tid}/mark-paid"), who)
            .await
            .expect_error(403, "forbidden");
    }
    let admin = app.platform_admin.clone();
    let paid = app
        .post_empty(&format!("/v1/transactions/{tid}/mark-paid"), &admin)
        .await
        .expect(200);
    assert_eq!(paid["status"], "PAID");
    assert_eq!(paid["payment"]["payment_method"], "invoice");
    app.post_empty(&format!("/v1/transactions/{tid}/mark-paid"), &admin)
        .await
        .expect_reason(409, "conflict", "illegal_state");
}

#[actix_web::test]
async fn r_x3_a_card_payment_goes_through_the_gateway_and_either_party_may_cancel_before() {
    let app = spawn_app().await;
    let seller = provider(&app, "Happy Paws", "STRIPE_CONNECT").await;
    let buyer = app.org("GROWTH", "0").await;
    let id = service(&app, &seller, "Dog grooming", "45.00", false).await;
    let tid = invoiced(&app, &buyer, &seller, &id).await;
    // The offline gateway confirms at once.
    let paid = app
        .post(
            &format!("/v1/transactions/{tid}/pay"),
            &buyer.owner,
            json!({"payment_method": "credit_card"}),
        )
        .await
        .expect(200);
    assert_eq!(paid["status"], "PAID");
    assert_eq!(paid["payment"]["payment_method"], "credit_card");
    let refunded = app
        .post_empty(
            &format!("/v1/transactions/{tid}/refund"),
            &app.platform_admin.clone(),
        )
        .await
        .expect(200);
    assert_eq!(refunded["status"], "REFUNDED");

    let other = invoiced(&app, &buyer, &seller, &id).await;
    app.post_empty(&format!("/v1/transactions/{other}/cancel"), &buyer.member)
        .await
        .expect_error(403, "forbidden");
    let cancelled = app
        .post_empty(&format!("/v1/transactions/{other}/cancel"), &seller.owner)
        .await
        .expect(200);
    assert_eq!(cancelled["status"], "CANCELLED");
    app.post(
        &format!("/v1/transactions/{other}/pay"),
        &buyer.owner,
        json!({"payment_method": "credit_card"}),
    )
    .await
    .expect_reason(409, "conflict", "illegal_state");
}

#[actix_web::test]
async fn r_x4_only_the_two_parties_write_in_a_transactions_thread_and_each_has_unread_counts() {
    let app = spawn_app().await;
    let seller = provider(&app, "Happy Paws", "STRIPE_CONNECT").await;
    let buyer = app.org("GROWTH", "0").await;
    let stranger = app.org("GROWTH", "0").await;
    let id = service(&app, &seller, "Dog grooming", "45.00", false).await;
    let tid = invoiced(&app, &buyer, &seller, &id).await;
    let uri = format!("/v1/transactions/{tid}/messages");

    let m = app
        .post(&uri, &buyer.member, json!({"body": "  Is 9am fine?  "}))
        .await
        .expect(201);
    assert_eq!(m["body"], "Is 9am fine?");
    assert_eq!(
        (m["seq"].clone(), m["author"].clone()),
        (json!(1), json!("BUYER"))
    );
    app.post(&uri, &buyer.viewer, json!({"body": "And my cat?"}))
        .await
        .expect(201);
    // Bodies of 1..=10,000 characters.
    for bad in [
        json!({"body": "   "}),
        json!({"body": "x".repeat(10_001)}),
        json!({}),
    ] {
        app.post(&uri, &buyer.owner, bad)
            .await
            .expect_error(400, "invalid_request");
    }
    app.post(&uri, &buyer.owner, json!({"body": "y".repeat(10_000)}))
        .await
        .expect(201);

    // The provider has three unread; reading marks them read.
    let listed = app
        .get("/v1/transactions", &seller.member)
        .await
        .expect(200);
    assert_eq!(listed["items"][0]["unread"], 3);
    let page = app
        .get(&format!("{uri}?limit=2"), &seller.member)
        .await
        .expect(200);
    assert_eq!(page["unread"], 3);
    assert_eq!(page["total"], 3);
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    assert_eq!(page["thread"]["transaction_id"], tid.as_str());
    let page = app
        .get(&format!("{uri}?offset=2"), &seller.member)
        .await
        .expect(200);
    assert_eq!(page["unread"], 0);
    assert_eq!(page["items"][0]["seq"], 3);
    app.post(&uri, &seller.owner, json!({"body": "Yes, both"}))
        .await
        .expect(201);
    let t = app
        .get(&format!("/v1/transactions/{tid}"), &buyer.owner)
        .await
        .expect(200);
    assert_eq!(t["unread"], 1);

    // Another org: not found, nothing written.
    app.get(&uri, &stranger.owner)
        .await
        .expect_error(404, "not_found");
    app.post(&uri, &stranger.owner, json!({"body": "hi"}))
        .await
        .expect_error(404, "not_found");
    // A platform admin reads for disputes, and does not write.
    let admin = app.platform_admin.clone();
    let read = app.get(&uri, &admin).await.expect(200);
    assert_eq!(read["total"], 4);
    app.post(&uri, &admin, json!({"body": "hi"}))
        .await
        .expect_reason(403, "forbidden", "read_only");
    let page = app.get(&uri, &buyer.owner).await.expect(200);
    assert_eq!(page["total"], 4);
}

#[actix_web::test]
async fn r_x4_an_enquiry_thread_per_buyer_org_and_service_answered_by_the_provider() {
    let app = spawn_app().await;
    let seller = provider(&app, "Happy Paws", "STRIPE_CONNECT").await;
    let buyer = app.org("GROWTH", "0").await;
    let stranger = app.org("GROWTH", "0").await;
    let id = service(&app, &seller, "Dog grooming", "45.00", false).await;
    let enquiry = format!("/v1/services/{id}/enquiry");

    app.get(&enquiry, &buyer.owner)
        .await
        .expect_error(404, "not_found");
    let first = app
        .post(
            &enquiry,
            &buyer.member,
            json!({"body": "Do you groom cats?"}),
        )
        .await
        .expect(201);
    let second = app
        .post(&enquiry, &buyer.owner, json!({"body": "And rabbits?"}))
        .await
        .expect(201);
    assert_eq!(
        first["thread_id"], second["thread_id"],
        "one per org and service"
    );
    let thread = first["thread_id"].as_str().unwrap().to_owned();
    app.post(&enquiry, &seller.owner, json!({"body": "me?"}))
        .await
        .expect_reason(422, "invalid_request", "own_service");
    app.post(
        &format!("/v1/services/{}/enquiry", uuid()),
        &buyer.owner,
        json!({"body": "?"}),
    )
    .await
    .expect_error(404, "not_found");

    // The provider finds it with its unread count and answers.
    let list = app.get("/v1/enquiries", &seller.member).await.expect(200);
    let items = assert_list(&list, 1, 50, 0);
    assert_eq!(items[0]["id"], thread.as_str());
    assert_eq!(items[0]["service_id"], id.as_str());
    assert_eq!(items[0]["unread"], 2);
    assert_eq!(items[0]["party"], "PROVIDER");
    let reply = format!("/v1/enquiries/{thread}/messages");
    let read = app.get(&reply, &seller.owner).await.expect(200);
    assert_eq!(read["unread"], 2);
    app.post(
        &reply,
        &seller.owner,
        json!({"body": "Cats yes, rabbits no"}),
    )
    .await
    .expect(201);
    let mine = app.get(&enquiry, &buyer.owner).await.expect(200);
    assert_eq!(mine["unread"], 1);
    assert_eq!(mine["total"], 3);
    assert_eq!(mine["items"][2]["author"], "PROVIDER");

    // Nobody else reads or writes it; platform admins do not see enquiries.
    let admin = app.platform_admin.clone();
    for who in [&stranger.owner, &admin] {
        app.get(&reply, who).await.expect_error(404, "not_found");
        app.post(&reply, who, json!({"body": "hi"}))
            .await
            .expect_error(404, "not_found");
    }
    app.get(&enquiry, &stranger.owner)
        .await
        .expect_error(404, "not_found");
    let none = app.get("/v1/enquiries", &stranger.owner).await.expect(200);
    assert_list(&none, 0, 50, 0);
    assert_eq!(app.get(&reply, &buyer.owner).await.expect(200)["total"], 3);
}

#[actix_web::test]
async fn r_x5_the_buyer_rates_a_completed_transaction_once_and_approved_ratings_count() {
    let app = spawn_app().await;
    let seller = provider(&app, "Happy Paws", "STRIPE_CONNECT").await;
    let buyer = app.org("GROWTH", "100.00").await;
    let id = service(&app, &seller, "Dog grooming", "45.00", false).await;
    let tid = invoiced(&app, &buyer, &seller, &id).await;
    let rate = format!("/v1/transactions/{tid}/rating");
    app.post(
        &format!("/v1/transactions/{tid}/pay"),
        &buyer.owner,
        json!({"payment_method": "platform_credits"}),
    )
    .await
    .expect(200);
    app.post(&rate, &buyer.member, json!({"rating": 4}))
        .await
        .expect_reason(409, "conflict", "not_completed");
    app.post_empty(&format!("/v1/transactions/{tid}/complete"), &seller.owner)
        .await
        .expect(200);
    app.post(&rate, &buyer.member, json!({"rating": 6}))
        .await
        .expect_error(400, "invalid_request");
    app.post(&rate, &seller.member, json!({"rating": 5}))
        .await
        .expect_reason(403, "forbidden", "not_the_buyer");
    let rated = app
        .post(
            &rate,
            &buyer.member,
            json!({"rating": 4, "comment": "Lovely"}),
        )
        .await
        .expect(201);
    assert_eq!(rated["status"], "PENDING");
    app.post(&rate, &buyer.owner, json!({"rating": 1}))
        .await
        .expect_reason(409, "conflict", "already_rated");
    // Pending ratings do not count.
    let shown = app
        .get(&format!("/v1/services/{id}"), &buyer.owner)
        .await
        .expect(200);
    assert_eq!(shown["provider"]["avg_rating"], Value::Null);

    // Moderated like reviews.
    app.get("/v1/moderation/ratings", &buyer.owner)
        .await
        .expect_error(403, "forbidden");
    let moderator = app.moderator.clone();
    let queue = app
        .get("/v1/moderation/ratings", &moderator)
        .await
        .expect(200);
    let items = assert_list(&queue, 1, 50, 0);
    let rating = items[0]["id"].as_str().unwrap().to_owned();
    app.post(
        &format!("/v1/moderation/ratings/{}", uuid()),
        &moderator,
        json!({"decision": "approve"}),
    )
    .await
    .expect_error(404, "not_found");
    let approved = app
        .post(
            &format!("/v1/moderation/ratings/{rating}"),
            &moderator,
            json!({"decision": "approve"}),
        )
        .await
        .expect(200);
    assert_eq!(approved["status"], "APPROVED");
    let shown = app
        .get(&format!("/v1/services/{id}"), &buyer.owner)
        .await
        .expect(200);
    assert_eq!(shown["provider"]["avg_rating"], "4.00");
    assert_eq!(shown["provider"]["rating_count"], 1);
    let me = app
        .get("/v1/sellers/me/provider", &seller.owner)
        .await
        .expect(200);
    assert_eq!(me["avg_rating"], "4.00");
    // A later refund does not take the rating away.
    app.post_empty(
        &format!("/v1/transactions/{tid}/refund"),
        &app.platform_admin.clone(),
    )
    .await
    .expect(200);
    let shown = app
        .get(&format!("/v1/services/{id}"), &buyer.owner)
        .await
        .expect(200);
    assert_eq!(shown["provider"]["rating_count"], 1);
}

/// Every services endpoint, called by another org with this org's ids, answers 404 and
/// changes nothing; the platform admins' moves answer that org 403 whether or not the id
/// exists, so nothing is learnt either way.
#[actix_web::test]
async fn r_x4_bola_another_orgs_ids_are_not_found_on_every_services_endpoint() {
    let app = spawn_app().await;
    let seller = provider(&app, "Happy Paws", "STRIPE_CONNECT").await;
    let buyer = app.org("GROWTH", "100.00").await;
    let stranger = app.org("GROWTH", "100.00").await;
    let id = service(&app, &seller, "Dog grooming", "45.00", false).await;
    let tid = invoiced(&app, &buyer, &seller, &id).await;
    let thread = app
        .post(
            &format!("/v1/services/{id}/enquiry"),
            &buyer.owner,
            json!({"body": "?"}),
        )
        .await
        .expect(201)["thread_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let unpublished = draft(&app, &seller, "Cat grooming", "80.00", false).await;
    let before = (
        app.get(&format!("/v1/transactions/{tid}"), &buyer.owner)
            .await
            .expect(200),
        app.get(
            &format!("/v1/transactions/{tid}/messages"),
            &app.platform_admin.clone(),
        )
        .await
        .expect(200),
    );

    let not_found: Vec<(&str, String, Option<Value>)> = vec![
        ("GET", format!("/v1/services/{unpublished}"), None),
        (
            "POST",
            format!("/v1/services/{unpublished}/transactions"),
            None,
        ),
        (
            "POST",
            format!("/v1/services/{unpublished}/enquiry"),
            Some(json!({"body": "?"})),
        ),
        ("GET", format!("/v1/services/{id}/enquiry"), None),
        ("GET", format!("/v1/transactions/{tid}"), None),
        ("POST", format!("/v1/transactions/{tid}/invoice"), None),
        (
            "POST",
            format!("/v1/transactions/{tid}/pay"),
            Some(json!({"payment_method": "platform_credits"})),
        ),
        ("POST", format!("/v1/transactions/{tid}/complete"), None),
        ("POST", format!("/v1/transactions/{tid}/cancel"), None),
        ("GET", format!("/v1/transactions/{tid}/messages"), None),
        (
            "POST",
            format!("/v1/transactions/{tid}/messages"),
            Some(json!({"body": "hi"})),
        ),
        (
            "POST",
            format!("/v1/transactions/{tid}/rating"),
            Some(json!({"rating": 5})),
        ),
        ("GET", format!("/v1/enquiries/{thread}/messages"), None),
        (
            "POST",
            format!("/v1/enquiries/{thread}/messages"),
            Some(json!({"body": "hi"})),
        ),
    ];
    for (method, uri, body) in not_found {
        let r = app.call(method, &uri, Some(&stranger.owner), body).await;
        assert_eq!(r.status.as_u16(), 404, "{method} {uri}: {}", r.text());
        r.expect_error(404, "not_found");
    }
    // Lists show the stranger nothing of theirs.
    for uri in ["/v1/transactions", "/v1/enquiries"] {
        let page = app.get(uri, &stranger.owner).await.expect(200);
        assert_list(&page, 0, 50, 0);
    }
    // Platform admins' moves: the same 403 for this id and for an unknown one.
    for action in ["mark-paid", "refund"] {
        for t in [tid.clone(), uuid()] {
            app.post_empty(&format!("/v1/transactions/{t}/{action}"), &stranger.owner)
                .await
                .expect_error(403, "forbidden");
        }
    }
    let after = (
        app.get(&format!("/v1/transactions/{tid}"), &buyer.owner)
            .await
            .expect(200),
        app.get(
            &format!("/v1/transactions/{tid}/messages"),
            &app.platform_admin.clone(),
        )
        .await
        .expect(200),
    );
    assert_eq!(after, before);
}

#[actix_web::test]
async fn the_demo_provider_has_two_published_services_and_an_invoiced_transaction_once() {
    use marketplace_api::demo;
    use marketplace_api::state::Services;
    use marketplace_domain::paging::PageRequest;

    let db = crate::helpers::database().await;
    let ports = marketplace_api::runtime::ports(
        &db,
        std::sync::Arc::new(marketplace_stripe::OfflineGateway::new()),
    );
    demo::provision(&ports.orgs).await.unwrap();
    let services = Services::new(ports.clone());
    for _ in 0..2 {
        demo::provision_services(&ports.orgs, &services)
            .await
            .unwrap();
    }
    let owner = demo::provider_owner();
    let offered = services
        .services
        .browse(&owner, None, PageRequest::default())
        .await
        .unwrap();
    assert_eq!(offered.total, 2);
    assert!(
        offered
            .items
            .iter()
            .all(|o| o.provider.org_id() == owner.org_id)
    );
    let mine = services
        .services
        .transactions(&owner, PageRequest::default())
        .await
        .unwrap();
    assert_eq!(mine.total, 1);
    let t = &mine.items[0].transaction;
    assert_eq!(t.status().as_str(), "INVOICED");
    assert_eq!(t.buyer_org(), demo::ORGS[2].id);
    assert_eq!(t.invoice().unwrap().number.to_string(), "INV-000001");
}

/// A card gateway whose payments wait for the payment provider's confirmation.
struct PendingCards;

#[async_trait::async_trait]
impl marketplace_domain::checkout::PaymentGateway for PendingCards {
    async fn create_payment(
        &self,
        request: &marketplace_domain::checkout::PaymentRequest,
    ) -> Result<marketplace_domain::checkout::Payment, marketplace_domain::payment::PaymentError>
    {
        Ok(marketplace_domain::checkout::Payment {
            payment: marketplace_domain::checkout::PaymentRef {
                reference: format!("pi_{}", request.order_id.as_uuid().simple()),
                client_secret: None,
            },
            state: marketplace_domain::checkout::PaymentState::Pending,
        })
    }
    async fn payment_state(
        &self,
        _: &str,
    ) -> Result<marketplace_domain::checkout::PaymentState, marketplace_domain::payment::PaymentError>
    {
        Ok(marketplace_domain::checkout::PaymentState::Pending)
    }
    async fn refund(
        &self,
        _: &str,
        _: marketplace_domain::money::Money,
        _: &str,
    ) -> Result<(), marketplace_domain::payment::PaymentError> {
        Ok(())
    }
    async fn cancel(&self, _: &str) -> Result<(), marketplace_domain::payment::PaymentError> {
        Ok(())
    }
}

#[actix_web::test]
async fn r_x3_a_card_payment_is_settled_once_by_the_payment_providers_confirmation() {
    use actix_web::{App, test as atest};
    use marketplace_api::routes::webhooks::WebhookSecret;

    const SECRET: &str = "whsec_services";
    let db = crate::helpers::database().await;
    let mut ports = marketplace_api::runtime::ports(
        &db,
        std::sync::Arc::new(marketplace_stripe::OfflineGateway::new()),
    );
    ports.payments = std::sync::Arc::new(PendingCards);
    let keys =
        marketplace_api::auth::TokenKeys::new(crate::helpers::SECRET, crate::helpers::ISSUER);
    let svc = atest::init_service(App::new().configure(
        marketplace_api::app::configure_with_webhooks(
            marketplace_api::state::Services::new(ports),
            keys.clone(),
            WebhookSecret(Some(SECRET.to_owned())),
        ),
    ))
    .await;
    let staff = uuid::Uuid::new_v4();
    let mint = |role| {
        crate::helpers::mint(
            &keys,
            uuid::Uuid::new_v4(),
            staff,
            marketplace_domain::access::OrgRole::Member,
            role,
        )
    };
    let app = TestApp {
        svc,
        keys: keys.clone(),
        platform_admin: mint(marketplace_domain::access::PlatformRole::Admin),
        moderator: mint(marketplace_domain::access::PlatformRole::Moderator),
    };
    let seller = provider(&app, "Happy Paws", "STRIPE_CONNECT").await;
    let buyer = app.org("GROWTH", "0").await;
    let id = service(&app, &seller, "Dog grooming", "45.00", false).await;
    let tid = invoiced(&app, &buyer, &seller, &id).await;
    let waiting = app
        .post(
            &format!("/v1/transactions/{tid}/pay"),
            &buyer.owner,
            json!({"payment_method": "credit_card"}),
        )
        .await
        .expect(200);
    assert_eq!(waiting["status"], "INVOICED");
    assert_eq!(waiting["awaiting"], "card");
    // A payment under way blocks any other.
    app.post(
        &format!("/v1/transactions/{tid}/pay"),
        &buyer.owner,
        json!({"payment_method": "invoice"}),
    )
    .await
    .expect_reason(409, "conflict", "illegal_state");

    let intent = format!("pi_{}", uuid::Uuid::parse_str(&tid).unwrap().simple());
    let results: Vec<Value> = {
        let mut out = Vec::new();
        for _ in 0..2 {
            let event = serde_json::to_vec(&json!({
                "id": format!("evt_{}", uuid::Uuid::new_v4().simple()),
                "object": "event",
                "type": "payment_intent.succeeded",
                "livemode": false,
                "created": chrono::Utc::now().timestamp(),
                "data": {"object": {"id": intent, "object": "payment_intent",
                    "amount": 4500, "amount_received": 4500, "currency": "usd",
                    "metadata": {"order_id": tid, "org_id": buyer.id}}},
            }))
            .unwrap();
            let t = chrono::Utc::now().timestamp();
            let signature = {
                use hmac::{Hmac, KeyInit, Mac};
                let mut mac = Hmac::<sha2::Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
                mac.update(format!("{t}.").as_bytes());
                mac.update(&event);
                format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes()))
            };
            let r = app
                .send(
                    atest::TestRequest::post()
                        .uri("/v1/webhooks/stripe")
                        .insert_header(("Stripe-Signature", signature))
                        .insert_header(("Content-Type", "application/json"))
                        .set_payload(event),
                )
                .await;
            out.push(r.expect(200)["result"].clone());
        }
        out
    };
    assert_eq!(results, [json!("applied"), json!("duplicate")]);
    let paid = app
        .get(&format!("/v1/transactions/{tid}"), &buyer.owner)
        .await
        .expect(200);
    assert_eq!(paid["status"], "PAID");
    assert_eq!(paid["awaiting"], Value::Null);
    let statement = app
        .get(
            &format!("/v1/sellers/me/statements?month={}", month()),
            &seller.owner,
        )
        .await
        .expect(200);
    assert_money(&statement["totals"]["gross"], "45.00");
    assert_money(&statement["totals"]["net"], "42.75");
}
