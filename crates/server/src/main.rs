//! `chatenium-server`: runs the local Chatenium server.
//!
//! ```text
//! chatenium-server [--config server.json] [--demo]
//! ```
//! Environment: `CHATENIUM_BIND` (default 127.0.0.1:3000), `CHATENIUM_DATA_DIR` (default
//! ./chatenium-server-data), `CHATENIUM_PUBLIC_URL`. The config file is JSON with the fields of
//! `chatenium_server::Config` (camelCase); the environment wins over the file.
//!
//! `--demo` adds the demo accounts, contacts and conversations of `chatenium_server::demo`
//! when they are missing, and prints the accounts, before the server listens. Once it does,
//! stdout says `chatenium-server listening on <url>`; logs go to stderr.

use std::process::ExitCode;

use chatenium_server::Config;

fn usage() -> ExitCode {
    eprintln!("usage: chatenium-server [--config FILE] [--demo]");
    ExitCode::from(2)
}

fn load_config(path: Option<&str>) -> Result<Config, String> {
    let mut config = match path {
        Some(path) => {
            let text =
                std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}"))?;
            serde_json::from_str(&text).map_err(|e| format!("{path}: {e}"))?
        }
        None => Config {
            bind: ([127, 0, 0, 1], 3000).into(),
            ..Config::default()
        },
    };
    if let Ok(bind) = std::env::var("CHATENIUM_BIND") {
        config.bind = bind
            .parse()
            .map_err(|e| format!("CHATENIUM_BIND={bind}: {e}"))?;
    }
    if let Ok(dir) = std::env::var("CHATENIUM_DATA_DIR") {
        config.data_dir = dir.into();
    }
    if let Ok(url) = std::env::var("CHATENIUM_PUBLIC_URL") {
        config.public_url = Some(url);
    }
    Ok(config)
}

#[tokio::main]
async fn main() -> ExitCode {
    // Without a subscriber the server's logs (such as why an e-mail could not be sent) would
    // go nowhere. Stderr, so that stdout stays the few lines a script reads.
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(tracing::Level::INFO)
        .init();
    let mut config_path = None;
    let mut demo = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--config" => match args.next() {
                Some(path) => config_path = Some(path),
                None => return usage(),
            },
            "--demo" => demo = true,
            _ => return usage(),
        }
    }
    let config = match load_config(config_path.as_deref()) {
        Ok(config) => config,
        Err(error) => {
            eprintln!("chatenium-server: {error}");
            return ExitCode::FAILURE;
        }
    };
    let prepared = match chatenium_server::prepare(config).await {
        Ok(prepared) => prepared,
        Err(error) => {
            eprintln!("chatenium-server: {error}");
            return ExitCode::FAILURE;
        }
    };
    // Seeded before listening: no client ever sees a half-made demo.
    if demo {
        match chatenium_server::demo::seed(prepared.state()).await {
            Ok(summary) => print_demo(&summary),
            Err(error) => {
                eprintln!("chatenium-server: --demo: {error}");
                return ExitCode::FAILURE;
            }
        }
    }
    let server = match prepared.listen() {
        Ok(server) => server,
        Err(error) => {
            eprintln!("chatenium-server: {error}");
            return ExitCode::FAILURE;
        }
    };
    println!("chatenium-server listening on {}", server.base_url);
    let _ = tokio::signal::ctrl_c().await;
    server.stop().await;
    ExitCode::SUCCESS
}

fn print_demo(summary: &chatenium_server::demo::DemoSummary) {
    if summary.created_anything() {
        println!(
            "demo data added: {} accounts, {} contacts, {} messages",
            summary.users_created, summary.contacts_created, summary.messages_created
        );
    } else {
        println!("demo data already present");
    }
    println!("demo accounts (username / e-mail / password):");
    for account in &summary.accounts {
        println!(
            "  {:<6} {:<28} {}   ({})",
            account.username, account.email, account.password, account.display_name
        );
    }
}
