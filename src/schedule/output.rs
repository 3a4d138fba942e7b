//! The `rates` command's outputs: two CSV tables rendered to bytes, and the terminal text.

use super::data::Schedule;
use super::engine::Rates;
use crate::error::ReportError;
use crate::report::tables::Table;
use std::path::Path;

/// `additional_by_partner.csv`: the trade-weighted additional duty of every partner.
pub const PARTNER_FILE: &str = "additional_by_partner.csv";
/// `schedule_hs6.csv`: the additional duty of every HS6 × partner line.
pub const SCHEDULE_FILE: &str = "schedule_hs6.csv";

/// Renders `additional_by_partner.csv` (partners in the data's order).
pub fn partner_csv(s: &Schedule, r: &Rates, out: &Path) -> Result<Vec<u8>, ReportError> {
    let mut t = Table::create(
        &out.join(PARTNER_FILE),
        &[
            "date",
            "partner",
            "cty_code",
            "iso3",
            "status",
            "imports_2024_usd",
            "applied_2024_pct",
            "additional_pct",
        ],
    )?;
    let date = r.date.to_string();
    for (p, x) in s.partners.iter().zip(&r.partners) {
        t.row(
            &[&date, &p.name, &p.code, &p.iso3, &p.status],
            &[
                ("imports", x.imports),
                ("applied 2024 rate", x.applied_2024_pct),
                ("additional rate", x.additional_pct),
            ],
        )?;
    }
    t.finish()
}

/// Renders `schedule_hs6.csv` for every cell, or one partner's cells.
pub fn schedule_csv(
    s: &Schedule,
    r: &Rates,
    only: Option<usize>,
    out: &Path,
) -> Result<Vec<u8>, ReportError> {
    let mut t = Table::create(
        &out.join(SCHEDULE_FILE),
        &[
            "date",
            "hs6",
            "partner",
            "imports_2024_usd",
            "applied_2024_pct",
            "additional_pct",
        ],
    )?;
    let date = r.date.to_string();
    for (cell, rate) in s.cells.iter().zip(&r.cells) {
        if only.is_some_and(|p| p != cell.partner as usize) {
            continue;
        }
        let applied = if cell.value > 0.0 {
            100.0 * cell.duty / cell.value
        } else {
            0.0
        };
        t.row(
            &[
                &date,
                &s.products[cell.product as usize],
                &s.partners[cell.partner as usize].name,
            ],
            &[
                ("imports", cell.value),
                ("applied 2024 rate", applied),
                ("additional rate", *rate),
            ],
        )?;
    }
    t.finish()
}

/// The terminal summary: partners by 2024 imports, then one exporter's largest products.
pub fn summary(s: &Schedule, r: &Rates, exporter: Option<usize>, top: usize) -> String {
    let mut out = format!(
        "US additional tariff in force on {}, weighted by 2024 imports (percent, on top of the 2024 applied rate)\n\n",
        r.date
    );
    out.push_str(&format!(
        "{:<24} {:>12} {:>12} {:>12}\n",
        "partner", "imports $B", "2024 rate", "additional"
    ));
    let mut order: Vec<usize> = (0..s.partners.len()).collect();
    order.sort_by(|&a, &b| r.partners[b].imports.total_cmp(&r.partners[a].imports));
    let (mut v, mut w) = (0.0, 0.0);
    for i in order {
        let x = &r.partners[i];
        v += x.imports;
        w += x.imports * x.additional_pct;
        out.push_str(&format!(
            "{:<24} {:>12.1} {:>12.2} {:>12.2}\n",
            s.partners[i].name,
            x.imports / 1e9,
            x.applied_2024_pct,
            x.additional_pct
        ));
    }
    if v > 0.0 {
        out.push_str(&format!(
            "{:<24} {:>12.1} {:>12} {:>12.2}\n",
            "All partners",
            v / 1e9,
            "",
            w / v
        ));
    }
    if let Some(p) = exporter {
        let mut cells: Vec<usize> = (0..s.cells.len())
            .filter(|&c| s.cells[c].partner as usize == p)
            .collect();
        cells.sort_by(|&a, &b| s.cells[b].value.total_cmp(&s.cells[a].value));
        out.push_str(&format!(
            "\n{}: {} HS6 lines; the {} largest (all are in {SCHEDULE_FILE})\n\n{:<8} {:>12} {:>12}\n",
            s.partners[p].name,
            cells.len(),
            top.min(cells.len()),
            "hs6",
            "imports $M",
            "additional"
        ));
        for &c in cells.iter().take(top) {
            let cell = &s.cells[c];
            out.push_str(&format!(
                "{:<8} {:>12.1} {:>12.2}\n",
                s.products[cell.product as usize],
                cell.value / 1e6,
                r.cells[c]
            ));
        }
    }
    out
}
