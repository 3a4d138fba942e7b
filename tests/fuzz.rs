//! A mutation fuzzer over scenario and CSV loading and a full run (stable Rust, no
//! `cargo fuzz`).
//!
//! Each execution takes one of four seed inputs (the small SMART fixture, the same with every
//! analysis layer, the GSIM 4×4 example, and GSIM with layers and region elasticities),
//! stacks one to four mutations on its files (structure-aware: TOML values, lines and tables,
//! CSV cells, columns, rows and line endings; and byte-level), writes them to a scratch
//! folder, loads the scenario and, if it loads, simulates it and renders every output in
//! memory. A sample of executions also runs `tariffsim run` on disk. Checked:
//!
//! - no panic (caught per execution), no hang (a watchdog);
//! - no non-finite number in an output: every numeric CSV cell parses to a finite number, and
//!   `report.md`, the terminal summary and the `validate` text show no `inf` or `NaN` outside
//!   the user's own text;
//! - an error is an `Err` with a message, and leaves no output folder and no stage behind.
//!
//! Short run (CI, by `cargo test`): 300 executions of a fixed seed. Long run:
//!
//! ```text
//! TARIFFSIM_FUZZ_EXECS=1000000 TARIFFSIM_FUZZ_SEED=1 cargo test --release --test fuzz -- --nocapture
//! ```
//!
//! Settings (environment): `TARIFFSIM_FUZZ_EXECS`, `TARIFFSIM_FUZZ_SEED`,
//! `TARIFFSIM_FUZZ_THREADS`, `TARIFFSIM_FUZZ_DISK_EVERY` (one on-disk run with charts per this
//! many executions), `TARIFFSIM_FUZZ_HANG_SECS`, `TARIFFSIM_FUZZ_ONLY` (run one execution
//! index, to reproduce it), `TARIFFSIM_FUZZ_REPLAY` (run the files saved in a crash folder
//! unchanged) and `TARIFFSIM_FUZZ_SHOW` (print the mutations of the first ten executions
//! whose outcome contains this text). The inputs of execution `i` depend only on the seed and `i`, not on the number
//! of threads. Failing inputs are saved under `target/fuzz-crashes/`.

use rand::rngs::ChaCha8Rng;
use rand::seq::IndexedRandom;
use rand::{RngExt, SeedableRng};
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tariffsim::report;
use tariffsim::{analysis, app, scenario};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const SCENARIO: &str = "scenario.toml";

// ---------------------------------------------------------------------------------------
// Settings

struct Config {
    execs: u64,
    seed: u64,
    threads: usize,
    disk_every: u64,
    hang: Duration,
    only: Option<u64>,
    show: Option<String>,
}

fn env_u64(name: &str) -> Option<u64> {
    let v = std::env::var(name).ok()?;
    match v.trim().replace('_', "").parse() {
        Ok(n) => Some(n),
        Err(_) => panic!("{name}={v}: expected a whole number"),
    }
}

impl Config {
    fn from_env() -> Self {
        let execs = env_u64("TARIFFSIM_FUZZ_EXECS").unwrap_or(300);
        let threads = env_u64("TARIFFSIM_FUZZ_THREADS")
            .map(|n| n.max(1) as usize)
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()));
        let default_hang = if cfg!(debug_assertions) { 120 } else { 20 };
        Config {
            execs,
            seed: env_u64("TARIFFSIM_FUZZ_SEED").unwrap_or(20_250_807),
            threads,
            // A run on disk renders every chart (tens of milliseconds each in release).
            disk_every: env_u64("TARIFFSIM_FUZZ_DISK_EVERY")
                .unwrap_or(if execs <= 1000 { 100 } else { 2000 })
                .max(1),
            hang: Duration::from_secs(env_u64("TARIFFSIM_FUZZ_HANG_SECS").unwrap_or(default_hang)),
            only: env_u64("TARIFFSIM_FUZZ_ONLY"),
            show: std::env::var("TARIFFSIM_FUZZ_SHOW").ok(),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Inputs

/// The files of one scenario: the scenario file first. `None` is a folder in place of a file.
#[derive(Clone, Debug)]
struct Input {
    files: Vec<(String, Option<Vec<u8>>)>,
}

impl Input {
    fn text(&self, name: &str) -> Option<String> {
        self.files
            .iter()
            .find(|(n, _)| n == name)
            .and_then(|(_, b)| b.as_ref())
            .map(|b| String::from_utf8_lossy(b).into_owned())
    }
}

fn read(rel: &str) -> Vec<u8> {
    std::fs::read(Path::new(ROOT).join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

const SMART_LAYERS: &str = r#"
[groups]
asia = ["China", "Vietnam"]

[[before]]
group = "all"
set_pct = 10
note = "a 10% duty on everyone"

[[before]]
exporter = "China"
hs_prefixes = ["61"]
change_pts = 15

[[policy]]
exporters = ["Pakistan"]
hs_prefixes = ["61"]
cut_by_pct = 50

[[policy]]
group = "asia"
hs_codes = ["630260"]
change_pts = 5

[report]
exporters = ["Pakistan", "China"]
top_products = 2

[uncertainty]
draws = 6
seed = 7
import_demand = { dist = "lognormal", median = 1.0, sigma = 0.4 }
substitution = { dist = "triangular", low = 0.5, mode = 1.0, high = 1.5 }
export_supply = { dist = "normal", relative = false, mean = 10, sd = 3 }

[sensitivity]
import_demand = [0.5, 1.5]
substitution = [0.5, 1.5]
export_supply = [1, "infinite"]

[projection]
start_year = 2025
end_year = 2028
baseline_growth_pct = 2.0
growth_pct_by_prefix = { "61" = 3.0 }
phase_in = [0.4, 1.0]
rates_exporter = "China"
rates_pct = [10, 12, 15]
adjustment_speed = 0.5

[sweep]
exporter = "Pakistan"
from_pct = 0
to_pct = 30
step_pct = 10
"#;

const GSIM_LAYERS: &str = r#"
[uncertainty]
draws = 5
seed = 3
import_demand = { dist = "uniform", low = 0.8, high = 1.2 }
export_supply = { dist = "lognormal", relative = false, median = 1.5, sigma = 0.3 }

[sensitivity]
substitution = [0.5, 2]
"#;

const REGION_ELASTICITIES: &str = "region,import_demand,substitution,export_supply,source\n\
US,-1.25,5,1.5,GSIM 4x4\nJP,1.1,,2,invented\nEU,-1.3,4,inf,invented\n";

/// The seed inputs: SMART and GSIM, each bare and with every analysis layer it supports.
fn corpus() -> Vec<(&'static str, Input)> {
    let small = |name: &str| {
        (
            name.to_string(),
            Some(read(&format!("tests/fixtures/small/{name}"))),
        )
    };
    let smart = Input {
        files: vec![
            small(SCENARIO),
            small("trade.csv"),
            small("applied.csv"),
            small("elasticities.csv"),
        ],
    };
    let mut layered = smart.clone();
    let toml = layered
        .text(SCENARIO)
        .unwrap()
        .replace("laird_yeats", "ces_share")
        .replace(
            "elasticities = \"elasticities.csv\"\n",
            "elasticities = \"elasticities.csv\"\npolicy_rates = \"policy_rates.csv\"\n",
        )
        + SMART_LAYERS;
    layered.files[0].1 = Some(toml.into_bytes());
    layered.files.push((
        "policy_rates.csv".into(),
        Some(b"product,exporter,before_pct,after_pct\n630260,Vietnam,25,20\n".to_vec()),
    ));

    let gsim_toml = String::from_utf8(read("scenarios/gsim-4x4-us-eu-fta.toml"))
        .unwrap()
        .replace("data/", "");
    let gsim = Input {
        files: vec![
            (SCENARIO.into(), Some(gsim_toml.clone().into_bytes())),
            (
                "gsim_4x4_trade.csv".into(),
                Some(read("scenarios/data/gsim_4x4_trade.csv")),
            ),
            (
                "gsim_4x4_tariffs.csv".into(),
                Some(read("scenarios/data/gsim_4x4_tariffs.csv")),
            ),
        ],
    };
    let mut gsim_layered = gsim.clone();
    let toml = gsim_toml
        .replace(
            "applied_tariffs = \"gsim_4x4_tariffs.csv\"\n",
            "applied_tariffs = \"gsim_4x4_tariffs.csv\"\nregion_elasticities = \"region_elasticities.csv\"\n",
        )
        .replace("form = \"linear\"", "form = \"levels\"")
        .replace("cs_formula = \"linear_demand\"", "")
        + GSIM_LAYERS;
    gsim_layered.files[0].1 = Some(toml.into_bytes());
    gsim_layered.files.push((
        "region_elasticities.csv".into(),
        Some(REGION_ELASTICITIES.as_bytes().to_vec()),
    ));
    vec![
        ("smart", smart),
        ("smart-layers", layered),
        ("gsim", gsim),
        ("gsim-layers", gsim_layered),
    ]
}

// ---------------------------------------------------------------------------------------
// Mutations

/// Numbers at the edges: zeros, the ends of the documented ranges, the limits of f64 and
/// of the integer types, and TOML's non-finite literals.
const TOML_NUMBERS: &[&str] = &[
    "0",
    "-0",
    "0.0",
    "-0.0",
    "1",
    "-1",
    "2",
    "3",
    "0.5",
    "-0.5",
    "0.999",
    "1.0001",
    "98.999",
    "99",
    "100",
    "-100",
    "1000",
    "1000.0000001",
    "-1000",
    "1001",
    "10001",
    "1899",
    "1900",
    "2100",
    "2101",
    "1e15",
    "1e-15",
    "1e-7",
    "1e100",
    "1e308",
    "-1e308",
    "1.7976931348623157e308",
    "1e-308",
    "5e-324",
    "-5e-324",
    "nan",
    "+nan",
    "-nan",
    "inf",
    "+inf",
    "-inf",
    "2147483647",
    "4294967296",
    "9223372036854775807",
    "-9223372036854775808",
    "0x10",
    "1_000",
];

/// Strings at the edges: empty, non-finite words, control characters, paths, Unicode.
const TOML_STRINGS: &[&str] = &[
    r#""""#,
    r#"" ""#,
    r#""NaN""#,
    r#""inf""#,
    r#""-inf""#,
    r#""infinite""#,
    r#""Infinity""#,
    r#""a\nb""#,
    r#""a\r\nb""#,
    r#""a\rb""#,
    r#""\u0000""#,
    r#""\u001b[2J""#,
    r#""\t""#,
    r#""../""#,
    r#""../../x.csv""#,
    r#""/""#,
    r#"".""#,
    r#""missing.csv""#,
    r#""/etc/hostname""#,
    r#""名前""#,
    r#""\u202Etxt.csv""#,
    r#""e\u0301""#,
    r#""😀""#,
    r#""a,b""#,
    r#""a\"b""#,
    "'literal'",
    "\"\"\"multi\nline\"\"\"",
];

const TOML_OTHERS: &[&str] = &[
    "true",
    "false",
    "[]",
    "[1]",
    "[0.5, 1.5]",
    "[1.5, 0.5]",
    "[0, 0]",
    "[nan, inf]",
    "[1e308, 1e308]",
    "[1, \"infinite\"]",
    "[\"x\"]",
    "[\"China\", \"China\"]",
    "{}",
    "{ \"6\" = 3.0 }",
    "{ \"\" = 1e308 }",
    "{ dist = \"normal\", sd = 1e308 }",
    "{ dist = \"lognormal\", sigma = 1e3 }",
    "{ dist = \"uniform\", low = 5e-324, high = 1e308, relative = false }",
    "{ dist = \"triangular\", low = 1, mode = 1, high = 1 }",
    "1979-05-27",
    "1979-05-27T07:32:00Z",
    "",
    "=",
];

/// Names and words the seeds use, so that a mutation can make a different valid input.
const NAMES: &[&str] = &[
    "Pakistan",
    "China",
    "Vietnam",
    "US",
    "JP",
    "EU",
    "RW",
    "630260",
    "611020",
    "all",
    "6",
    "61",
    "63",
    "630",
    "total",
    "additional",
    "ces_share",
    "laird_yeats",
    "linear",
    "levels",
    "fh_sign",
    "linear_demand",
    "smart",
    "gsim",
    "normal",
    "lognormal",
    "uniform",
    "triangular",
    "infinite",
    "asia",
    "USD",
    "US$",
    "Rest of world",
    "trade.csv",
    "applied.csv",
    "elasticities.csv",
    "policy_rates.csv",
    "region_elasticities.csv",
    "gsim_4x4_trade.csv",
    "gsim_4x4_tariffs.csv",
    "scenario.toml",
];

/// Lines that switch features on, to insert anywhere.
const LINES: &[&str] = &[
    "[uncertainty]",
    "draws = 4",
    "draws = 1",
    "seed = 0",
    "seed = 18446744073709551615",
    "import_demand = { dist = \"lognormal\", sigma = 0.4 }",
    "substitution = { dist = \"triangular\", low = 0.5, mode = 1.0, high = 1.5 }",
    "export_supply = { dist = \"normal\", relative = false, mean = 10, sd = 3 }",
    "export_supply = { dist = \"uniform\", low = 2, high = 20, relative = false }",
    "import_demand = { dist = \"normal\", relative = false, mean = 1e-300, sd = 1e-300 }",
    "[sensitivity]",
    "export_supply = [1, \"infinite\"]",
    "export_supply = [5e-324, 1e308]",
    "import_demand = [1e-300, 1e300]",
    "[projection]",
    "start_year = 2025",
    "end_year = 2027",
    "phase_in = [0.4, 1.0]",
    "rates_exporter = \"China\"",
    "rates_pct = [10, 1000]",
    "baseline_growth_pct = 100",
    "baseline_growth_pct = -50",
    "adjustment_speed = 1",
    "[sweep]",
    "exporter = \"China\"",
    "from_pct = 0",
    "to_pct = 1000",
    "step_pct = 250",
    "[report]",
    "top_products = 1",
    "exporters = []",
    "exporters = [\"China\"]",
    "[[policy]]",
    "[[before]]",
    "group = \"all\"",
    "set_pct = 1000",
    "set_pct = 0",
    "change_pts = -5",
    "change_pts = 1000",
    "cut_by_pct = 100",
    "layer = \"total\"",
    "[model]",
    "kind = \"gsim\"",
    "kind = \"smart\"",
    "form = \"levels\"",
    "form = \"linear\"",
    "cs_formula = \"fh_sign\"",
    "diversion = \"ces_share\"",
    "diversion = \"laird_yeats\"",
    "[groups]",
    "asia = [\"China\", \"Vietnam\"]",
    "importer = \"EU\"",
    "importers = [\"JP\", \"RW\"]",
    "hs_prefixes = [\"6\"]",
    "except_hs_prefixes = [\"61\"]",
    "[data]",
    "region_elasticities = \"region_elasticities.csv\"",
    "policy_rates = \"policy_rates.csv\"",
    "elasticities = \"elasticities.csv\"",
    "applied_tariffs = \"applied.csv\"",
    "[elasticities]",
    "import_demand = -1e-300",
    "substitution = 1e300",
    "export_supply = \"inf\"",
    "export_supply = 5e-324",
    "currency_unit = \"USD\"",
    "base_year = 2100",
];

const CSV_NUMBERS: &[&str] = &[
    "0",
    "-0",
    "0.0",
    "1",
    "-1",
    "0.5",
    "0.999",
    "1.5",
    "15",
    "99",
    "100",
    "-100",
    "1000",
    "1000.0000001",
    "1001",
    "1e15",
    "1e-15",
    "1e308",
    "-1e308",
    "1.7976931348623157e308",
    "1e309",
    "1e-308",
    "5e-324",
    "NaN",
    "nan",
    "inf",
    "-inf",
    "+inf",
    "infinity",
    "Infinity",
    "\" 15\"",
    "15 ",
    "15%",
    "1,000",
    "\"1,000\"",
    "0x10",
    "1_000",
    "+5",
    ".5",
    "5.",
    "1e",
    "-",
    "9223372036854775808",
];

const CSV_TEXTS: &[&str] = &[
    "",
    " ",
    "\"\"",
    "\"a\nb\"",
    "\"a\r\nb\"",
    "a\"b",
    "\"a\"\"b\"",
    "名前",
    "\u{202e}x",
    "\u{0}",
    "\u{1b}[2J",
    "\t",
    "../x",
    "NaN",
    "inf",
    "ALL",
    "all",
    "Rest of world",
    "\u{feff}product",
];

/// A short log of what was done to an input, for the crash report.
type Log = Vec<String>;

fn pick<'a>(rng: &mut ChaCha8Rng, list: &[&'a str]) -> &'a str {
    list.choose(rng).copied().unwrap_or("")
}

fn quoted(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Where the `=` of a `key = value` line is, if the line is one (not a table header).
fn assignment(line: &str) -> Option<usize> {
    let t = line.trim_start();
    if t.starts_with('[') || t.starts_with('#') {
        return None;
    }
    let mut in_quotes = false;
    for (i, c) in line.char_indices() {
        match c {
            '"' => in_quotes = !in_quotes,
            '=' if !in_quotes => return Some(i),
            _ => {}
        }
    }
    None
}

/// Byte spans of number-like tokens in `s` (at least one digit).
fn number_spans(s: &str) -> Vec<(usize, usize)> {
    let b = s.as_bytes();
    let mut spans = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_digit() {
            let mut start = i;
            while start > 0 && matches!(b[start - 1], b'-' | b'+' | b'.') {
                start -= 1;
            }
            let mut end = i;
            while end < b.len() && (b[end].is_ascii_digit() || matches!(b[end], b'.' | b'e' | b'E'))
            {
                end += 1;
                if end < b.len()
                    && matches!(b[end - 1], b'e' | b'E')
                    && matches!(b[end], b'-' | b'+')
                {
                    end += 1;
                }
            }
            spans.push((start, end));
            i = end.max(i + 1);
        } else {
            i += 1;
        }
    }
    spans
}

/// A new number near or far from the number `old`, an integer if `old` is one.
fn perturb_text(rng: &mut ChaCha8Rng, old: &str) -> String {
    match old.parse::<i64>() {
        Ok(n) if rng.random_bool(0.8) => {
            let m = match rng.random_range(0..6) {
                0 => n.saturating_mul(10),
                1 => n / 10,
                2 => n.saturating_neg(),
                3 => n.saturating_add(1),
                4 => n.saturating_sub(1),
                _ => n.saturating_mul(1000),
            };
            m.to_string()
        }
        _ => perturb(rng, old.parse().unwrap_or(1.0)),
    }
}

/// A new number near or far from `v`.
fn perturb(rng: &mut ChaCha8Rng, v: f64) -> String {
    let w = match rng.random_range(0..8) {
        0 => v * 10.0,
        1 => v / 10.0,
        2 => v * 1e6,
        3 => -v,
        4 => v + 1.0,
        5 => v - 1.0,
        6 => v + 1e-9,
        _ => v * rng.random_range(0.0..2.0),
    };
    let s = format!("{w:?}");
    if s.contains('.') || s.contains('e') || s.contains("inf") || s.contains("NaN") {
        s.replace("NaN", "nan")
    } else {
        format!("{s}.0")
    }
}

fn lines_of(text: &str) -> Vec<String> {
    text.split('\n').map(str::to_string).collect()
}

fn mutate_toml(rng: &mut ChaCha8Rng, text: &str, others: &[String], log: &mut Log) -> String {
    let mut lines = lines_of(text);
    if lines.is_empty() {
        lines.push(String::new());
    }
    let assigns: Vec<usize> = (0..lines.len())
        .filter(|&i| assignment(&lines[i]).is_some())
        .collect();
    let headers: Vec<usize> = (0..lines.len())
        .filter(|&i| lines[i].trim_start().starts_with('['))
        .collect();
    match rng.random_range(0..16) {
        // Replace a value.
        0..=6 if !assigns.is_empty() => {
            let i = *assigns.choose(rng).unwrap();
            let eq = assignment(&lines[i]).unwrap();
            let key = lines[i][..eq].trim().to_string();
            let old = lines[i][eq + 1..].trim().to_string();
            let old = old.split('#').next().unwrap_or("").trim();
            // Mostly a value of the same type, so that the file still parses.
            let kind = if rng.random_bool(0.3) {
                rng.random_range(0..5)
            } else if old.starts_with(['"', '\'']) {
                rng.random_range(2..4)
            } else if old.parse::<f64>().is_ok() {
                *[0, 4].choose(rng).unwrap()
            } else {
                rng.random_range(0..5)
            };
            let new = match kind {
                0 => pick(rng, TOML_NUMBERS).to_string(),
                1 => pick(rng, TOML_OTHERS).to_string(),
                2 => pick(rng, TOML_STRINGS).to_string(),
                3 => quoted(pick(rng, NAMES)),
                _ if old.parse::<f64>().is_ok() => perturb_text(rng, old),
                _ => pick(rng, TOML_NUMBERS).to_string(),
            };
            log.push(format!("line {}: `{key}` = {new:?}", i + 1));
            lines[i] = format!("{key} = {new}");
        }
        // Replace one number inside a line (arrays, inline tables).
        7..=9 => {
            let candidates: Vec<usize> = (0..lines.len())
                .filter(|&i| {
                    assignment(&lines[i])
                        .is_some_and(|eq| !number_spans(&lines[i][eq..]).is_empty())
                })
                .collect();
            if let Some(&i) = candidates.choose(rng) {
                let eq = assignment(&lines[i]).unwrap();
                let spans = number_spans(&lines[i][eq..]);
                let (a, b) = *spans.choose(rng).unwrap();
                let (a, b) = (a + eq, b + eq);
                let new = if rng.random_bool(0.7) {
                    pick(rng, TOML_NUMBERS).to_string()
                } else {
                    perturb_text(rng, &lines[i][a..b])
                };
                log.push(format!(
                    "line {}: number {:?} -> {new:?}",
                    i + 1,
                    &lines[i][a..b]
                ));
                lines[i].replace_range(a..b, &new);
            }
        }
        // Delete or duplicate a line.
        10 => {
            let i = rng.random_range(0..lines.len());
            if rng.random_bool(0.5) {
                log.push(format!("line {} deleted", i + 1));
                lines.remove(i);
            } else {
                log.push(format!("line {} duplicated", i + 1));
                let l = lines[i].clone();
                lines.insert(i, l);
            }
        }
        // Insert a feature line, or a line of another seed.
        11 | 12 => {
            let l = if rng.random_bool(0.7) || others.is_empty() {
                pick(rng, LINES).to_string()
            } else {
                let other = lines_of(others.choose(rng).unwrap());
                other.choose(rng).cloned().unwrap_or_default()
            };
            let i = if rng.random_bool(0.3) {
                lines.len()
            } else {
                rng.random_range(0..=lines.len())
            };
            log.push(format!("inserted at line {}: {l:?}", i + 1));
            lines.insert(i, l);
        }
        // Drop or duplicate a table.
        13 if !headers.is_empty() => {
            let k = rng.random_range(0..headers.len());
            let start = headers[k];
            let end = headers.get(k + 1).copied().unwrap_or(lines.len());
            if rng.random_bool(0.6) {
                log.push(format!("table {:?} dropped", lines[start]));
                lines.drain(start..end);
            } else {
                log.push(format!("table {:?} duplicated", lines[start]));
                let copy: Vec<String> = lines[start..end].to_vec();
                lines.splice(end..end, copy);
            }
        }
        // Rename a key to another known key.
        14 if !assigns.is_empty() => {
            let i = *assigns.choose(rng).unwrap();
            let eq = assignment(&lines[i]).unwrap();
            let keys: Vec<&str> = LINES.iter().filter_map(|l| l.split(" = ").next()).collect();
            let key = pick(rng, &keys);
            log.push(format!("line {}: key renamed to {key}", i + 1));
            lines[i] = format!("{key} ={}", &lines[i][eq + 1..]);
        }
        // Swap two lines.
        _ => {
            let (a, b) = (
                rng.random_range(0..lines.len()),
                rng.random_range(0..lines.len()),
            );
            log.push(format!("lines {} and {} swapped", a + 1, b + 1));
            lines.swap(a, b);
        }
    }
    lines.join("\n")
}

/// Splits a CSV line into raw cells (quotes kept), respecting quoted commas.
fn split_cells(line: &str) -> Vec<String> {
    let mut cells = vec![String::new()];
    let mut in_quotes = false;
    for c in line.chars() {
        match c {
            '"' => {
                in_quotes = !in_quotes;
                cells.last_mut().unwrap().push(c);
            }
            ',' if !in_quotes => cells.push(String::new()),
            _ => cells.last_mut().unwrap().push(c),
        }
    }
    cells
}

fn mutate_csv(rng: &mut ChaCha8Rng, text: &str, log: &mut Log) -> String {
    let trailing = text.ends_with('\n');
    let body = text.strip_suffix('\n').unwrap_or(text);
    let mut rows: Vec<Vec<String>> = body.split('\n').map(split_cells).collect();
    if rows.is_empty() {
        rows.push(vec![String::new()]);
    }
    let width = rows[0].len().max(1);
    match rng.random_range(0..11) {
        // Replace a cell (mostly in data rows).
        0..=3 => {
            let r = if rows.len() > 1 && rng.random_bool(0.9) {
                rng.random_range(1..rows.len())
            } else {
                0
            };
            let c = rng.random_range(0..rows[r].len().max(1));
            let new = match rng.random_range(0..5) {
                0 | 1 => pick(rng, CSV_NUMBERS).to_string(),
                2 => pick(rng, CSV_TEXTS).to_string(),
                3 => pick(rng, NAMES).to_string(),
                // A value from another row of the same column: duplicate keys and the like.
                _ => {
                    let other = rng.random_range(0..rows.len());
                    rows[other].get(c).cloned().unwrap_or_default()
                }
            };
            log.push(format!("row {} cell {} = {new:?}", r + 1, c + 1));
            if c < rows[r].len() {
                rows[r][c] = new;
            } else {
                rows[r].push(new);
            }
        }
        // Change a header cell (another column's name makes a duplicate header).
        4 => {
            let c = rng.random_range(0..rows[0].len().max(1));
            let other = rows[0][rng.random_range(0..rows[0].len())].clone();
            let new = match rng.random_range(0..4) {
                0 => other,
                1 => format!(" {} ", rows[0].get(c).cloned().unwrap_or_default()),
                2 => rows[0].get(c).cloned().unwrap_or_default().to_uppercase(),
                _ => pick(rng, CSV_TEXTS).to_string(),
            };
            log.push(format!("header cell {} = {new:?}", c + 1));
            if c < rows[0].len() {
                rows[0][c] = new;
            }
        }
        // Drop, duplicate or swap a column.
        5 => {
            let c = rng.random_range(0..width);
            match rng.random_range(0..3) {
                0 => {
                    log.push(format!("column {} dropped", c + 1));
                    for row in &mut rows {
                        if c < row.len() {
                            row.remove(c);
                        }
                    }
                }
                1 => {
                    log.push(format!("column {} duplicated", c + 1));
                    for row in &mut rows {
                        if c < row.len() {
                            let v = row[c].clone();
                            row.insert(c, v);
                        }
                    }
                }
                _ => {
                    let d = rng.random_range(0..width);
                    log.push(format!("columns {} and {} swapped", c + 1, d + 1));
                    for row in &mut rows {
                        if c < row.len() && d < row.len() {
                            row.swap(c, d);
                        }
                    }
                }
            }
        }
        // Duplicate, delete or swap rows; a row too short or too long; a blank line.
        6 | 7 => {
            let r = rng.random_range(0..rows.len());
            match rng.random_range(0..6) {
                0 | 1 => {
                    log.push(format!("row {} duplicated", r + 1));
                    let row = rows[r].clone();
                    let at = rng.random_range(0..=rows.len());
                    rows.insert(at, row);
                }
                2 => {
                    log.push(format!("row {} deleted", r + 1));
                    rows.remove(r);
                }
                3 => {
                    log.push(format!("row {} loses its last cell", r + 1));
                    rows[r].pop();
                }
                4 => {
                    log.push(format!("row {} gains a cell", r + 1));
                    rows[r].push("1".into());
                }
                _ => {
                    log.push(format!("blank line before row {}", r + 1));
                    rows.insert(r, vec![String::new()]);
                }
            }
        }
        // Many rows: the same row repeated (distinct product codes), for size.
        8 if rows.len() > 1 => {
            let n = rng.random_range(2..200);
            let r = rng.random_range(1..rows.len());
            log.push(format!(
                "row {} repeated {n} times with new product codes",
                r + 1
            ));
            for k in 0..n {
                let mut row = rows[r].clone();
                row[0] = format!("{}{k}", row[0]);
                rows.push(row);
            }
        }
        // Replace a number inside any cell by a perturbed one.
        _ => {
            let r = rng.random_range(0..rows.len());
            let c = rng.random_range(0..rows[r].len().max(1));
            if let Some(cell) = rows[r].get_mut(c)
                && let Ok(v) = cell.trim().parse::<f64>()
            {
                let new = perturb(rng, v);
                log.push(format!("row {} cell {}: {cell} -> {new}", r + 1, c + 1));
                *cell = new;
            }
        }
    }
    let mut out = rows
        .iter()
        .map(|r| r.join(","))
        .collect::<Vec<_>>()
        .join("\n");
    if trailing {
        out.push('\n');
    }
    out
}

const BYTES: &[u8] = b"\"',\n\r=[]{}#\\\0\t -.0123456789eE";

/// Byte-level mutations and whole-file changes (line endings, BOM, truncation, encoding).
fn mutate_bytes(rng: &mut ChaCha8Rng, b: &mut Vec<u8>, log: &mut Log) {
    let len = b.len();
    match rng.random_range(0..12) {
        0 if len > 0 => {
            let i = rng.random_range(0..len);
            let bit = rng.random_range(0..8);
            log.push(format!("bit {bit} of byte {i} flipped"));
            b[i] ^= 1 << bit;
        }
        1 => {
            let i = rng.random_range(0..=len);
            let v = if rng.random_bool(0.6) {
                *BYTES.choose(rng).unwrap()
            } else {
                rng.random()
            };
            log.push(format!("byte {v:#04x} inserted at {i}"));
            b.insert(i, v);
        }
        2 if len > 0 => {
            let i = rng.random_range(0..len);
            let n = rng.random_range(1..=len.min(16)).min(len - i);
            log.push(format!("{n} bytes deleted at {i}"));
            b.drain(i..i + n);
        }
        3 if len > 0 => {
            let i = rng.random_range(0..len);
            let n = rng.random_range(1..=64).min(len - i);
            let at = rng.random_range(0..=len);
            log.push(format!("{n} bytes at {i} copied to {at}"));
            let chunk = b[i..i + n].to_vec();
            b.splice(at..at, chunk);
        }
        4 => {
            log.push("CRLF line endings".into());
            *b = crlf(b, b"\r\n");
        }
        5 => {
            log.push("CR-only line endings".into());
            *b = crlf(b, b"\r");
        }
        6 => {
            log.push("byte order mark".into());
            b.splice(0..0, [0xef, 0xbb, 0xbf]);
        }
        7 => {
            let at = rng.random_range(0..=len);
            log.push(format!("truncated at {at}"));
            b.truncate(at);
        }
        8 => {
            let at = rng.random_range(0..=len);
            let bad: &[u8] = [&[0xffu8][..], &[0xc3], &[0xed, 0xa0, 0x80], &[0xfe, 0xff]]
                .choose(rng)
                .unwrap();
            log.push(format!("invalid UTF-8 {bad:x?} at {at}"));
            b.splice(at..at, bad.iter().copied());
        }
        9 => {
            log.push("last newline removed or blank lines added".into());
            if b.last() == Some(&b'\n') {
                b.pop();
            } else {
                b.extend_from_slice(b"\n\n\n");
            }
        }
        10 => {
            log.push("UTF-16 encoded".into());
            let text = String::from_utf8_lossy(b).into_owned();
            *b = [0xff, 0xfe]
                .into_iter()
                .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
                .collect();
        }
        _ if len > 0 => {
            let i = rng.random_range(0..len);
            let v = *BYTES.choose(rng).unwrap();
            log.push(format!("byte {i} = {v:#04x}"));
            b[i] = v;
        }
        _ => {}
    }
}

fn crlf(b: &[u8], eol: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(b.len() + b.len() / 20);
    for &c in b {
        if c == b'\n' {
            out.extend_from_slice(eol);
        } else {
            out.push(c);
        }
    }
    out
}

/// One to four mutations on random files of `seed`.
fn mutate(rng: &mut ChaCha8Rng, seed: &Input, others: &[String]) -> (Input, Log) {
    let mut input = seed.clone();
    let mut log = Log::new();
    // Mostly one or two mutations, so that many inputs still load and run to the end.
    let n = *[1, 1, 1, 1, 2, 2, 2, 3, 3, 4].choose(rng).unwrap();
    for _ in 0..n {
        let k = if rng.random_bool(0.45) {
            0
        } else {
            rng.random_range(0..input.files.len())
        };
        let name = input.files[k].0.clone();
        let Some(bytes) = input.files[k].1.as_mut() else {
            continue;
        };
        let mut entry = Log::new();
        match rng.random_range(0..20) {
            13..=16 => mutate_bytes(rng, bytes, &mut entry),
            17 if k > 0 => match rng.random_range(0..4) {
                0 => {
                    entry.push("removed".into());
                    input.files.remove(k);
                }
                1 => {
                    entry.push("a folder instead".into());
                    input.files[k].1 = None;
                }
                2 => {
                    entry.push("emptied".into());
                    bytes.clear();
                }
                _ => {
                    let j = rng.random_range(0..input.files.len());
                    let other = input.files[j].1.clone().unwrap_or_default();
                    entry.push(format!("content of {}", input.files[j].0));
                    input.files[k].1 = Some(other);
                }
            },
            18 if k > 0 => {
                // Only the header row, or the header twice.
                let text = String::from_utf8_lossy(bytes).into_owned();
                let head = text.split('\n').next().unwrap_or("").to_string();
                if rng.random_bool(0.5) {
                    entry.push("header only".into());
                    *bytes = format!("{head}\n").into_bytes();
                } else {
                    entry.push("header repeated as a row".into());
                    *bytes = format!("{head}\n{text}").into_bytes();
                }
            }
            _ => {
                let text = String::from_utf8_lossy(bytes).into_owned();
                let new = if k == 0 {
                    mutate_toml(rng, &text, others, &mut entry)
                } else {
                    mutate_csv(rng, &text, &mut entry)
                };
                *bytes = new.into_bytes();
            }
        }
        log.extend(entry.into_iter().map(|e| format!("{name}: {e}")));
    }
    (input, log)
}

// ---------------------------------------------------------------------------------------
// Checks

/// The user's own text in the input files, which an output may repeat: words (for the
/// reports) and whole values (for CSV cells). Text in TOML quotes counts, and every CSV cell
/// outside the numeric columns.
struct UserText {
    words: HashSet<String>,
    values: HashSet<String>,
}

const NUMERIC_COLUMNS: [&str; 7] = [
    "value",
    "rate_pct",
    "before_pct",
    "after_pct",
    "import_demand",
    "substitution",
    "export_supply",
];

fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
}

/// Every string of a TOML document, keys included.
fn toml_strings(v: &toml::Value, out: &mut HashSet<String>) {
    match v {
        toml::Value::String(s) => {
            out.insert(s.clone());
        }
        toml::Value::Array(a) => a.iter().for_each(|x| toml_strings(x, out)),
        toml::Value::Table(t) => {
            for (k, x) in t {
                out.insert(k.clone());
                toml_strings(x, out);
            }
        }
        _ => {}
    }
}

impl UserText {
    fn of(input: &Input) -> Self {
        let mut values = HashSet::new();
        for (k, (_, bytes)) in input.files.iter().enumerate() {
            let Some(bytes) = bytes else { continue };
            let text = String::from_utf8_lossy(bytes);
            if k == 0 {
                if let Ok(table) = toml::from_str::<toml::Table>(&text) {
                    toml_strings(&toml::Value::Table(table), &mut values);
                }
                continue;
            }
            let mut rdr = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .from_reader(bytes.as_slice());
            let mut header: Vec<String> = Vec::new();
            for (r, rec) in rdr.records().enumerate() {
                let Ok(rec) = rec else { continue };
                if r == 0 {
                    header = rec.iter().map(|h| h.trim().to_string()).collect();
                }
                for (c, cell) in rec.iter().enumerate() {
                    let numeric = r > 0
                        && header
                            .get(c)
                            .is_some_and(|h| NUMERIC_COLUMNS.contains(&h.as_str()));
                    if !numeric {
                        values.insert(cell.to_string());
                        values.insert(cell.trim().to_string());
                    }
                }
            }
        }
        let words = values
            .iter()
            .flat_map(|v| words(v))
            .filter(|w| matches!(*w, "inf" | "NaN"))
            .map(str::to_string)
            .collect();
        UserText { words, values }
    }

    /// The first word of `text` that reads like a non-finite number, unless the user wrote it.
    fn non_finite_word<'t>(&self, text: &'t str) -> Option<&'t str> {
        words(text).find(|w| matches!(*w, "inf" | "NaN") && !self.words.contains(*w))
    }
}

/// A failure of an execution: a class (what went wrong, where) and details.
#[derive(Debug, Clone)]
struct Failure {
    class: String,
    detail: String,
}

fn fail(class: impl Into<String>, detail: impl Into<String>) -> Failure {
    Failure {
        class: class.into(),
        detail: detail.into(),
    }
}

/// A finding beyond the fuzzer's pass criteria (reported, inputs saved, but not a failure).
const NOTE: &str = "note: ";

fn note(class: impl std::fmt::Display, detail: impl Into<String>) -> Failure {
    fail(format!("{NOTE}{class}"), detail)
}

/// Digits and quoted text replaced, so that messages of one kind group together.
fn normalize(msg: &str, dir: &Path) -> String {
    let msg = msg.replace(&*dir.to_string_lossy(), "");
    // A TOML error spans lines: its first line says where, its last what.
    let lines: Vec<&str> = msg.lines().filter(|l| !l.trim().is_empty()).collect();
    let msg = match lines.as_slice() {
        [first, .., last] => format!("{first} … {last}"),
        _ => msg.clone(),
    };
    let mut out = String::new();
    let mut in_quote = false;
    let mut last_hash = false;
    for c in msg.chars() {
        if c == '\'' {
            in_quote = !in_quote;
            out.push(c);
            continue;
        }
        if in_quote {
            continue;
        }
        if c.is_ascii_digit() {
            if !last_hash {
                out.push('#');
            }
            last_hash = true;
            continue;
        }
        last_hash = false;
        out.push(c);
        if out.chars().count() >= 90 {
            break;
        }
    }
    out
}

fn check_csv(name: &str, bytes: &[u8], user: &UserText, failures: &mut Vec<Failure>) {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(bytes);
    let mut header: Vec<String> = Vec::new();
    for (r, rec) in rdr.records().enumerate() {
        let rec = match rec {
            Ok(rec) => rec,
            Err(e) => {
                failures.push(fail(format!("unreadable CSV output {name}"), e.to_string()));
                return;
            }
        };
        if r == 0 {
            header = rec.iter().map(str::to_string).collect();
            continue;
        }
        for (c, cell) in rec.iter().enumerate() {
            if let Ok(v) = cell.trim().parse::<f64>()
                && !v.is_finite()
                && !user.values.contains(cell)
            {
                let column = header.get(c).cloned().unwrap_or_default();
                failures.push(fail(
                    format!("non-finite number in {name} column {column}"),
                    format!("line {}: {cell:?}", r + 1),
                ));
                return;
            }
        }
    }
}

fn check_text(what: &str, text: &str, user: &UserText, failures: &mut Vec<Failure>) {
    if let Some(w) = user.non_finite_word(text) {
        let line = text
            .lines()
            .find(|l| words(l).any(|x| x == w))
            .unwrap_or("");
        failures.push(fail(
            format!("non-finite number in {what}"),
            format!("{w:?} in line {:?}", line.trim()),
        ));
    }
}

fn check_output(name: &str, bytes: &[u8], user: &UserText, failures: &mut Vec<Failure>) {
    if name.ends_with(".csv") {
        check_csv(name, bytes, user, failures);
    } else if name.ends_with(".md") {
        match std::str::from_utf8(bytes) {
            Ok(text) => check_text(name, text, user, failures),
            Err(e) => failures.push(fail(format!("{name} is not UTF-8"), e.to_string())),
        }
    } else if name.ends_with(".png") && !bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        failures.push(fail(
            format!("{name} is not a PNG"),
            format!("{} bytes", bytes.len()),
        ));
    }
}

/// How an execution ended, for the tally; and whether the in-memory pipeline succeeded.
struct Verdict {
    tally: String,
    ok: bool,
    message: String,
}

fn error_verdict(stage: &str, msg: String, dir: &Path, failures: &mut Vec<Failure>) -> Verdict {
    if msg.trim().is_empty() {
        failures.push(fail(format!("empty error message from {stage}"), ""));
    }
    Verdict {
        tally: format!("{stage} error: {}", normalize(&msg, dir)),
        ok: false,
        message: msg,
    }
}

/// An output refused: a non-finite number that only the last guard before writing stopped
/// means a scenario was accepted that the model cannot compute. A failure of the loader or
/// the model, although nothing is written.
fn output_error(
    stage: &str,
    e: tariffsim::error::ReportError,
    dir: &Path,
    failures: &mut Vec<Failure>,
) -> Verdict {
    if let tariffsim::error::ReportError::NonFinite { path, what } = &e {
        let what = what.split('"').next().unwrap_or(what).trim();
        failures.push(fail(
            format!(
                "non-finite result stopped only by the output guard ({}: {what})",
                path.display()
            ),
            e.to_string(),
        ));
    }
    error_verdict(stage, e.to_string(), dir, failures)
}

/// Lines in a file, with `\r\n`, `\n` and a lone `\r` each ending one.
fn count_lines(bytes: &[u8]) -> u64 {
    let mut n = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\n' => n += 1,
            b'\r' if bytes.get(i + 1) != Some(&b'\n') => n += 1,
            _ => {}
        }
        i += 1;
    }
    if bytes.last().is_some_and(|b| !matches!(b, b'\n' | b'\r')) {
        n += 1;
    }
    n.max(1)
}

/// An error that names a line must name one of the file.
fn check_error_line(e: &tariffsim::error::ScenarioError, failures: &mut Vec<Failure>) {
    use tariffsim::error::ScenarioError as E;
    let (path, line) = match e {
        E::Invalid { path, line, .. } => (path, *line as u64),
        E::Csv { path, line, .. } => (path, *line),
        _ => return,
    };
    let Ok(bytes) = std::fs::read(path) else {
        return;
    };
    let lines = count_lines(&bytes);
    if line == 0 || line > lines {
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        failures.push(note(
            "an error names a line the file does not have",
            format!("{name} has {lines} lines: {e}"),
        ));
    }
}

/// Control characters in text for a terminal (other than newline and tab).
fn check_controls(what: &str, text: &str, failures: &mut Vec<Failure>) {
    if let Some(c) = text
        .chars()
        .find(|&c| c.is_control() && c != '\n' && c != '\t')
    {
        failures.push(note(
            format!("control character in {what}"),
            format!(
                "{c:?} in {:?}",
                text.lines().find(|l| l.contains(c)).unwrap_or("")
            ),
        ));
    }
}

fn scenario_error_tally(e: &tariffsim::error::ScenarioError) -> &'static str {
    use tariffsim::error::ScenarioError as E;
    match e {
        E::Read { .. } => "load (read)",
        E::Toml { .. } => "load (TOML)",
        E::Invalid { .. } => "load (field)",
        E::Csv { .. } => "load (CSV)",
        _ => "load (other)",
    }
}

/// Simulates a loaded scenario and renders its outputs in memory, as `tariffsim run` does
/// (charts only when `charts`).
fn run_in_memory(
    s: &scenario::Scenario,
    user: &UserText,
    dir: &Path,
    charts: bool,
    stage: &dyn Fn(&'static str),
    failures: &mut Vec<Failure>,
) -> Verdict {
    let mut outputs: Vec<(&'static str, Vec<u8>)> = Vec::new();
    let mut allowed = report::guard::scenario_words(s);
    stage("simulate");
    let gsim_run = match analysis::gsim::GsimEngine::new(s)
        .map(|e| e.run())
        .transpose()
    {
        Ok(run) => run,
        Err(e) => return error_verdict("GSIM", e.to_string(), dir, failures),
    };
    let smart_outcome;
    let outcome = match &gsim_run {
        Some(run) => &run.market,
        None => {
            smart_outcome = match analysis::simulate(s) {
                Ok(o) => o,
                Err(e) => return error_verdict("SMART", e.to_string(), dir, failures),
            };
            &smart_outcome
        }
    };
    stage("layers");
    let layers = match app::compute_layers(s, outcome, false) {
        Ok(l) => l,
        Err(e) => return error_verdict("layer", e.to_string(), dir, failures),
    };
    let detail = match (&gsim_run, s.gsim()) {
        (Some(run), Some(setup)) => {
            allowed.extend(report::guard::user_words(
                setup.regions.iter().map(String::as_str),
            ));
            report::ModelDetail::Gsim(report::gsim::GsimDetail { setup, run })
        }
        _ => report::ModelDetail::Single,
    };
    let run = report::RunReport {
        scenario: s,
        outcome,
        command: "tariffsim run (fuzz)".into(),
        version: tariffsim::VERSION,
        layers,
        detail,
        policy_line: Default::default(),
    };
    stage("render");
    for a in report::run_artifacts(&run.layers, &run.detail) {
        let name = a.file_name();
        if name.ends_with(".png") && !charts {
            continue;
        }
        match a.render(&run) {
            Ok(bytes) => outputs.push((name, bytes)),
            Err(e) => return output_error("output", e, dir, failures),
        }
    }
    let summary_text = report::summary(&run);
    for (name, bytes) in &outputs {
        check_output(name, bytes, user, failures);
    }
    check_text("the terminal summary", &summary_text, user, failures);
    check_controls("the terminal summary", &summary_text, failures);
    // `tariffsim run` checks the summary before writing: a summary the guard refuses
    // would fail the run (with no output), which a loaded scenario must never do.
    if let Err(e) = report::guard::check_text("the terminal summary", &summary_text, &allowed) {
        failures.push(fail(
            "the terminal summary of a loaded scenario is refused by the guard",
            e.to_string(),
        ));
    }
    Verdict {
        tally: if s.gsim().is_some() {
            "ok (GSIM)".into()
        } else {
            "ok (SMART)".into()
        },
        ok: true,
        message: String::new(),
    }
}

/// `tariffsim run` on disk: an error leaves no output folder and no stage; a success writes
/// a whole folder whose files pass the checks.
fn run_on_disk(dir: &Path, user: &UserText, verdict: &Verdict, failures: &mut Vec<Failure>) {
    let out = dir.join("results");
    let _ = std::fs::remove_dir_all(&out);
    let args = tariffsim::cli::RunArgs::new(
        dir.join("in").join(SCENARIO),
        Some(out.clone()),
        true,
        "tariffsim run (fuzz)".into(),
    );
    let result = app::run_scenario(&args);
    let leftovers: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with(".results."))
                .collect()
        })
        .unwrap_or_default();
    if !leftovers.is_empty() {
        failures.push(fail("a stage folder is left behind", leftovers.join(", ")));
    }
    match result {
        Err(e) => {
            let msg = e.to_string();
            if msg.trim().is_empty() {
                failures.push(fail("empty error message from tariffsim run", ""));
            }
            if out.exists() {
                failures.push(fail(
                    "output folder written by a run that failed",
                    msg.clone(),
                ));
            }
            if verdict.ok {
                // The in-memory run skipped the charts; a chart may refuse its data.
                if !msg.contains("chart") {
                    failures.push(fail(
                        "tariffsim run fails where the in-memory run succeeded",
                        msg,
                    ));
                }
            } else if msg != verdict.message && !verdict.message.contains(&msg) {
                failures.push(fail(
                    "tariffsim run and the in-memory run fail differently",
                    format!("run: {msg}\nin memory: {}", verdict.message),
                ));
            }
        }
        Ok(()) => {
            if !verdict.ok {
                failures.push(fail(
                    "tariffsim run succeeds where the in-memory run failed",
                    verdict.message.clone(),
                ));
            }
            match std::fs::read_dir(&out) {
                Ok(rd) => {
                    let mut names = Vec::new();
                    for e in rd.flatten() {
                        let name = e.file_name().to_string_lossy().into_owned();
                        if let Ok(bytes) = std::fs::read(e.path()) {
                            check_output(&name, &bytes, user, failures);
                        }
                        names.push(name);
                    }
                    for needed in [report::MARKER, "report.md"] {
                        if !names.iter().any(|n| n == needed) {
                            failures.push(fail(format!("successful run wrote no {needed}"), ""));
                        }
                    }
                }
                Err(e) => {
                    failures.push(fail("successful run left no output folder", e.to_string()))
                }
            }
        }
    }
    let _ = std::fs::remove_dir_all(&out);
}

fn write_input(input: &Input, dir: &Path) -> std::io::Result<()> {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir)?;
    for (name, bytes) in &input.files {
        match bytes {
            Some(b) => std::fs::write(dir.join(name), b)?,
            None => std::fs::create_dir_all(dir.join(name))?,
        }
    }
    Ok(())
}

/// One execution: write, load, validate, run in memory, maybe run on disk.
fn execute(
    input: &Input,
    dir: &Path,
    disk: bool,
    stage: &dyn Fn(&'static str),
) -> (String, Vec<Failure>) {
    let mut failures = Vec::new();
    let in_dir = dir.join("in");
    stage("write");
    write_input(input, &in_dir).expect("cannot write the scratch folder");
    let path = in_dir.join(SCENARIO);
    let user = UserText::of(input);
    stage("load");
    let verdict = match scenario::load(&path) {
        Err(e) => {
            check_error_line(&e, &mut failures);
            // As the terminal shows it (control characters escaped by the binary).
            check_controls(
                "an error message",
                &tariffsim::app::error_text(&e),
                &mut failures,
            );
            let tally = scenario_error_tally(&e);
            error_verdict(tally, e.to_string(), dir, &mut failures)
        }
        Ok(s) => {
            stage("validate");
            match app::validate(&path) {
                Ok(text) => {
                    check_text("the validate text", &text, &user, &mut failures);
                    check_controls("the validate text", &text, &mut failures);
                }
                Err(e) => failures.push(fail(
                    "validate fails on a scenario that loads",
                    e.to_string(),
                )),
            }
            run_in_memory(&s, &user, dir, false, stage, &mut failures)
        }
    };
    if disk {
        stage("run on disk");
        run_on_disk(dir, &user, &verdict, &mut failures);
    }
    (verdict.tally, failures)
}

// ---------------------------------------------------------------------------------------
// Driver: threads, panics, the watchdog, crash folders, the summary

thread_local! {
    static LAST_PANIC: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}
static RECENT_PANICS: Mutex<Vec<String>> = Mutex::new(Vec::new());
static FUZZING: AtomicBool = AtomicBool::new(false);

/// While fuzzing, panics are recorded (message and location) instead of printed.
fn install_panic_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !FUZZING.load(Ordering::SeqCst) {
                return default(info);
            }
            let msg = payload_text(info.payload());
            let at = info
                .location()
                .map(|l| format!("{}:{}", l.file(), l.line()))
                .unwrap_or_default();
            let text = format!("{msg} (at {at})");
            LAST_PANIC.with(|p| *p.borrow_mut() = Some(text.clone()));
            let mut recent = RECENT_PANICS.lock().unwrap_or_else(|e| e.into_inner());
            if recent.len() >= 64 {
                recent.remove(0);
            }
            recent.push(text);
        }));
    });
}

fn payload_text(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(non-text panic)".into())
}

/// The message and location of the panic just caught (raised on this thread, or on a rayon
/// thread and carried over).
fn caught_panic(payload: &(dyn std::any::Any + Send)) -> String {
    let msg = payload_text(payload);
    if let Some(t) = LAST_PANIC.with(|p| p.borrow_mut().take()) {
        return t;
    }
    let recent = RECENT_PANICS.lock().unwrap_or_else(|e| e.into_inner());
    recent
        .iter()
        .rev()
        .find(|t| t.starts_with(&msg))
        .cloned()
        .unwrap_or(msg)
}

/// The execution a worker runs: when it started, its index, its input and mutations.
type Running = (Instant, u64, Arc<(Input, Log)>);

/// What a worker is doing, for the watchdog.
struct Slot {
    current: Mutex<Option<Running>>,
    stage: Mutex<&'static str>,
    reported: AtomicU64,
}

struct Shared {
    cfg: Config,
    corpus: Vec<(&'static str, Input)>,
    others: Vec<String>,
    scratch: PathBuf,
    crash_root: PathBuf,
    next: AtomicU64,
    done: AtomicU64,
    shown: AtomicU64,
    stop: AtomicBool,
    slots: Vec<Slot>,
    tally: Mutex<BTreeMap<String, u64>>,
    failures: Mutex<BTreeMap<String, (u64, Vec<String>)>>,
    slow: Mutex<Vec<(Duration, u64, String)>>,
}

/// The input of execution `i`: the unmutated seeds first, then mutants.
fn input_for(sh: &Shared, i: u64) -> (Input, Log, &'static str) {
    let n = sh.corpus.len() as u64;
    if i < n {
        let (name, input) = &sh.corpus[i as usize];
        return (input.clone(), vec![format!("seed {name} unchanged")], name);
    }
    let mut rng = ChaCha8Rng::seed_from_u64(sh.cfg.seed);
    rng.set_stream(i);
    let (name, seed) = sh.corpus.choose(&mut rng).unwrap();
    let (input, log) = mutate(&mut rng, seed, &sh.others);
    (input, log, name)
}

fn save_crash(sh: &Shared, class: &str, i: u64, input: &Input, log: &Log, detail: &str) -> PathBuf {
    let slug: String = class
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .take(100)
        .collect();
    let dir = sh
        .crash_root
        .join(format!("{slug}-seed{}-exec{i}", sh.cfg.seed));
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::create_dir_all(&dir);
    for (name, bytes) in &input.files {
        let _ = match bytes {
            Some(b) => std::fs::write(dir.join(name), b),
            None => std::fs::create_dir_all(dir.join(name)),
        };
    }
    let note = format!(
        "class: {class}\nseed: {} execution: {i}\nreproduce: TARIFFSIM_FUZZ_SEED={} TARIFFSIM_FUZZ_ONLY={i} cargo test --test fuzz -- --nocapture\nreplay: TARIFFSIM_FUZZ_REPLAY={} cargo test --test fuzz -- --nocapture\nmutations:\n  {}\ndetail:\n{detail}\n",
        sh.cfg.seed,
        sh.cfg.seed,
        dir.display(),
        log.join("\n  ")
    );
    let _ = std::fs::write(dir.join("FAILURE.txt"), note);
    dir
}

fn record_failure(sh: &Shared, f: &Failure, i: u64, input: &Input, log: &Log) {
    let mut map = sh.failures.lock().unwrap_or_else(|e| e.into_inner());
    let entry = map.entry(f.class.clone()).or_insert((0, Vec::new()));
    entry.0 += 1;
    if entry.1.len() < 3 {
        let dir = save_crash(sh, &f.class, i, input, log, &f.detail);
        let first_line = f.detail.lines().next().unwrap_or("");
        entry
            .1
            .push(format!("exec {i}: {first_line} -> {}", dir.display()));
        eprintln!(
            "[{}] exec {i}: {first_line}\n  saved in {}",
            f.class,
            dir.display()
        );
    }
}

fn worker(sh: &Shared, k: usize) {
    let dir = sh.scratch.join(format!("t{k}"));
    let slot = &sh.slots[k];
    let stage = |s: &'static str| *slot.stage.lock().unwrap_or_else(|e| e.into_inner()) = s;
    loop {
        if sh.stop.load(Ordering::SeqCst) {
            break;
        }
        let i = match sh.cfg.only {
            Some(only) => {
                if sh.next.fetch_add(1, Ordering::SeqCst) > 0 {
                    break;
                }
                only
            }
            None => {
                let i = sh.next.fetch_add(1, Ordering::SeqCst);
                if i >= sh.cfg.execs {
                    break;
                }
                i
            }
        };
        let (input, log, seed_name) = input_for(sh, i);
        let disk = i < sh.corpus.len() as u64 || i % sh.cfg.disk_every == sh.cfg.disk_every - 1;
        let job = Arc::new((input, log));
        *slot.current.lock().unwrap_or_else(|e| e.into_inner()) =
            Some((Instant::now(), i, job.clone()));
        let start = Instant::now();
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            execute(&job.0, &dir, disk, &stage)
        }));
        let took = start.elapsed();
        *slot.current.lock().unwrap_or_else(|e| e.into_inner()) = None;
        let at = *slot.stage.lock().unwrap_or_else(|e| e.into_inner());
        let (tally, failures) = match result {
            Ok(r) => r,
            Err(payload) => {
                let text = caught_panic(&*payload);
                let location = text
                    .rsplit(" (at ")
                    .next()
                    .unwrap_or("")
                    .trim_end_matches(')');
                (
                    "panic".to_string(),
                    vec![fail(format!("panic while {at} at {location}"), text)],
                )
            }
        };
        for f in &failures {
            record_failure(sh, f, i, &job.0, &job.1);
        }
        let show = sh
            .cfg
            .show
            .as_ref()
            .is_some_and(|w| tally.contains(w.as_str()))
            && sh.shown.fetch_add(1, Ordering::SeqCst) < 10;
        if sh.cfg.only.is_some() || show {
            println!("execution {i} (seed {seed_name}): {tally}");
            println!("mutations:\n  {}", job.1.join("\n  "));
        }
        *sh.tally
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(format!("{seed_name}: {tally}"))
            .or_default() += 1;
        if took > Duration::from_secs(1) {
            let mut slow = sh.slow.lock().unwrap_or_else(|e| e.into_inner());
            slow.push((took, i, format!("{seed_name}, {at}, {tally}")));
            slow.sort_by_key(|s| std::cmp::Reverse(s.0));
            slow.truncate(5);
        }
        sh.done.fetch_add(1, Ordering::SeqCst);
    }
}

/// Checks the workers: an execution over the time limit is a hang (its input is saved);
/// one stuck for five times the limit stops the fuzzer.
fn watchdog(sh: &Shared) -> bool {
    for slot in &sh.slots {
        let current = slot
            .current
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let Some((start, i, job)) = current else {
            continue;
        };
        let elapsed = start.elapsed();
        if elapsed > sh.cfg.hang && slot.reported.swap(i + 1, Ordering::SeqCst) != i + 1 {
            let at = *slot.stage.lock().unwrap_or_else(|e| e.into_inner());
            record_failure(
                sh,
                &fail(
                    format!("hang while {at}"),
                    format!("still running after {:.0?}", sh.cfg.hang),
                ),
                i,
                &job.0,
                &job.1,
            );
        }
        if elapsed > sh.cfg.hang * 5 {
            return false;
        }
    }
    true
}

fn scratch_root(seed: u64) -> PathBuf {
    let shm = Path::new("/dev/shm");
    let base = if shm.is_dir() {
        shm.to_path_buf()
    } else {
        std::env::temp_dir()
    };
    base.join(format!("tariffsim-fuzz-{}-{seed}", std::process::id()))
}

fn run_fuzzer(cfg: Config) -> BTreeMap<String, (u64, Vec<String>)> {
    install_panic_hook();
    let corpus = corpus();
    let others = corpus
        .iter()
        .filter_map(|(_, i)| i.text(SCENARIO))
        .collect();
    let threads = cfg.threads;
    let execs = if cfg.only.is_some() { 1 } else { cfg.execs };
    let sh = Shared {
        scratch: scratch_root(cfg.seed),
        crash_root: Path::new(env!("CARGO_TARGET_TMPDIR"))
            .parent()
            .unwrap_or(Path::new("target"))
            .join("fuzz-crashes"),
        cfg,
        corpus,
        others,
        next: AtomicU64::new(0),
        done: AtomicU64::new(0),
        shown: AtomicU64::new(0),
        stop: AtomicBool::new(false),
        slots: (0..threads)
            .map(|_| Slot {
                current: Mutex::new(None),
                stage: Mutex::new("starting"),
                reported: AtomicU64::new(0),
            })
            .collect(),
        tally: Mutex::new(BTreeMap::new()),
        failures: Mutex::new(BTreeMap::new()),
        slow: Mutex::new(Vec::new()),
    };
    let sh = Arc::new(sh);
    FUZZING.store(true, Ordering::SeqCst);
    let start = Instant::now();
    let handles: Vec<_> = (0..threads)
        .map(|k| {
            let sh = sh.clone();
            std::thread::spawn(move || worker(&sh, k))
        })
        .collect();
    let mut last_report = Instant::now();
    let mut stuck = false;
    while handles.iter().any(|h| !h.is_finished()) {
        std::thread::sleep(Duration::from_millis(200));
        if !watchdog(&sh) {
            stuck = true;
            sh.stop.store(true, Ordering::SeqCst);
            break;
        }
        if last_report.elapsed() > Duration::from_secs(60) {
            last_report = Instant::now();
            let done = sh.done.load(Ordering::SeqCst);
            eprintln!(
                "fuzz: {done}/{execs} executions, {:.0}/s, {} failure classes",
                done as f64 / start.elapsed().as_secs_f64(),
                sh.failures.lock().unwrap_or_else(|e| e.into_inner()).len()
            );
        }
    }
    if !stuck {
        for h in handles {
            let _ = h.join();
        }
    }
    FUZZING.store(false, Ordering::SeqCst);
    let elapsed = start.elapsed();
    let done = sh.done.load(Ordering::SeqCst);
    let failures = sh
        .failures
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    println!(
        "fuzz: seed {}, {done} executions in {:.1} s ({:.0}/s, {threads} threads){}",
        sh.cfg.seed,
        elapsed.as_secs_f64(),
        done as f64 / elapsed.as_secs_f64().max(1e-9),
        if stuck {
            "; stopped: an execution is stuck"
        } else {
            ""
        }
    );
    let tally = sh.tally.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let mut by_count: Vec<(&String, &u64)> = tally.iter().collect();
    by_count.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let ok: u64 = tally
        .iter()
        .filter(|(k, _)| k.contains(": ok"))
        .map(|(_, v)| v)
        .sum();
    println!(
        "fuzz: {ok} executions ran to the end, {} stopped with an error; most frequent outcomes:",
        done - ok.min(done)
    );
    let mut stages: BTreeMap<&str, u64> = BTreeMap::new();
    for (k, v) in &tally {
        let rest = k.split_once(": ").map_or(k.as_str(), |(_, r)| r);
        *stages
            .entry(rest.split(" error:").next().unwrap_or(rest))
            .or_default() += v;
    }
    let stages: Vec<String> = stages.iter().map(|(k, v)| format!("{k} {v}")).collect();
    println!("fuzz: by stage: {}", stages.join(", "));
    for (k, v) in by_count.iter().take(20) {
        println!("  {v:>9}  {k}");
    }
    println!("fuzz: errors after loading (simulation, analysis layers, outputs):");
    for (k, v) in by_count
        .iter()
        .filter(|(k, _)| !k.contains(": ok") && !k.contains(": load ("))
        .take(40)
    {
        println!("  {v:>9}  {k}");
    }
    for (took, i, what) in sh.slow.lock().unwrap_or_else(|e| e.into_inner()).iter() {
        println!("  slow: execution {i} took {took:.1?} ({what})");
    }
    let (notes, failures): (BTreeMap<_, _>, BTreeMap<_, _>) =
        failures.into_iter().partition(|(k, _)| k.starts_with(NOTE));
    for (title, list) in [("notes", &notes), ("failure classes", &failures)] {
        if list.is_empty() {
            println!("fuzz: no {title}");
            continue;
        }
        println!("fuzz: {} {title}:", list.len());
        for (class, (n, examples)) in list {
            println!("  {class}: {n} executions");
            for e in examples {
                println!("    {e}");
            }
        }
    }
    if !stuck {
        let _ = std::fs::remove_dir_all(&sh.scratch);
    }
    failures
}

/// Runs the files of a crash folder unchanged.
fn replay(dir: &Path) -> Vec<Failure> {
    install_panic_hook();
    let mut files = Vec::new();
    let mut names: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .filter(|e| e.file_name() != "FAILURE.txt")
        .collect();
    names.sort_by_key(|e| (e.file_name() != SCENARIO, e.file_name()));
    for e in names {
        let name = e.file_name().to_string_lossy().into_owned();
        let bytes = if e.path().is_dir() {
            None
        } else {
            Some(std::fs::read(e.path()).unwrap())
        };
        files.push((name, bytes));
    }
    let input = Input { files };
    let scratch = scratch_root(0).join("replay");
    FUZZING.store(true, Ordering::SeqCst);
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        execute(&input, &scratch, true, &|_| ())
    }));
    FUZZING.store(false, Ordering::SeqCst);
    let _ = std::fs::remove_dir_all(scratch.parent().unwrap());
    let (tally, failures) = match result {
        Ok(r) => r,
        Err(p) => ("panic".into(), vec![fail("panic", caught_panic(&*p))]),
    };
    println!("replay of {}: {tally}", dir.display());
    for f in &failures {
        println!("  [{}]: {}", f.class, f.detail);
    }
    failures
        .into_iter()
        .filter(|f| !f.class.starts_with(NOTE))
        .collect()
}

#[test]
fn fuzz_scenario_loading_and_runs() {
    if let Ok(dir) = std::env::var("TARIFFSIM_FUZZ_REPLAY") {
        let failures = replay(Path::new(&dir));
        assert!(failures.is_empty(), "the replayed input fails");
        return;
    }
    let failures = run_fuzzer(Config::from_env());
    assert!(
        failures.is_empty(),
        "the fuzzer found {} failure classes (inputs saved under target/fuzz-crashes/): {:?}",
        failures.len(),
        failures.keys().collect::<Vec<_>>()
    );
}

/// The mutators themselves: deterministic for a seed, and every seed input runs clean.
#[test]
fn seeds_run_clean_and_mutations_are_deterministic() {
    install_panic_hook();
    let corpus = corpus();
    let others: Vec<String> = corpus
        .iter()
        .filter_map(|(_, i)| i.text(SCENARIO))
        .collect();
    for (name, input) in &corpus {
        let dir = scratch_root(1).join(name);
        let (tally, failures) = execute(input, &dir, false, &|_| ());
        assert!(tally.starts_with("ok"), "{name}: {tally}");
        assert!(failures.is_empty(), "{name}: {failures:?}");
    }
    let _ = std::fs::remove_dir_all(scratch_root(1));
    let mutant = |i: u64| {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        rng.set_stream(i);
        let (input, log) = mutate(&mut rng, &corpus[(i % 4) as usize].1, &others);
        (format!("{:?}", input.files), log)
    };
    for i in 0..50 {
        assert_eq!(mutant(i), mutant(i));
    }
    assert_ne!(mutant(1), mutant(5));
}
