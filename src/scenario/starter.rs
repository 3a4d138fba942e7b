//! `tariffsim new NAME`: the text of a commented starter scenario on the shipped US data.
//! Pure: the caller decides where the shipped data is and writes the file.

/// Where the shipped data is, as written into the scenario's `[data]` paths.
#[derive(Debug, Clone, PartialEq)]
pub struct DataLocation {
    /// The folder holding `us_schedule/` and `elasticities_hs2.csv`, written relative to the
    /// new file when it lies inside the project, else absolute.
    pub dir: String,
    /// Whether `dir` is absolute (the comment then says so).
    pub absolute: bool,
}

/// A TOML basic string holding `s`.
fn quoted(s: &str) -> String {
    let mut out = String::from('"');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The starter scenario: the 2025 US–Pakistan agreement as collected (the duties in force
/// on 6 and 7 August 2025, from the shipped US schedule), with comments on what to change.
pub fn render(name: &str, data: &DataLocation) -> String {
    let join = |file: &str| {
        let sep = if data.dir.ends_with(['/', '\\']) {
            ""
        } else {
            "/"
        };
        quoted(&format!("{}{sep}{file}", data.dir))
    };
    let where_data = if data.absolute {
        "# The data paths below are ABSOLUTE: this file was written outside the tariffsim project,\n\
         # so they point at the project's shipped data. If you move the project, update them."
    } else {
        "# Data paths are relative to THIS file's folder (not to where you run tariffsim).\n\
         # If you move this file, update them (or use absolute paths)."
    };
    format!(
        r#"# {name}: a starter scenario. Check it:  tariffsim validate {name}.toml
# Run it:  tariffsim run {name}.toml   (from a clone: cargo run --release -- run {name}.toml)
# Every key is described in docs/scenario-format.md.

[scenario]
name = {title}
description = """
Starter scenario: the additional US duties in force on 6 August 2025 against those of 7 August 2025 \
(the day the US-Pakistan agreement took effect), for every HS6 product and partner, from the shipped \
US measures schedule, on 2024 US Census imports. Edit this text to say what your scenario compares."""
importer = "United States"
# The exporter the report is about. Any exporter in the data: "India", "Vietnam", "Bangladesh", ...
focus_exporter = "Pakistan"
base_year = 2024
# The unit of the trade values: the shipped data is in dollars.
currency_unit = "USD"

{where_data}
[data]
us_schedule = {schedule}
elasticities = {elasticities}

# Defaults for products the elasticity file does not cover. Import demand is negative.
[elasticities]
import_demand = -1.5
substitution = 1.5
export_supply = "infinite"

[model]
kind = "smart"
diversion = "ces_share"

# The two states compared: the US duties in force on each date (2025-01-01 to 2026-12-31).
# Change the dates to compare other days, e.g. before = {{ date = "2025-04-01" }}.
[tariffs]
before = {{ date = "2025-08-06" }}
after = {{ date = "2025-08-07" }}

[report]
exporters = ["Pakistan", "China", "Vietnam", "India", "Bangladesh"]
top_products = 10

# A rule on top of the after state. Uncomment to try Pakistan at 15% instead of 19%
# (or, without editing: tariffsim run {name}.toml --set Pakistan=15).
# [[policy]]
# exporter = "Pakistan"
# set_pct = 15                  # the additional duty, in percent
# hs_prefixes = ["61", "62"]    # optional: only these chapters (apparel)

# Uncertainty over the elasticities (adds 5-95% ranges to the report). Uncomment to use.
# The spreads are ASSUMPTIONS: factors applied to every product's elasticity.
# [uncertainty]
# draws = 1000
# seed = 2025
# import_demand = {{ dist = "lognormal", sigma = 0.4 }}
# substitution = {{ dist = "triangular", low = 0.5, mode = 1.0, high = 1.5 }}
"#,
        title = quoted(&format!("{name}: US duties in force on 6 -> 7 August 2025")),
        schedule = join("us_schedule"),
        elasticities = join("elasticities_hs2.csv"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_starter_parses_as_toml_with_its_data_paths() {
        let data = DataLocation {
            dir: "C:\\Users\\a \"b\"\\scenarios\\data".into(),
            absolute: true,
        };
        let text = render("my-study", &data);
        let v: toml::Table = toml::from_str(&text).unwrap();
        let d = v["data"].as_table().unwrap();
        assert_eq!(
            d["us_schedule"].as_str().unwrap(),
            "C:\\Users\\a \"b\"\\scenarios\\data/us_schedule"
        );
        assert_eq!(v["scenario"]["focus_exporter"].as_str(), Some("Pakistan"));
        assert!(text.contains("ABSOLUTE"));
    }
}
