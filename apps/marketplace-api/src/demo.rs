//! The embedded demo: one org per tier, users of each role, credits to spend, and tokens
//! printed at start so a newcomer can call the API at once.

use std::sync::Arc;

use chrono::Duration;
use marketplace_domain::access::{Actor, OrgRole, PlatformRole};
use marketplace_domain::ids::{OrgId, UserId};
use marketplace_domain::money::{Currency, Money};
use marketplace_domain::org::OrgRepository;
use marketplace_domain::tier::Tier;
use uuid::Uuid;

use crate::auth::TokenKeys;

/// A demo org: fixed ids so tokens stay valid across restarts.
#[derive(Clone, Copy, Debug)]
pub struct DemoOrg {
    pub id: OrgId,
    pub name: &'static str,
    pub tier: Tier,
    /// Platform credits granted at first start (whole dollars).
    pub credits: i64,
}

const fn org(n: u128, name: &'static str, tier: Tier, credits: i64) -> DemoOrg {
    DemoOrg {
        id: OrgId::from_uuid(Uuid::from_u128(
            0xdeed_0000_0000_4000_8000_0000_0000_0000 + n,
        )),
        name,
        tier,
        credits,
    }
}

/// The demo orgs, one per tier.
pub const ORGS: [DemoOrg; 6] = [
    org(1, "Demo Free Realty", Tier::Free, 0),
    org(2, "Demo Starter Realty", Tier::Starter, 0),
    org(3, "Demo Growth Realty", Tier::Growth, 500),
    org(4, "Demo Elite Realty", Tier::Elite, 5_000),
    org(5, "Demo Enterprise Realty", Tier::Enterprise, 20_000),
    org(6, "Demo Custom Realty", Tier::Custom, 0),
];

/// The demo user with `role` in demo org number `org` (1-based, as [`ORGS`]).
#[must_use]
pub fn user(org: u8, role: OrgRole) -> UserId {
    let r = match role {
        OrgRole::Owner => 1,
        OrgRole::Admin => 2,
        OrgRole::Member => 3,
        OrgRole::Viewer => 4,
    };
    UserId::from_uuid(Uuid::from_u128(
        0xbeef_0000_0000_4000_8000_0000_0000_0000 + u128::from(org) * 16 + r,
    ))
}

/// The platform's own staff live in the Enterprise demo org.
#[must_use]
pub fn platform_actor(role: PlatformRole) -> Actor {
    let n: u128 = match role {
        PlatformRole::SuperAdmin => 0xa1,
        PlatformRole::Admin => 0xa2,
        PlatformRole::Moderator => 0xa3,
        PlatformRole::Employee => 0xa4,
        PlatformRole::User => 0xa5,
    };
    Actor {
        user_id: UserId::from_uuid(Uuid::from_u128(
            0xbeef_0000_0000_4000_8000_0000_0000_0000 + n,
        )),
        org_id: ORGS[4].id,
        org_role: OrgRole::Member,
        platform_role: role,
    }
}

/// Creates the demo orgs (idempotently: credits are granted only to an org that has none).
///
/// # Errors
/// The store's.
pub async fn provision(orgs: &Arc<dyn OrgRepository>) -> anyhow::Result<()> {
    for o in ORGS {
        let existing = orgs.get(o.id).await?;
        orgs.upsert(o.id, o.name, o.tier).await?;
        let has_credits = existing.is_some_and(|e| !e.credits().is_zero());
        if o.credits > 0 && !has_credits {
            orgs.grant_credits(o.id, Money::from_minor(o.credits * 100, Currency::USD))
                .await?;
        }
    }
    Ok(())
}

/// Tokens for the users a walk-through needs, valid for a day.
///
/// # Errors
/// When signing fails.
pub fn tokens(keys: &TokenKeys) -> anyhow::Result<Vec<(String, String)>> {
    let owner = |n: u8| Actor {
        user_id: user(n, OrgRole::Owner),
        org_id: ORGS[usize::from(n) - 1].id,
        org_role: OrgRole::Owner,
        platform_role: PlatformRole::User,
    };
    let people = [
        (
            "owner of Demo Growth Realty (GROWTH, 500 USD credits)",
            owner(3),
        ),
        (
            "owner of Demo Elite Realty (ELITE, 5000 USD credits)",
            owner(4),
        ),
        (
            "platform admin (catalog, orgs, refunds)",
            platform_actor(PlatformRole::Admin),
        ),
        (
            "platform moderator (reviews)",
            platform_actor(PlatformRole::Moderator),
        ),
    ];
    people
        .into_iter()
        .map(|(label, actor)| Ok((label.to_owned(), keys.issue(&actor, Duration::hours(24))?)))
        .collect()
}
