//! Subscription tiers, their rank (R-S1) and what an org may hold at once (R-S2).

/// An organization's subscription tier.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Tier {
    Free,
    Starter,
    Growth,
    Elite,
    Enterprise,
    Custom,
}

/// How many items of a kind an org may hold at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limit {
    AtMost(u32),
    Unlimited,
}

impl Limit {
    /// Whether holding `count` items stays within the limit.
    #[must_use]
    pub fn allows(&self, count: usize) -> bool {
        match self {
            Self::AtMost(max) => count <= *max as usize,
            Self::Unlimited => true,
        }
    }
}

impl Tier {
    /// R-S1: FREE 0, STARTER 1, GROWTH 2, ELITE 3, ENTERPRISE and CUSTOM 4.
    #[must_use]
    pub const fn rank(self) -> u8 {
        match self {
            Self::Free => 0,
            Self::Starter => 1,
            Self::Growth => 2,
            Self::Elite => 3,
            Self::Enterprise | Self::Custom => 4,
        }
    }

    /// Whether an org of this tier may buy an item that requires `required`.
    #[must_use]
    pub const fn meets(self, required: Self) -> bool {
        self.rank() >= required.rank()
    }

    /// R-S2: paid tools held at once (FREE tools and tools from a bundle do not count).
    #[must_use]
    pub const fn paid_tool_limit(self) -> Limit {
        match self {
            Self::Free | Self::Starter => Limit::AtMost(0),
            Self::Growth => Limit::AtMost(10),
            Self::Elite | Self::Enterprise | Self::Custom => Limit::Unlimited,
        }
    }

    /// R-S2: bundles held at once.
    #[must_use]
    pub const fn bundle_limit(self) -> Limit {
        match self {
            Self::Free | Self::Starter => Limit::AtMost(0),
            Self::Growth => Limit::AtMost(1),
            Self::Elite | Self::Enterprise | Self::Custom => Limit::Unlimited,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r_s1_tier_ranks() {
        let ranks: Vec<u8> = Tier::ALL.iter().map(|t| t.rank()).collect();
        assert_eq!(ranks, [0, 1, 2, 3, 4, 4]);
        assert!(Tier::Custom.meets(Tier::Enterprise));
        assert!(Tier::Enterprise.meets(Tier::Custom));
        assert!(!Tier::Starter.meets(Tier::Growth));
        assert!(Tier::Growth.meets(Tier::Growth));
    }

    #[test]
    fn r_s2_limits_per_tier() {
        assert_eq!(Tier::Free.paid_tool_limit(), Limit::AtMost(0));
        assert_eq!(Tier::Starter.bundle_limit(), Limit::AtMost(0));
        assert_eq!(Tier::Growth.paid_tool_limit(), Limit::AtMost(10));
        assert_eq!(Tier::Growth.bundle_limit(), Limit::AtMost(1));
        for t in [Tier::Elite, Tier::Enterprise, Tier::Custom] {
            assert_eq!(t.paid_tool_limit(), Limit::Unlimited);
            assert_eq!(t.bundle_limit(), Limit::Unlimited);
        }
        assert!(Limit::AtMost(10).allows(10));
        assert!(!Limit::AtMost(10).allows(11));
    }
}
