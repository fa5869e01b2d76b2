//! # marketplace-listings
//!
//! Sellers publish (R-G1..R-G5): an org registers as a seller, drafts listings for what it
//! sells (a tool with its plans and meters, a bundle of its own tools, a new version of a
//! module, a service, an edit of a published tool), runs the automated checks, submits,
//! and a moderator approves (it is published through the catalog's, the modules' or the
//! services' own use cases) or rejects with notes. After the first approval only the
//! changes that matter go back to moderation. The seller reads notices of every decision,
//! chooses what is offered (opt-in) and watches its dashboard.
//!
//! - [`content`]: what each kind of listing proposes (plain data: a draft may be wrong).
//! - [`checks`]: the named checks, each a plain function; [`checks::run`].
//! - [`listing`]: the listing and its state machine.
//! - [`review`]: the re-review rule and the diff it reads.
//! - [`opt_in`]: whether a seller offers its items (R-G5).
//! - [`seller`]: the seller's profile (R-G1).
//! - [`ports`], [`service`]: the use cases behind their ports.
//!
//! Pure: no database, HTTP or runtime crate. Depends on the kernel, the domain (catalog,
//! plans, sellers, ledger) and the modules context (version requirements, the registry).

pub mod checks;
pub mod content;
mod error;
pub mod listing;
pub mod opt_in;
pub mod ports;
pub mod review;
pub mod seller;
pub mod service;

pub use error::ListingsError;
pub use listing::{Listing, ListingId, ListingStatus, NoticeId};
pub use service::{Dashboard, ListingPorts, ListingService, Verdict};
