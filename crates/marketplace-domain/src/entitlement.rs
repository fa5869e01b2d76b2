//! Entitlements and bundle expansion (R-E1..R-E3): which tools an org may use, and from
//! which purchase that right comes.

use std::collections::HashSet;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::access::{AccessPolicy, Actor, Forbidden, Permission};
use crate::catalog::PriceModel;
use crate::ids::{BundleId, EntitlementId, OrgId, PurchaseId, ToolId};
use crate::item::ItemRef;
use crate::paging::{Page, PageRequest};
use crate::ports::{Clock, IdGenerator, IdGeneratorExt, RepoError};

/// Where an entitlement comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EntitlementSource {
    /// A purchase of the tool itself.
    Purchase,
    /// A purchase of a bundle that holds the tool.
    Bundle,
}
crate::labelled!(EntitlementSource, "entitlement source", { Purchase => "PURCHASE", Bundle => "BUNDLE" });

/// The right of an org to use a tool, granted by one purchase.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entitlement {
    pub id: EntitlementId,
    pub org_id: OrgId,
    pub tool_id: ToolId,
    pub purchase_id: PurchaseId,
    pub source: EntitlementSource,
    pub granted_at: DateTime<Utc>,
    /// The end of a recurring purchase's paid period; `None` for a one-time purchase.
    pub until: Option<DateTime<Utc>>,
    /// When it was ended by a cancellation, expiry or refund.
    pub ended_at: Option<DateTime<Utc>>,
}

impl Entitlement {
    /// Whether it grants use at `now`.
    #[must_use]
    pub fn is_active(&self, now: DateTime<Utc>) -> bool {
        self.ended_at.is_none() && self.until.is_none_or(|u| now < u)
    }
}

/// R-S2: whether holding a tool priced `model` counts toward the tier's paid-tool limit
/// when the org bought the tool itself: every price model but FREE does. Tools that come
/// with a bundle never count (the bundle counts toward the bundle limit instead).
#[must_use]
pub const fn counts_toward_paid_tool_limit(model: PriceModel) -> bool {
    !matches!(model, PriceModel::Free)
}

/// An active purchase as the holdings see it: the facts a store reports, from which the
/// domain decides what counts toward the tier's limits (R-S2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeldPurchase {
    pub purchase_id: PurchaseId,
    pub item: ItemRef,
    /// The tools the item covers (a tool: itself; a bundle: its tools).
    pub tools: Vec<ToolId>,
    /// The price model of a tool bought directly, as the catalog has it now; `None` for a
    /// bundle (and for a tool the catalog does not know).
    pub price_model: Option<PriceModel>,
}

impl HeldPurchase {
    /// R-S2: whether this purchase takes one of the tier's paid-tool slots: a tool bought
    /// directly whose price model is not FREE.
    #[must_use]
    pub fn counts_toward_paid_tool_limit(&self) -> bool {
        matches!(self.item, ItemRef::Tool(_))
            && self.price_model.is_some_and(counts_toward_paid_tool_limit)
    }
}

/// What an org holds now: its active purchases and entitlements. The one place that
/// answers "does org X hold tool Y" (R-E3).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Holdings {
    purchases: Vec<HeldPurchase>,
    entitled: HashSet<ToolId>,
}

impl Holdings {
    /// Builds the holdings from active purchases and the entitlements in force at `now`.
    #[must_use]
    pub fn new(
        purchases: Vec<HeldPurchase>,
        entitlements: &[Entitlement],
        now: DateTime<Utc>,
    ) -> Self {
        let entitled = entitlements
            .iter()
            .filter(|e| e.is_active(now))
            .map(|e| e.tool_id)
            .collect();
        Self {
            purchases,
            entitled,
        }
    }

    /// R-E3: whether the org may use `tool` now, however it came to hold it.
    #[must_use]
    pub fn holds_tool(&self, tool: ToolId) -> bool {
        self.entitled.contains(&tool)
    }

    /// Whether the org holds an active purchase of the bundle itself.
    #[must_use]
    pub fn holds_bundle(&self, bundle: BundleId) -> bool {
        self.purchases
            .iter()
            .any(|p| p.item == ItemRef::Bundle(bundle))
    }

    /// Whether the org bought `tool` itself (not through a bundle).
    #[must_use]
    pub fn holds_directly(&self, tool: ToolId) -> bool {
        self.purchases.iter().any(|p| p.item == ItemRef::Tool(tool))
    }

    /// R-S2: the held purchases that count toward the paid-tool limit (see
    /// [`HeldPurchase::counts_toward_paid_tool_limit`]).
    #[must_use]
    pub fn paid_tools(&self) -> usize {
        self.purchases
            .iter()
            .filter(|p| p.counts_toward_paid_tool_limit())
            .count()
    }

    /// R-S2: bundles held.
    #[must_use]
    pub fn bundles(&self) -> usize {
        self.purchases
            .iter()
            .filter(|p| matches!(p.item, ItemRef::Bundle(_)))
            .count()
    }

    /// The active purchases.
    #[must_use]
    pub fn purchases(&self) -> &[HeldPurchase] {
        &self.purchases
    }
}

/// R-E1: the entitlements a purchase grants. A bundle grants one per tool, except for
/// tools the org already holds directly, which keep their direct entitlement.
#[must_use]
#[allow(clippy::too_many_arguments)] // each argument is a distinct fact of the grant
pub fn grant(
    org_id: OrgId,
    purchase_id: PurchaseId,
    item: ItemRef,
    tools: &[ToolId],
    until: Option<DateTime<Utc>>,
    holdings: &Holdings,
    ids: &dyn IdGenerator,
    now: DateTime<Utc>,
) -> Vec<Entitlement> {
    let source = match item {
        ItemRef::Tool(_) => EntitlementSource::Purchase,
        ItemRef::Bundle(_) => EntitlementSource::Bundle,
    };
    tools
        .iter()
        .filter(|t| source == EntitlementSource::Purchase || !holdings.holds_directly(**t))
        .map(|&tool_id| Entitlement {
            id: ids.new_id(),
            org_id,
            tool_id,
            purchase_id,
            source,
            granted_at: now,
            until,
            ended_at: None,
        })
        .collect()
}

/// R-E2: when `ending` stops, the tools it covered that another active bundle purchase
/// also covers get a bundle entitlement from that purchase (R-E1 had withheld it while the
/// direct purchase was active). Tools held another way keep their own entitlement.
#[must_use]
pub fn successors(
    org_id: OrgId,
    ending: &HeldPurchase,
    holdings: &Holdings,
    ids: &dyn IdGenerator,
    now: DateTime<Utc>,
) -> Vec<Entitlement> {
    if !matches!(ending.item, ItemRef::Tool(_)) {
        return Vec::new();
    }
    ending
        .tools
        .iter()
        .filter_map(|tool| {
            holdings
                .purchases
                .iter()
                .find(|p| {
                    p.purchase_id != ending.purchase_id
                        && matches!(p.item, ItemRef::Bundle(_))
                        && p.tools.contains(tool)
                })
                .map(|p| Entitlement {
                    id: ids.new_id(),
                    org_id,
                    tool_id: *tool,
                    purchase_id: p.purchase_id,
                    source: EntitlementSource::Bundle,
                    granted_at: now,
                    until: None,
                    ended_at: None,
                })
        })
        .collect()
}

/// Where entitlements and active purchases are read.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait HoldingsRepository: Send + Sync {
    /// The org's ACTIVE purchases and its entitlements in force at `now`.
    async fn holdings(&self, org: OrgId, now: DateTime<Utc>) -> Result<Holdings, RepoError>;

    /// The org's entitlements in force at `now`, oldest first.
    async fn entitlements(
        &self,
        org: OrgId,
        now: DateTime<Utc>,
    ) -> Result<Vec<Entitlement>, RepoError>;

    /// One page of the org's entitlements in force at `now`, oldest first (ties by id),
    /// and the count of all of them.
    async fn entitlement_page(
        &self,
        org: OrgId,
        now: DateTime<Utc>,
        page: PageRequest,
    ) -> Result<Page<Entitlement>, RepoError>;
}

/// What reading holdings can fail with.
#[derive(Debug, thiserror::Error)]
pub enum HoldingsError {
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    #[error("infrastructure failure")]
    Infrastructure(#[from] RepoError),
}

/// The org's holdings, for its members.
#[derive(Clone)]
pub struct EntitlementService {
    holdings: Arc<dyn HoldingsRepository>,
    clock: Arc<dyn Clock>,
    policy: AccessPolicy,
}

impl std::fmt::Debug for EntitlementService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EntitlementService").finish_non_exhaustive()
    }
}

impl EntitlementService {
    pub fn new(holdings: Arc<dyn HoldingsRepository>, clock: Arc<dyn Clock>) -> Self {
        Self {
            holdings,
            clock,
            policy: AccessPolicy,
        }
    }

    /// A page of the tools the actor's org may use now, each with its source.
    ///
    /// # Errors
    /// `Infrastructure`.
    pub async fn list(
        &self,
        actor: &Actor,
        page: PageRequest,
    ) -> Result<Page<Entitlement>, HoldingsError> {
        self.policy.require(actor, Permission::ViewHoldings)?;
        Ok(self
            .holdings
            .entitlement_page(actor.org_id, self.clock.now(), page)
            .await?)
    }

    /// R-E3: whether the actor's org holds `tool` now.
    ///
    /// # Errors
    /// `Infrastructure`.
    pub async fn holds(&self, actor: &Actor, tool: ToolId) -> Result<bool, HoldingsError> {
        self.policy.require(actor, Permission::ViewHoldings)?;
        Ok(self
            .holdings
            .holdings(actor.org_id, self.clock.now())
            .await?
            .holds_tool(tool))
    }
}

/// R-G5: the catalog shows an item its seller withholds to the orgs that hold it.
#[async_trait]
impl crate::catalog::Holders for EntitlementService {
    async fn holds(&self, org: OrgId, item: ItemRef) -> Result<bool, RepoError> {
        let held = self.holdings.holdings(org, self.clock.now()).await?;
        Ok(match item {
            ItemRef::Tool(t) => held.holds_tool(t),
            ItemRef::Bundle(b) => held.holds_bundle(b),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::MockIdGenerator;
    use uuid::Uuid;

    fn ids() -> MockIdGenerator {
        let mut g = MockIdGenerator::new();
        g.expect_new_uuid().returning(Uuid::new_v4);
        g
    }

    fn t(n: u128) -> ToolId {
        ToolId::from_uuid(Uuid::from_u128(n))
    }

    fn p(n: u128) -> PurchaseId {
        PurchaseId::from_uuid(Uuid::from_u128(n))
    }

    fn org() -> OrgId {
        OrgId::from_uuid(Uuid::from_u128(1))
    }

    /// A fixed instant: these rules do not depend on the time of day.
    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_750_000_000, 0).unwrap()
    }

    /// A direct purchase of tool `n` priced `model`, and its entitlement.
    fn direct(n: u128, model: PriceModel) -> (HeldPurchase, Entitlement) {
        let held = HeldPurchase {
            purchase_id: p(100 + n),
            item: ItemRef::Tool(t(n)),
            tools: vec![t(n)],
            price_model: Some(model),
        };
        (
            held,
            entitlement(t(n), p(100 + n), EntitlementSource::Purchase),
        )
    }

    fn entitlement(
        tool_id: ToolId,
        purchase_id: PurchaseId,
        source: EntitlementSource,
    ) -> Entitlement {
        Entitlement {
            id: EntitlementId::from_uuid(Uuid::new_v4()),
            org_id: org(),
            tool_id,
            purchase_id,
            source,
            granted_at: now(),
            until: None,
            ended_at: None,
        }
    }

    #[test]
    fn r_e1_bundle_grants_one_per_tool_but_no_duplicate_of_a_direct_one() {
        let direct = HeldPurchase {
            purchase_id: p(10),
            item: ItemRef::Tool(t(2)),
            tools: vec![t(2)],
            price_model: Some(PriceModel::OneTime),
        };
        let ent = Entitlement {
            id: EntitlementId::from_uuid(Uuid::from_u128(5)),
            org_id: org(),
            tool_id: t(2),
            purchase_id: p(10),
            source: EntitlementSource::Purchase,
            granted_at: now(),
            until: None,
            ended_at: None,
        };
        let holdings = Holdings::new(vec![direct], &[ent], now());
        let bundle = ItemRef::Bundle(BundleId::from_uuid(Uuid::from_u128(7)));
        let granted = grant(
            org(),
            p(11),
            bundle,
            &[t(1), t(2), t(3)],
            None,
            &holdings,
            &ids(),
            now(),
        );
        let tools: Vec<ToolId> = granted.iter().map(|e| e.tool_id).collect();
        assert_eq!(tools, [t(1), t(3)]);
        assert!(
            granted
                .iter()
                .all(|e| e.source == EntitlementSource::Bundle && e.purchase_id == p(11))
        );
    }

    #[test]
    fn r_e2_ending_a_direct_purchase_hands_the_tool_to_a_covering_bundle() {
        let direct = HeldPurchase {
            purchase_id: p(10),
            item: ItemRef::Tool(t(2)),
            tools: vec![t(2)],
            price_model: Some(PriceModel::OneTime),
        };
        let bundle = HeldPurchase {
            purchase_id: p(11),
            item: ItemRef::Bundle(BundleId::from_uuid(Uuid::from_u128(7))),
            tools: vec![t(1), t(2)],
            price_model: None,
        };
        let holdings = Holdings::new(vec![direct.clone(), bundle], &[], now());
        let next = successors(org(), &direct, &holdings, &ids(), now());
        assert_eq!(next.len(), 1);
        assert_eq!(
            (next[0].tool_id, next[0].purchase_id, next[0].source),
            (t(2), p(11), EntitlementSource::Bundle)
        );
        // Without a covering bundle nothing replaces it.
        let alone = Holdings::new(vec![direct.clone()], &[], now());
        assert!(successors(org(), &direct, &alone, &ids(), now()).is_empty());
    }

    #[test]
    fn r_e3_holding_is_answered_from_entitlements_in_force() {
        let now = now();
        let mk = |tool, until: Option<DateTime<Utc>>, ended_at| Entitlement {
            id: EntitlementId::from_uuid(Uuid::new_v4()),
            org_id: org(),
            tool_id: tool,
            purchase_id: p(1),
            source: EntitlementSource::Purchase,
            granted_at: now,
            until,
            ended_at,
        };
        let ents = [
            mk(t(1), None, None),
            mk(t(2), Some(now - chrono::Duration::seconds(1)), None),
            mk(t(3), None, Some(now)),
            mk(t(4), Some(now + chrono::Duration::days(1)), None),
            mk(t(5), Some(now), None),
        ];
        let h = Holdings::new(vec![], &ents, now);
        assert!(h.holds_tool(t(1)));
        assert!(!h.holds_tool(t(2)), "expired period");
        assert!(!h.holds_tool(t(3)), "ended");
        assert!(h.holds_tool(t(4)));
        assert!(!h.holds_tool(t(5)), "a period's end is exclusive (R-R1)");
    }

    #[test]
    fn r_s2_free_tools_held_directly_do_not_count_toward_the_paid_tool_limit() {
        let held = [
            direct(1, PriceModel::Free),
            direct(2, PriceModel::OneTime),
            direct(3, PriceModel::Monthly),
            direct(4, PriceModel::Free),
            direct(5, PriceModel::Annual),
            direct(6, PriceModel::UsageBased),
        ];
        let (purchases, ents): (Vec<_>, Vec<_>) = held.into_iter().unzip();
        let h = Holdings::new(purchases, &ents, now());
        assert_eq!(
            h.paid_tools(),
            4,
            "the two FREE tools take no paid-tool slot"
        );
        assert_eq!(h.bundles(), 0);
        assert!(
            h.holds_tool(t(1)) && h.holds_tool(t(4)),
            "free tools are still held"
        );
        assert!(!counts_toward_paid_tool_limit(PriceModel::Free));
        for model in PriceModel::ALL.iter().filter(|m| **m != PriceModel::Free) {
            assert!(counts_toward_paid_tool_limit(*model), "{model} counts");
        }
    }

    #[test]
    fn r_s2_tools_that_come_with_a_bundle_do_not_count_toward_the_paid_tool_limit() {
        let bundle = HeldPurchase {
            purchase_id: p(50),
            item: ItemRef::Bundle(BundleId::from_uuid(Uuid::from_u128(7))),
            tools: vec![t(1), t(2), t(3)],
            price_model: None,
        };
        let ents: Vec<Entitlement> = bundle
            .tools
            .iter()
            .map(|tool| entitlement(*tool, p(50), EntitlementSource::Bundle))
            .collect();
        let (paid, paid_ent) = direct(9, PriceModel::OneTime);
        let mut all = ents.clone();
        all.push(paid_ent);
        let h = Holdings::new(vec![bundle.clone(), paid], &all, now());
        assert_eq!(
            (h.paid_tools(), h.bundles()),
            (1, 1),
            "the bundle's three tools count once, toward the bundle limit"
        );
        assert!(h.holds_tool(t(2)));
        // Whatever a store reports for a bundle, its tools take no paid-tool slot.
        let priced = HeldPurchase {
            price_model: Some(PriceModel::OneTime),
            ..bundle
        };
        assert!(!priced.counts_toward_paid_tool_limit());
        let h = Holdings::new(vec![priced], &ents, now());
        assert_eq!((h.paid_tools(), h.bundles()), (0, 1));
    }

    #[tokio::test]
    async fn listing_entitlements_asks_the_store_for_the_one_page_requested() {
        use crate::catalog::fixtures::{clock, org_id, owner};
        use mockall::predicate::eq;

        let request = PageRequest::new(Some(3), Some(6)).unwrap();
        let mut holdings = MockHoldingsRepository::new();
        holdings
            .expect_entitlement_page()
            .with(
                eq(org_id()),
                eq(crate::catalog::fixtures::now()),
                eq(request),
            )
            .times(1)
            .returning(|_, _, page| {
                Ok(Page {
                    items: Vec::new(),
                    total: 9,
                    limit: page.limit(),
                    offset: page.offset(),
                })
            });
        holdings.expect_entitlements().times(0);
        let svc = EntitlementService::new(Arc::new(holdings), Arc::new(clock()));
        let page = svc.list(&owner(), request).await.unwrap();
        assert_eq!((page.total, page.limit, page.offset), (9, 3, 6));
    }
}
