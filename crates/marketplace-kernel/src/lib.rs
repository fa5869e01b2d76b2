//! # marketplace-kernel
//!
//! What every bounded context of the marketplace speaks in, and nothing else: typed ids
//! (R-T1), money (R-M1), tiers (R-S1), actors and the permission matrix (R-T2, R-P1), the
//! clock and id ports (R-R3), paging, field errors, item references, billing intervals,
//! payment methods and errors, what stores report, and the label machinery that every
//! closed set of values travels through. No I/O; each context crate depends on this one and
//! never on another context in a circle.

pub mod access;
pub mod clock;
pub mod field;
pub mod ids;
pub mod interval;
pub mod item;
pub mod labels;
pub mod money;
pub mod paging;
pub mod payment;
pub mod store;
pub mod tier;
