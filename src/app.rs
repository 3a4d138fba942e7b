//! The commands, wired from the library's stages. Printing and progress bars live here and
//! in `main` only.

use crate::analysis::headlines::Headline;
use crate::analysis::{self, Outcome, compare, monte_carlo, projection, sensitivity, sweep};
use crate::cli::{Cli, Command, RunArgs, SweepArgs, stem};
use crate::error::Error;
use crate::report::{self, Layers, ReplacePolicy, RunReport};

use crate::scenario::{self, Scenario};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::path::{Path, PathBuf};

/// Writes the starter scenario `NAME.toml` into `dir` (default: the current folder) and
/// returns its path. An existing file is never replaced: the name is refused instead.
fn new_scenario(name: &str, dir: Option<&Path>) -> Result<PathBuf, Error> {
    let name = name.strip_suffix(".toml").unwrap_or(name);
    if name.is_empty() || crate::cli::path_safe(name) != name {
        return Err(Error::Argument(format!(
            "new: '{name}' cannot be a scenario name: expected letters, digits, '_', '-' or '.' \
             (no folders; use --out DIR to choose the folder), e.g. my-study"
        )));
    }
    let dir = dir.unwrap_or(Path::new("."));
    let folder = std::fs::canonicalize(dir).map_err(|e| {
        Error::Argument(format!(
            "new: cannot use the folder '{}': {e}; expected an existing folder",
            dir.display()
        ))
    })?;
    let data = shipped_data_location(&folder)?;
    let path = dir.join(format!("{name}.toml"));
    let text = scenario::starter::render(name, &data);
    write_new_file(&path, text.as_bytes()).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            Error::Argument(format!(
                "new: '{}' already exists and is never overwritten; choose another name, e.g. \
                 tariffsim new {name}-2",
                path.display()
            ))
        } else {
            Error::Argument(format!("new: cannot write '{}': {e}", path.display()))
        }
    })?;
    Ok(path)
}

/// The shipped data folder as the starter scenario in `folder` should name it: relative
/// when `folder` is inside the project, else absolute. Looked for in the current folder's
/// `scenarios/data` (a clone), then in the project this binary was built from.
fn shipped_data_location(folder: &Path) -> Result<scenario::starter::DataLocation, Error> {
    let candidates = [
        PathBuf::from("scenarios/data"),
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/data"),
    ];
    let data = candidates
        .iter()
        .filter(|d| d.join("us_schedule").is_dir())
        .find_map(|d| std::fs::canonicalize(d).ok())
        .ok_or_else(|| {
            Error::Argument(format!(
                "new: the shipped data (scenarios/data/us_schedule) was not found in the current                  folder or in {}; expected to run from a clone of the tariffsim project",
                env!("CARGO_MANIFEST_DIR")
            ))
        })?;
    let root = data.parent().and_then(Path::parent).unwrap_or(&data);
    match folder.strip_prefix(root) {
        Ok(rel) => {
            let mut dir = String::new();
            for _ in rel.components() {
                dir.push_str("../");
            }
            dir.push_str("scenarios/data");
            Ok(scenario::starter::DataLocation {
                dir,
                absolute: false,
            })
        }
        Err(_) => Ok(scenario::starter::DataLocation {
            dir: data.to_string_lossy().into_owned(),
            absolute: true,
        }),
    }
}

/// Writes a file that must not exist yet: into a temporary file beside it, then linked into
/// place, which fails (`AlreadyExists`) rather than replace a file, and never leaves half a file.
fn write_new_file(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let tmp = parent.join(format!(".tariffsim-new-{}.tmp", std::process::id()));
    let result = (|| {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::hard_link(&tmp, path)
    })();
    let _ = std::fs::remove_file(&tmp);
    result
}

/// Prints the scenario's warnings to standard error (even with --quiet: they concern the
/// inputs, and the report repeats them).
fn warn(s: &Scenario) {
    use std::io::Write as _;
    let mut err = std::io::stderr().lock();
    for w in &s.provenance.warnings {
        let _ = writeln!(err, "warning: {}: {w}", s.path.display());
    }
    if let Some(w) = report::titles::name_warning(s) {
        let _ = writeln!(err, "warning: {}: {w}", s.path.display());
    }
}

/// Prints a line to standard output. A closed pipe (`tariffsim validate … | head`) is not
/// an error worth a panic: the rest of the output is simply not wanted.
fn say(text: &str) {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{text}");
}

/// Runs a parsed command line. `command_line` is recorded in reports.
pub fn run(cli: Cli, command_line: String) -> Result<(), Error> {
    let figures = cli.command.figure_options();
    report::canvas::with_options(figures, || dispatch(cli, command_line))
}

fn dispatch(cli: Cli, command_line: String) -> Result<(), Error> {
    match cli.command {
        Command::Run {
            scenario,
            out,
            quiet,
            draws,
            seed,
            force,
            set,
            ..
        } => {
            let mut args = RunArgs::new(scenario, out, quiet, command_line);
            args.draws = draws;
            args.seed = seed;
            args.replace = ReplacePolicy { force };
            args.sets = set;
            run_scenario(&args)
        }
        Command::Sweep {
            scenario,
            exporter,
            from,
            to,
            step,
            draws,
            seed,
            out,
            quiet,
            force,
            ..
        } => {
            let out =
                out.unwrap_or_else(|| crate::cli::sweep_out_dir(&scenario, exporter.as_deref()));
            let mut args = RunArgs::new(scenario, Some(out), quiet, command_line);
            args.draws = draws;
            args.seed = seed;
            args.replace = ReplacePolicy { force };
            args.sweep = Some(SweepArgs {
                exporter,
                from,
                to,
                step,
            });
            run_scenario(&args)
        }
        Command::Compare {
            scenarios,
            out,
            force,
            labels,
            ..
        } => compare_scenarios(
            &scenarios,
            &labels,
            out,
            &command_line,
            ReplacePolicy { force },
        ),
        Command::New { name, out } => {
            let path = new_scenario(&name, out.as_deref())?;
            say(&format!(
                "Wrote {}\n  check it:  tariffsim validate {}\n  run it:    tariffsim run {}",
                path.display(),
                path.display(),
                path.display()
            ));
            Ok(())
        }
        Command::Validate { scenario } => {
            say(&validate(&scenario)?);
            Ok(())
        }
        Command::Rates {
            date,
            timeline,
            exporter,
            out,
            data,
            force,
            ..
        } => {
            let replace = ReplacePolicy { force };
            let text = match date {
                Some(date) if !timeline => {
                    let out = out
                        .unwrap_or_else(|| PathBuf::from("output").join(format!("rates-{date}")));
                    rates(&data, &date, exporter.as_deref(), &out, replace)?
                }
                _ => {
                    let focus = exporter.as_deref().unwrap_or(DEFAULT_TIMELINE_FOCUS);
                    let out = out.unwrap_or_else(|| {
                        PathBuf::from("output").join(format!(
                            "rates-timeline-{}",
                            crate::cli::path_safe(&focus.to_lowercase())
                        ))
                    });
                    rates_timeline(&data, focus, &out, replace)?
                }
            };
            say(&text);
            Ok(())
        }
        Command::Import {
            comtrade,
            wits_trade,
            wits_tariffs,
            mirror,
            hs_level,
            focus,
            scenario,
            import_demand,
            allow_missing_tariffs,
            out,
            force,
        } => {
            let out = out.unwrap_or_else(|| match &scenario {
                Some(name) => PathBuf::from("scenarios").join(crate::cli::path_safe(name)),
                None => PathBuf::from("imported"),
            });
            say(crate::import::run(&crate::import::Options {
                comtrade,
                wits_trade,
                wits_tariffs,
                mirror,
                hs_level,
                focus,
                scenario,
                import_demand,
                allow_missing_tariffs,
                out,
                force,
            })?
            .trim_end());
            Ok(())
        }
    }
}

/// The exporter of `rates --timeline` when none is given: the project's running example.
pub const DEFAULT_TIMELINE_FOCUS: &str = "Pakistan";

/// The schedule folder given with `--data`, loaded.
fn load_schedule(data: &Path) -> Result<crate::schedule::Schedule, Error> {
    if !data.is_dir() {
        return Err(Error::Argument(format!(
            "--data: '{}' is not a folder; run tariffsim from the project folder or give --data DIR",
            data.display()
        )));
    }
    Ok(crate::schedule::Schedule::load(data)?)
}

/// A partner of the schedule by name, ISO code or Census code, or an error listing them.
fn schedule_partner(s: &crate::schedule::Schedule, query: &str) -> Result<usize, Error> {
    s.find_partner(query).ok_or_else(|| {
        let names: Vec<String> = s.partners.iter().map(|p| p.name.clone()).collect();
        Error::Argument(format!(
            "--{}",
            crate::scenario::data::unknown_name("exporter", query, &names)
        ))
    })
}

/// `tariffsim rates --timeline`: the exporter's trade-weighted additional tariff over
/// 2025–2026 beside its six most similar competitors, written to `out` (table and chart).
pub fn rates_timeline(
    data: &Path,
    exporter: &str,
    out: &Path,
    replace: ReplacePolicy,
) -> Result<String, Error> {
    use crate::report::tariff_path as files;
    use crate::schedule::timeline;
    let s = load_schedule(data)?;
    let focus = schedule_partner(&s, exporter)?;
    let competitors =
        timeline::competitors(&s, focus, crate::scenario::dated::TIMELINE_COMPETITORS);
    let path = timeline::tariff_path(&s, focus, &competitors, None, &data.display().to_string())?;
    let table = files::timeline_csv(&path, out)?;
    let chart = report::timeline_chart::draw(
        &out.join(files::PNG_FILE),
        &path,
        &files::source_line(&path, crate::VERSION),
    )?;
    report::output_dir::check_not_inputs(out, &[data])?;
    let svg = match report::canvas::svg_name(files::PNG_FILE) {
        Some(name) if report::canvas::options().svg => Some((
            name,
            report::timeline_chart::draw(
                &out.join(name),
                &path,
                &files::source_line(&path, crate::VERSION),
            )?,
        )),
        _ => None,
    };
    report::write_atomically(out, replace, |stage| {
        stage.put(files::CSV_FILE, &table)?;
        stage.put(files::PNG_FILE, &chart)?;
        svg.iter()
            .try_for_each(|(name, bytes)| stage.put(name, bytes))
    })?;
    Ok(format!(
        "{}
Competitors drawn (largest shares of US imports of its 2024 products): {}
Wrote {} and {} to {}",
        files::path_sentence(&path),
        path.timeline.partners[1..].join(", "),
        files::CSV_FILE,
        files::PNG_FILE,
        out.display()
    ))
}

/// `tariffsim rates`: the schedule on one date, written to `out` and returned as text.
pub fn rates(
    data: &Path,
    date: &str,
    exporter: Option<&str>,
    out: &Path,
    replace: ReplacePolicy,
) -> Result<String, Error> {
    use crate::schedule::{self, output};
    let date = schedule::Date::parse(date).map_err(|m| Error::Argument(format!("--date: {m}")))?;
    schedule::engine::check_covered(date).map_err(|m| Error::Argument(format!("--date: {m}")))?;
    let s = load_schedule(data)?;
    let partner = exporter.map(|q| schedule_partner(&s, q)).transpose()?;
    let r = schedule::rates_on(&s, date)?;
    let partners = output::partner_csv(&s, &r, out)?;
    let lines = output::schedule_csv(&s, &r, partner, out)?;
    report::output_dir::check_not_inputs(out, &[data])?;
    report::write_atomically(out, replace, |stage| {
        stage.put(output::PARTNER_FILE, &partners)?;
        stage.put(output::SCHEDULE_FILE, &lines)
    })?;
    Ok(format!(
        "{}\nWrote {} and {} to {}",
        output::summary(&s, &r, partner, 20),
        output::PARTNER_FILE,
        output::SCHEDULE_FILE,
        out.display()
    ))
}

/// Applies command-line overrides (draws, seed, sweep) to a loaded scenario.
pub fn apply_overrides(s: &mut Scenario, args: &RunArgs) -> Result<(), Error> {
    if let Some(draws) = args.draws {
        match (&mut s.uncertainty, draws) {
            (_, 0) => s.uncertainty = None,
            (Some(_), n) if n > scenario::layers::MAX_DRAWS => {
                return Err(Error::Argument(format!(
                    "--draws {n} is more than the {} a run may take",
                    scenario::layers::MAX_DRAWS
                )));
            }
            (Some(u), n) => u.draws = n,
            (None, _) => {
                return Err(Error::Argument(format!(
                    "--draws needs an [uncertainty] table in {} saying which elasticities are uncertain and how (see docs/scenario-format.md)",
                    args.scenario.display()
                )));
            }
        }
    }
    if let (Some(seed), Some(u)) = (args.seed, &mut s.uncertainty) {
        u.seed = seed;
    }
    if let Some(req) = &args.sweep {
        let base = s.sweep;
        let exporter = match &req.exporter {
            Some(q) => s.find_exporter(q).ok_or_else(|| {
                Error::Argument(format!(
                    "--{}",
                    crate::scenario::data::unknown_name("exporter", q, &s.exporters)
                ))
            })?,
            None => base.map(|b| b.exporter).ok_or_else(|| {
                Error::Argument("give --exporter (or a [sweep] table in the scenario)".into())
            })?,
        };
        let pick = |v: Option<f64>, b: Option<f64>, flag: &str| {
            v.or(b).ok_or_else(|| {
                Error::Argument(format!(
                    "give --{flag} (or a [sweep] table in the scenario)"
                ))
            })
        };
        let from = pick(req.from, base.map(|b| b.from_pct), "from")?;
        let to = pick(req.to, base.map(|b| b.to_pct), "to")?;
        let step = pick(req.step, base.map(|b| b.step_pct), "step")?;
        let spec =
            scenario::layers::sweep_spec(exporter, from, to, step).map_err(|(field, msg)| {
                let flag = field.trim_end_matches("_pct");
                Error::Argument(format!("--{flag}: {msg}"))
            })?;
        s.sweep = Some(spec);
    }
    Ok(())
}

fn progress(visible: bool, len: u64, what: &str) -> ProgressBar {
    if !visible || len == 0 {
        return ProgressBar::hidden();
    }
    // Draws to stderr only when it is a terminal, so logs and pipes stay clean.
    let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
    if let Ok(style) =
        ProgressStyle::with_template(&format!("{{bar:40}} {{pos}}/{{len}} {what} ({{eta}})"))
    {
        bar.set_style(style);
    }
    bar
}

/// Runs every analysis layer the scenario enables.
pub fn compute_layers(
    s: &Scenario,
    outcome: &Outcome,
    show_progress: bool,
) -> Result<Layers, Error> {
    let mut layers = Layers {
        elasticity_sets: analysis::elasticity_sets::run(s),
        tariff_path: scenario::dated::tariff_path(s)?,
        ..Layers::default()
    };
    if let Some(spec) = &s.uncertainty {
        let bar = progress(show_progress, spec.draws as u64, "Monte-Carlo draws");
        layers.uncertainty = Some(monte_carlo::run(s, spec, outcome, &|| bar.inc(1))?);
        bar.finish_and_clear();
    }
    if let Some(spec) = &s.sensitivity {
        layers.sensitivity = Some(sensitivity::run(s, spec)?);
    }
    if let Some(spec) = &s.projection {
        let n = s.uncertainty.map_or(0, |u| u.draws as u64);
        let bar = progress(show_progress, n, "projection paths");
        layers.projection = Some(projection::run(s, spec, s.uncertainty.as_ref(), &|| {
            bar.inc(1)
        })?);
        bar.finish_and_clear();
    }
    if let Some(spec) = &s.sweep {
        let per_rate = 1 + s.uncertainty.map_or(0, |u| u.draws as u64);
        let bar = progress(
            show_progress,
            spec.rates().len() as u64 * per_rate,
            "sweep runs",
        );
        layers.sweep = Some(sweep::run(s, spec, s.uncertainty.as_ref(), &|| bar.inc(1))?);
        bar.finish_and_clear();
    }
    Ok(layers)
}

/// Checks the output folder before any work: it must not hold the scenario's own files,
/// and an existing folder must be one a run may replace (checked again when writing).
fn check_output_folder(s: &Scenario, out: &Path, replace: ReplacePolicy) -> Result<(), Error> {
    let inputs: Vec<&Path> = std::iter::once(s.path.as_path())
        .chain(s.provenance.files.iter().map(|f| f.path.as_path()))
        .collect();
    report::output_dir::check_not_inputs(out, &inputs)?;
    report::output_dir::check_replaceable(out, replace)?;
    Ok(())
}

/// An error as the terminal shows it: control characters that came from the input (an
/// escape sequence in a CSV cell, a NUL in a path) are written as `\u{1b}`, so that a
/// message can never clear the screen or hide text. Line breaks and tabs stay.
pub fn error_text(e: &dyn std::fmt::Display) -> String {
    let text = e.to_string();
    if !text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return text;
    }
    text.chars()
        .map(|c| {
            if c.is_control() && c != '\n' && c != '\t' {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// Has the C library return large freed blocks to the system at once, and keep smaller
/// freed memory for reuse. glibc maps blocks above a threshold apart, but raises that
/// threshold (up to 32 MiB) each time such a block is freed; after that, the freed tables of
/// a large input stay in the process and a million-flow run peaks about 23 MB higher.
/// Fixing the threshold at 4 MiB keeps the peak at what the run holds. Below it, glibc gives
/// the top of its heaps back once 128 KiB are free there, so that the results of one window
/// of markets, freed, are faulted in again (and zeroed by the system) for the next: keeping
/// up to 16 MiB saves about 8,000 page faults and 4% of the time of a million flows, for 4 to
/// 6 MB more peak memory. Elsewhere the allocator's defaults stand.
pub fn return_large_blocks_when_freed() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        unsafe extern "C" {
            fn mallopt(param: std::ffi::c_int, value: std::ffi::c_int) -> std::ffi::c_int;
        }
        /// glibc's `M_TRIM_THRESHOLD` and `M_MMAP_THRESHOLD` parameters.
        const M_TRIM_THRESHOLD: std::ffi::c_int = -1;
        const M_MMAP_THRESHOLD: std::ffi::c_int = -3;
        // SAFETY: `mallopt` only changes an allocator setting; it is called once, first
        // thing in `main`, before any other thread exists.
        unsafe {
            mallopt(M_MMAP_THRESHOLD, 4 << 20);
            mallopt(M_TRIM_THRESHOLD, 16 << 20);
        }
    }
}

/// Removes the stage of a run in progress when the user presses Ctrl-C or the process is
/// asked to stop (SIGTERM), then exits with the conventional code 130. Called by `main`.
pub fn remove_partial_output_on_interrupt() {
    let _ = ctrlc::set_handler(|| {
        let _held = report::output_dir::remove_stages_in_progress();
        use std::io::Write as _;
        let _ = writeln!(
            std::io::stderr(),
            "interrupted: no output was written (an earlier output folder is unchanged)"
        );
        std::process::exit(130);
    });
}

/// The terminal summary, refused if it would show a non-finite number.
fn checked_summary(s: &Scenario, text: String) -> Result<String, Error> {
    report::guard::check_text(
        "the terminal summary",
        &text,
        &report::guard::scenario_words(s),
    )?;
    Ok(text)
}

/// `tariffsim run` (and `sweep`): load, simulate, analyse, write every output, print the summary.
pub fn run_scenario(args: &RunArgs) -> Result<(), Error> {
    let mut scenario = scenario::load_with(&args.scenario, &args.sets)?;
    warn(&scenario);
    apply_overrides(&mut scenario, args)?;
    check_output_folder(&scenario, &args.out, args.replace)?;
    // GSIM solves every market and keeps each region's results; the other models give the
    // importer's market alone.
    let gsim_run = analysis::gsim::GsimEngine::new(&scenario)
        .map(|e| e.run())
        .transpose()?;
    let single;
    let outcome = match &gsim_run {
        Some(run) => &run.market,
        None => {
            single = analysis::simulate(&scenario)?;
            &single
        }
    };
    let layers = compute_layers(&scenario, outcome, args.print_summary)?;
    let smart_beside = scenario
        .armington()
        .map(|_| analysis::armington::smart_comparison(&scenario));
    let detail = match (
        &gsim_run,
        scenario.gsim(),
        scenario.armington(),
        &smart_beside,
    ) {
        (Some(run), Some(setup), _, _) => {
            report::ModelDetail::Gsim(report::gsim::GsimDetail { setup, run })
        }
        (_, _, Some(inputs), Some(smart)) => {
            report::ModelDetail::Armington(report::armington::ArmingtonDetail { inputs, smart })
        }
        _ => report::ModelDetail::Single,
    };
    let run = RunReport {
        scenario: &scenario,
        outcome,
        command: args.command_line.clone(),
        version: crate::VERSION,
        layers,
        detail,
        policy_line: Default::default(),
    };
    let artifacts = report::run_artifacts(&run.layers, &run.detail);
    // The summary is checked before anything is written: a refused summary must not leave
    // a finished output folder behind an error.
    let text = checked_summary(&scenario, report::summary(&run))?;
    report::write_outputs(&run, &artifacts, &args.out, args.replace)?;
    if args.print_summary {
        say(text.trim_end());
        say(&format!(
            "  Wrote {}/ ({} files; start with report.md)",
            args.out.display(),
            artifacts.len()
        ));
    }
    Ok(())
}

/// `tariffsim compare`: runs each scenario (no layers) and writes the comparison.
pub fn compare_scenarios(
    paths: &[PathBuf],
    labels: &[String],
    out: Option<PathBuf>,
    command_line: &str,
    replace: ReplacePolicy,
) -> Result<(), Error> {
    let out = out.unwrap_or_else(|| {
        let stems: Vec<String> = paths.iter().map(|p| stem(p)).collect();
        let mut name = format!("compare-{}", stems.join("-"));
        if name.len() > 120 {
            name = format!("compare-{}-scenarios", stems.len());
        }
        PathBuf::from("output").join(name)
    });
    let mut loaded = Vec::with_capacity(paths.len());
    for p in paths {
        let s = scenario::load(p)?;
        warn(&s);
        check_output_folder(&s, &out, replace)?;
        let o = analysis::simulate(&s)?;
        loaded.push((s, o));
    }
    let pairs: Vec<(&Scenario, &Outcome)> = loaded.iter().map(|(s, o)| (s, o)).collect();
    let mut rows = compare::compare(&pairs);
    if !labels.is_empty() {
        if labels.len() != rows.len() {
            return Err(Error::Argument(format!(
                "--label gives {} names for {} scenarios; give one short name per scenario, in order, separated by commas",
                labels.len(),
                rows.len()
            )));
        }
        for (r, l) in rows.iter_mut().zip(labels) {
            r.stem = l.trim().to_string();
        }
    }
    let bases = report::comparison::group_bases(&pairs, &compare::group_union(&rows));
    let focus: Vec<&str> = rows.iter().map(|r| r.focus.as_str()).collect();
    if focus.windows(2).any(|w| w[0] != w[1]) {
        return Err(Error::Argument(format!(
            "the scenarios have different focus exporters ({}); compare scenarios about the same exporter",
            focus.join(", ")
        )));
    }
    let units: Vec<&str> = rows.iter().map(|r| r.currency_unit.as_str()).collect();
    if units.windows(2).any(|w| w[0] != w[1]) {
        return Err(Error::Argument(format!(
            "the scenarios use different currency units ({}); compare scenarios with the same unit",
            units.join(", ")
        )));
    }
    report::comparison::write_comparison(
        &rows,
        &bases,
        &out,
        command_line,
        crate::VERSION,
        replace,
    )?;
    let scale = report::ValueScale::for_unit(units.first().copied().unwrap_or("USD"));
    for r in &rows {
        let change = r.headlines.get(Headline::FocusExportsChange);
        say(&format!(
            "  {:<28}{} {:>10} {} ({}%)",
            r.stem,
            r.focus,
            report::numbers::signed(scale.apply(change), 1),
            scale.label,
            report::numbers::signed(r.headlines.get(Headline::FocusExportsChangePct), 1)
        ));
    }
    say(&format!(
        "  Wrote {}/ (report.md, comparison.csv, 2 charts)",
        out.display()
    ));
    Ok(())
}

/// `tariffsim validate`: loads the scenario and describes what it found.
pub fn validate(path: &Path) -> Result<String, Error> {
    let s = scenario::load(path)?;
    warn(&s);
    let scale = report::ValueScale::for_unit(&s.currency_unit);
    let mut lines = vec![
        format!("{}: OK", path.display()),
        format!("  scenario        {}", s.name),
        format!("  importer        {}", s.importer),
        format!(
            "  focus exporter  {} ({:.1} {} of base trade)",
            s.focus_name(),
            scale.apply(
                s.markets
                    .iter()
                    .flat_map(|m| &m.flows)
                    .filter(|f| f.exporter == s.focus)
                    .map(|f| f.base_value)
                    .sum()
            ),
            scale.label
        ),
        format!("  products        {}", s.products.len()),
        format!(
            "  exporters       {} ({})",
            s.exporters.len(),
            s.exporters.join(", ")
        ),
        format!(
            "  flows           {}",
            s.markets.iter().map(|m| m.flows.len()).sum::<usize>()
        ),
        format!(
            "  total trade     {:.1} {}",
            scale.apply(s.total_trade()),
            scale.label
        ),
        format!(
            "  rules           {} before, {} policy",
            s.provenance.before_rules.len(),
            s.provenance.policy_rules.len()
        ),
    ];
    if let Some([before, after]) = &s.provenance.dated_states {
        lines.push(format!("  before          {before}"));
        lines.push(format!("  after           {after}"));
    }
    if let Some(g) = s.gsim() {
        let total: f64 = g.markets.iter().map(|m| m.trade.sum()).sum();
        lines.push(format!(
            "  model           GSIM, {} regions ({}); the lines above describe the {} market",
            g.regions.len(),
            g.regions.join(", "),
            s.importer
        ));
        lines.push(format!(
            "  all markets     {:.1} {} of trade",
            scale.apply(total),
            scale.label
        ));
    }
    let changed = s
        .schedule
        .before
        .iter()
        .zip(&s.schedule.after)
        .filter(|(b, a)| (*b - *a).abs() > 0.0)
        .count();
    lines.push(format!(
        "  tariff changes  {changed} product × exporter rates differ before/after"
    ));
    for note in &s.provenance.elasticity_notes {
        lines.push(format!("  elasticities    {note}"));
    }
    let layers: Vec<String> = [
        s.uncertainty
            .map(|u| format!("uncertainty ({} draws, seed {})", u.draws, u.seed)),
        s.sensitivity.map(|_| "sensitivity".to_string()),
        s.projection
            .as_ref()
            .map(|p| format!("projection {}–{}", p.start_year, p.end_year)),
        s.sweep.map(|w| {
            format!(
                "sweep of {} {}–{}%",
                s.exporters[w.exporter], w.from_pct, w.to_pct
            )
        }),
    ]
    .into_iter()
    .flatten()
    .collect();
    if !layers.is_empty() {
        lines.push(format!("  analyses        {}", layers.join(", ")));
    }
    let text = lines.join("\n");
    report::guard::check_text(
        "the validate summary",
        &text,
        &report::guard::scenario_words(&s),
    )?;
    Ok(text)
}

#[cfg(test)]
mod tests {
    #[test]
    fn control_characters_in_errors_are_escaped() {
        let e = super::Error::Argument("found '\u{1b}[2J' and '\0'\nnext\tline".into());
        let t = super::error_text(&e);
        assert!(
            !t.chars().any(|c| c.is_control() && c != '\n' && c != '\t'),
            "{t:?}"
        );
        assert!(t.contains("\\u{1b}[2J") && t.contains("\\u{0}") && t.contains("\nnext\tline"));
    }
}
