//! Module versions and installation (R-I*).
