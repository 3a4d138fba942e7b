//! Elasticities: the scenario defaults, the per-product file, the named sets, and the check
//! that SMART's price formula stays in range with them.

use super::data::{self, CsvTable, Num};
use super::file::{self, SupplyValue};
use super::model_choice::ModelKind;
use super::{ElasticitySource, Loader, Product, Provenance, bounds, elasticity_sets, specs};

use super::trade::TradeData;
use crate::error::ScenarioError;
use crate::model::{Elasticities, ProductMarket, SupplyElasticity, TradeFlow};
use std::collections::HashMap;
use toml::Spanned;

impl Loader<'_> {
    /// The named set (`[elasticities] set`), applied to the markets, and every set's table
    /// when the products are HS6 codes of a SMART scenario. An HS6 set asked for by a scenario
    /// whose products are not all HS6 codes (HS4 headings, say) is refused: its estimates
    /// cannot be matched to a coarser product without choosing weights.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn elasticity_sets(
        &self,
        section: &Spanned<file::ElasticitySection>,
        uncertainty_section: Option<&Spanned<file::UncertaintySection>>,
        model: &ModelKind,
        trade: &TradeData,
        markets: &mut [ProductMarket],
        sources_of: &[ElasticitySource],
        uncertainty: Option<&specs::UncertaintySpec>,
        provenance: &mut Provenance,
    ) -> Result<
        (
            elasticity_sets::ElasticitySet,
            Option<elasticity_sets::SetTable>,
        ),
        ScenarioError,
    > {
        use elasticity_sets::ElasticitySet;
        let chosen = match &section.get_ref().set {
            Some(name) => Some((self.set_name(name, "elasticities.set")?, name.span())),
            None => None,
        };
        let set = chosen
            .as_ref()
            .map_or(ElasticitySet::ChapterMedians, |c| c.0);
        // The first place that asks for an HS6 set, for the message.
        let drawn_hs6 = uncertainty.and_then(|u| u.sets).is_some_and(|w| {
            ElasticitySet::ALL
                .iter()
                .any(|s| s.is_hs6() && w.probabilities[s.index()] > 0.0)
        });
        let asked = match (&chosen, drawn_hs6) {
            (Some((s, span)), _) if s.is_hs6() => {
                Some((span.clone(), "elasticities.set", s.name()))
            }
            (_, true) => uncertainty_section
                .and_then(|u| u.get_ref().sets.as_ref())
                .map(|s| (s.span(), "uncertainty.sets", "an HS6 set")),
            _ => None,
        };
        let not_hs6 = trade
            .products
            .iter()
            .filter(|p| !elasticity_sets::is_hs6_code(&p.code))
            .count();
        if let Some((span, field, name)) = asked {
            if matches!(model, ModelKind::Gsim(_)) {
                return Err(self.err(
                    span,
                    field,
                    format!("{name} gives elasticities per HS6 product for SMART; a GSIM scenario takes elasticities per region (data.region_elasticities)"),
                ));
            }
            if matches!(model, ModelKind::Armington(_)) {
                return Err(self.err(
                    span,
                    field,
                    format!("{name} gives import demand elasticities per HS6 product for SMART; an Armington scenario takes the elasticity of total demand instead ([model] composite_demand)"),
                ));
            }
            if not_hs6 > 0 || trade.products.is_empty() {
                let first = trade
                    .products
                    .iter()
                    .find(|p| !elasticity_sets::is_hs6_code(&p.code))
                    .map_or(String::new(), |p| format!(" (the first is '{}')", p.code));
                return Err(self.err(
                    span,
                    field,
                    format!(
                        "{name} gives elasticities per 6-digit HS code, but {not_hs6} of the {} products have codes that are not 6 digits{first};                          use \"chapter_medians\" here, or a scenario at HS6 ([data] us_schedule)",
                        trade.products.len()
                    ),
                ));
            }
        }
        if !matches!(model, ModelKind::Smart(_)) || not_hs6 > 0 || trade.products.is_empty() {
            return Ok((set, None));
        }
        let sources = elasticity_sets::shipped_sources()?;
        let codes: Vec<&str> = trade.products.iter().map(|p| p.code.as_str()).collect();
        let own: Vec<Elasticities> = markets.iter().map(|m| m.elasticities).collect();
        let values: Vec<f64> = markets
            .iter()
            .map(|m| m.flows.iter().map(|f| f.base_value).sum())
            .collect();
        let table = elasticity_sets::build(&sources, &codes, &own, sources_of, &values);
        if set.is_hs6() {
            for (m, e) in markets.iter_mut().zip(table.of(set)) {
                m.elasticities = *e;
            }
            provenance.elasticity_notes.push(format!(
                "Elasticity set {}: {} (files in {}). The products' own values above are the fallback.",
                set.name(),
                set.describe(),
                elasticity_sets::FOLDER
            ));
            provenance
                .elasticity_notes
                .extend(elasticity_sets::describe_counts(set, &table, codes.len()));
        }
        Ok((set, Some(table)))
    }

    pub(super) fn default_elasticities(
        &self,
        section: &Spanned<file::ElasticitySection>,
        provenance: &mut Provenance,
    ) -> Result<Elasticities, ScenarioError> {
        let s = section.get_ref();
        let eps = *s.import_demand.get_ref();
        let used = bounds::import_demand(eps)
            .map_err(|m| self.err(s.import_demand.span(), "elasticities.import_demand", m))?;
        provenance.elasticity_notes.push(format!(
            "Default import demand elasticity written as {}, used as {} (ε < 0 in every formula).",
            Num(eps),
            Num(used)
        ));
        let sigma = *s.substitution.get_ref();
        if let Some(m) = bounds::substitution_problem(sigma, "must be a positive number") {
            return Err(self.err(s.substitution.span(), "elasticities.substitution", m));
        }
        let supply = self.supply(&s.export_supply, "elasticities.export_supply")?;
        Ok(Elasticities {
            import_demand: used,
            substitution: sigma,
            export_supply: supply,
        })
    }

    pub(super) fn supply(
        &self,
        v: &Spanned<SupplyValue>,
        field: &str,
    ) -> Result<SupplyElasticity, ScenarioError> {
        match v.get_ref() {
            SupplyValue::Number(x) => match bounds::export_supply_problem(*x) {
                None => Ok(SupplyElasticity::from_value(*x)),
                Some(m) => Err(self.err(v.span(), field, m)),
            },
            SupplyValue::Word(w)
                if matches!(w.to_ascii_lowercase().as_str(), "infinite" | "inf") =>
            {
                Ok(SupplyElasticity::Infinite)
            }
            SupplyValue::Word(w) => Err(self.err(
                v.span(),
                field,
                format!(
                    "must be a positive number such as 1.5 or the word \"infinite\", found \"{w}\""
                ),
            )),
        }
    }
}

/// How far (as a positive fraction) SMART's linear world-price formula
/// `p̂* = ε·τ̂/(e_x − ε)` would take a flow's world price down, when that is 100% or more:
/// the model stops on such a flow, so loading must refuse it first.
pub(super) fn smart_price_fall(flow: &TradeFlow, elasticities: &Elasticities) -> Option<f64> {
    if flow.base_value <= 0.0 || elasticities.export_supply == SupplyElasticity::Infinite {
        return None;
    }
    let (price, _) =
        crate::model::smart::creation(flow, elasticities.import_demand, elasticities.export_supply);
    (price <= -1.0).then_some(-price)
}

/// What is wrong with a flow that [`smart_price_fall`] refuses.
pub(super) fn price_fall_message(
    trade: &TradeData,
    cell: usize,
    flow: &TradeFlow,
    elasticities: &Elasticities,
    fall: f64,
) -> String {
    let key = trade.cells[cell];
    format!(
        "product {} from {}: the tariff rises from {}% to {}%, and with the import demand \
         elasticity {} and export supply elasticity {} SMART's world price would fall by \
         {:.0}%; a fall of more than 100% is outside the range of its linear supply formula, so \
         use a larger export supply elasticity (or \"infinite\") or a smaller rise",
        trade.products[key.product()].code,
        trade.exporters[key.exporter()],
        data::fmt_num(crate::units::rate_to_pct(flow.tariff_before)),
        data::fmt_num(crate::units::rate_to_pct(flow.tariff_after)),
        data::fmt_num(elasticities.import_demand),
        data::fmt_num(elasticities.export_supply.as_f64()),
        100.0 * fall
    )
}

impl Loader<'_> {
    /// The sensitivity analysis runs SMART with each elasticity at its low and high setting;
    /// a setting that takes a flow outside SMART's price range is refused here, so that
    /// `validate` fails as the run would.
    pub(super) fn check_sensitivity_price_range(
        &self,
        section: &Spanned<file::SensitivitySection>,
        spec: &specs::SensitivitySpec,
        markets: &[ProductMarket],
        flow_cells: &[&[usize]],
        trade: &TradeData,
    ) -> Result<(), ScenarioError> {
        let s = section.get_ref();
        for (name, low, high, low_label, high_label) in specs::settings(spec) {
            let (key, span) = match name {
                "import demand elasticity" => {
                    ("import_demand", s.import_demand.as_ref().map(|v| v.span()))
                }
                "substitution elasticity" => {
                    ("substitution", s.substitution.as_ref().map(|v| v.span()))
                }
                _ => ("export_supply", s.export_supply.as_ref().map(|v| v.span())),
            };
            for (change, which, label) in [(low, "low", low_label), (high, "high", high_label)] {
                let label = if span.is_some() {
                    label
                } else {
                    format!("{label}, the default")
                };
                for (market, cells) in markets.iter().zip(flow_cells) {
                    let e = change.apply(&market.elasticities);
                    for (flow, &i) in market.flows.iter().zip(cells.iter()) {
                        if let Some(fall) = smart_price_fall(flow, &e) {
                            return Err(self.err(
                                span.unwrap_or_else(|| section.span()),
                                &format!("sensitivity.{key}"),
                                format!(
                                    "at its {which} setting ({label}) the {name} takes a flow outside SMART's range: {} (trade data line {})",
                                    price_fall_message(trade, i, flow, &e, fall),
                                    u64::from(trade.lines[i])
                                ),
                            ));
                        }
                    }
                }
            }
        }
        Ok(())
    }
}

/// Reads prefix rows; an empty cell takes the scenario's default for that parameter.
pub(super) fn read_elasticities(
    table: &CsvTable,
    defaults: &Elasticities,
    provenance: &mut Provenance,
) -> Result<Vec<(String, Elasticities)>, ScenarioError> {
    let c_prefix = table.require("hs_prefix")?;
    let c_demand = table.require("import_demand")?;
    let c_sub = table.require("substitution")?;
    let c_supply = table.require("export_supply")?;
    let mut out: Vec<(String, Elasticities)> = Vec::new();
    let mut lines: HashMap<String, u64> = HashMap::new();
    let (mut positive, mut negative, mut empty) = (0, 0, 0);
    for row in table.rows() {
        let cells_empty = [c_demand, c_sub, c_supply].map(|c| row.text(c).is_empty());
        empty += cells_empty.iter().filter(|e| **e).count();
        let prefix = row.name(c_prefix)?.to_string();
        if let Some(first) = lines.insert(prefix.clone(), row.line) {
            return Err(row.error(
                c_prefix,
                format!("duplicate prefix '{prefix}' (first on line {first})"),
            ));
        }
        let eps = if cells_empty[0] {
            defaults.import_demand
        } else {
            row.import_demand(c_demand)?
        };
        if !cells_empty[0] {
            if eps > 0.0 {
                positive += 1;
            } else {
                negative += 1;
            }
        }
        let sigma = if cells_empty[1] {
            defaults.substitution
        } else {
            row.substitution(c_sub)?
        };
        let supply = if cells_empty[2] {
            defaults.export_supply
        } else {
            row.export_supply(c_supply)?
        };
        out.push((
            prefix,
            Elasticities {
                import_demand: -eps.abs(),
                substitution: sigma,
                export_supply: supply,
            },
        ));
    }
    provenance.elasticity_notes.push(format!(
        "Elasticity file: {negative} import demand values written negative and {positive} written positive; all used as negative. {empty} empty cell(s) took the scenario default."
    ));
    Ok(out)
}

/// Each product's elasticities: those of the elasticity file's longest `hs_prefix` row that
/// starts its code, else `fallback`; with where each came from.
pub(super) fn match_prefixes(
    products: &[Product],
    prefix_rows: &[(String, Elasticities)],
    fallback: Elasticities,
) -> (Vec<ElasticitySource>, Vec<Elasticities>) {
    let mut elasticity_sources = Vec::with_capacity(products.len());
    let mut product_elasticities = Vec::with_capacity(products.len());
    // The longest matching prefix: look up each prefix of the code, longest first.
    let by_prefix: HashMap<&str, usize> = prefix_rows
        .iter()
        .enumerate()
        .map(|(i, (prefix, _))| (prefix.as_str(), i))
        .collect();
    for product in products {
        let code = product.code.as_str();
        let best = (0..=code.len())
            .rev()
            .filter(|&n| code.is_char_boundary(n))
            .find_map(|n| by_prefix.get(&code[..n]))
            .map(|&i| &prefix_rows[i]);
        match best {
            Some((prefix, e)) => {
                elasticity_sources.push(ElasticitySource::File(prefix.clone()));
                product_elasticities.push(*e);
            }
            None => {
                elasticity_sources.push(ElasticitySource::Default);
                product_elasticities.push(fallback);
            }
        }
    }
    (elasticity_sources, product_elasticities)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(import_demand: f64) -> Elasticities {
        Elasticities {
            import_demand,
            substitution: 5.0,
            export_supply: SupplyElasticity::Infinite,
        }
    }

    #[test]
    fn the_longest_prefix_wins_and_unmatched_products_take_the_fallback() {
        let products: Vec<Product> = ["610910", "620520", "8471"]
            .iter()
            .map(|c| Product {
                code: c.to_string(),
                description: String::new(),
            })
            .collect();
        let rows = vec![
            ("61".to_string(), e(-1.0)),
            ("6109".to_string(), e(-2.0)),
            ("62".to_string(), e(-3.0)),
        ];
        let (sources, values) = match_prefixes(&products, &rows, e(-9.0));
        assert_eq!(
            sources,
            vec![
                ElasticitySource::File("6109".into()),
                ElasticitySource::File("62".into()),
                ElasticitySource::Default,
            ]
        );
        let eps: Vec<f64> = values.iter().map(|v| v.import_demand).collect();
        assert_eq!(eps, vec![-2.0, -3.0, -9.0]);
    }
}
