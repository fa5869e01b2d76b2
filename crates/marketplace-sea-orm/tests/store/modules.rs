//! The installation context's ports over SQL (R-I1, R-I4..R-I7): each port's contract on
//! SQLite and PostgreSQL, and the one change at a time per org under real concurrency.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures::future::join_all;
use marketplace_domain::access::{Actor, OrgRole, PlatformRole};
use marketplace_domain::catalog::CatalogRepository;
use marketplace_domain::ids::{OrgId, ToolId, UserId};
use marketplace_domain::paging::PageRequest;
use marketplace_domain::ports::RepoError;
use marketplace_modules::installation::ports::{
    ApplyError, Entitlements, InstallLog, Installations, ModuleCatalog, Notices, PublishStoreError,
};
use marketplace_modules::installation::{
    AttemptRecord, ChangeKind, ChangeRequest, GenerationRecord, InstallationService,
    InstallationState, UpdateNotice,
};
use marketplace_modules::{
    Generation, GenerationNumber, InstallPlan, Lockfile, NewRelease, Pricing, ReleaseStatus,
    Requirement, RollbackPlan, Version,
};
use marketplace_sea_orm::SeaOrmStore;
use marketplace_testkit::builders::{ToolBuilder, t0, user_id};
use marketplace_testkit::fakes::FixedClock;
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use tokio::sync::Barrier;

use crate::fixtures::{org, seller};
use crate::support::TestDb;

/// Each scenario on both backends: `<scenario>::sqlite` and `<scenario>::postgres`.
macro_rules! on_both_backends {
    ($($scenario:ident),* $(,)?) => {$(
        mod $scenario {
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                super::$scenario(crate::support::TestDb::sqlite().await).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() {
                let Some(db) = crate::support::TestDb::postgres(stringify!($scenario)).await
                else {
                    return;
                };
                super::$scenario(db).await;
            }
        }
    )*};
}

on_both_backends!(
    r_i1_registry_is_the_closure_of_the_roots_over_dependencies,
    r_i1_a_version_is_published_once_and_never_changes,
    r_i1_yanking_is_idempotent_and_keeps_the_release,
    r_i1_published_by_lists_the_sellers_tools,
    r_i1_release_dates_name_each_versions_publication,
    r_i4_apply_stores_generations_in_order_and_refuses_stale_ones,
    r_i4_history_reads_newest_first_with_kind_and_steps,
    r_i4_state_of_an_org_without_a_platform_is_not_found,
    r_i6_holding_lists_the_orgs_whose_current_generation_has_the_tool,
    r_i6_notices_are_unique_and_keep_their_first_reading,
    r_i7_success_rates_count_every_orgs_attempts,
    r_i7_a_tools_attempts_read_back_newest_first_across_orgs,
    tenancy_one_org_never_reads_anothers_installations,
    r_i4_concurrent_applies_for_one_org_store_exactly_one,
    r_i4_the_service_reapplies_the_loser_of_a_race_as_the_next_generation,
);

pub(crate) fn v(text: &str) -> Version {
    Version::parse(text).unwrap()
}

fn req(text: &str) -> Requirement {
    Requirement::parse(text).unwrap()
}

fn page() -> PageRequest {
    PageRequest::default()
}

/// A listed tool, free or paid, with a readable name.
async fn module(store: &SeaOrmStore, name: &str, pricing: Pricing) -> ToolId {
    let s = seller(store).await;
    let builder = ToolBuilder::new().seller(s).named(name);
    let tool = match pricing {
        Pricing::Free => builder.free(),
        Pricing::Paid => builder.price("10.00"),
    }
    .build();
    store.insert_tool(&tool).await.unwrap();
    tool.id
}

async fn publish(store: &SeaOrmStore, tool: ToolId, release: NewRelease<ToolId>) {
    ModuleCatalog::publish(store, tool, &release, t0())
        .await
        .unwrap();
}

/// An org on platform 2.0.0.
async fn tenant(store: &SeaOrmStore) -> OrgId {
    let id = org(store, "0").await;
    Installations::set_platform(store, id, &v("2.0.0"))
        .await
        .unwrap();
    id
}

pub(crate) fn lockfile(modules: &[(ToolId, &str)]) -> Lockfile<ToolId> {
    modules
        .iter()
        .map(|(tool, version)| (*tool, v(version)))
        .collect()
}

/// The record of moving `current` to `target`.
pub(crate) fn change(current: &Generation<ToolId>, target: Lockfile<ToolId>) -> GenerationRecord {
    let plan = InstallPlan::between(current, target);
    GenerationRecord::of_plan(current, &plan, user_id(), t0()).unwrap()
}

async fn current(store: &SeaOrmStore, org: OrgId) -> Generation<ToolId> {
    Installations::state(store, org)
        .await
        .unwrap()
        .current()
        .clone()
}

async fn r_i1_registry_is_the_closure_of_the_roots_over_dependencies(db: TestDb) {
    let store = db.store();
    let app = module(&store, "Invoicing", Pricing::Free).await;
    let core = module(&store, "Ledger Core", Pricing::Paid).await;
    let charts = module(&store, "Charts", Pricing::Free).await;
    let unrelated = module(&store, "Unrelated", Pricing::Free).await;
    publish(&store, charts, NewRelease::new(v("1.0.0"), req("*"))).await;
    publish(
        &store,
        core,
        NewRelease::new(v("1.2.0"), req(">=2")).optionally_uses(charts, req("^1")),
    )
    .await;
    publish(
        &store,
        app,
        NewRelease::new(v("1.0.0"), req("^2"))
            .with_notes("First release")
            .requires(core, req("^1.2")),
    )
    .await;
    publish(&store, unrelated, NewRelease::new(v("1.0.0"), req("*"))).await;

    let registry = store.registry(&[app]).await.unwrap();
    let listed: BTreeSet<ToolId> = registry.modules().map(|(tool, _)| *tool).collect();
    assert_eq!(
        listed,
        BTreeSet::from([app, core, charts]),
        "R-I1: the closure only"
    );
    let entry = registry.module(&core).unwrap();
    assert_eq!(entry.name(), "Ledger Core");
    assert_eq!(entry.pricing(), Pricing::Paid);
    assert_eq!(registry.module(&app).unwrap().pricing(), Pricing::Free);
    let release = registry.release(&app, &v("1.0.0")).unwrap();
    assert_eq!(release.notes(), "First release");
    assert_eq!(release.platform(), &req("^2"));
    assert_eq!(release.dependencies().len(), 1);
    assert!(release.dependencies()[0].is_required());
    assert_eq!(release.dependencies()[0].requirement(), &req("^1.2"));
    let optional = &registry.release(&core, &v("1.2.0")).unwrap().dependencies()[0];
    assert_eq!(
        (*optional.module(), optional.is_required()),
        (charts, false)
    );
    assert!(
        store
            .registry(&[])
            .await
            .unwrap()
            .modules()
            .next()
            .is_none()
    );
    db.finish().await;
}

async fn r_i1_release_dates_name_each_versions_publication(db: TestDb) {
    let store = db.store();
    let tool = module(&store, "Exports", Pricing::Free).await;
    let other = module(&store, "Imports", Pricing::Free).await;
    let later = t0() + chrono::Duration::days(3);
    publish(&store, tool, NewRelease::new(v("1.0.0"), req("*"))).await;
    ModuleCatalog::publish(&store, tool, &NewRelease::new(v("1.1.0"), req("*")), later)
        .await
        .unwrap();
    publish(&store, other, NewRelease::new(v("9.0.0"), req("*"))).await;
    let dates = store.release_dates(tool).await.unwrap();
    assert_eq!(
        dates.into_iter().collect::<Vec<_>>(),
        [(v("1.0.0"), t0()), (v("1.1.0"), later)],
        "each version with its own time, and no other tool's"
    );
    let unknown = ToolId::from_uuid(uuid::Uuid::new_v4());
    assert!(store.release_dates(unknown).await.unwrap().is_empty());
    db.finish().await;
}

async fn r_i1_a_version_is_published_once_and_never_changes(db: TestDb) {
    let store = db.store();
    let tool = module(&store, "Exports", Pricing::Free).await;
    publish(
        &store,
        tool,
        NewRelease::new(v("1.0.0"), req("*")).with_notes("one"),
    )
    .await;
    let again = NewRelease::new(v("1.0.0"), req("*")).with_notes("two");
    let second = ModuleCatalog::publish(&store, tool, &again, t0()).await;
    assert!(
        matches!(second, Err(PublishStoreError::VersionTaken)),
        "{second:?}"
    );
    let unknown = ToolId::from_uuid(uuid::Uuid::new_v4());
    let missing = ModuleCatalog::publish(&store, unknown, &again, t0()).await;
    assert!(matches!(
        missing,
        Err(PublishStoreError::Store(RepoError::NotFound))
    ));
    // Not even a direct write changes a published version: the owner's trigger refuses
    // it on both backends (and on PostgreSQL the app role may update the status only).
    for conn in [Some(&db.app), db.owner.as_ref()].into_iter().flatten() {
        let conn = conn.connection();
        let rewrite = "UPDATE module_versions SET release_notes = 'changed'";
        assert!(conn.execute_unprepared(rewrite).await.is_err());
        assert!(
            conn.execute_unprepared("DELETE FROM module_versions")
                .await
                .is_err()
        );
    }
    let registry = store.registry(&[tool]).await.unwrap();
    assert_eq!(registry.release(&tool, &v("1.0.0")).unwrap().notes(), "one");
    db.finish().await;
}

async fn r_i1_yanking_is_idempotent_and_keeps_the_release(db: TestDb) {
    let store = db.store();
    let tool = module(&store, "Mailer", Pricing::Free).await;
    publish(&store, tool, NewRelease::new(v("1.0.0"), req("*"))).await;
    store.yank(tool, &v("1.0.0")).await.unwrap();
    store.yank(tool, &v("1.0.0")).await.unwrap();
    let registry = store.registry(&[tool]).await.unwrap();
    assert_eq!(
        registry.release(&tool, &v("1.0.0")).unwrap().status(),
        ReleaseStatus::Yanked
    );
    assert!(matches!(
        store.yank(tool, &v("9.9.9")).await,
        Err(RepoError::NotFound)
    ));
    // A yanked version goes back to nothing.
    let conn = db.app.connection();
    assert!(
        conn.execute_unprepared("UPDATE module_versions SET status = 'PUBLISHED'")
            .await
            .is_err()
    );
    db.finish().await;
}

async fn r_i1_published_by_lists_the_sellers_tools(db: TestDb) {
    let store = db.store();
    let managing = org(&store, "0").await;
    let s = seller(&store).await;
    let conn = db.owner.as_ref().unwrap_or(&db.app).connection();
    let backend = conn.get_database_backend();
    let link = match backend {
        DbBackend::Postgres => "UPDATE sellers SET org_id = $1 WHERE id = $2",
        _ => "UPDATE sellers SET org_id = ? WHERE id = ?",
    };
    conn.execute_raw(Statement::from_sql_and_values(
        backend,
        link,
        [managing.as_uuid().into(), s.as_uuid().into()],
    ))
    .await
    .unwrap();
    let tool = ToolBuilder::new().seller(s).build();
    store.insert_tool(&tool).await.unwrap();
    module(&store, "Someone else's", Pricing::Free).await;
    assert_eq!(store.published_by(managing).await.unwrap(), vec![tool.id]);
    assert!(
        store
            .published_by(org(&store, "0").await)
            .await
            .unwrap()
            .is_empty()
    );
    db.finish().await;
}

async fn r_i4_apply_stores_generations_in_order_and_refuses_stale_ones(db: TestDb) {
    let store = db.store();
    let org = tenant(&store).await;
    let (a, b) = (
        ToolId::from_uuid(uuid::Uuid::new_v4()),
        ToolId::from_uuid(uuid::Uuid::new_v4()),
    );
    let initial = current(&store, org).await;
    assert_eq!(initial, Generation::initial());
    let first = change(&initial, lockfile(&[(a, "1.0.0")]));
    store.apply(org, &first).await.unwrap();
    assert_eq!(current(&store, org).await, *first.generation());

    // Planned against generation 0 again: refused, nothing written.
    let late = change(&initial, lockfile(&[(b, "1.0.0")]));
    let refused = store.apply(org, &late).await;
    assert!(
        matches!(
            refused,
            Err(ApplyError::Stale { expected, current })
                if expected == GenerationNumber::new(0) && current == GenerationNumber::new(1)
        ),
        "{refused:?}"
    );
    assert_eq!(store.history(org, page()).await.unwrap().total, 1);
    assert_eq!(current(&store, org).await, *first.generation());

    let second = change(first.generation(), lockfile(&[(a, "1.1.0"), (b, "1.0.0")]));
    store.apply(org, &second).await.unwrap();
    let stored = store
        .generation(org, GenerationNumber::new(1))
        .await
        .unwrap();
    assert_eq!(stored.as_ref(), Some(first.generation()));
    let stored = store
        .generation(org, GenerationNumber::new(2))
        .await
        .unwrap();
    assert_eq!(stored.as_ref(), Some(second.generation()));
    assert_eq!(
        store
            .generation(org, GenerationNumber::new(3))
            .await
            .unwrap(),
        None
    );
    db.finish().await;
}

async fn r_i4_history_reads_newest_first_with_kind_and_steps(db: TestDb) {
    let store = db.store();
    let org = tenant(&store).await;
    let a = ToolId::from_uuid(uuid::Uuid::new_v4());
    let first = change(&Generation::initial(), lockfile(&[(a, "1.0.0")]));
    store.apply(org, &first).await.unwrap();
    let second = change(first.generation(), lockfile(&[(a, "2.0.0")]));
    store.apply(org, &second).await.unwrap();
    let back = RollbackPlan::new(second.generation(), first.generation()).unwrap();
    let third = GenerationRecord::of_rollback(second.generation(), &back, user_id(), t0()).unwrap();
    store.apply(org, &third).await.unwrap();

    let history = store.history(org, page()).await.unwrap();
    assert_eq!(history.total, 3);
    assert_eq!(
        history.items,
        vec![third.clone(), second.clone(), first.clone()]
    );
    assert_eq!(
        history.items[0].kind(),
        ChangeKind::Rollback {
            restores: GenerationNumber::new(1)
        }
    );
    let cut = store
        .history(org, PageRequest::new(Some(1), Some(1)).unwrap())
        .await
        .unwrap();
    assert_eq!((cut.total, cut.items), (3, vec![second]));
    db.finish().await;
}

async fn r_i4_state_of_an_org_without_a_platform_is_not_found(db: TestDb) {
    let store = db.store();
    let unknown = org(&store, "0").await;
    assert!(matches!(
        Installations::state(&store, unknown).await,
        Err(RepoError::NotFound)
    ));
    Installations::set_platform(&store, unknown, &v("3.1.0"))
        .await
        .unwrap();
    let state = Installations::state(&store, unknown).await.unwrap();
    assert_eq!(state.platform(), &v("3.1.0"));
    assert_eq!(state.current(), &Generation::initial());
    let stranger = OrgId::from_uuid(uuid::Uuid::new_v4());
    assert!(matches!(
        Installations::set_platform(&store, stranger, &v("3.1.0")).await,
        Err(RepoError::NotFound)
    ));
    db.finish().await;
}

async fn r_i6_holding_lists_the_orgs_whose_current_generation_has_the_tool(db: TestDb) {
    let store = db.store();
    let (first_org, second_org, former) = (
        tenant(&store).await,
        tenant(&store).await,
        tenant(&store).await,
    );
    let (a, b) = (
        ToolId::from_uuid(uuid::Uuid::new_v4()),
        ToolId::from_uuid(uuid::Uuid::new_v4()),
    );
    for org in [first_org, second_org, former] {
        store
            .apply(
                org,
                &change(&Generation::initial(), lockfile(&[(a, "1.0.0")])),
            )
            .await
            .unwrap();
    }
    let gone = change(&current(&store, former).await, lockfile(&[(b, "1.0.0")]));
    store.apply(former, &gone).await.unwrap();

    let holding = store.holding(a).await.unwrap();
    let orgs: BTreeSet<OrgId> = holding.iter().map(|(org, _)| *org).collect();
    assert_eq!(orgs, BTreeSet::from([first_org, second_org]));
    let (_, state): &(OrgId, InstallationState) =
        holding.iter().find(|(org, _)| *org == second_org).unwrap();
    assert!(state.current().lockfile().contains(&a));
    assert_eq!(state.platform(), &v("2.0.0"));
    db.finish().await;
}

pub(crate) fn notice(org: OrgId, tool: ToolId, to: &str, at: DateTime<Utc>) -> UpdateNotice {
    UpdateNotice {
        org,
        tool,
        from: v("1.0.0"),
        to: v(to),
        notes: format!("What is new in {to}"),
        created_at: at,
        read_at: None,
    }
}

async fn r_i6_notices_are_unique_and_keep_their_first_reading(db: TestDb) {
    let store = db.store();
    let (org, other) = (tenant(&store).await, tenant(&store).await);
    let tool = ToolId::from_uuid(uuid::Uuid::new_v4());
    let older = notice(org, tool, "1.1.0", t0());
    let newer = notice(org, tool, "1.2.0", t0() + chrono::Duration::hours(1));
    store
        .append(&[
            older.clone(),
            newer.clone(),
            notice(other, tool, "1.2.0", t0()),
        ])
        .await
        .unwrap();
    let read_at = t0() + chrono::Duration::hours(2);
    assert!(
        store
            .mark_read(org, tool, &v("1.1.0"), read_at)
            .await
            .unwrap()
    );
    assert!(
        store
            .mark_read(org, tool, &v("1.1.0"), read_at + chrono::Duration::hours(1))
            .await
            .unwrap()
    );
    assert!(
        !store
            .mark_read(org, tool, &v("9.0.0"), read_at)
            .await
            .unwrap()
    );
    // Appending again changes nothing, read or not.
    store.append(std::slice::from_ref(&older)).await.unwrap();

    let all = store.list(org, false, page()).await.unwrap();
    let read = UpdateNotice {
        read_at: Some(read_at),
        ..older
    };
    assert_eq!((all.total, all.items), (2, vec![newer.clone(), read]));
    let unread = store.list(org, true, page()).await.unwrap();
    assert_eq!((unread.total, unread.items), (1, vec![newer]));
    db.finish().await;
}

pub(crate) fn attempt(
    org: OrgId,
    tool: ToolId,
    outcome: marketplace_modules::Outcome,
) -> AttemptRecord {
    AttemptRecord {
        org,
        by: user_id(),
        at: t0(),
        attempt: marketplace_modules::Attempt {
            module: tool,
            kind: marketplace_modules::AttemptKind::Install,
            outcome,
            duration: Duration::from_millis(1_250),
        },
    }
}

async fn r_i7_success_rates_count_every_orgs_attempts(db: TestDb) {
    use marketplace_modules::Outcome::{Failed, RolledBack, Succeeded};
    let store = db.store();
    let (org, other) = (tenant(&store).await, tenant(&store).await);
    let (a, b, quiet) = (
        ToolId::from_uuid(uuid::Uuid::new_v4()),
        ToolId::from_uuid(uuid::Uuid::new_v4()),
        ToolId::from_uuid(uuid::Uuid::new_v4()),
    );
    store
        .record(&[
            attempt(org, a, Succeeded),
            attempt(
                org,
                a,
                Failed {
                    reason: "conflict".into(),
                },
            ),
            attempt(org, b, RolledBack),
        ])
        .await
        .unwrap();
    store.record(&[attempt(other, a, Succeeded)]).await.unwrap();
    store.record(&[]).await.unwrap();
    let rates = store.success_rates(&[a, b, quiet]).await.unwrap();
    assert_eq!(rates.len(), 2, "tools without attempts are left out");
    assert_eq!((rates[&a].succeeded(), rates[&a].attempts()), (2, 3));
    assert_eq!((rates[&b].succeeded(), rates[&b].attempts()), (0, 1));
    db.finish().await;
}

async fn r_i7_a_tools_attempts_read_back_newest_first_across_orgs(db: TestDb) {
    use marketplace_modules::Outcome::{Failed, RolledBack, Succeeded};
    let store = db.store();
    let (org, other) = (tenant(&store).await, tenant(&store).await);
    let (a, b) = (
        ToolId::from_uuid(uuid::Uuid::new_v4()),
        ToolId::from_uuid(uuid::Uuid::new_v4()),
    );
    let at = |minutes: i64, record: AttemptRecord| AttemptRecord {
        at: t0() + chrono::Duration::minutes(minutes),
        ..record
    };
    let failed = Failed {
        reason: "Analytics needs platform >=5.0.0, but your platform is 4.2.0.".into(),
    };
    let written = [
        at(1, attempt(org, a, Succeeded)),
        at(3, attempt(other, a, failed)),
        at(2, attempt(org, a, RolledBack)),
        at(4, attempt(org, b, Succeeded)),
    ];
    store.record(&written[..3]).await.unwrap();
    store.record(&written[3..]).await.unwrap();

    let all = store.attempts(a, page()).await.unwrap();
    assert_eq!(
        all.total, 3,
        "every org's attempts on the tool, no other tool's"
    );
    assert_eq!(
        all.items,
        [written[1].clone(), written[2].clone(), written[0].clone()],
        "newest first, each as it was written"
    );
    let second = store
        .attempts(a, PageRequest::new(Some(1), Some(1)).unwrap())
        .await
        .unwrap();
    assert_eq!((second.total, second.items), (3, vec![written[2].clone()]));
    let none = ToolId::from_uuid(uuid::Uuid::new_v4());
    assert_eq!(store.attempts(none, page()).await.unwrap().total, 0);
    db.finish().await;
}

async fn tenancy_one_org_never_reads_anothers_installations(db: TestDb) {
    let store = db.store();
    let (org, other) = (tenant(&store).await, tenant(&store).await);
    let a = ToolId::from_uuid(uuid::Uuid::new_v4());
    store
        .apply(
            org,
            &change(&Generation::initial(), lockfile(&[(a, "1.0.0")])),
        )
        .await
        .unwrap();
    store
        .append(&[notice(org, a, "1.1.0", t0())])
        .await
        .unwrap();
    assert_eq!(current(&store, other).await, Generation::initial());
    assert_eq!(store.history(other, page()).await.unwrap().total, 0);
    assert_eq!(
        store
            .generation(other, GenerationNumber::new(1))
            .await
            .unwrap(),
        None
    );
    assert_eq!(store.list(other, false, page()).await.unwrap().total, 0);
    assert!(!store.mark_read(other, a, &v("1.1.0"), t0()).await.unwrap());
    if db.app.backend() == DbBackend::Postgres {
        // Without a tenant set, row-level security shows the app role nothing.
        for table in [
            "installation_generations",
            "installation_heads",
            "module_update_notices",
        ] {
            let rows = db
                .app
                .connection()
                .query_all_raw(Statement::from_string(
                    DbBackend::Postgres,
                    format!("SELECT * FROM {table}"),
                ))
                .await
                .unwrap();
            assert!(rows.is_empty(), "{table} is visible without a tenant");
        }
    }
    db.finish().await;
}

/// Ten orgs at generation 1, each with two changes planned against it, all applied at
/// once: per org exactly one is stored as generation 2, the other is stale and leaves
/// nothing behind.
async fn r_i4_concurrent_applies_for_one_org_store_exactly_one(db: TestDb) {
    let store = db.store();
    let mut races = Vec::new();
    for _ in 0..10 {
        let org = tenant(&store).await;
        let base = ToolId::from_uuid(uuid::Uuid::new_v4());
        let first = change(&Generation::initial(), lockfile(&[(base, "1.0.0")]));
        store.apply(org, &first).await.unwrap();
        let left = ToolId::from_uuid(uuid::Uuid::new_v4());
        let right = ToolId::from_uuid(uuid::Uuid::new_v4());
        let ours = change(
            first.generation(),
            lockfile(&[(base, "1.0.0"), (left, "1.0.0")]),
        );
        let theirs = change(
            first.generation(),
            lockfile(&[(base, "2.0.0"), (right, "1.0.0")]),
        );
        races.push((org, ours, theirs));
    }
    let tasks = races.iter().flat_map(|(org, ours, theirs)| {
        [ours.clone(), theirs.clone()].map(|record| {
            let (store, org) = (store.clone(), *org);
            tokio::spawn(async move { (record.clone(), store.apply(org, &record).await) })
        })
    });
    let results: Vec<_> = join_all(tasks)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    for (org, ..) in &races {
        let mine: Vec<_> = results
            .iter()
            .filter(|(record, _)| {
                races
                    .iter()
                    .any(|(o, ours, theirs)| o == org && (record == ours || record == theirs))
            })
            .collect();
        let won: Vec<_> = mine.iter().filter(|(_, r)| r.is_ok()).collect();
        assert_eq!(won.len(), 1, "exactly one change per org: {mine:?}");
        let lost = mine.iter().find(|(_, r)| r.is_err()).unwrap();
        assert!(
            matches!(
                lost.1,
                Err(ApplyError::Stale { expected, current })
                    if expected == GenerationNumber::new(1) && current == GenerationNumber::new(2)
            ),
            "{lost:?}"
        );
        let history = store.history(*org, page()).await.unwrap();
        assert_eq!(history.total, 2, "generation 2 stored once");
        assert_eq!(history.items[0], won[0].0, "the winner's lockfile, whole");
        assert_eq!(current(&store, *org).await, *won[0].0.generation());
    }
    db.finish().await;
}

/// The real store behind the service, whose first two state reads meet before either
/// goes on, so both changes are planned against generation 0.
struct MeetingFirst {
    store: SeaOrmStore,
    reads: AtomicUsize,
    barrier: Barrier,
}

#[async_trait]
impl Installations for MeetingFirst {
    async fn state(&self, org: OrgId) -> Result<InstallationState, RepoError> {
        let state = Installations::state(&self.store, org).await;
        if self.reads.fetch_add(1, Ordering::SeqCst) < 2 {
            self.barrier.wait().await;
        }
        state
    }
    async fn set_platform(&self, org: OrgId, version: &Version) -> Result<(), RepoError> {
        self.store.set_platform(org, version).await
    }
    async fn apply(&self, org: OrgId, record: &GenerationRecord) -> Result<(), ApplyError> {
        self.store.apply(org, record).await
    }
    async fn generation(
        &self,
        org: OrgId,
        number: GenerationNumber,
    ) -> Result<Option<Generation<ToolId>>, RepoError> {
        self.store.generation(org, number).await
    }
    async fn history(
        &self,
        org: OrgId,
        page: PageRequest,
    ) -> Result<marketplace_domain::paging::Page<GenerationRecord>, RepoError> {
        self.store.history(org, page).await
    }
    async fn holding(&self, tool: ToolId) -> Result<Vec<(OrgId, InstallationState)>, RepoError> {
        self.store.holding(tool).await
    }
}

/// Every paid tool is held (the race is about generations, not entitlements).
struct HoldsEverything;

#[async_trait]
impl Entitlements for HoldsEverything {
    async fn held(&self, _org: OrgId, tools: &[ToolId]) -> Result<BTreeSet<ToolId>, RepoError> {
        Ok(tools.iter().copied().collect())
    }
}

async fn r_i4_the_service_reapplies_the_loser_of_a_race_as_the_next_generation(db: TestDb) {
    let store = db.store();
    let org = tenant(&store).await;
    let crm = module(&store, "CRM Sync", Pricing::Free).await;
    let reports = module(&store, "Reports", Pricing::Paid).await;
    publish(&store, crm, NewRelease::new(v("1.0.0"), req("^2"))).await;
    publish(&store, reports, NewRelease::new(v("1.4.0"), req("^2"))).await;
    let installations = Arc::new(MeetingFirst {
        store: store.clone(),
        reads: AtomicUsize::new(0),
        barrier: Barrier::new(2),
    });
    let shared = Arc::new(store.clone());
    let service = InstallationService::new(
        shared.clone(),
        installations,
        Arc::new(HoldsEverything),
        shared.clone(),
        shared.clone(),
        Arc::new(FixedClock::default()),
    );
    let owner = Actor {
        user_id: UserId::from_uuid(uuid::Uuid::new_v4()),
        org_id: org,
        org_role: OrgRole::Owner,
        platform_role: PlatformRole::User,
    };
    let tasks = [crm, reports].map(|tool| {
        let (service, owner) = (service.clone(), owner);
        tokio::spawn(async move {
            service
                .apply(&owner, &ChangeRequest::install(tool, req("*")))
                .await
        })
    });
    let results: Vec<GenerationRecord> = join_all(tasks)
        .await
        .into_iter()
        .map(|joined| joined.unwrap().unwrap())
        .collect();
    let mut numbers: Vec<u64> = results
        .iter()
        .map(|r| r.generation().number().get())
        .collect();
    numbers.sort_unstable();
    assert_eq!(
        numbers,
        [1, 2],
        "one stored first, the other planned again after it"
    );

    let history = store.history(org, page()).await.unwrap();
    assert_eq!(history.total, 2);
    assert_eq!(
        history.items[0].generation().lockfile(),
        &lockfile(&[(crm, "1.0.0"), (reports, "1.4.0")]),
        "the second generation keeps what the first installed"
    );
    let rates = store.success_rates(&[crm, reports]).await.unwrap();
    assert_eq!(rates[&crm].attempts() + rates[&reports].attempts(), 2);
    db.finish().await;
}
