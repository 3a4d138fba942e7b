//! tariffsim: a partial-equilibrium simulator of tariff agreements.
//!
//! The data flow runs one way, and the modules follow it:
//! [`scenario`] (TOML + CSV → validated markets) → [`model`] (pure SMART formulas) →
//! [`analysis`] (run every product, aggregate) → [`report`] (CSV, PNG, Markdown, terminal).
//! [`app`] strings them together for the command line in [`cli`].
//!
//! The library can be used directly, for example to run the hand-computed SMART example of
//! `docs/model.md` §3 (Pakistan's 15% tariff on 100 of towel imports cut to zero):
//!
//! ```
//! use std::path::Path;
//!
//! let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/small/scenario.toml");
//! let scenario = tariffsim::scenario::load(&path)?;
//! let outcome = tariffsim::analysis::simulate(&scenario)?;
//! let pakistan = outcome.focus(&scenario);
//! assert!((pakistan.trade_creation - 19.565217).abs() < 1e-6);
//! assert!((pakistan.total_effect - 34.627979).abs() < 1e-6);
//! # Ok::<(), tariffsim::error::Error>(())
//! ```
#![warn(missing_docs)]

pub mod analysis;
pub mod app;
pub mod cli;
pub mod error;
pub mod import;
pub mod model;
pub mod report;
pub mod scenario;
pub mod schedule;
pub mod solve;
pub mod units;

/// The program version, written into every report.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
