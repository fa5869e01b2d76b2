//! A small macro for closed sets of values that travel as UPPER_SNAKE labels (database
//! columns, API enums): one list gives `ALL`, `as_str` and `FromStr`.

/// An unknown label was given for a closed set of values.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} {value:?}; expected one of {expected}")]
pub struct UnknownLabel {
    pub kind: &'static str,
    pub value: String,
    pub expected: &'static str,
}

/// A closed set of values with stable labels, so edges (HTTP, storage) can parse and
/// print any of them generically.
pub trait Labelled: Copy + Send + Sync + 'static + std::str::FromStr<Err = UnknownLabel> {
    /// What the values are, for error messages ("tier", "payment method").
    const KIND: &'static str;
    /// Every value, in declaration order.
    fn all() -> &'static [Self];
    /// The value's stable label.
    fn label(&self) -> &'static str;
}

/// Declares `ALL`, `as_str` and `FromStr` for a field-less enum from its labels.
#[macro_export]
macro_rules! labelled {
    ($ty:ty, $kind:literal, { $($variant:ident => $label:literal),+ $(,)? }) => {
        impl $ty {
            /// Every value, in declaration order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The stable UPPER_SNAKE label.
            #[must_use]
            pub const fn as_str(&self) -> &'static str {
                match self { $(Self::$variant => $label),+ }
            }
        }

        impl $crate::labels::Labelled for $ty {
            const KIND: &'static str = $kind;
            fn all() -> &'static [Self] {
                Self::ALL
            }
            fn label(&self) -> &'static str {
                self.as_str()
            }
        }

        impl ::std::str::FromStr for $ty {
            type Err = $crate::labels::UnknownLabel;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($label => Ok(Self::$variant),)+
                    _ => Err($crate::labels::UnknownLabel {
                        kind: $kind,
                        value: s.to_owned(),
                        expected: concat!($($label, " "),+),
                    }),
                }
            }
        }

        impl ::std::fmt::Display for $ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

crate::labelled!(crate::tier::Tier, "tier", {
    Free => "FREE", Starter => "STARTER", Growth => "GROWTH", Elite => "ELITE",
    Enterprise => "ENTERPRISE", Custom => "CUSTOM",
});
crate::labelled!(crate::access::OrgRole, "org role", {
    Owner => "OWNER", Admin => "ADMIN", Member => "MEMBER", Viewer => "VIEWER",
});
crate::labelled!(crate::interval::Interval, "billing interval", {
    Monthly => "MONTHLY", Annual => "ANNUAL",
});
crate::labelled!(crate::access::PlatformRole, "platform role", {
    SuperAdmin => "SUPER_ADMIN", Admin => "ADMIN", Moderator => "MODERATOR",
    Employee => "EMPLOYEE", User => "USER",
});

#[cfg(test)]
mod tests {
    use crate::tier::Tier;

    #[test]
    fn labels_round_trip_and_unknown_ones_are_named() {
        for t in Tier::ALL {
            assert_eq!(t.as_str().parse::<Tier>(), Ok(*t));
        }
        let err = "GOLD".parse::<Tier>().unwrap_err();
        assert_eq!(err.value, "GOLD");
        assert!(err.expected.contains("ELITE"));
    }
}
