//! R-X4: message threads. One thread per transaction, and an enquiry thread per (buyer
//! org, listing) before any transaction. Only the two parties' members read and write a
//! thread; platform admins read transaction threads to settle disputes; anyone else is
//! told it does not exist. Messages are immutable and numbered in order; each party's
//! unread count is the other party's messages it has not yet read.

use chrono::{DateTime, Utc};
use marketplace_kernel::access::{AccessPolicy, Actor, Permission};
use marketplace_kernel::ids::{OrgId, UserId};

use crate::ids::{MessageId, ServiceListingId, ThreadId, TransactionId};
use crate::listing::ServiceListing;
use crate::text::MessageBody;
use crate::transaction::Transaction;

/// What a thread is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Subject {
    Transaction(TransactionId),
    /// A buyer org's questions about a listing before any transaction.
    Enquiry(ServiceListingId),
}

/// One of a thread's two sides.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Party {
    Buyer,
    Provider,
}
marketplace_kernel::labelled!(Party, "thread party", { Buyer => "BUYER", Provider => "PROVIDER" });

impl Party {
    #[must_use]
    pub const fn other(self) -> Self {
        match self {
            Self::Buyer => Self::Provider,
            Self::Provider => Self::Buyer,
        }
    }

    const fn index(self) -> usize {
        match self {
            Self::Buyer => 0,
            Self::Provider => 1,
        }
    }
}

/// How a caller may see a thread.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reader {
    /// A member of one party: reads and writes, and has an unread count.
    Party(Party),
    /// A platform admin settling a dispute over a transaction: reads only.
    Admin,
}

/// Why a thread refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ThreadError {
    /// The caller is no party to the thread (nor an admin reading a transaction's): for
    /// them it does not exist (R-X4).
    #[error("thread not found")]
    NotFound,
    /// Admins read, they do not write into others' conversations.
    #[error("only the buyer and the provider write in a thread")]
    ReadOnly,
    /// An enquiry about a listing that is not published.
    #[error("the service listing is not offered")]
    ListingNotOffered,
    /// A provider's org cannot enquire about its own listing.
    #[error("an org cannot enquire about its own services")]
    OwnService,
}

/// A thread and its counters (R-X4).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Thread {
    id: ThreadId,
    subject: Subject,
    buyer_org: OrgId,
    provider_org: OrgId,
    /// Messages written by each party (by [`Party`] index).
    sent: [u64; 2],
    /// Of the other party's messages, how many each party has read.
    read: [u64; 2],
    created_at: DateTime<Utc>,
    last_message_at: Option<DateTime<Utc>>,
}

/// A thread's fields as stored, for adapters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ThreadParts {
    pub id: ThreadId,
    pub subject: Subject,
    pub buyer_org: OrgId,
    pub provider_org: OrgId,
    pub sent_by_buyer: u64,
    pub sent_by_provider: u64,
    pub read_by_buyer: u64,
    pub read_by_provider: u64,
    pub created_at: DateTime<Utc>,
    pub last_message_at: Option<DateTime<Utc>>,
}

/// One message: immutable once written, numbered from 1 in its thread.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    pub id: MessageId,
    pub thread_id: ThreadId,
    pub seq: u64,
    pub author: Party,
    pub user_id: UserId,
    pub body: MessageBody,
    pub sent_at: DateTime<Utc>,
}

impl Thread {
    /// The thread of a transaction, between its buyer org and its provider's org.
    #[must_use]
    pub fn of_transaction(id: ThreadId, transaction: &Transaction, now: DateTime<Utc>) -> Self {
        Self::between(
            id,
            Subject::Transaction(transaction.id()),
            transaction.buyer_org(),
            transaction.provider_org(),
            now,
        )
    }

    /// A buyer org's enquiry about a published listing.
    ///
    /// # Errors
    /// [`ThreadError::ListingNotOffered`], [`ThreadError::OwnService`].
    pub fn enquiry(
        id: ThreadId,
        listing: &ServiceListing,
        buyer_org: OrgId,
        now: DateTime<Utc>,
    ) -> Result<Self, ThreadError> {
        if !listing.is_offered() {
            return Err(ThreadError::ListingNotOffered);
        }
        if buyer_org == listing.provider_org() {
            return Err(ThreadError::OwnService);
        }
        Ok(Self::between(
            id,
            Subject::Enquiry(listing.id()),
            buyer_org,
            listing.provider_org(),
            now,
        ))
    }

    fn between(
        id: ThreadId,
        subject: Subject,
        buyer_org: OrgId,
        provider_org: OrgId,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            id,
            subject,
            buyer_org,
            provider_org,
            sent: [0; 2],
            read: [0; 2],
            created_at: now,
            last_message_at: None,
        }
    }

    /// Rebuilds a stored thread; counters are clamped so an unread count is never negative.
    #[must_use]
    pub fn restore(p: ThreadParts) -> Self {
        Self {
            id: p.id,
            subject: p.subject,
            buyer_org: p.buyer_org,
            provider_org: p.provider_org,
            sent: [p.sent_by_buyer, p.sent_by_provider],
            read: [
                p.read_by_buyer.min(p.sent_by_provider),
                p.read_by_provider.min(p.sent_by_buyer),
            ],
            created_at: p.created_at,
            last_message_at: p.last_message_at,
        }
    }

    #[must_use]
    pub fn into_parts(self) -> ThreadParts {
        ThreadParts {
            id: self.id,
            subject: self.subject,
            buyer_org: self.buyer_org,
            provider_org: self.provider_org,
            sent_by_buyer: self.sent[0],
            sent_by_provider: self.sent[1],
            read_by_buyer: self.read[0],
            read_by_provider: self.read[1],
            created_at: self.created_at,
            last_message_at: self.last_message_at,
        }
    }

    /// How `actor` may see the thread (R-X4).
    ///
    /// # Errors
    /// [`ThreadError::NotFound`] for anyone but the parties' members and, on a
    /// transaction's thread, platform admins.
    pub fn reader(&self, actor: &Actor) -> Result<Reader, ThreadError> {
        if actor.org_id == self.buyer_org {
            Ok(Reader::Party(Party::Buyer))
        } else if actor.org_id == self.provider_org {
            Ok(Reader::Party(Party::Provider))
        } else if matches!(self.subject, Subject::Transaction(_))
            && AccessPolicy.allows(actor, Permission::ManageBilling)
        {
            Ok(Reader::Admin)
        } else {
            Err(ThreadError::NotFound)
        }
    }

    /// `actor` writes `body`: the next message of the thread. Writing reads: the author's
    /// unread count drops to zero.
    ///
    /// # Errors
    /// [`ThreadError::NotFound`] for a stranger, [`ThreadError::ReadOnly`] for an admin.
    pub fn post(
        &mut self,
        actor: &Actor,
        id: MessageId,
        body: MessageBody,
        now: DateTime<Utc>,
    ) -> Result<Message, ThreadError> {
        let Reader::Party(author) = self.reader(actor)? else {
            return Err(ThreadError::ReadOnly);
        };
        let seq = self.message_count().saturating_add(1);
        self.sent[author.index()] = self.sent[author.index()].saturating_add(1);
        self.mark_read(author);
        self.last_message_at = Some(now);
        Ok(Message {
            id,
            thread_id: self.id,
            seq,
            author,
            user_id: actor.user_id,
            body,
            sent_at: now,
        })
    }

    /// `party` has read every message so far.
    pub fn mark_read(&mut self, party: Party) {
        self.read[party.index()] = self.sent[party.other().index()];
    }

    /// The other party's messages `party` has not read.
    #[must_use]
    pub fn unread(&self, party: Party) -> u64 {
        self.sent[party.other().index()].saturating_sub(self.read[party.index()])
    }

    #[must_use]
    pub fn message_count(&self) -> u64 {
        self.sent[0].saturating_add(self.sent[1])
    }

    #[must_use]
    pub const fn id(&self) -> ThreadId {
        self.id
    }
    #[must_use]
    pub const fn subject(&self) -> Subject {
        self.subject
    }
    #[must_use]
    pub const fn buyer_org(&self) -> OrgId {
        self.buyer_org
    }
    #[must_use]
    pub const fn provider_org(&self) -> OrgId {
        self.provider_org
    }
    #[must_use]
    pub const fn created_at(&self) -> DateTime<Utc> {
        self.created_at
    }
    #[must_use]
    pub const fn last_message_at(&self) -> Option<DateTime<Utc>> {
        self.last_message_at
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use marketplace_kernel::access::{OrgRole, PlatformRole};
    use uuid::Uuid;

    fn org(n: u128) -> OrgId {
        OrgId::from_uuid(Uuid::from_u128(n))
    }
    fn actor(org_n: u128, platform_role: PlatformRole) -> Actor {
        Actor {
            user_id: UserId::from_uuid(Uuid::from_u128(100 + org_n)),
            org_id: org(org_n),
            org_role: OrgRole::Member,
            platform_role,
        }
    }
    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap()
    }
    fn thread(subject: Subject) -> Thread {
        Thread::between(
            ThreadId::from_uuid(Uuid::from_u128(7)),
            subject,
            org(1),
            org(2),
            now(),
        )
    }
    fn tx_subject() -> Subject {
        Subject::Transaction(TransactionId::from_uuid(Uuid::from_u128(5)))
    }
    fn body(text: &str) -> MessageBody {
        MessageBody::parse(text).unwrap()
    }
    fn mid(n: u128) -> MessageId {
        MessageId::from_uuid(Uuid::from_u128(n))
    }

    #[test]
    fn r_x4_only_the_two_parties_see_a_thread_and_admins_read_transaction_threads() {
        let t = thread(tx_subject());
        assert_eq!(
            t.reader(&actor(1, PlatformRole::User)),
            Ok(Reader::Party(Party::Buyer))
        );
        assert_eq!(
            t.reader(&actor(2, PlatformRole::User)),
            Ok(Reader::Party(Party::Provider))
        );
        assert_eq!(
            t.reader(&actor(3, PlatformRole::User)),
            Err(ThreadError::NotFound)
        );
        assert_eq!(
            t.reader(&actor(3, PlatformRole::Moderator)),
            Err(ThreadError::NotFound)
        );
        assert_eq!(t.reader(&actor(3, PlatformRole::Admin)), Ok(Reader::Admin));

        let enquiry = thread(Subject::Enquiry(ServiceListingId::from_uuid(
            Uuid::from_u128(8),
        )));
        assert_eq!(
            enquiry.reader(&actor(3, PlatformRole::Admin)),
            Err(ThreadError::NotFound)
        );
    }

    #[test]
    fn r_x4_strangers_and_admins_cannot_write_and_nothing_changes() {
        let mut t = thread(tx_subject());
        let before = t.clone();
        assert_eq!(
            t.post(&actor(3, PlatformRole::User), mid(1), body("hi"), now()),
            Err(ThreadError::NotFound)
        );
        assert_eq!(
            t.post(
                &actor(3, PlatformRole::SuperAdmin),
                mid(1),
                body("hi"),
                now()
            ),
            Err(ThreadError::ReadOnly)
        );
        assert_eq!(t, before);
    }

    #[test]
    fn r_x4_messages_are_numbered_in_order_and_unread_counts_follow_the_other_party() {
        let mut t = thread(tx_subject());
        let buyer = actor(1, PlatformRole::User);
        let provider = actor(2, PlatformRole::User);
        let first = t
            .post(&buyer, mid(1), body("When can you come?"), now())
            .unwrap();
        let second = t
            .post(&buyer, mid(2), body("Any day works"), now())
            .unwrap();
        assert_eq!((first.seq, second.seq), (1, 2));
        assert_eq!(first.author, Party::Buyer);
        assert_eq!(t.unread(Party::Provider), 2);
        assert_eq!(
            t.unread(Party::Buyer),
            0,
            "one's own messages are never unread"
        );

        let reply = t.post(&provider, mid(3), body("Tuesday"), now()).unwrap();
        assert_eq!(reply.seq, 3);
        assert_eq!(t.unread(Party::Provider), 0, "writing reads the thread");
        assert_eq!(t.unread(Party::Buyer), 1);
        t.mark_read(Party::Buyer);
        assert_eq!(t.unread(Party::Buyer), 0);
        assert_eq!(t.message_count(), 3);

        let restored = Thread::restore(t.clone().into_parts());
        assert_eq!(restored, t);
    }

    #[test]
    fn r_x4_a_body_is_one_to_ten_thousand_characters() {
        assert!(MessageBody::parse(&"é".repeat(10_000)).is_ok());
        assert!(MessageBody::parse(&"é".repeat(10_001)).is_err());
        assert!(MessageBody::parse(" \n ").is_err());
    }
}
