//! Trials (R-B1, R-B10): a plan may offer up to 90 days free before its first charge, and
//! an org gets one trial per item, ever.

use chrono::Duration;

use super::PlanError;

/// How many free days a plan offers before its first charge: 0 (no trial) to 90.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TrialDays(u8);

impl TrialDays {
    /// The longest trial a plan may offer.
    pub const MAX: u8 = 90;
    /// No trial.
    pub const NONE: Self = Self(0);

    /// # Errors
    /// [`PlanError::TrialTooLong`] beyond 90 days.
    pub fn new(days: u32) -> Result<Self, PlanError> {
        u8::try_from(days)
            .ok()
            .filter(|d| *d <= Self::MAX)
            .map(Self)
            .ok_or(PlanError::TrialTooLong { days })
    }

    #[must_use]
    pub const fn days(self) -> u8 {
        self.0
    }

    #[must_use]
    pub const fn is_none(self) -> bool {
        self.0 == 0
    }

    /// R-B10: the trial this org gets on this item: the plan's days, unless the plan has
    /// none or the org has already had a trial of the item (under any of its plans).
    #[must_use]
    pub const fn grant(self, history: TrialHistory) -> Option<GrantedTrial> {
        match history {
            TrialHistory::NeverTrialed if self.0 > 0 => Some(GrantedTrial(self.0)),
            TrialHistory::NeverTrialed | TrialHistory::AlreadyTrialed => None,
        }
    }
}

/// Whether an org has already had a trial of an item (R-B10: one per org and item). The
/// caller answers it from the org's subscriptions, ended ones included.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TrialHistory {
    NeverTrialed,
    AlreadyTrialed,
}

/// A trial the one-per-item rule allows: only [`TrialDays::grant`] makes one, so a
/// subscription can start trialing only through that check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct GrantedTrial(u8);

impl GrantedTrial {
    /// A trial granted earlier, as an order line stored it; `None` for 0 or more than 90
    /// days (no trial was granted).
    #[must_use]
    pub const fn restore(days: u8) -> Option<Self> {
        if days > 0 && days <= TrialDays::MAX {
            Some(Self(days))
        } else {
            None
        }
    }

    /// 1 to 90.
    #[must_use]
    pub const fn days(self) -> u8 {
        self.0
    }

    /// How long the trial lasts.
    #[must_use]
    pub fn duration(self) -> Duration {
        Duration::days(i64::from(self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r_b1_trials_last_zero_to_ninety_days() {
        assert_eq!(TrialDays::new(0).unwrap(), TrialDays::NONE);
        assert_eq!(TrialDays::new(90).unwrap().days(), 90);
        assert_eq!(
            TrialDays::new(91),
            Err(PlanError::TrialTooLong { days: 91 })
        );
        assert_eq!(
            TrialDays::new(u32::MAX),
            Err(PlanError::TrialTooLong { days: u32::MAX })
        );
    }

    #[test]
    fn r_b10_one_trial_per_org_and_item() {
        let fourteen = TrialDays::new(14).unwrap();
        let granted = fourteen.grant(TrialHistory::NeverTrialed).unwrap();
        assert_eq!(
            (granted.days(), granted.duration()),
            (14, Duration::days(14))
        );
        assert_eq!(fourteen.grant(TrialHistory::AlreadyTrialed), None);
        assert_eq!(TrialDays::NONE.grant(TrialHistory::NeverTrialed), None);
    }
}
