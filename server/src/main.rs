//! Jieshui server: config → telemetry → database → serve. Also `create-user`, for the first admin
//! of a production install.

use jieshui_server::config::Config;
use jieshui_server::{auth, db, seed, startup};
use std::io::BufRead;
use std::process::ExitCode;

const USAGE: &str = "usage:
  jieshui-server                 serve (see README for settings)
  jieshui-server create-user --username NAME --name DISPLAY_NAME --role admin|supervisor|inspector
                                 password from JIESHUI_NEW_PASSWORD, or the first line of standard input
  jieshui-server verify-audit    walk the audit log's hash chain; exit 1 naming the first entry
                                 altered, removed or inserted";

#[tokio::main]
async fn main() -> ExitCode {
    let config = match Config::load() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("configuration error: {e}");
            return ExitCode::from(2);
        }
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_new(&config.log).unwrap_or_else(|_| "info".into()),
        )
        .init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        None | Some("serve") => serve(config).await,
        Some("create-user") => create_user(config, &args[1..]).await,
        Some("verify-audit") => verify_audit(config).await,
        Some(_) => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

async fn open_store(config: &Config) -> Result<db::SharedStore, BoxError> {
    if config.database_url.starts_with("sqlite:") {
        std::fs::create_dir_all(&config.data_dir)?;
        if let Some(path) = config
            .database_url
            .strip_prefix("sqlite://")
            .or(config.database_url.strip_prefix("sqlite:"))
        {
            let path = path.split('?').next().unwrap_or(path);
            if let Some(parent) = std::path::Path::new(path)
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
            {
                std::fs::create_dir_all(parent)?;
            }
        }
    }
    Ok(db::connect(&config.database_url).await?)
}

/// Walks the audit log's chain and says whether it is intact, or where it first breaks.
async fn verify_audit(config: Config) -> Result<(), BoxError> {
    let store = open_store(&config).await?;
    match jieshui_server::audit_chain::verify(store.audit_chain().await?) {
        Ok(intact) => {
            println!(
                "audit log intact: {} entries; head {}",
                intact.entries,
                if intact.head.is_empty() {
                    "(empty)"
                } else {
                    &intact.head
                }
            );
            Ok(())
        }
        Err(b) => Err(format!("audit log broken: {b}").into()),
    }
}

async fn serve(config: Config) -> Result<(), BoxError> {
    let store = open_store(&config).await?;
    let sealed = store.seal_audit_log().await?;
    if sealed > 0 {
        tracing::info!(sealed, "audit entries written before the hash chain sealed");
    }
    tracing::info!(database = %db::redact(&config.database_url), "database ready");
    let seeded = if config.demo {
        Some(seed::seed_demo(&store, &config.demo_password).await?)
    } else {
        let n = seed::disable_demo_users(&store).await?;
        if n > 0 {
            tracing::warn!(
                accounts = n,
                "demo mode is off: the demo accounts are disabled"
            );
        }
        None
    };
    // Files a crash left between disk and database (see evidence::store) are removed before serving.
    let photos =
        jieshui_server::evidence::store::PhotoStore::open(config.data_dir.join("photos")).await?;
    let swept = photos
        .sweep(&store.photo_hashes().await?, std::time::Duration::ZERO)
        .await?;
    if swept > 0 {
        tracing::warn!(files = swept, "removed photo files no record refers to");
    }
    let admins = store.count_active_admins().await?;
    let listener = tokio::net::TcpListener::bind(config.bind).await?;
    let url = config.public_url.clone();
    let demo = config.demo;
    let state = jieshui_server::state::AppState::new(config.clone(), store.clone());

    // Flag thresholds are settings: a restart with other thresholds brings every stored photo's
    // flags in line with them before the first request is served, so no page shows flags of the
    // old thresholds beside new ones (unchanged flags are not written).
    {
        use jieshui_server::db::ReflagScope;
        use jieshui_server::evidence::reflag::reflag;
        let rules = jieshui_server::services::rules::evidence(&state).await;
        match reflag(&*store, &config.flag_policy, &rules, &ReflagScope::All).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(photos = n, "photo flags updated to the current thresholds"),
            Err(e) => tracing::warn!(error = %e, "photo flags not checked against the thresholds"),
        }
    }

    // Expired sessions and forgotten sign-in failures are swept hourly; lookups already ignore
    // them, this only keeps the tables small.
    let sweeper = store.clone();
    let idle = time::Duration::minutes(config.session_idle_minutes);
    let window = config.throttle.window_secs;
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            tick.tick().await;
            let now = time::OffsetDateTime::now_utc();
            if let Err(e) = sweeper.purge_expired_sessions(now, idle).await {
                tracing::warn!(error = %e, "session sweep failed");
            }
            if let Err(e) = sweeper.purge_failures(now.unix_timestamp() - window).await {
                tracing::warn!(error = %e, "sign-in failure sweep failed");
            }
        }
    });

    println!();
    println!("  节水巡检 Jieshui is running at {url}");
    if let Some(report) = seeded.filter(|_| demo) {
        println!("  Demo sign-ins (password from DEMO_PASSWORD, default jieshui-demo):");
        for (u, name, role) in seed::DEMO_USERS {
            if report.skipped.iter().any(|s| s == u) {
                println!("    {u:<11} (not a demo account here: its own password, untouched)");
            } else {
                println!("    {u:<11} {name}  ({role})");
            }
        }
    } else if admins == 0 {
        println!("  No administrator exists yet. Create the first one with:");
        println!("    JIESHUI_NEW_PASSWORD='…' jieshui-server create-user --username admin --name 管理员 --role admin");
    }
    println!();

    let app = startup::build_router(state);
    jieshui_server::serve::serve(listener, app, config.limits, shutdown_signal()).await?;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

async fn create_user(config: Config, args: &[String]) -> Result<(), BoxError> {
    use jieshui_app::model::NewUser;
    let mut username = None;
    let mut name = None;
    let mut role = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--username" => username = it.next().cloned(),
            "--name" => name = it.next().cloned(),
            "--role" => role = it.next().cloned(),
            _ => return Err(USAGE.into()),
        }
    }
    let (Some(username), Some(role)) = (username, role) else {
        return Err(USAGE.into());
    };
    let name = name.unwrap_or_else(|| username.clone());
    let password = match std::env::var("JIESHUI_NEW_PASSWORD") {
        Ok(p) if !p.is_empty() => p,
        _ => {
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line)?;
            line.trim_end_matches(['\r', '\n']).to_string()
        }
    };
    let new = NewUser::parse(&username, &name, &role, "", &password)
        .map_err(|e| e.message(jieshui_app::i18n::Lang::En))?;
    let store = open_store(&config).await?;
    let row = db::NewUserRow {
        id: uuid::Uuid::now_v7(),
        username: new.username.clone(),
        display_name: new.display_name,
        role: new.role,
        district_id: None,
        password_hash: auth::password::hash(new.password).await?,
        demo: false,
    };
    let audit = db::AuditEntry {
        actor_id: None,
        action: "user_create_cli",
        subject: row.id.to_string(),
        detail: serde_json::json!({ "username": row.username, "role": row.role.as_str() }),
    };
    match store.insert_user(&row, &audit).await {
        Ok(()) => {
            println!("created {} ({})", row.username, row.role);
            Ok(())
        }
        Err(db::StoreError::Unique(_)) => Err(format!("username {} is taken", row.username).into()),
        Err(e) => Err(e.into()),
    }
}
