//! [`LicenseRepository`]: licenses issued once per entitlement (R-L1), changed by compare
//! and set (R-L6), and their activations, never over the limit (R-L5).

use std::collections::HashMap;

use async_trait::async_trait;
use marketplace_domain::ids::{EntitlementId, OrgId, ToolId};
use marketplace_domain::paging::{Page, PageRequest};
use marketplace_domain::ports::RepoError;
use marketplace_domain::purchase::PurchaseStatus;
use marketplace_licensing::ids::LicenseId;
use marketplace_licensing::license::{
    ActivationOutcome, EntitlementFeed, EntitlementStanding, Fingerprint, License, LicenseEntry,
    LicenseRepository, LicenseStatus, LicenseUnderValidation, NewActivation, StoredLicense,
};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ColumnTrait, Condition, DatabaseTransaction, DbBackend, EntityTrait, FromQueryResult,
    IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Statement, Value,
};
use uuid::Uuid;

use super::entities::{license_activations, licenses};
use super::entitlements::state_of;
use crate::SeaOrmStore;
use crate::convert::label;
use crate::error::{corrupt, map_db};
use crate::tenant::{Scope, commit};

const TABLE: &str = "licenses";

fn features_column(license: &License) -> String {
    license.features().collect::<Vec<_>>().join(" ")
}

fn limit_column(limit: u32) -> Result<i32, RepoError> {
    i32::try_from(limit).map_err(|e| corrupt(TABLE, e))
}

fn to_license(m: licenses::Model) -> Result<License, RepoError> {
    License::from_stored(StoredLicense {
        id: LicenseId::from_uuid(m.id),
        org_id: OrgId::from_uuid(m.org_id),
        tool_id: ToolId::from_uuid(m.tool_id),
        entitlement_id: EntitlementId::from_uuid(m.entitlement_id),
        plan: m.plan_code,
        features: m
            .features
            .split(' ')
            .filter(|f| !f.is_empty())
            .map(str::to_owned)
            .collect(),
        max_activations: u32::try_from(m.max_activations).map_err(|e| corrupt(TABLE, e))?,
        status: label::<LicenseStatus>(TABLE, &m.status)?,
        issued_at: m.issued_at,
        expires_at: m.expires_at,
    })
    .map_err(|e| corrupt(TABLE, e))
}

/// The rows of `license` exactly as it was read: the compare half of a compare and set.
fn holds(license: &License) -> Result<Condition, RepoError> {
    let expiry = match license.expires_at() {
        Some(at) => licenses::Column::ExpiresAt.eq(at),
        None => licenses::Column::ExpiresAt.is_null(),
    };
    Ok(Condition::all()
        .add(licenses::Column::Id.eq(license.id().as_uuid()))
        .add(licenses::Column::Status.eq(license.status().as_str()))
        .add(licenses::Column::PlanCode.eq(license.plan()))
        .add(licenses::Column::Features.eq(features_column(license)))
        .add(licenses::Column::MaxActivations.eq(limit_column(license.max_activations())?))
        .add(expiry))
}

fn activation_of(license: LicenseId, fingerprint: &Fingerprint) -> Condition {
    Condition::all()
        .add(license_activations::Column::LicenseId.eq(license.as_uuid()))
        .add(license_activations::Column::Fingerprint.eq(fingerprint.as_str()))
}

/// The one statement of a validation (R-L4): the license, its entitlement's row and
/// purchase status (outer joins: a license whose entitlement is gone still answers), the
/// machines it has activated and whether the one asked about is among them.
#[derive(Debug, FromQueryResult)]
struct ValidationRow {
    id: Uuid,
    org_id: Uuid,
    tool_id: Uuid,
    entitlement_id: Uuid,
    plan_code: String,
    features: String,
    max_activations: i32,
    status: String,
    issued_at: chrono::DateTime<chrono::Utc>,
    expires_at: Option<chrono::DateTime<chrono::Utc>>,
    version: i64,
    updated_at: chrono::DateTime<chrono::Utc>,
    /// Whether the entitlement row exists (the outer join found it).
    entitlement_found: i64,
    ends_at: Option<chrono::DateTime<chrono::Utc>>,
    ended_at: Option<chrono::DateTime<chrono::Utc>>,
    purchase_status: Option<String>,
    /// How many unpaid (PAST_DUE) renewals the purchase has: when any, the standing is
    /// read through the feed, which decides whether one holds the purchase back (R-B5).
    refused_renewals: i64,
    activations: i64,
    activated: i64,
}

/// The validation statement: `$1` the fingerprint (NULL when none was named: no row
/// matches it), `$2` the license id. `$1` comes first in the text, so SQLite numbers the
/// parameters alike.
const VALIDATION_SQL: &str = "\
    SELECT l.id, l.org_id, l.tool_id, l.entitlement_id, l.plan_code, l.features, \
           l.max_activations, l.status, l.issued_at, l.expires_at, l.version, l.updated_at, \
           CAST(CASE WHEN e.id IS NULL THEN 0 ELSE 1 END AS BIGINT) AS entitlement_found, \
           e.ends_at, e.ended_at, p.status AS purchase_status, \
           (SELECT COUNT(*) FROM subscription_renewals r \
             WHERE r.purchase_id = p.id AND r.status = 'PAST_DUE') AS refused_renewals, \
           (SELECT COUNT(*) FROM license_activations a \
             WHERE a.license_id = l.id AND a.fingerprint = $1) AS activated, \
           (SELECT COUNT(*) FROM license_activations a WHERE a.license_id = l.id) \
             AS activations \
    FROM licenses l \
    LEFT JOIN entitlements e ON e.id = l.entitlement_id \
    LEFT JOIN purchases p ON p.id = e.purchase_id \
    WHERE l.id = $2";

fn count_u32(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl SeaOrmStore {
    async fn license_where(&self, condition: Condition) -> Result<Option<License>, RepoError> {
        let tx = self.begin(Scope::Platform).await?;
        let row = licenses::Entity::find()
            .filter(condition)
            .one(&tx)
            .await
            .map_err(map_db)?;
        commit(tx).await?;
        row.map(to_license).transpose()
    }

    /// Takes the license's row for the rest of `tx`, and answers its org (`None` when
    /// there is no such license). Every activation of the license queues here, so what
    /// it then counts stays true until it commits.
    ///
    /// PostgreSQL: `SELECT … FOR UPDATE`. SQLite has no row locks: a write transaction
    /// holds the database's one write lock, so the first statement is a no-op write of the
    /// row, which takes that lock at once (what `BEGIN IMMEDIATE` would do). The store
    /// also runs SQLite on one connection, so its transactions already run one at a time.
    async fn lock_license(
        &self,
        tx: &DatabaseTransaction,
        license: LicenseId,
    ) -> Result<Option<OrgId>, RepoError> {
        let id = licenses::Column::Id.eq(license.as_uuid());
        let mut query = licenses::Entity::find().filter(id.clone());
        match self.backend() {
            DbBackend::Postgres => query = query.lock_exclusive(),
            _ => {
                licenses::Entity::update_many()
                    .col_expr(licenses::Column::Id, Expr::col(licenses::Column::Id))
                    .filter(id)
                    .exec(tx)
                    .await
                    .map_err(map_db)?;
            }
        }
        let row = query.one(tx).await.map_err(map_db)?;
        Ok(row.map(|m| OrgId::from_uuid(m.org_id)))
    }

    /// Decides an activation under the license's lock, in `tx`.
    async fn activate_in(
        &self,
        tx: &DatabaseTransaction,
        activation: &NewActivation,
        limit: u32,
    ) -> Result<ActivationOutcome, RepoError> {
        let license = activation.license_id;
        let org = self
            .lock_license(tx, license)
            .await?
            .ok_or(RepoError::NotFound)?;
        let active = license_activations::Entity::find()
            .filter(activation_of(license, &activation.fingerprint))
            .count(tx)
            .await
            .map_err(map_db)?;
        if active > 0 {
            return Ok(ActivationOutcome::AlreadyActive);
        }
        let taken = license_activations::Entity::find()
            .filter(license_activations::Column::LicenseId.eq(license.as_uuid()))
            .count(tx)
            .await
            .map_err(map_db)?;
        if taken >= u64::from(limit) {
            return Ok(ActivationOutcome::TooMany);
        }
        let row = license_activations::Model {
            license_id: license.as_uuid(),
            fingerprint: activation.fingerprint.as_str().to_owned(),
            org_id: org.as_uuid(),
            name: activation.name.as_ref().map(|n| n.as_str().to_owned()),
            activated_at: activation.activated_at,
        };
        license_activations::Entity::insert(row.into_active_model())
            .exec_without_returning(tx)
            .await
            .map_err(map_db)?;
        Ok(ActivationOutcome::Activated)
    }
}

#[async_trait]
impl LicenseRepository for SeaOrmStore {
    async fn validation_read(
        &self,
        id: LicenseId,
        fingerprint: Option<Fingerprint>,
    ) -> Result<Option<LicenseUnderValidation>, RepoError> {
        let Some(kept) = &self.kept else {
            return Ok(self
                .validation_facts(id, fingerprint)
                .await?
                .map(|(read, _)| read));
        };
        let key = (id, fingerprint);
        let reads = &kept.validations;
        if let Some(read) = reads.get(&key) {
            return Ok(Some(read));
        }
        let (commits, at) = (crate::commits::count(), std::time::Instant::now());
        let Some((read, keep)) = self.validation_facts(id, key.1.clone()).await? else {
            return Ok(None);
        };
        if keep {
            reads.put(key, read.clone(), commits, at);
        }
        Ok(Some(read))
    }

    async fn issue(&self, license: &License) -> Result<License, RepoError> {
        self.atomically(|| async move {
            let tx = self.begin(Scope::Platform).await?;
            let row = licenses::Model {
                id: license.id().as_uuid(),
                org_id: license.org_id().as_uuid(),
                tool_id: license.tool_id().as_uuid(),
                entitlement_id: license.entitlement_id().as_uuid(),
                plan_code: license.plan().to_owned(),
                features: features_column(license),
                max_activations: limit_column(license.max_activations())?,
                status: license.status().as_str().to_owned(),
                issued_at: license.issued_at(),
                expires_at: license.expires_at(),
                version: 1,
                updated_at: self.now(),
            };
            // The entitlement's unique key decides between concurrent grants.
            licenses::Entity::insert(row.into_active_model())
                .on_conflict(
                    OnConflict::column(licenses::Column::EntitlementId)
                        .do_nothing()
                        .to_owned(),
                )
                .exec_without_returning(&tx)
                .await
                .map_err(map_db)?;
            let stored = licenses::Entity::find()
                .filter(licenses::Column::EntitlementId.eq(license.entitlement_id().as_uuid()))
                .one(&tx)
                .await
                .map_err(map_db)?
                .ok_or(RepoError::NotFound)?;
            commit(tx).await?;
            to_license(stored)
        })
        .await
    }

    async fn get(&self, id: LicenseId) -> Result<Option<License>, RepoError> {
        self.license_where(Condition::all().add(licenses::Column::Id.eq(id.as_uuid())))
            .await
    }

    async fn get_by_entitlement(
        &self,
        entitlement: EntitlementId,
    ) -> Result<Option<License>, RepoError> {
        self.license_where(
            Condition::all().add(licenses::Column::EntitlementId.eq(entitlement.as_uuid())),
        )
        .await
    }

    async fn list(&self, org: OrgId, page: PageRequest) -> Result<Page<LicenseEntry>, RepoError> {
        let tx = self.begin(Scope::Org(org, None)).await?;
        let of_org = licenses::Column::OrgId.eq(org.as_uuid());
        let total = licenses::Entity::find()
            .filter(of_org.clone())
            .count(&tx)
            .await
            .map_err(map_db)?;
        let rows = licenses::Entity::find()
            .filter(of_org)
            .order_by_desc(licenses::Column::IssuedAt)
            .order_by_desc(licenses::Column::Id)
            .limit(u64::from(page.limit()))
            .offset(page.offset())
            .all(&tx)
            .await
            .map_err(map_db)?;
        let ids: Vec<Uuid> = rows.iter().map(|m| m.id).collect();
        let counts: HashMap<Uuid, i64> = license_activations::Entity::find()
            .select_only()
            .column(license_activations::Column::LicenseId)
            .column_as(
                license_activations::Column::Fingerprint.count(),
                "activations",
            )
            .filter(license_activations::Column::OrgId.eq(org.as_uuid()))
            .filter(license_activations::Column::LicenseId.is_in(ids))
            .group_by(license_activations::Column::LicenseId)
            .into_tuple::<(Uuid, i64)>()
            .all(&tx)
            .await
            .map_err(map_db)?
            .into_iter()
            .collect();
        commit(tx).await?;
        let items = rows
            .into_iter()
            .map(|m| {
                let activations = counts.get(&m.id).copied().unwrap_or(0);
                Ok(LicenseEntry {
                    license: to_license(m)?,
                    activations: u32::try_from(activations).map_err(|e| corrupt(TABLE, e))?,
                })
            })
            .collect::<Result<_, RepoError>>()?;
        Ok(Page {
            items,
            total,
            limit: page.limit(),
            offset: page.offset(),
        })
    }

    async fn replace(&self, current: &License, next: &License) -> Result<(), RepoError> {
        let tx = self.begin(Scope::Platform).await?;
        let expires_at = match next.expires_at() {
            Some(at) => Expr::value(at),
            None => Expr::value(Option::<chrono::DateTime<chrono::Utc>>::None),
        };
        let written = licenses::Entity::update_many()
            .col_expr(
                licenses::Column::Status,
                Expr::value(next.status().as_str()),
            )
            .col_expr(licenses::Column::ExpiresAt, expires_at)
            .col_expr(licenses::Column::PlanCode, Expr::value(next.plan()))
            .col_expr(
                licenses::Column::Features,
                Expr::value(features_column(next)),
            )
            .col_expr(
                licenses::Column::MaxActivations,
                Expr::value(limit_column(next.max_activations())?),
            )
            .col_expr(
                licenses::Column::Version,
                Expr::col(licenses::Column::Version).add(1),
            )
            .col_expr(licenses::Column::UpdatedAt, Expr::value(self.now()))
            .filter(holds(current)?)
            .exec(&tx)
            .await
            .map_err(map_db)?;
        if written.rows_affected == 1 {
            return commit(tx).await;
        }
        let exists = licenses::Entity::find_by_id(current.id().as_uuid())
            .count(&tx)
            .await
            .map_err(map_db)?;
        commit(tx).await?;
        Err(if exists > 0 {
            RepoError::Stale("license changed since it was read")
        } else {
            RepoError::NotFound
        })
    }

    async fn activate(
        &self,
        activation: &NewActivation,
        limit: u32,
    ) -> Result<ActivationOutcome, RepoError> {
        self.atomically(|| async move {
            let tx = self.begin(Scope::Platform).await?;
            let outcome = self.activate_in(&tx, activation, limit).await?;
            commit(tx).await?;
            Ok(outcome)
        })
        .await
    }

    async fn deactivate(
        &self,
        license: LicenseId,
        fingerprint: &Fingerprint,
    ) -> Result<bool, RepoError> {
        let tx = self.begin(Scope::Platform).await?;
        let deleted = license_activations::Entity::delete_many()
            .filter(activation_of(license, fingerprint))
            .exec(&tx)
            .await
            .map_err(map_db)?;
        commit(tx).await?;
        Ok(deleted.rows_affected > 0)
    }

    async fn is_activated(
        &self,
        license: LicenseId,
        fingerprint: &Fingerprint,
    ) -> Result<bool, RepoError> {
        let tx = self.begin(Scope::Platform).await?;
        let n = license_activations::Entity::find()
            .filter(activation_of(license, fingerprint))
            .count(&tx)
            .await
            .map_err(map_db)?;
        commit(tx).await?;
        Ok(n > 0)
    }

    async fn count_activations(&self, license: LicenseId) -> Result<u32, RepoError> {
        let tx = self.begin(Scope::Platform).await?;
        let n = license_activations::Entity::find()
            .filter(license_activations::Column::LicenseId.eq(license.as_uuid()))
            .count(&tx)
            .await
            .map_err(map_db)?;
        commit(tx).await?;
        Ok(count_u32(n))
    }
}

impl SeaOrmStore {
    /// The one statement of validation, and whether its answer may be kept in memory (not
    /// when an unpaid renewal sent it to the feed's exact read).
    async fn validation_facts(
        &self,
        id: LicenseId,
        fingerprint: Option<Fingerprint>,
    ) -> Result<Option<(LicenseUnderValidation, bool)>, RepoError> {
        let stmt = Statement::from_sql_and_values(
            self.backend(),
            VALIDATION_SQL,
            [
                Value::from(fingerprint.as_ref().map(|f| f.as_str().to_owned())),
                Value::from(id.as_uuid()),
            ],
        );
        // One statement on the platform pool, outside any transaction: it sees one
        // consistent state on its own, and validation is the hot path.
        let Some(row) = ValidationRow::find_by_statement(stmt)
            .one(&self.platform)
            .await
            .map_err(map_db)?
        else {
            return Ok(None);
        };
        let keep = row.refused_renewals == 0;
        let standing = match (row.entitlement_found, &row.purchase_status) {
            // Rare: an unpaid renewal may hold the purchase back; the feed's exact read
            // applies the domain's rule to it.
            (1, Some(_)) if row.refused_renewals > 0 => {
                EntitlementFeed::standing(self, EntitlementId::from_uuid(row.entitlement_id))
                    .await?
            }
            (1, Some(purchase_status)) => Some(EntitlementStanding {
                state: state_of(
                    row.ended_at.is_some(),
                    purchase_status == PurchaseStatus::Expired.as_str(),
                    false,
                ),
                until: row.ends_at,
            }),
            _ => None,
        };
        let activations = u32::try_from(row.activations).map_err(|e| corrupt(TABLE, e))?;
        let activated = fingerprint.map(|_| row.activated > 0);
        let license = to_license(licenses::Model {
            id: row.id,
            org_id: row.org_id,
            tool_id: row.tool_id,
            entitlement_id: row.entitlement_id,
            plan_code: row.plan_code,
            features: row.features,
            max_activations: row.max_activations,
            status: row.status,
            issued_at: row.issued_at,
            expires_at: row.expires_at,
            version: row.version,
            updated_at: row.updated_at,
        })?;
        let read = LicenseUnderValidation {
            license,
            standing,
            activated,
            activations,
        };
        Ok(Some((read, keep)))
    }
}
