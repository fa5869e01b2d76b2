//! Sellers themselves: round trips, one per org and per connected account, tool
//! assignment.

use marketplace_domain::ids::SellerId;
use marketplace_domain::ports::{Conflict, RepoError};
use marketplace_domain::revenue::SellerKind;
use marketplace_domain::seller::{ConnectAccount, NewSeller, SellerPatch};

use crate::builders::{self, unique_uuid};

use super::SellerContractPorts;
use super::setup::*;

/// A seller comes back with every field; an upsert replaces them; lookups by org and by
/// connected account find it; unknown ids are `None` or `NotFound`.
pub async fn sellers_round_trip(p: &SellerContractPorts) {
    let org = org(p).await;
    let s = new_seller(p, SellerKind::ThirdParty, "0.0750", Some(org)).await;
    assert_eq!(
        ok(p.sellers.get(s.id()).await, "get"),
        Some(s.clone()),
        "seller contract: every field stored"
    );
    assert_eq!(ok(p.sellers.of_org(org).await, "of_org"), Some(s.clone()));
    assert!(ok(p.sellers.list().await, "list").contains(&s));
    let changed = ok(
        s.patched(SellerPatch {
            name: Some("Renamed".into()),
            fee_rate: Some(builders::dec("0.1")),
            payout_minimum: Some(builders::eur("50.00")),
            org_id: Some(None),
            ..SellerPatch::default()
        }),
        "patch",
    );
    ok(p.sellers.upsert(&changed).await, "upsert again");
    assert_eq!(
        ok(p.sellers.get(s.id()).await, "get"),
        Some(changed.clone())
    );
    assert_eq!(
        ok(p.sellers.of_org(org).await, "of_org"),
        None,
        "seller contract: detached from its org"
    );
    let account = ConnectAccount {
        account_id: format!("acct_{}", unique_uuid().simple()),
        payouts_enabled: false,
    };
    ok(
        p.sellers.set_connect_account(s.id(), &account).await,
        "set_connect_account",
    );
    let found = some(
        ok(
            p.sellers.by_connect_account(&account.account_id).await,
            "by_connect_account",
        ),
        "the seller by account",
    );
    assert_eq!(found.connect(), Some(&account));
    let enabled = ConnectAccount {
        payouts_enabled: true,
        ..account
    };
    ok(
        p.sellers.set_connect_account(s.id(), &enabled).await,
        "enable payouts",
    );
    let got = some(ok(p.sellers.get(s.id()).await, "get"), "seller");
    assert_eq!(got.payout_account(), Some(&enabled));
    assert_eq!(got.payout().minimum(), builders::eur("50.00"));

    let unknown = SellerId::from_uuid(unique_uuid());
    assert_eq!(ok(p.sellers.get(unknown).await, "get unknown"), None);
    assert_eq!(
        ok(
            p.sellers.by_connect_account("acct_nobody").await,
            "by account"
        ),
        None
    );
    assert!(matches!(
        p.sellers.set_connect_account(unknown, &enabled).await,
        Err(RepoError::NotFound)
    ));
}

/// An org manages one seller; a connected account belongs to one seller; a seller of an
/// org that does not exist is `NotFound`.
pub async fn one_seller_per_org_and_per_account(p: &SellerContractPorts) {
    let org = org(p).await;
    let first = new_seller(p, SellerKind::ThirdParty, "0.05", Some(org)).await;
    let second = ok(
        NewSeller {
            name: "Second".into(),
            kind: SellerKind::ThirdParty,
            fee_rate: None,
            org_id: Some(org),
            payout_minimum: None,
        }
        .into_seller(SellerId::from_uuid(unique_uuid()), day(1, 1)),
        "second",
    );
    assert!(
        matches!(
            p.sellers.upsert(&second).await,
            Err(RepoError::Conflict(Conflict::SellerOrg))
        ),
        "seller contract: one seller per org"
    );
    assert_eq!(ok(p.sellers.get(second.id()).await, "get"), None);

    let account = ConnectAccount {
        account_id: format!("acct_{}", unique_uuid().simple()),
        payouts_enabled: true,
    };
    ok(
        p.sellers.set_connect_account(first.id(), &account).await,
        "connect",
    );
    let other = new_seller(p, SellerKind::ThirdParty, "0.05", None).await;
    assert!(
        matches!(
            p.sellers.set_connect_account(other.id(), &account).await,
            Err(RepoError::Conflict(Conflict::ConnectAccount))
        ),
        "seller contract: one seller per connected account"
    );

    let orphan = ok(
        NewSeller {
            name: "Orphan".into(),
            kind: SellerKind::ThirdParty,
            fee_rate: None,
            org_id: Some(builders::org_id()),
            payout_minimum: None,
        }
        .into_seller(SellerId::from_uuid(unique_uuid()), day(1, 1)),
        "orphan",
    );
    assert!(
        matches!(p.sellers.upsert(&orphan).await, Err(RepoError::NotFound)),
        "seller contract: the org must exist"
    );
}

/// A tool assigned to a seller is listed among its tools and sold on its terms.
pub async fn tools_are_assigned_to_sellers(p: &SellerContractPorts) {
    let a = new_seller(p, SellerKind::ThirdParty, "0.05", None).await;
    let b = new_seller(p, SellerKind::ThirdParty, "0.10", None).await;
    let t1 = tool(p, a.id(), "10.00").await;
    let t2 = tool(p, a.id(), "20.00").await;
    let mut mine = vec![t1.id, t2.id];
    mine.sort_unstable();
    assert_eq!(ok(p.sellers.tools_of(a.id()).await, "tools_of"), mine);
    ok(p.sellers.assign_tool(t2.id, b.id()).await, "assign");
    assert_eq!(
        ok(p.sellers.tools_of(a.id()).await, "tools_of"),
        vec![t1.id]
    );
    assert_eq!(
        ok(p.sellers.tools_of(b.id()).await, "tools_of"),
        vec![t2.id]
    );
    let stored = some(ok(p.ports.catalog.tool(t2.id).await, "tool"), "tool");
    assert_eq!(
        stored.seller_id,
        b.id(),
        "seller contract: the catalog sees the new seller"
    );
    assert!(matches!(
        p.sellers
            .assign_tool(t1.id, SellerId::from_uuid(unique_uuid()))
            .await,
        Err(RepoError::NotFound)
    ));
    assert!(matches!(
        p.sellers
            .assign_tool(
                marketplace_domain::ids::ToolId::from_uuid(unique_uuid()),
                a.id()
            )
            .await,
        Err(RepoError::NotFound)
    ));
}
