//! The reviews' contract: one review per (tool, user) (R-V1), votes and flags (R-V3,
//! R-V5) and the rating over APPROVED reviews (R-V6).

use chrono::Duration;
use marketplace_domain::catalog::{PageRequest, Tool};
use marketplace_domain::ids::{OrgId, ReviewId, UserId};
use marketplace_domain::ports::{Conflict, RepoError};
use marketplace_domain::review::{
    Decision, FLAG_THRESHOLD, FlagPlan, Rating, RatingSummary, Review, ReviewContent, ReviewStatus,
    ReviewTitle,
};
use marketplace_domain::tier::Tier;

use super::ContractPorts;
use super::setup::{at, ok, org, platform, some, tool, user};
use crate::builders::{self, ToolBuilder, dec, unique_uuid};

fn content(stars: u8, title: &str) -> ReviewContent {
    ReviewContent {
        rating: ok(Rating::new(stars).map_err(|e| e.message), "rating"),
        title: ok(
            ReviewTitle::parse(Some(title)).map_err(|e| e.message),
            "title",
        ),
        body: None,
    }
}

async fn reviewed_tool(p: &ContractPorts) -> (Tool, OrgId) {
    let s = platform(p).await;
    let t = tool(p, s, |b| b.price("10.00")).await;
    (t, org(p, Tier::Elite, "0").await)
}

async fn approved(p: &ContractPorts, review: &mut Review, by: UserId) {
    review.moderate(Decision::Approve, by, None, at());
    ok(p.reviews.save(review).await, "save approved review");
}

async fn stats(p: &ContractPorts, t: &Tool) -> (Option<rust_decimal::Decimal>, u64) {
    let s = some(ok(p.catalog.tool(t.id).await, "tool"), "tool").stats;
    (s.avg_rating, s.review_count)
}

/// R-V1, R-V6: saving recomputes the tool's rating over APPROVED reviews only, exactly;
/// one review per (tool, user).
pub async fn review_save_recomputes_rating(p: &ContractPorts) {
    let (t, org) = reviewed_tool(p).await;
    let moderator = builders::user_id();
    let mut rs = Vec::new();
    for (stars, i) in [(5_u8, 0), (4, 1), (1, 2), (2, 3)] {
        let u = user(p, org).await;
        let r = Review::write(
            ReviewId::from_uuid(unique_uuid()),
            t.id,
            org,
            u,
            content(stars, &format!("Review {i}")),
            at() + Duration::minutes(i),
        );
        ok(p.reviews.save(&r).await, "save review");
        rs.push(r);
    }
    assert_eq!(
        stats(p, &t).await,
        (None, 0),
        "contract R-V6: no approved review: no rating"
    );
    let got = some(ok(p.reviews.get(rs[0].id()).await, "get"), "review");
    assert_eq!(
        got, rs[0],
        "contract R-V1: a review round-trips every field"
    );
    approved(p, &mut rs[0], moderator).await;
    approved(p, &mut rs[1], moderator).await;
    rs[3].moderate(Decision::Reject, moderator, None, at());
    ok(p.reviews.save(&rs[3]).await, "save rejected");
    assert_eq!(
        stats(p, &t).await,
        (Some(dec("4.50")), 2),
        "contract R-V6: (5+4)/2 over APPROVED only"
    );
    let got = some(ok(p.reviews.get(rs[0].id()).await, "get"), "review");
    assert_eq!(
        got, rs[0],
        "contract R-V3: moderation (by, at, notes) round-trips"
    );
    approved(p, &mut rs[2], moderator).await;
    assert_eq!(
        stats(p, &t).await,
        (Some(dec("3.33")), 3),
        "contract R-V6: 10/3 rounds to 3.33"
    );
    // A rewrite sends it back to PENDING: out of the rating.
    rs[0].rewrite(
        org,
        content(3, "Changed my mind"),
        at() + Duration::hours(1),
    );
    ok(p.reviews.save(&rs[0]).await, "save rewrite");
    assert_eq!(
        stats(p, &t).await,
        (Some(dec("2.50")), 2),
        "contract R-V6: (4+1)/2 once the rewrite is pending"
    );
    assert_eq!(
        some(
            ok(
                p.reviews.find_by_author(t.id, rs[0].user_id()).await,
                "find_by_author"
            ),
            "review"
        )
        .status(),
        ReviewStatus::Pending
    );
    ok(p.reviews.delete(rs[1].id()).await, "delete");
    assert_eq!(
        stats(p, &t).await,
        (Some(dec("1.00")), 1),
        "contract R-V6: recomputed on delete"
    );
    assert_eq!(
        ok(p.reviews.get(rs[1].id()).await, "get"),
        None,
        "contract: deleted"
    );
    assert!(
        matches!(p.reviews.delete(rs[1].id()).await, Err(RepoError::NotFound)),
        "contract: deleting twice is NotFound"
    );

    // One review per (tool, user).
    let dup = Review::write(
        ReviewId::from_uuid(unique_uuid()),
        t.id,
        org,
        rs[2].user_id(),
        content(5, "Again"),
        at(),
    );
    match p.reviews.save(&dup).await {
        Err(RepoError::Conflict(Conflict::Review)) => {}
        other => panic!(
            "contract R-V1: a second review of a (tool, user) must be Conflict(Review), got {other:?}"
        ),
    }
    let orphan = Review::write(
        ReviewId::from_uuid(unique_uuid()),
        ToolBuilder::new().build().id,
        org,
        rs[2].user_id(),
        content(5, "No tool"),
        at(),
    );
    assert!(
        matches!(p.reviews.save(&orphan).await, Err(RepoError::NotFound)),
        "contract: a review of an unknown tool is NotFound"
    );

    // Lists.
    let page = ok(
        p.reviews.list_approved(t.id, PageRequest::default()).await,
        "list_approved",
    );
    assert_eq!(page.total, 1, "contract R-V4: only APPROVED are listed");
    assert_eq!(page.items[0].id(), rs[2].id());
    let pending = ok(
        p.reviews
            .list_by_status(
                Some(ReviewStatus::Pending),
                ok(PageRequest::new(Some(100), None), "page"),
            )
            .await,
        "list_by_status",
    );
    assert!(
        pending.items.iter().any(|r| r.id() == rs[0].id()),
        "contract R-V3: the rewrite is in the queue"
    );
    assert!(
        pending
            .items
            .iter()
            .all(|r| r.status() == ReviewStatus::Pending),
        "contract R-V3: the queue filters by status"
    );
    let times: Vec<_> = pending
        .items
        .iter()
        .map(|r| (r.updated_at(), r.id()))
        .collect();
    let mut sorted = times.clone();
    sorted.sort();
    assert_eq!(times, sorted, "contract R-V3: the queue is oldest first");
}

/// R-V6: a store's rating is the domain's summary of the APPROVED ratings, rounded half
/// away from zero: 33 / 8 = 4.125 reads 4.13 (banker's rounding would give 4.12).
pub async fn rating_rounds_half_away_from_zero(p: &ContractPorts) {
    let (t, org) = reviewed_tool(p).await;
    let moderator = builders::user_id();
    for (i, stars) in [5_u8, 4, 4, 4, 4, 4, 4, 4].into_iter().enumerate() {
        let u = user(p, org).await;
        let mut r = Review::write(
            ReviewId::from_uuid(unique_uuid()),
            t.id,
            org,
            u,
            content(stars, &format!("Review {i}")),
            at(),
        );
        approved(p, &mut r, moderator).await;
    }
    let stored = stats(p, &t).await;
    assert_eq!(
        stored,
        (Some(dec("4.13")), 8),
        "contract R-V6: 33/8 = 4.125 rounds half away from zero"
    );
    let listed = ok(
        p.reviews
            .list_approved(t.id, ok(PageRequest::new(Some(100), None), "page"))
            .await,
        "list_approved",
    );
    let summary = RatingSummary::over(&listed.items);
    assert_eq!(
        (summary.avg_rating, summary.review_count),
        stored,
        "contract R-V6: the stored counters are the domain's summary of the approved reviews"
    );
}

/// R-V5, R-V3: one helpful vote and one flag per user; a save never loses votes; a flag
/// applies only over the state it was planned on; the threshold hides the review and the
/// rating follows.
pub async fn one_vote_and_one_flag_per_user(p: &ContractPorts) {
    let (t, org) = reviewed_tool(p).await;
    let author = user(p, org).await;
    let mut review = Review::write(
        ReviewId::from_uuid(unique_uuid()),
        t.id,
        org,
        author,
        content(4, "Good"),
        at(),
    );
    ok(p.reviews.save(&review).await, "save");
    approved(p, &mut review, builders::user_id()).await;
    assert_eq!(stats(p, &t).await, (Some(dec("4.00")), 1));

    let voter = user(p, org).await;
    assert!(
        ok(p.reviews.add_vote(review.id(), voter, org).await, "vote"),
        "contract R-V5: the first vote counts"
    );
    assert!(
        !ok(p.reviews.add_vote(review.id(), voter, org).await, "vote"),
        "contract R-V5: a second vote by the user is false"
    );
    let second = user(p, org).await;
    assert!(ok(
        p.reviews.add_vote(review.id(), second, org).await,
        "vote"
    ));
    let stored = some(ok(p.reviews.get(review.id()).await, "get"), "review");
    assert_eq!(
        stored.helpful_count(),
        2,
        "contract R-V5: helpful_count counts distinct voters"
    );
    // A save of a copy read before the votes keeps them.
    ok(p.reviews.save(&review).await, "save stale copy");
    assert_eq!(
        some(ok(p.reviews.get(review.id()).await, "get"), "review").helpful_count(),
        2,
        "contract: save never writes helpful_count"
    );
    let unknown = ReviewId::from_uuid(unique_uuid());
    assert!(
        matches!(
            p.reviews.add_vote(unknown, voter, org).await,
            Err(RepoError::NotFound)
        ),
        "contract: voting on an unknown review is NotFound"
    );

    // Flags: one per user; the plan's `before` must still hold.
    let mut hidden = false;
    let mut flaggers = Vec::new();
    for i in 0..FLAG_THRESHOLD {
        let flagger = user(p, org).await;
        flaggers.push(flagger);
        let mut current = some(ok(p.reviews.get(review.id()).await, "get"), "review");
        let before = current.flag_state();
        current.add_flag(at() + Duration::minutes(i64::from(i)));
        let plan = FlagPlan {
            review_id: review.id(),
            tool_id: t.id,
            user_id: flagger,
            org_id: org,
            reason: None,
            at: at() + Duration::minutes(i64::from(i)),
            before,
            after: current.flag_state(),
        };
        assert!(
            ok(p.reviews.record_flag(&plan).await, "record_flag"),
            "contract R-V5: a first flag counts"
        );
        assert!(
            !ok(p.reviews.record_flag(&plan).await, "record_flag"),
            "contract R-V5: a second flag by the user is false"
        );
        hidden = plan.hides();
    }
    assert!(hidden, "contract R-V3: the third flag hides the review");
    let stored = some(ok(p.reviews.get(review.id()).await, "get"), "review");
    assert_eq!(
        (stored.status(), stored.flag_count()),
        (ReviewStatus::Flagged, FLAG_THRESHOLD),
        "contract R-V3: FLAGGED with 3 flags"
    );
    assert_eq!(
        stats(p, &t).await,
        (None, 0),
        "contract R-V6: a flagged review leaves the rating"
    );
    // A stale plan writes nothing.
    let late = user(p, org).await;
    let stale = FlagPlan {
        review_id: review.id(),
        tool_id: t.id,
        user_id: late,
        org_id: org,
        reason: None,
        at: at(),
        before: marketplace_domain::review::FlagState {
            status: ReviewStatus::Approved,
            flag_count: 0,
        },
        after: marketplace_domain::review::FlagState {
            status: ReviewStatus::Approved,
            flag_count: 1,
        },
    };
    assert!(
        matches!(
            p.reviews.record_flag(&stale).await,
            Err(RepoError::Stale(_))
        ),
        "contract R-V3: a plan over a moved state is Stale"
    );
    let stored = some(ok(p.reviews.get(review.id()).await, "get"), "review");
    assert_eq!(
        stored.flag_count(),
        FLAG_THRESHOLD,
        "contract R-V3: the stale flag wrote nothing"
    );
    // The stale flagger may still flag once the plan is right.
    let mut current = stored.clone();
    let before = current.flag_state();
    current.add_flag(at());
    let fresh = FlagPlan {
        before,
        after: current.flag_state(),
        ..stale
    };
    assert!(
        ok(p.reviews.record_flag(&fresh).await, "record_flag"),
        "contract R-V3: the stale flag wrote no flag row"
    );
}
