//! Bounded texts, valid by construction: trimmed, and within their length in characters.

use marketplace_kernel::field::FieldError;

macro_rules! bounded_text {
    ($(#[$doc:meta])* $name:ident, $field:literal, $max:expr) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        pub struct $name(String);

        impl $name {
            /// The longest text allowed, in characters.
            pub const MAX_CHARS: usize = $max;

            /// Trims the text.
            ///
            /// # Errors
            /// [`FieldError`] naming the field when it is blank or longer than
            /// [`Self::MAX_CHARS`].
            pub fn parse(raw: &str) -> Result<Self, FieldError> {
                let text = raw.trim();
                if text.is_empty() {
                    return Err(FieldError::new($field, "must not be blank"));
                }
                if text.chars().count() > Self::MAX_CHARS {
                    return Err(FieldError::new(
                        $field,
                        format!("must be at most {} characters", Self::MAX_CHARS),
                    ));
                }
                Ok(Self(text.to_owned()))
            }

            #[must_use]
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

bounded_text!(
    /// R-X1: a provider's business name.
    BusinessName,
    "business_name",
    200
);
bounded_text!(
    /// R-X1: what a provider does.
    ProviderDescription,
    "description",
    5_000
);
bounded_text!(
    /// R-X1: where a provider works.
    Location,
    "location",
    200
);
bounded_text!(
    /// R-X1: how a MANUAL provider is paid (bank details, payable-to).
    PaymentInstructions,
    "payment_instructions",
    2_000
);
bounded_text!(
    /// R-X2: a service listing's title.
    ServiceTitle,
    "title",
    200
);
bounded_text!(
    /// R-X2: a service listing's category (grooming, training, ...).
    ServiceCategory,
    "category",
    100
);
bounded_text!(
    /// R-X2: what a service listing offers.
    ServiceDescription,
    "description",
    10_000
);
bounded_text!(
    /// R-X3: what a transaction is for.
    TransactionDescription,
    "description",
    2_000
);
bounded_text!(
    /// R-X4: a message's body, up to 10,000 characters.
    MessageBody,
    "body",
    10_000
);

impl From<&ServiceTitle> for TransactionDescription {
    /// A transaction without a description of its own is described by its listing's
    /// title: a title is trimmed, not blank, and within a description's bound.
    fn from(title: &ServiceTitle) -> Self {
        Self(title.0.clone())
    }
}
