//! The licensing context's own typed ids. Orgs, users, tools and entitlements are the
//! kernel's; these two name records only this context keeps.

marketplace_kernel::id_type!(
    /// An API key's record (never the key itself).
    ApiKeyId,
    /// A license: the same id its signed keys carry as `lid`.
    LicenseId,
);

impl From<LicenseId> for marketplace_license::LicenseId {
    fn from(id: LicenseId) -> Self {
        id.0.into()
    }
}

impl From<marketplace_license::LicenseId> for LicenseId {
    fn from(id: marketplace_license::LicenseId) -> Self {
        Self(id.as_uuid())
    }
}
