//! Helpers shared by the end-to-end test files.

use std::path::PathBuf;

/// The small SMART fixture (the hand-computed example of `docs/model.md` §3).
pub const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/small");

/// A fresh scratch folder holding a copy of the small fixture; `tag` keeps test files apart.
pub fn fixture_copy(tag: &str, name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tariffsim-{tag}-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for entry in std::fs::read_dir(FIXTURE).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.join(entry.file_name())).unwrap();
    }
    dir
}
