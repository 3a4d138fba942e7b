//! The starter scenario written by `tariffsim import --scenario NAME`: the importer, the
//! focus exporter, the data paths, the default elasticities (flagged as US estimates when
//! the importer is another market) and a commented example policy. It validates and runs
//! as written (with no policy, every effect is zero).

use super::trade::Trade;
use super::wits_tariff::Tariffs;

/// What the scenario is built from.
pub struct Inputs<'a> {
    /// Scenario (and file) name.
    pub name: &'a str,
    /// The trade data.
    pub trade: &'a Trade,
    /// The trade download's file name.
    pub trade_file: &'a str,
    /// The tariffs, if given.
    pub tariffs: Option<&'a Tariffs>,
    /// The focus exporter's name.
    pub focus: &'a str,
    /// Whether `focus_to_mfn.csv` was written.
    pub to_mfn: bool,
    /// The importer-specific import-demand file, if given.
    pub own_elasticities: Option<&'a str>,
    /// The focus exporter's largest product, for the example rule.
    pub example_product: Option<String>,
}

/// A TOML string literal.
fn q(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// The scenario file's text.
pub fn render(i: &Inputs) -> String {
    let t = i.trade;
    let us = super::elasticities::is_us(&t.importer);
    let tariff_text = match i.tariffs {
        Some(tf) => format!(
            "Applied tariffs: WITS/TRAINS {}, tariff year {}: each partner's effectively applied rate (AHS) where the download has it, else its preferential rate (PRF, or MFN if lower), else MFN (marked ASSUMPTION in the file).",
            tf.path
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
            tf.year
        ),
        None => "No tariff file was given: every applied rate is 0 (an ASSUMPTION).".to_string(),
    };
    let elasticity_text = match (us, i.own_elasticities) {
        (true, _) => {
            "Elasticities: the shipped US estimates (docs/data-sources.md §3).".to_string()
        }
        (false, None) => format!(
            "Elasticities: the shipped values are US estimates (Hauk 2012; Broda and Weinstein 2006) used for {}: an ASSUMPTION, flagged in elasticities.csv; importer-specific import demand elasticities (such as Kee, Nicita and Olarreaga 2008) can be given to tariffsim import with --import-demand.",
            t.importer.name
        ),
        (false, Some(f)) => format!(
            "Elasticities: import demand from {f} (specific to {}); substitution and export supply are US estimates used for {} (an ASSUMPTION, flagged in elasticities.csv).",
            t.importer.name, t.importer.name
        ),
    };
    let description = format!(
        "Starter scenario written by tariffsim import. Trade: {} {}, imports of {} from {} partners at HS{}, {}, US dollars ({}). {} {} The policy is yours to write: see the example at the end of this file.",
        t.source,
        i.trade_file,
        t.importer.name,
        {
            let mut e: Vec<&str> = t.flows.iter().map(|f| f.exporter.name.as_str()).collect();
            e.sort_unstable();
            e.dedup();
            e.len()
        },
        t.level,
        t.year,
        if t.status == "MIRROR" {
            "mirror data: the partners' reported exports"
        } else {
            "as reported by the importer"
        },
        tariff_text,
        elasticity_text
    );
    let mut s = String::new();
    s.push_str(&format!(
        "# Starter scenario for {} written by `tariffsim import`. Edit it: the policy below is an example.\n",
        t.importer.name
    ));
    s.push_str(
        "# Run:  tariffsim run <this file>    Format reference: docs/scenario-format.md\n\n",
    );
    s.push_str("[scenario]\n");
    s.push_str(&format!(
        "name = {}\n",
        q(&format!(
            "{}: imports of {} in {} (starter, focus {})",
            i.name, t.importer.name, t.year, i.focus
        ))
    ));
    s.push_str(&format!("description = {}\n", q(&description)));
    s.push_str(&format!("importer = {}\n", q(&t.importer.name)));
    s.push_str(&format!("focus_exporter = {}\n", q(i.focus)));
    s.push_str(&format!("base_year = {}\n", t.year));
    s.push_str(
        "currency_unit = \"USD\"                     # the trade file's values are US dollars\n\n",
    );
    s.push_str("[data]                                     # paths are relative to this file\n");
    s.push_str("trade = \"trade.csv\"\n");
    if i.tariffs.is_some() {
        s.push_str("applied_tariffs = \"applied_tariffs.csv\"\n");
    }
    s.push_str("elasticities = \"elasticities.csv\"\n");
    if i.to_mfn {
        s.push_str(&format!(
            "# Example policy: {} loses its preferences and pays the MFN rate on every product\n\
             # (such as a withdrawal of GSP+). Uncomment the next line to simulate it.\n\
             # policy_rates = \"focus_to_mfn.csv\"\n",
            i.focus
        ));
    }
    s.push('\n');
    if us {
        s.push_str(
            "# Defaults for products (or empty cells) the elasticity file does not cover.\n",
        );
    } else {
        s.push_str(&format!(
            "# Defaults for products (or empty cells) the elasticity file does not cover.\n\
             # NOTE: the elasticity file holds US estimates used for {}: an assumption (docs/import.md).\n",
            t.importer.name
        ));
    }
    s.push_str("[elasticities]\nimport_demand = -1.5\nsubstitution = 1.5\nexport_supply = \"infinite\"\n\n");
    s.push_str("[model]\nkind = \"smart\"\ndiversion = \"ces_share\"\n\n");
    let example = i.example_product.clone().unwrap_or_else(|| "61".into());
    let chapter = &example[..2.min(example.len())];
    s.push_str(&format!(
        "# An example rule (uncomment and edit): {focus}'s products of chapter {chapter} at a total rate of 12%.\n\
         # [[policy]]\n\
         # exporter = {fq}\n\
         # hs_prefixes = [\"{chapter}\"]\n\
         # set_pct = 12\n\
         # layer = \"total\"\n\
         # note = \"example: {focus} pays 12% on chapter {chapter}\"\n",
        focus = i.focus,
        fq = q(i.focus),
    ));
    s
}
