#![allow(clippy::unwrap_used, clippy::expect_used)]
//! R-V*: reviews through the review service over the fakes.

mod common;

use common::{buy, tool_ref};
use marketplace_domain::access::Actor;
use marketplace_domain::catalog::{PageRequest, Tool};
use marketplace_domain::review::{Decision, ReviewError, ReviewInput, ReviewStatus};
use marketplace_domain::tier::Tier;
use marketplace_testkit::Fakes;
use marketplace_testkit::builders::{dec, member, moderator, owner, usd, viewer};

fn input(rating: u8) -> ReviewInput {
    ReviewInput {
        rating,
        title: Some("Title".into()),
        body: Some("Body".into()),
    }
}

/// A tool and `n` members of `n` orgs that each bought it.
async fn setup(n: usize) -> (Fakes, Tool, Vec<Actor>) {
    let f = Fakes::new();
    let t = f.tool(|b| b.price("10.00"));
    let mut members = Vec::new();
    for _ in 0..n {
        let org = f.new_org(Tier::Elite, usd("10.00"));
        buy(&f, &owner(org), &[tool_ref(&t)]).await;
        members.push(member(org));
    }
    (f, t, members)
}

fn rating(f: &Fakes, t: &Tool) -> (Option<rust_decimal::Decimal>, u64) {
    let s = f.store.tool(t.id).unwrap().stats;
    (s.avg_rating, s.review_count)
}

#[tokio::test]
async fn r_v1_one_review_per_user_rewrite_goes_back_to_pending() {
    let (f, t, m) = setup(1).await;
    let svc = f.review_service();
    let first = svc.write(&m[0], t.id, input(4)).await.unwrap();
    assert_eq!(
        (first.status(), first.rating().get()),
        (ReviewStatus::Pending, 4)
    );
    svc.moderate(&moderator(), first.id(), Decision::Approve, None)
        .await
        .unwrap();
    let again = svc.write(&m[0], t.id, input(2)).await.unwrap();
    assert_eq!(again.id(), first.id(), "one review per (tool, user)");
    assert_eq!(
        (again.status(), again.rating().get()),
        (ReviewStatus::Pending, 2)
    );
    assert!(again.moderation().is_some(), "the last moderation is kept");
    assert_eq!(f.store.snapshot().reviews.reviews.len(), 1);
    let bad = ReviewInput {
        rating: 6,
        title: Some("x".repeat(201)),
        body: Some("y".repeat(2001)),
    };
    let err = svc.write(&m[0], t.id, bad).await.unwrap_err();
    let ReviewError::Invalid(faults) = err else {
        panic!("expected Invalid, got {err:?}")
    };
    let fields: Vec<_> = faults.iter().map(|f| f.field).collect();
    assert_eq!(fields, ["rating", "title", "body"]);
}

#[tokio::test]
async fn r_v2_only_entitled_members_review() {
    let (f, t, m) = setup(1).await;
    let svc = f.review_service();
    let outsider = member(f.new_org(Tier::Elite, usd("0")));
    let err = svc.write(&outsider, t.id, input(5)).await.unwrap_err();
    assert!(matches!(err, ReviewError::NotEntitled), "{err:?}");
    let err = svc
        .write(&viewer(m[0].org_id), t.id, input(5))
        .await
        .unwrap_err();
    assert!(matches!(err, ReviewError::Forbidden(_)), "{err:?}");
    let r = svc.write(&m[0], t.id, input(5)).await.unwrap();
    assert!(r.verified_purchase());
    assert_eq!(f.store.snapshot().reviews.reviews.len(), 1);
}

#[tokio::test]
async fn r_v3_three_flags_hide_until_moderated() {
    let (f, t, m) = setup(5).await;
    let svc = f.review_service();
    let r = svc.write(&m[0], t.id, input(5)).await.unwrap();
    let md = moderator();
    svc.moderate(&md, r.id(), Decision::Approve, Some("fine".into()))
        .await
        .unwrap();
    assert_eq!(rating(&f, &t), (Some(dec("5.00")), 1));
    assert!(!svc.flag(&m[1], r.id(), Some("spam".into())).await.unwrap());
    assert!(!svc.flag(&m[2], r.id(), None).await.unwrap());
    assert!(
        svc.flag(&m[3], r.id(), None).await.unwrap(),
        "the third distinct flag hides it"
    );
    let stored = f.store.snapshot().reviews.reviews[&r.id()].clone();
    assert_eq!(
        (stored.status(), stored.flag_count()),
        (ReviewStatus::Flagged, 3)
    );
    assert_eq!(rating(&f, &t), (None, 0), "out of the rating while flagged");
    let err = svc.flag(&m[4], r.id(), None).await.unwrap_err();
    assert!(
        matches!(err, ReviewError::NotFound),
        "hidden from others: {err:?}"
    );
    let queue = svc
        .queue(&md, Some(ReviewStatus::Flagged), PageRequest::default())
        .await
        .unwrap();
    assert_eq!(queue.total, 1);
    let back = svc
        .moderate(&md, r.id(), Decision::Approve, None)
        .await
        .unwrap();
    assert_eq!(
        (back.status(), back.flag_count()),
        (ReviewStatus::Approved, 0)
    );
    assert_eq!(back.moderation().unwrap().by, md.user_id);
    assert_eq!(rating(&f, &t), (Some(dec("5.00")), 1));
}

#[tokio::test]
async fn r_v4_public_sees_approved_only() {
    let (f, t, m) = setup(3).await;
    let svc = f.review_service();
    let a = svc.write(&m[0], t.id, input(5)).await.unwrap();
    let b = svc.write(&m[1], t.id, input(3)).await.unwrap();
    svc.write(&m[2], t.id, input(1)).await.unwrap();
    svc.moderate(&moderator(), a.id(), Decision::Approve, None)
        .await
        .unwrap();
    svc.moderate(&moderator(), b.id(), Decision::Reject, None)
        .await
        .unwrap();
    let anyone = viewer(f.new_org(Tier::Free, usd("0")));
    let page = svc
        .public_reviews(&anyone, t.id, PageRequest::default())
        .await
        .unwrap();
    assert_eq!(page.total, 1);
    assert_eq!(page.items[0].id(), a.id());
    let mine = svc.mine(&m[1], t.id).await.unwrap().unwrap();
    assert_eq!(
        mine.status(),
        ReviewStatus::Rejected,
        "the author sees their own in any status"
    );
    assert_eq!(svc.mine(&anyone, t.id).await.unwrap(), None);
}

#[tokio::test]
async fn r_v5_one_vote_and_one_flag_never_own() {
    let (f, t, m) = setup(2).await;
    let svc = f.review_service();
    let r = svc.write(&m[0], t.id, input(4)).await.unwrap();
    svc.moderate(&moderator(), r.id(), Decision::Approve, None)
        .await
        .unwrap();
    svc.mark_helpful(&m[1], r.id()).await.unwrap();
    let err = svc.mark_helpful(&m[1], r.id()).await.unwrap_err();
    assert!(matches!(err, ReviewError::AlreadyVoted), "{err:?}");
    let err = svc.mark_helpful(&m[0], r.id()).await.unwrap_err();
    assert!(matches!(err, ReviewError::OwnReview), "{err:?}");
    svc.flag(&m[1], r.id(), None).await.unwrap();
    let err = svc.flag(&m[1], r.id(), None).await.unwrap_err();
    assert!(matches!(err, ReviewError::AlreadyFlagged), "{err:?}");
    let err = svc.flag(&m[0], r.id(), None).await.unwrap_err();
    assert!(matches!(err, ReviewError::OwnReview), "{err:?}");
    let data = f.store.snapshot().reviews;
    assert_eq!(data.reviews[&r.id()].helpful_count(), 1);
    assert_eq!(data.reviews[&r.id()].flag_count(), 1);
    assert_eq!((data.votes.len(), data.flags.len()), (1, 1));
    assert_eq!(
        data.votes[0].org_id, m[1].org_id,
        "the vote carries the voter's org"
    );
    // A rewrite keeps the votes.
    svc.write(&m[0], t.id, input(5)).await.unwrap();
    assert_eq!(
        f.store.snapshot().reviews.reviews[&r.id()].helpful_count(),
        1
    );
}

#[tokio::test]
async fn r_v6_rating_over_approved_only() {
    let (f, t, m) = setup(4).await;
    let svc = f.review_service();
    let md = moderator();
    let mut ids = Vec::new();
    for (who, stars) in m.iter().zip([5_u8, 4, 4, 1]) {
        ids.push(svc.write(who, t.id, input(stars)).await.unwrap().id());
    }
    assert_eq!(rating(&f, &t), (None, 0), "pending reviews do not count");
    for id in &ids[..3] {
        svc.moderate(&md, *id, Decision::Approve, None)
            .await
            .unwrap();
    }
    svc.moderate(&md, ids[3], Decision::Reject, None)
        .await
        .unwrap();
    assert_eq!(rating(&f, &t), (Some(dec("4.33")), 3), "13 / 3");
    svc.delete_mine(&m[0], t.id).await.unwrap();
    assert_eq!(rating(&f, &t), (Some(dec("4.00")), 2));
    svc.moderate(&md, ids[3], Decision::Approve, None)
        .await
        .unwrap();
    assert_eq!(rating(&f, &t), (Some(dec("3.00")), 3), "9 / 3");
}
