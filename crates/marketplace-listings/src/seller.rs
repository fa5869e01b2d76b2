//! A seller's public profile (R-G1): what an org says about itself when it registers.

use marketplace_domain::field::FieldError;
use marketplace_domain::ids::{OrgId, SellerId};

/// A seller's profile. Fields are private: a profile in hand is valid.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SellerProfile {
    seller_id: SellerId,
    org_id: OrgId,
    display_name: String,
    description: String,
    website: Option<String>,
    support_email: String,
}

/// A registration as the org describes itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Registration {
    pub display_name: String,
    pub description: String,
    pub website: Option<String>,
    pub support_email: String,
}

impl Registration {
    /// Validates every field at once: a display name of 1..=200 characters, a description
    /// of at most 5000, an https website, a plausible e-mail address.
    ///
    /// # Errors
    /// Every [`FieldError`].
    pub fn into_profile(
        self,
        seller_id: SellerId,
        org_id: OrgId,
    ) -> Result<SellerProfile, Vec<FieldError>> {
        let mut faults = Vec::new();
        let name = self.display_name.trim();
        if name.is_empty() || name.chars().count() > 200 {
            faults.push(FieldError::new(
                "display_name",
                "must be 1 to 200 characters",
            ));
        }
        if self.description.chars().count() > 5000 {
            faults.push(FieldError::new(
                "description",
                "must be at most 5000 characters",
            ));
        }
        let website = self
            .website
            .map(|w| w.trim().to_owned())
            .filter(|w| !w.is_empty());
        if let Some(w) = &website
            && (!w.starts_with("https://")
                || w.len() <= "https://".len()
                || w.len() > 500
                || w.contains(char::is_whitespace))
        {
            faults.push(FieldError::new(
                "website",
                "must be an https URL of at most 500 characters",
            ));
        }
        let email = self.support_email.trim();
        if !plausible_email(email) {
            faults.push(FieldError::new(
                "support_email",
                "must be an e-mail address",
            ));
        }
        if !faults.is_empty() {
            return Err(faults);
        }
        Ok(SellerProfile {
            seller_id,
            org_id,
            display_name: name.to_owned(),
            description: self.description,
            website,
            support_email: email.to_owned(),
        })
    }
}

fn plausible_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && s.len() <= 254
        && !s.contains(char::is_whitespace)
        && !domain.contains('@')
}

impl SellerProfile {
    /// A profile as stored.
    #[must_use]
    pub const fn restore(
        seller_id: SellerId,
        org_id: OrgId,
        display_name: String,
        description: String,
        website: Option<String>,
        support_email: String,
    ) -> Self {
        Self {
            seller_id,
            org_id,
            display_name,
            description,
            website,
            support_email,
        }
    }

    #[must_use]
    pub const fn seller_id(&self) -> SellerId {
        self.seller_id
    }

    #[must_use]
    pub const fn org_id(&self) -> OrgId {
        self.org_id
    }

    #[must_use]
    pub fn display_name(&self) -> &str {
        &self.display_name
    }

    #[must_use]
    pub fn description(&self) -> &str {
        &self.description
    }

    #[must_use]
    pub fn website(&self) -> Option<&str> {
        self.website.as_deref()
    }

    #[must_use]
    pub fn support_email(&self) -> &str {
        &self.support_email
    }
}
