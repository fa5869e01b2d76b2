//! The listings rules (R-G1..R-G5) on plain values: every check refusing what it must,
//! the moderation state machine, the re-review rule and opt-in.

use std::collections::BTreeSet;

use chrono::{DateTime, TimeZone, Utc};
use marketplace_domain::catalog::{IntegrationType, ToolCategory};
use marketplace_domain::ids::{BundleId, OrgId, SellerId, ToolId, UserId};
use marketplace_domain::item::ItemRef;
use marketplace_domain::plan::BillingInterval;
use marketplace_domain::tier::Tier;
use marketplace_listings::checks::{self, Check, CheckContext, CheckFailure};
use marketplace_listings::content::{
    BundleProposal, DependencyProposal, EditProposal, LinkProposal, ListingContent, MeterProposal,
    PlanProposal, Published, QuotaProposal, ServiceProposal, ToolProposal, VersionProposal,
};
use marketplace_listings::listing::{ListingError, Notes, Outcome, Submission};
use marketplace_listings::opt_in::OptIn;
use marketplace_listings::review::{CurrentTool, diff};
use marketplace_listings::seller::Registration;
use marketplace_listings::{Listing, ListingId, ListingStatus};
use marketplace_metering::Aggregation;
use rust_decimal::dec;
use semver::Version;
use uuid::Uuid;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 12, 0, 0).unwrap()
}

fn tool_id(n: u128) -> ToolId {
    ToolId::from_uuid(Uuid::from_u128(n))
}

fn plan(code: &str, price: rust_decimal::Decimal, interval: BillingInterval) -> PlanProposal {
    PlanProposal {
        code: code.into(),
        name: code.to_lowercase(),
        price,
        currency: "USD".into(),
        interval,
        trial_days: 0,
        quotas: vec![],
    }
}

fn good_tool() -> ToolProposal {
    ToolProposal {
        name: "Comp Finder".into(),
        description: "Finds comparable sales".into(),
        category: Some(ToolCategory::MarketIntelligence),
        tags: vec!["comps".into()],
        integration_type: Some(IntegrationType::Api),
        required_tier: Some(Tier::Starter),
        links: LinkProposal {
            documentation_url: Some("https://docs.example.com/comps".into()),
            ..LinkProposal::default()
        },
        version: Some("1.0.0".into()),
        plans: vec![plan("PRO", dec!(29.00), BillingInterval::Month)],
        meters: vec![MeterProposal {
            key: "api_calls".into(),
            aggregation: Aggregation::Count,
            unit: "call".into(),
            distinct_by: None,
        }],
    }
}

fn checks_of(failures: &[CheckFailure]) -> BTreeSet<Check> {
    failures.iter().map(|f| f.check).collect()
}

fn fields_of(failures: &[CheckFailure]) -> Vec<&'static str> {
    failures.iter().map(|f| f.fault.field).collect()
}

fn run(content: &ListingContent) -> Vec<CheckFailure> {
    checks::run(content, &CheckContext::default())
}

#[test]
fn r_g2_a_complete_tool_listing_passes_every_check() {
    assert_eq!(run(&ListingContent::Tool(good_tool())), vec![]);
}

#[test]
fn r_g2_required_fields_refuses_a_tool_without_name_description_category_type_or_plan() {
    let t = ToolProposal {
        name: " ".into(),
        description: String::new(),
        category: None,
        integration_type: None,
        plans: vec![],
        ..good_tool()
    };
    let f = checks::required_fields_of_tool(&t);
    assert_eq!(
        fields_of(&f),
        [
            "name",
            "description",
            "category",
            "integration_type",
            "plans"
        ]
    );
    assert!(f.iter().all(|f| f.check == Check::RequiredFields));
}

#[test]
fn r_g2_https_urls_refuses_http_and_malformed_links() {
    let links = LinkProposal {
        documentation_url: Some("http://docs.example.com".into()),
        demo_url: Some("https://demo.example.com".into()),
        support_url: Some("https://".into()),
        icon_url: Some("ftp://x.example.com/i.png".into()),
    };
    let f = checks::https_urls(&links);
    assert_eq!(
        fields_of(&f),
        ["documentation_url", "support_url", "icon_url"]
    );
    assert_eq!(checks_of(&f), BTreeSet::from([Check::HttpsUrls]));
    let mut tool = good_tool();
    tool.links = links;
    assert!(checks_of(&run(&ListingContent::Tool(tool))).contains(&Check::HttpsUrls));
}

#[test]
fn r_g2_price_and_plan_rules_refuse_bad_prices_duplicate_codes_trials_and_undeclared_meters() {
    let mut cents = plan("BASIC", dec!(9.999), BillingInterval::Month);
    cents.name = "basic".into();
    let f = checks::price_and_plan_rules(&[cents], None);
    assert_eq!(checks_of(&f), BTreeSet::from([Check::PriceAndPlanRules]));

    let twice = [
        plan("PRO", dec!(10), BillingInterval::Month),
        plan("PRO", dec!(20), BillingInterval::Year),
    ];
    assert!(!checks::price_and_plan_rules(&twice, None).is_empty());

    let mut trial = plan("ONCE", dec!(10), BillingInterval::OneTime);
    trial.trial_days = 14;
    assert!(!checks::price_and_plan_rules(&[trial], None).is_empty());

    let mut other_currency = plan("EU", dec!(10), BillingInterval::Month);
    other_currency.currency = "EUR".into();
    let mixed = [plan("US", dec!(10), BillingInterval::Month), other_currency];
    assert!(!checks::price_and_plan_rules(&mixed, None).is_empty());

    let mut quota = plan("PRO", dec!(10), BillingInterval::Month);
    quota.quotas = vec![QuotaProposal {
        meter: "exports".into(),
        limit: dec!(100),
        hard: true,
    }];
    let declared = [MeterProposal {
        key: "api_calls".into(),
        aggregation: Aggregation::Count,
        unit: "call".into(),
        distinct_by: None,
    }];
    let f = checks::price_and_plan_rules(&[quota.clone()], Some(&declared));
    assert!(
        f.iter().any(|f| f.fault.message.contains("not declared")),
        "{f:?}"
    );
    assert!(checks::price_and_plan_rules(&[quota], None).is_empty());

    assert!(
        checks::price_and_plan_rules(&[plan("PRO", dec!(29), BillingInterval::Month)], None)
            .is_empty()
    );
}

#[test]
fn r_g2_unique_name_refuses_a_name_the_catalog_has() {
    let ctx = CheckContext {
        name_taken: true,
        ..CheckContext::default()
    };
    let f = checks::run(&ListingContent::Tool(good_tool()), &ctx);
    assert_eq!(checks_of(&f), BTreeSet::from([Check::UniqueName]));
    assert_eq!(fields_of(&f), ["name"]);
}

fn version(tool: ToolId, v: &str, deps: Vec<DependencyProposal>) -> VersionProposal {
    VersionProposal {
        tool_id: tool,
        version: v.into(),
        notes: "Faster".into(),
        platform: ">=2.0".into(),
        dependencies: deps,
    }
}

#[test]
fn r_g2_semver_greater_than_last_refuses_equal_lower_and_malformed_versions() {
    let last = Version::new(1, 4, 0);
    for bad in ["1.4.0", "1.3.9", "one", "1.4"] {
        let f = checks::semver_greater_than_last(bad, Some(&last));
        assert_eq!(
            checks_of(&f),
            BTreeSet::from([Check::SemverGreaterThanLast]),
            "{bad}"
        );
    }
    assert!(checks::semver_greater_than_last("1.4.1", Some(&last)).is_empty());
    assert!(checks::semver_greater_than_last("0.1.0", None).is_empty());
}

#[test]
fn r_g2_dependencies_exist_refuses_unknown_tools_self_dependencies_and_bad_ranges() {
    let me = tool_id(1);
    let known = BTreeSet::from([tool_id(2)]);
    let dep = |t, req: &str| DependencyProposal {
        tool_id: t,
        req: req.into(),
        optional: false,
    };
    let v = version(
        me,
        "2.0.0",
        vec![
            dep(tool_id(3), "^1"),
            dep(me, "^1"),
            dep(tool_id(2), "not a range"),
        ],
    );
    let f = checks::dependencies_exist(&v, &known);
    assert_eq!(f.len(), 3, "{f:?}");
    assert_eq!(checks_of(&f), BTreeSet::from([Check::DependenciesExist]));
    let mut bad_platform = version(me, "2.0.0", vec![dep(tool_id(2), "^1")]);
    bad_platform.platform = "latest".into();
    assert_eq!(
        fields_of(&checks::dependencies_exist(&bad_platform, &known)),
        ["platform"]
    );
    assert!(
        checks::dependencies_exist(&version(me, "2.0.0", vec![dep(tool_id(2), "^1")]), &known)
            .is_empty()
    );
}

#[test]
fn r_g2_own_tools_refuses_a_bundle_or_version_of_another_sellers_tool() {
    let own = BTreeSet::from([tool_id(1), tool_id(2)]);
    let ctx = CheckContext {
        own_tools: own,
        known_tools: BTreeSet::new(),
        ..CheckContext::default()
    };
    let bundle = BundleProposal {
        name: "Pack".into(),
        description: "Both".into(),
        price: dec!(50),
        currency: "USD".into(),
        tool_ids: vec![tool_id(1), tool_id(9)],
    };
    let f = checks::run(&ListingContent::Bundle(bundle.clone()), &ctx);
    assert_eq!(checks_of(&f), BTreeSet::from([Check::OwnTools]));
    let ok = BundleProposal {
        tool_ids: vec![tool_id(1), tool_id(2)],
        ..bundle.clone()
    };
    assert!(checks::run(&ListingContent::Bundle(ok), &ctx).is_empty());
    let one = BundleProposal {
        tool_ids: vec![tool_id(1)],
        ..bundle
    };
    assert!(
        checks_of(&checks::run(&ListingContent::Bundle(one), &ctx))
            .contains(&Check::RequiredFields)
    );

    let v = version(tool_id(9), "1.0.0", vec![]);
    assert_eq!(
        checks_of(&checks::run(&ListingContent::Version(v), &ctx)),
        BTreeSet::from([Check::OwnTools])
    );
}

#[test]
fn r_g2_service_checks_refuse_missing_fields_and_bad_money() {
    let good = ServiceProposal {
        title: "Listing photos".into(),
        category: "Photography".into(),
        description: "Twenty edited photos".into(),
        price: dec!(250.00),
        currency: "USD".into(),
        allow_quotes: false,
    };
    assert!(checks::service_fields(&good).is_empty());
    let bad = ServiceProposal {
        title: String::new(),
        price: dec!(1.234),
        ..good.clone()
    };
    assert_eq!(fields_of(&checks::service_fields(&bad)), ["title", "price"]);
    let zero = ServiceProposal {
        price: dec!(0),
        ..good.clone()
    };
    assert_eq!(fields_of(&checks::service_fields(&zero)), ["price"]);
    let quoted = ServiceProposal {
        price: dec!(0),
        allow_quotes: true,
        ..good.clone()
    };
    assert!(checks::service_fields(&quoted).is_empty());
    let no_currency = ServiceProposal {
        currency: "dollars".into(),
        ..good
    };
    assert_eq!(
        fields_of(&checks::service_fields(&no_currency)),
        ["currency"]
    );
}

#[test]
fn r_g2_an_edit_must_change_something_valid() {
    let ctx = CheckContext {
        own_tools: BTreeSet::from([tool_id(1)]),
        ..CheckContext::default()
    };
    let empty = ListingContent::Edit {
        tool_id: tool_id(1),
        changes: EditProposal::default(),
    };
    assert_eq!(fields_of(&checks::run(&empty, &ctx)), ["changes"]);
    let http = ListingContent::Edit {
        tool_id: tool_id(1),
        changes: EditProposal {
            links: Some(LinkProposal {
                demo_url: Some("http://demo.example.com".into()),
                ..LinkProposal::default()
            }),
            ..EditProposal::default()
        },
    };
    assert_eq!(
        checks_of(&checks::run(&http, &ctx)),
        BTreeSet::from([Check::HttpsUrls])
    );
}

fn listing(content: ListingContent) -> Listing {
    Listing::draft(
        ListingId::from_uuid(Uuid::from_u128(1)),
        SellerId::from_uuid(Uuid::from_u128(2)),
        OrgId::from_uuid(Uuid::from_u128(3)),
        content,
        now(),
    )
}

fn moderator() -> UserId {
    UserId::from_uuid(Uuid::from_u128(77))
}

#[test]
fn r_g2_failed_checks_refuse_submission_and_leave_the_draft_unchanged() {
    let mut l = listing(ListingContent::Tool(ToolProposal {
        plans: vec![],
        ..good_tool()
    }));
    let before = l.clone();
    let failures = run(l.content());
    let err = l.submit(failures, true, now()).unwrap_err();
    assert!(matches!(err, ListingError::ChecksFailed(f) if f.len() == 1));
    assert_eq!(l, before);
}

#[test]
fn r_g3_a_submitted_listing_waits_then_is_approved_and_published() {
    let mut l = listing(ListingContent::Tool(good_tool()));
    assert_eq!(l.submit(vec![], true, now()).unwrap(), Submission::Queued);
    assert_eq!(l.status(), ListingStatus::Submitted);
    assert!(matches!(
        l.revise(ListingContent::Tool(good_tool()), now()),
        Err(ListingError::IllegalMove { .. })
    ));
    let notes = Notes::parse(Some("Looks good")).unwrap();
    l.approve(moderator(), notes, Published::Tool(tool_id(5)), now())
        .unwrap();
    assert_eq!(l.status(), ListingStatus::Published);
    assert_eq!(l.published(), Some(Published::Tool(tool_id(5))));
    let d = l.decision().unwrap();
    assert_eq!((d.by, d.outcome), (Some(moderator()), Outcome::Approved));
    assert!(
        l.reject(moderator(), Notes::parse(Some("no")).unwrap(), now())
            .is_err()
    );
}

#[test]
fn r_g3_a_rejection_needs_notes_publishes_nothing_and_the_seller_may_revise() {
    let mut l = listing(ListingContent::Tool(good_tool()));
    l.submit(vec![], true, now()).unwrap();
    assert_eq!(
        l.reject(moderator(), Notes::parse(Some("  ")).unwrap(), now()),
        Err(ListingError::NotesRequired)
    );
    assert_eq!(l.status(), ListingStatus::Submitted);
    l.reject(
        moderator(),
        Notes::parse(Some("Add a demo link")).unwrap(),
        now(),
    )
    .unwrap();
    assert_eq!(l.status(), ListingStatus::Rejected);
    assert_eq!(l.published(), None);
    assert_eq!(
        l.decision().unwrap().notes.as_ref().unwrap().as_str(),
        "Add a demo link"
    );
    assert!(matches!(
        l.revise(
            ListingContent::Service(ServiceProposal {
                title: "x".into(),
                category: "y".into(),
                description: "z".into(),
                price: dec!(1),
                currency: "USD".into(),
                allow_quotes: false,
            }),
            now()
        ),
        Err(ListingError::KindFixed(_))
    ));
    l.revise(ListingContent::Tool(good_tool()), now()).unwrap();
    assert_eq!(l.status(), ListingStatus::Draft);
    assert_eq!(l.submit(vec![], true, now()).unwrap(), Submission::Queued);
}

#[test]
fn r_g3_only_a_submitted_listing_is_moderated() {
    let mut l = listing(ListingContent::Tool(good_tool()));
    assert!(matches!(
        l.approve(moderator(), None, Published::Tool(tool_id(5)), now()),
        Err(ListingError::IllegalMove {
            status: ListingStatus::Draft,
            ..
        })
    ));
    assert!(Notes::parse(Some(&"x".repeat(2001))).is_err());
}

fn edit(changes: EditProposal) -> ListingContent {
    ListingContent::Edit {
        tool_id: tool_id(1),
        changes,
    }
}

fn current() -> CurrentTool {
    CurrentTool {
        integration_type: Some(IntegrationType::Api),
        links: LinkProposal {
            documentation_url: Some("https://docs.example.com".into()),
            ..LinkProposal::default()
        },
        last_dependencies: Some(vec![DependencyProposal {
            tool_id: tool_id(2),
            req: "^1".into(),
            optional: false,
        }]),
    }
}

#[test]
fn r_g3_new_items_are_always_reviewed() {
    assert!(diff(&ListingContent::Tool(good_tool()), &CurrentTool::default()).needs_review());
}

#[test]
fn r_g3_an_edit_of_name_description_tags_or_category_publishes_at_once() {
    let d = diff(
        &edit(EditProposal {
            name: Some("New name".into()),
            description: Some("New words".into()),
            tags: Some(vec!["new".into()]),
            category: Some(ToolCategory::LeadGeneration),
            integration_type: Some(IntegrationType::Api),
            links: Some(LinkProposal {
                documentation_url: Some("https://docs.example.com".into()),
                ..LinkProposal::default()
            }),
            plans: None,
        }),
        &current(),
    );
    assert!(!d.needs_review(), "{d:?}");
    assert_eq!(
        d.fields(),
        [
            "name",
            "description",
            "category",
            "tags",
            "integration_type",
            "documentation_url"
        ]
    );
    let mut l = listing(edit(EditProposal {
        name: Some("New name".into()),
        ..EditProposal::default()
    }));
    assert_eq!(
        l.submit(vec![], false, now()).unwrap(),
        Submission::PublishNow
    );
    l.published_at_once(Published::ToolChange(tool_id(1)), now())
        .unwrap();
    assert_eq!(l.status(), ListingStatus::Published);
    assert_eq!(l.decision().unwrap().outcome, Outcome::PublishedAtOnce);
}

#[test]
fn r_g3_an_edit_of_plans_integration_type_or_urls_goes_back_to_moderation() {
    for changes in [
        EditProposal {
            plans: Some(vec![plan("TEAM", dec!(99), BillingInterval::Month)]),
            ..EditProposal::default()
        },
        EditProposal {
            integration_type: Some(IntegrationType::Webhook),
            ..EditProposal::default()
        },
        EditProposal {
            links: Some(LinkProposal {
                support_url: Some("https://help.example.com".into()),
                ..LinkProposal::default()
            }),
            ..EditProposal::default()
        },
    ] {
        assert!(
            diff(&edit(changes.clone()), &current()).needs_review(),
            "{changes:?}"
        );
    }
}

#[test]
fn r_g3_a_new_version_is_reviewed_only_when_its_dependencies_change() {
    let same = version(
        tool_id(1),
        "1.5.0",
        vec![DependencyProposal {
            tool_id: tool_id(2),
            req: "^1".into(),
            optional: false,
        }],
    );
    assert!(!diff(&ListingContent::Version(same.clone()), &current()).needs_review());
    let changed = VersionProposal {
        dependencies: vec![],
        ..same.clone()
    };
    assert!(diff(&ListingContent::Version(changed), &current()).needs_review());
    assert!(
        diff(&ListingContent::Version(same), &CurrentTool::default()).needs_review(),
        "a first version is reviewed"
    );
}

#[test]
fn r_g5_opting_out_hides_items_globally_or_one_by_one() {
    let a = ItemRef::Tool(tool_id(1));
    let b = ItemRef::Bundle(BundleId::from_uuid(Uuid::from_u128(2)));
    let default = OptIn::default();
    assert!(default.offers(a) && default.offers(b));
    let one_out = OptIn::new(true, [(a, false)]);
    assert!(!one_out.offers(a));
    assert!(one_out.offers(b));
    let all_out = OptIn::new(false, [(a, true)]);
    assert!(!all_out.offers(a) && !all_out.offers(b));
}

#[test]
fn r_g1_registration_checks_every_field_at_once() {
    let seller = SellerId::from_uuid(Uuid::from_u128(1));
    let org = OrgId::from_uuid(Uuid::from_u128(2));
    let bad = Registration {
        display_name: " ".into(),
        description: "x".repeat(5001),
        website: Some("http://example.com".into()),
        support_email: "nobody".into(),
    };
    let faults = bad.into_profile(seller, org).unwrap_err();
    let fields: Vec<_> = faults.iter().map(|f| f.field).collect();
    assert_eq!(
        fields,
        ["display_name", "description", "website", "support_email"]
    );
    let good = Registration {
        display_name: " Brightlane ".into(),
        description: "Comps and more".into(),
        website: Some("https://brightlane.example".into()),
        support_email: "help@brightlane.example".into(),
    }
    .into_profile(seller, org)
    .unwrap();
    assert_eq!(good.display_name(), "Brightlane");
    assert_eq!(good.org_id(), org);
}
