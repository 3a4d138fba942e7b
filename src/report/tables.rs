//! CSV tables of a run. Every number is checked finite before it is written.

use super::{Artifact, RunReport, csv_cells};
use crate::error::ReportError;
use crate::model::smart::EffectTotals;
use crate::units::rate_to_pct;
use std::path::Path;

/// A CSV table written cell by cell, refusing non-finite numbers (shared by every table).
pub(crate) struct Table {
    path: std::path::PathBuf,
    /// The table's bytes so far: cells are written straight into it.
    out: Vec<u8>,
    /// Number of columns (every row must have as many cells as the header).
    columns: usize,
    /// The unit of the table's money columns, written in a last `currency_unit` column.
    unit: Option<String>,
}

impl Table {
    pub(crate) fn create(path: &Path, header: &[&str]) -> Result<Self, ReportError> {
        let mut out = Vec::new();
        for (i, h) in header.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            csv_cells::write_text(&mut out, h);
        }
        out.push(b'\n');
        Ok(Table {
            path: path.to_path_buf(),
            out,
            columns: header.len(),
            unit: None,
        })
    }

    /// A table whose money columns are in `unit`: a last column `currency_unit` says so on
    /// every row, so that a row pasted elsewhere keeps its unit (columns in percent end in
    /// `_pct`).
    pub(crate) fn create_with_unit(
        path: &Path,
        header: &[&str],
        unit: &str,
    ) -> Result<Self, ReportError> {
        let mut full = header.to_vec();
        full.push("currency_unit");
        let mut t = Self::create(path, &full)?;
        t.unit = Some(unit.to_string());
        Ok(t)
    }

    pub(crate) fn row(
        &mut self,
        text: &[&str],
        numbers: &[(&str, f64)],
    ) -> Result<(), ReportError> {
        let unit = self.unit.take();
        let result = self.row_then(text, numbers, unit.as_deref());
        self.unit = unit;
        result
    }

    /// A row with one text cell after the numbers (a unit).
    pub(crate) fn row_then(
        &mut self,
        text: &[&str],
        numbers: &[(&str, f64)],
        last: Option<&str>,
    ) -> Result<(), ReportError> {
        if let Some((what, _)) = numbers.iter().find(|(_, v)| !v.is_finite()) {
            return Err(ReportError::NonFinite {
                path: self.path.clone(),
                what: what.to_string(),
            });
        }
        let cells = text.len() + numbers.len() + usize::from(last.is_some());
        if cells != self.columns {
            return Err(ReportError::Write {
                path: self.path.clone(),
                source: std::io::Error::other(format!(
                    "a row has {cells} cells but the header has {}",
                    self.columns
                )),
            });
        }
        let out = &mut self.out;
        for (i, t) in text.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            csv_cells::write_text(out, t);
        }
        csv_cells::write_number_cells(out, numbers.iter().map(|&(_, v)| v), !text.is_empty());
        if let Some(last) = last {
            if cells > 1 {
                out.push(b',');
            }
            csv_cells::write_text(out, last);
        }
        out.push(b'\n');
        Ok(())
    }

    /// An empty table with the same columns and unit and no header: a part of this table's
    /// rows rendered on its own (in parallel with other parts), to be written after it.
    pub(crate) fn part(&self) -> Self {
        Table {
            path: self.path.clone(),
            out: Vec::new(),
            columns: self.columns,
            unit: self.unit.clone(),
        }
    }

    /// The table's bytes.
    pub(crate) fn finish(self) -> Result<Vec<u8>, ReportError> {
        Ok(self.out)
    }
}

/// Numbers are written to 12 significant digits: enough to reproduce every published figure,
/// relative (so that a residual of 1e-13 stays 1e-13), and free of the last-digit float noise
/// of sums (5107479031.000001 is written 5107479031). Very small or very large magnitudes
/// use exponent notation (`2.5e-13`, `1.2e20` reads back in every spreadsheet), never
/// hundreds of digits.
pub(crate) fn format_cell(v: f64) -> String {
    let mut out = Vec::with_capacity(24);
    csv_cells::write_number(&mut out, v);
    String::from_utf8(out).unwrap_or_default()
}

/// `flows.csv`: one row per product × exporter.
pub struct FlowsTable;
/// `by_exporter.csv`: totals per exporter.
pub struct ByExporterTable;
/// `by_product.csv`: totals per product.
pub struct ByProductTable;
/// `summary.csv`: the importer's and focus exporter's headline totals.
pub struct SummaryTable;

impl Artifact for FlowsTable {
    fn file_name(&self) -> &'static str {
        "flows.csv"
    }
    fn streams(&self) -> bool {
        true
    }
    fn render(&self, run: &RunReport<'_>) -> Result<Vec<u8>, ReportError> {
        super::gathered(|sink| self.render_into(run, sink))
    }
    fn render_into(
        &self,
        run: &RunReport<'_>,
        sink: &mut dyn FnMut(&[u8]) -> Result<(), ReportError>,
    ) -> Result<(), ReportError> {
        let path = Path::new(self.file_name());
        let s = run.scenario;
        let t = Table::create_with_unit(
            path,
            &[
                "product",
                "description",
                "exporter",
                "base_value",
                "tariff_applied_pct",
                "tariff_before_pct",
                "tariff_after_pct",
                "world_price_change_pct",
                "trade_creation",
                "trade_diversion",
                "price_effect",
                "total_effect",
                "new_value",
                "revenue_before",
                "revenue_after",
                "consumer_surplus",
                "welfare_triangle",
            ],
            &s.currency_unit,
        )?;
        let template = t.part();
        sink(&t.finish()?)?;
        // Products in groups of about FLOWS_GROUP_ROWS rows, a window of groups formatted
        // in parallel, each group's bytes handed on in order: the bytes of one sequential
        // pass, with the first non-finite number in row order as the error.
        let products = run.outcome.flow_markets(s);
        let mut first_cell = Vec::with_capacity(products.len() + 1);
        first_cell.push(0);
        for &(_, flows) in &products {
            first_cell.push(first_cell.last().copied().unwrap_or(0) + flows);
        }
        let mut groups = Vec::new();
        let mut start = 0;
        for k in 0..products.len() {
            if first_cell[k + 1] - first_cell[start] >= FLOWS_GROUP_ROWS {
                groups.push(start..k + 1);
                start = k + 1;
            }
        }
        if start < products.len() {
            groups.push(start..products.len());
        }
        let window = 2 * rayon::current_num_threads().max(1);
        let format_group = |range: &std::ops::Range<usize>| -> Result<Vec<u8>, ReportError> {
            let mut t = template.part();
            let mut scratch = Vec::new();
            for k in range.clone() {
                let product = &s.products[products[k].0];
                let flows = run
                    .outcome
                    .market_flows(s, k, &mut scratch)?
                    .unwrap_or_default();
                for (i, f) in flows.iter().enumerate() {
                    let cell = first_cell[k] + i;
                    t.row(
                        &[
                            &product.code,
                            &product.description,
                            &s.exporters[f.exporter],
                        ],
                        &[
                            ("base_value", f.base_value),
                            ("tariff_applied_pct", rate_to_pct(s.schedule.applied[cell])),
                            ("tariff_before_pct", rate_to_pct(f.tariff_before)),
                            ("tariff_after_pct", rate_to_pct(f.tariff_after)),
                            ("world_price_change_pct", rate_to_pct(f.world_price_change)),
                            ("trade_creation", f.trade_creation),
                            ("trade_diversion", f.trade_diversion),
                            ("price_effect", f.price_effect),
                            ("total_effect", f.total_effect),
                            ("new_value", f.new_value),
                            ("revenue_before", f.revenue_before),
                            ("revenue_after", f.revenue_after),
                            ("consumer_surplus", f.consumer_surplus),
                            ("welfare_triangle", f.welfare_triangle),
                        ],
                    )?;
                }
            }
            t.finish()
        };
        // Each group is a job of its own, waited for by the calling thread: no thread of the
        // pool waits inside a batch, where it would take other work (a long render such as
        // the workbook) and hold the whole batch back until that work ended.
        let format = |batch: &[std::ops::Range<usize>]| -> Vec<Result<Vec<u8>, ReportError>> {
            let mut pieces: Vec<Option<Result<Vec<u8>, ReportError>>> =
                batch.iter().map(|_| None).collect();
            rayon::in_place_scope(|scope| {
                for (range, piece) in batch.iter().zip(pieces.iter_mut()) {
                    scope.spawn(move |_| *piece = Some(format_group(range)));
                }
            });
            pieces.into_iter().flatten().collect()
        };
        pipelined(groups.chunks(window), format, sink)
    }
}

/// Hands `sink` the pieces of each batch in order, formatting the next batch (on another
/// thread, which spreads it over the thread pool) while the pieces of the last one are
/// handed on; the first error in piece order stops both. On a thread of the pool itself,
/// which must not wait on other pool work, the batches are formatted and handed on in turn.
fn pipelined<B: Send>(
    batches: impl Iterator<Item = B> + Send,
    format: impl Fn(B) -> Vec<Result<Vec<u8>, ReportError>> + Sync,
    sink: &mut dyn FnMut(&[u8]) -> Result<(), ReportError>,
) -> Result<(), ReportError> {
    if rayon::current_thread_index().is_some() {
        for batch in batches {
            for piece in format(batch) {
                sink(&piece?)?;
            }
        }
        return Ok(());
    }
    std::thread::scope(|scope| {
        // One batch formatted ahead: the pieces in memory are those of about three batches.
        let (send, receive) = std::sync::mpsc::sync_channel(1);
        let format = &format;
        scope.spawn(move || {
            for batch in batches {
                // The receiver is gone after an error: stop formatting.
                if send.send(format(batch)).is_err() {
                    break;
                }
            }
        });
        for pieces in receive {
            for piece in pieces {
                sink(&piece?)?;
            }
        }
        Ok(())
    })
}

/// Rows of `flows.csv` formatted together on one thread (about 1 MiB at 130 bytes a row;
/// a million flows, 130 MB, are never held whole).
const FLOWS_GROUP_ROWS: usize = 8192;

const TOTAL_COLUMNS: [&str; 11] = [
    "base_value",
    "new_value",
    "total_effect",
    "change_pct",
    "trade_creation",
    "trade_diversion",
    "price_effect",
    "revenue_before",
    "revenue_after",
    "consumer_surplus",
    "welfare_triangle",
];

fn total_numbers(t: &EffectTotals) -> [(&'static str, f64); 11] {
    [
        ("base_value", t.base_value),
        ("new_value", t.new_value),
        ("total_effect", t.total_effect),
        ("change_pct", t.total_effect_pct()),
        ("trade_creation", t.trade_creation),
        ("trade_diversion", t.trade_diversion),
        ("price_effect", t.price_effect),
        ("revenue_before", t.revenue_before),
        ("revenue_after", t.revenue_after),
        ("consumer_surplus", t.consumer_surplus),
        ("welfare_triangle", t.welfare_triangle),
    ]
}

impl Artifact for ByExporterTable {
    fn file_name(&self) -> &'static str {
        "by_exporter.csv"
    }
    fn render(&self, run: &RunReport<'_>) -> Result<Vec<u8>, ReportError> {
        let path = Path::new(self.file_name());
        let s = run.scenario;
        let mut header = vec!["exporter", "report_group"];
        header.extend(TOTAL_COLUMNS);
        let mut t = Table::create_with_unit(path, &header, &s.currency_unit)?;
        for (e, totals) in run.outcome.by_exporter.iter().enumerate() {
            let group = &s.report_groups[s.report_group_of[e]];
            t.row(&[&s.exporters[e], group], &total_numbers(totals))?;
        }
        t.finish()
    }
}

impl Artifact for ByProductTable {
    fn file_name(&self) -> &'static str {
        "by_product.csv"
    }
    fn render(&self, run: &RunReport<'_>) -> Result<Vec<u8>, ReportError> {
        let path = Path::new(self.file_name());
        let s = run.scenario;
        let mut header = vec!["product", "description"];
        header.extend(TOTAL_COLUMNS);
        header.extend([
            "net_welfare",
            "focus_base_value",
            "focus_total_effect",
            "focus_trade_creation",
            "focus_trade_diversion",
            "focus_price_effect",
        ]);
        let mut t = Table::create_with_unit(path, &header, &s.currency_unit)?;
        for (i, totals) in run.outcome.by_product.iter().enumerate() {
            let focus = &run.outcome.focus_by_product[i];
            let mut numbers = total_numbers(totals).to_vec();
            numbers.extend([
                ("net_welfare", totals.net_welfare()),
                ("focus_base_value", focus.base_value),
                ("focus_total_effect", focus.total_effect),
                ("focus_trade_creation", focus.trade_creation),
                ("focus_trade_diversion", focus.trade_diversion),
                ("focus_price_effect", focus.price_effect),
            ]);
            t.row(&[&s.products[i].code, &s.products[i].description], &numbers)?;
        }
        t.finish()
    }
}

impl Artifact for SummaryTable {
    fn file_name(&self) -> &'static str {
        "summary.csv"
    }
    fn render(&self, run: &RunReport<'_>) -> Result<Vec<u8>, ReportError> {
        let path = Path::new(self.file_name());
        let s = run.scenario;
        let unit = s.currency_unit.as_str();
        let mut t = Table::create(path, &["quantity", "unit", "value"])?;
        let total = &run.outcome.total;
        let focus = run.outcome.focus(s);
        let focus_name = s.focus_name();
        let rows: Vec<(String, &str, f64)> = vec![
            ("imports_before".into(), unit, total.base_value),
            ("imports_after".into(), unit, total.new_value),
            ("imports_change".into(), unit, total.total_effect),
            (
                "imports_change_pct".into(),
                "percent",
                total.total_effect_pct(),
            ),
            ("trade_creation".into(), unit, total.trade_creation),
            ("price_effect".into(), unit, total.price_effect),
            ("tariff_revenue_before".into(), unit, total.revenue_before),
            ("tariff_revenue_after".into(), unit, total.revenue_after),
            ("tariff_revenue_change".into(), unit, total.revenue_change()),
            (
                "consumer_surplus_change".into(),
                unit,
                total.consumer_surplus,
            ),
            ("welfare_triangle_wits".into(), unit, total.welfare_triangle),
            ("net_welfare_change".into(), unit, total.net_welfare()),
            (
                format!("focus_exports_before ({focus_name})"),
                unit,
                focus.base_value,
            ),
            (
                format!("focus_exports_after ({focus_name})"),
                unit,
                focus.new_value,
            ),
            (
                format!("focus_exports_change ({focus_name})"),
                unit,
                focus.total_effect,
            ),
            (
                format!("focus_exports_change_pct ({focus_name})"),
                "percent",
                focus.total_effect_pct(),
            ),
            (
                format!("focus_trade_creation ({focus_name})"),
                unit,
                focus.trade_creation,
            ),
            (
                format!("focus_trade_diversion ({focus_name})"),
                unit,
                focus.trade_diversion,
            ),
            (
                "flows_floored_at_zero".into(),
                "count",
                total.floored_flows as f64,
            ),
        ];
        for (q, u, v) in rows {
            t.row(&[&q, u], &[(q.as_str(), v)])?;
        }
        t.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::{ReportError, format_cell, pipelined};

    /// Batches of numbered pieces; piece `bad` (if any) is an error.
    fn pieces_in_order(bad: Option<usize>) -> (Vec<u8>, Result<(), ReportError>) {
        let batches: Vec<std::ops::Range<usize>> = (0..40).step_by(4).map(|a| a..a + 4).collect();
        let format = |batch: &std::ops::Range<usize>| {
            batch
                .clone()
                .map(|k| {
                    if Some(k) == bad {
                        Err(ReportError::NonFinite {
                            path: "t.csv".into(),
                            what: format!("piece {k}"),
                        })
                    } else {
                        Ok(vec![k as u8])
                    }
                })
                .collect()
        };
        let mut got = Vec::new();
        let r = pipelined(batches.iter(), format, &mut |p: &[u8]| {
            got.extend_from_slice(p);
            Ok(())
        });
        (got, r)
    }

    /// Pieces reach the sink in order, up to the first error, whether formatted ahead on
    /// another thread or (on a thread of the pool) in turn.
    #[test]
    fn pipelined_pieces_arrive_in_order_and_stop_at_the_first_error() {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        for on_pool in [false, true] {
            let run = |bad| {
                if on_pool {
                    pool.install(|| pieces_in_order(bad))
                } else {
                    pieces_in_order(bad)
                }
            };
            let (all, r) = run(None);
            assert!(r.is_ok());
            assert_eq!(all, (0..40).collect::<Vec<u8>>());
            for bad in [0, 3, 4, 17, 39] {
                let (got, r) = run(Some(bad));
                assert_eq!(got, (0..bad as u8).collect::<Vec<u8>>());
                match r {
                    Err(ReportError::NonFinite { what, .. }) => {
                        assert_eq!(what, format!("piece {bad}"))
                    }
                    other => panic!("{other:?}"),
                }
            }
        }
    }

    #[test]
    fn cells_are_short_and_read_back_to_twelve_digits() {
        for v in [
            1e-300,
            -3.7e-200,
            2.5e-13,
            1e-6,
            0.5,
            5107479031.000001,
            1e14,
            1.2e15,
            -9.9e300,
            1e308,
        ] {
            let s = format_cell(v);
            assert!(s.len() <= 20, "{v} -> {s}");
            let back: f64 = s.parse().unwrap();
            assert!(((back - v) / v).abs() < 1e-11, "{v} -> {s}");
        }
        assert_eq!(format_cell(5107479031.000001), "5107479031");
        assert_eq!(format_cell(0.0), "0");
        assert_eq!(format_cell(1e-300), "1e-300");
    }
}
