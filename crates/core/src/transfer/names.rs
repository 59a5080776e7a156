//! Where a received file lands. The name comes from the peer, so it is untrusted: it must
//! become one plain file name inside the download folder on every platform, and it must never
//! replace a file that is already there.

use std::io;
use std::path::{Path, PathBuf};

/// Longest name kept, in bytes: below every common file system's 255-byte limit, with room
/// for a " (12)" counter.
const MAX_NAME_BYTES: usize = 200;
/// The name used when nothing of the peer's name survives.
const FALLBACK: &str = "download";

/// Windows refuses these as a file's stem whatever the extension (`NUL.txt` is the device),
/// and so do its file shares; a Linux user may send the file on to a Windows machine.
const DEVICE_NAMES: &[&str] = &[
    "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$", "CLOCK$", "COM0", "COM1", "COM2", "COM3",
    "COM4", "COM5", "COM6", "COM7", "COM8", "COM9", "COM¹", "COM²", "COM³", "LPT0", "LPT1", "LPT2",
    "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9", "LPT¹", "LPT²", "LPT³",
];

/// A single, harmless file name from a peer's `name`: no path separators (either kind), no
/// `..` or leading dots (hidden files), no control or bidirectional-override characters (a
/// name that displays as `txt.exe`), no characters Windows forbids, no device names, no
/// trailing dots or spaces (Windows drops them), at most [`MAX_NAME_BYTES`]. Never empty.
pub fn sanitize(name: &str) -> String {
    let replaced: String = name
        .chars()
        .map(|c| if is_forbidden(c) { '_' } else { c })
        .collect();
    let trimmed = replaced
        .trim_matches(|c: char| c == '.' || c.is_whitespace())
        .to_owned();
    let mut clean = if trimmed.is_empty() || trimmed.chars().all(|c| c == '_') {
        FALLBACK.to_owned()
    } else {
        trimmed
    };
    if is_device_name(&clean) {
        clean.insert(0, '_');
    }
    shorten(&clean, MAX_NAME_BYTES)
}

fn is_forbidden(c: char) -> bool {
    c.is_control()
        || matches!(c, '/' | '\\' | '<' | '>' | ':' | '"' | '|' | '?' | '*')
        // Bidirectional embeddings, overrides and isolates, and the zero-width characters
        // that hide them.
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200B}'..='\u{200F}' | '\u{FEFF}')
}

fn is_device_name(name: &str) -> bool {
    // Windows compares the part before the first dot, ignoring case and trailing spaces.
    let stem = name.split('.').next().unwrap_or(name).trim_end();
    DEVICE_NAMES
        .iter()
        .any(|device| device.eq_ignore_ascii_case(stem))
}

/// `name` cut to `limit` bytes on a character boundary, keeping a short extension.
fn shorten(name: &str, limit: usize) -> String {
    if name.len() <= limit {
        return name.to_owned();
    }
    // An extension longer than a real one is just part of the name.
    let (stem, extension) = match split_extension(name) {
        (stem, extension) if extension.len() <= 16 => (stem, extension),
        _ => (name, ""),
    };
    let mut cut = limit - extension.len();
    while !stem.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}{extension}", &stem[..cut])
}

/// `("report", ".pdf")` from `report.pdf`; no extension for a name without a dot.
fn split_extension(name: &str) -> (&str, &str) {
    match name.rfind('.') {
        Some(dot) if dot > 0 => name.split_at(dot),
        _ => (name, ""),
    }
}

/// The `n`th alternative of `name`: `report (2).pdf`.
fn numbered(name: &str, n: u32) -> String {
    let (stem, extension) = split_extension(name);
    format!("{stem} ({n}){extension}")
}

/// Moves the finished `temp` file into `folder` under the sanitized `name`, or `name (1)`,
/// `name (2)`, ... when that is taken: an existing file is never replaced, also when another
/// program creates one meanwhile (the final step is a hard link, which fails on an existing
/// name, where a rename would replace it). Answers the final path.
pub fn place(temp: &Path, folder: &Path, name: &str) -> io::Result<PathBuf> {
    let name = sanitize(name);
    for n in 0..10_000u32 {
        let candidate = if n == 0 {
            name.clone()
        } else {
            numbered(&name, n)
        };
        let destination = folder.join(&candidate);
        // The sanitized name is one plain component, so this holds; checked anyway because
        // a file landing elsewhere is the one outcome this module exists to prevent.
        if destination.parent() != Some(folder) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "the file name leaves the download folder",
            ));
        }
        match std::fs::hard_link(temp, &destination) {
            Ok(()) => {
                std::fs::remove_file(temp)?;
                return Ok(destination);
            }
            Err(error) if error.kind() == io::ErrorKind::AlreadyExists => continue,
            // File systems without hard links (FAT, some network shares): check, then
            // rename. A file appearing between the two is the only (tiny) window left.
            Err(_) if !destination.exists() => {
                std::fs::rename(temp, &destination)?;
                return Ok(destination);
            }
            Err(_) => continue,
        }
    }
    Err(io::Error::new(
        io::ErrorKind::AlreadyExists,
        "every numbered name is taken",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_names_stay() {
        for name in [
            "report.pdf",
            "Ünnepi fotó (1).JPG",
            "a b c.tar.gz",
            "日本語.txt",
        ] {
            assert_eq!(sanitize(name), name);
        }
    }

    #[test]
    fn paths_dots_and_devices_become_plain_names() {
        assert_eq!(sanitize("../../etc/passwd"), "_.._etc_passwd");
        assert_eq!(sanitize("..\\..\\boot.ini"), "_.._boot.ini");
        assert_eq!(sanitize(".."), "download");
        assert_eq!(sanitize(".bashrc"), "bashrc");
        assert_eq!(sanitize("CON"), "_CON");
        assert_eq!(sanitize("nul.txt"), "_nul.txt");
        assert_eq!(sanitize("com1 .log"), "_com1 .log");
        assert_eq!(sanitize("LPT¹"), "_LPT¹");
        assert_eq!(sanitize("name. . ."), "name");
        assert_eq!(sanitize("a\u{0}b\nc\u{7f}"), "a_b_c_");
        assert_eq!(sanitize("evil\u{202E}fdp.exe"), "evil_fdp.exe");
        assert_eq!(sanitize("C:\\x"), "C__x");
        assert_eq!(sanitize("/"), "download");
        assert_eq!(sanitize(""), "download");
    }

    #[test]
    fn long_names_are_cut_on_a_character_boundary_keeping_the_extension() {
        let long = format!("{}.pdf", "é".repeat(300));
        let short = sanitize(&long);
        assert!(short.len() <= MAX_NAME_BYTES, "{}", short.len());
        assert!(short.ends_with("é.pdf"));
    }

    #[test]
    fn a_taken_name_gets_a_number_and_nothing_is_replaced() {
        let folder = tempfile::tempdir().unwrap();
        std::fs::write(folder.path().join("a.txt"), "old").unwrap();
        std::fs::write(folder.path().join("a (1).txt"), "old too").unwrap();
        let temp = folder.path().join(".part");
        std::fs::write(&temp, "new").unwrap();
        let placed = place(&temp, folder.path(), "a.txt").unwrap();
        assert_eq!(placed, folder.path().join("a (2).txt"));
        assert_eq!(std::fs::read_to_string(&placed).unwrap(), "new");
        assert_eq!(
            std::fs::read_to_string(folder.path().join("a.txt")).unwrap(),
            "old"
        );
        assert!(!temp.exists());
    }
}
