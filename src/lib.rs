//! tariffsim: a partial-equilibrium simulator of tariff agreements.
//!
//! The data flow runs one way, and the modules follow it:
//! [`scenario`] (TOML + CSV → validated markets) → [`model`] (pure SMART formulas) →
//! [`analysis`] (run every product, aggregate) → [`report`] (CSV, PNG, Markdown, terminal).
//! [`app`] strings them together for the command line in [`cli`].
#![warn(missing_docs)]

pub mod analysis;
pub mod app;
pub mod cli;
pub mod error;
pub mod model;
pub mod report;
pub mod scenario;
pub mod solve;
pub mod units;

/// The program version, written into every report.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
