//! The `chuangxiang` command: serve the web app, migrate, load the demo, create users, back up,
//! and recompute a competition's result from its published files.

mod compute;
mod config;

use anyhow::{Context, bail};
use chuangxiang_domain::account::{DisplayName, NewPassword, Phone, Role};
use chuangxiang_domain::policy::Grant;
use chuangxiang_store::{StoreError, accounts, demo};
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "chuangxiang",
    version,
    about = "Chuangxiang (创享): runs a community co-creation programme from golden ideas to funded projects."
)]
struct Cli {
    #[command(flatten)]
    config: config::Flags,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web app (the default). An empty database gets the Wangjing demo first.
    Serve {
        /// Do not load the demo into an empty database.
        #[arg(long)]
        no_demo: bool,
    },
    /// Bring the database schema up to date and exit.
    Migrate,
    /// Load the Wangjing demo into an empty database.
    Demo {
        /// Erase a non-empty database first (everything in it is lost).
        #[arg(long)]
        force: bool,
        /// Also generate a larger network for benchmarks: `district` = 43 streets,
        /// about 800 communities and 200,000 resident accounts.
        #[arg(long, value_parser = ["district"])]
        scale: Option<String>,
    },
    /// Manage accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Copy a SQLite database to FILE while the server keeps running.
    Backup {
        #[arg(long)]
        to: PathBuf,
    },
    /// Recompute published results from their files.
    #[command(subcommand)]
    Compute(ComputeCommand),
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an account, optionally with a role. The password is read from the environment
    /// variable CHUANGXIANG_PASSWORD, or generated and printed once.
    Create(UserCreate),
}

#[derive(Args)]
struct UserCreate {
    /// resident, coordinator, social_worker or street_admin.
    #[arg(long)]
    role: String,
    /// Mainland mobile number (11 digits).
    #[arg(long)]
    phone: String,
    /// The name shown on pages.
    #[arg(long, default_value = "管理员")]
    name: String,
    /// The id of the street (street_admin), community (coordinator) or organisation
    /// (social_worker) the role is for. Defaults to the first street for street_admin.
    #[arg(long)]
    scope: Option<i64>,
}

#[derive(Subcommand)]
enum ComputeCommand {
    /// Decide a competition from rules.toml, scores.csv, proposals.csv and recusals.csv,
    /// writing results.csv. Exits with status 2, writing nothing, if any input is invalid.
    Competition {
        #[arg(long)]
        rules: PathBuf,
        #[arg(long)]
        scores: PathBuf,
        #[arg(long)]
        proposals: PathBuf,
        #[arg(long)]
        recusals: Option<PathBuf>,
        /// Where to write results.csv (standard output without it).
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(Command::Compute(ComputeCommand::Competition {
        rules,
        scores,
        proposals,
        recusals,
        out,
    })) = &cli.command
    {
        return compute::run(
            rules,
            scores,
            proposals,
            recusals.as_deref(),
            out.as_deref(),
        );
    }
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn,sea_orm=warn".into()),
        )
        .init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let settings = config::Settings::resolve(&cli.config)?;
    if let Some(Command::Backup { to }) = &cli.command {
        return backup(&settings, to).await;
    }
    let db = chuangxiang_store::connect(&settings.database_url)
        .await
        .with_context(|| {
            format!(
                "cannot open the database {}",
                config::redact(&settings.database_url)
            )
        })?;
    chuangxiang_store::migrate(&db)
        .await
        .context("migration failed")?;
    match cli.command.unwrap_or(Command::Serve { no_demo: false }) {
        Command::Serve { no_demo } => {
            if !no_demo && demo::is_empty(&db).await? {
                load_demo(&db).await?;
            }
            let listener = tokio::net::TcpListener::bind(&settings.bind)
                .await
                .with_context(|| format!("cannot listen on {}", settings.bind))?;
            let addr = listener.local_addr()?;
            println!(
                "创享 Chuangxiang is running on http://{addr} ({} database {})",
                chuangxiang_store::backend_name(&db),
                config::redact(&settings.database_url)
            );
            if !settings.trusted_proxies.is_empty() {
                println!(
                    "client addresses are read from X-Forwarded-For set by {:?}",
                    settings.trusted_proxies
                );
            }
            let web = chuangxiang_web::security::Settings {
                trusted_proxies: settings.trusted_proxies.clone(),
                public_url: settings.public_url.clone(),
            };
            chuangxiang_web::serve(listener, chuangxiang_web::AppState::with_settings(db, web))
                .await?;
        }
        Command::Migrate => println!("the database is up to date"),
        Command::Demo { force, scale } => {
            if !demo::is_empty(&db).await? {
                if !force {
                    bail!(
                        "the database is not empty; use `demo --force` to erase it and load the demo"
                    );
                }
                demo::erase(&db).await?;
            }
            load_demo(&db).await?;
            if scale.as_deref() == Some("district") {
                let started = std::time::Instant::now();
                let s = demo::load_scale(&db, 43, 800, 200_000, 10_000, 2_000).await?;
                println!(
                    "district scale: {} streets, {} communities, {} generated residents, {} ideas and {} proposals in {:.1} s",
                    s.streets,
                    s.communities,
                    s.residents,
                    s.ideas,
                    s.proposals,
                    started.elapsed().as_secs_f64()
                );
            }
        }
        Command::User(UserCommand::Create(args)) => create_user(&db, args).await?,
        Command::Backup { .. } | Command::Compute(_) => {
            unreachable!("handled before the database is opened")
        }
    }
    Ok(())
}

/// Copies the database to `to`. The source is opened as it is, never created or migrated: a
/// mistyped `--data-dir` must fail loudly rather than back up a new empty database.
async fn backup(settings: &config::Settings, to: &std::path::Path) -> anyhow::Result<()> {
    let db = chuangxiang_store::connect_existing(&settings.database_url)
        .await
        .map_err(|e| {
            anyhow::anyhow!(
                "cannot back up {}: {e}",
                config::redact(&settings.database_url)
            )
        })?;
    chuangxiang_store::backup_sqlite(&db, to)
        .await
        .map_err(|e| match e {
            StoreError::Conflict => {
                anyhow::anyhow!("{} already exists; choose a new file", to.display())
            }
            other => anyhow::anyhow!("{other}"),
        })?;
    println!("backed up to {}", to.display());
    Ok(())
}

/// The Wangjing demo: organisation, accounts and season, then each feature's own demo content.
async fn load_demo(db: &chuangxiang_store::Db) -> anyhow::Result<()> {
    let accounts = demo::load_wangjing(db).await?;
    let ideas = chuangxiang_store::ideas::count(db).await?;
    let proposals = chuangxiang_store::proposals::count(db).await?;
    print_demo(&accounts);
    println!(
        "  and {ideas} golden ideas and {proposals} proposals in the 2017 season, now in step 4 (proposal drafting)"
    );
    Ok(())
}

fn print_demo(accounts: &[demo::DemoAccount]) {
    println!(
        "Loaded the Wangjing demo (望京街道). Demo accounts, password {}:",
        demo::DEMO_PASSWORD
    );
    for a in accounts {
        println!("  {:<14} {}  {} ({})", a.role, a.phone, a.name, a.scope);
    }
}

async fn create_user(db: &chuangxiang_store::Db, args: UserCreate) -> anyhow::Result<()> {
    let role = Role::from_key(&args.role).with_context(|| {
        format!(
            "unknown role {:?}: use resident, coordinator, social_worker or street_admin",
            args.role
        )
    })?;
    let phone = Phone::parse(&args.phone).map_err(|e| anyhow::anyhow!("{e}"))?;
    let name = DisplayName::parse(&args.name).map_err(|e| anyhow::anyhow!("{e}"))?;
    let (password, generated) = match std::env::var("CHUANGXIANG_PASSWORD") {
        Ok(p) => (p, false),
        Err(_) => (config::generated_password(), true),
    };
    let password = NewPassword::parse(&password).map_err(|e| anyhow::anyhow!("{e}"))?;
    if accounts::phone_registered(db, &phone).await? {
        bail!("{} is already registered", phone);
    }
    let scope = match (role, args.scope) {
        (Role::Resident, _) => None,
        (_, Some(id)) => Some(id),
        (Role::StreetAdmin, None) => chuangxiang_store::org::first_street(db)
            .await?
            .map(|s| s.id),
        (_, None) => bail!("--scope is required for {}", role.key()),
    };
    let grant = scope.and_then(|id| Grant::from_parts(role, id));
    let street_id = match grant {
        None => None,
        Some(Grant::StreetAdmin { street_id }) => Some(
            chuangxiang_store::org::street(db, street_id)
                .await
                .context("no such street")?
                .id,
        ),
        Some(Grant::Coordinator { community_id }) => Some(
            chuangxiang_store::org::community(db, community_id)
                .await
                .context("no such community")?
                .street_id,
        ),
        Some(Grant::SocialWorker { org_id }) => Some(
            chuangxiang_store::org::organisation(db, org_id)
                .await
                .context("no such organisation")?
                .street_id,
        ),
    };
    let hash = accounts::hash_password(&password)?;
    let id = accounts::register(db, &phone, hash, &name).await?;
    if let (Some(grant), Some(street_id)) = (grant, street_id) {
        accounts::grant(db, None, street_id, id, grant).await?;
    }
    println!("created account {id} for {phone} as {}", role.key());
    if generated {
        println!("password (shown once): {}", password.expose());
    }
    Ok(())
}
