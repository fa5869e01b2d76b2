//! `marketplace-migrations`: apply or roll back the schema, and load the seed catalog.
//!
//! ```text
//! marketplace-migrations [--database-url URL] up [--steps N]
//! marketplace-migrations down [--steps N]      # default: the last one
//! marketplace-migrations status | fresh | seed
//! ```
//! The URL comes from `--database-url` or `DATABASE_URL`; the default is a SQLite file
//! `marketplace.db` in the working directory.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use marketplace_migrations::{Migrator, MigratorTrait, seed_catalog};
use sea_orm_migration::sea_orm::{Database, DatabaseConnection, DbErr};

#[derive(Debug, Parser)]
#[command(version, about = "Marketplace schema migrations and seed catalog")]
struct Cli {
    /// PostgreSQL (`postgres://…`) or SQLite (`sqlite://path?mode=rwc`) URL.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://marketplace.db?mode=rwc"
    )]
    database_url: String,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Apply pending migrations (all, or the next N).
    Up {
        #[arg(long)]
        steps: Option<u32>,
    },
    /// Roll back applied migrations (the last one, or the last N).
    Down {
        #[arg(long, default_value_t = 1)]
        steps: u32,
    },
    /// List migrations and whether each is applied.
    Status,
    /// Drop every table, then apply all migrations.
    Fresh,
    /// Apply pending migrations, then insert the seed catalog (idempotent).
    Seed,
}

async fn run(cli: Cli) -> Result<(), DbErr> {
    let db: DatabaseConnection = Database::connect(&cli.database_url).await?;
    match cli.command {
        Command::Up { steps } => Migrator::up(&db, steps).await?,
        Command::Down { steps } => Migrator::down(&db, Some(steps)).await?,
        Command::Status => {
            for m in Migrator::get_migration_with_status(&db).await? {
                println!("{:<45} {}", m.name(), m.status());
            }
        }
        Command::Fresh => Migrator::fresh(&db).await?,
        Command::Seed => {
            Migrator::up(&db, None).await?;
            let report = seed_catalog(&db).await?;
            println!(
                "seeded: {} sellers, {} tools, {} tags, {} bundles, {} bundle items inserted",
                report.sellers, report.tools, report.tool_tags, report.bundles, report.bundle_items
            );
        }
    }
    db.close().await
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("marketplace-migrations: {e}");
            ExitCode::FAILURE
        }
    }
}
