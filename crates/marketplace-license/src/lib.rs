//! License keys (R-L2, R-L3): sign and verify offline.
