//! The loader: turns the raw scenario file into a [`Scenario`], checking every value on the
//! way; its core (spans to lines, errors, data paths) and the build that calls each input's
//! reader in turn. The TOML parser's messages are put in a user's words here too.

use super::data::{self, CsvTable};
use super::file::ScenarioFile;
use super::policy::{self, TariffSchedule};
use super::{
    ElasticitySource, ModelChoice, Provenance, Scenario, absolute, describe_file, quick_set,
    unit_check, with_quick_sets,
};

use super::elasticities::{
    match_prefixes, price_fall_message, read_elasticities, smart_price_fall,
};
use super::model_choice::ModelKind;
use super::trade::{apply_policy_rows, read_applied, read_policy_rows, read_trade};
use crate::error::ScenarioError;
use crate::model::{Elasticities, ProductMarket, TradeFlow};
use crate::units::Rate;
use rayon::prelude::*;
use std::ops::Range;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// Builds a [`Scenario`] from the raw file; holds what error messages need.
pub(super) struct Loader<'a> {
    pub(super) path: &'a Path,
    /// Where the scenario file's lines start, to turn spans into line numbers.
    pub(super) lines: data::LineIndex,
    pub(super) dir: PathBuf,
    /// `--set` what-ifs from the command line.
    pub(super) sets: &'a [quick_set::QuickSet],
}

impl Loader<'_> {
    pub(super) fn line_of(&self, span: Range<usize>) -> usize {
        self.lines.line_of(span.start)
    }

    /// Refuses a name or label with a line break, tab or other control character.
    pub(super) fn one_line(
        &self,
        value: &Spanned<String>,
        field: &str,
    ) -> Result<(), ScenarioError> {
        match data::control_char_problem(value.get_ref()) {
            None => Ok(()),
            Some(m) => Err(self.err(value.span(), field, m)),
        }
    }

    pub(super) fn err(&self, span: Range<usize>, field: &str, message: String) -> ScenarioError {
        ScenarioError::Invalid {
            path: self.path.to_path_buf(),
            line: self.line_of(span),
            field: field.to_string(),
            message,
        }
    }

    /// Reads the CSV file a `[data]` key names (relative to the scenario file); a path that is
    /// missing, not a regular file, or too large is an error at that key.
    pub(super) fn read_csv(
        &self,
        written: &Spanned<String>,
        field: &str,
    ) -> Result<CsvTable, ScenarioError> {
        let p = self.dir.join(written.get_ref());
        let bytes = data::read_input_file(&p, data::MAX_DATA_BYTES).map_err(|problem| {
            let fix = match problem {
                data::PathProblem::NotFound => format!("; {}", self.path_fix(written.get_ref())),
                _ => String::new(),
            };
            self.err(
                written.span(),
                field,
                format!(
                    "data file '{}' {problem} (looked for '{}'{fix})",
                    written.get_ref(),
                    absolute(&p).display()
                ),
            )
        })?;
        CsvTable::parse_owned(&p, bytes)
    }

    /// How to fix a data path that does not exist: paths are relative to the scenario file's
    /// folder, so a scenario copied out of `scenarios/` loses its data. When the path does
    /// exist from the project's `scenarios/` folder, the message gives that absolute path.
    pub(super) fn path_fix(&self, written: &str) -> String {
        let shipped = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("scenarios")
            .join(written);
        let from_shipped = if !Path::new(written).is_absolute() && shipped.exists() {
            format!(
                "; the shipped scenarios' '{written}' is '{}': write that absolute path",
                shipped.display()
            )
        } else {
            String::new()
        };
        format!(
            "paths are relative to the scenario file's folder, '{}'. If you copied the scenario \
             out of the project, write each data path from that folder, write an absolute path, \
             or copy the data beside the scenario{from_shipped}",
            absolute(&self.dir).display()
        )
    }

    pub(super) fn build(&self, raw: ScenarioFile) -> Result<Scenario, ScenarioError> {
        let sc = raw.scenario.into_inner();
        let data_span = raw.data.span();
        let data = raw.data.into_inner();
        let mut provenance = Provenance::default();

        for (value, field) in [
            (&sc.name, "scenario.name"),
            (&sc.importer, "scenario.importer"),
            (&sc.focus_exporter, "scenario.focus_exporter"),
            (&sc.currency_unit, "scenario.currency_unit"),
        ] {
            self.one_line(value, field)?;
        }
        let model = self.model_choice(raw.model.as_ref())?;
        if let (ModelKind::Gsim(_), Some(written)) = (&model, &data.us_schedule) {
            return Err(self.err(
                written.span(),
                "data.us_schedule",
                "the US measures schedule is one importing market; use it with kind = \"smart\""
                    .into(),
            ));
        }
        let importer_span = sc.importer.span();
        let importer = sc.importer.get_ref().clone();
        let schedule_base = self.dated_base(
            &data,
            raw.tariffs.as_ref(),
            &raw.before,
            &sc.importer,
            &mut provenance,
        )?;
        // The data files are independent until their rows are matched to the trade cells:
        // the applied and policy rates are read and parsed while the trade data is built.
        // Each error is still reported where reading them one after the other would meet it.
        let read_optional = |written: &Option<Spanned<String>>, field: &str| {
            written.as_ref().map(|w| self.read_csv(w, field))
        };
        let (trade_read, (applied_table, policy_table)) = rayon::join(
            || -> Result<_, ScenarioError> {
                if schedule_base.is_some() {
                    return Ok(None);
                }
                let Some(written) = &data.trade else {
                    return Err(self.err(
                        data_span.clone(),
                        "data.trade",
                        "the trade data is missing: give `trade = \"...csv\"` or `us_schedule = \"data/us_schedule\"`".into(),
                    ));
                };
                let trade_table = self.read_csv(written, "data.trade")?;
                let trade =
                    read_trade(&trade_table, &importer, matches!(model, ModelKind::Gsim(_)))?;
                let file = describe_file(
                    &trade_table,
                    "trade data",
                    written.get_ref(),
                    Some(&trade.values),
                );
                // Later messages need the file's path and header only, not its rows.
                Ok(Some((trade, trade_table.without_rows(), file)))
            },
            || {
                rayon::join(
                    || read_optional(&data.applied_tariffs, "data.applied_tariffs"),
                    || read_optional(&data.policy_rates, "data.policy_rates"),
                )
            },
        );
        let (trade, trade_table, schedule_base) = match (schedule_base, trade_read?) {
            (Some((trade, base)), _) => (trade, None, Some(base)),
            (None, Some((trade, trade_table, file))) => {
                provenance.files.push(file);
                (trade, Some(trade_table), None)
            }
            // Read above whenever there is no schedule.
            (None, None) => {
                return Err(self.err(data_span, "data.trade", "the trade data is missing".into()));
            }
        };

        let focus = trade
            .exporters
            .iter()
            .position(|e| e == sc.focus_exporter.get_ref())
            .ok_or_else(|| {
                self.err(
                    sc.focus_exporter.span(),
                    "scenario.focus_exporter",
                    data::unknown_name("exporter", sc.focus_exporter.get_ref(), &trade.exporters),
                )
            })?;
        let base_year = *sc.base_year.get_ref();
        if !(1900..=2100).contains(&base_year) {
            return Err(self.err(
                sc.base_year.span(),
                "scenario.base_year",
                format!("expected a year such as 2024, found {base_year}"),
            ));
        }

        let market = match (
            trade.importers.iter().position(|i| *i == importer),
            &trade_table,
        ) {
            (Some(m), _) if trade.importers.len() == 1 || matches!(model, ModelKind::Gsim(_)) => m,
            (_, Some(trade_table)) if matches!(model, ModelKind::Smart(_)) => {
                let i = trade
                    .cells
                    .iter()
                    .position(|c| trade.importers[c.importer()] != importer)
                    .unwrap_or(0);
                return Err(trade_table.error(
                    u64::from(trade.lines[i]),
                    trade_table.column("importer"),
                    format!(
                        "SMART models one importing market (scenario.importer = \"{}\") but this row's importer is \"{}\"; \
                         use [model] kind = \"gsim\" for several markets",
                        importer, trade.importers[trade.cells[i].importer()]
                    ),
                ));
            }
            _ => {
                return Err(self.err(
                    importer_span,
                    "scenario.importer",
                    format!(
                        "importer '{}' is not among the importers in the trade data ({})",
                        importer,
                        trade.importers.join(", ")
                    ),
                ));
            }
        };

        // Applied (base) rates.
        let mut applied = match &schedule_base {
            Some(base) => base.applied.clone(),
            None => vec![0.0; trade.cells.len()],
        };
        // The applied rates and the policy rows are matched to the trade cells at once; an
        // error in the policy file is reported where it was read before (after the rules).
        let (applied_file, policy_read) = rayon::join(
            || match (applied_table, &data.applied_tariffs) {
                (Some(table), Some(written)) => {
                    let table = table?;
                    read_applied(&table, &trade, &mut applied)?;
                    Ok(Some(describe_file(
                        &table,
                        "applied tariffs",
                        written.get_ref(),
                        None,
                    )))
                }
                _ => Ok(None),
            },
            || match (policy_table, &data.policy_rates) {
                (Some(table), Some(written)) => table.and_then(|table| {
                    let rows = read_policy_rows(&table, &trade)?;
                    let file = describe_file(&table, "policy rates", written.get_ref(), None);
                    Ok(Some((rows, file)))
                }),
                _ => Ok(None),
            },
        );
        if let Some(file) = applied_file? {
            provenance.files.push(file);
        }

        // Elasticities.
        let defaults = self.default_elasticities(&raw.elasticities, &mut provenance)?;
        let mut prefix_rows: Vec<(String, Elasticities)> = Vec::new();
        if let (ModelKind::Gsim(_), Some(written)) = (&model, &data.elasticities) {
            return Err(self.err(
                written.span(),
                "data.elasticities",
                "per-product elasticities apply to SMART; a GSIM scenario takes elasticities per region (data.region_elasticities)".into(),
            ));
        }
        if let (ModelKind::Smart(_), Some(written)) = (&model, &data.region_elasticities) {
            return Err(self.err(
                written.span(),
                "data.region_elasticities",
                "elasticities per region apply to kind = \"gsim\"; SMART takes per-product elasticities (data.elasticities)".into(),
            ));
        }
        let gsim_regions = match &model {
            ModelKind::Gsim(_) => Some(self.region_elasticities(
                data.region_elasticities.as_ref(),
                &trade,
                &defaults,
                &mut provenance,
            )?),
            ModelKind::Smart(_) | ModelKind::Armington(_) => None,
        };
        if let Some(written) = &data.elasticities {
            let table = self.read_csv(written, "data.elasticities")?;
            prefix_rows = read_elasticities(&table, &defaults, &mut provenance)?;
            provenance.files.push(describe_file(
                &table,
                "elasticities",
                written.get_ref(),
                None,
            ));
        }
        // In a GSIM scenario the single-market comparison uses the market's elasticities.
        let region_default = gsim_regions
            .as_ref()
            .map(|r| r.smart_elasticities(&importer, sc.focus_exporter.get_ref()));
        let (elasticity_sources, product_elasticities) = match_prefixes(
            &trade.products,
            &prefix_rows,
            region_default.unwrap_or(defaults),
        );
        let n_default = elasticity_sources
            .iter()
            .filter(|s| **s == ElasticitySource::Default)
            .count();
        if gsim_regions.is_none() {
            provenance.elasticity_notes.push(format!(
            "{} of {} products take their elasticities from the elasticity file, {} from the scenario defaults.",
            trade.products.len() - n_default,
            trade.products.len(),
            n_default
        ));
        }

        // Rules.
        let groups = self.groups(&raw.groups, &trade)?;
        let before_rules = self.rules(&raw.before, "before", &groups, &trade, market)?;
        let policy_rules = self.rules(&raw.policy, "policy", &groups, &trade, market)?;
        provenance.before_rules = before_rules.iter().map(|r| r.description.clone()).collect();
        provenance.policy_rules = policy_rules.iter().map(|r| r.description.clone()).collect();
        let dated = schedule_base.as_ref().and_then(|b| b.dated.as_ref());
        let mut additional = match dated {
            Some(d) => d.before.clone(),
            None => vec![0.0; trade.cells.len()],
        };
        policy::apply_rules(&before_rules, &trade.cells, &applied, &mut additional)
            .map_err(|e| self.rate_out_of_range(e, &trade))?;
        // A state's rates: the applied rate plus the additional one, cell by cell.
        let plus = |additional: &[Rate]| -> Vec<Rate> {
            applied
                .par_iter()
                .zip(additional)
                .map(|(a, b)| a + b)
                .collect()
        };
        let mut before = plus(&additional);
        if let Some(d) = dated {
            additional.clone_from(&d.after);
        }
        policy::apply_rules(&policy_rules, &trade.cells, &applied, &mut additional)
            .map_err(|e| self.rate_out_of_range(e, &trade))?;
        let mut after = plus(&additional);
        drop(additional);
        if let Some((rows, file)) = policy_read? {
            apply_policy_rows(&rows, &mut before, &mut after);
            provenance.explicit_cells = rows.len();
            provenance.files.push(file);
        }
        self.apply_quick_sets(&trade, market, &applied, &mut after)?;
        provenance.quick_sets = self.sets.iter().map(|q| q.describe()).collect();

        // Markets, one per product.
        let mut markets: Vec<ProductMarket> = trade
            .products
            .iter()
            .enumerate()
            .map(|(i, _)| ProductMarket {
                product: i,
                flows: Vec::new(),
                elasticities: product_elasticities[i],
            })
            .collect();
        // The single-market view: the scenario importer's cells (all cells for SMART), in
        // market order (by product, then as read), in which flows and rates line up when
        // flattened.
        let mut order: Vec<usize> = (0..trade.cells.len())
            .into_par_iter()
            .filter(|&i| trade.cells[i].importer() == market)
            .collect();
        order.par_sort_by_key(|&i| trade.cells[i].product);
        let mut counts = vec![0usize; markets.len()];
        for &i in &order {
            counts[trade.cells[i].product()] += 1;
        }
        // The trade cell of each market's flows (for messages): a piece of `order`.
        let mut flow_cells: Vec<&[usize]> = Vec::with_capacity(markets.len());
        let mut rest = order.as_slice();
        for &n in &counts {
            let (cells, tail) = rest.split_at(n);
            flow_cells.push(cells);
            rest = tail;
        }
        // Each market's flows are made on their own (in parallel), sized once; the check of
        // the trade values' unit reads only the values and runs beside them.
        let (unit_warning, ()) = rayon::join(
            || unit_check::unit_warning(sc.currency_unit.get_ref(), &trade.values),
            || {
                markets
                    .par_iter_mut()
                    .zip(flow_cells.par_iter())
                    .for_each(|(m, cells)| {
                        m.flows = cells
                            .iter()
                            .map(|&i| TradeFlow {
                                exporter: trade.cells[i].exporter(),
                                base_value: trade.values[i],
                                tariff_before: before[i],
                                tariff_after: after[i],
                            })
                            .collect();
                    });
            },
        );
        let uncertainty = raw
            .uncertainty
            .as_ref()
            .map(|u| self.uncertainty(u))
            .transpose()?;
        let (elasticity_set, elasticity_sets) = self.elasticity_sets(
            &raw.elasticities,
            raw.uncertainty.as_ref(),
            &model,
            &trade,
            &mut markets,
            &elasticity_sources,
            uncertainty.as_ref(),
            &mut provenance,
        )?;
        if matches!(model, ModelKind::Smart(_)) {
            // The first flow in market order whose price would fall too far, if any.
            let refused = markets
                .par_iter()
                .zip(flow_cells.par_iter())
                .find_map_first(|(market, cells)| {
                    market
                        .flows
                        .iter()
                        .zip(cells.iter())
                        .find_map(|(flow, &i)| {
                            smart_price_fall(flow, &market.elasticities)
                                .map(|fall| (market, flow, i, fall))
                        })
                });
            if let Some((market, flow, i, fall)) = refused {
                let from = match &elasticity_sources[market.product] {
                    _ if elasticity_set.is_hs6() => {
                        format!("the elasticity set {}", elasticity_set.name())
                    }
                    ElasticitySource::File(prefix) => {
                        format!("the elasticity file's row {prefix}")
                    }
                    ElasticitySource::Default => "[elasticities]".to_string(),
                };
                let message = format!(
                    "{}; the elasticities come from {from}",
                    price_fall_message(&trade, i, flow, &market.elasticities, fall)
                );
                return Err(match (&trade_table, &data.us_schedule) {
                    (Some(t), _) => t.error(u64::from(trade.lines[i]), None, message),
                    (None, Some(w)) => self.err(w.span(), "data.us_schedule", message),
                    (None, None) => self.err(data_span.clone(), "data", message),
                });
            }
        }
        // The schedule is in market order. When the trade cells are already in that order
        // (a file sorted by product, one market), the rates are moved into it, not copied.
        let in_order =
            order.len() == trade.cells.len() && order.iter().enumerate().all(|(k, &i)| k == i);
        let (schedule, cell_rates) = if in_order {
            (
                TariffSchedule {
                    applied,
                    before,
                    after,
                },
                None,
            )
        } else {
            let schedule = TariffSchedule {
                applied: order.iter().map(|&i| applied[i]).collect(),
                before: order.iter().map(|&i| before[i]).collect(),
                after: order.iter().map(|&i| after[i]).collect(),
            };
            (schedule, Some((applied, before, after)))
        };
        // The rates in trade-cell order: the schedule's own when the two orders agree.
        let (applied, before, after): (&[Rate], &[Rate], &[Rate]) = match &cell_rates {
            Some((a, b, c)) => (a, b, c),
            None => (&schedule.applied, &schedule.before, &schedule.after),
        };

        let (report_group_of, report_groups, top_products) =
            self.report_choices(raw.report.as_ref(), &trade, focus)?;
        let gsim = match (&model, gsim_regions, &trade_table) {
            (ModelKind::Gsim(_), Some(regions), Some(trade_table)) => {
                Some(self.gsim_setup(&trade, trade_table, regions, before, after, market, focus)?)
            }
            _ => None,
        };
        if gsim.is_some()
            && let Some(section) = raw.report.as_ref()
        {
            return Err(self.err(
                section.span(),
                "report",
                "[report] chooses exporters and products for SMART's tables; a GSIM scenario reports every region, so remove it".into(),
            ));
        }
        let armington = match (
            &model,
            raw.model
                .as_ref()
                .and_then(|m| m.get_ref().domestic.as_ref()),
        ) {
            (ModelKind::Armington(choice), Some(written)) => {
                // η takes the place of the import demand elasticity in every market, so
                // that the layers' changes to "import demand" move η.
                for m in &mut markets {
                    m.elasticities.import_demand = choice.composite_demand;
                }
                provenance.elasticity_notes.push(format!(
                    "Armington: the import demand elasticity of every product is replaced by the composite (total) demand elasticity η = {}; the uncertainty and sensitivity settings for import demand move η.",
                    choice.composite_demand
                ));
                Some(self.armington_inputs(
                    *choice,
                    written,
                    &trade.products,
                    &markets,
                    &mut provenance,
                )?)
            }
            _ => None,
        };
        let sensitivity = raw
            .sensitivity
            .as_ref()
            .map(|u| self.sensitivity(u))
            .transpose()?;
        if let (ModelKind::Smart(_), Some(spec), Some(section)) =
            (&model, &sensitivity, raw.sensitivity.as_ref())
        {
            self.check_sensitivity_price_range(section, spec, &markets, &flow_cells, &trade)?;
        }
        let mut projection = raw
            .projection
            .as_ref()
            .map(|p| self.projection(p, &trade.exporters, base_year))
            .transpose()?;
        if let (Some(spec), Some(d), Some(section)) =
            (projection.as_mut(), dated, raw.projection.as_ref())
        {
            let rules_on_top = if !policy_rules.is_empty() {
                Some("[[policy]] rules change the after state")
            } else if !self.sets.is_empty() {
                Some("--set changes the after state")
            } else if data.policy_rates.is_some() {
                Some("a policy-rates file sets the after state")
            } else {
                None
            };
            self.dated_projection(spec, section, d, rules_on_top, &order, applied)?;
        }
        let sweep = raw
            .sweep
            .as_ref()
            .map(|p| self.sweep(p, &trade.exporters))
            .transpose()?;

        if let Some(w) = unit_warning {
            provenance.warnings.push(w);
        }

        Ok(Scenario {
            path: self.path.to_path_buf(),
            name: with_quick_sets(sc.name.into_inner(), self.sets),
            description: sc.description,
            importer,
            base_year,
            currency_unit: sc.currency_unit.into_inner(),
            focus,
            exporters: trade.exporters,
            products: trade.products,
            markets,
            elasticity_sources,
            default_elasticities: defaults,
            elasticity_set,
            elasticity_sets,
            model: match (model, gsim, armington) {
                (ModelKind::Gsim(options), Some(setup), _) => ModelChoice::Gsim { options, setup },
                (ModelKind::Armington(_), _, Some(inputs)) => ModelChoice::Armington(inputs),
                (ModelKind::Smart(options), _, _) => ModelChoice::Smart(options),
                // A GSIM scenario always has its setup and an Armington one its domestic
                // side (both are required above); without them the scenario runs SMART.
                _ => ModelChoice::Smart(Default::default()),
            },
            schedule,
            report_group_of,
            report_groups,
            top_products,
            provenance,
            uncertainty,
            sensitivity,
            projection,
            sweep,
        })
    }
}

/// toml's message with the serde part ("invalid type: string \"10%\", expected f64") said in
/// a user's words ("expected a number such as 1.5, found the text \"10%\""); the location and
/// the snippet of the file are kept.
pub(super) fn toml_message(e: &toml::de::Error) -> String {
    let full = e.to_string();
    let full = full.trim_end();
    let raw = e.message().trim_end();
    let plain = plain_toml_message(raw);
    match full.rfind(raw) {
        Some(i) => format!("{}{plain}", &full[..i]),
        None => format!("{full}\n{plain}"),
    }
}

/// The words of [`toml_message`].
pub(super) fn plain_toml_message(m: &str) -> String {
    fn expected(e: &str) -> String {
        match e {
            "f64" | "a float" => "a number such as 1.5".into(),
            "i64" | "an integer" => {
                "a whole number written without a decimal point, such as 2024".into()
            }
            "a string" | "a borrowed string" => {
                "text in double quotes, such as \"Pakistan\"".into()
            }
            "a boolean" => "true or false".into(),
            "a sequence" => "a list in square brackets, such as [\"61\", \"62\"]".into(),
            "a map" => "a table".into(),
            e if e.starts_with("struct ") => "a table".into(),
            e => e.into(),
        }
    }
    fn found(f: &str) -> String {
        let quoted = |rest: &str| rest.trim_matches('`').to_string();
        if let Some(rest) = f.strip_prefix("string ") {
            format!("the text {rest}")
        } else if let Some(rest) = f.strip_prefix("floating point ") {
            format!("the number {}", quoted(rest))
        } else if let Some(rest) = f.strip_prefix("integer ") {
            match rest.strip_suffix(" as i128") {
                Some(n) => format!("the whole number {}, which is too large", quoted(n)),
                None => format!("the whole number {}", quoted(rest)),
            }
        } else if let Some(rest) = f.strip_prefix("boolean ") {
            quoted(rest)
        } else if f == "sequence" {
            "a list".into()
        } else if f == "map" {
            "a table".into()
        } else {
            f.into()
        }
    }
    for prefix in ["invalid type: ", "invalid value: "] {
        if let Some((f, e)) = m
            .strip_prefix(prefix)
            .and_then(|rest| rest.split_once(", expected "))
        {
            return format!("expected {}, found {}", expected(e), found(f));
        }
    }
    if m.contains("untagged enum SupplyValue") {
        return "expected a positive number such as 1.5, or the word \"infinite\"".into();
    }
    if let Some(key) = m.strip_prefix("missing field ") {
        return format!("the required key {key} is missing from this table");
    }
    match m {
        "integer number overflowed" => "this whole number is too large".into(),
        "floating-point number overflowed" => {
            "this number is too large (numbers must be finite)".into()
        }
        m => m.into(),
    }
}
