//! What a license says: whose it is, for which tool, on which plan, with which features,
//! how many machines, and for how long.

use std::collections::BTreeSet;
use std::fmt;

use crate::ids::{LicenseId, OrgId, ToolId};

/// Why claims cannot be built (or why a key's payload breaks a claims rule).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ClaimsError {
    /// A field the license cannot do without was not given.
    #[error("`{0}` is required")]
    Missing(&'static str),
    /// A plan code must be a [`Code`]: 1 to 64 characters of `A-Z a-z 0-9 _ . : -`.
    #[error("a plan code must be 1 to 64 characters of A-Z, a-z, 0-9, `_`, `.`, `:` or `-`")]
    InvalidPlan,
    /// A feature must be a [`Code`]: 1 to 64 characters of `A-Z a-z 0-9 _ . : -`.
    #[error("a feature must be 1 to 64 characters of A-Z, a-z, 0-9, `_`, `.`, `:` or `-`")]
    InvalidFeature,
    /// More features than a key carries.
    #[error("{count} features, at most {max} allowed", max = Claims::MAX_FEATURES)]
    TooManyFeatures {
        /// How many distinct features were given.
        count: usize,
    },
    /// A license that allows no activation at all.
    #[error("max_activations must be at least 1")]
    NoActivations,
    /// The expiry is not after the issue time.
    #[error("exp ({exp}) must be after iat ({iat})")]
    ExpiresBeforeIssued {
        /// The issue time, Unix seconds.
        iat: u64,
        /// The expiry, Unix seconds.
        exp: u64,
    },
}

/// A plan code or a feature name: 1 to 64 characters of `A-Z a-z 0-9 _ . : -`. The narrow
/// alphabet keeps the payload's JSON free of escapes, so it has one encoding.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Code(String);

impl Code {
    /// Longest code accepted, in characters.
    pub const MAX_LEN: usize = 64;

    /// `None` unless `raw` is 1 to 64 characters of `A-Z a-z 0-9 _ . : -`.
    #[must_use]
    pub fn parse(raw: &str) -> Option<Self> {
        let allowed = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b':' | b'-');
        (!raw.is_empty() && raw.len() <= Self::MAX_LEN && raw.bytes().all(allowed))
            .then(|| Self(raw.to_owned()))
    }

    /// The code as written.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The content of a license, valid by construction: build it with [`Claims::builder`].
///
/// Times are Unix seconds. `exp` is after `iat`, or absent for a perpetual license.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Claims {
    lid: LicenseId,
    org: OrgId,
    tool: ToolId,
    plan: Code,
    features: BTreeSet<Code>,
    max_activations: u32,
    iat: u64,
    exp: Option<u64>,
}

impl Claims {
    /// Most features one license carries; with [`Code::MAX_LEN`] this bounds a key's size.
    pub const MAX_FEATURES: usize = 32;

    /// Starts claims for license `lid`, held by `org`, for `tool`.
    pub fn builder(lid: LicenseId, org: OrgId, tool: ToolId) -> ClaimsBuilder {
        ClaimsBuilder {
            lid,
            org,
            tool,
            plan: None,
            features: Vec::new(),
            max_activations: None,
            iat: None,
            exp: None,
        }
    }

    /// The license's id.
    #[must_use]
    pub fn license_id(&self) -> LicenseId {
        self.lid
    }

    /// The organization holding the license.
    #[must_use]
    pub fn org(&self) -> OrgId {
        self.org
    }

    /// The tool licensed.
    #[must_use]
    pub fn tool(&self) -> ToolId {
        self.tool
    }

    /// The code of the plan bought.
    #[must_use]
    pub fn plan(&self) -> &Code {
        &self.plan
    }

    /// The features granted, sorted and distinct.
    pub fn features(&self) -> impl ExactSizeIterator<Item = &Code> {
        self.features.iter()
    }

    /// True when the license grants `feature`.
    #[must_use]
    pub fn has_feature(&self, feature: &str) -> bool {
        self.features.iter().any(|f| f.as_str() == feature)
    }

    /// How many machines may be activated at once.
    #[must_use]
    pub fn max_activations(&self) -> u32 {
        self.max_activations
    }

    /// When the license was issued, Unix seconds.
    #[must_use]
    pub fn issued_at(&self) -> u64 {
        self.iat
    }

    /// When the license expires, Unix seconds; `None` for a perpetual license.
    #[must_use]
    pub fn expires_at(&self) -> Option<u64> {
        self.exp
    }
}

/// Collects the fields of [`Claims`]; [`build`](Self::build) checks them all at once.
#[derive(Clone, Debug)]
#[must_use]
pub struct ClaimsBuilder {
    lid: LicenseId,
    org: OrgId,
    tool: ToolId,
    plan: Option<String>,
    features: Vec<String>,
    max_activations: Option<u32>,
    iat: Option<u64>,
    exp: Option<u64>,
}

impl ClaimsBuilder {
    /// The plan's code (required).
    pub fn plan(mut self, code: impl Into<String>) -> Self {
        self.plan = Some(code.into());
        self
    }

    /// Adds features; repeats collapse, since features are a set.
    pub fn features<S: Into<String>>(mut self, features: impl IntoIterator<Item = S>) -> Self {
        self.features.extend(features.into_iter().map(Into::into));
        self
    }

    /// How many machines may be activated at once (required, at least 1).
    pub fn max_activations(mut self, max: u32) -> Self {
        self.max_activations = Some(max);
        self
    }

    /// When the license is issued, Unix seconds (required; the caller's clock, not ours).
    pub fn issued_at(mut self, iat: u64) -> Self {
        self.iat = Some(iat);
        self
    }

    /// When the license expires, Unix seconds; `None` (the default) for perpetual.
    pub fn expires_at(mut self, exp: impl Into<Option<u64>>) -> Self {
        self.exp = exp.into();
        self
    }

    /// # Errors
    /// [`ClaimsError`] naming the first rule broken.
    pub fn build(self) -> Result<Claims, ClaimsError> {
        let plan = self.plan.ok_or(ClaimsError::Missing("plan"))?;
        let plan = Code::parse(&plan).ok_or(ClaimsError::InvalidPlan)?;
        let features = self
            .features
            .iter()
            .map(|f| Code::parse(f).ok_or(ClaimsError::InvalidFeature))
            .collect::<Result<BTreeSet<_>, _>>()?;
        if features.len() > Claims::MAX_FEATURES {
            return Err(ClaimsError::TooManyFeatures {
                count: features.len(),
            });
        }
        let max_activations = self
            .max_activations
            .ok_or(ClaimsError::Missing("max_activations"))?;
        if max_activations == 0 {
            return Err(ClaimsError::NoActivations);
        }
        let iat = self.iat.ok_or(ClaimsError::Missing("iat"))?;
        if let Some(exp) = self.exp
            && exp <= iat
        {
            return Err(ClaimsError::ExpiresBeforeIssued { iat, exp });
        }
        Ok(Claims {
            lid: self.lid,
            org: self.org,
            tool: self.tool,
            plan,
            features,
            max_activations,
            iat,
            exp: self.exp,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn builder() -> ClaimsBuilder {
        Claims::builder(
            Uuid::from_u128(1).into(),
            Uuid::from_u128(2).into(),
            Uuid::from_u128(3).into(),
        )
        .plan("PRO")
        .max_activations(5)
        .issued_at(1_000)
    }

    #[test]
    fn plan_max_activations_and_iat_are_required() {
        let bare = Claims::builder(Uuid::nil().into(), Uuid::nil().into(), Uuid::nil().into());
        assert_eq!(bare.clone().build(), Err(ClaimsError::Missing("plan")));
        assert_eq!(
            bare.clone().plan("PRO").build(),
            Err(ClaimsError::Missing("max_activations"))
        );
        assert_eq!(
            bare.plan("PRO").max_activations(1).build(),
            Err(ClaimsError::Missing("iat"))
        );
    }

    #[test]
    fn codes_are_1_to_64_safe_characters() {
        for good in ["PRO", "team-50", "export.pdf", "api:write", &"x".repeat(64)] {
            assert!(Code::parse(good).is_some(), "{good:?}");
        }
        for bad in [
            "",
            "with space",
            "quote\"",
            "back\\slash",
            "é",
            &"x".repeat(65),
        ] {
            assert!(Code::parse(bad).is_none(), "{bad:?}");
        }
        assert_eq!(builder().plan("a b").build(), Err(ClaimsError::InvalidPlan));
        assert_eq!(
            builder().features(["ok", "not ok"]).build(),
            Err(ClaimsError::InvalidFeature)
        );
    }

    #[test]
    fn features_are_a_sorted_set_of_at_most_32() {
        let claims = builder()
            .features(["sso", "export", "sso"])
            .build()
            .unwrap();
        let names: Vec<&str> = claims.features().map(Code::as_str).collect();
        assert_eq!(names, ["export", "sso"]);
        assert!(claims.has_feature("sso"));
        assert!(!claims.has_feature("audit"));

        let many = |n: usize| (0..n).map(|i| format!("f{i}")).collect::<Vec<_>>();
        assert!(builder().features(many(32)).build().is_ok());
        assert_eq!(
            builder().features(many(33)).build(),
            Err(ClaimsError::TooManyFeatures { count: 33 })
        );
    }

    #[test]
    fn at_least_one_activation() {
        assert_eq!(
            builder().max_activations(0).build(),
            Err(ClaimsError::NoActivations)
        );
        assert_eq!(
            builder()
                .max_activations(1)
                .build()
                .unwrap()
                .max_activations(),
            1
        );
    }

    #[test]
    fn expiry_comes_after_issue_or_never() {
        assert_eq!(
            builder().expires_at(1_000).build(),
            Err(ClaimsError::ExpiresBeforeIssued {
                iat: 1_000,
                exp: 1_000
            })
        );
        assert_eq!(
            builder().expires_at(1_001).build().unwrap().expires_at(),
            Some(1_001)
        );
        assert_eq!(builder().build().unwrap().expires_at(), None);
        assert_eq!(
            builder().expires_at(None).build().unwrap().expires_at(),
            None
        );
    }
}
