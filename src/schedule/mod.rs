//! The US tariff schedule of 2025–2026 as data: the additional duty in force on any date
//! for every HS6 × partner, from the measures table, its product-scope lists and the 2024
//! HS10 line classes (input side only; no model code).
//!
//! [`data`] loads the folder `scenarios/data/us_schedule/`, [`engine`] resolves the measures
//! in force on a date and weights them by 2024 imports, [`output`] renders the `rates`
//! command's tables.

pub mod artefacts;
pub mod data;
pub mod date;
pub mod engine;
pub mod measures;
pub mod output;
pub mod timeline;

pub use data::Schedule;
pub use date::Date;
pub use engine::{Artefacts, Rates, rates_on, rates_with};

/// The data folder, relative to the project root.
pub const DATA_DIR: &str = "scenarios/data/us_schedule";
