//! Typed errors, one enum per area. Every message says where (file, line, field) and what
//! was expected, so that a user can fix the input without reading the code.

use std::path::PathBuf;

/// Problems with a scenario file or the data files it names.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScenarioError {
    /// A file could not be read.
    #[error("{role} '{}': cannot read the file: {source}", path.display())]
    Read {
        /// What the file is for ("scenario file", "trade data", ...).
        role: String,
        /// The path as resolved (relative paths are relative to the scenario file).
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// An input path is missing, is not a regular file (a folder, pipe or device), is too
    /// large, or cannot be opened.
    #[error("{role} '{}' {problem}", path.display())]
    Path {
        /// What the file is for ("scenario file", "trade data", ...).
        role: String,
        /// The path as given.
        path: PathBuf,
        /// What is wrong with it, in a user's words ("is a folder, not a file; ...").
        problem: String,
    },
    /// A line of a file that cannot be read as text (not UTF-8).
    #[error("{}:{line}: {message}", path.display())]
    Text {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// What is wrong and what to do.
        message: String,
    },
    /// The TOML did not parse or did not match the expected structure.
    #[error("{}: {message}", path.display())]
    Toml {
        /// The scenario file.
        path: PathBuf,
        /// toml's message, which names the line, column and field.
        message: String,
    },
    /// A `--set` argument does not fit the scenario's data.
    #[error("--set {arg}: {message}")]
    QuickSet {
        /// The argument as typed ("Pakistan:61=10").
        arg: String,
        /// What is wrong and what was expected.
        message: String,
    },
    /// A value in the scenario file is not acceptable.
    #[error("{}:{line}: field `{field}`: {message}", path.display())]
    Invalid {
        /// The scenario file.
        path: PathBuf,
        /// 1-based line of the offending value (or of its table).
        line: usize,
        /// The field, as written in the file (`policy[2].set_pct`).
        field: String,
        /// What is wrong and what was expected.
        message: String,
    },
    /// A row or column of a CSV data file is not acceptable.
    #[error("{}:{line}: {}{message}", path.display(), column.as_ref().map(|c| format!("column `{c}`: ")).unwrap_or_default())]
    Csv {
        /// The CSV file.
        path: PathBuf,
        /// 1-based line in the file.
        line: u64,
        /// The column concerned, if one.
        column: Option<String>,
        /// What is wrong and what was expected.
        message: String,
    },
}

/// Problems while simulating.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ModelError {
    /// The SMART formulas left their range for one product and exporter.
    #[error("product {product}, exporter {exporter}: {source}")]
    Smart {
        /// Product code.
        product: String,
        /// Exporter name.
        exporter: String,
        /// The model's own error.
        source: crate::model::smart::SmartError,
    },
    /// The GSIM linear form projected negative trade: the change is too large for it.
    #[error(
        "product {product}: the linear (percent-change) GSIM form projects negative trade from {exporter} to {importer} ({value:.4}); the tariff change is too large for the linearisation: use [model] form = \"levels\""
    )]
    GsimNegativeTrade {
        /// Product code.
        product: String,
        /// Exporting region.
        exporter: String,
        /// Importing region.
        importer: String,
        /// The projected value.
        value: f64,
    },
    /// A model error inside an analysis layer, with the layer named.
    #[error("{layer}: {source}")]
    InLayer {
        /// Which layer and setting ("sensitivity, export supply elasticity = 1").
        layer: String,
        /// The error.
        source: Box<ModelError>,
    },
    /// GSIM failed for one product (invalid market, or the solver did not converge).
    #[error("product {product}: {source}")]
    Gsim {
        /// Product code.
        product: String,
        /// The model's own error.
        source: crate::model::gsim::GsimError,
    },
    /// The Armington model failed for one product (invalid market, or the solver did not
    /// converge).
    #[error("product {product}: {source}")]
    Armington {
        /// Product code.
        product: String,
        /// The model's own error.
        source: crate::model::armington::ArmingtonError,
    },
}

/// Problems while writing outputs.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    /// A file or folder could not be written.
    #[error("cannot write '{}': {source}", path.display())]
    Write {
        /// The path.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A CSV table could not be written.
    #[error("cannot write table '{}': {source}", path.display())]
    Csv {
        /// The path.
        path: PathBuf,
        /// The csv crate's error.
        source: csv::Error,
    },
    /// A chart could not be drawn.
    #[error("cannot draw chart '{}': {message}", path.display())]
    Chart {
        /// The path.
        path: PathBuf,
        /// The drawing backend's message.
        message: String,
    },
    /// The output folder exists and was not written by tariffsim.
    #[error(
        "'{}' already exists and was not written by tariffsim; choose another --out folder (an existing folder is replaced only if an earlier run wrote it)",
        path.display()
    )]
    NotOurs {
        /// The folder.
        path: PathBuf,
    },
    /// The output folder is an earlier run's, but holds files that run did not write.
    #[error(
        "'{}' holds files that tariffsim did not write: {}; a new run would replace the folder, so move them elsewhere, choose another --out folder, or give --force to replace the run's files and keep these",
        path.display(),
        files.join(", ")
    )]
    HoldsOtherFiles {
        /// The folder.
        path: PathBuf,
        /// The other files, by name.
        files: Vec<String>,
    },
    /// The output folder holds the scenario or one of its data files.
    #[error(
        "'{}' holds '{}', an input of this scenario; a run replaces its output folder, so choose an --out folder outside the scenario's files",
        path.display(),
        input.display()
    )]
    HoldsInputs {
        /// The folder.
        path: PathBuf,
        /// The input file inside it.
        input: PathBuf,
    },
    /// The new results are in place, but the previous folder could not be removed whole.
    #[error(
        "the results are in '{}', but files appeared in the previous results while this run was writing; they were kept in '{}'",
        path.display(),
        kept.display()
    )]
    KeptOld {
        /// The output folder.
        path: PathBuf,
        /// Where the previous folder's remaining files are.
        kept: PathBuf,
    },
    /// A number that should be finite was not (a bug guard: nothing non-finite is ever written).
    #[error(
        "refusing to write a non-finite number in {} ({what}): the inputs are too large for the model's arithmetic",
        path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
    )]
    NonFinite {
        /// The file.
        path: PathBuf,
        /// Which quantity.
        what: String,
    },
    /// A model's flow effects, computed again for a table, failed as the run would have.
    #[error(transparent)]
    Model(#[from] ModelError),
}

/// Any error of the library.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Scenario or data input.
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    /// Simulation.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// Output.
    #[error(transparent)]
    Report(#[from] ReportError),
    /// A command-line argument that does not fit the scenario.
    #[error("{0}")]
    Argument(String),
}
