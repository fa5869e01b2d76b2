//! Licenses.
