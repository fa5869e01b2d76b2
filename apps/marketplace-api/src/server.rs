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
    let services = Services::new(ports);
    if config.mode == Mode::Demo {
        demo::provision_plans(&services.plans)
            .await
            .context("provision the demo plans")?;
    }
    let keys = TokenKeys::new(&config.jwt_secret, &config.jwt_issuer);
    jobs::spawn(services.clone(), config.reconcile_after);

    let webhook_secret = WebhookSecret(config.stripe.as_ref().map(|s| s.webhook_secret.clone()));
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
                .configure(app::configure_with_webhooks(
                    services.clone(),
                    keys.clone(),
                    webhook_secret.clone(),
                ))
        })
        .bind(config.bind)
        .with_context(|| format!("bind {}", config.bind))?
        .shutdown_timeout(30)
        .run()
    };
    announce(&config, &keys)?;
    server.await.context("server")?;
    tracing::info!("stopped");
    Ok(())
}

/// Says where the service listens and how to get a token.
fn announce(config: &Config, keys: &TokenKeys) -> anyhow::Result<()> {
    let base = format!("http://{}", config.bind);
    tracing::info!(mode = ?config.mode, "marketplace API listening on {base} (docs: {base}/docs, spec: {base}/openapi.json)");
    if config.mode == Mode::Demo {
        let mut text = format!(
            "\n  Marketplace demo listening on {base}\n  Docs: {base}/docs   Health: {base}/healthz\n  Tokens (valid 24 h; more with `marketplace-api dev-token --help`):\n"
        );
        for (who, token) in demo::tokens(keys)? {
            text.push_str(&format!("\n  {who}:\n    export TOKEN={token}\n"));
        }
        text.push_str(&format!(
            "\n  Try: curl -H \"Authorization: Bearer $TOKEN\" {base}/v1/tools?limit=5\n"
        ));
        tracing::info!("{text}");
    } else {
        tracing::info!(
            "get a token from your identity provider (HS256, issuer {})",
            config.jwt_issuer
        );
    }
    Ok(())
}
