//! GET /v1/tools, /v1/tools/{id}, /v1/categories, /v1/bundles, /v1/bundles/{id}.

use rust_decimal::Decimal;
use serde_json::Value;

use crate::helpers::{assert_list, assert_money, assert_timestamp, spawn_app, uuid};

fn dec(v: &Value) -> Decimal {
    v.as_str().unwrap().parse().unwrap()
}

#[actix_web::test]
async fn tools_first_page_has_the_list_envelope_and_the_tool_shape() {
    let app = spawn_app().await;
    let org = app.org("GROWTH", "0").await;
    let page = app.get("/v1/tools", &org.viewer).await.expect(200);
    let listed = marketplace_migrations::catalog()
        .iter()
        .filter(|t| !matches!(t.status, "DEPRECATED" | "DISABLED"))
        .count();
    let items = assert_list(&page, listed as u64, 50, 0);
    assert_eq!(items.len(), 50);

    let seed = marketplace_migrations::catalog()
        .iter()
        .find(|t| t.name == "Lead Scoring Engine")
        .unwrap();
    let tool = app.tool("Lead Scoring Engine").await;
    assert_eq!(tool["id"], seed.id().to_string());
    assert_eq!(tool["name"], "Lead Scoring Engine");
    assert_eq!(tool["description"], seed.description);
    assert_eq!(tool["category"], "LEAD_GENERATION");
    let mut tags: Vec<&str> = tool["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    tags.sort_unstable();
    assert_eq!(tags, ["ai", "enrichment", "lead-scoring"]);
    assert_eq!(tool["price_model"], "MONTHLY");
    assert_money(&tool["price"], "79.00");
    assert_eq!(tool["required_tier"], "GROWTH");
    assert_eq!(tool["status"], "ACTIVE");
    assert_eq!(tool["seller"], seed.seller_id().to_string());
    assert!(tool["version"].as_str().is_some_and(|v| !v.is_empty()));
    assert_eq!(tool["purchase_count"], 0);
    assert_eq!(tool["avg_rating"], Value::Null);
    assert_eq!(tool["review_count"], 0);
    assert_timestamp(&tool["created_at"]);
}

#[actix_web::test]
async fn tools_filters_sort_and_page_as_the_readme_shows() {
    let app = spawn_app().await;
    let org = app.org("ELITE", "0").await;
    let page = app
        .get(
            "/v1/tools?category=MARKET_INTELLIGENCE&price_max=500&sort_by=price&sort_order=asc",
            &org.owner,
        )
        .await
        .expect(200);
    let expected = marketplace_migrations::catalog()
        .iter()
        .filter(|t| t.category == "MARKET_INTELLIGENCE" && t.price <= Decimal::from(500))
        .count();
    let items = assert_list(&page, expected as u64, 50, 0);
    assert_eq!(items.len(), expected);
    assert!(expected >= 3, "the seed has several market tools under 500");
    let prices: Vec<Decimal> = items.iter().map(|t| dec(&t["price"]["amount"])).collect();
    let mut sorted = prices.clone();
    sorted.sort();
    assert_eq!(prices, sorted);
    assert!(items.iter().all(|t| t["category"] == "MARKET_INTELLIGENCE"));
    assert!(prices.iter().all(|p| *p <= Decimal::from(500)));

    // Repeated and comma-separated tiers.
    for q in ["tier=ELITE&tier=ENTERPRISE", "tier=ELITE,ENTERPRISE"] {
        let page = app
            .get(&format!("/v1/tools?{q}&limit=100"), &org.owner)
            .await
            .expect(200);
        let expected = marketplace_migrations::catalog()
            .iter()
            .filter(|t| matches!(t.required_tier, "ELITE" | "ENTERPRISE"))
            .count();
        let items = assert_list(&page, expected as u64, 100, 0);
        assert!(
            items
                .iter()
                .all(|t| t["required_tier"] == "ELITE" || t["required_tier"] == "ENTERPRISE")
        );
    }

    // Paging: the last page of the 53 listed by default (the seed's 54 less its DEPRECATED
    // tool, R-C5).
    let page = app
        .get("/v1/tools?limit=5&offset=50&sort_by=name", &org.owner)
        .await
        .expect(200);
    let items = assert_list(&page, 53, 5, 50);
    assert_eq!(items.len(), 3);
    let names: Vec<&str> = items.iter().map(|t| t["name"].as_str().unwrap()).collect();
    let mut sorted = names.clone();
    sorted.sort_unstable();
    assert_eq!(names, sorted, "sort_by=name defaults to ascending");

    // Status filter and search.
    let page = app
        .get("/v1/tools?status=DEPRECATED", &org.owner)
        .await
        .expect(200);
    let items = assert_list(&page, 1, 50, 0);
    assert_eq!(items[0]["name"], "Appointment Reminder System");
    let page = app
        .get("/v1/tools?search=quickbooks&tags=sync", &org.owner)
        .await
        .expect(200);
    let items = assert_list(&page, 1, 50, 0);
    assert_eq!(items[0]["name"], "QuickBooks Integration");
    assert_money(&items[0]["price"], "199.00");
}

#[actix_web::test]
async fn tools_refuse_unknown_values_keys_and_bad_numbers_with_400() {
    let app = spawn_app().await;
    let org = app.org("GROWTH", "0").await;
    for q in [
        "category=GARDENING",
        "tier=PLATINUM",
        "status=ON_FIRE",
        "sort_by=popularity",
        "sort_order=sideways",
        "colour=red",
        "limit=abc",
        "limit=0",
        "limit=101",
        "offset=-1",
        "price_min=cheap",
        "price_min=10&price_max=5",
        "price_min=-5",
    ] {
        let error = app
            .get(&format!("/v1/tools?{q}"), &org.owner)
            .await
            .expect_error(400, "invalid_request");
        assert!(
            error["details"].as_array().is_some_and(|d| !d.is_empty()),
            "{q}: details name the field: {error}"
        );
    }
    let long = "x".repeat(201);
    app.get(&format!("/v1/tools?search={long}"), &org.owner)
        .await
        .expect_error(400, "invalid_request");
}

#[actix_web::test]
async fn one_tool_by_id_and_its_errors() {
    let app = spawn_app().await;
    let org = app.org("FREE", "0").await;
    let id = app.tool_id("QuickBooks Integration").await;
    let tool = app
        .get(&format!("/v1/tools/{id}"), &org.viewer)
        .await
        .expect(200);
    assert_eq!(tool["id"], id);
    assert_eq!(tool["price_model"], "ANNUAL");
    assert_eq!(tool["category"], "INTEGRATION_TOOLS");
    assert_eq!(tool["avg_rating"], Value::Null);
    assert_eq!(tool["review_count"], 0);

    app.get(&format!("/v1/tools/{}", uuid()), &org.viewer)
        .await
        .expect_error(404, "not_found");
    let error = app
        .get("/v1/tools/not-a-uuid", &org.viewer)
        .await
        .expect_error(400, "invalid_request");
    assert!(error["details"].is_array());
    app.call("GET", &format!("/v1/tools/{id}"), None, None)
        .await
        .expect_error(401, "unauthorized");
}

#[actix_web::test]
async fn categories_list_every_category_with_purchasable_counts() {
    let app = spawn_app().await;
    let org = app.org("FREE", "0").await;
    let cats = app.get("/v1/categories", &org.viewer).await.expect(200)["items"].clone();
    let cats = cats.as_array().unwrap();
    assert_eq!(cats.len(), 14, "the 14 categories, zero counts included");
    let lead = cats
        .iter()
        .find(|c| c["category"] == "LEAD_GENERATION")
        .unwrap();
    let expected_lead = marketplace_migrations::catalog()
        .iter()
        .filter(|t| t.category == "LEAD_GENERATION" && matches!(t.status, "ACTIVE" | "BETA"))
        .count();
    assert_eq!(lead["tools"], expected_lead as u64);
    let total: u64 = cats.iter().map(|c| c["tools"].as_u64().unwrap()).sum();
    let active = marketplace_migrations::catalog()
        .iter()
        .filter(|t| matches!(t.status, "ACTIVE" | "BETA"))
        .count() as u64;
    assert_eq!(total, active);
    app.call("GET", "/v1/categories", None, None)
        .await
        .expect_error(401, "unauthorized");
}

#[actix_web::test]
async fn bundles_list_with_prices_savings_and_tools_in_display_order() {
    let app = spawn_app().await;
    let org = app.org("FREE", "0").await;
    let page = app.get("/v1/bundles", &org.viewer).await.expect(200);
    let items = assert_list(&page, 5, 50, 0);
    assert_eq!(items.len(), 5);
    let pro = items
        .iter()
        .find(|b| b["name"] == "Lead Generation Pro")
        .unwrap();
    assert_money(&pro["list_price"], "692.00");
    assert_money(&pro["price"], "553.60");
    assert_money(&pro["savings"], "138.40");
    assert_eq!(dec(&pro["discount_percent"]), Decimal::from(20));
    assert_eq!(pro["required_tier"], "GROWTH");
    assert_eq!(pro["status"], "ACTIVE");
    let seed = marketplace_migrations::bundles()
        .iter()
        .find(|b| b.name == "Lead Generation Pro")
        .unwrap();
    assert_eq!(pro["id"], seed.id().to_string());
    let names: Vec<&str> = pro["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    let seed_names: Vec<&str> = seed.tool_entries().map(|t| t.name).collect();
    assert_eq!(names, seed_names);
    assert_eq!(pro["tools"][1]["id"], seed_names_id(seed, 1));
    assert_money(&pro["tools"][1]["price"], "79.00");

    let page = app
        .get("/v1/bundles?limit=2&offset=4", &org.viewer)
        .await
        .expect(200);
    assert_eq!(assert_list(&page, 5, 2, 4).len(), 1);
}

fn seed_names_id(seed: &marketplace_migrations::SeedBundle, i: usize) -> String {
    seed.tool_entries().nth(i).unwrap().id().to_string()
}

#[actix_web::test]
async fn bundles_refuse_bad_paging_and_unknown_keys() {
    let app = spawn_app().await;
    let org = app.org("FREE", "0").await;
    for q in ["limit=0", "limit=x", "status=DRAFT", "sort_by=price"] {
        app.get(&format!("/v1/bundles?{q}"), &org.viewer)
            .await
            .expect_error(400, "invalid_request");
    }
    app.call("GET", "/v1/bundles", None, None)
        .await
        .expect_error(401, "unauthorized");
}

#[actix_web::test]
async fn one_bundle_by_id_and_its_errors() {
    let app = spawn_app().await;
    let org = app.org("FREE", "0").await;
    let id = app.bundle_id("Transaction Management").await;
    let bundle = app
        .get(&format!("/v1/bundles/{id}"), &org.viewer)
        .await
        .expect(200);
    assert_eq!(bundle["id"], id);
    assert_eq!(bundle["tools"].as_array().unwrap().len(), 6);
    assert_eq!(dec(&bundle["discount_percent"]), Decimal::from(15));
    let list: Decimal = bundle["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| dec(&t["price"]["amount"]))
        .sum();
    assert_eq!(dec(&bundle["list_price"]["amount"]), list);
    assert_eq!(
        dec(&bundle["savings"]["amount"]),
        list - dec(&bundle["price"]["amount"])
    );

    app.get(&format!("/v1/bundles/{}", uuid()), &org.viewer)
        .await
        .expect_error(404, "not_found");
    app.get("/v1/bundles/123", &org.viewer)
        .await
        .expect_error(400, "invalid_request");
    app.call("GET", &format!("/v1/bundles/{id}"), None, None)
        .await
        .expect_error(401, "unauthorized");
}

#[actix_web::test]
async fn r_c5_default_listing_shows_what_can_be_bought_or_is_coming() {
    let app = spawn_app().await;
    let org = app.org("GROWTH", "0").await;
    let page = app
        .get("/v1/tools?limit=100", &org.viewer)
        .await
        .expect(200);
    let seed = marketplace_migrations::catalog();
    let retired = seed
        .iter()
        .filter(|t| matches!(t.status, "DEPRECATED" | "DISABLED"))
        .count();
    assert!(retired >= 1, "the seed has a retired tool to hide");
    let items = assert_list(&page, (seed.len() - retired) as u64, 100, 0);
    assert!(
        items.iter().all(|t| matches!(
            t["status"].as_str(),
            Some("ACTIVE" | "BETA" | "COMING_SOON")
        )),
        "no DEPRECATED or DISABLED tool without a status filter"
    );
    let first = app.get("/v1/tools", &org.viewer).await.expect(200);
    assert_ne!(
        first["items"][0]["status"], "DEPRECATED",
        "the first page opens on a tool for sale"
    );

    let asked = app
        .get("/v1/tools?status=DEPRECATED", &org.viewer)
        .await
        .expect(200);
    let items = assert_list(
        &asked,
        seed.iter().filter(|t| t.status == "DEPRECATED").count() as u64,
        50,
        0,
    );
    assert!(items.iter().all(|t| t["status"] == "DEPRECATED"));
}

#[actix_web::test]
async fn r_c5_search_finds_words_in_any_order_ignoring_accents_and_ranks_by_relevance() {
    let app = spawn_app().await;
    let org = app.org("GROWTH", "0").await;
    // "Lead Generation Agent", "agent LEAD", "génération  agent" (accents), "AGENT,lead".
    for q in [
        "Lead%20Generation%20Agent",
        "agent%20LEAD",
        "g%C3%A9n%C3%A9ration%20%20agent",
        "AGENT,lead",
    ] {
        let page = app
            .get(&format!("/v1/tools?search={q}"), &org.viewer)
            .await
            .expect(200);
        assert_eq!(
            page["items"][0]["name"], "Lead Generation Agent",
            "{q:?} ranks the tool named by its words first"
        );
    }
    // A name hit ranks above a description-only hit.
    let page = app
        .get("/v1/tools?search=lead&limit=100", &org.viewer)
        .await
        .expect(200);
    let items = page["items"].as_array().unwrap();
    let in_name = |t: &Value| t["name"].as_str().unwrap().to_lowercase().contains("lead");
    let first_other = items
        .iter()
        .position(|t| !in_name(t))
        .unwrap_or(items.len());
    assert!(first_other > 0, "some tools carry 'lead' in their name");
    assert!(
        items[first_other..].iter().all(|t| !in_name(t)),
        "tools with the word in their name come first"
    );
    // An explicit sort still wins over relevance.
    let page = app
        .get(
            "/v1/tools?search=lead&sort_by=price&sort_order=asc&limit=100",
            &org.viewer,
        )
        .await
        .expect(200);
    let prices: Vec<Decimal> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| dec(&t["price"]["amount"]))
        .collect();
    let mut sorted = prices.clone();
    sorted.sort();
    assert_eq!(prices, sorted);
    let none = app
        .get("/v1/tools?search=lead%20zzzz", &org.viewer)
        .await
        .expect(200);
    assert_list(&none, 0, 50, 0);
}

#[actix_web::test]
async fn featured_filter_and_popular_sort() {
    let app = spawn_app().await;
    let org = app.org("GROWTH", "0").await;
    let seed = marketplace_migrations::catalog();
    let featured = seed
        .iter()
        .filter(|t| t.is_featured && !matches!(t.status, "DEPRECATED" | "DISABLED"))
        .count();
    assert!(featured >= 1);
    let page = app
        .get("/v1/tools?featured=true&limit=100", &org.viewer)
        .await
        .expect(200);
    let items = assert_list(&page, featured as u64, 100, 0);
    assert!(items.iter().all(|t| t["is_featured"] == true));
    let others = app
        .get("/v1/tools?featured=false&limit=100", &org.viewer)
        .await
        .expect(200);
    assert!(
        others["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["is_featured"] == false)
    );
    let popular = app
        .get("/v1/tools?sort_by=popular&limit=100", &org.viewer)
        .await
        .expect(200);
    let views: Vec<u64> = popular["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["view_count"].as_u64().unwrap())
        .collect();
    assert!(views.windows(2).all(|w| w[0] >= w[1]), "most viewed first");
    app.get("/v1/tools?featured=maybe", &org.viewer)
        .await
        .expect(400);
}
