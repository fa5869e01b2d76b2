//! The listings rules at their edges: each check's length and count limits (exactly at
//! the limit passes, one over fails), blank against malformed names, a bundle's price,
//! which edited fields send an edit back to moderation (each field, both ways), and
//! opt-in choices read back as they were made (R-G2, R-G3, R-G5).

use std::collections::BTreeSet;

use marketplace_domain::catalog::{IntegrationType, ToolCategory};
use marketplace_domain::ids::{BundleId, ToolId};
use marketplace_domain::item::ItemRef;
use marketplace_domain::plan::BillingInterval;
use marketplace_listings::checks::{self, Check, CheckContext, CheckFailure};
use marketplace_listings::content::{
    BundleProposal, DependencyProposal, EditProposal, LinkProposal, ListingContent, MeterProposal,
    PlanProposal, ServiceProposal, ToolProposal, VersionProposal,
};
use marketplace_listings::opt_in::OptIn;
use marketplace_listings::review::{CurrentTool, FieldChange, diff};
use marketplace_metering::Aggregation;
use rust_decimal::{Decimal, dec};
use semver::Version;
use uuid::Uuid;

fn tool_id(n: u128) -> ToolId {
    ToolId::from_uuid(Uuid::from_u128(n))
}

fn bundle_id(n: u128) -> BundleId {
    BundleId::from_uuid(Uuid::from_u128(n))
}

fn text(n: usize) -> String {
    "a".repeat(n)
}

fn plan(code: &str) -> PlanProposal {
    PlanProposal {
        code: code.into(),
        name: "Standard".into(),
        price: dec!(10.00),
        currency: "USD".into(),
        interval: BillingInterval::Month,
        trial_days: 0,
        quotas: vec![],
    }
}

fn tool() -> ToolProposal {
    ToolProposal {
        name: "Comp Finder".into(),
        description: "Finds comparable sales".into(),
        category: Some(ToolCategory::MarketIntelligence),
        tags: vec!["comps".into()],
        integration_type: Some(IntegrationType::Api),
        required_tier: None,
        links: LinkProposal::default(),
        version: Some("1.0.0".into()),
        plans: vec![plan("STANDARD")],
        meters: vec![],
    }
}

fn service() -> ServiceProposal {
    ServiceProposal {
        title: "Listing photos".into(),
        category: "Photography".into(),
        description: "Twenty edited photos".into(),
        price: dec!(250.00),
        currency: "USD".into(),
        allow_quotes: false,
    }
}

fn bundle(tools: Vec<ToolId>) -> BundleProposal {
    BundleProposal {
        name: "Comp Pack".into(),
        description: "Both".into(),
        price: dec!(60.00),
        currency: "USD".into(),
        tool_ids: tools,
    }
}

/// (check, field) of each failure.
fn faults(failures: &[CheckFailure]) -> Vec<(Check, &'static str)> {
    failures.iter().map(|f| (f.check, f.fault.field)).collect()
}

fn run(content: &ListingContent) -> Vec<CheckFailure> {
    checks::run(content, &CheckContext::default())
}

#[test]
fn r_g2_field_formats_a_tool_name_of_100_characters_passes_and_101_fails() {
    let mut t = tool();
    t.name = text(100);
    assert!(checks::tool_formats(&t).is_empty());
    t.name = text(101);
    assert_eq!(
        faults(&checks::tool_formats(&t)),
        [(Check::FieldFormats, "name")]
    );
}

#[test]
fn r_g2_a_blank_name_is_missing_and_a_malformed_one_is_badly_formed() {
    let mut t = tool();
    t.name = "   ".into();
    assert_eq!(
        faults(&run(&ListingContent::Tool(t.clone()))),
        [(Check::RequiredFields, "name")],
        "blank: required, and not reported again as a format"
    );
    t.name = text(101);
    assert_eq!(
        faults(&run(&ListingContent::Tool(t))),
        [(Check::FieldFormats, "name")],
        "too long: a format, not missing"
    );
    let mut e = EditProposal {
        name: Some("   ".into()),
        ..EditProposal::default()
    };
    assert_eq!(
        faults(&checks::edit_fields(&e)),
        [(Check::FieldFormats, "name")]
    );
    e.name = Some(text(100));
    assert!(checks::edit_fields(&e).is_empty());
}

#[test]
fn r_g2_field_formats_a_description_of_5000_characters_passes_and_5001_fails() {
    let mut t = tool();
    t.description = text(5000);
    assert!(checks::tool_formats(&t).is_empty());
    t.description = text(5001);
    assert_eq!(
        faults(&checks::tool_formats(&t)),
        [(Check::FieldFormats, "description")]
    );
    let mut e = EditProposal {
        description: Some(text(5000)),
        ..EditProposal::default()
    };
    assert!(checks::edit_fields(&e).is_empty());
    e.description = Some(text(5001));
    assert_eq!(
        faults(&checks::edit_fields(&e)),
        [(Check::FieldFormats, "description")]
    );
    e.description = Some(" ".into());
    assert_eq!(
        faults(&checks::edit_fields(&e)),
        [(Check::RequiredFields, "description")]
    );
}

#[test]
fn r_g2_field_formats_twenty_tags_pass_and_twenty_one_fail() {
    let tags = |n: usize| (0..n).map(|i| format!("tag{i}")).collect::<Vec<_>>();
    let mut t = tool();
    t.tags = tags(20);
    assert!(checks::tool_formats(&t).is_empty());
    t.tags = tags(21);
    assert_eq!(
        faults(&checks::tool_formats(&t)),
        [(Check::FieldFormats, "tags")]
    );
    // A tag of 50 characters passes, 51 fails; an empty one fails.
    t.tags = vec![text(50)];
    assert!(checks::tool_formats(&t).is_empty());
    t.tags = vec![text(51)];
    assert_eq!(
        faults(&checks::tool_formats(&t)),
        [(Check::FieldFormats, "tags")]
    );
    let e = EditProposal {
        tags: Some(tags(21)),
        ..EditProposal::default()
    };
    assert_eq!(
        faults(&checks::edit_fields(&e)),
        [(Check::FieldFormats, "tags")]
    );
}

#[test]
fn r_g2_field_formats_a_tool_version_must_be_semver() {
    let mut t = tool();
    t.version = None;
    assert!(checks::tool_formats(&t).is_empty(), "absent: 1.0.0");
    t.version = Some("1.2".into());
    assert_eq!(
        faults(&checks::tool_formats(&t)),
        [(Check::FieldFormats, "version")]
    );
}

#[test]
fn r_g2_service_fields_at_their_bounds() {
    for (field, max) in [("title", 100), ("category", 60), ("description", 5000)] {
        let set = |s: &mut ServiceProposal, v: String| match field {
            "title" => s.title = v,
            "category" => s.category = v,
            _ => s.description = v,
        };
        let mut s = service();
        set(&mut s, text(max));
        assert!(checks::service_fields(&s).is_empty(), "{field} at {max}");
        set(&mut s, text(max + 1));
        assert_eq!(
            faults(&checks::service_fields(&s)),
            [(Check::FieldFormats, field)],
            "{field} one over"
        );
        set(&mut s, "  ".into());
        assert_eq!(
            faults(&checks::service_fields(&s)),
            [(Check::RequiredFields, field)],
            "{field} blank"
        );
    }
}

#[test]
fn r_g2_a_service_at_zero_must_take_quotes_and_its_price_is_money() {
    let mut s = service();
    s.price = Decimal::ZERO;
    assert_eq!(
        faults(&checks::service_fields(&s)),
        [(Check::PriceAndPlanRules, "price")]
    );
    s.allow_quotes = true;
    assert!(checks::service_fields(&s).is_empty());
    s.price = dec!(10.001);
    assert_eq!(
        faults(&checks::service_fields(&s)),
        [(Check::PriceAndPlanRules, "price")]
    );
    s.price = dec!(10.00);
    s.currency = "usd!".into();
    assert_eq!(
        faults(&checks::service_fields(&s)),
        [(Check::PriceAndPlanRules, "currency")]
    );
}

#[test]
fn r_g2_bundle_price_is_money_of_its_currency() {
    let b = bundle(vec![tool_id(1), tool_id(2)]);
    assert!(checks::bundle_price(&b).is_empty());
    let mut cents = b.clone();
    cents.price = dec!(60.005);
    assert_eq!(
        faults(&checks::bundle_price(&cents)),
        [(Check::PriceAndPlanRules, "price")]
    );
    let mut negative = b.clone();
    negative.price = dec!(-1.00);
    assert_eq!(
        faults(&checks::bundle_price(&negative)),
        [(Check::PriceAndPlanRules, "price")]
    );
    let mut currency = b;
    currency.currency = "DOLLARS".into();
    assert_eq!(
        faults(&checks::bundle_price(&currency)),
        [(Check::PriceAndPlanRules, "currency")]
    );
}

#[test]
fn r_g2_a_bundle_holds_two_distinct_tools_or_more() {
    assert!(checks::required_fields_of_bundle(&bundle(vec![tool_id(1), tool_id(2)])).is_empty());
    for tools in [
        vec![],
        vec![tool_id(1)],
        vec![tool_id(1), tool_id(1)],
        vec![tool_id(1), tool_id(2), tool_id(2)],
    ] {
        assert_eq!(
            faults(&checks::required_fields_of_bundle(&bundle(tools.clone()))),
            [(Check::RequiredFields, "tool_ids")],
            "{tools:?}"
        );
    }
    let mut blank = bundle(vec![tool_id(1), tool_id(2)]);
    blank.name = " ".into();
    blank.description = String::new();
    assert_eq!(
        faults(&checks::required_fields_of_bundle(&blank)),
        [
            (Check::RequiredFields, "name"),
            (Check::RequiredFields, "description")
        ]
    );
}

#[test]
fn r_g2_every_link_is_https() {
    let links = |url: &str| LinkProposal {
        demo_url: Some(url.into()),
        ..LinkProposal::default()
    };
    assert!(checks::https_urls(&links("https://demo.example.com")).is_empty());
    assert_eq!(
        faults(&checks::https_urls(&links("http://demo.example.com"))),
        [(Check::HttpsUrls, "demo_url")]
    );
    assert!(checks::https_urls(&LinkProposal::default()).is_empty());
}

#[test]
fn r_g2_meters_are_parsed_as_the_meters_endpoint_parses_them() {
    let meter = |key: &str, aggregation, distinct_by: Option<&str>| MeterProposal {
        key: key.into(),
        aggregation,
        unit: "call".into(),
        distinct_by: distinct_by.map(str::to_owned),
    };
    let ok = [
        meter("api_calls", Aggregation::Count, None),
        meter("users", Aggregation::UniqueCount, Some("user_id")),
    ];
    assert!(checks::price_and_plan_rules(&[plan("STANDARD")], Some(&ok)).is_empty());
    for bad in [
        meter("Api-Calls", Aggregation::Count, None),
        meter("rows", Aggregation::Sum, Some("user_id")),
    ] {
        assert_eq!(
            faults(&checks::price_and_plan_rules(
                &[plan("STANDARD")],
                Some(&[bad])
            )),
            [(Check::PriceAndPlanRules, "meters")]
        );
    }
    let twice = [
        meter("api_calls", Aggregation::Count, None),
        meter("api_calls", Aggregation::Count, None),
    ];
    assert_eq!(
        faults(&checks::price_and_plan_rules(
            &[plan("STANDARD")],
            Some(&twice)
        )),
        [(Check::PriceAndPlanRules, "meters")]
    );
    let stored = checks::meter(&ok[1]).unwrap();
    assert_eq!(stored.aggregation(), Aggregation::UniqueCount);
    assert_eq!(stored.distinct_by().map(|p| p.as_str()), Some("user_id"));
}

#[test]
fn r_g2_an_edit_naming_plans_names_at_least_one() {
    let e = EditProposal {
        plans: Some(vec![]),
        ..EditProposal::default()
    };
    assert_eq!(
        faults(&checks::edit_fields(&e)),
        [(Check::RequiredFields, "plans")]
    );
    let e = EditProposal {
        plans: Some(vec![plan("TEAM")]),
        ..EditProposal::default()
    };
    assert!(checks::edit_fields(&e).is_empty());
}

#[test]
fn r_g2_semver_greater_than_last_at_the_boundary() {
    let last = Version::new(1, 2, 0);
    assert!(checks::semver_greater_than_last("1.2.1", Some(&last)).is_empty());
    assert!(checks::semver_greater_than_last("1.3.0-beta", Some(&last)).is_empty());
    assert_eq!(
        faults(&checks::semver_greater_than_last("1.2.0", Some(&last))),
        [(Check::SemverGreaterThanLast, "version")]
    );
    assert!(checks::semver_greater_than_last(" 0.1.0 ", None).is_empty());
}

fn current() -> CurrentTool {
    CurrentTool {
        integration_type: Some(IntegrationType::Api),
        links: LinkProposal {
            documentation_url: Some("https://docs.example.com".into()),
            support_url: Some("https://help.example.com".into()),
            ..LinkProposal::default()
        },
        last_dependencies: Some(vec![DependencyProposal {
            tool_id: tool_id(2),
            req: "^1".into(),
            optional: false,
        }]),
    }
}

fn changes_of(e: EditProposal) -> Vec<FieldChange> {
    diff(
        &ListingContent::Edit {
            tool_id: tool_id(1),
            changes: e,
        },
        &current(),
    )
    .changes
}

fn one(field: &'static str, matters: bool) -> Vec<FieldChange> {
    vec![FieldChange { field, matters }]
}

#[test]
fn r_g3_each_word_field_is_a_change_that_needs_no_review() {
    let cases = [
        (
            EditProposal {
                name: Some("New".into()),
                ..EditProposal::default()
            },
            "name",
        ),
        (
            EditProposal {
                description: Some("New".into()),
                ..EditProposal::default()
            },
            "description",
        ),
        (
            EditProposal {
                category: Some(ToolCategory::CrmTools),
                ..EditProposal::default()
            },
            "category",
        ),
        (
            EditProposal {
                tags: Some(vec!["new".into()]),
                ..EditProposal::default()
            },
            "tags",
        ),
    ];
    for (e, field) in cases {
        let d = diff(
            &ListingContent::Edit {
                tool_id: tool_id(1),
                changes: e.clone(),
            },
            &current(),
        );
        assert_eq!(d.changes, one(field, false));
        assert!(!d.needs_review(), "{field}");
        assert_eq!(d.fields(), [field]);
    }
}

#[test]
fn r_g3_the_integration_type_needs_review_only_when_it_changes() {
    let to = |i| EditProposal {
        integration_type: Some(i),
        ..EditProposal::default()
    };
    assert_eq!(
        changes_of(to(IntegrationType::Api)),
        one("integration_type", false)
    );
    assert_eq!(
        changes_of(to(IntegrationType::Webhook)),
        one("integration_type", true)
    );
}

#[test]
fn r_g3_a_link_needs_review_only_when_it_changes_to_another_value() {
    let links = |l: LinkProposal| EditProposal {
        links: Some(l),
        ..EditProposal::default()
    };
    assert_eq!(
        changes_of(links(LinkProposal {
            documentation_url: Some("https://docs.example.com".into()),
            ..LinkProposal::default()
        })),
        one("documentation_url", false),
        "the same URL again"
    );
    assert_eq!(
        changes_of(links(LinkProposal {
            documentation_url: Some("https://docs.example.org".into()),
            ..LinkProposal::default()
        })),
        one("documentation_url", true)
    );
    assert_eq!(
        changes_of(links(LinkProposal {
            support_url: Some("https://help.example.com".into()),
            demo_url: Some("https://demo.example.com".into()),
            ..LinkProposal::default()
        })),
        vec![
            FieldChange {
                field: "demo_url",
                matters: true
            },
            FieldChange {
                field: "support_url",
                matters: false
            },
        ],
        "a link the tool did not have is a change; the same one is not"
    );
    assert_eq!(
        changes_of(links(LinkProposal {
            icon_url: Some("https://docs.example.com".into()),
            ..LinkProposal::default()
        })),
        one("icon_url", true),
        "another field's value is not this field's"
    );
}

#[test]
fn r_g3_plans_always_need_review() {
    let e = EditProposal {
        plans: Some(vec![plan("STANDARD")]),
        ..EditProposal::default()
    };
    assert_eq!(changes_of(e), one("plans", true));
}

#[test]
fn r_g3_a_words_change_beside_one_that_matters_is_reviewed() {
    let e = EditProposal {
        name: Some("New".into()),
        integration_type: Some(IntegrationType::Webhook),
        ..EditProposal::default()
    };
    let d = diff(
        &ListingContent::Edit {
            tool_id: tool_id(1),
            changes: e,
        },
        &current(),
    );
    assert!(d.needs_review());
    assert_eq!(d.fields(), ["name", "integration_type"]);
    assert!(!d.new_item);
}

#[test]
fn r_g3_a_version_is_reviewed_unless_its_dependencies_are_the_last_ones() {
    let version = |deps: Vec<DependencyProposal>| {
        ListingContent::Version(VersionProposal {
            tool_id: tool_id(1),
            version: "1.1.0".into(),
            notes: String::new(),
            platform: String::new(),
            dependencies: deps,
        })
    };
    let dep = |req: &str, optional: bool| DependencyProposal {
        tool_id: tool_id(2),
        req: req.into(),
        optional,
    };
    let same = diff(&version(vec![dep(" ^1 ", false)]), &current());
    assert!(!same.needs_review(), "the same requirement, spaces aside");
    assert_eq!(same.fields(), ["version", "dependencies"]);
    assert!(diff(&version(vec![dep("^2", false)]), &current()).needs_review());
    assert!(diff(&version(vec![dep("^1", true)]), &current()).needs_review());
    assert!(diff(&version(vec![]), &current()).needs_review());
    let first = CurrentTool {
        last_dependencies: None,
        ..current()
    };
    assert!(
        diff(&version(vec![]), &first).needs_review(),
        "a first version is reviewed"
    );
}

#[test]
fn r_g3_new_items_are_reviewed_with_no_field_changes() {
    for content in [
        ListingContent::Tool(tool()),
        ListingContent::Bundle(bundle(vec![tool_id(1), tool_id(2)])),
        ListingContent::Service(service()),
    ] {
        let d = diff(&content, &CurrentTool::default());
        assert!(d.new_item && d.needs_review());
        assert!(d.changes.is_empty());
    }
}

#[test]
fn r_g5_opt_in_reads_back_as_chosen() {
    let t = ItemRef::Tool(tool_id(1));
    let b = ItemRef::Bundle(bundle_id(2));
    let other = ItemRef::Tool(tool_id(3));
    let choice = OptIn::new(true, [(b, false), (t, true)]);
    assert!(choice.enabled());
    let back: BTreeSet<(ItemRef, bool)> = choice.products().collect();
    assert_eq!(back, BTreeSet::from([(t, true), (b, false)]));
    assert!(choice.offers(t));
    assert!(!choice.offers(b));
    assert!(choice.offers(other), "an item not named follows the seller");
    let off = OptIn::new(false, [(t, true)]);
    assert!(!off.enabled());
    assert!(!off.offers(t), "opted out globally: nothing is offered");
    assert!(!off.offers(other));
    let default = OptIn::default();
    assert!(default.enabled());
    assert_eq!(default.products().count(), 0);
    assert!(default.offers(b));
    assert_eq!(OptIn::new(true, []), default);
}
