//! Usage metering rules (R-U*).
