//! The marketplace domain.
