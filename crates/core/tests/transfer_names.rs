//! A corpus of hostile file names, as a peer could announce them: each received file must land
//! as one plain file directly inside the download folder, never outside it, never over an
//! existing file, and never as a device or hidden name.

use std::collections::BTreeSet;
use std::path::Path;

use chatenium_core::transfer::names;

fn corpus() -> Vec<String> {
    let mut names: Vec<String> = [
        "../escape.txt",
        "../../../../../../etc/passwd",
        "/etc/passwd",
        "/",
        "//server/share/x",
        "..\\..\\windows\\system32\\x.dll",
        "C:\\Windows\\win.ini",
        "C:relative.txt",
        "\\\\?\\C:\\x",
        "a/../../b",
        "./a",
        ".",
        "..",
        "...",
        "....",
        ". .",
        " ",
        "",
        "~/.ssh/authorized_keys",
        ".bashrc",
        ".chatenium-x.part",
        "%2e%2e%2fescape",
        "CON",
        "con.txt",
        "PRN.tar.gz",
        "aux",
        "NUL ",
        "nul.",
        "COM1",
        "com9.log",
        "LPT1",
        "lpt¹.txt",
        "CONIN$",
        "x\0y",
        "\0",
        "new\nline",
        "tab\tname",
        "bell\u{7}",
        "del\u{7f}",
        "c1\u{85}control",
        "evil\u{202E}gnp.exe",
        "zero\u{200B}width",
        "bom\u{FEFF}",
        "trailing.dots...",
        "trailing space ",
        "a:b",
        "a|b>c<d\"e?f*g",
        "report.pdf",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    names.push("x".repeat(5000));
    names.push(format!("{}.txt", "ű".repeat(400)));
    names.push(format!("../{}", "../".repeat(300)));
    names
}

#[test]
fn no_hostile_name_leaves_the_download_folder() {
    let root = tempfile::tempdir().unwrap();
    let folder = root.path().join("downloads");
    std::fs::create_dir(&folder).unwrap();
    std::fs::write(folder.join("report.pdf"), "already here").unwrap();
    let corpus = corpus();

    for (n, name) in corpus.iter().enumerate() {
        let temp = folder.join(format!(".part-{n}"));
        std::fs::write(&temp, name.as_bytes()).unwrap();
        let placed = names::place(&temp, &folder, name).expect(name);

        assert_eq!(
            placed.parent(),
            Some(folder.as_path()),
            "{name:?} -> {placed:?}"
        );
        let file_name = placed.file_name().unwrap().to_str().unwrap();
        assert!(
            !file_name.starts_with('.'),
            "{name:?} is hidden: {file_name:?}"
        );
        assert!(file_name.len() <= 220, "{name:?} is too long");
        assert!(
            !file_name
                .chars()
                .any(|c| c.is_control() || "/\\:*?\"<>|".contains(c)),
            "{name:?} -> {file_name:?}"
        );
        let stem = file_name
            .split('.')
            .next()
            .unwrap()
            .trim_end()
            .to_ascii_uppercase();
        assert!(
            !["CON", "PRN", "AUX", "NUL", "COM1", "COM9", "LPT1", "CONIN$"]
                .contains(&stem.as_str()),
            "{name:?} -> {file_name:?}"
        );
        // The file holds what was received, and the temporary file is gone.
        assert_eq!(std::fs::read(&placed).unwrap(), name.as_bytes());
        assert!(!temp.exists());
    }

    // Everything is directly in the folder: one file per name plus the one that was there,
    // which was not replaced; nothing appeared beside the folder.
    let inside: BTreeSet<String> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(inside.len(), corpus.len() + 1);
    assert_eq!(
        std::fs::read_to_string(folder.join("report.pdf")).unwrap(),
        "already here"
    );
    assert!(inside.contains("report (1).pdf"));
    let beside: Vec<_> = std::fs::read_dir(root.path()).unwrap().collect();
    assert_eq!(beside.len(), 1, "only the download folder is in its parent");
    assert!(no_files_outside(root.path(), &folder));
}

/// No regular file under `root` outside `folder`.
fn no_files_outside(root: &Path, folder: &Path) -> bool {
    let mut pending = vec![root.to_owned()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else if path.parent() != Some(folder) {
                return false;
            }
        }
    }
    true
}
