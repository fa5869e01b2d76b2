//! What the marketplace serves at `GET /v1/licenses/keys`: its keyring, serialized.
//!
//! ```text
//! cargo run -p marketplace-license --example public_keys                 # demonstration keys
//! printf 'k2025=<base64url seed>\n' | cargo run -p marketplace-license --example public_keys -- --stdin
//! ```
//!
//! With `--stdin`, reads `<kid>=<base64url seed>` lines (seeds stay off the command line)
//! and prints only their public halves.

use std::io::BufRead as _;
use std::process::ExitCode;

use marketplace_license::{Keyring, Kid, SigningKey};

/// Two demonstration keys, an outgoing and a current one: fixed seeds, never real keys.
const DEMO: [(&str, [u8; 32]); 2] = [("demo-2024", [6; 32]), ("demo-2025", [7; 32])];

fn main() -> ExitCode {
    let signers = if std::env::args().nth(1).as_deref() == Some("--stdin") {
        from_stdin()
    } else {
        DEMO.iter()
            .map(|(kid, seed)| Ok(SigningKey::from_seed(Kid::parse(kid)?, seed)))
            .collect::<Result<Vec<_>, marketplace_license::KeyError>>()
            .map_err(|e| e.to_string())
    };
    let listing = signers
        .and_then(|signers| {
            Keyring::from_keys(signers.iter().map(SigningKey::public_key))
                .map_err(|e| e.to_string())
        })
        .and_then(|ring| serde_json::to_string_pretty(&ring).map_err(|e| e.to_string()));
    match listing {
        Ok(json) => {
            println!("{json}");
            ExitCode::SUCCESS
        }
        Err(problem) => {
            eprintln!("{problem}");
            ExitCode::from(2)
        }
    }
}

fn from_stdin() -> Result<Vec<SigningKey>, String> {
    std::io::stdin()
        .lock()
        .lines()
        .map(|line| line.map_err(|e| e.to_string()))
        .filter(|line| line.as_ref().map_or(true, |l| !l.trim().is_empty()))
        .map(|line| {
            let line = line?;
            let (kid, seed) = line
                .trim()
                .split_once('=')
                .ok_or("each line is <kid>=<base64url seed>")?;
            let kid = Kid::parse(kid).map_err(|e| e.to_string())?;
            SigningKey::from_base64url_seed(kid, seed).map_err(|e| e.to_string())
        })
        .collect()
}
