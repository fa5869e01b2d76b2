//! The services context's own typed ids. A provider is named by its seller's id
//! ([`marketplace_kernel::ids::SellerId`]): it is that seller's profile, not another party.

marketplace_kernel::id_type!(
    /// A service listing.
    ServiceListingId,
    /// A transaction between a buyer org and a provider.
    TransactionId,
    /// A message thread (of a transaction, or an enquiry about a listing).
    ThreadId,
    /// One message of a thread.
    MessageId,
    /// A buyer's rating of a provider.
    ProviderRatingId,
);
