//! A payout provider (Stripe Connect) that does what it is told and honours idempotency
//! keys like Stripe: the same key answers with the same transfer and moves money once.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard, PoisonError};

use async_trait::async_trait;
use marketplace_domain::checkout::PaymentError;
use marketplace_domain::ids::SellerId;
use marketplace_domain::money::Money;
use marketplace_domain::seller::{ConnectAccount, PayoutGateway, Transfer};

/// What a transfer to an account does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TransferBehaviour {
    /// Transfers.
    Succeed,
    /// Refused for good (Stripe's 400: no such destination, insufficient balance…).
    Refuse(String),
    /// Stripe cannot be reached: whether money moved is unknown (nothing moves here).
    Unavailable,
}

/// One transfer request, as sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TransferRequest {
    pub account_id: String,
    pub amount: Money,
    pub idempotency_key: String,
}

#[derive(Debug, Default)]
struct PayoutState {
    /// By account; accounts not listed succeed.
    behaviour: HashMap<String, TransferBehaviour>,
    requests: Vec<TransferRequest>,
    /// Transfers made, by idempotency key: the money moved once per key.
    made: BTreeMap<String, (Transfer, TransferRequest)>,
    accounts: BTreeMap<String, SellerId>,
    links: Vec<(String, String, String)>,
}

/// The in-memory [`PayoutGateway`].
#[derive(Debug, Default)]
pub struct FakePayoutGateway {
    state: Mutex<PayoutState>,
}

impl FakePayoutGateway {
    fn lock(&self) -> MutexGuard<'_, PayoutState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// What transfers to `account_id` do from now on.
    pub fn set_behaviour(&self, account_id: &str, behaviour: TransferBehaviour) {
        self.lock()
            .behaviour
            .insert(account_id.to_owned(), behaviour);
    }

    /// Every transfer request, in order (retries with the same key included).
    #[must_use]
    pub fn requests(&self) -> Vec<TransferRequest> {
        self.lock().requests.clone()
    }

    /// The transfers that moved money, one per idempotency key, by key.
    #[must_use]
    pub fn transfers(&self) -> Vec<TransferRequest> {
        self.lock().made.values().map(|(_, r)| r.clone()).collect()
    }

    /// The total moved to `account_id`.
    #[must_use]
    pub fn paid_to(&self, account_id: &str) -> Option<Money> {
        let made = self.transfers();
        let mut to = made.iter().filter(|r| r.account_id == account_id);
        let first = to.next()?.amount;
        to.try_fold(first, |sum, r| sum.checked_add(r.amount).ok())
    }

    /// Onboarding links handed out: (account, refresh url, return url).
    #[must_use]
    pub fn links(&self) -> Vec<(String, String, String)> {
        self.lock().links.clone()
    }
}

#[async_trait]
impl PayoutGateway for FakePayoutGateway {
    async fn transfer(
        &self,
        account_id: &str,
        amount: Money,
        idempotency_key: &str,
    ) -> Result<Transfer, PaymentError> {
        let mut s = self.lock();
        let request = TransferRequest {
            account_id: account_id.to_owned(),
            amount,
            idempotency_key: idempotency_key.to_owned(),
        };
        s.requests.push(request.clone());
        if let Some((transfer, first)) = s.made.get(idempotency_key) {
            if *first != request {
                return Err(PaymentError::Invalid(
                    "Keys for idempotent requests can only be used with the same parameters".into(),
                ));
            }
            return Ok(transfer.clone());
        }
        match s
            .behaviour
            .get(account_id)
            .cloned()
            .unwrap_or(TransferBehaviour::Succeed)
        {
            TransferBehaviour::Succeed => {
                let transfer = Transfer {
                    id: format!("tr_fake_{}", s.made.len() + 1),
                };
                s.made.insert(
                    idempotency_key.to_owned(),
                    (transfer.clone(), request.clone()),
                );
                Ok(transfer)
            }
            TransferBehaviour::Refuse(message) => Err(PaymentError::Invalid(message)),
            TransferBehaviour::Unavailable => Err(PaymentError::Unavailable(
                "the payout provider cannot be reached".into(),
            )),
        }
    }

    async fn create_account(
        &self,
        seller: SellerId,
        _idempotency_key: &str,
    ) -> Result<ConnectAccount, PaymentError> {
        let mut s = self.lock();
        let existing = s
            .accounts
            .iter()
            .find(|(_, owner)| **owner == seller)
            .map(|(id, _)| id.clone());
        let account_id = existing.unwrap_or_else(|| {
            let id = format!("acct_fake_{}", s.accounts.len() + 1);
            s.accounts.insert(id.clone(), seller);
            id
        });
        Ok(ConnectAccount {
            account_id,
            payouts_enabled: false,
        })
    }

    async fn account_link(
        &self,
        account_id: &str,
        refresh_url: &str,
        return_url: &str,
    ) -> Result<String, PaymentError> {
        self.lock().links.push((
            account_id.to_owned(),
            refresh_url.to_owned(),
            return_url.to_owned(),
        ));
        Ok(format!("https://connect.example/setup/{account_id}"))
    }
}
