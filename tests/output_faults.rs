//! Faults around the output folder, through the real binary: interrupted and killed runs,
//! their leftovers, and a stderr that cannot be written.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_tariffsim");

fn scratch(name: &str) -> PathBuf {
    common::fixture_copy("faults", name)
}

fn hidden(dir: &Path, prefix: &str) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(prefix))
        .collect()
}

/// Starts a run and sends `signal` as soon as its stage folder appears. Returns the exit
/// status, or `None` if the run finished before the stage was seen (then try again).
fn signal_while_writing(dir: &Path, out: &Path, signal: &str) -> Option<std::process::ExitStatus> {
    let mut child = Command::new(BIN)
        .args(["run", "-q", "--out"])
        .arg(out)
        .arg(dir.join("scenario.toml"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stage = format!(".results.tmp-{}", child.id());
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success());
            return None;
        }
        if dir.join(&stage).exists() {
            let sent = Command::new("kill")
                .args([signal, &child.id().to_string()])
                .status()
                .unwrap();
            assert!(sent.success());
            return Some(child.wait().unwrap());
        }
        assert!(start.elapsed() < Duration::from_secs(120), "the run hung");
        std::thread::sleep(Duration::from_micros(200));
    }
}

#[cfg(unix)]
#[test]
fn ctrl_c_or_sigterm_while_writing_leaves_nothing_behind() {
    for signal in ["-INT", "-TERM"] {
        let dir = scratch(&format!("sig{signal}"));
        let out = dir.join("results");
        let mut caught = false;
        for _ in 0..20 {
            let _ = std::fs::remove_dir_all(&out);
            if let Some(status) = signal_while_writing(&dir, &out, signal) {
                assert!(!status.success());
                // Either nothing, or (signal just after the swap) the whole output.
                assert!(
                    !out.exists() || out.join("report.md").exists(),
                    "no half-written output"
                );
                assert!(hidden(&dir, ".results").is_empty(), "stage removed");
                caught = true;
                break;
            }
        }
        assert!(caught, "the signal never arrived while the run was writing");
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[cfg(target_os = "linux")]
#[test]
fn the_next_run_removes_the_leftovers_of_a_killed_run() {
    let dir = scratch("kill");
    let out = dir.join("results");
    let mut left = Vec::new();
    for _ in 0..20 {
        let _ = std::fs::remove_dir_all(&out);
        // Killed after the swap, the run leaves no stage: try again.
        if signal_while_writing(&dir, &out, "-KILL").is_some() {
            left = hidden(&dir, ".results.tmp-");
            if !left.is_empty() {
                break;
            }
        }
    }
    assert_eq!(left.len(), 1, "SIGKILL cannot be caught: its stage stays");
    let o = Command::new(BIN)
        .args(["run", "-q", "--out"])
        .arg(&out)
        .arg(dir.join("scenario.toml"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(hidden(&dir, ".results").is_empty(), "stale stage removed");
    assert!(out.join("report.md").exists());
    let _ = std::fs::remove_dir_all(&dir);
}

#[cfg(target_os = "linux")]
#[test]
fn an_unwritable_stderr_is_an_error_exit_not_a_panic() {
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let o = Command::new(BIN)
        .args(["validate", "/nonexistent/scenario.toml"])
        .stderr(full)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "exit 1, not a panic (101)");
}
