//! [`ReviewRepository`]: reviews, helpful votes and flags, with the R-V6 recompute of the
//! tool's `avg_rating` and `review_count` in the same transaction as every change: the
//! database counts the APPROVED ratings, the domain's [`RatingSummary`] averages them.
//!
//! Reviews are read and moderated across orgs (public reviews, the moderation queue) and
//! the port's methods carry no tenant, so they run in the platform scope; the public
//! listing of APPROVED reviews needs no scope at all (the `reviews` read policy admits
//! APPROVED rows to everyone).

use async_trait::async_trait;
use marketplace_domain::catalog::{Page, PageRequest};
use marketplace_domain::ids::{OrgId, ReviewId, ToolId, UserId};
use marketplace_domain::ports::RepoError;
use marketplace_domain::review::{
    FlagPlan, Moderation, ModerationNotes, Rating, RatingSummary, Review, ReviewBody, ReviewParts,
    ReviewRepository, ReviewStatus, ReviewTitle,
};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction, DbBackend,
    EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use crate::SeaOrmStore;
use crate::convert::{label, to_i32};
use crate::entities::{review_flags, review_votes, reviews, tools};
use crate::error::{corrupt, map_db, map_db_or_missing};
use crate::tenant::{Scope, commit};

const T: &str = "reviews";

/// A stored star rating.
fn rating(stored: i16) -> Result<Rating, RepoError> {
    Rating::new(u8::try_from(stored).map_err(|e| corrupt(T, e))?).map_err(|e| corrupt(T, e.message))
}

fn to_review(m: reviews::Model) -> Result<Review, RepoError> {
    let field = |e: marketplace_domain::catalog::FieldError| corrupt(T, e.message);
    let moderation = match (m.moderated_by, m.moderated_at) {
        (Some(by), Some(at)) => Some(Moderation {
            by: UserId::from_uuid(by),
            at,
            notes: ModerationNotes::parse(m.moderation_notes.as_deref()).map_err(field)?,
        }),
        _ => None,
    };
    Ok(Review::restore(ReviewParts {
        id: ReviewId::from_uuid(m.id),
        tool_id: ToolId::from_uuid(m.tool_id),
        org_id: OrgId::from_uuid(m.org_id),
        user_id: UserId::from_uuid(m.user_id),
        rating: rating(m.rating)?,
        title: ReviewTitle::parse(m.title.as_deref()).map_err(field)?,
        body: ReviewBody::parse(m.body.as_deref()).map_err(field)?,
        status: label::<ReviewStatus>(T, &m.status)?,
        verified_purchase: m.verified_purchase,
        helpful_count: u32::try_from(m.helpful_count).unwrap_or(0),
        flag_count: u32::try_from(m.flag_count).unwrap_or(0),
        moderation,
        created_at: m.created_at,
        updated_at: m.updated_at,
    }))
}

fn review_model(r: &Review) -> Result<reviews::Model, RepoError> {
    let p = r.clone().into_parts();
    Ok(reviews::Model {
        id: p.id.as_uuid(),
        tool_id: p.tool_id.as_uuid(),
        org_id: p.org_id.as_uuid(),
        user_id: p.user_id.as_uuid(),
        rating: i16::from(p.rating.get()),
        title: p.title.map(|t| t.as_str().to_owned()),
        body: p.body.map(|b| b.as_str().to_owned()),
        status: p.status.as_str().to_owned(),
        verified_purchase: p.verified_purchase,
        helpful_count: to_i32(T, u64::from(p.helpful_count))?,
        flag_count: to_i32(T, u64::from(p.flag_count))?,
        moderated_by: p.moderation.as_ref().map(|m| m.by.as_uuid()),
        moderated_at: p.moderation.as_ref().map(|m| m.at),
        moderation_notes: p
            .moderation
            .and_then(|m| m.notes)
            .map(|n| n.as_str().to_owned()),
        created_at: p.created_at,
        updated_at: p.updated_at,
    })
}

impl SeaOrmStore {
    /// Locks the tool row first (PostgreSQL), so that concurrent changes to one tool's
    /// reviews recompute one after the other, each seeing the other's committed rows.
    async fn lock_tool(&self, tx: &DatabaseTransaction, tool: Uuid) -> Result<bool, RepoError> {
        let mut q = tools::Entity::find_by_id(tool)
            .select_only()
            .column(tools::Column::Id);
        if self.backend() == DbBackend::Postgres {
            q = q.lock_exclusive();
        }
        Ok(q.into_tuple::<Uuid>()
            .one(tx)
            .await
            .map_err(map_db)?
            .is_some())
    }

    /// R-V6: `avg_rating` and `review_count` of `tool` recomputed over its APPROVED reviews:
    /// how many gave each rating, summarised by the domain.
    async fn recompute_rating(tx: &DatabaseTransaction, tool: Uuid) -> Result<(), RepoError> {
        let tally: Vec<(i16, i64)> = reviews::Entity::find()
            .select_only()
            .column(reviews::Column::Rating)
            .column_as(Expr::col(reviews::Column::Id).count(), "n")
            .filter(reviews::Column::ToolId.eq(tool))
            .filter(reviews::Column::Status.eq(ReviewStatus::Approved.as_str()))
            .group_by(reviews::Column::Rating)
            .into_tuple()
            .all(tx)
            .await
            .map_err(map_db)?;
        let tally = tally
            .into_iter()
            .map(|(stars, n)| Ok((rating(stars)?, u64::try_from(n).map_err(|e| corrupt(T, e))?)))
            .collect::<Result<Vec<_>, RepoError>>()?;
        let summary = RatingSummary::from_tally(tally);
        tools::Entity::update_many()
            .col_expr(tools::Column::AvgRating, Expr::val(summary.avg_rating))
            .col_expr(
                tools::Column::ReviewCount,
                Expr::val(to_i32("tools", summary.review_count)?),
            )
            .filter(tools::Column::Id.eq(tool))
            .exec(tx)
            .await
            .map_err(map_db)?;
        Ok(())
    }

    async fn page_of<C: ConnectionTrait>(
        db: &C,
        cond: Condition,
        newest_first: bool,
        page: PageRequest,
    ) -> Result<Page<Review>, RepoError> {
        let total = reviews::Entity::find()
            .filter(cond.clone())
            .count(db)
            .await
            .map_err(map_db)?;
        let q = reviews::Entity::find().filter(cond);
        let q = if newest_first {
            q.order_by_desc(reviews::Column::CreatedAt)
                .order_by_asc(reviews::Column::Id)
        } else {
            q.order_by_asc(reviews::Column::UpdatedAt)
                .order_by_asc(reviews::Column::Id)
        };
        let items = q
            .limit(u64::from(page.limit()))
            .offset(page.offset())
            .all(db)
            .await
            .map_err(map_db)?
            .into_iter()
            .map(to_review)
            .collect::<Result<_, _>>()?;
        Ok(Page {
            items,
            total,
            limit: page.limit(),
            offset: page.offset(),
        })
    }
}

#[async_trait]
impl ReviewRepository for SeaOrmStore {
    async fn get(&self, id: ReviewId) -> Result<Option<Review>, RepoError> {
        let tx = self.begin(Scope::Platform).await?;
        let m = reviews::Entity::find_by_id(id.as_uuid())
            .one(&tx)
            .await
            .map_err(map_db)?;
        commit(tx).await?;
        m.map(to_review).transpose()
    }

    async fn find_by_author(
        &self,
        tool: ToolId,
        user: UserId,
    ) -> Result<Option<Review>, RepoError> {
        let tx = self.begin(Scope::Platform).await?;
        let m = reviews::Entity::find()
            .filter(reviews::Column::ToolId.eq(tool.as_uuid()))
            .filter(reviews::Column::UserId.eq(user.as_uuid()))
            .one(&tx)
            .await
            .map_err(map_db)?;
        commit(tx).await?;
        m.map(to_review).transpose()
    }

    async fn save(&self, review: &Review) -> Result<(), RepoError> {
        let model = review_model(review)?;
        let model = &model;
        self.atomically(|| async move {
            let tx = self.begin(Scope::Platform).await?;
            if !self.lock_tool(&tx, model.tool_id).await? {
                return Err(RepoError::NotFound);
            }
            // A tool or org changed on an existing id moves the old tool's rating too.
            let previous_tool: Option<Uuid> = reviews::Entity::find_by_id(model.id)
                .select_only()
                .column(reviews::Column::ToolId)
                .into_tuple()
                .one(&tx)
                .await
                .map_err(map_db)?;
            reviews::Entity::insert(model.clone().into_active_model().reset_all())
                .on_conflict(
                    OnConflict::column(reviews::Column::Id)
                        .update_columns([
                            reviews::Column::ToolId,
                            reviews::Column::OrgId,
                            reviews::Column::UserId,
                            reviews::Column::Rating,
                            reviews::Column::Title,
                            reviews::Column::Body,
                            reviews::Column::Status,
                            reviews::Column::VerifiedPurchase,
                            reviews::Column::FlagCount,
                            reviews::Column::ModeratedBy,
                            reviews::Column::ModeratedAt,
                            reviews::Column::ModerationNotes,
                            reviews::Column::CreatedAt,
                            reviews::Column::UpdatedAt,
                        ])
                        .to_owned(),
                )
                .exec_without_returning(&tx)
                .await
                .map_err(map_db_or_missing)?;
            Self::recompute_rating(&tx, model.tool_id).await?;
            if let Some(old) = previous_tool.filter(|t| *t != model.tool_id) {
                Self::recompute_rating(&tx, old).await?;
            }
            commit(tx).await
        })
        .await
    }

    async fn delete(&self, id: ReviewId) -> Result<(), RepoError> {
        self.atomically(|| async move {
            let tx = self.begin(Scope::Platform).await?;
            let tool: Uuid = reviews::Entity::find_by_id(id.as_uuid())
                .select_only()
                .column(reviews::Column::ToolId)
                .into_tuple()
                .one(&tx)
                .await
                .map_err(map_db)?
                .ok_or(RepoError::NotFound)?;
            self.lock_tool(&tx, tool).await?;
            review_votes::Entity::delete_many()
                .filter(review_votes::Column::ReviewId.eq(id.as_uuid()))
                .exec(&tx)
                .await
                .map_err(map_db)?;
            review_flags::Entity::delete_many()
                .filter(review_flags::Column::ReviewId.eq(id.as_uuid()))
                .exec(&tx)
                .await
                .map_err(map_db)?;
            let res = reviews::Entity::delete_by_id(id.as_uuid())
                .exec(&tx)
                .await
                .map_err(map_db)?;
            if res.rows_affected == 0 {
                return Err(RepoError::NotFound);
            }
            Self::recompute_rating(&tx, tool).await?;
            commit(tx).await
        })
        .await
    }

    async fn add_vote(
        &self,
        review: ReviewId,
        user: UserId,
        org: OrgId,
    ) -> Result<bool, RepoError> {
        self.atomically(|| async move {
            let tx = self.begin(Scope::Platform).await?;
            let exists = reviews::Entity::find_by_id(review.as_uuid())
                .count(&tx)
                .await
                .map_err(map_db)?
                > 0;
            if !exists {
                return Err(RepoError::NotFound);
            }
            let row = review_votes::Model {
                review_id: review.as_uuid(),
                user_id: user.as_uuid(),
                org_id: org.as_uuid(),
                created_at: self.now(),
            };
            let inserted = review_votes::Entity::insert(row.into_active_model().reset_all())
                .on_conflict(
                    OnConflict::columns([
                        review_votes::Column::ReviewId,
                        review_votes::Column::UserId,
                    ])
                    .do_nothing()
                    .to_owned(),
                )
                .exec_without_returning(&tx)
                .await
                .map_err(map_db)?;
            if inserted == 0 {
                return Ok(false);
            }
            reviews::Entity::update_many()
                .col_expr(
                    reviews::Column::HelpfulCount,
                    Expr::col(reviews::Column::HelpfulCount).add(1),
                )
                .filter(reviews::Column::Id.eq(review.as_uuid()))
                .exec(&tx)
                .await
                .map_err(map_db)?;
            commit(tx).await?;
            Ok(true)
        })
        .await
    }

    async fn record_flag(&self, plan: &FlagPlan) -> Result<bool, RepoError> {
        self.atomically(|| async move {
            let tx = self.begin(Scope::Platform).await?;
            self.lock_tool(&tx, plan.tool_id.as_uuid()).await?;
            let exists = reviews::Entity::find_by_id(plan.review_id.as_uuid())
                .count(&tx)
                .await
                .map_err(map_db)?
                > 0;
            if !exists {
                return Err(RepoError::NotFound);
            }
            let row = review_flags::Model {
                review_id: plan.review_id.as_uuid(),
                user_id: plan.user_id.as_uuid(),
                org_id: plan.org_id.as_uuid(),
                reason: plan.reason.as_ref().map(|r| r.as_str().to_owned()),
                created_at: plan.at,
            };
            let inserted = review_flags::Entity::insert(row.into_active_model().reset_all())
                .on_conflict(
                    OnConflict::columns([
                        review_flags::Column::ReviewId,
                        review_flags::Column::UserId,
                    ])
                    .do_nothing()
                    .to_owned(),
                )
                .exec_without_returning(&tx)
                .await
                .map_err(map_db)?;
            if inserted == 0 {
                return Ok(false);
            }
            let moved = reviews::Entity::update_many()
                .col_expr(
                    reviews::Column::Status,
                    Expr::val(plan.after.status.as_str()),
                )
                .col_expr(
                    reviews::Column::FlagCount,
                    Expr::val(to_i32(T, u64::from(plan.after.flag_count))?),
                )
                .col_expr(reviews::Column::UpdatedAt, Expr::val(plan.at))
                .filter(reviews::Column::Id.eq(plan.review_id.as_uuid()))
                .filter(reviews::Column::Status.eq(plan.before.status.as_str()))
                .filter(
                    reviews::Column::FlagCount.eq(to_i32(T, u64::from(plan.before.flag_count))?),
                )
                .exec(&tx)
                .await
                .map_err(map_db)?;
            if moved.rows_affected == 0 {
                return Err(RepoError::Stale("the review changed meanwhile"));
            }
            if plan.before.status != plan.after.status {
                Self::recompute_rating(&tx, plan.tool_id.as_uuid()).await?;
            }
            commit(tx).await?;
            Ok(true)
        })
        .await
    }

    async fn list_approved(
        &self,
        tool: ToolId,
        page: PageRequest,
    ) -> Result<Page<Review>, RepoError> {
        let tx = self.begin(Scope::Global).await?;
        let cond = Condition::all()
            .add(reviews::Column::ToolId.eq(tool.as_uuid()))
            .add(reviews::Column::Status.eq(ReviewStatus::Approved.as_str()));
        let out = Self::page_of(&tx, cond, true, page).await?;
        commit(tx).await?;
        Ok(out)
    }

    async fn list_by_status(
        &self,
        status: Option<ReviewStatus>,
        page: PageRequest,
    ) -> Result<Page<Review>, RepoError> {
        let tx = self.begin(Scope::Platform).await?;
        let mut cond = Condition::all();
        if let Some(s) = status {
            cond = cond.add(reviews::Column::Status.eq(s.as_str()));
        }
        let out = Self::page_of(&tx, cond, false, page).await?;
        commit(tx).await?;
        Ok(out)
    }
}
