//! GSIM's own outputs (multi-market): prices, bilateral flows and welfare by region as CSV,
//! three charts, the report's GSIM sections (headline across markets, SMART beside GSIM,
//! results by region, the model) and a terminal summary. The analysis layers' files and
//! the report's shared sections are written as for every model.

use super::charts::{BarChart, BarSeries, draw_bar_chart, palette};
use super::numbers::{format_number, signed};
use super::tables::Table;
use super::{Artifact, RunReport, ValueScale};
use crate::analysis::gsim::GsimRun;
use crate::analysis::headlines::Headline;
use crate::error::ReportError;
use crate::model::gsim::{CsFormula, GsimForm};
use crate::scenario::gsim_setup::GsimSetup;
use crate::scenario::{ModelChoice, Scenario};
use crate::units::rate_to_pct;
use std::fmt::Write as _;
use std::path::Path;

/// GSIM's results beyond the importer's market.
#[derive(Debug, Clone, Copy)]
pub struct GsimDetail<'a> {
    /// The scenario's regions and markets.
    pub setup: &'a GsimSetup,
    /// Every region's results.
    pub run: &'a GsimRun,
}

/// Everything the GSIM outputs need.
pub struct GsimReport<'a> {
    /// The scenario.
    pub scenario: &'a Scenario,
    /// Its multi-market setup.
    pub setup: &'a GsimSetup,
    /// Its results.
    pub run: &'a GsimRun,
    /// The analysis layers, computed on the importer's market through the engine.
    pub layers: &'a super::Layers,
    /// Program version.
    pub version: &'static str,
}

impl<'a> GsimReport<'a> {
    /// The GSIM view of a run.
    pub fn of(run: &'a RunReport<'a>, detail: GsimDetail<'a>) -> Self {
        GsimReport {
            scenario: run.scenario,
            setup: detail.setup,
            run: detail.run,
            layers: &run.layers,
            version: run.version,
        }
    }
}

impl GsimReport<'_> {
    fn setup(&self) -> &crate::scenario::gsim_setup::GsimSetup {
        self.setup
    }

    fn form(&self) -> (&'static str, &'static str) {
        match &self.scenario.model {
            ModelChoice::Gsim { options: o, .. } => (
                match o.form {
                    GsimForm::Linear => "linear (percent-change)",
                    GsimForm::Levels => "levels (non-linear CES)",
                },
                match (o.form, o.cs_formula) {
                    (GsimForm::Levels, _) => "exact constant-elasticity area",
                    (_, CsFormula::LinearDemand) => "linear-demand area",
                    (_, CsFormula::FhSign) => "Francois–Hall script variant (fh_sign)",
                },
            ),
            ModelChoice::Smart(_) | ModelChoice::Armington(_) => ("", ""),
        }
    }

    fn source(&self) -> String {
        format!(
            "Source: tariffsim {} simulation (GSIM, {} form), scenario \"{}\"; base data {}.",
            self.version,
            self.form().0,
            self.scenario.name,
            self.scenario.base_year
        )
    }
}

/// Renders one GSIM output file to bytes; the path names it in errors.
type GsimRender = fn(&GsimReport<'_>, &Path) -> Result<Vec<u8>, ReportError>;

/// Hands one GSIM output file's bytes to a sink in pieces, in order (a table of millions of
/// rows is never held whole).
type GsimPieces = fn(&GsimReport<'_>, &Path, &mut PieceSink<'_>) -> Result<(), ReportError>;

/// Where a file's pieces go ([`Artifact::render_into`]).
type PieceSink<'s> = dyn FnMut(&[u8]) -> Result<(), ReportError> + 's;

/// How a GSIM file is rendered: whole, or in pieces.
#[derive(Clone, Copy)]
enum GsimRendering {
    Whole(GsimRender),
    Pieces(GsimPieces),
}

/// One of GSIM's own files, written through the common [`Artifact`] mechanism.
struct GsimFile {
    name: &'static str,
    rendering: GsimRendering,
}

impl GsimFile {
    fn report<'r>(&self, run: &'r RunReport<'r>) -> Result<GsimReport<'r>, ReportError> {
        let super::ModelDetail::Gsim(detail) = run.detail else {
            return Err(ReportError::Chart {
                path: self.name.into(),
                message: "a GSIM output asked of a run without GSIM results".into(),
            });
        };
        Ok(GsimReport::of(run, detail))
    }
}

impl Artifact for GsimFile {
    fn file_name(&self) -> &'static str {
        self.name
    }

    fn render(&self, run: &RunReport<'_>) -> Result<Vec<u8>, ReportError> {
        let report = self.report(run)?;
        let path = Path::new(self.name);
        match self.rendering {
            GsimRendering::Whole(render) => render(&report, path),
            GsimRendering::Pieces(pieces) => super::gathered(|sink| pieces(&report, path, sink)),
        }
    }

    fn render_into(
        &self,
        run: &RunReport<'_>,
        sink: &mut PieceSink<'_>,
    ) -> Result<(), ReportError> {
        match self.rendering {
            GsimRendering::Whole(_) => sink(&self.render(run)?),
            GsimRendering::Pieces(pieces) => pieces(&self.report(run)?, Path::new(self.name), sink),
        }
    }
}

/// GSIM's own files, in writing order.
pub fn artifacts() -> Vec<Box<dyn Artifact + Sync>> {
    use GsimRendering::{Pieces, Whole};
    let mut files: Vec<(&'static str, GsimRendering)> = vec![
        ("gsim_prices.csv", Pieces(prices)),
        ("gsim_flows.csv", Pieces(flows)),
        ("gsim_welfare.csv", Pieces(welfare_table)),
        ("gsim_world_prices.png", Whole(price_chart)),
        ("gsim_welfare.png", Whole(welfare_chart)),
        ("gsim_focus_destinations.png", Whole(destinations_chart)),
    ];
    files.extend(super::canvas::svg_twins(&files));
    files
        .into_iter()
        .map(|(name, rendering)| Box::new(GsimFile { name, rendering }) as Box<dyn Artifact + Sync>)
        .collect()
}

fn prices(r: &GsimReport<'_>, path: &Path, sink: &mut PieceSink<'_>) -> Result<(), ReportError> {
    let head = Table::create(
        path,
        &[
            "product",
            "region",
            "world_price_change_pct",
            "composite_price_change_pct",
            "iterations",
            "residual_norm",
        ],
    )?;
    by_product(r, head, r.run.products.len(), sink, product_prices)
}

/// The rows of product `p` in `gsim_prices.csv`: one per region.
fn product_prices(r: &GsimReport<'_>, p: usize, t: &mut Table) -> Result<(), ReportError> {
    let o = &r.run.products[p];
    let code = &r.scenario.products[p].code;
    for (i, region) in r.setup().regions.iter().enumerate() {
        t.row(
            &[code, region],
            &[
                (
                    "world_price_change_pct",
                    rate_to_pct(o.world_price_change[i]),
                ),
                (
                    "composite_price_change_pct",
                    rate_to_pct(o.composite_price_change[i]),
                ),
                ("iterations", o.report.iterations as f64),
                ("residual_norm", o.report.residual_norm),
            ],
        )?;
    }
    Ok(())
}

/// Products rendered at once (one buffer each, in parallel) while the products before them
/// are written: about 3 MB of `gsim_flows.csv` for 50 regions.
const PRODUCT_BATCH: usize = 16;

/// The rows of one product, appended to a table.
type ProductRows = fn(&GsimReport<'_>, usize, &mut Table) -> Result<(), ReportError>;

/// Hands on `head` (the header and any rows before the products), then the rows of products
/// `0..count`. Products are rendered in parallel, each into its own buffer, and handed on in
/// product order, so the bytes (and the first error, in row order) are those of a row-by-row
/// rendering whatever the number of threads.
fn by_product(
    r: &GsimReport<'_>,
    head: Table,
    count: usize,
    sink: &mut PieceSink<'_>,
    rows: ProductRows,
) -> Result<(), ReportError> {
    use rayon::prelude::*;
    let template = head.part();
    sink(&head.finish()?)?;
    let render = |batch: std::ops::Range<usize>| -> Vec<Result<Vec<u8>, ReportError>> {
        batch
            .into_par_iter()
            .map(|p| {
                let mut t = template.part();
                rows(r, p, &mut t)?;
                t.finish()
            })
            .collect()
    };
    let mut ready = render(0..count.min(PRODUCT_BATCH));
    let mut start = ready.len();
    loop {
        let next_batch = start..count.min(start + PRODUCT_BATCH);
        let mut next = Vec::new();
        // The next batch is rendered while this one is written.
        rayon::in_place_scope(|s| {
            if !next_batch.is_empty() {
                s.spawn(|_| next = render(next_batch.clone()));
            }
            ready.into_iter().try_for_each(|piece| sink(&piece?))
        })?;
        if next_batch.is_empty() {
            return Ok(());
        }
        ready = next;
        start = next_batch.end;
    }
}

/// `gsim_flows.csv`: every bilateral flow with base trade, product by product.
fn flows(r: &GsimReport<'_>, path: &Path, sink: &mut PieceSink<'_>) -> Result<(), ReportError> {
    let head = Table::create_with_unit(
        path,
        &[
            "product",
            "exporter",
            "importer",
            "base_value",
            "tariff_before_pct",
            "tariff_after_pct",
            "new_value",
            "change",
        ],
        &r.scenario.currency_unit,
    )?;
    let products = r.setup().markets.len().min(r.run.products.len());
    by_product(r, head, products, sink, product_flows)
}

/// The rows of product `p` in `gsim_flows.csv`: exporter by exporter, flows with base trade.
fn product_flows(r: &GsimReport<'_>, p: usize, t: &mut Table) -> Result<(), ReportError> {
    let setup = r.setup();
    let (m, o) = (&setup.markets[p], &r.run.products[p]);
    let code = &r.scenario.products[p].code;
    for (e, exporter) in setup.regions.iter().enumerate() {
        for (i, importer) in setup.regions.iter().enumerate() {
            let base = m.trade[(e, i)];
            if base == 0.0 {
                continue;
            }
            let new = o.trade_after[(e, i)];
            t.row(
                &[code, exporter, importer],
                &[
                    ("base_value", base),
                    (
                        "tariff_before_pct",
                        rate_to_pct(m.tariff_before[(e, i)] - 1.0),
                    ),
                    (
                        "tariff_after_pct",
                        rate_to_pct(m.tariff_after[(e, i)] - 1.0),
                    ),
                    ("new_value", new),
                    ("change", new - base),
                ],
            )?;
        }
    }
    Ok(())
}

fn welfare_table(
    r: &GsimReport<'_>,
    path: &Path,
    sink: &mut PieceSink<'_>,
) -> Result<(), ReportError> {
    let s = r.scenario;
    let setup = r.setup();
    let mut t = Table::create_with_unit(
        path,
        &[
            "product",
            "region",
            "producer_surplus",
            "consumer_surplus",
            "tariff_revenue",
            "net_welfare",
        ],
        &s.currency_unit,
    )?;
    for (i, region) in setup.regions.iter().enumerate() {
        let w = r.run.welfare[i];
        t.row(
            &["ALL", region],
            &[
                ("producer_surplus", w.producer_surplus),
                ("consumer_surplus", w.consumer_surplus),
                ("tariff_revenue", w.tariff_revenue),
                ("net_welfare", w.net),
            ],
        )?;
    }
    let products = r.run.products.len();
    by_product(
        r,
        t,
        if products > 1 { products } else { 0 },
        sink,
        product_welfare,
    )
}

/// The rows of product `p` in `gsim_welfare.csv`: one per region.
fn product_welfare(r: &GsimReport<'_>, p: usize, t: &mut Table) -> Result<(), ReportError> {
    let o = &r.run.products[p];
    let code = &r.scenario.products[p].code;
    for (i, region) in r.setup().regions.iter().enumerate() {
        t.row(
            &[code, region],
            &[
                ("producer_surplus", o.producer_surplus_change[i]),
                ("consumer_surplus", o.consumer_surplus_change[i]),
                ("tariff_revenue", o.tariff_revenue_change[i]),
                ("net_welfare", o.welfare_change[i]),
            ],
        )?;
    }
    Ok(())
}

fn price_chart(r: &GsimReport<'_>, path: &Path) -> Result<Vec<u8>, ReportError> {
    let setup = r.setup();
    let exporters: Vec<usize> = (0..setup.regions.len())
        .filter(|&i| r.run.exports_before[i] > 0.0)
        .collect();
    draw_bar_chart(
        path,
        &BarChart {
            title: "World (export) price change by exporter".into(),
            value_axis: "Change in world price (%)".into(),
            category_axis: if r.run.products.len() > 1 {
                format!(
                    "Exporter ({} highlighted; average over products weighted by base exports)",
                    setup.regions[setup.focus_region]
                )
            } else {
                format!(
                    "Exporter ({} highlighted)",
                    setup.regions[setup.focus_region]
                )
            } + &r
                .layers
                .uncertainty
                .as_ref()
                .map(|u| {
                    format!(
                        "; whiskers: 5–95% range over {} elasticity draws",
                        u.spec.draws
                    )
                })
                .unwrap_or_default(),
            categories: exporters
                .iter()
                .map(|&i| setup.regions[i].clone())
                .collect(),
            series: vec![BarSeries {
                name: String::new(),
                values: exporters
                    .iter()
                    .map(|&i| rate_to_pct(r.run.world_price_change[i]))
                    .collect(),
                colors: exporters
                    .iter()
                    .map(|&i| {
                        if i == setup.focus_region {
                            palette::VERMILLION
                        } else {
                            palette::BLUE
                        }
                    })
                    .collect(),
                errors: r.layers.uncertainty.as_ref().map(|u| {
                    exporters
                        .iter()
                        .map(|&i| {
                            let p = u
                                .row("world_price_change_pct", &setup.regions[i])
                                .map(|x| x.percentiles)
                                .unwrap_or_default();
                            (p.p5, p.p95)
                        })
                        .collect()
                }),
            }],
            source: r.source(),
            decimals: 2,
            subtitle: super::titles::policy_line(r.scenario),
            highlight: exporters.iter().position(|&i| i == setup.focus_region),
            ..BarChart::default()
        },
    )
}

fn welfare_chart(r: &GsimReport<'_>, path: &Path) -> Result<Vec<u8>, ReportError> {
    let setup = r.setup();
    let scale = ValueScale::for_unit(&r.scenario.currency_unit);
    let w = &r.run.welfare;
    let pick = |f: fn(&crate::analysis::gsim::RegionWelfare) -> f64| {
        w.iter().map(|x| scale.apply(f(x))).collect::<Vec<_>>()
    };
    draw_bar_chart(
        path,
        &BarChart {
            title: "Welfare change by region".into(),
            value_axis: format!("Change ({})", scale.label),
            category_axis: "Region".into(),
            categories: setup.regions.clone(),
            series: vec![
                BarSeries {
                    name: "Producer surplus".into(),
                    values: pick(|x| x.producer_surplus),
                    colors: vec![palette::GREEN],
                    errors: None,
                },
                BarSeries {
                    name: "Consumer surplus".into(),
                    values: pick(|x| x.consumer_surplus),
                    colors: vec![palette::SKY],
                    errors: None,
                },
                BarSeries {
                    name: "Tariff revenue".into(),
                    values: pick(|x| x.tariff_revenue),
                    colors: vec![palette::ORANGE],
                    errors: None,
                },
            ],
            source: r.source(),
            decimals: 1,
            stacked: true,
            totals: Some(("Net welfare".into(), pick(|x| x.net))),
            subtitle: super::titles::policy_line(r.scenario),
            highlight: Some(setup.focus_region),
            ..BarChart::default()
        },
    )
}

fn destinations_chart(r: &GsimReport<'_>, path: &Path) -> Result<Vec<u8>, ReportError> {
    let setup = r.setup();
    let scale = ValueScale::for_unit(&r.scenario.currency_unit);
    let d = &r.run.focus_destinations;
    let dest: Vec<usize> = (0..d.len())
        .filter(|&i| d[i].0 > 0.0 || d[i].1 > 0.0)
        .collect();
    let focus = &setup.regions[setup.focus_region];
    draw_bar_chart(
        path,
        &BarChart {
            title: format!("Where {focus}'s exports go, before and after"),
            value_axis: format!("{focus}'s exports at world prices ({})", scale.label),
            category_axis: "Destination".into(),
            categories: dest.iter().map(|&i| setup.regions[i].clone()).collect(),
            series: vec![
                BarSeries {
                    name: "Before".into(),
                    values: dest.iter().map(|&i| scale.apply(d[i].0)).collect(),
                    colors: vec![palette::SKY],
                    errors: None,
                },
                BarSeries {
                    name: "After".into(),
                    values: dest.iter().map(|&i| scale.apply(d[i].1)).collect(),
                    colors: vec![palette::VERMILLION],
                    errors: None,
                },
            ],
            source: r.source(),
            decimals: 1,
            subtitle: super::titles::policy_line(r.scenario),
            ..BarChart::default()
        },
    )
}

/// The report text.
/// GSIM's results: headline across markets, SMART beside GSIM, charts, every region.
pub fn results_sections(w: &mut String, r: &GsimReport<'_>) {
    let s = r.scenario;
    let setup = r.setup();
    let run = r.run;
    let sc = ValueScale::for_unit(&s.currency_unit);
    let u = &sc.label;
    let m = |v: f64| signed(sc.apply(v), 1);
    let plain = |v: f64| format_number(sc.apply(v), 1);
    let (form, _) = r.form();
    let f = setup.focus_region;
    let mk = setup.market_region;
    let focus = &setup.regions[f];
    let market = &setup.regions[mk];
    let _ = writeln!(
        w,
        "Model: GSIM, {form} form: {} regions, {} product(s); the layers below are computed on {market}'s market.\n",
        setup.regions.len(),
        s.products.len(),
    );
    let (to_market_before, to_market_after) = run.focus_destinations[mk];
    let (other_before, other_after) = run
        .focus_destinations
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != mk)
        .fold((0.0, 0.0), |acc, (_, d)| (acc.0 + d.0, acc.1 + d.1));
    let pct = |a: f64, b: f64| if b > 0.0 { 100.0 * (a - b) / b } else { 0.0 };
    let _ = writeln!(w, "## Headline results\n");
    let _ = writeln!(
        w,
        "- **{focus}'s exports to {market}**: {} {u} ({}%), from {} to {} {u}.",
        m(to_market_after - to_market_before),
        signed(pct(to_market_after, to_market_before), 2),
        plain(to_market_before),
        plain(to_market_after)
    );
    let _ = writeln!(
        w,
        "- **{focus}'s sales in all other markets{}**: {} {u} ({}%): sales redirected to (or from) {market}.",
        if setup.markets.iter().any(|mk| mk.trade[(f, f)] > 0.0) {
            " (its home market included)"
        } else {
            ""
        },
        m(other_after - other_before),
        signed(pct(other_after, other_before), 2)
    );
    let _ = writeln!(
        w,
        "- **{focus}'s world price**: {}%; its producer surplus {} {u}.",
        signed(rate_to_pct(run.world_price_change[f]), 3),
        m(run.welfare[f].producer_surplus)
    );
    let wm = run.welfare[mk];
    let _ = writeln!(
        w,
        "- **{market}'s welfare**: consumer surplus {} {u}, tariff revenue {} {u}, producer surplus {} {u}, net {} {u}.\n",
        m(wm.consumer_surplus),
        m(wm.tariff_revenue),
        m(wm.producer_surplus),
        m(wm.net)
    );
    let _ = writeln!(
        w,
        "Solver: {} product(s) solved; at most {} iteration(s); largest final residual norm {:.2e} (market clearing, every exporter).\n",
        s.products.len(),
        run.max_iterations,
        run.max_residual
    );

    let _ = writeln!(w, "## SMART and GSIM side by side\n");
    let smart = run.smart.as_ref().ok();
    let _ = writeln!(
        w,
        "The same tariff change in {market}, simulated by SMART (one market, fixed world prices in other markets, CES-share diversion, {market}'s elasticities, {focus}'s supply elasticity) and by GSIM (all markets, world prices cleared).\n"
    );
    let na = || "—".to_string();
    let _ = writeln!(w, "| | SMART | GSIM |");
    let _ = writeln!(w, "|---|---:|---:|");
    let _ = writeln!(
        w,
        "| {focus}'s exports to {market}: change ({u}) | {} | {} |",
        smart.map_or_else(na, |o| m(o.focus(s).total_effect)),
        m(to_market_after - to_market_before)
    );
    let _ = writeln!(
        w,
        "| {focus}'s exports to {market}: change (%) | {} | {} |",
        smart.map_or_else(na, |o| signed(o.focus(s).total_effect_pct(), 2)),
        signed(pct(to_market_after, to_market_before), 2)
    );
    let _ = writeln!(
        w,
        "| {focus}'s sales elsewhere: change ({u}) | not modelled | {} |",
        m(other_after - other_before)
    );
    let _ = writeln!(
        w,
        "| {market}'s tariff revenue: change ({u}) | {} | {} |",
        smart.map_or_else(na, |o| m(o.total.revenue_change())),
        m(wm.tariff_revenue)
    );
    let _ = writeln!(
        w,
        "| {market}'s consumer surplus: change ({u}) | {} | {} |",
        smart.map_or_else(na, |o| m(o.total.consumer_surplus)),
        m(wm.consumer_surplus)
    );
    if let Err(e) = &run.smart {
        let _ = writeln!(w, "\nSMART could not be run for this change: {e}.");
    }
    let _ = writeln!(
        w,
        "\nThe consumer-surplus rows are not measured alike: SMART's is the linear-demand area on each flow at world prices, GSIM's the area under the market's composite demand on tariff-inclusive spending; compare their signs and orders of magnitude, not their digits."
    );
    let _ = writeln!(
        w,
        "\nSMART attributes all new demand to the market whose tariff changed; GSIM lets {focus} raise its price and draw supply away from its other markets, so part of its gain in {market} is redirected trade, not new production.\n"
    );

    let _ = writeln!(w, "## Charts\n");
    let _ = writeln!(w, "![World price changes](gsim_world_prices.png)\n");
    let _ = writeln!(w, "![Welfare by region](gsim_welfare.png)\n");
    let _ = writeln!(
        w,
        "![Destinations of the focus exporter](gsim_focus_destinations.png)\n"
    );

    let _ = writeln!(w, "## Results by region\n");
    let _ = writeln!(
        w,
        "| Region | World price (%) | Exports before ({u}) | Exports after ({u}) | Producer surplus | Consumer surplus | Tariff revenue | Net welfare |"
    );
    let _ = writeln!(w, "|---|---:|---:|---:|---:|---:|---:|---:|");
    for (i, region) in setup.regions.iter().enumerate() {
        let x = run.welfare[i];
        let _ = writeln!(
            w,
            "| {region} | {} | {} | {} | {} | {} | {} | {} |",
            signed(rate_to_pct(run.world_price_change[i]), 3),
            plain(run.exports_before[i]),
            plain(run.exports_after[i]),
            m(x.producer_surplus),
            m(x.consumer_surplus),
            m(x.tariff_revenue),
            m(x.net)
        );
    }
    let _ = writeln!(
        w,
        "\nPer-product prices are in `gsim_prices.csv`, every bilateral flow in `gsim_flows.csv`, welfare per product in `gsim_welfare.csv`.\n"
    );
}

/// GSIM's model, its elasticities per region and assumptions.
pub fn model_section(w: &mut String, r: &GsimReport<'_>) {
    let s = r.scenario;
    let setup = r.setup();
    let (form, cs) = r.form();
    let market = &setup.regions[setup.market_region];
    let _ = writeln!(w, "## Model and assumptions\n");
    let _ = writeln!(
        w,
        "- Model: GSIM (Francois & Hall 2003), {form} form: one product at a time, national varieties (Armington), composite import demand and substitution elasticities per importer, export supply elasticity per exporter, world prices cleared in every exporter's market. Comparative static."
    );
    let _ = writeln!(
        w,
        "- Consumer surplus: {cs}. Producer surplus is the area above the supply curve; net welfare = producer + consumer surplus + tariff revenue."
    );
    let _ = writeln!(
        w,
        "- Exporters with infinite supply or no exports keep their world price.\n"
    );
    let _ = writeln!(
        w,
        "| Region | Import demand | Substitution | Export supply | From |"
    );
    let _ = writeln!(w, "|---|---:|---:|---:|---|");
    let e = &setup.elasticities;
    for (i, region) in setup.regions.iter().enumerate() {
        let _ = writeln!(
            w,
            "| {region} | {} | {} | {} | {} |",
            e.import_demand[i],
            e.substitution[i],
            match e.export_supply[i] {
                crate::model::SupplyElasticity::Infinite => "infinite".to_string(),
                crate::model::SupplyElasticity::Finite(v) => v.to_string(),
            },
            if e.from_file[i] {
                "region file (empty cells: defaults)"
            } else {
                "scenario defaults"
            }
        );
    }
    for note in &s.provenance.elasticity_notes {
        let _ = writeln!(w, "\n- {note}");
    }
    let _ = writeln!(w);

    let _ = writeln!(
        w,
        "Tariff rules without an `importer` act on {market}'s tariffs.\n"
    );
}

/// A short terminal summary.
pub fn summary(r: &GsimReport<'_>) -> String {
    let setup = r.setup();
    let run = r.run;
    let sc = ValueScale::for_unit(&r.scenario.currency_unit);
    let (f, mk) = (setup.focus_region, setup.market_region);
    let (b, a) = run.focus_destinations[mk];
    let other: (f64, f64) = run
        .focus_destinations
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != mk)
        .fold((0.0, 0.0), |acc, (_, d)| (acc.0 + d.0, acc.1 + d.1));
    let smart = run
        .smart
        .as_ref()
        .ok()
        .map(|o| o.focus(r.scenario).total_effect);
    let mut out = String::new();
    let w = &mut out;
    let _ = writeln!(w, "{}", r.scenario.name);
    let _ = writeln!(
        w,
        "  {:<44}{:>12} {}",
        format!(
            "{} exports to {} (GSIM)",
            setup.regions[f], setup.regions[mk]
        ),
        signed(sc.apply(a - b), 1),
        sc.label
    );
    if let Some(row) = r
        .layers
        .uncertainty
        .as_ref()
        .and_then(|u| u.headline(Headline::FocusExportsChange))
    {
        let _ = writeln!(
            w,
            "  {:<44}{:>12} to {} {}",
            "  5–95% range",
            signed(sc.apply(row.percentiles.p5), 1),
            signed(sc.apply(row.percentiles.p95), 1),
            sc.label
        );
    }
    let _ = writeln!(
        w,
        "  {:<44}{:>12} {}",
        "  same change in SMART",
        smart.map_or_else(|| "not available".into(), |v| signed(sc.apply(v), 1)),
        sc.label
    );
    let _ = writeln!(
        w,
        "  {:<44}{:>12} {}",
        format!("{} exports elsewhere (GSIM)", setup.regions[f]),
        signed(sc.apply(other.1 - other.0), 1),
        sc.label
    );
    let _ = writeln!(
        w,
        "  {:<44}{:>12} %",
        format!("{} world price", setup.regions[f]),
        signed(rate_to_pct(run.world_price_change[f]), 3)
    );
    let _ = writeln!(w, "  Net welfare by region ({}):", sc.label);
    for (i, region) in setup.regions.iter().enumerate() {
        let _ = writeln!(
            w,
            "    {region:<42}{:>12}",
            signed(sc.apply(run.welfare[i].net), 1)
        );
    }
    let _ = writeln!(
        w,
        "  Solver: at most {} iteration(s), largest residual {:.2e}",
        run.max_iterations, run.max_residual
    );
    out
}
