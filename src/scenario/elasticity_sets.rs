//! Named elasticity sets: which published estimates give each product its elasticities.
//!
//! `chapter_medians` is the scenario's own elasticities (its elasticity file matched by prefix,
//! then `[elasticities]`). The other sets take US estimates per 6-digit HS code, at the level
//! they were estimated at, from the files shipped in `scenarios/data/elasticity_sets/` (compiled
//! into the program, so that every scenario can be run under every set). A code a source lacks,
//! or whose estimate has the wrong sign or lies outside the model's range, falls back to the
//! product's `chapter_medians` value. Rules and counts: docs/decisions.md, "Named elasticity sets".

use super::data::CsvTable;
use super::{ElasticitySource, bounds};
use crate::error::ScenarioError;
use crate::model::{Elasticities, SupplyElasticity};
use std::collections::HashMap;
use std::path::Path;

/// A named set of elasticities a scenario can choose (`[elasticities] set = "..."`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ElasticitySet {
    /// The scenario's elasticity file (chapter medians in the shipped scenarios) and defaults.
    ChapterMedians,
    /// Hauk (2012) per HS6: import demand (H1) and substitution (H2).
    Hauk2012Hs6,
    /// Broda–Weinstein (2006) σ, median per HS6 (BW1), with Hauk (2012) HS6 import demand (H1).
    BrodaWeinstein2006Hs6,
    /// WITS-SMART defaults: σ = 1.5 and infinite export supply; import demand the product's
    /// `chapter_medians` value, standing in for WITS's product-specific values (not available),
    /// so that the set differs from `chapter_medians` in σ alone.
    WitsDefault,
}

/// The WITS-SMART default substitution elasticity (WITS Online Help, "Checking the Raw Data").
pub const WITS_SUBSTITUTION: f64 = 1.5;

impl ElasticitySet {
    /// Every set, in the order reports list them.
    pub const ALL: [ElasticitySet; 4] = [
        ElasticitySet::ChapterMedians,
        ElasticitySet::Hauk2012Hs6,
        ElasticitySet::BrodaWeinstein2006Hs6,
        ElasticitySet::WitsDefault,
    ];

    /// The name a scenario writes.
    pub fn name(self) -> &'static str {
        match self {
            ElasticitySet::ChapterMedians => "chapter_medians",
            ElasticitySet::Hauk2012Hs6 => "hauk_2012_hs6",
            ElasticitySet::BrodaWeinstein2006Hs6 => "broda_weinstein_2006_hs6",
            ElasticitySet::WitsDefault => "wits_default",
        }
    }

    /// The set a name stands for.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.name() == name)
    }

    /// Position in [`Self::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// True for the sets given per 6-digit HS code.
    pub fn is_hs6(self) -> bool {
        self != ElasticitySet::ChapterMedians
    }

    /// Where its import demand and substitution elasticities come from, for reports.
    pub fn describe(self) -> &'static str {
        match self {
            ElasticitySet::ChapterMedians => {
                "the scenario's elasticity file matched by prefix (in the shipped scenarios the chapter medians: \
                 Hauk 2012 import demand, Broda–Weinstein 2006 σ), then [elasticities]"
            }
            ElasticitySet::Hauk2012Hs6 => "import demand and σ per HS6 from Hauk (2012) (H1, H2)",
            ElasticitySet::BrodaWeinstein2006Hs6 => {
                "σ = Broda–Weinstein (2006) median per HS6 (BW1); import demand per HS6 from Hauk (2012) (H1)"
            }
            ElasticitySet::WitsDefault => {
                "σ = 1.5 and export supply 99 (infinite), the WITS-SMART defaults; import demand the chapter_medians \
                 value, standing in for WITS's own product values (Kee, Nicita & Olarreaga 2008), not available"
            }
        }
    }
}

/// The names of every set, for messages.
pub fn valid_names() -> String {
    ElasticitySet::ALL
        .iter()
        .map(|s| s.name())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Where a product's value of one elasticity came from, in a set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The published estimate for the product's HS6 code.
    Hs6,
    /// The published estimate, correctly signed but not significant at 5% (import demand).
    Hs6Insignificant,
    /// One value for every product (WITS σ).
    Fixed,
    /// The product's `chapter_medians` value, because the estimate has the wrong sign or lies
    /// outside the model's range.
    FallbackRejected,
    /// The product's `chapter_medians` value, because the source has no estimate for the code.
    FallbackMissing,
    /// The scenario's own value (the `chapter_medians` set).
    Scenario,
}

impl Origin {
    /// True when the value is the `chapter_medians` one because the HS6 source did not give one.
    pub fn is_fallback(self) -> bool {
        matches!(self, Origin::FallbackRejected | Origin::FallbackMissing)
    }
}

/// Counts of one elasticity's origins in a set: products and base trade.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct OriginCounts {
    /// Products with the published HS6 value (insignificant ones included).
    pub hs6: usize,
    /// Of those, import demand estimates not significant at 5%.
    pub insignificant: usize,
    /// Products falling back because the estimate has the wrong sign or is out of range.
    pub rejected: usize,
    /// Products falling back because the source lacks the code.
    pub missing: usize,
    /// Of the fallbacks, products whose fallback is the `[elasticities]` default (no
    /// elasticity-file row matches the code).
    pub to_defaults: usize,
    /// Base trade of the products with the HS6 value.
    pub hs6_trade: f64,
    /// Base trade of the rejected fallbacks.
    pub rejected_trade: f64,
    /// Base trade of the missing fallbacks.
    pub missing_trade: f64,
    /// Base trade of the fallbacks that land on the defaults.
    pub to_defaults_trade: f64,
}

/// Fallback counts of one set, for import demand and substitution.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct SetCounts {
    /// Import demand.
    pub import_demand: OriginCounts,
    /// Substitution.
    pub substitution: OriginCounts,
}

/// Every set's elasticities for every product of a scenario (products in market order).
#[derive(Debug, Clone, PartialEq)]
pub struct SetTable {
    /// Per set (index of [`ElasticitySet::ALL`]), per product, the elasticities.
    pub elasticities: Vec<Vec<Elasticities>>,
    /// Per set, per product, the origin of (import demand, substitution).
    pub origins: Vec<Vec<[Origin; 2]>>,
    /// Per set, the counts.
    pub counts: Vec<SetCounts>,
    /// Total base trade over all products (for shares).
    pub total_trade: f64,
}

impl SetTable {
    /// The per-product elasticities of a set.
    pub fn of(&self, set: ElasticitySet) -> &[Elasticities] {
        &self.elasticities[set.index()]
    }
}

/// A product code is HS6 when it is six digits.
pub fn is_hs6_code(code: &str) -> bool {
    code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit())
}

/// Where the shipped files are, relative to the project (named in messages and reports).
pub const FOLDER: &str = "scenarios/data/elasticity_sets";
const HAUK_DEMAND_FILE: &str = "hauk_2012_us_import_demand_hs6.csv";
const HAUK_SIGMA_FILE: &str = "hauk_2012_us_substitution_hs6.csv";
const BW_SIGMA_FILE: &str = "broda_weinstein_2006_us_substitution_by_hs6.csv";

const HAUK_DEMAND: &str =
    include_str!("../../scenarios/data/elasticity_sets/hauk_2012_us_import_demand_hs6.csv");
const HAUK_SIGMA: &str =
    include_str!("../../scenarios/data/elasticity_sets/hauk_2012_us_substitution_hs6.csv");
const BW_SIGMA: &str = include_str!(
    "../../scenarios/data/elasticity_sets/broda_weinstein_2006_us_substitution_by_hs6.csv"
);

/// One Hauk (2012) import demand estimate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DemandEstimate {
    /// The elasticity as published (negative when correctly signed).
    pub value: f64,
    /// Hauk's correct-sign flag.
    pub correct_sign: bool,
    /// Significant at 5%.
    pub significant: bool,
}

/// The HS6 sources, by code.
#[derive(Debug, Clone, Default)]
pub struct Hs6Sources {
    /// Hauk (2012) import demand (H1).
    pub hauk_demand: HashMap<String, DemandEstimate>,
    /// Hauk (2012) σ (H2).
    pub hauk_sigma: HashMap<String, f64>,
    /// Broda–Weinstein (2006) σ, median per HS6 (BW1).
    pub bw_sigma: HashMap<String, f64>,
}

fn table(file: &str, text: &str) -> Result<CsvTable, ScenarioError> {
    CsvTable::parse(&Path::new(FOLDER).join(file), text.as_bytes())
}

/// Reads the shipped HS6 files (compiled into the program).
pub fn shipped_sources() -> Result<Hs6Sources, ScenarioError> {
    let mut out = Hs6Sources::default();
    let t = table(HAUK_DEMAND_FILE, HAUK_DEMAND)?;
    let (c, v, s, g) = (
        t.require("hs6")?,
        t.require("import_demand")?,
        t.require("correct_sign")?,
        t.require("significant_5pct")?,
    );
    for row in t.rows() {
        out.hauk_demand.insert(
            row.name(c)?.to_string(),
            DemandEstimate {
                value: row.number(v)?,
                correct_sign: row.number(s)? == 1.0,
                significant: row.number(g)? == 1.0,
            },
        );
    }
    for (file, text, column, map) in [
        (
            HAUK_SIGMA_FILE,
            HAUK_SIGMA,
            "substitution",
            &mut out.hauk_sigma,
        ),
        (
            BW_SIGMA_FILE,
            BW_SIGMA,
            "substitution_median",
            &mut out.bw_sigma,
        ),
    ] {
        let t = table(file, text)?;
        let (c, v) = (t.require("hs6")?, t.require(column)?);
        for row in t.rows() {
            map.insert(row.name(c)?.to_string(), row.number(v)?);
        }
    }
    Ok(out)
}

/// The import demand of a code from Hauk (2012), if usable: correctly signed (flag and sign)
/// and within the model's range.
fn hauk_demand(sources: &Hs6Sources, code: &str) -> Result<(f64, Origin), Origin> {
    let e = sources
        .hauk_demand
        .get(code)
        .ok_or(Origin::FallbackMissing)?;
    if !e.correct_sign || e.value >= 0.0 || !bounds::IMPORT_DEMAND.contains(-e.value) {
        return Err(Origin::FallbackRejected);
    }
    let origin = if e.significant {
        Origin::Hs6
    } else {
        Origin::Hs6Insignificant
    };
    Ok((e.value, origin))
}

/// A σ from an HS6 source, if usable: above 1 (the estimators identify σ > 1 only; Hauk's file
/// has values at or below 1 and negative ones) and within the model's range.
fn sigma(map: &HashMap<String, f64>, code: &str) -> Result<(f64, Origin), Origin> {
    let v = *map.get(code).ok_or(Origin::FallbackMissing)?;
    if v <= 1.0 || !bounds::SUBSTITUTION.contains(v) {
        return Err(Origin::FallbackRejected);
    }
    Ok((v, Origin::Hs6))
}

/// Builds every set's elasticities for products with HS6 codes. `own` holds each product's
/// `chapter_medians` elasticities and `sources_of` where they came from; `trade` each
/// product's base trade.
pub fn build(
    sources: &Hs6Sources,
    codes: &[&str],
    own: &[Elasticities],
    sources_of: &[ElasticitySource],
    trade: &[f64],
) -> SetTable {
    let n_sets = ElasticitySet::ALL.len();
    let mut elasticities = vec![Vec::with_capacity(codes.len()); n_sets];
    let mut origins = vec![Vec::with_capacity(codes.len()); n_sets];
    let mut counts = vec![SetCounts::default(); n_sets];
    for (p, code) in codes.iter().enumerate() {
        let base = own[p];
        // A fallback lands on the defaults when no elasticity-file row matches the code.
        let on_defaults = sources_of[p] == ElasticitySource::Default;
        for set in ElasticitySet::ALL {
            let k = set.index();
            let demand = match set {
                ElasticitySet::ChapterMedians | ElasticitySet::WitsDefault => {
                    Ok((base.import_demand, Origin::Scenario))
                }
                ElasticitySet::Hauk2012Hs6 | ElasticitySet::BrodaWeinstein2006Hs6 => {
                    hauk_demand(sources, code)
                }
            };
            let sigma = match set {
                ElasticitySet::ChapterMedians => Ok((base.substitution, Origin::Scenario)),
                ElasticitySet::Hauk2012Hs6 => sigma(&sources.hauk_sigma, code),
                ElasticitySet::BrodaWeinstein2006Hs6 => sigma(&sources.bw_sigma, code),
                ElasticitySet::WitsDefault => Ok((WITS_SUBSTITUTION, Origin::Fixed)),
            };
            let (eps, o_eps) = demand.unwrap_or_else(|o| (base.import_demand, o));
            let (sig, o_sig) = sigma.unwrap_or_else(|o| (base.substitution, o));
            let export_supply = match set {
                ElasticitySet::WitsDefault => SupplyElasticity::Infinite,
                _ => base.export_supply,
            };
            elasticities[k].push(Elasticities {
                import_demand: eps,
                substitution: sig,
                export_supply,
            });
            origins[k].push([o_eps, o_sig]);
            let c = &mut counts[k];
            count(&mut c.import_demand, o_eps, on_defaults, trade[p]);
            count(&mut c.substitution, o_sig, on_defaults, trade[p]);
        }
    }
    SetTable {
        elasticities,
        origins,
        counts,
        total_trade: trade.iter().sum(),
    }
}

fn count(c: &mut OriginCounts, origin: Origin, on_defaults: bool, trade: f64) {
    match origin {
        Origin::Hs6 | Origin::Hs6Insignificant => {
            c.hs6 += 1;
            c.hs6_trade += trade;
            if origin == Origin::Hs6Insignificant {
                c.insignificant += 1;
            }
        }
        Origin::FallbackRejected => {
            c.rejected += 1;
            c.rejected_trade += trade;
        }
        Origin::FallbackMissing => {
            c.missing += 1;
            c.missing_trade += trade;
        }
        Origin::Fixed | Origin::Scenario => {}
    }
    if origin.is_fallback() && on_defaults {
        c.to_defaults += 1;
        c.to_defaults_trade += trade;
    }
}

/// One sentence per elasticity on how a set's values were found, for reports.
pub fn describe_counts(set: ElasticitySet, table: &SetTable, n_products: usize) -> Vec<String> {
    if !set.is_hs6() {
        return Vec::new();
    }
    let c = table.counts[set.index()];
    let share = |v: f64| {
        if table.total_trade > 0.0 {
            100.0 * v / table.total_trade
        } else {
            0.0
        }
    };
    let line = |what: &str, k: &OriginCounts, extra: String| {
        format!(
            "Set {}, {what}: {} of {n_products} products ({:.1}% of base trade) take the HS6 estimate{extra}; \
             {} ({:.1}%) fall back to the chapter value because the estimate has the wrong sign or is out of range, \
             {} ({:.1}%) because the source has no estimate for the code; {} of these fallbacks ({:.1}%) are the [elasticities] default.",
            set.name(),
            k.hs6,
            share(k.hs6_trade),
            k.rejected,
            share(k.rejected_trade),
            k.missing,
            share(k.missing_trade),
            k.to_defaults,
            share(k.to_defaults_trade),
        )
    };
    if set == ElasticitySet::WitsDefault {
        return vec![format!(
            "Set {}: σ = {WITS_SUBSTITUTION} and export supply infinite (99) for every product; import demand as in chapter_medians.",
            set.name()
        )];
    }
    vec![
        line(
            "import demand",
            &c.import_demand,
            format!(
                " ({} of them not significant at 5%, used as published)",
                c.import_demand.insignificant
            ),
        ),
        line("substitution", &c.substitution, String::new()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_the_shipped_files_parse() {
        for s in ElasticitySet::ALL {
            assert_eq!(ElasticitySet::from_name(s.name()), Some(s));
            assert_eq!(ElasticitySet::ALL[s.index()], s);
        }
        assert_eq!(ElasticitySet::from_name("hauk"), None);
        let s = shipped_sources().unwrap();
        assert_eq!(
            (s.hauk_demand.len(), s.hauk_sigma.len(), s.bw_sigma.len()),
            (4259, 4695, 4465)
        );
    }
}
