//! Ports shared by every use-case family: what adapters report ([`RepoError`]), the clock
//! (R-R3) and id generation. They live in the kernel; per-aggregate repositories live beside
//! their aggregates.

pub use marketplace_kernel::clock::{Clock, IdGenerator, IdGeneratorExt, SystemClock, UuidV7Ids};
#[cfg(any(test, feature = "mocks"))]
pub use marketplace_kernel::clock::{MockClock, MockIdGenerator};
pub use marketplace_kernel::store::{Conflict, RepoError};
