//! What an API key may do (R-A1): a non-empty set of scopes, each one endpoint family.

use std::collections::BTreeSet;

use marketplace_kernel::field::FieldError;

/// One thing a key may do, labelled as the API writes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    /// Validate license keys online.
    LicensesValidate,
    /// Report usage events.
    UsageWrite,
    /// Read usage totals.
    UsageRead,
    /// Ask whether the org may use a tool, and how much is left.
    EntitlementsRead,
}
marketplace_kernel::labelled!(Scope, "API key scope", {
    LicensesValidate => "licenses:validate",
    UsageWrite => "usage:write",
    UsageRead => "usage:read",
    EntitlementsRead => "entitlements:read",
});

/// The scopes of one key: at least one, each once.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Scopes(BTreeSet<Scope>);

impl Scopes {
    /// The scopes given, repeats collapsed.
    ///
    /// # Errors
    /// [`FieldError`] on `scopes` when none is given.
    pub fn new(scopes: impl IntoIterator<Item = Scope>) -> Result<Self, FieldError> {
        let set: BTreeSet<Scope> = scopes.into_iter().collect();
        if set.is_empty() {
            return Err(FieldError::new("scopes", "at least one scope is required"));
        }
        Ok(Self(set))
    }

    /// The scopes named by their labels, as a request or a stored row has them.
    ///
    /// # Errors
    /// [`FieldError`] on `scopes` naming an unknown label, or when none is given.
    pub fn parse<S: AsRef<str>>(labels: impl IntoIterator<Item = S>) -> Result<Self, FieldError> {
        let scopes = labels
            .into_iter()
            .map(|label| label.as_ref().parse::<Scope>())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|unknown| FieldError::new("scopes", unknown.to_string()))?;
        Self::new(scopes)
    }

    /// Whether `scope` is among these.
    #[must_use]
    pub fn contains(&self, scope: Scope) -> bool {
        self.0.contains(&scope)
    }

    /// The scopes in declaration order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = Scope> + '_ {
        self.0.iter().copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r_a1_scopes_are_the_four_labels_of_the_api() {
        let labels: Vec<&str> = Scope::ALL.iter().map(Scope::as_str).collect();
        assert_eq!(
            labels,
            [
                "licenses:validate",
                "usage:write",
                "usage:read",
                "entitlements:read"
            ]
        );
        for scope in Scope::ALL {
            assert_eq!(scope.as_str().parse::<Scope>(), Ok(*scope));
        }
        assert!("usage:delete".parse::<Scope>().is_err());
        assert!("USAGE:WRITE".parse::<Scope>().is_err());
    }

    #[test]
    fn r_a1_a_key_has_a_non_empty_set_of_known_scopes() {
        let scopes = Scopes::parse(["usage:write", "usage:read", "usage:write"]).unwrap();
        assert_eq!(
            scopes.iter().collect::<Vec<_>>(),
            [Scope::UsageWrite, Scope::UsageRead]
        );
        assert!(scopes.contains(Scope::UsageRead));
        assert!(!scopes.contains(Scope::LicensesValidate));

        let none = Scopes::parse(Vec::<String>::new()).unwrap_err();
        assert_eq!(none.field, "scopes");
        let unknown = Scopes::parse(["usage:write", "admin"]).unwrap_err();
        assert_eq!(unknown.field, "scopes");
        assert!(unknown.message.contains("admin"), "{}", unknown.message);
        assert!(Scopes::new([]).is_err());
    }
}
