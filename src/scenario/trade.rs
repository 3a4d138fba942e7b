//! The trade file and the tariff files keyed by its cells (applied rates, policy rates):
//! names interned, one cell per row, duplicates and unknown cells refused.

use super::data::{self, CsvTable, Num, check_percent_columns};
use super::policy::CellKey;
use super::rate::RatePct;
use super::{Product, bounds, cell_index, fast_hash};

use crate::error::ScenarioError;
use crate::units::{Rate, pct_to_rate};
use std::collections::HashMap;

/// The trade data as read: products, exporters, importers and one cell per row.
pub(super) struct TradeData {
    pub(super) products: Vec<Product>,
    pub(super) exporters: Vec<String>,
    pub(super) importers: Vec<String>,
    pub(super) cells: Vec<CellKey>,
    pub(super) values: Vec<f64>,
    /// Line of each cell in the trade file.
    pub(super) lines: Vec<u32>,
    pub(super) cell_index: cell_index::CellIndex,
    /// A GSIM scenario: every file must have an `importer` column.
    pub(super) multi_market: bool,
    /// Names to indices, so that every row and rule is looked up in constant time.
    pub(super) product_index: fast_hash::FastMap<String, usize>,
    pub(super) exporter_index: fast_hash::FastMap<String, usize>,
    pub(super) importer_index: fast_hash::FastMap<String, usize>,
    /// Product indices sorted by code: the products with a given prefix are a contiguous run.
    pub(super) by_code: Vec<usize>,
}

impl TradeData {
    /// The products whose code starts with `prefix`, in code order.
    pub(super) fn with_prefix<'t>(&'t self, prefix: &'t str) -> impl Iterator<Item = usize> + 't {
        let start = self
            .by_code
            .partition_point(|&p| self.products[p].code.as_str() < prefix);
        self.by_code[start..]
            .iter()
            .copied()
            .take_while(move |&p| self.products[p].code.starts_with(prefix))
    }
}

/// A GSIM scenario's tariff and trade files must name the market of each row.
pub(super) fn require_importer_column(table: &CsvTable) -> Result<usize, ScenarioError> {
    table.column("importer").ok_or_else(|| {
        table.error(
            1,
            None,
            format!(
                "a GSIM scenario ([model] kind = \"gsim\") has several importing markets, so this \
                 file needs an `importer` column naming the market of each row; the header has: {}",
                table.headers().join(", ")
            ),
        )
    })
}

/// Reads the trade file; without an `importer` column (SMART only) every row is imported
/// by `default_importer`, the single market.
pub(super) fn read_trade(
    table: &CsvTable,
    default_importer: &str,
    multi_market: bool,
) -> Result<TradeData, ScenarioError> {
    let c_product = table.require("product")?;
    let c_exporter = table.require("exporter")?;
    let c_importer = if multi_market {
        Some(require_importer_column(table)?)
    } else {
        table.column("importer")
    };
    let c_value = table.require("value")?;
    let c_description = table.column("description");
    if table.is_empty() {
        return Err(table.error(1, None, "the trade data has no rows".into()));
    }
    let mut data = TradeData {
        products: Vec::new(),
        exporters: Vec::new(),
        importers: Vec::new(),
        cells: Vec::new(),
        values: Vec::new(),
        lines: Vec::new(),
        cell_index: Default::default(),
        multi_market,
        product_index: Default::default(),
        exporter_index: Default::default(),
        importer_index: Default::default(),
        by_code: Vec::new(),
    };
    let columns = (c_product, c_exporter, c_importer, c_value, c_description);
    // Repeated cells are found once all rows are in (through the cell index); a row error
    // is reported only if no repetition comes before it, so the first problem in file order
    // is the one named, as a row-by-row check would.
    let rows = read_trade_rows(table, &mut data, default_importer, columns);
    match (cell_index::CellIndex::build(&data.cells), rows) {
        (Err((first, second)), _) => {
            let key = data.cells[second];
            return Err(table.error(
                u64::from(data.lines[second]),
                None,
                duplicate_message(
                    &data.products[key.product()].code,
                    &data.exporters[key.exporter()],
                    &data.importers[key.importer()],
                    u64::from(data.lines[first]),
                ),
            ));
        }
        (Ok(_), Err(e)) => return Err(e),
        (Ok(index), Ok(())) => data.cell_index = index,
    }
    data.by_code = (0..data.products.len()).collect();
    data.by_code
        .sort_unstable_by(|&a, &b| data.products[a].code.cmp(&data.products[b].code));
    Ok(data)
}

/// The trade file's columns: product, exporter, importer (if any), value, description.
type TradeColumns = (usize, usize, Option<usize>, usize, Option<usize>);

/// Reads the trade rows into `data` (names interned, one cell per row), stopping at the
/// first row with a bad cell; repeated cells are left to the caller.
pub(super) fn read_trade_rows(
    table: &CsvTable,
    data: &mut TradeData,
    default_importer: &str,
    (c_product, c_exporter, c_importer, c_value, c_description): TradeColumns,
) -> Result<(), ScenarioError> {
    // Interns a name: its index, added on first sight (no allocation for a known name).
    fn intern(
        index: &mut fast_hash::FastMap<String, usize>,
        name: &str,
        mut add: impl FnMut(),
    ) -> usize {
        if let Some(&i) = index.get(name) {
            return i;
        }
        let i = index.len();
        index.insert(name.to_string(), i);
        add();
        i
    }
    for row in table.rows() {
        let product = row.name(c_product)?;
        let exporter = row.name(c_exporter)?;
        let importer = match c_importer {
            Some(c) => row.name(c)?,
            None => default_importer,
        };
        let value = row.non_negative(c_value)?;
        if value > bounds::MAX_TRADE_VALUE {
            return Err(row.error(
                c_value,
                format!(
                    "{} is larger than the largest accepted trade value, {:e} in the file's \
                     unit (world trade is about 2.5e13 US dollars a year); check the number and \
                     [scenario] currency_unit",
                    Num(value),
                    bounds::MAX_TRADE_VALUE
                ),
            ));
        }
        let p = intern(&mut data.product_index, product, || {
            data.products.push(Product {
                code: product.to_string(),
                description: String::new(),
            })
        });
        let e = intern(&mut data.exporter_index, exporter, || {
            data.exporters.push(exporter.to_string())
        });
        let i = intern(&mut data.importer_index, importer, || {
            data.importers.push(importer.to_string())
        });
        data.cells.push(CellKey::new(p, e, i));
        data.values.push(value);
        data.lines.push(u32::try_from(row.line).unwrap_or(u32::MAX));
        if let Some(c) = c_description {
            let d = row.text(c);
            if let Some(m) = data::control_char_problem(d) {
                return Err(row.error(c, m));
            }
            if !d.is_empty() && data.products[p].description.is_empty() {
                data.products[p].description = d.to_string();
            }
        }
    }
    Ok(())
}

/// The message for a second row of the same product × exporter × importer.
pub(super) fn duplicate_message(
    product: &str,
    exporter: &str,
    importer: &str,
    first: u64,
) -> String {
    format!(
        "duplicate row for product {product} × exporter {exporter} × importer {importer} (first defined on line {first}); \
         each combination may appear once"
    )
}

/// Key columns of a tariff file: product, exporter and (optional) importer.
struct CellColumns {
    product: usize,
    exporter: usize,
    importer: Option<usize>,
}

impl CellColumns {
    fn of(table: &CsvTable, trade: &TradeData) -> Result<Self, ScenarioError> {
        Ok(CellColumns {
            product: table.require("product")?,
            exporter: table.require("exporter")?,
            importer: if trade.multi_market {
                Some(require_importer_column(table)?)
            } else {
                table.column("importer")
            },
        })
    }

    /// The row's importer, or the scenario's single importer.
    fn importer<'r>(&self, row: &'r data::CsvRow<'_>, trade: &'r TradeData) -> &'r str {
        match self.importer {
            Some(c) => row.text(c),
            None => trade.importers.first().map_or("", |s| s.as_str()),
        }
    }

    /// The trade cell this row refers to, if it is in the trade data; a second row for the
    /// same product × exporter × importer is an error naming both lines. Cell `guess` is
    /// tried first (tariff files usually list their rows in the trade file's order), then
    /// the names are looked up.
    fn locate(
        &self,
        table: &CsvTable,
        row: &data::CsvRow<'_>,
        trade: &TradeData,
        seen: &mut SeenCells,
        guess: usize,
    ) -> Result<Option<usize>, ScenarioError> {
        let product = row.name(self.product)?;
        let exporter = row.name(self.exporter)?;
        let importer = match self.importer {
            Some(c) => row.name(c)?,
            None => self.importer(row, trade),
        };
        let guessed = trade.cells.get(guess).is_some_and(|c| {
            trade.products[c.product()].code == product
                && trade.exporters[c.exporter()] == exporter
                && trade.importers[c.importer()] == importer
        });
        let cell = if guessed {
            Some(guess)
        } else {
            match (
                trade.product_index.get(product),
                trade.exporter_index.get(exporter),
                trade.importer_index.get(importer),
            ) {
                (Some(&p), Some(&e), Some(&i)) => trade.cell_index.get(p, e, i),
                _ => None,
            }
        };
        let first = match cell {
            Some(i) => match seen.by_cell[i] {
                0 => {
                    seen.by_cell[i] = u32::try_from(row.line).unwrap_or(u32::MAX);
                    None
                }
                first => Some(u64::from(first)),
            },
            // Rows for cells that are not in the trade data (rare): keyed by their names.
            None => seen.others.insert(
                (
                    product.to_string(),
                    exporter.to_string(),
                    importer.to_string(),
                ),
                row.line,
            ),
        };
        if let Some(first) = first {
            return Err(table.error(
                row.line,
                None,
                duplicate_message(product, exporter, importer, first),
            ));
        }
        Ok(cell)
    }
}

/// The rows of a tariff file seen so far, by trade cell, to refuse duplicates.
struct SeenCells {
    /// Line of the row that set each cell (0: none yet; lines of a file of at most 512 MB
    /// fit in 32 bits).
    by_cell: Vec<u32>,
    /// Rows naming a product × exporter × importer that is not in the trade data.
    others: HashMap<(String, String, String), u64>,
}

impl SeenCells {
    fn new(trade: &TradeData) -> Self {
        SeenCells {
            by_cell: vec![0; trade.cells.len()],
            others: HashMap::new(),
        }
    }
}

pub(super) fn read_applied(
    table: &CsvTable,
    trade: &TradeData,
    applied: &mut [Rate],
) -> Result<(), ScenarioError> {
    let cols = CellColumns::of(table, trade)?;
    let c_rate = table.require("rate_pct")?;
    let mut seen = SeenCells::new(trade);
    let mut found = vec![false; trade.cells.len()];
    let mut rates = Vec::with_capacity(table.len());
    for (k, row) in table.rows().enumerate() {
        let rate = row.non_negative(c_rate)?;
        RatePct::within(rate, RatePct::TARIFF).map_err(|p| row.error(c_rate, p.to_string()))?;
        let cell = cols.locate(table, &row, trade, &mut seen, k)?;
        rates.push(rate);
        if let Some(i) = cell {
            applied[i] = pct_to_rate(rate);
            found[i] = true;
        }
    }
    check_percent_columns(table, &[(c_rate, &rates)])?;
    if let Some(i) = found.iter().position(|f| !f) {
        let cell = trade.cells[i];
        return Err(table.error(
            1,
            Some(c_rate),
            format!(
                "no applied rate for product {} from {} into {} (trade data line {}; every trade row needs one; add a row with rate_pct 0 if the trade is duty-free)",
                trade.products[cell.product()].code,
                trade.exporters[cell.exporter()],
                trade.importers[cell.importer()],
                u64::from(trade.lines[i])
            ),
        ));
    }
    Ok(())
}

/// One row of a policy-rates file: its trade cell and the rates before and after, in percent.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct PolicyRow {
    pub(super) cell: usize,
    pub(super) before_pct: f64,
    pub(super) after_pct: f64,
}

/// Sets the rates of each row's cell (in file order; no cell is listed twice).
pub(super) fn apply_policy_rows(rows: &[PolicyRow], before: &mut [Rate], after: &mut [Rate]) {
    for r in rows {
        before[r.cell] = pct_to_rate(r.before_pct);
        after[r.cell] = pct_to_rate(r.after_pct);
    }
}

/// Reads a policy-rates file: every row checked and matched to its trade cell. Nothing is
/// changed yet ([`apply_policy_rows`] does), so that it can be read while the applied rates
/// are.
pub(super) fn read_policy_rows(
    table: &CsvTable,
    trade: &TradeData,
) -> Result<Vec<PolicyRow>, ScenarioError> {
    let cols = CellColumns::of(table, trade)?;
    let c_before = table.require("before_pct")?;
    let c_after = table.require("after_pct")?;
    let mut seen = SeenCells::new(trade);
    let (mut befores, mut afters) = (Vec::new(), Vec::new());
    let mut rows = Vec::with_capacity(table.len());
    for (k, row) in table.rows().enumerate() {
        let b = row.non_negative(c_before)?;
        let a = row.non_negative(c_after)?;
        for (v, c) in [(b, c_before), (a, c_after)] {
            RatePct::within(v, RatePct::TARIFF).map_err(|p| row.error(c, p.to_string()))?;
        }
        let Some(i) = cols.locate(table, &row, trade, &mut seen, k)? else {
            return Err(table.error(
                row.line,
                None,
                format!(
                    "product {} from {} into {} is not in the trade data",
                    row.text(cols.product),
                    row.text(cols.exporter),
                    cols.importer(&row, trade)
                ),
            ));
        };
        rows.push(PolicyRow {
            cell: i,
            before_pct: b,
            after_pct: a,
        });
        befores.push(b);
        afters.push(a);
    }
    // Together, as documented: a cut from 15% to 0.5% is a real policy.
    check_percent_columns(table, &[(c_before, &befores), (c_after, &afters)])?;
    Ok(rows)
}
