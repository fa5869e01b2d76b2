//! The grace period (R-B5) of a recurring purchase: how long access outlasts a period whose renewal has not been
//! paid, so a renewal that arrives late, or is refused and then paid, never cuts access.

use chrono::{DateTime, Duration, Utc};

/// A grace longer than [`GracePeriod::MAX_DAYS`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("grace lasts at most 30 days, got {days}")]
pub struct GraceTooLong {
    pub days: u32,
}

/// How long after a period ends its renewal may still be paid: 3 days unless configured,
/// at most 30. A subscription never expires the instant its period ends: the payment
/// provider's renewal payment arrives after the period's end, not before it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct GracePeriod(Duration);

impl GracePeriod {
    /// The longest grace that may be configured, in days.
    pub const MAX_DAYS: u32 = 30;

    /// # Errors
    /// [`GraceTooLong`] beyond 30 days.
    pub fn days(days: u32) -> Result<Self, GraceTooLong> {
        if days > Self::MAX_DAYS {
            return Err(GraceTooLong { days });
        }
        Ok(Self(Duration::days(i64::from(days))))
    }

    #[must_use]
    pub const fn duration(self) -> Duration {
        self.0
    }

    /// When the grace after a period ending at `end` ends (exclusive).
    #[must_use]
    pub fn ends(self, end: DateTime<Utc>) -> DateTime<Utc> {
        end.checked_add_signed(self.0)
            .unwrap_or(DateTime::<Utc>::MAX_UTC)
    }
}

impl Default for GracePeriod {
    /// 3 days.
    fn default() -> Self {
        Self(Duration::days(3))
    }
}
