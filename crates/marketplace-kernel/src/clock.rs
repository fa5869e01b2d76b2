//! The clock and id ports (R-R3): no use case of any context reads the system time or
//! makes an id itself, so tests can fix both.

use chrono::{DateTime, Utc};
use uuid::Uuid;

/// The time, from one place (R-R3): no use case reads the system clock itself.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

/// The real clock, for applications.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// Where new ids come from, so tests can make them predictable.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait IdGenerator: Send + Sync {
    fn new_uuid(&self) -> Uuid;
}

/// Time-ordered UUID v7 ids, for applications (index-friendly).
#[derive(Clone, Copy, Debug, Default)]
pub struct UuidV7Ids;

impl IdGenerator for UuidV7Ids {
    fn new_uuid(&self) -> Uuid {
        Uuid::now_v7()
    }
}

/// Typed ids from any generator.
pub trait IdGeneratorExt: IdGenerator {
    fn new_id<T: From<Uuid>>(&self) -> T {
        T::from(self.new_uuid())
    }
}

impl<G: IdGenerator + ?Sized> IdGeneratorExt for G {}
