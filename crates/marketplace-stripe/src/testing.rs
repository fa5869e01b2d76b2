//! Test support: a localstripe server (a stateful fake Stripe, `pip install localstripe`)
//! started as a child process on a free loopback port and killed when dropped. Shared by
//! this crate's tests and the application's end-to-end tests; nothing in the adapter
//! itself uses it.

use std::io::Write as _;
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// A running localstripe, killed and reaped on drop.
#[derive(Debug)]
pub struct LocalStripe {
    child: Option<Child>,
    base: String,
    key: String,
    http: reqwest::Client,
}

impl Drop for LocalStripe {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A free TCP port on loopback.
///
/// # Panics
/// When the OS gives no port (a test-environment failure).
#[must_use]
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("no free port: {e}"))
}

impl LocalStripe {
    /// Starts localstripe and waits (30 s at most) until it answers. Returns `None`, after
    /// a notice on stderr, when the command is not installed and
    /// `MARKETPLACE_REQUIRE_LOCALSTRIPE=1` is not set.
    ///
    /// # Panics
    /// When it cannot start or does not answer in time.
    pub async fn start(secret_key: &str) -> Option<Self> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let required = std::env::var("MARKETPLACE_REQUIRE_LOCALSTRIPE").is_ok_and(|v| v == "1");
        let port = free_port();
        let child = match Command::new("localstripe")
            .args(["--port", &port.to_string(), "--from-scratch"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
        {
            Ok(child) => child,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => {
                // Past the test harness's capture, so the skip shows in a plain `cargo test`.
                let _ = writeln!(
                    std::io::stderr(),
                    "NOTICE: localstripe is not installed (pip install localstripe); skipping a \
                     localstripe test. Set MARKETPLACE_REQUIRE_LOCALSTRIPE=1 to fail instead."
                );
                return None;
            }
            Err(e) => panic!("cannot start localstripe: {e}"),
        };
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(20))
            .build()
            .unwrap_or_else(|e| panic!("http client: {e}"));
        let server = Self {
            child: Some(child),
            base: format!("http://127.0.0.1:{port}"),
            key: secret_key.to_owned(),
            http,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let ready = server
                .http
                .get(format!("{}/v1/customers", server.base))
                .bearer_auth(&server.key)
                .send()
                .await
                .is_ok_and(|r| r.status().is_success());
            if ready {
                return Some(server);
            }
            assert!(
                Instant::now() < deadline,
                "localstripe did not answer on port {port} within 30 s"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Its base URL, e.g. `http://127.0.0.1:40123`.
    #[must_use]
    pub fn base(&self) -> &str {
        &self.base
    }

    /// A raw form POST, as the browser (Stripe.js) or the dashboard would make it; the
    /// body is `Null` when empty (`/_config/…`).
    ///
    /// # Panics
    /// When localstripe cannot be reached.
    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> (u16, Value) {
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.key)
            .form(form)
            .send()
            .await
            .unwrap_or_else(|e| panic!("POST {path}: {e}"));
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// A card PaymentMethod from a test number, as Stripe.js makes it; returns its id.
    ///
    /// # Panics
    /// When localstripe refuses it.
    pub async fn card(&self, number: &str) -> String {
        let form = [
            ("type", "card"),
            ("card[number]", number),
            ("card[exp_month]", "12"),
            ("card[exp_year]", "2030"),
            ("card[cvc]", "123"),
        ];
        let (status, pm) = self.post("/v1/payment_methods", &form).await;
        assert_eq!(status, 200, "{pm}");
        pm["id"]
            .as_str()
            .map(str::to_owned)
            .unwrap_or_else(|| panic!("no id in {pm}"))
    }

    /// A DELETE; returns the status.
    ///
    /// # Panics
    /// When localstripe cannot be reached.
    pub async fn delete(&self, path: &str) -> u16 {
        self.http
            .delete(format!("{}{path}", self.base))
            .bearer_auth(&self.key)
            .send()
            .await
            .unwrap_or_else(|e| panic!("DELETE {path}: {e}"))
            .status()
            .as_u16()
    }

    /// A GET of a JSON resource.
    ///
    /// # Panics
    /// When localstripe cannot be reached or answers no JSON.
    pub async fn get(&self, path: &str) -> Value {
        self.http
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.key)
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e}"))
            .json()
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e}"))
    }
}
