//! The report sections of the Armington model: the importer's own producers, SMART beside
//! Armington for the same change, and the model's assumptions. Every other section and file
//! is the single-market one (the model gives the same per-flow effects).

use super::RunReport;
use super::numbers::signed;
use crate::analysis::Outcome;
use crate::scenario::armington_setup::ArmingtonInputs;
use std::fmt::Write as _;

/// What the Armington sections read beyond the importer's market.
#[derive(Debug, Clone, Copy)]
pub struct ArmingtonDetail<'a> {
    /// The domestic side of every market.
    pub inputs: &'a ArmingtonInputs,
    /// SMART on the same market with the import demand elasticity the Armington model
    /// implies for each product, or why it could not be run.
    pub smart: &'a Result<Outcome, String>,
}

/// Domestic production, and SMART beside Armington.
pub fn results_section(w: &mut String, run: &RunReport<'_>, d: &ArmingtonDetail<'_>) {
    let s = run.scenario;
    let o = run.outcome;
    let sc = run.scale();
    let u = &sc.label;
    let m = |v: f64| signed(sc.apply(v), 1);
    let base: f64 = d.inputs.domestic.iter().map(|x| x.shipments).sum();
    let [value_change, output_change, producer_surplus] = [0, 1, 2].map(|i| o.extra[i]);
    let importer = super::markdown::possessive(&s.importer);
    let _ = writeln!(w, "## {importer} own producers\n");
    let _ = writeln!(
        w,
        "- Domestic shipments of the simulated products: {} {u} at base; change in value {} {u} ({}%), in quantity at base prices {} {u}.",
        super::numbers::format_number(sc.apply(base), 1),
        m(value_change),
        signed(
            if base > 0.0 {
                100.0 * value_change / base
            } else {
                0.0
            },
            2
        ),
        m(output_change)
    );
    let _ = writeln!(
        w,
        "- Domestic producer surplus: {} {u}; it is part of the net welfare change above (consumer surplus + producer surplus + tariff revenue).\n",
        m(producer_surplus)
    );
    let _ = writeln!(w, "## SMART and Armington side by side\n");
    let _ = writeln!(
        w,
        "SMART on the same flows and tariffs, each product with the import demand elasticity the Armington model implies at its base domestic share (ε = s_M·η − (1 − s_M)·σ_d), so that both models start from the same response of imports to their price.\n"
    );
    let smart = d.smart.as_ref().ok();
    let na = || "not available".to_string();
    let focus = s.focus_name();
    let _ = writeln!(w, "| | SMART | Armington |");
    let _ = writeln!(w, "|---|---:|---:|");
    let f = o.focus(s);
    for (label, sm, ar) in [
        (
            format!("{focus}'s exports: change ({u})"),
            smart.map(|x| m(x.focus(s).total_effect)),
            m(f.total_effect),
        ),
        (
            format!("{focus}'s exports: change (%)"),
            smart.map(|x| signed(x.focus(s).total_effect_pct(), 2)),
            signed(f.total_effect_pct(), 2),
        ),
        (
            format!("All imports: change ({u})"),
            smart.map(|x| m(x.total.total_effect)),
            m(o.total.total_effect),
        ),
        (
            format!("Domestic producer surplus ({u})"),
            Some("not modelled".to_string()),
            m(producer_surplus),
        ),
        (
            format!("Net welfare ({u})"),
            smart.map(|x| m(x.total.net_welfare())),
            m(o.total.net_welfare()),
        ),
    ] {
        let _ = writeln!(w, "| {label} | {} | {ar} |", sm.unwrap_or_else(na));
    }
    if let Err(e) = d.smart {
        let _ = writeln!(w, "\nSMART could not be run for this change: {e}.");
    }
    let _ = writeln!(
        w,
        "\nSMART credits all new imports to the exporters whose tariff changed and has no domestic variety; here {importer} producers lose (or gain) sales too, and trade creation is shared by every source at its base share.\n"
    );
}

/// The model, the domestic side's data and its assumptions.
pub fn model_section(w: &mut String, run: &RunReport<'_>, d: &ArmingtonDetail<'_>) {
    let s = run.scenario;
    let c = d.inputs.choice;
    let _ = writeln!(w, "## Model and assumptions\n");
    let _ = writeln!(
        w,
        "- Model: Armington with domestic production, levels form (docs/model.md §6): in each product, {} demand is a CES aggregate of its own producers' variety and an import composite (substitution elasticity σ_d), the import composite a CES nest over sources (σ_m, the scenario's substitution elasticity); total demand has elasticity η = {}; prices clear supply and demand (Newton). Comparative static.",
        s.importer, c.composite_demand
    );
    let _ = writeln!(
        w,
        "- Supply: {} producers {}; exporters as in the scenario's elasticities.",
        super::markdown::possessive(&s.importer),
        match c.domestic_supply {
            crate::model::SupplyElasticity::Infinite => "infinitely elastic".to_string(),
            crate::model::SupplyElasticity::Finite(v) => format!("with supply elasticity {v}"),
        }
    );
    let _ = writeln!(
        w,
        "- Domestic shipments of a product: its base imports × s/(1 − s), s the domestic share of its longest matching HS prefix in the domestic-share file. **{:.1}% of base imports are in products whose domestic share is an ASSUMPTION** (the US manufacturing-wide share applied to the chapter); {:.1}% are in products with no row (no domestic variety: special provisions, chapters 98–99).",
        100.0 * d.inputs.assumed_import_share,
        100.0 * d.inputs.uncovered_import_share
    );
    let _ = writeln!(
        w,
        "- Consumer surplus is the exact area under the constant-elasticity demand; producer surplus the area left of each supply curve; net welfare = consumer surplus + domestic producer surplus + tariff revenue change. Exporters' producer surplus is not part of the importer's welfare.\n"
    );
    for note in &s.provenance.elasticity_notes {
        let _ = writeln!(w, "- {note}");
    }
    let _ = writeln!(w);
}
