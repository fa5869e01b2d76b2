//! [`PersonalDataStore`] (R-T9): a user's rows read for their export, and their erasure
//! with its audit entry in one transaction. Both run on the platform pool: a user's rows
//! are found by the user, not the org, and an erasure by a platform admin spans orgs.

use async_trait::async_trait;
use marketplace_domain::audit::{AuditEntry, AuditFilter, AuditTrail};
use marketplace_domain::ids::UserId;
use marketplace_domain::paging::PageRequest;
use marketplace_domain::personal_data::{
    ApiKeyRecord, CartLineRecord, Erasure, ErasureRecord, MessageRecord, PersonalData,
    PersonalDataStore, ReviewRecord, VoteRecord,
};
use marketplace_domain::ports::RepoError;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::SeaOrmStore;
use crate::audit::insert_entry;
use crate::entities::{audit_log, cart_lines, review_votes, reviews};
use crate::error::map_db;
use crate::licensing::entities::api_keys;
use crate::services::entities::service_messages;
use crate::tenant::{Scope, commit, end_read};

/// The audit entries about `user`: those they acted in, and those whose subject they are.
fn about(user: Uuid) -> Condition {
    Condition::any()
        .add(audit_log::Column::ActorUserId.eq(user))
        .add(
            Condition::all()
                .add(audit_log::Column::SubjectType.eq("user"))
                .add(audit_log::Column::SubjectId.eq(user)),
        )
}

#[async_trait]
impl PersonalDataStore for SeaOrmStore {
    async fn export(&self, user: UserId) -> Result<PersonalData, RepoError> {
        let id = user.as_uuid();
        let tx = self.begin(Scope::Platform).await?;
        let reviews = reviews::Entity::find()
            .filter(reviews::Column::UserId.eq(id))
            .order_by_asc(reviews::Column::CreatedAt)
            .all(&tx)
            .await
            .map_err(map_db)?
            .into_iter()
            .map(|r| ReviewRecord {
                id: r.id,
                tool_id: r.tool_id,
                rating: r.rating,
                title: r.title,
                body: r.body,
                status: r.status,
                created_at: r.created_at,
            })
            .collect();
        let votes = review_votes::Entity::find()
            .filter(review_votes::Column::UserId.eq(id))
            .order_by_asc(review_votes::Column::CreatedAt)
            .all(&tx)
            .await
            .map_err(map_db)?
            .into_iter()
            .map(|v| VoteRecord {
                review_id: v.review_id,
                created_at: v.created_at,
            })
            .collect();
        let cart = cart_lines::Entity::find()
            .filter(cart_lines::Column::UserId.eq(id))
            .order_by_asc(cart_lines::Column::AddedAt)
            .all(&tx)
            .await
            .map_err(map_db)?
            .into_iter()
            .map(|l| CartLineRecord {
                item_id: l.tool_id.or(l.bundle_id).unwrap_or_default(),
                item_type: l.item_type,
                added_at: l.added_at,
            })
            .collect();
        let messages = service_messages::Entity::find()
            .filter(service_messages::Column::UserId.eq(id))
            .order_by_asc(service_messages::Column::SentAt)
            .all(&tx)
            .await
            .map_err(map_db)?
            .into_iter()
            .map(|m| MessageRecord {
                thread_id: m.thread_id,
                body: m.body,
                sent_at: m.sent_at,
            })
            .collect();
        let api_keys = api_keys::Entity::find()
            .filter(api_keys::Column::CreatedBy.eq(id))
            .order_by_asc(api_keys::Column::CreatedAt)
            .all(&tx)
            .await
            .map_err(map_db)?
            .into_iter()
            .map(|k| ApiKeyRecord {
                id: k.id,
                org_id: k.org_id,
                label: k.label,
                scopes: k.scopes,
                hint: format!("{}…{}", k.hint_prefix, k.last4),
                created_at: k.created_at,
                revoked_at: k.revoked_at,
            })
            .collect();
        end_read(tx).await?;
        let audit = self.audit_about(id).await?;
        Ok(PersonalData {
            reviews,
            votes,
            cart,
            messages,
            api_keys,
            audit,
        })
    }

    async fn erase(&self, user: UserId, record: ErasureRecord) -> Result<Erasure, RepoError> {
        let id = user.as_uuid();
        self.atomically(|| async {
            let tx = self.begin(Scope::Platform).await?;
            // Reviews stay (their ratings count) under an author that names no one.
            let reviews_anonymised = reviews::Entity::update_many()
                .col_expr(reviews::Column::UserId, Expr::value(Uuid::new_v4()))
                .col_expr(reviews::Column::Title, Expr::value(Option::<String>::None))
                .col_expr(reviews::Column::Body, Expr::value(Option::<String>::None))
                .filter(reviews::Column::UserId.eq(id))
                .exec(&tx)
                .await
                .map_err(map_db)?
                .rows_affected;
            // A vote goes with the count it added.
            let voted: Vec<Uuid> = review_votes::Entity::find()
                .filter(review_votes::Column::UserId.eq(id))
                .all(&tx)
                .await
                .map_err(map_db)?
                .into_iter()
                .map(|v| v.review_id)
                .collect();
            if !voted.is_empty() {
                reviews::Entity::update_many()
                    .col_expr(
                        reviews::Column::HelpfulCount,
                        Expr::col(reviews::Column::HelpfulCount).sub(1),
                    )
                    .filter(reviews::Column::Id.is_in(voted.clone()))
                    .filter(reviews::Column::HelpfulCount.gt(0))
                    .exec(&tx)
                    .await
                    .map_err(map_db)?;
            }
            let votes_removed = review_votes::Entity::delete_many()
                .filter(review_votes::Column::UserId.eq(id))
                .exec(&tx)
                .await
                .map_err(map_db)?
                .rows_affected;
            let cart_lines_removed = cart_lines::Entity::delete_many()
                .filter(cart_lines::Column::UserId.eq(id))
                .exec(&tx)
                .await
                .map_err(map_db)?
                .rows_affected;
            // The trail keeps its ids; what an entry said besides goes.
            let audit_entries_cleared = audit_log::Entity::update_many()
                .col_expr(
                    audit_log::Column::Details,
                    Expr::value(serde_json::json!({})),
                )
                .filter(about(id))
                .exec(&tx)
                .await
                .map_err(map_db)?
                .rows_affected;
            let done = Erasure {
                reviews_anonymised,
                votes_removed,
                cart_lines_removed,
                audit_entries_cleared,
            };
            insert_entry(&tx, &record.event(done)).await?;
            commit(tx).await?;
            Ok(done)
        })
        .await
    }
}

impl SeaOrmStore {
    /// Every audit entry about the user, newest first, page by page.
    async fn audit_about(&self, user: Uuid) -> Result<Vec<AuditEntry>, RepoError> {
        let mut out = Vec::new();
        for filter in [
            AuditFilter {
                actor: Some(UserId::from_uuid(user)),
                ..AuditFilter::default()
            },
            AuditFilter {
                subject_type: Some("user".to_owned()),
                subject_id: Some(user),
                ..AuditFilter::default()
            },
        ] {
            let mut offset = 0;
            loop {
                let page = PageRequest::new(Some(PageRequest::MAX_LIMIT), Some(offset))
                    .map_err(|e| RepoError::corrupt("audit_log", e.message))?;
                let got = self.entries(&filter, page).await?;
                let n = got.items.len() as u64;
                out.extend(got.items);
                offset += n;
                if n == 0 || offset >= got.total {
                    break;
                }
            }
        }
        out.sort_by(|a, b| b.at.cmp(&a.at).then(b.id.cmp(&a.id)));
        out.dedup_by_key(|e| e.id);
        Ok(out)
    }
}
