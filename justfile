# The everyday commands. `just` lists them; nothing a newcomer must run needs `just`.

default:
    @just --list

# Serve the API on the embedded demo (SQLite file, demo data, offline payments).
run:
    cargo run -p marketplace-api

# Run the whole test suite (PostgreSQL tests run when 127.0.0.1:5432 answers).
test:
    cargo nextest run --workspace

# Same, with PostgreSQL required, as CI runs it.
test-ci:
    MARKETPLACE_REQUIRE_POSTGRES=1 cargo nextest run --workspace

# Format, lint and test exactly as CI does.
ci:
    bash .ci/run

# Formatting and lints.
lint:
    cargo fmt --all --check
    cargo clippy --workspace --all-targets -- -D warnings

fmt:
    cargo fmt --all

# Fast compile check while working.
check:
    cargo check --workspace --all-targets

# Domain hot paths (criterion).
bench-domain:
    cargo bench -p marketplace-domain --bench hot_paths

# Catalog query on PostgreSQL with 10,000 tools (criterion).
bench-catalog:
    cargo bench -p marketplace-sea-orm --bench catalog_query

# Load test of the running release binary on PostgreSQL (see docs/operations.md).
bench-http:
    bash scripts/bench-http.sh

# Apply migrations / load the seed catalog with the configured database.
migrate:
    cargo run -p marketplace-api -- migrate

seed:
    cargo run -p marketplace-api -- seed

# Print a bearer token (pass flags after `--`, e.g. just token --org-role ADMIN).
token *ARGS:
    cargo run -q -p marketplace-api -- dev-token {{ARGS}}
