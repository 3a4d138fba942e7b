//! The output folder: written whole or not at all, and never at the cost of a user's files.
//!
//! A run fills a hidden sibling folder (`.NAME.tmp-PID`) through a [`Stage`], which writes
//! each file whole and checks every write and flush. Only when every file succeeded is the
//! stage renamed into place. An existing folder is replaced only if it carries the
//! [`MARKER`] file and holds nothing but the files the marker lists (what the earlier run
//! wrote); both are checked again at the moment of the swap, so a folder that appears while
//! a run is writing is never touched. Leftovers of runs that were killed are removed by the
//! next run, and Ctrl-C or SIGTERM removes the stage of the run in progress.

use crate::error::ReportError;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Marks a folder as written by tariffsim; it lists the files the run wrote.
pub const MARKER: &str = ".tariffsim-output";

const MARKER_HEAD: &str =
    "This folder was written by tariffsim; a new run replaces the files listed below.\n";
/// The marker of versions before 0.2, which did not list the files: the files such a run
/// could have written count as its own.
const MARKER_UNLISTED: &str = "This folder was written by tariffsim; a new run replaces it whole.";
const KNOWN_OUTPUTS: [&str; 43] = [
    "flows.csv",
    "by_exporter.csv",
    "by_product.csv",
    "summary.csv",
    "change_by_exporter.png",
    "focus_products.png",
    "market_shares.png",
    "welfare.png",
    "uncertainty.csv",
    "sensitivity.csv",
    "tornado.png",
    "projection.csv",
    "projection.png",
    "sweep.csv",
    "sweep.png",
    "report.md",
    "gsim_prices.csv",
    "gsim_flows.csv",
    "gsim_welfare.csv",
    "gsim_world_prices.png",
    "gsim_welfare.png",
    "gsim_focus_destinations.png",
    "comparison.csv",
    "compare_focus.png",
    "compare_exporters.png",
    "elasticity_sets.csv",
    "tariff_timeline.csv",
    "tariff_timeline.png",
    "results.xlsx",
    "headline.tex",
    "change_by_exporter.svg",
    "focus_products.svg",
    "market_shares.svg",
    "welfare.svg",
    "tornado.svg",
    "projection.svg",
    "sweep.svg",
    "gsim_world_prices.svg",
    "gsim_welfare.svg",
    "gsim_focus_destinations.svg",
    "compare_focus.svg",
    "compare_exporters.svg",
    "tariff_timeline.svg",
];
/// Every chart file a run can write, as PNG and as its SVG twin (`--format png,svg`).
pub const CHART_FILES: [(&str, &str); 13] = [
    ("change_by_exporter.png", "change_by_exporter.svg"),
    ("focus_products.png", "focus_products.svg"),
    ("market_shares.png", "market_shares.svg"),
    ("welfare.png", "welfare.svg"),
    ("tornado.png", "tornado.svg"),
    ("projection.png", "projection.svg"),
    ("sweep.png", "sweep.svg"),
    ("gsim_world_prices.png", "gsim_world_prices.svg"),
    ("gsim_welfare.png", "gsim_welfare.svg"),
    ("gsim_focus_destinations.png", "gsim_focus_destinations.svg"),
    ("compare_focus.png", "compare_focus.svg"),
    ("compare_exporters.png", "compare_exporters.svg"),
    ("tariff_timeline.png", "tariff_timeline.svg"),
];
const MARKER_IN_PROGRESS: &str =
    "This folder is a tariffsim run in progress; it is removed if the run stops.\n";

/// Opens a file of the stage for writing. The real one creates the file; tests substitute
/// writers that fail, to check that no failure goes unnoticed.
pub type Opener = dyn Fn(&Path) -> io::Result<Box<dyn Write>> + Sync;

/// How a run may treat an existing output folder.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReplacePolicy {
    /// Replace a folder of an earlier run even if it holds other files; those are kept,
    /// moved into the new folder.
    pub force: bool,
}

/// Stages of runs in progress in this process, removed on Ctrl-C or SIGTERM. The lock is
/// also held during the swap, so that a signal never interrupts it half-way.
static IN_PROGRESS: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn in_progress() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    IN_PROGRESS.lock().unwrap_or_else(|e| e.into_inner())
}

/// Removes the stages of runs in progress (for a signal handler: Ctrl-C, SIGTERM). Holds
/// the lock afterwards, so no swap can start; the caller is expected to exit.
pub fn remove_stages_in_progress() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    let guard = in_progress();
    for dir in guard.iter() {
        // The writing thread may create a file between listing and removal: try again.
        for _ in 0..50 {
            match std::fs::remove_dir_all(dir) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => {
                    std::thread::sleep(std::time::Duration::from_millis(2))
                }
                _ => break,
            }
        }
    }
    guard
}

/// The hidden folder a run writes into before it is renamed into place.
pub struct Stage {
    dir: PathBuf,
    out_dir: PathBuf,
    written: Vec<String>,
    opener: Box<Opener>,
}

impl Stage {
    /// Writes one file whole: every write and the final flush (to disk) are checked.
    pub fn put(&mut self, name: &str, bytes: &[u8]) -> Result<(), ReportError> {
        self.put_pieces(name, |sink| sink(bytes))
    }

    /// Writes one file from pieces that `fill` hands to its sink in order, so that a large
    /// table need not be held in memory whole; checked as [`Stage::put`].
    pub fn put_pieces(
        &mut self,
        name: &str,
        fill: impl FnOnce(&mut dyn FnMut(&[u8]) -> Result<(), ReportError>) -> Result<(), ReportError>,
    ) -> Result<(), ReportError> {
        let shown = self.out_dir.join(name);
        let err = |source| ReportError::Write {
            path: shown.clone(),
            source,
        };
        if name.is_empty() || name.contains(['/', '\\']) || name.starts_with('.') {
            return Err(err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "not a plain file name",
            )));
        }
        if self.written.iter().any(|w| w == name) {
            return Err(err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                "written twice by one run",
            )));
        }
        let mut w = (self.opener)(&self.dir.join(name)).map_err(err)?;
        fill(&mut |bytes: &[u8]| w.write_all(bytes).map_err(err))?;
        w.flush().map_err(err)?;
        self.written.push(name.to_string());
        Ok(())
    }

    /// Lists the files written so far (in the marker) in the order of `names`, for files
    /// written out of that order; a file not in `names` keeps its place after them.
    pub fn list_in_order(&mut self, names: &[&str]) {
        self.written
            .sort_by_key(|w| names.iter().position(|n| n == w).unwrap_or(names.len()));
    }
}

/// A file that reaches the disk on flush: a full disk is reported here, not lost on close.
struct SyncedFile(std::fs::File);

impl Write for SyncedFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()?;
        self.0.sync_all()
    }
}

/// The real opener: a new file (never an existing one).
pub fn create_file(path: &Path) -> io::Result<Box<dyn Write>> {
    let f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?;
    Ok(Box::new(SyncedFile(f)))
}

/// Syncs to disk started on background threads, one per file, so that the next file is
/// rendered while the last one reaches the disk. The stage is renamed into place only after
/// every sync has succeeded ([`BackgroundSyncs::wait`]): a folder is still whole or absent.
#[derive(Clone, Default)]
struct BackgroundSyncs(std::sync::Arc<Mutex<Vec<PendingSync>>>);

/// A file whose bytes are written and whose sync runs on its own thread.
struct PendingSync {
    /// The file's name in the stage.
    name: String,
    done: SyncState,
}

/// A sync running, or its result when no thread could be started for it.
enum SyncState {
    Running(std::thread::JoinHandle<io::Result<()>>),
    Finished(io::Result<()>),
}

impl BackgroundSyncs {
    /// An opener like [`create_file`] whose files start their sync on flush and report it here.
    fn opener(&self) -> Box<Opener> {
        let syncs = self.clone();
        Box::new(move |path: &Path| {
            let file = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(path)?;
            Ok(Box::new(SyncLater {
                file,
                name: path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                syncs: syncs.clone(),
                unsynced: 0,
            }) as Box<dyn Write>)
        })
    }

    /// Waits for every sync started so far; the first failure (in the order the files were
    /// written) gives the file's name and the error.
    fn wait(&self) -> Result<(), (String, io::Error)> {
        let pending = std::mem::take(&mut *self.0.lock().unwrap_or_else(|e| e.into_inner()));
        let mut first = None;
        for p in pending {
            let result = match p.done {
                SyncState::Running(thread) => thread
                    .join()
                    .unwrap_or_else(|_| Err(io::Error::other("the sync to disk stopped"))),
                SyncState::Finished(r) => r,
            };
            if let (Err(e), None) = (result, &first) {
                first = Some((p.name, e));
            }
        }
        first.map_or(Ok(()), Err)
    }
}

/// A stage file whose flush writes it out and starts its sync on a background thread. A
/// large file also starts a sync of what it holds so far every [`EARLY_SYNC_BYTES`], so that
/// the last one has little left to do; every sync's result is checked before the swap.
struct SyncLater {
    file: std::fs::File,
    name: String,
    syncs: BackgroundSyncs,
    /// Bytes written since the last sync was started.
    unsynced: usize,
}

/// Bytes written to a stage file between two syncs started while it is written.
const EARLY_SYNC_BYTES: usize = 32 << 20;

impl SyncLater {
    /// Starts `sync` of the file on its own thread (here when no thread can be started) and
    /// records it, to be waited for before the swap.
    fn start_sync(&self, sync: fn(&std::fs::File) -> io::Result<()>) -> io::Result<()> {
        let file = self.file.try_clone()?;
        let done = match std::thread::Builder::new()
            .name("sync".into())
            .spawn(move || sync(&file))
        {
            Ok(thread) => SyncState::Running(thread),
            // No thread to spare: sync here.
            Err(_) => SyncState::Finished(sync(&self.file)),
        };
        self.syncs
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(PendingSync {
                name: self.name.clone(),
                done,
            });
        Ok(())
    }
}

impl Write for SyncLater {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.file.write(buf)?;
        self.unsynced += n;
        if self.unsynced >= EARLY_SYNC_BYTES {
            self.unsynced = 0;
            self.start_sync(std::fs::File::sync_data)?;
        }
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()?;
        self.unsynced = 0;
        self.start_sync(std::fs::File::sync_all)
    }
}

/// Refuses an output folder that holds the scenario file or any of its data files: a run
/// replaces its folder, and the inputs must survive it.
pub fn check_not_inputs(out_dir: &Path, inputs: &[&Path]) -> Result<(), ReportError> {
    let Ok(out) = std::fs::canonicalize(out_dir) else {
        return Ok(()); // does not exist yet: it holds nothing
    };
    for input in inputs {
        if let Ok(p) = std::fs::canonicalize(input)
            && p.starts_with(&out)
        {
            return Err(ReportError::HoldsInputs {
                path: out_dir.to_path_buf(),
                input: input.to_path_buf(),
            });
        }
    }
    Ok(())
}

/// What an existing output folder holds beyond the marker: the run's files, and others.
struct Contents {
    listed: Vec<String>,
    others: Vec<String>,
}

/// Reads an earlier run's folder: `None` if it is not one (no marker, or not a folder).
fn read_contents(dir: &Path) -> io::Result<Option<Contents>> {
    let meta = std::fs::symlink_metadata(dir)?;
    if !meta.is_dir() {
        return Ok(None);
    }
    let marker = match std::fs::read_to_string(dir.join(MARKER)) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) if e.kind() == io::ErrorKind::InvalidData => return Ok(None),
        Err(e) => return Err(e),
    };
    let listed: Vec<String> = if marker.trim_end() == MARKER_UNLISTED {
        KNOWN_OUTPUTS.iter().map(|s| s.to_string()).collect()
    } else {
        marker
            .lines()
            .filter_map(|l| l.strip_prefix("file: "))
            .map(str::to_string)
            .collect()
    };
    let mut others = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let name = entry?.file_name().to_string_lossy().into_owned();
        if name != MARKER && !listed.contains(&name) {
            others.push(name);
        }
    }
    others.sort();
    Ok(Some(Contents { listed, others }))
}

/// Checks that `out_dir` may be replaced by a run: absent, or an earlier run's folder
/// holding only its own files (or other files too, with `force`).
pub fn check_replaceable(out_dir: &Path, policy: ReplacePolicy) -> Result<(), ReportError> {
    match std::fs::symlink_metadata(out_dir) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(source) => {
            return Err(ReportError::Write {
                path: out_dir.to_path_buf(),
                source,
            });
        }
        Ok(_) => {}
    }
    let contents = read_contents(out_dir).map_err(|source| ReportError::Write {
        path: out_dir.to_path_buf(),
        source,
    })?;
    match contents {
        None => Err(ReportError::NotOurs {
            path: out_dir.to_path_buf(),
        }),
        Some(c) if !c.others.is_empty() && !policy.force => Err(ReportError::HoldsOtherFiles {
            path: out_dir.to_path_buf(),
            files: c.others,
        }),
        Some(_) => Ok(()),
    }
}

/// Whether the process that left a stage behind has gone. Only Linux can tell (/proc);
/// elsewhere nothing is treated as stale.
fn process_gone(pid: u32) -> bool {
    cfg!(target_os = "linux")
        && pid != std::process::id()
        && Path::new("/proc/self").exists()
        && !Path::new(&format!("/proc/{pid}")).exists()
}

/// Removes the leftovers (`.NAME.tmp-PID`, `.NAME.old-PID`) of earlier runs that were
/// killed, whose process is gone. Only folders carrying the marker are touched; an old
/// output folder loses only the files its marker lists.
fn remove_stale(parent: &Path, name: &str) {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = file_name.strip_prefix(&format!(".{name}.")) else {
            continue;
        };
        let (kind, pid) = match rest.split_once('-') {
            Some((kind @ ("tmp" | "old"), pid)) => match pid.parse::<u32>() {
                Ok(pid) => (kind, pid),
                Err(_) => continue,
            },
            _ => continue,
        };
        if !process_gone(pid) {
            continue;
        }
        let dir = entry.path();
        match (kind, read_contents(&dir)) {
            ("tmp", Ok(Some(_))) => {
                let _ = std::fs::remove_dir_all(&dir);
            }
            // Killed between making the stage and writing its marker: it is empty, and
            // removing an empty folder can never cost anyone a file.
            ("tmp", Ok(None)) => {
                let _ = std::fs::remove_dir(&dir);
            }
            ("old", Ok(Some(c))) => {
                remove_listed(&dir, &c);
            }
            _ => {}
        }
    }
}

/// Removes an earlier run's files and marker, then the folder if nothing else is left.
fn remove_listed(dir: &Path, c: &Contents) -> bool {
    for f in &c.listed {
        let _ = std::fs::remove_file(dir.join(f));
    }
    let _ = std::fs::remove_file(dir.join(MARKER));
    std::fs::remove_dir(dir).is_ok()
}

fn marker_text(files: &[String]) -> String {
    let mut s = MARKER_HEAD.to_string();
    for f in files {
        s.push_str("file: ");
        s.push_str(f);
        s.push('\n');
    }
    s
}

/// Runs `fill` on a new stage beside `out_dir`, then swaps it into place if every file was
/// written; otherwise removes it and leaves `out_dir` as it was.
pub fn write_atomically(
    out_dir: &Path,
    policy: ReplacePolicy,
    fill: impl FnOnce(&mut Stage) -> Result<(), ReportError>,
) -> Result<(), ReportError> {
    let syncs = BackgroundSyncs::default();
    write_staged(out_dir, policy, syncs.opener(), Some(&syncs), fill)
}

/// [`write_atomically`] with a chosen opener (tests inject failing writers here).
pub fn write_atomically_with(
    out_dir: &Path,
    policy: ReplacePolicy,
    opener: Box<Opener>,
    fill: impl FnOnce(&mut Stage) -> Result<(), ReportError>,
) -> Result<(), ReportError> {
    write_staged(out_dir, policy, opener, None, fill)
}

/// [`write_atomically_with`]; `syncs` holds the syncs the opener's files started, waited for
/// before the swap (and, after a failure, before the stage is removed).
fn write_staged(
    out_dir: &Path,
    policy: ReplacePolicy,
    opener: Box<Opener>,
    syncs: Option<&BackgroundSyncs>,
    fill: impl FnOnce(&mut Stage) -> Result<(), ReportError>,
) -> Result<(), ReportError> {
    let write_err = |path: &Path| {
        let path = path.to_path_buf();
        move |source| ReportError::Write { path, source }
    };
    check_replaceable(out_dir, policy)?;
    let parent = match out_dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = match out_dir.file_name() {
        Some(n) => n.to_string_lossy().into_owned(),
        None => {
            return Err(ReportError::Write {
                path: out_dir.to_path_buf(),
                source: io::Error::new(io::ErrorKind::InvalidInput, "not a folder name"),
            });
        }
    };
    std::fs::create_dir_all(&parent).map_err(write_err(&parent))?;
    remove_stale(&parent, &name);
    let pid = std::process::id();
    let tmp = parent.join(format!(".{name}.tmp-{pid}"));
    let old = parent.join(format!(".{name}.old-{pid}"));
    // A stage of this process id is from an earlier process that had the same id.
    match read_contents(&tmp) {
        Ok(Some(_)) => {
            let _ = std::fs::remove_dir_all(&tmp);
        }
        Ok(None) => {
            let _ = std::fs::remove_dir(&tmp);
        }
        Err(_) => {}
    }
    // Registered before it exists, so that a signal at any moment finds it.
    in_progress().push(tmp.clone());
    if let Err(source) = std::fs::create_dir(&tmp) {
        in_progress().retain(|p| p != &tmp);
        return Err(ReportError::Write { path: tmp, source });
    }
    let result = fill_and_swap(out_dir, &tmp, &old, policy, opener, syncs, fill);
    if let Some(syncs) = syncs {
        // After a failure, no sync may still hold a file of the stage being removed.
        let _ = syncs.wait();
    }
    let mut list = in_progress();
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    list.retain(|p| p != &tmp);
    result
}

fn fill_and_swap(
    out_dir: &Path,
    tmp: &Path,
    old: &Path,
    policy: ReplacePolicy,
    opener: Box<Opener>,
    syncs: Option<&BackgroundSyncs>,
    fill: impl FnOnce(&mut Stage) -> Result<(), ReportError>,
) -> Result<(), ReportError> {
    let mut stage = Stage {
        dir: tmp.to_path_buf(),
        out_dir: out_dir.to_path_buf(),
        written: Vec::new(),
        opener,
    };
    let marker_err = |source| ReportError::Write {
        path: tmp.join(MARKER),
        source,
    };
    let put_marker = |text: &str, opener: &Opener| -> io::Result<()> {
        let _ = std::fs::remove_file(tmp.join(MARKER));
        let mut w = opener(&tmp.join(MARKER))?;
        w.write_all(text.as_bytes())?;
        w.flush()
    };
    put_marker(MARKER_IN_PROGRESS, &*stage.opener).map_err(marker_err)?;
    fill(&mut stage)?;
    put_marker(&marker_text(&stage.written), &*stage.opener).map_err(marker_err)?;
    // Every file must be on disk before the folder is swapped into place.
    if let Some(syncs) = syncs {
        syncs.wait().map_err(|(name, source)| ReportError::Write {
            path: if name == MARKER {
                tmp.join(MARKER)
            } else {
                out_dir.join(name)
            },
            source,
        })?;
    }
    let new_files = stage.written.clone();
    // The swap, with signals held off: check the folder again now, not before writing.
    let _lock = in_progress();
    let moved_aside = match std::fs::symlink_metadata(out_dir) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        _ => {
            check_replaceable(out_dir, policy)?;
            std::fs::rename(out_dir, old).map_err(|source| ReportError::Write {
                path: out_dir.to_path_buf(),
                source,
            })?;
            // What was moved must still be an earlier run's folder: if another folder took
            // its place between the check and the rename, put it back untouched.
            match read_contents(old) {
                Ok(Some(c)) if policy.force || c.others.is_empty() => {
                    if let Some(clash) = c.others.iter().find(|o| new_files.contains(o)) {
                        let _ = std::fs::rename(old, out_dir);
                        return Err(ReportError::HoldsOtherFiles {
                            path: out_dir.to_path_buf(),
                            files: vec![clash.clone()],
                        });
                    }
                    Some(c)
                }
                _ => {
                    let _ = std::fs::rename(old, out_dir);
                    return Err(ReportError::NotOurs {
                        path: out_dir.to_path_buf(),
                    });
                }
            }
        }
    };
    if let Err(source) = std::fs::rename(tmp, out_dir) {
        if moved_aside.is_some() {
            let _ = std::fs::rename(old, out_dir);
        }
        return Err(ReportError::Write {
            path: out_dir.to_path_buf(),
            source,
        });
    }
    if let Some(c) = moved_aside {
        // Files the user added (kept with --force) move into the new folder.
        for other in &c.others {
            let _ = std::fs::rename(old.join(other), out_dir.join(other));
        }
        if !remove_listed(old, &c) {
            return Err(ReportError::KeptOld {
                path: out_dir.to_path_buf(),
                kept: old.to_path_buf(),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!(
            "tariffsim-outdir-{tag}-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    fn hidden_leftovers(parent: &Path) -> Vec<String> {
        std::fs::read_dir(parent)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with('.'))
            .collect()
    }

    fn two_files(stage: &mut Stage) -> Result<(), ReportError> {
        stage.put("a.csv", b"x,y\n1,2\n")?;
        stage.put("b.png", &[7u8; 5000])
    }

    #[test]
    fn writes_whole_folder_with_listed_marker() {
        let root = scratch("whole");
        let out = root.join("res");
        write_atomically(&out, ReplacePolicy::default(), two_files).unwrap();
        let marker = std::fs::read_to_string(out.join(MARKER)).unwrap();
        assert!(marker.contains("file: a.csv") && marker.contains("file: b.png"));
        assert_eq!(std::fs::read(out.join("b.png")).unwrap().len(), 5000);
        assert!(hidden_leftovers(&root).is_empty());
        // A second run replaces it.
        write_atomically(&out, ReplacePolicy::default(), |s| s.put("c.csv", b"1\n")).unwrap();
        assert!(out.join("c.csv").exists() && !out.join("a.csv").exists());
        assert!(hidden_leftovers(&root).is_empty());
    }

    /// A writer that accepts `limit` bytes, then fails like a full disk; or fails on flush.
    struct Failing {
        left: usize,
        fail_flush: bool,
    }
    impl Write for Failing {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if self.left == 0 {
                return Err(io::Error::from_raw_os_error(28)); // ENOSPC
            }
            let n = buf.len().min(self.left);
            self.left -= n;
            Ok(n)
        }
        fn flush(&mut self) -> io::Result<()> {
            if self.fail_flush {
                Err(io::Error::from_raw_os_error(28))
            } else {
                Ok(())
            }
        }
    }

    /// Opens real files, except PNGs, whose last write (or flush) fails.
    fn png_fails(flush_only: bool) -> Box<Opener> {
        Box::new(move |path: &Path| {
            if path.extension().is_some_and(|e| e == "png") {
                Ok(Box::new(Failing {
                    left: if flush_only { usize::MAX } else { 4999 },
                    fail_flush: flush_only,
                }) as Box<dyn Write>)
            } else {
                create_file(path)
            }
        })
    }

    #[test]
    fn a_failed_last_write_or_flush_fails_the_run_and_keeps_the_earlier_output() {
        for flush_only in [false, true] {
            let root = scratch(&format!("fail-{flush_only}"));
            let out = root.join("res");
            write_atomically(&out, ReplacePolicy::default(), |s| s.put("a.csv", b"old\n")).unwrap();
            let before = std::fs::read(out.join("a.csv")).unwrap();
            let r = write_atomically_with(
                &out,
                ReplacePolicy::default(),
                png_fails(flush_only),
                two_files,
            );
            assert!(
                matches!(r, Err(ReportError::Write { ref path, .. }) if path.ends_with("b.png")),
                "{r:?}"
            );
            assert_eq!(std::fs::read(out.join("a.csv")).unwrap(), before);
            assert!(!out.join("b.png").exists());
            assert!(hidden_leftovers(&root).is_empty());
        }
    }

    #[test]
    fn files_synced_in_the_background_are_whole_and_listed_in_the_order_asked() {
        let root = scratch("background");
        let out = root.join("res");
        write_atomically(&out, ReplacePolicy::default(), |s| {
            s.put_pieces("big.csv", |sink| {
                for k in 0..64u8 {
                    sink(&[k; 1 << 16])?;
                }
                Ok(())
            })?;
            s.put("a.csv", b"1\n")?;
            s.list_in_order(&["a.csv", "big.csv"]);
            Ok(())
        })
        .unwrap();
        let big = std::fs::read(out.join("big.csv")).unwrap();
        assert_eq!(big.len(), 64 << 16);
        assert!(
            big.chunks(1 << 16)
                .enumerate()
                .all(|(k, c)| c.iter().all(|&b| b == k as u8))
        );
        let marker = std::fs::read_to_string(out.join(MARKER)).unwrap();
        let listed: Vec<&str> = marker
            .lines()
            .filter_map(|l| l.strip_prefix("file: "))
            .collect();
        assert_eq!(listed, ["a.csv", "big.csv"]);
        assert!(hidden_leftovers(&root).is_empty());
    }

    #[test]
    fn a_failed_background_sync_or_a_later_failure_keeps_the_earlier_output() {
        let root = scratch("background-fail");
        let out = root.join("res");
        write_atomically(&out, ReplacePolicy::default(), |s| s.put("a.csv", b"old\n")).unwrap();
        // A file fails after a large one was written and its sync started.
        let r = write_atomically(&out, ReplacePolicy::default(), |s| {
            s.put_pieces("big.csv", |sink| sink(&[1u8; 1 << 20]))?;
            s.put("a.csv", b"new\n")?;
            Err(ReportError::Write {
                path: out.join("c.csv"),
                source: io::Error::other("refused by the test"),
            })
        });
        assert!(matches!(r, Err(ReportError::Write { ref path, .. }) if path.ends_with("c.csv")));
        // A sync that fails (a full disk found at the last moment) fails the run, naming the file.
        let syncs = BackgroundSyncs::default();
        syncs.0.lock().unwrap().push(PendingSync {
            name: "flows.csv".into(),
            done: SyncState::Finished(Err(io::Error::from_raw_os_error(28))),
        });
        let r = write_staged(
            &out,
            ReplacePolicy::default(),
            syncs.opener(),
            Some(&syncs),
            |s| s.put("a.csv", b"new\n"),
        );
        assert!(
            matches!(r, Err(ReportError::Write { ref path, .. }) if *path == out.join("flows.csv")),
            "{r:?}"
        );
        assert_eq!(std::fs::read(out.join("a.csv")).unwrap(), b"old\n");
        assert!(!out.join("big.csv").exists());
        assert!(hidden_leftovers(&root).is_empty());
    }

    #[test]
    fn a_folder_created_while_writing_is_left_alone() {
        let root = scratch("race");
        let out = root.join("res");
        let r = write_atomically(&out, ReplacePolicy::default(), |s| {
            s.put("a.csv", b"1\n")?;
            // Meanwhile, the user makes the folder and puts a file in it.
            std::fs::create_dir(&out).unwrap();
            std::fs::write(out.join("notes.txt"), "mine").unwrap();
            Ok(())
        });
        assert!(matches!(r, Err(ReportError::NotOurs { .. })), "{r:?}");
        assert_eq!(
            std::fs::read_to_string(out.join("notes.txt")).unwrap(),
            "mine"
        );
        assert!(hidden_leftovers(&root).is_empty());

        // Same with an earlier run's folder that the user adds a file to while writing.
        let out2 = root.join("res2");
        write_atomically(&out2, ReplacePolicy::default(), |s| s.put("a.csv", b"1\n")).unwrap();
        let r = write_atomically(&out2, ReplacePolicy::default(), |s| {
            std::fs::write(out2.join("notes.txt"), "mine").unwrap();
            s.put("a.csv", b"2\n")
        });
        assert!(
            matches!(r, Err(ReportError::HoldsOtherFiles { .. })),
            "{r:?}"
        );
        assert_eq!(
            std::fs::read_to_string(out2.join("notes.txt")).unwrap(),
            "mine"
        );
        assert_eq!(std::fs::read_to_string(out2.join("a.csv")).unwrap(), "1\n");
    }

    #[test]
    fn other_files_are_refused_or_kept_with_force() {
        let root = scratch("others");
        let out = root.join("res");
        write_atomically(&out, ReplacePolicy::default(), |s| s.put("a.csv", b"1\n")).unwrap();
        std::fs::write(out.join("scenario.toml"), "mine").unwrap();
        let r = write_atomically(&out, ReplacePolicy::default(), |s| s.put("a.csv", b"2\n"));
        match r {
            Err(ReportError::HoldsOtherFiles { files, .. }) => {
                assert_eq!(files, vec!["scenario.toml".to_string()])
            }
            other => panic!("{other:?}"),
        }
        let force = ReplacePolicy { force: true };
        write_atomically(&out, force, |s| s.put("a.csv", b"2\n")).unwrap();
        assert_eq!(std::fs::read_to_string(out.join("a.csv")).unwrap(), "2\n");
        assert_eq!(
            std::fs::read_to_string(out.join("scenario.toml")).unwrap(),
            "mine"
        );
        assert!(hidden_leftovers(&root).is_empty());
        // A user file with the name of a new output is never overwritten, even with force.
        let r = write_atomically(&out, force, |s| s.put("scenario.toml", b"x"));
        assert!(r.is_err());
        assert_eq!(
            std::fs::read_to_string(out.join("scenario.toml")).unwrap(),
            "mine"
        );
    }

    #[test]
    fn a_folder_of_an_earlier_version_is_replaced_but_other_files_are_not() {
        let root = scratch("legacy");
        let out = root.join("res");
        std::fs::create_dir(&out).unwrap();
        std::fs::write(out.join(MARKER), format!("{MARKER_UNLISTED}\n")).unwrap();
        std::fs::write(out.join("flows.csv"), "old").unwrap();
        write_atomically(&out, ReplacePolicy::default(), |s| s.put("a.csv", b"1\n")).unwrap();
        assert!(!out.join("flows.csv").exists());
        std::fs::write(out.join(MARKER), format!("{MARKER_UNLISTED}\n")).unwrap();
        std::fs::write(out.join("mine.txt"), "mine").unwrap();
        let r = write_atomically(&out, ReplacePolicy::default(), |s| s.put("a.csv", b"2\n"));
        assert!(
            matches!(r, Err(ReportError::HoldsOtherFiles { .. })),
            "{r:?}"
        );
        assert!(out.join("mine.txt").exists());
    }

    #[test]
    fn stale_leftovers_of_gone_processes_are_removed_and_nothing_else() {
        let root = scratch("stale");
        let out = root.join("res");
        // pid_max is at most 2^22 on Linux: these processes cannot exist.
        let gone_tmp = root.join(".res.tmp-4194399");
        let gone_old = root.join(".res.old-4194398");
        let not_ours = root.join(".res.tmp-4194397");
        for d in [&gone_tmp, &gone_old, &not_ours] {
            std::fs::create_dir(d).unwrap();
        }
        std::fs::write(gone_tmp.join(MARKER), MARKER_IN_PROGRESS).unwrap();
        std::fs::write(gone_tmp.join("half.png"), "x").unwrap();
        std::fs::write(gone_old.join(MARKER), marker_text(&["a.csv".into()])).unwrap();
        std::fs::write(gone_old.join("a.csv"), "1").unwrap();
        std::fs::write(not_ours.join("mine.txt"), "mine").unwrap();
        let gone_empty = root.join(".res.tmp-4194396");
        std::fs::create_dir(&gone_empty).unwrap();
        write_atomically(&out, ReplacePolicy::default(), |s| s.put("a.csv", b"1\n")).unwrap();
        if cfg!(target_os = "linux") {
            assert!(!gone_tmp.exists() && !gone_old.exists() && !gone_empty.exists());
        }
        assert!(not_ours.join("mine.txt").exists());
    }

    #[test]
    fn an_existing_file_or_foreign_folder_is_never_replaced() {
        let root = scratch("foreign");
        let file = root.join("res.txt");
        std::fs::write(&file, "mine").unwrap();
        assert!(write_atomically(&file, ReplacePolicy { force: true }, two_files).is_err());
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "mine");
        let dir = root.join("d");
        std::fs::create_dir(&dir).unwrap();
        assert!(matches!(
            write_atomically(&dir, ReplacePolicy { force: true }, two_files),
            Err(ReportError::NotOurs { .. })
        ));
        assert!(hidden_leftovers(&root).is_empty());
    }

    #[test]
    fn inputs_inside_the_output_folder_are_refused() {
        let root = scratch("inputs");
        let out = root.join("res");
        std::fs::create_dir_all(out.join("data")).unwrap();
        std::fs::write(out.join("data/trade.csv"), "x").unwrap();
        let r = check_not_inputs(&out, &[&out.join("data/trade.csv")]);
        assert!(matches!(r, Err(ReportError::HoldsInputs { .. })));
        assert!(check_not_inputs(&root.join("other"), &[&out.join("data/trade.csv")]).is_ok());
    }
}
