//! A listing and its moderation state machine (R-G2, R-G3):
//!
//! ```text
//! DRAFT --submit (checks pass)--> SUBMITTED --approve--> PUBLISHED
//!   ^                                 |
//!   |                                 +--reject (notes)--> REJECTED --revise--> DRAFT
//!   +--submit (an edit that does not matter for review)--> PUBLISHED
//! ```
//!
//! A draft (or a rejected listing) may be revised; a submitted one waits for its
//! moderator; a published one is final (later changes are new edit listings).

use chrono::{DateTime, Utc};
use marketplace_domain::ids::{OrgId, SellerId, UserId};

use crate::checks::CheckFailure;
use crate::content::{ListingContent, ListingKind, Published};

marketplace_kernel::id_type!(
    /// A seller's listing.
    ListingId,
    /// A notice to a seller about one of its listings.
    NoticeId,
);

/// Where a listing stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ListingStatus {
    Draft,
    Submitted,
    Published,
    Rejected,
}
marketplace_kernel::labelled!(ListingStatus, "listing status", {
    Draft => "DRAFT", Submitted => "SUBMITTED", Published => "PUBLISHED", Rejected => "REJECTED",
});

/// How a listing was decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// A moderator approved it.
    Approved,
    /// A moderator rejected it.
    Rejected,
    /// An edit that needs no review, published at submission (R-G3).
    PublishedAtOnce,
}
marketplace_kernel::labelled!(Outcome, "decision", {
    Approved => "APPROVED", Rejected => "REJECTED", PublishedAtOnce => "PUBLISHED_AT_ONCE",
});

/// Moderator's notes: 1..=2000 characters once trimmed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notes(String);

impl Notes {
    /// `None` for blank notes.
    ///
    /// # Errors
    /// [`ListingError::NotesTooLong`] beyond 2000 characters.
    pub fn parse(raw: Option<&str>) -> Result<Option<Self>, ListingError> {
        match raw.map(str::trim) {
            None | Some("") => Ok(None),
            Some(n) if n.chars().count() > 2000 => Err(ListingError::NotesTooLong),
            Some(n) => Ok(Some(Self(n.to_owned()))),
        }
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The decision on a listing: who, when, how, why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    /// `None` for a listing published at once.
    pub by: Option<UserId>,
    pub at: DateTime<Utc>,
    pub outcome: Outcome,
    pub notes: Option<Notes>,
}

/// A move the state machine refuses, or a listing input it refuses.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ListingError {
    #[error("a {status} listing cannot be {action}")]
    IllegalMove {
        status: ListingStatus,
        action: &'static str,
    },
    #[error("a listing keeps its kind: this one is a {0} listing")]
    KindFixed(ListingKind),
    #[error("the automated checks failed")]
    ChecksFailed(Vec<CheckFailure>),
    #[error("a rejection says why: notes are required")]
    NotesRequired,
    #[error("notes must be at most 2000 characters")]
    NotesTooLong,
}

/// Every field of a listing, for adapters restoring one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListingParts {
    pub id: ListingId,
    pub seller_id: SellerId,
    /// The org that manages the seller: the listing's tenant.
    pub org_id: OrgId,
    pub content: ListingContent,
    pub status: ListingStatus,
    pub decision: Option<Decision>,
    pub published: Option<Published>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub submitted_at: Option<DateTime<Utc>>,
}

/// What submission leads to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Submission {
    /// Into the moderation queue.
    Queued,
    /// Published at once: an edit that does not matter for review (R-G3).
    PublishNow,
}

/// A seller's listing. Its fields are private: every change goes through the state
/// machine.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listing {
    parts: ListingParts,
}

impl Listing {
    /// A new draft.
    #[must_use]
    pub fn draft(
        id: ListingId,
        seller_id: SellerId,
        org_id: OrgId,
        content: ListingContent,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            parts: ListingParts {
                id,
                seller_id,
                org_id,
                content,
                status: ListingStatus::Draft,
                decision: None,
                published: None,
                created_at: now,
                updated_at: now,
                submitted_at: None,
            },
        }
    }

    /// A listing as stored.
    #[must_use]
    pub const fn restore(parts: ListingParts) -> Self {
        Self { parts }
    }

    #[must_use]
    pub const fn parts(&self) -> &ListingParts {
        &self.parts
    }

    #[must_use]
    pub const fn id(&self) -> ListingId {
        self.parts.id
    }

    #[must_use]
    pub const fn seller_id(&self) -> SellerId {
        self.parts.seller_id
    }

    #[must_use]
    pub const fn org_id(&self) -> OrgId {
        self.parts.org_id
    }

    #[must_use]
    pub const fn content(&self) -> &ListingContent {
        &self.parts.content
    }

    #[must_use]
    pub const fn status(&self) -> ListingStatus {
        self.parts.status
    }

    #[must_use]
    pub const fn decision(&self) -> Option<&Decision> {
        self.parts.decision.as_ref()
    }

    #[must_use]
    pub const fn published(&self) -> Option<Published> {
        self.parts.published
    }

    /// Replaces the content of a draft or of a rejected listing (which becomes a draft
    /// again). The kind stays.
    ///
    /// # Errors
    /// `IllegalMove` when submitted or published; `KindFixed`.
    pub fn revise(
        &mut self,
        content: ListingContent,
        now: DateTime<Utc>,
    ) -> Result<(), ListingError> {
        match self.parts.status {
            ListingStatus::Draft | ListingStatus::Rejected => {}
            status => {
                return Err(ListingError::IllegalMove {
                    status,
                    action: "revised",
                });
            }
        }
        if content.kind() != self.parts.content.kind() {
            return Err(ListingError::KindFixed(self.parts.content.kind()));
        }
        self.parts.content = content;
        self.parts.status = ListingStatus::Draft;
        self.parts.updated_at = now;
        Ok(())
    }

    /// Submits a draft whose checks gave `failures` (R-G2); `needs_review` is the
    /// re-review rule's answer ([`crate::review`], R-G3).
    ///
    /// # Errors
    /// `IllegalMove` unless a draft; `ChecksFailed` with every failure, the listing then
    /// unchanged.
    pub fn submit(
        &mut self,
        failures: Vec<CheckFailure>,
        needs_review: bool,
        now: DateTime<Utc>,
    ) -> Result<Submission, ListingError> {
        if self.parts.status != ListingStatus::Draft {
            return Err(ListingError::IllegalMove {
                status: self.parts.status,
                action: "submitted",
            });
        }
        if !failures.is_empty() {
            return Err(ListingError::ChecksFailed(failures));
        }
        self.parts.submitted_at = Some(now);
        self.parts.updated_at = now;
        if needs_review {
            self.parts.status = ListingStatus::Submitted;
            Ok(Submission::Queued)
        } else {
            Ok(Submission::PublishNow)
        }
    }

    /// Records the publication of a listing submitted for no review.
    ///
    /// # Errors
    /// `IllegalMove` unless a draft just submitted.
    pub fn published_at_once(
        &mut self,
        what: Published,
        now: DateTime<Utc>,
    ) -> Result<(), ListingError> {
        if self.parts.status != ListingStatus::Draft || self.parts.submitted_at.is_none() {
            return Err(ListingError::IllegalMove {
                status: self.parts.status,
                action: "published without review",
            });
        }
        self.decide(None, Outcome::PublishedAtOnce, None, now);
        self.parts.status = ListingStatus::Published;
        self.parts.published = Some(what);
        Ok(())
    }

    /// Checks that a moderator may decide now.
    ///
    /// # Errors
    /// `IllegalMove` unless submitted.
    pub fn ensure_awaiting(&self) -> Result<(), ListingError> {
        if self.parts.status == ListingStatus::Submitted {
            Ok(())
        } else {
            Err(ListingError::IllegalMove {
                status: self.parts.status,
                action: "moderated",
            })
        }
    }

    /// A moderator approves: the listing is published as `what` (R-G3).
    ///
    /// # Errors
    /// `IllegalMove` unless submitted.
    pub fn approve(
        &mut self,
        by: UserId,
        notes: Option<Notes>,
        what: Published,
        now: DateTime<Utc>,
    ) -> Result<(), ListingError> {
        self.ensure_awaiting()?;
        self.decide(Some(by), Outcome::Approved, notes, now);
        self.parts.status = ListingStatus::Published;
        self.parts.published = Some(what);
        Ok(())
    }

    /// A moderator rejects, saying why (R-G3). Nothing public changes.
    ///
    /// # Errors
    /// `IllegalMove` unless submitted; `NotesRequired` without notes.
    pub fn reject(
        &mut self,
        by: UserId,
        notes: Option<Notes>,
        now: DateTime<Utc>,
    ) -> Result<(), ListingError> {
        self.ensure_awaiting()?;
        let notes = notes.ok_or(ListingError::NotesRequired)?;
        self.decide(Some(by), Outcome::Rejected, Some(notes), now);
        self.parts.status = ListingStatus::Rejected;
        Ok(())
    }

    fn decide(
        &mut self,
        by: Option<UserId>,
        outcome: Outcome,
        notes: Option<Notes>,
        now: DateTime<Utc>,
    ) {
        self.parts.decision = Some(Decision {
            by,
            at: now,
            outcome,
            notes,
        });
        self.parts.updated_at = now;
    }
}
