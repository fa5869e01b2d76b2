//! The HTTP server: the application behind compression, request tracing and the request
//! id echoed to the caller, the periodic jobs, and the announcement of where it listens.

use actix_web::HttpMessage;
use actix_web::dev::Service;
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Compress;
use actix_web::{App, HttpServer};
use anyhow::Context;
use tracing_actix_web::{RequestId, TracingLogger};

use crate::auth::TokenKeys;
use crate::config::{Config, Mode};
use crate::rate_limit::RateLimiter;
use crate::routes::webhooks::WebhookSecret;
use crate::state::Services;
use crate::{app, demo, jobs, runtime};

/// Serves the API until SIGINT or SIGTERM, then drains in-flight requests (30 s at most).
///
/// # Errors
/// When the database cannot be opened, the demo orgs provisioned or the address bound.
pub async fn serve(config: Config) -> anyhow::Result<()> {
    let db = runtime::open(&config).await?;
    let ports = runtime::all_ports(&db, &config)?;
    if config.mode == Mode::Demo {
        demo::provision(&ports.orgs)
            .await
            .context("provision the demo orgs")?;
        demo::provision_modules(
            &ports.module_catalog,
            &ports.installations,
            ports.clock.now(),
        )
        .await
        .context("publish the demo module versions")?;
    }
    let services = Services::new(ports.clone());
    if config.mode == Mode::Demo {
        demo::provision_plans(&services.plans)
            .await
            .context("provision the demo plans")?;
        demo::provision_listings(&ports.orgs, &services)
            .await
            .context("the demo seller and its listings")?;
        demo::provision_services(&ports.orgs, &services)
            .await
            .context("the demo provider, its services and a transaction")?;
        demo::provision_meters(&services.usage.meters)
            .await
            .context("define the demo meters")?;
    }
    let demo_licensing = if config.mode == Mode::Demo {
        Some(
            demo::licensing(&ports, &services)
                .await
                .context("the demo purchase, its license and the demo API key")?,
        )
    } else {
        None
    };
    let keys = TokenKeys::new(&config.jwt_secret, &config.jwt_issuer);
    jobs::spawn(services.clone(), config.reconcile_after);

    let webhook_secret = WebhookSecret(config.stripe.as_ref().map(|s| s.webhook_secret.clone()));
    let limiter = actix_web::web::Data::new(RateLimiter::new(config.rate_limits));
    let server = {
        let (services, keys) = (services.clone(), keys.clone());
        HttpServer::new(move || {
            App::new()
                .wrap(Compress::default())
                .wrap_fn(|req, srv| {
                    // The request id the tracing span carries, echoed to the caller.
                    let id = req.extensions().get::<RequestId>().map(ToString::to_string);
                    let call = srv.call(req);
                    async move {
                        let mut res = call.await?;
                        if let Some(value) = id.and_then(|id| HeaderValue::from_str(&id).ok()) {
                            res.headers_mut()
                                .insert(HeaderName::from_static("x-request-id"), value);
                        }
                        Ok(res)
                    }
                })
                .wrap(TracingLogger::default())
                .configure(app::configure_with(
                    services.clone(),
                    keys.clone(),
                    webhook_secret.clone(),
                    limiter.clone(),
                ))
        })
        .bind(config.bind)
        .with_context(|| format!("bind {}", config.bind))?
        .shutdown_timeout(30)
        .run()
    };
    announce(&config, &keys, demo_licensing.as_ref())?;
    server.await.context("server")?;
    // The views counted since the last flush (R-C6).
    if let Err(e) = services.analytics.flush().await {
        tracing::warn!(error = ?e, "the last tool views could not be stored");
    }
    tracing::info!("stopped");
    Ok(())
}

/// Says where the service listens and how to get a token (and, in demo mode only, the demo
/// API key and license key).
fn announce(
    config: &Config,
    keys: &TokenKeys,
    licensing: Option<&demo::DemoLicensing>,
) -> anyhow::Result<()> {
    let base = format!("http://{}", config.bind);
    tracing::info!(mode = ?config.mode, "marketplace API listening on {base} (docs: {base}/docs, spec: {base}/openapi.json)");
    if config.mode == Mode::Demo {
        let mut text = format!(
            "\n  Marketplace demo listening on {base}\n  Docs: {base}/docs   Health: {base}/healthz\n  Tokens (valid 24 h; more with `marketplace-api dev-token --help`):\n"
        );
        for (who, token) in demo::tokens(keys)? {
            text.push_str(&format!("\n  {who}:\n    export TOKEN={token}\n"));
        }
        if let Some(licensing) = licensing {
            text.push_str(&format!(
                "\n  API key of Demo Growth Realty (licenses:validate, entitlements:read, usage:write, usage:read; demo only):\n    export API_KEY={}\n  Its data pack (Market Data Integration, metered in rows and api_calls):\n    export PACK={}\n",
                licensing.api_key, licensing.pack_tool_id
            ));
            if let Some(license) = &licensing.license_key {
                text.push_str(&format!(
                    "  License key of its Lead Scoring Engine purchase:\n    export LICENSE_KEY={license}\n"
                ));
            }
        }
        text.push_str(&format!(
            "\n  Try: curl -H \"Authorization: Bearer $TOKEN\" {base}/v1/tools?limit=5\n"
        ));
        if licensing.is_some() {
            text.push_str(&format!(
                "  and: curl -H \"Authorization: ApiKey $API_KEY\" -H 'Content-Type: application/json' -d \"{{\\\"key\\\": \\\"$LICENSE_KEY\\\"}}\" {base}/v1/licenses/validate\n"
            ));
            text.push_str(&format!(
                "  usage: curl -H \"Authorization: ApiKey $API_KEY\" \"{base}/v1/access?tool_id=$PACK&meter=rows\"  (README: report a batch, read /v1/usage/packs)\n"
            ));
        }
        tracing::info!("{text}");
    } else {
        tracing::info!(
            "get a token from your identity provider (HS256, issuer {})",
            config.jwt_issuer
        );
    }
    Ok(())
}
