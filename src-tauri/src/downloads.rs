//! Where received files go, and showing one in the system's file manager.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The `downloadFolder` setting, else the system's download folder (`system`, from Tauri),
/// else `~/Downloads`: the system's lookup answers nothing on Linux when `user-dirs.dirs` is
/// missing (a bare session), and the home folder's Downloads is what a desktop would make.
pub fn folder(config_dir: &Path, system: Option<PathBuf>) -> PathBuf {
    crate::server::Settings::load(config_dir)
        .download_folder
        .or(system)
        .or_else(|| home().map(|h| h.join("Downloads")))
        .unwrap_or_else(|| PathBuf::from("Downloads"))
}

fn home() -> Option<PathBuf> {
    std::env::var_os(if cfg!(windows) { "USERPROFILE" } else { "HOME" }).map(PathBuf::from)
}

/// The command that opens the file manager at `path`: selecting the file where the platform
/// can (Finder, Explorer), else opening its folder (`xdg-open`, which hands a folder to the
/// desktop's file manager).
pub fn reveal_command(path: &Path) -> Command {
    if cfg!(target_os = "macos") {
        let mut command = Command::new("open");
        command.arg("-R").arg(path);
        command
    } else if cfg!(windows) {
        let mut command = Command::new("explorer");
        let mut select = std::ffi::OsString::from("/select,");
        select.push(path);
        command.arg(select);
        command
    } else {
        let mut command = Command::new("xdg-open");
        command.arg(path.parent().unwrap_or(path));
        command
    }
}

/// Opens the file manager at `path`; does not wait for it.
pub fn reveal(path: &Path) -> std::io::Result<()> {
    let mut child = reveal_command(path).spawn()?;
    // Reaped in the background so no zombie is left behind.
    std::thread::spawn(move || child.wait());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_folder_setting_wins() {
        let dir = tempfile::tempdir().unwrap();
        let settings = crate::server::Settings {
            download_folder: Some(dir.path().join("mine")),
            ..Default::default()
        };
        settings.save(dir.path()).unwrap();
        let system = dir.path().join("system");
        assert_eq!(
            folder(dir.path(), Some(system.clone())),
            dir.path().join("mine")
        );
        let other = tempfile::tempdir().unwrap();
        assert_eq!(folder(other.path(), Some(system.clone())), system);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn on_linux_the_containing_folder_is_opened() {
        let command = reveal_command(Path::new("/home/ada/Downloads/photo.png"));
        assert_eq!(command.get_program(), "xdg-open");
        let args: Vec<_> = command.get_args().collect();
        assert_eq!(args, ["/home/ada/Downloads"]);
    }
}
