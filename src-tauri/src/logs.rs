//! The app's log: its own and the core's `tracing` output (and the `log` records of Tauri and
//! other libraries, through `tracing-log`) in a file that rotates daily, in the platform's log
//! folder (`app_log_dir`: `~/.local/share/hu.chatenium.desktop/logs` on Linux), so a user with
//! a problem has something to send. The Account screen opens that folder.
//!
//! What is logged must never carry a secret: tokens are only in the keyring and their `Debug`
//! hides them, passwords and codes pass through commands that log nothing. An end-to-end test
//! (`ui/e2e/logs.test.mjs`) signs up and in and searches the file for each of them.

use std::path::Path;
use std::process::Command;

use tracing_appender::rolling::{RollingFileAppender, Rotation};
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::{Layer, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;

/// The log file's name before its date: `chatenium.2026-11-28.log`.
const FILE_PREFIX: &str = "chatenium";
/// How many days of logs are kept; older files are deleted as a new day starts.
const KEPT_FILES: usize = 7;

/// What is written: the app and its engine in detail, the embedded server's notable events,
/// and only warnings from the libraries below (their debug output names URLs and headers).
fn filter() -> Targets {
    Targets::new()
        .with_target("chatenium_desktop", LevelFilter::DEBUG)
        .with_target("chatenium_core", LevelFilter::DEBUG)
        .with_target("chatenium_server", LevelFilter::INFO)
        .with_default(LevelFilter::WARN)
}

/// Starts writing the log into `folder`, for the rest of the process.
pub fn install(folder: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let file = RollingFileAppender::builder()
        .rotation(Rotation::DAILY)
        .filename_prefix(FILE_PREFIX)
        .filename_suffix("log")
        .max_log_files(KEPT_FILES)
        .build(folder)?;
    tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(file)
                .with_ansi(false)
                .with_filter(filter()),
        )
        // Warnings also where a developer running the app sees them.
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_ansi(false)
                .with_filter(LevelFilter::WARN),
        )
        .try_init()?;
    Ok(())
}

/// The command that opens the system's file manager at `folder`.
pub fn open_folder_command(folder: &Path) -> Command {
    let program = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(windows) {
        "explorer"
    } else {
        "xdg-open"
    };
    let mut command = Command::new(program);
    command.arg(folder);
    command
}

/// Opens the file manager at `folder`; does not wait for it.
pub fn open_folder(folder: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(folder)?;
    let mut child = open_folder_command(folder).spawn()?;
    // Reaped in the background so no zombie is left behind.
    std::thread::spawn(move || child.wait());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(target_os = "linux")]
    #[test]
    fn on_linux_the_folder_goes_to_xdg_open() {
        let command = open_folder_command(Path::new("/home/ada/.local/share/app/logs"));
        assert_eq!(command.get_program(), "xdg-open");
        let args: Vec<_> = command.get_args().collect();
        assert_eq!(args, ["/home/ada/.local/share/app/logs"]);
    }

    #[test]
    fn libraries_below_the_app_log_only_warnings() {
        use tracing::Level;
        let filter = filter();
        assert!(filter.would_enable("chatenium_core::sync", &Level::DEBUG));
        assert!(filter.would_enable("chatenium_desktop::events", &Level::DEBUG));
        assert!(filter.would_enable("chatenium_server::lib", &Level::INFO));
        assert!(!filter.would_enable("chatenium_server::error", &Level::DEBUG));
        assert!(!filter.would_enable("reqwest::connect", &Level::DEBUG));
        assert!(!filter.would_enable("tungstenite::handshake", &Level::INFO));
        assert!(filter.would_enable("tungstenite::handshake", &Level::WARN));
    }
}
