//! R-R3 (the clock is a port) and R-T2 (who acts), end to end.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::{TimeZone, Utc};
use common::{add_all, new_key, tool_ref};
use marketplace_domain::access::{Actor, OrgRole, PlatformRole};
use marketplace_domain::checkout::PaymentMethod;
use marketplace_domain::purchase::{Billing, add_months};
use marketplace_domain::tier::Tier;
use marketplace_testkit::Fakes;

/// R-R3: every time a use case records comes from the injected clock. With the clock set
/// far in the past, an order, its purchase and a recurring period all carry that time; a
/// use case reading the system clock would stamp today instead.
#[tokio::test]
async fn r_r3_use_cases_take_the_time_from_the_clock_port() {
    let f = Fakes::new();
    let at = Utc.with_ymd_and_hms(2001, 1, 31, 8, 0, 0).single().unwrap();
    f.clock.set(at);
    let (_org, buyer) = f.org_with_owner(Tier::Elite);
    let monthly = f.tool(|b| b.price("10.00").monthly());
    add_all(&f, &buyer, &[tool_ref(&monthly)]).await;
    let order = f
        .checkout_service()
        .checkout(&buyer, new_key(), PaymentMethod::CreditCard)
        .await
        .unwrap();
    assert_eq!((order.created_at(), order.updated_at()), (at, at));
    let purchase = f.store.purchases_of(buyer.org_id).pop().unwrap();
    assert_eq!(purchase.created_at(), at);
    let Billing::Recurring { period, .. } = purchase.billing() else {
        panic!("recurring")
    };
    assert_eq!((period.start(), period.end()), (at, add_months(at, 1)));
    assert!(
        f.audit.events().iter().all(|e| e.at == at),
        "audit times come from the clock too"
    );
}

/// R-R3, statically: outside tests, no source of the domain, of the kernel or of the store
/// adapters (the SQL store, the testkit's fakes) reads the system clock; only the kernel's
/// `SystemClock`, which applications inject, does.
#[test]
fn r_r3_no_domain_source_reads_the_system_clock() {
    fn sources(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                sources(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let crates = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    for dir in [
        "marketplace-domain/src",
        "marketplace-kernel/src",
        "marketplace-sea-orm/src",
        "marketplace-testkit/src",
    ] {
        let before = files.len();
        sources(&crates.join(dir), &mut files);
        assert!(files.len() > before, "no sources found in {dir}");
    }
    let the_clock = crates.join("marketplace-kernel/src/clock.rs");
    let mut offenders = Vec::new();
    for file in files {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        if name.contains("test") || name == "fixtures.rs" || name == "ports.rs" || file == the_clock
        {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
        for needle in ["Utc::now()", "SystemTime::now()", "Local::now()"] {
            if code.contains(needle) {
                offenders.push(format!("{}: {needle}", file.display()));
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "use cases and stores must take the time from the Clock port: {offenders:?}"
    );
}

/// R-T2: an actor is a user of one org with an org role and a platform role, each from the
/// closed sets of the rule, carried unchanged through the use cases.
#[tokio::test]
async fn r_t2_an_actor_is_user_org_and_both_roles() {
    let org_roles: Vec<&str> = OrgRole::ALL.iter().map(OrgRole::as_str).collect();
    assert_eq!(org_roles, ["OWNER", "ADMIN", "MEMBER", "VIEWER"]);
    let platform_roles: Vec<&str> = PlatformRole::ALL.iter().map(PlatformRole::as_str).collect();
    assert_eq!(
        platform_roles,
        ["SUPER_ADMIN", "ADMIN", "MODERATOR", "EMPLOYEE", "USER"]
    );
    assert!("OWNER".parse::<OrgRole>().is_ok() && "CEO".parse::<OrgRole>().is_err());

    let f = Fakes::new();
    let (org, owner) = f.org_with_owner(Tier::Elite);
    let tool = f.tool(|b| b.price("5.00"));
    let actor = Actor {
        org_role: OrgRole::Admin,
        platform_role: PlatformRole::Employee,
        ..owner
    };
    add_all(&f, &actor, &[tool_ref(&tool)]).await;
    let order = f
        .checkout_service()
        .checkout(&actor, new_key(), PaymentMethod::Invoice)
        .await;
    let order = order.unwrap();
    assert_eq!((order.org_id(), order.user_id()), (org, actor.user_id));
    let audited = f
        .audit
        .events()
        .into_iter()
        .find(|e| e.action == "order.placed")
        .unwrap();
    assert_eq!(
        (audited.actor, audited.org_id),
        (Some(actor.user_id), Some(org))
    );
}
