//! Scaling of scenario loading: `cargo bench --bench loading`.
//!
//! Loading (reading and validating the scenario and its CSV files) must take time linear in
//! the size of the input. Each benchmark writes a synthetic scenario once (not timed) and
//! times `scenario::load` on it:
//!
//! - `load_products`: n products × 4 exporters (so 4n trade rows and 4n applied rates), a
//!   distinct `source` text on every row, 100 elasticity rows by chapter, and a few rules by
//!   chapter. Doubling n should double the time.
//! - `load_rules`: 25,000 products and n `[[policy]]` rules, each naming one product and one
//!   exporter (a tariff schedule written as rules). Doubling n should add a constant time.
//!
//! The measured timings are recorded in `docs/decisions.md` ("Input hardening"); speed
//! claims live here, never in timed tests.

use std::fmt::Write as _;
use std::path::PathBuf;

fn main() {
    divan::main();
}

const EXPORTERS_PER_PRODUCT: usize = 4;
const EXPORTER_POOL: usize = 40;

/// Writes a synthetic scenario with `products` products and `rules` one-product rules;
/// returns the scenario's path.
fn synthetic(products: usize, rules: usize) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "tariffsim-bench-loading-{}-{products}-{rules}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let exporter = |p: usize, k: usize| format!("Exporter {:02}", (p * 7 + k * 11) % EXPORTER_POOL);
    let code = |p: usize| format!("{:02}{:06}", p % 97 + 1, p);
    let mut trade = String::from("product,description,exporter,value,status,source\n");
    let mut applied = String::from("product,exporter,rate_pct,status,source\n");
    for p in 0..products {
        for k in 0..EXPORTERS_PER_PRODUCT {
            let row = p * EXPORTERS_PER_PRODUCT + k;
            writeln!(
                trade,
                "{},Product number {p},{},{},ESTIMATE,synthetic trade row {row} of a long source description",
                code(p),
                exporter(p, k),
                1000 + (row % 977)
            )
            .unwrap();
            writeln!(
                applied,
                "{},{},{},OFFICIAL,synthetic tariff row {row} of a long source description",
                code(p),
                exporter(p, k),
                (row % 25) as f64 + 0.5
            )
            .unwrap();
        }
    }
    let mut elasticities = String::from("hs_prefix,import_demand,substitution,export_supply\n");
    for chapter in 1..=99 {
        writeln!(elasticities, "{chapter:02},-1.{chapter:02},2.5,inf").unwrap();
    }
    let mut toml = format!(
        "[scenario]\nname = \"Synthetic: {products} products, {rules} rules\"\n\
         importer = \"Importer\"\nfocus_exporter = \"Exporter 00\"\nbase_year = 2024\n\
         currency_unit = \"USD\"\n\n[data]\ntrade = \"trade.csv\"\n\
         applied_tariffs = \"applied.csv\"\nelasticities = \"elasticities.csv\"\n\n\
         [elasticities]\nimport_demand = -1.5\nsubstitution = 1.5\nexport_supply = \"infinite\"\n\n\
         [[before]]\ngroup = \"all\"\nset_pct = 10\n\n\
         [[policy]]\nexporter = \"Exporter 00\"\nhs_prefixes = [\"01\", \"02\", \"03\"]\nset_pct = 20\n\n\
         [[policy]]\ngroup = \"all\"\nexcept_hs_prefixes = [\"27\", \"30\"]\ncut_by_pct = 50\n"
    );
    for r in 0..rules {
        let p = (r * 13) % products;
        writeln!(
            toml,
            "\n[[policy]]\nexporter = \"{}\"\nhs_codes = [\"{}\"]\nchange_pts = {}\nnote = \"line {r} of the schedule\"",
            exporter(p, r % EXPORTERS_PER_PRODUCT),
            code(p),
            1 + r % 20
        )
        .unwrap();
    }
    for (name, text) in [
        ("trade.csv", trade),
        ("applied.csv", applied),
        ("elasticities.csv", elasticities),
        ("scenario.toml", toml),
    ] {
        std::fs::write(dir.join(name), text).expect("write fixture");
    }
    dir.join("scenario.toml")
}

#[divan::bench(args = [25_000, 50_000, 100_000], sample_count = 3, sample_size = 1)]
fn load_products(bencher: divan::Bencher, products: usize) {
    let path = synthetic(products, 0);
    bencher.bench(|| tariffsim::scenario::load(divan::black_box(&path)).expect("loads"));
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}

#[divan::bench(args = [5_000, 10_000, 20_000], sample_count = 3, sample_size = 1)]
fn load_rules(bencher: divan::Bencher, rules: usize) {
    let path = synthetic(25_000, rules);
    bencher.bench(|| tariffsim::scenario::load(divan::black_box(&path)).expect("loads"));
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}
