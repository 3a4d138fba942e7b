//! `report.md`: the run written up for a reader, with every assumption and data source.

use super::gsim::GsimReport;
use super::numbers::{format_number, signed};
use super::{Artifact, ModelDetail, RunReport};
use crate::analysis::headlines::Headline;
use crate::error::ReportError;
use crate::model::SupplyElasticity;
use crate::model::smart::DiversionMethod;
use crate::scenario::ElasticitySource;
use std::fmt::Write as _;

/// The Markdown report.
pub struct MarkdownReport;

impl Artifact for MarkdownReport {
    fn file_name(&self) -> &'static str {
        "report.md"
    }
    fn render(&self, run: &RunReport<'_>) -> Result<Vec<u8>, ReportError> {
        let text = render(run);
        super::guard::check_text(
            self.file_name(),
            &text,
            &super::guard::scenario_words(run.scenario),
        )?;
        Ok(text.into_bytes())
    }
}

fn supply_text(s: SupplyElasticity) -> String {
    match s {
        SupplyElasticity::Infinite => "infinite".into(),
        SupplyElasticity::Finite(v) => format!("{v}"),
    }
}

/// "Pakistan's", "the United States'": names ending in s take a bare apostrophe.
pub fn possessive(name: &str) -> String {
    if name.ends_with('s') {
        format!("{name}'")
    } else {
        format!("{name}'s")
    }
}

/// Renders the report text.
pub fn render(run: &RunReport<'_>) -> String {
    let mut r = String::new();
    let w = &mut r;
    header(w, run);
    match run.detail {
        ModelDetail::Single => smart_results(w, run),
        ModelDetail::Gsim(g) => super::gsim::results_sections(w, &GsimReport::of(run, g)),
        ModelDetail::Armington(a) => {
            smart_results(w, run);
            super::armington::results_section(w, run, &a);
        }
    }
    layer_sections(w, run);
    tariffs_section(w, run);
    match run.detail {
        ModelDetail::Single => smart_model_section(w, run),
        ModelDetail::Gsim(g) => super::gsim::model_section(w, &GsimReport::of(run, g)),
        ModelDetail::Armington(a) => super::armington::model_section(w, run, &a),
    }
    data_sources_section(w, run);
    reproduce_section(w, run);
    r
}

/// Title, warnings, what was simulated, the scenario's description.
fn header(w: &mut String, run: &RunReport<'_>) {
    let s = run.scenario;
    let sc = run.scale();
    let u = &sc.label;
    let _ = writeln!(w, "# {}\n", s.name);
    for warning in &s.provenance.warnings {
        let _ = writeln!(w, "> **Warning:** {warning}.\n");
    }
    let _ = writeln!(
        w,
        "Simulated with tariffsim {} on the scenario file `{}`. Importing market: {}; focus exporter: {}; base year {}; values in {} (shown in {}).\n",
        run.version,
        s.path.display(),
        s.importer,
        s.focus_name(),
        s.base_year,
        s.currency_unit,
        u
    );
    if !s.description.trim().is_empty() {
        let _ = writeln!(w, "> {}\n", s.description.trim().replace('\n', "\n> "));
    }
}

/// SMART's results: headline, charts, by exporter, the focus exporter's products.
fn smart_results(w: &mut String, run: &RunReport<'_>) {
    let s = run.scenario;
    let o = run.outcome;
    let sc = run.scale();
    let u = &sc.label;
    let m = |v: f64| signed(sc.apply(v), 1);
    let plain = |v: f64| format_number(sc.apply(v), 1);
    let focus = o.focus(s);
    let t = &o.total;
    let _ = writeln!(w, "## Headline results\n");
    let _ = writeln!(
        w,
        "- **{}'s exports to {}**: {} {u} ({}%), from {} to {} {u}.",
        s.focus_name(),
        s.importer,
        m(focus.total_effect),
        signed(focus.total_effect_pct(), 2),
        plain(focus.base_value),
        plain(focus.new_value)
    );
    let _ = writeln!(
        w,
        "  Of this, trade creation {} {u}, trade diversion {} {u}, price effect {} {u}.",
        m(focus.trade_creation),
        m(focus.trade_diversion),
        m(focus.price_effect)
    );
    let _ = writeln!(
        w,
        "- **{} imports of these {} products**: {} {u} ({}%).",
        possessive(&s.importer),
        s.products.len(),
        m(t.total_effect),
        signed(t.total_effect_pct(), 2)
    );
    let _ = writeln!(
        w,
        "- **Tariff revenue** on these products (before: before-policy tariffs on base-year trade; after: after-policy tariffs on the new trade): from {} to {} {u} ({} {u}).",
        plain(t.revenue_before),
        plain(t.revenue_after),
        m(t.revenue_change())
    );
    let _ = writeln!(
        w,
        "- **{} welfare**: consumer surplus {} {u}, tariff revenue {} {u}, net {} {u} (WITS welfare triangle {} {u}).\n",
        possessive(&s.importer),
        m(t.consumer_surplus),
        m(t.revenue_change()),
        m(t.net_welfare()),
        m(t.welfare_triangle)
    );
    if t.floored_flows > 0 {
        let _ = writeln!(
            w,
            "Note: in {} flows the linear formulas projected negative imports; they were floored at zero.\n",
            t.floored_flows
        );
    }

    if let Some(unc) = &run.layers.uncertainty
        && let Some(r) = unc.headline(Headline::FocusExportsChange)
    {
        let _ = writeln!(
            w,
            "With the elasticities uncertain (see [Uncertainty](#uncertainty)), the change in {}'s exports lies between {} and {} {u} in 90% of {} draws (median {}).\n",
            s.focus_name(),
            m(r.percentiles.p5),
            m(r.percentiles.p95),
            unc.spec.draws,
            m(r.percentiles.p50),
        );
    }
    let _ = writeln!(w, "## Charts\n");
    for (file, caption) in [
        ("change_by_exporter.png", "Change in imports by exporter"),
        (
            "focus_products.png",
            "Creation and diversion by product, focus exporter",
        ),
        ("market_shares.png", "Market shares before and after"),
        ("welfare.png", "Importer welfare decomposition"),
    ] {
        let _ = writeln!(w, "![{caption}]({file})\n");
    }

    let _ = writeln!(w, "## Results by exporter\n");
    let _ = writeln!(
        w,
        "| Exporter | Before ({u}) | After ({u}) | Change ({u}) | Change (%) | Creation | Diversion | Price effect | Tariff before (%) | Tariff after (%) |"
    );
    let _ = writeln!(w, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (g, name) in s.report_groups.iter().enumerate() {
        let x = &o.by_group[g];
        let avg = |rev: f64, val: f64| if val > 0.0 { 100.0 * rev / val } else { 0.0 };
        let _ = writeln!(
            w,
            "| {}{name}{} | {} | {} | {} | {} | {} | {} | {} | {:.2} | {:.2} |",
            if g == s.report_group_of[s.focus] {
                "**"
            } else {
                ""
            },
            if g == s.report_group_of[s.focus] {
                "**"
            } else {
                ""
            },
            plain(x.base_value),
            plain(x.new_value),
            m(x.total_effect),
            signed(x.total_effect_pct(), 2),
            m(x.trade_creation),
            m(x.trade_diversion),
            m(x.price_effect),
            avg(x.revenue_before, x.base_value),
            avg(x.revenue_after, x.new_value)
        );
    }
    let _ = writeln!(
        w,
        "\nTariffs are trade-weighted averages of the total rate (applied + additional), weighted by base trade (before) and new trade (after).\n"
    );

    let _ = writeln!(w, "## {}'s largest changes by product\n", s.focus_name());
    let order = focus_product_order(run);
    let _ = writeln!(
        w,
        "| Product | Before ({u}) | Change ({u}) | Change (%) | Creation | Diversion | Price effect |"
    );
    let _ = writeln!(w, "|---|---:|---:|---:|---:|---:|---:|");
    for &i in order.iter().take(s.top_products) {
        let x = &o.focus_by_product[i];
        let _ = writeln!(
            w,
            "| {} | {} | {} | {} | {} | {} | {} |",
            s.products[i].label(),
            plain(x.base_value),
            m(x.total_effect),
            signed(x.total_effect_pct(), 2),
            m(x.trade_creation),
            m(x.trade_diversion),
            m(x.price_effect)
        );
    }
    let _ = writeln!(
        w,
        "\nAll products are in `by_product.csv`; every product × exporter flow is in `flows.csv`. \
         The summary, by-exporter{} tables are also in `results.xlsx` \
         (money in {}), for a spreadsheet or a paper.\n",
        if run.layers.uncertainty.is_some() {
            ", by-product and uncertainty"
        } else {
            " and by-product"
        },
        sc.label
    );
}

/// The focus exporter's products, largest change first.
fn focus_product_order(run: &RunReport<'_>) -> Vec<usize> {
    let o = run.outcome;
    let mut order: Vec<usize> = (0..run.scenario.products.len())
        .filter(|&i| o.focus_by_product[i].base_value > 0.0)
        .collect();
    order.sort_by(|&a, &b| {
        o.focus_by_product[b]
            .total_effect
            .abs()
            .total_cmp(&o.focus_by_product[a].total_effect.abs())
    });
    order
}

/// The tariff states and the rules that make them.
fn tariffs_section(w: &mut String, run: &RunReport<'_>) {
    let s = run.scenario;
    let _ = writeln!(w, "## Tariffs\n");
    let _ = writeln!(
        w,
        "Each flow's tariff is its applied base rate from the data plus the additional duties of the rules below.\n"
    );
    if let Some([before, after]) = &s.provenance.dated_states {
        // A dated scenario: each state is the schedule on its day; rules act on the after one.
        let _ = writeln!(w, "Before the policy ([tariffs] before):\n\n- {before}\n");
        let _ = writeln!(
            w,
            "After the policy ([tariffs] after, then the `[[policy]]` rules in file order):\n\n- {after}"
        );
    } else {
        let _ = writeln!(
            w,
            "Before the policy (`[[before]]`, both states start here):\n"
        );
        if s.provenance.before_rules.is_empty() {
            let _ = writeln!(w, "- no rules: the applied rates alone");
        }
        for d in &s.provenance.before_rules {
            let _ = writeln!(w, "- {d}");
        }
        let _ = writeln!(w, "\nThe policy (`[[policy]]`):\n");
        if s.provenance.policy_rules.is_empty() {
            let _ = writeln!(w, "- no rules");
        }
    }
    for d in &s.provenance.policy_rules {
        let _ = writeln!(w, "- {d}");
    }
    if s.provenance.explicit_cells > 0 {
        let _ = writeln!(
            w,
            "- {} product × exporter rates set explicitly from the policy-rates file (these override the rules)",
            s.provenance.explicit_cells
        );
    }
    if !s.provenance.quick_sets.is_empty() {
        let _ = writeln!(
            w,
            "\nWhat-if from the command line (`--set`, applied last, on top of the rules above; the scenario file does not contain it):\n"
        );
        for d in &s.provenance.quick_sets {
            let _ = writeln!(w, "- {d}");
        }
    }
    let _ = writeln!(w);
    if let Some(p) = &run.layers.tariff_path {
        w.push_str(&super::tariff_path::markdown_section(p));
    }
}

/// SMART's model, elasticities and assumptions.
fn smart_model_section(w: &mut String, run: &RunReport<'_>) {
    let s = run.scenario;
    let _ = writeln!(w, "## Model and assumptions\n");
    let opts = s.model.smart_options();
    let _ = writeln!(
        w,
        "- Model: SMART (WITS/UNCTAD single-market partial equilibrium; Laird & Yeats 1986), one market per product, products independent. Comparative static: the results are the long-run effect of the change, not a path over time."
    );
    let _ = writeln!(
        w,
        "- Trade diversion: {}.",
        match opts.diversion {
            DiversionMethod::CesShare =>
                "exact CES share reallocation (total imports of a product held fixed while shares move with relative prices)",
            DiversionMethod::LairdYeats =>
                "Laird–Yeats two-group formula, with its ceiling at the non-beneficiaries' trade",
        }
    );
    let _ = writeln!(
        w,
        "- Base trade: the {} trade data are taken as the market under the *before* tariffs (standard SMART practice). Before and after values, tariff revenues and welfare are therefore what the model implies for those two tariff states applied to base-year trade, not observed figures for a later year.",
        s.base_year
    );
    let _ = writeln!(
        w,
        "- Sign conventions: import demand elasticities are negative in every formula (a value written positive is used as its negative); a tariff shock is (t1 - t0)/(1 + t0); positive trade effects are increases in imports at world prices; positive welfare figures are gains to {}.",
        s.importer
    );
    let _ = writeln!(
        w,
        "- Consumer surplus is the linear-demand area -Δp·(M + ½·creation); net welfare = consumer surplus + change in tariff revenue. The WITS \"welfare\" triangle is shown for comparison."
    );
    let d = s.default_elasticities;
    let _ = writeln!(
        w,
        "- Default elasticities: import demand {}, substitution {}, export supply {}.",
        d.import_demand,
        d.substitution,
        supply_text(d.export_supply)
    );
    for note in &s.provenance.elasticity_notes {
        let _ = writeln!(w, "- {note}");
    }
    let (mut we, mut ws, mut wt, mut finite) = (0.0, 0.0, 0.0, 0usize);
    for mkt in &s.markets {
        let v: f64 = mkt.flows.iter().map(|f| f.base_value).sum();
        we += v * mkt.elasticities.import_demand;
        ws += v * mkt.elasticities.substitution;
        wt += v;
        if matches!(mkt.elasticities.export_supply, SupplyElasticity::Finite(_)) {
            finite += 1;
        }
    }
    if wt > 0.0 {
        let _ = writeln!(
            w,
            "- Trade-weighted mean elasticities used: import demand {:.3}, substitution {:.3}; {} of {} products have finite export supply.",
            we / wt,
            ws / wt,
            finite,
            s.markets.len()
        );
    }
    let _ = writeln!(
        w,
        "\n| Product | Elasticities from | Import demand | Substitution | Export supply |"
    );
    let _ = writeln!(w, "|---|---|---:|---:|---:|");
    for &i in focus_product_order(run).iter().take(s.top_products) {
        let e = s.markets[i].elasticities;
        let chapter = match &s.elasticity_sources[i] {
            ElasticitySource::File(p) => format!("file, prefix {p}"),
            ElasticitySource::Default => "scenario default".into(),
        };
        let from = match &s.elasticity_sets {
            Some(t) if s.elasticity_set.is_hs6() => {
                use crate::scenario::elasticity_sets::Origin;
                let [d, g] = t.origins[s.elasticity_set.index()][i];
                let one = |o: Origin, what: &str| match o {
                    Origin::Hs6 | Origin::Hs6Insignificant | Origin::Fixed => {
                        format!("{what}: {}", s.elasticity_set.name())
                    }
                    _ => format!("{what}: {chapter}"),
                };
                format!("{}; {}", one(d, "ε"), one(g, "σ"))
            }
            _ => chapter,
        };
        let _ = writeln!(
            w,
            "| {} | {from} | {} | {} | {} |",
            s.products[i].label(),
            e.import_demand,
            e.substitution,
            supply_text(e.export_supply)
        );
    }
    if s.elasticity_set.is_hs6() {
        let _ = writeln!(
            w,
            "\nThe table lists the products above; every product's elasticities follow the same rule (the set {}'s estimate for the HS6 code when usable, else the longest matching prefix in the elasticity file, else the defaults).\n",
            s.elasticity_set.name()
        );
    } else {
        let _ = writeln!(
            w,
            "\nThe table lists the products above; every product's elasticities follow the same rule (longest matching prefix in the elasticity file, else the defaults).\n"
        );
    }
}

/// Every input file with its status shares and sources.
fn data_sources_section(w: &mut String, run: &RunReport<'_>) {
    let s = run.scenario;
    let _ = writeln!(w, "## Data sources\n");
    for f in &s.provenance.files {
        let _ = writeln!(w, "- **{}**: `{}` ({} rows).", f.role, f.written, f.rows);
        if !f.status_shares.is_empty() {
            let parts: Vec<String> = f
                .status_shares
                .iter()
                .map(|(k, v)| format!("{k} {:.1}%", 100.0 * v))
                .collect();
            let basis = if f.role == "trade data" {
                "of trade value"
            } else if f.role == "domestic share data" {
                "of base imports, by the row each product takes"
            } else {
                "of rows"
            };
            let _ = writeln!(w, "  Status ({basis}): {}.", parts.join(", "));
        }
        let estimates: Vec<&String> = f
            .status_shares
            .keys()
            .filter(|k| {
                let k = k.to_ascii_uppercase();
                k.contains("ESTIMATE")
                    || k.contains("ASSUMPTION")
                    || k.contains("PARTIAL")
                    || k.contains("MODELLED")
            })
            .collect();
        if !estimates.is_empty() {
            let _ = writeln!(
                w,
                "  *Includes estimates:* rows marked {} are not official figures; see the file's source column.",
                estimates
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        for src in f.sources.iter().take(6) {
            let _ = writeln!(w, "  - Source: {src}");
        }
        if f.sources.len() > 6 {
            let _ = writeln!(
                w,
                "  - … and {} more distinct source notes in the file.",
                f.sources.len() - 6
            );
        }
    }
    let _ = writeln!(w);
}

/// The command that made the run.
fn reproduce_section(w: &mut String, run: &RunReport<'_>) {
    let _ = writeln!(w, "## Reproduce\n");
    let _ = writeln!(w, "```\n{}\n```\n", run.command);
    let _ = writeln!(
        w,
        "From a clone of the project, `cargo run --release -- {}` runs the same command. tariffsim {}; the computation is deterministic: the same scenario, data and seed give the same numbers.",
        run.command
            .split_whitespace()
            .skip(1)
            .collect::<Vec<_>>()
            .join(" "),
        run.version
    );
}

/// The headline under each named elasticity set.
fn elasticity_sets_section(
    w: &mut String,
    run: &RunReport<'_>,
    rows: &[crate::analysis::elasticity_sets::SetRow],
) {
    let s = run.scenario;
    let sc = run.scale();
    let u = &sc.label;
    let m = |v: f64| signed(sc.apply(v), 1);
    let total = s.elasticity_sets.as_ref().map_or(0.0, |t| t.total_trade);
    let pct = |v: f64| if total > 0.0 { 100.0 * v / total } else { 0.0 };
    let _ = writeln!(
        w,
        "## Elasticity sets
"
    );
    let _ = writeln!(
        w,
        "The same scenario under each named elasticity set: one model run each, only the elasticities differ. This report uses **{}** (marked ✓; choose another with `[elasticities] set`). The HS6 sets match each product's 6-digit code; a code a source lacks (the estimates are for 1978–2001, and HS codes revised since do not match) or whose estimate has the wrong sign or lies outside the model's range takes the chapter value instead, so these sets are partly chapter medians: the fallback columns say how much. `elasticity_sets.csv` has the same numbers.\n",
        s.elasticity_set.name()
    );
    let _ = writeln!(
        w,
        "| Set | Used | {} change ({u}) | {} change (%) | Total imports change ({u}) | Net welfare ({u}) | Import demand: fallbacks (products, % of trade) | Substitution: fallbacks (products, % of trade) |",
        possessive(s.focus_name()),
        possessive(s.focus_name())
    );
    let _ = writeln!(w, "|---|:---:|---:|---:|---:|---:|---:|---:|");
    for r in rows {
        let (d, g) = (r.counts.import_demand, r.counts.substitution);
        let fallback = |k: &crate::scenario::elasticity_sets::OriginCounts| {
            if r.set.is_hs6() {
                format!(
                    "{} ({:.1}%)",
                    k.rejected + k.missing,
                    pct(k.rejected_trade + k.missing_trade)
                )
            } else {
                "–".to_string()
            }
        };
        let wits = r.set == crate::scenario::elasticity_sets::ElasticitySet::WitsDefault;
        let (demand, sigma) = if wits {
            (
                "as chapter_medians".to_string(),
                "σ = 1.5 everywhere".to_string(),
            )
        } else {
            (fallback(&d), fallback(&g))
        };
        let used = if r.used { "✓" } else { "" };
        match &r.headline {
            Ok(h) => {
                let _ = writeln!(
                    w,
                    "| {} | {used} | {} | {} | {} | {} | {demand} | {sigma} |",
                    r.set.name(),
                    m(h.get(Headline::FocusExportsChange)),
                    signed(h.get(Headline::FocusExportsChangePct), 2),
                    m(h.get(Headline::ImportsChange)),
                    m(h.get(Headline::NetWelfareChange)),
                );
            }
            Err(e) => {
                let _ = writeln!(
                    w,
                    "| {} | {used} | not computed: {} | | | | {demand} | {sigma} |",
                    r.set.name(),
                    e.replace('|', "/"),
                );
            }
        }
    }
    let _ = writeln!(w);
    for r in rows {
        let _ = writeln!(w, "- `{}`: {}.", r.set.name(), r.set.describe());
    }
    let _ = writeln!(w);
}

/// The sections of the analysis layers a run enabled.
fn layer_sections(w: &mut String, run: &RunReport<'_>) {
    let s = run.scenario;
    let sc = run.scale();
    let u = &sc.label;
    let m = |v: f64| signed(sc.apply(v), 1);
    if let Some(unc) = &run.layers.uncertainty {
        let _ = writeln!(w, "## Uncertainty\n");
        let _ = writeln!(
            w,
            "Monte-Carlo over the elasticities: {} draws, seed {} (ChaCha8 generator, one stream per draw, so the numbers are the same on any machine and thread count). Each draw takes one value per uncertain parameter and applies it to every product, a common shock to the level of the elasticity.\n",
            unc.spec.draws, unc.spec.seed
        );
        for line in unc.spec.describe() {
            let _ = writeln!(w, "- {line}");
        }
        let _ = writeln!(
            w,
            "\n| Quantity | Central | 5% | 25% | Median | 75% | 95% |"
        );
        let _ = writeln!(w, "|---|---:|---:|---:|---:|---:|---:|");
        for r in unc.rows.iter().filter(|r| r.kind == "headline") {
            let p = r.percentiles;
            let (label, f): (String, Box<dyn Fn(f64) -> String>) = if r.name.ends_with("_pct") {
                (
                    format!("{} (%)", r.name.replace('_', " ")),
                    Box::new(|v: f64| signed(v, 2)),
                )
            } else {
                (format!("{} ({u})", r.name.replace('_', " ")), Box::new(m))
            };
            let _ = writeln!(
                w,
                "| {label} | {} | {} | {} | {} | {} | {} |",
                f(r.point),
                f(p.p5),
                f(p.p25),
                f(p.p50),
                f(p.p75),
                f(p.p95)
            );
        }
        let _ = writeln!(
            w,
            "\n`uncertainty.csv` has the same percentiles for every exporter and product{}.\n",
            match run.detail {
                ModelDetail::Single | ModelDetail::Armington(_) =>
                    ". The whiskers on the exporter chart show the 5–95% range",
                ModelDetail::Gsim(_) =>
                    ", and every region's world price and net welfare. The whiskers on the world-price chart show the 5–95% range",
            }
        );
    }
    if let Some(rows) = &run.layers.elasticity_sets {
        elasticity_sets_section(w, run, rows);
    }
    if let Some(rows) = &run.layers.sensitivity {
        let point = run.outcome.focus(s).total_effect;
        let _ = writeln!(w, "## Sensitivity\n");
        let _ = writeln!(
            w,
            "Each elasticity is moved to a low and a high setting while the others keep their values (factors apply to every product's value; supply settings replace it). Central estimate of {}'s change: {} {u}.\n",
            s.focus_name(),
            m(point)
        );
        let _ = writeln!(
            w,
            "| Elasticity | Low setting | {0} at low ({u}) | High setting | {0} at high ({u}) | Net welfare at low / high ({u}) |",
            s.focus_name()
        );
        let _ = writeln!(w, "|---|---|---:|---|---:|---:|");
        for r in rows {
            let _ = writeln!(
                w,
                "| {} | {} | {} | {} | {} | {} / {} |",
                r.parameter,
                r.low_setting,
                m(r.focus_low),
                r.high_setting,
                m(r.focus_high),
                m(r.welfare_low),
                m(r.welfare_high)
            );
        }
        let _ = writeln!(
            w,
            "\n![Sensitivity of the focus exporter's result](tornado.png)\n"
        );
    }
    if let (Some(years), Some(spec)) = (&run.layers.projection, &s.projection) {
        let _ = writeln!(w, "## Projection {}–{}\n", spec.start_year, spec.end_year);
        let _ = writeln!(
            w,
            "SMART is comparative static: it gives the long-run effect of a tariff state, not a path. The path below is an assumption of this scenario:\n"
        );
        let _ = writeln!(
            w,
            "- baseline growth {:.1}% a year from {} (ASSUMPTION){};",
            100.0 * spec.baseline_growth,
            s.base_year,
            if spec.growth_by_prefix.is_empty() {
                String::new()
            } else {
                format!(
                    ", with {} product groups at their own rates",
                    spec.growth_by_prefix.len()
                )
            }
        );
        if let Some(d) = &spec.dated {
            let _ = writeln!(
                w,
                "- the tariffs of each year follow the US measures schedule: the before state until {}, then the duties in force on each day, later measures included, averaged over the year's days (the Phase-in column is the share of the year's days from {});\n- after {}, the last day the schedule covers, that day's duties hold to the end year (ASSUMPTION);",
                d.from, d.from, d.last_day
            );
        } else {
            let _ = writeln!(
                w,
                "- share of the tariff change in force by year (phase-in): {};",
                spec.phase_in
                    .iter()
                    .map(|f| format!("{f}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        if let Some((e, rates)) = &spec.rates {
            let _ = writeln!(
                w,
                "- {}'s additional duty by year: {}%;",
                s.exporters[*e],
                rates
                    .iter()
                    .map(|r| format!("{r}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        let _ = writeln!(
            w,
            "- each year trade closes {:.0}% of the gap to the long-run effect of that year's tariffs;",
            100.0 * spec.adjustment_speed
        );
        if spec.dated.is_none() {
            let held = match &spec.held {
                Some(reason) => format!(
                    "the after state holds from the after date to the end year ({reason}, so it does not follow the schedule's later dates)"
                ),
                None => "once phased in, the after-policy tariffs hold to the end year: later measures (for example the February 2026 ruling on the IEEPA duties) are separate scenarios".into(),
            };
            let _ = writeln!(w, "- {held}.");
        }
        let _ = writeln!(w);
        let banded = years.iter().all(|y| y.band.is_some());
        let _ = writeln!(
            w,
            "| Year | Phase-in | Baseline ({u}) | Scenario ({u}) | Difference ({u}) |{}",
            if banded { " Scenario 5–95% |" } else { "" }
        );
        let _ = writeln!(
            w,
            "|---|---:|---:|---:|---:|{}",
            if banded { "---:|" } else { "" }
        );
        for y in years {
            let band = y
                .band
                .map(|b| {
                    format!(
                        " {} to {} |",
                        format_number(sc.apply(b.p5), 1),
                        format_number(sc.apply(b.p95), 1)
                    )
                })
                .unwrap_or_default();
            let _ = writeln!(
                w,
                "| {} | {} | {} | {} | {} |{band}",
                y.year,
                share(y.phase_in),
                format_number(sc.apply(y.baseline), 1),
                format_number(sc.apply(y.scenario), 1),
                m(y.scenario - y.baseline)
            );
        }
        let _ = writeln!(w, "\n![Projection](projection.png)\n");
    }
    if let Some(sweep) = &run.layers.sweep {
        let exporter = &s.exporters[sweep.spec.exporter];
        let _ = writeln!(w, "## Tariff sweep\n");
        let _ = writeln!(
            w,
            "{exporter}'s additional duty after the policy set to every rate from {}% to {}% in steps of {} points, on all products (other exporters as in the policy). Changes are measured against the before-policy state.\n",
            sweep.spec.from_pct, sweep.spec.to_pct, sweep.spec.step_pct
        );
        match sweep.break_even_pct {
            Some(x) => {
                let _ = writeln!(
                    w,
                    "{}'s exports are unchanged from the before-policy state at an additional duty of about **{x:.2}%** on {exporter}.\n",
                    s.focus_name()
                );
            }
            None => {
                let _ = writeln!(
                    w,
                    "{}'s change does not cross zero within the swept range.\n",
                    s.focus_name()
                );
            }
        }
        let _ = writeln!(
            w,
            "![Tariff sweep](sweep.png)\n\nEvery rate's results are in `sweep.csv`.\n"
        );
    }
}

/// A share in [0, 1] to at most three decimals, without trailing zeros (0.4, 0.403, 1).
fn share(x: f64) -> String {
    let text = format!("{x:.3}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}
