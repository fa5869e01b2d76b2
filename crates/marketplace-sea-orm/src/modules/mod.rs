//! The installation context's ports (`marketplace-modules`) over SQL: the catalog of
//! module versions, each org's installations and generations, the attempt log and
//! update notices (tables of the `module_installations` migration).
//!
//! - [`catalog`]: `ModuleCatalog`, global (no tenant): a resolution's slice of the catalog
//!   read as the closure of the roots over their dependencies, one level per query.
//! - [`installations`]: `Installations`, the one change at a time per org: `apply` locks
//!   the org's installation head (`SELECT … FOR UPDATE` on PostgreSQL; SQLite's single
//!   writer serializes the same transaction) and writes only while the head is still the
//!   generation the record follows.
//! - [`log`] (`InstallLog`) and [`notices`] (`Notices`).
//!
//! `Entitlements` is not implemented here: the app wires it over the domain's holdings
//! (`HoldingsRepository`), which this store already answers.
//!
//! Plain statements, no entities: [`sql::statement`] writes `?` placeholders once for
//! both backends.

mod catalog;
mod installations;
mod labels;
mod log;
mod notices;
mod sql;
