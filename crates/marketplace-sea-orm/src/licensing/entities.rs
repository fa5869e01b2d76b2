//! The licensing tables as sea-orm entities, private to this module.

/// `api_keys`: one org's key, as its digest and hint.
pub(crate) mod api_keys {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "api_keys")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub org_id: Uuid,
        pub label: String,
        /// Space-separated scope labels.
        pub scopes: String,
        pub digest: String,
        pub hint_prefix: String,
        pub last4: String,
        pub environment: String,
        pub created_by: Uuid,
        pub created_at: DateTimeUtc,
        pub last_used_at: Option<DateTimeUtc>,
        pub expires_at: Option<DateTimeUtc>,
        pub revoked_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// `licenses`: one per entitlement.
pub(super) mod licenses {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "licenses")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub org_id: Uuid,
        pub tool_id: Uuid,
        pub entitlement_id: Uuid,
        pub plan_code: String,
        /// Space-separated feature codes, sorted.
        pub features: String,
        pub max_activations: i32,
        pub status: String,
        pub issued_at: DateTimeUtc,
        pub expires_at: Option<DateTimeUtc>,
        /// Counts the writes; bumped by every change.
        pub version: i64,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// `license_activations`: a machine activated on a license.
pub(super) mod license_activations {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "license_activations")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub license_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub fingerprint: String,
        pub org_id: Uuid,
        pub name: Option<String>,
        pub activated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
