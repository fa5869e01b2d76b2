//! [`StripeConnect`]: the domain's [`PayoutGateway`] over Stripe Connect. Sellers get an
//! Express connected account and finish onboarding on Stripe's hosted page (an account
//! link); payouts are transfers from the platform's balance to their accounts.
//!
//! Every creating request carries the caller's idempotency key (a transfer's is
//! `payout-{seller}-{YYYY-MM}`), so a retry, a rerun of the payout job, or a run after a
//! crash never moves money twice: Stripe answers a repeated key with the first transfer.
//! Failures map as the payment gateway's do (see `client.rs`): 429, 5xx and network
//! errors are retried and then `Unavailable`; 401/403 `Configuration`; other 4xx
//! `Invalid`.

use async_trait::async_trait;
use marketplace_domain::checkout::PaymentError;
use marketplace_domain::ids::SellerId;
use marketplace_domain::money::Money;
use marketplace_domain::seller::{ConnectAccount, PayoutGateway, Transfer};
use serde::Deserialize;

use crate::client::{Form, StripeClient};
use crate::config::StripeConfig;
use crate::wire;

/// Stripe Connect for seller payouts.
#[derive(Clone)]
pub struct StripeConnect {
    client: StripeClient,
}

impl std::fmt::Debug for StripeConnect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StripeConnect")
            .field("config", self.client.config())
            .finish()
    }
}

/// A connected account, as far as payouts care.
#[derive(Debug, Deserialize)]
struct Account {
    id: String,
    #[serde(default)]
    payouts_enabled: bool,
}

/// An account link: the one-time onboarding URL.
#[derive(Debug, Deserialize)]
struct AccountLink {
    url: String,
}

impl StripeConnect {
    /// Connect for `config` (the platform's secret key).
    ///
    /// # Errors
    /// [`PaymentError::Configuration`] when the key is empty, the API base is not an
    /// http(s) URL, or the HTTP client cannot be built.
    pub fn new(config: StripeConfig) -> Result<Self, PaymentError> {
        Ok(Self {
            client: StripeClient::new(config)?,
        })
    }
}

#[async_trait]
impl PayoutGateway for StripeConnect {
    /// `POST /v1/transfers`: `amount` in minor units, the currency in lower case, the
    /// connected account as `destination`, and the key as `transfer_group` and in the
    /// metadata so the transfer can be found from the payout.
    async fn transfer(
        &self,
        account_id: &str,
        amount: Money,
        idempotency_key: &str,
    ) -> Result<Transfer, PaymentError> {
        let minor = amount
            .to_minor()
            .map_err(|e| PaymentError::Invalid(e.to_string()))?;
        if minor <= 0 {
            return Err(PaymentError::Invalid(format!(
                "a transfer must be positive, got {amount}"
            )));
        }
        let form: Form = vec![
            ("amount".into(), minor.to_string()),
            (
                "currency".into(),
                amount.currency().code().to_ascii_lowercase(),
            ),
            ("destination".into(), account_id.to_owned()),
            ("transfer_group".into(), idempotency_key.to_owned()),
            ("metadata[payout]".into(), idempotency_key.to_owned()),
        ];
        let created: wire::Created = self
            .client
            .post("/v1/transfers", &form, Some(idempotency_key))
            .await?;
        tracing::info!(transfer = %created.id, destination = account_id, %amount, key = idempotency_key, "stripe transfer");
        Ok(Transfer { id: created.id })
    }

    /// `POST /v1/accounts` with `type=express`, asking for the `transfers` capability;
    /// the seller id goes to `metadata[seller_id]`.
    async fn create_account(
        &self,
        seller: SellerId,
        idempotency_key: &str,
    ) -> Result<ConnectAccount, PaymentError> {
        let form: Form = vec![
            ("type".into(), "express".into()),
            ("capabilities[transfers][requested]".into(), "true".into()),
            ("metadata[seller_id]".into(), seller.to_string()),
        ];
        let account: Account = self
            .client
            .post("/v1/accounts", &form, Some(idempotency_key))
            .await?;
        Ok(ConnectAccount {
            account_id: account.id,
            payouts_enabled: account.payouts_enabled,
        })
    }

    /// `POST /v1/account_links` with `type=account_onboarding`.
    async fn account_link(
        &self,
        account_id: &str,
        refresh_url: &str,
        return_url: &str,
    ) -> Result<String, PaymentError> {
        let form: Form = vec![
            ("account".into(), account_id.to_owned()),
            ("refresh_url".into(), refresh_url.to_owned()),
            ("return_url".into(), return_url.to_owned()),
            ("type".into(), "account_onboarding".into()),
        ];
        let link: AccountLink = self.client.post("/v1/account_links", &form, None).await?;
        Ok(link.url)
    }
}
