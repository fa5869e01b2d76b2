//! A license comes with every entitlement to a tool (R-L1) and follows it (R-L6). The
//! entitlement's facts come in as values this module defines, so whatever grants and moves
//! entitlements (the purchase lifecycle, the payment events) feeds them in without this
//! crate knowing it.

use chrono::{DateTime, Utc};
use marketplace_kernel::ids::{EntitlementId, OrgId, ToolId};

use super::record::{License, LicenseError, LicenseStatus, Parts, PlanTerms};
use crate::ids::LicenseId;

/// An org was granted a tool (R-E1): the license to issue with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntitlementGranted {
    pub entitlement_id: EntitlementId,
    pub org_id: OrgId,
    pub tool_id: ToolId,
    /// The terms of the plan bought (for a tool in a bundle: the bundle's plan for it).
    pub terms: PlanTerms,
    /// When the entitlement began: the license's issue time.
    pub granted_at: DateTime<Utc>,
    /// The end of the paid period for a subscription; `None` for a one-time purchase.
    pub until: Option<DateTime<Utc>>,
}

/// Something that happened to an entitlement, which its license follows (R-L6).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EntitlementChange {
    /// A renewal was paid (on time or late, out of PAST_DUE): the period now ends at
    /// `period_end`. The license is ACTIVE again and expires then.
    Renewed { period_end: DateTime<Utc> },
    /// A renewal payment failed: the subscription is PAST_DUE, the license SUSPENDED.
    PastDue,
    /// The subscription is active again without a new period (the overdue payment settled
    /// otherwise): the license is ACTIVE again.
    Reinstated,
    /// The plan changed (an upgrade now, a downgrade at renewal): new terms, a new key.
    PlanChanged(PlanTerms),
    /// The entitlement ended (R-E2: refunded, cancelled or ended with its purchase): the
    /// license is REVOKED for good.
    Ended,
    /// The subscription's term ran out without renewal: the license is EXPIRED for good.
    Expired,
}

/// Where an entitlement stands now, as its purchase has it: what a license is brought in
/// line with when it is read (R-L6), so that a refund, an expiry, a renewal or a missed
/// payment shows in the next validation whether or not anyone fed the change in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EntitlementStanding {
    pub state: EntitlementState,
    /// The end of the paid period; `None` for a one-time purchase.
    pub until: Option<DateTime<Utc>>,
}

/// The entitlement's state, as far as its license cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntitlementState {
    /// In force (its period may have run out by the clock without the expiry job having
    /// run yet: validation answers EXPIRED from the license's expiry then).
    Current,
    /// The subscription is PAST_DUE: the license is SUSPENDED.
    PastDue,
    /// The subscription's term ran out without renewal: EXPIRED.
    Expired,
    /// Ended by a refund or a cancellation (R-E2): REVOKED.
    Ended,
}

impl EntitlementStanding {
    /// The changes that bring a license in line with this standing, in order: a renewal
    /// first (a later period end than the license's expiry), then the state.
    #[must_use]
    pub fn changes(&self, license: &License) -> Vec<EntitlementChange> {
        let renewal = match (self.until, license.expires_at()) {
            (Some(until), Some(expires)) if until > expires => {
                Some(EntitlementChange::Renewed { period_end: until })
            }
            _ => None,
        };
        let state = match self.state {
            EntitlementState::Current => EntitlementChange::Reinstated,
            EntitlementState::PastDue => EntitlementChange::PastDue,
            EntitlementState::Expired => EntitlementChange::Expired,
            EntitlementState::Ended => EntitlementChange::Ended,
        };
        renewal.into_iter().chain([state]).collect()
    }
}

/// Why a change cannot be followed: the facts contradict the license (a feeding bug).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FollowError {
    /// A renewal of a license with no expiry: one-time purchases do not renew.
    #[error("a perpetual license cannot be renewed")]
    RenewalOfPerpetual,
    #[error(transparent)]
    Terms(#[from] LicenseError),
}

impl License {
    /// R-L1: the license that comes with `granted`, under id `id`: ACTIVE, issued when the
    /// entitlement began, expiring at the end of its paid period (never for a one-time
    /// purchase), with the plan's features and activation limit (5 when unset).
    ///
    /// # Errors
    /// [`LicenseError`] when the terms break a rule of license claims.
    pub fn issue(id: LicenseId, granted: &EntitlementGranted) -> Result<Self, LicenseError> {
        Self::assemble(Parts {
            id,
            org_id: granted.org_id,
            tool_id: granted.tool_id,
            entitlement_id: granted.entitlement_id,
            plan: &granted.terms.plan,
            features: &granted.terms.features,
            max_activations: granted.terms.activation_limit(),
            status: LicenseStatus::Active,
            issued_at: granted.granted_at,
            expires_at: granted.until,
        })
    }

    /// R-L6: the license after `change`, or `None` when it stays as it is.
    ///
    /// | status now | `Renewed` | `PastDue` | `Reinstated` | `PlanChanged` | `Ended` | `Expired` |
    /// |---|---|---|---|---|---|---|
    /// | ACTIVE | later expiry | SUSPENDED | - | new terms | REVOKED | EXPIRED |
    /// | SUSPENDED | later expiry, ACTIVE | - | ACTIVE | new terms | REVOKED | EXPIRED |
    /// | EXPIRED | - | - | - | - | REVOKED | - |
    /// | REVOKED | - | - | - | - | - | - |
    ///
    /// REVOKED is final and EXPIRED gives way only to a revocation, so a change delivered
    /// late or twice changes nothing; a renewal whose period does not end later than the
    /// recorded expiry is such a late one.
    ///
    /// # Errors
    /// [`FollowError::RenewalOfPerpetual`] for a renewal of a license with no expiry;
    /// [`FollowError::Terms`] for new plan terms that break a rule.
    pub fn follow(&self, change: &EntitlementChange) -> Result<Option<Self>, FollowError> {
        use EntitlementChange as Change;
        use LicenseStatus::{Active, Expired, Revoked, Suspended};
        let next = match (self.status(), change) {
            (Revoked, _) => None,
            (Expired, Change::Ended) => Some(self.with_status(Revoked)),
            (Expired, _) => None,
            (Active | Suspended, Change::Ended) => Some(self.with_status(Revoked)),
            (Active | Suspended, Change::Expired) => Some(self.with_status(Expired)),
            (Active, Change::PastDue) => Some(self.with_status(Suspended)),
            (Suspended, Change::Reinstated) => Some(self.with_status(Active)),
            (Active, Change::Reinstated) | (Suspended, Change::PastDue) => None,
            (Active | Suspended, Change::Renewed { period_end }) => {
                let current = self.expires_at().ok_or(FollowError::RenewalOfPerpetual)?;
                if *period_end <= current {
                    None
                } else {
                    Some(self.rebuilt(|parts| {
                        parts.expires_at = Some(*period_end);
                        parts.status = Active;
                    })?)
                }
            }
            (Active | Suspended, Change::PlanChanged(terms)) => Some(self.rebuilt(|parts| {
                parts.plan.clone_from(&terms.plan);
                parts.features.clone_from(&terms.features);
                parts.max_activations = terms.activation_limit();
            })?),
        };
        Ok(next.filter(|next| next != self))
    }
}

impl License {
    /// R-L6: the license brought in line with where its entitlement stands, or `None` when
    /// it already is (each change follows [`License::follow`]'s table, so a final status
    /// stays final).
    ///
    /// # Errors
    /// [`FollowError::Terms`] when a new expiry cannot be signed.
    pub fn agree_with(&self, standing: &EntitlementStanding) -> Result<Option<Self>, FollowError> {
        let mut current = self.clone();
        for change in standing.changes(self) {
            if let Some(next) = current.follow(&change)? {
                current = next;
            }
        }
        Ok((current != *self).then_some(current))
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeDelta, TimeZone};
    use uuid::Uuid;

    use super::*;
    use marketplace_license::ClaimsError;

    fn at(day: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 1, day, 0, 0, 0).unwrap()
    }

    fn terms(max: Option<u32>) -> PlanTerms {
        PlanTerms {
            plan: "PRO".into(),
            features: vec!["sso".into(), "export".into()],
            max_activations: max,
        }
    }

    fn granted(until: Option<DateTime<Utc>>) -> EntitlementGranted {
        EntitlementGranted {
            entitlement_id: EntitlementId::from_uuid(Uuid::from_u128(4)),
            org_id: OrgId::from_uuid(Uuid::from_u128(2)),
            tool_id: ToolId::from_uuid(Uuid::from_u128(3)),
            terms: terms(None),
            granted_at: at(1) + TimeDelta::milliseconds(250),
            until,
        }
    }

    fn license(status: LicenseStatus) -> License {
        License::issue(
            LicenseId::from_uuid(Uuid::from_u128(1)),
            &granted(Some(at(31))),
        )
        .unwrap()
        .with_status(status)
    }

    #[test]
    fn r_l1_a_license_is_issued_active_with_the_plans_terms_and_period() {
        let license = license(LicenseStatus::Active);
        assert_eq!(license.status(), LicenseStatus::Active);
        assert_eq!(license.org_id(), OrgId::from_uuid(Uuid::from_u128(2)));
        assert_eq!(license.tool_id(), ToolId::from_uuid(Uuid::from_u128(3)));
        assert_eq!(
            license.entitlement_id(),
            EntitlementId::from_uuid(Uuid::from_u128(4))
        );
        assert_eq!(license.plan(), "PRO");
        assert_eq!(license.features().collect::<Vec<_>>(), ["export", "sso"]);
        assert_eq!(license.max_activations(), 5, "5 when the plan does not say");
        assert_eq!(
            license.issued_at(),
            at(1),
            "whole seconds, as the key has it"
        );
        assert_eq!(license.expires_at(), Some(at(31)));
        assert_eq!(
            license.claims().expires_at(),
            Some(at(31).timestamp() as u64)
        );

        let mut plan_of_two = granted(None);
        plan_of_two.terms = terms(Some(2));
        let perpetual = License::issue(LicenseId::from_uuid(Uuid::nil()), &plan_of_two).unwrap();
        assert_eq!(perpetual.max_activations(), 2);
        assert_eq!(
            perpetual.expires_at(),
            None,
            "a one-time purchase never expires"
        );
    }

    #[test]
    fn r_l1_terms_that_no_key_could_carry_are_refused() {
        let id = LicenseId::from_uuid(Uuid::nil());
        let mut bad = granted(Some(at(1)));
        assert_eq!(
            License::issue(id, &bad),
            Err(LicenseError::Terms(ClaimsError::ExpiresBeforeIssued {
                iat: at(1).timestamp() as u64,
                exp: at(1).timestamp() as u64,
            }))
        );
        bad = granted(None);
        bad.terms.max_activations = Some(0);
        assert_eq!(
            License::issue(id, &bad),
            Err(LicenseError::Terms(ClaimsError::NoActivations))
        );
        bad = granted(None);
        bad.terms.plan = "has space".into();
        assert_eq!(
            License::issue(id, &bad),
            Err(LicenseError::Terms(ClaimsError::InvalidPlan))
        );
        bad = granted(None);
        bad.granted_at = Utc.with_ymd_and_hms(1969, 12, 31, 0, 0, 0).unwrap();
        assert_eq!(License::issue(id, &bad), Err(LicenseError::BeforeEpoch));
    }

    #[test]
    fn r_l6_every_status_follows_every_change_as_the_table_says() {
        use LicenseStatus::{Active, Expired, Revoked, Suspended};
        let renewed = EntitlementChange::Renewed {
            period_end: at(31) + TimeDelta::days(30),
        };
        let upgraded = EntitlementChange::PlanChanged(PlanTerms {
            plan: "TEAM".into(),
            features: vec!["sso".into(), "audit".into()],
            max_activations: Some(20),
        });
        // (status now, change) -> status after, or None for "unchanged".
        let table = [
            (Active, renewed.clone(), Some(Active)),
            (Active, EntitlementChange::PastDue, Some(Suspended)),
            (Active, EntitlementChange::Reinstated, None),
            (Active, upgraded.clone(), Some(Active)),
            (Active, EntitlementChange::Ended, Some(Revoked)),
            (Active, EntitlementChange::Expired, Some(Expired)),
            (Suspended, renewed.clone(), Some(Active)),
            (Suspended, EntitlementChange::PastDue, None),
            (Suspended, EntitlementChange::Reinstated, Some(Active)),
            (Suspended, upgraded.clone(), Some(Suspended)),
            (Suspended, EntitlementChange::Ended, Some(Revoked)),
            (Suspended, EntitlementChange::Expired, Some(Expired)),
            (Expired, renewed.clone(), None),
            (Expired, EntitlementChange::PastDue, None),
            (Expired, EntitlementChange::Reinstated, None),
            (Expired, upgraded.clone(), None),
            (Expired, EntitlementChange::Ended, Some(Revoked)),
            (Expired, EntitlementChange::Expired, None),
            (Revoked, renewed, None),
            (Revoked, EntitlementChange::PastDue, None),
            (Revoked, EntitlementChange::Reinstated, None),
            (Revoked, upgraded, None),
            (Revoked, EntitlementChange::Ended, None),
            (Revoked, EntitlementChange::Expired, None),
        ];
        for (from, change, to) in table {
            let before = license(from);
            let after = before.follow(&change).unwrap();
            assert_eq!(
                after.as_ref().map(License::status),
                to,
                "{from:?} + {change:?}"
            );
            if let Some(after) = after {
                assert_eq!(after.id(), before.id(), "the same license");
                assert_eq!(after.issued_at(), before.issued_at());
            }
        }
    }

    #[test]
    fn r_l6_a_renewal_moves_the_expiry_and_so_the_key_claims() {
        let before = license(LicenseStatus::Active);
        let end = at(31) + TimeDelta::days(28);
        let after = before
            .follow(&EntitlementChange::Renewed { period_end: end })
            .unwrap()
            .unwrap();
        assert_eq!(after.expires_at(), Some(end));
        assert_eq!(after.claims().expires_at(), Some(end.timestamp() as u64));
        assert_eq!(after.claims().license_id(), before.claims().license_id());
        assert_eq!(after.claims().issued_at(), before.claims().issued_at());
    }

    #[test]
    fn r_l6_a_late_or_repeated_renewal_changes_nothing() {
        let license = license(LicenseStatus::Suspended);
        for end in [at(31), at(30)] {
            assert_eq!(
                license.follow(&EntitlementChange::Renewed { period_end: end }),
                Ok(None),
                "{end}"
            );
        }
    }

    #[test]
    fn r_l6_a_perpetual_license_is_never_renewed() {
        let perpetual = License::issue(LicenseId::from_uuid(Uuid::nil()), &granted(None)).unwrap();
        assert_eq!(
            perpetual.follow(&EntitlementChange::Renewed { period_end: at(31) }),
            Err(FollowError::RenewalOfPerpetual)
        );
        assert_eq!(
            perpetual
                .follow(&EntitlementChange::Ended)
                .unwrap()
                .map(|l| l.status()),
            Some(LicenseStatus::Revoked)
        );
    }

    #[test]
    fn r_l6_a_plan_change_carries_the_new_terms() {
        let after = license(LicenseStatus::Active)
            .follow(&EntitlementChange::PlanChanged(PlanTerms {
                plan: "TEAM".into(),
                features: vec!["audit".into()],
                max_activations: None,
            }))
            .unwrap()
            .unwrap();
        assert_eq!(after.plan(), "TEAM");
        assert_eq!(after.features().collect::<Vec<_>>(), ["audit"]);
        assert_eq!(after.max_activations(), 5);
        assert_eq!(
            license(LicenseStatus::Active).follow(&EntitlementChange::PlanChanged(terms(None))),
            Ok(None),
            "the same terms again change nothing"
        );
    }

    fn standing(state: EntitlementState, until: Option<DateTime<Utc>>) -> EntitlementStanding {
        EntitlementStanding { state, until }
    }

    #[test]
    fn r_l6_a_license_agrees_with_where_its_entitlement_stands() {
        use EntitlementState::{Current, Ended, Expired, PastDue};
        use LicenseStatus as S;
        let later = at(31) + TimeDelta::days(30);
        // (license status, entitlement standing) -> (status after, expiry after), or None
        // for "already in line".
        let table = [
            (S::Active, standing(Current, Some(at(31))), None),
            (
                S::Active,
                standing(Current, Some(later)),
                Some((S::Active, later)),
            ),
            (
                S::Active,
                standing(PastDue, Some(at(31))),
                Some((S::Suspended, at(31))),
            ),
            (S::Suspended, standing(PastDue, Some(at(31))), None),
            (
                S::Suspended,
                standing(Current, Some(at(31))),
                Some((S::Active, at(31))),
            ),
            (
                S::Suspended,
                standing(Current, Some(later)),
                Some((S::Active, later)),
            ),
            (
                S::Suspended,
                standing(PastDue, Some(later)),
                Some((S::Suspended, later)),
            ),
            (
                S::Active,
                standing(Ended, Some(at(31))),
                Some((S::Revoked, at(31))),
            ),
            (
                S::Suspended,
                standing(Ended, Some(at(31))),
                Some((S::Revoked, at(31))),
            ),
            (
                S::Active,
                standing(Expired, Some(at(31))),
                Some((S::Expired, at(31))),
            ),
            (
                S::Expired,
                standing(Ended, Some(at(31))),
                Some((S::Revoked, at(31))),
            ),
            (S::Expired, standing(Current, Some(later)), None),
            (S::Revoked, standing(Current, Some(later)), None),
            (S::Revoked, standing(PastDue, Some(at(31))), None),
        ];
        for (status, standing, expected) in table {
            let before = license(status);
            let after = before.agree_with(&standing).unwrap();
            assert_eq!(
                after
                    .as_ref()
                    .map(|l| (l.status(), l.expires_at().unwrap())),
                expected,
                "{status:?} with {standing:?}"
            );
        }
    }

    #[test]
    fn r_l6_a_perpetual_license_ignores_a_period_it_never_had() {
        let perpetual = License::issue(LicenseId::from_uuid(Uuid::nil()), &granted(None)).unwrap();
        let current = standing(EntitlementState::Current, Some(at(31)));
        assert_eq!(perpetual.agree_with(&current), Ok(None));
        let ended = standing(EntitlementState::Ended, None);
        assert_eq!(
            perpetual.agree_with(&ended).unwrap().map(|l| l.status()),
            Some(LicenseStatus::Revoked)
        );
    }
}
