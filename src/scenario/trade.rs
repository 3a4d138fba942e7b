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

/// Rows read by one part of [`read_trade_rows`].
const TRADE_PART_ROWS: usize = 1 << 16;

/// A run of trade rows read on its own into its own slots of the cells, values and lines:
/// names numbered in the order first seen in the run (the cells hold these numbers until
/// the parts are joined), stopped at the run's first bad row.
struct TradePart<'t> {
    products: Vec<&'t str>,
    exporters: Vec<&'t str>,
    importers: Vec<&'t str>,
    /// The first non-empty description of each of the part's products.
    descriptions: Vec<Option<&'t str>>,
    /// Rows read before the first bad one (all of them without one).
    read: usize,
    error: Option<ScenarioError>,
}

/// Reads the trade rows into `data` (names interned, one cell per row), stopping at the
/// first row with a bad cell; repeated cells are left to the caller. Runs of rows are read
/// in parallel, each into its own slots and numbering its own names; they are then joined
/// in file order, a name taking its index where a single pass would have first met it, so
/// the result (and the error, that of the first bad row) is that of one pass.
pub(super) fn read_trade_rows(
    table: &CsvTable,
    data: &mut TradeData,
    default_importer: &str,
    columns: TradeColumns,
) -> Result<(), ScenarioError> {
    use rayon::prelude::*;
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
    // Interns names into a list of names: their indices.
    fn intern_all(
        index: &mut fast_hash::FastMap<String, usize>,
        list: &mut Vec<String>,
        names: &[&str],
    ) -> Vec<usize> {
        names
            .iter()
            .map(|&name| intern(index, name, || list.push(name.to_string())))
            .collect()
    }
    let n = table.len();
    data.cells = vec![CellKey::new(0, 0, 0); n];
    data.values = vec![0.0; n];
    data.lines = vec![0; n];
    let parts: Vec<TradePart<'_>> = data
        .cells
        .par_chunks_mut(TRADE_PART_ROWS)
        .zip(data.values.par_chunks_mut(TRADE_PART_ROWS))
        .zip(data.lines.par_chunks_mut(TRADE_PART_ROWS))
        .enumerate()
        .map(|(k, ((cells, values), lines))| {
            let start = k * TRADE_PART_ROWS;
            let slots = (cells, values, lines);
            read_trade_part(table, start, slots, default_importer, columns)
        })
        .collect();
    // Joined in file order: each part's names interned, its cells renumbered.
    let mut renumber = Vec::with_capacity(parts.len());
    let mut end = 0;
    let mut error = None;
    for part in parts {
        let products: Vec<usize> = part
            .products
            .iter()
            .map(|&name| {
                intern(&mut data.product_index, name, || {
                    data.products.push(Product {
                        code: name.to_string(),
                        description: String::new(),
                    })
                })
            })
            .collect();
        let exporters = intern_all(
            &mut data.exporter_index,
            &mut data.exporters,
            &part.exporters,
        );
        let importers = intern_all(
            &mut data.importer_index,
            &mut data.importers,
            &part.importers,
        );
        for (&p, d) in products.iter().zip(&part.descriptions) {
            if let Some(d) = d
                && data.products[p].description.is_empty()
            {
                data.products[p].description = d.to_string();
            }
        }
        end += part.read;
        renumber.push((products, exporters, importers));
        if part.error.is_some() {
            error = part.error;
            break;
        }
    }
    data.cells
        .par_chunks_mut(TRADE_PART_ROWS)
        .zip(renumber.par_iter())
        .for_each(|(cells, (products, exporters, importers))| {
            for c in cells {
                // Slots after a part's first bad row hold zeros, dropped below.
                if let (Some(&p), Some(&e), Some(&i)) = (
                    products.get(c.product()),
                    exporters.get(c.exporter()),
                    importers.get(c.importer()),
                ) {
                    *c = CellKey::new(p, e, i);
                }
            }
        });
    data.cells.truncate(end);
    data.values.truncate(end);
    data.lines.truncate(end);
    error.map_or(Ok(()), Err)
}

/// Reads the trade rows from `start` into `slots` (cells, values, lines) on their own
/// ([`read_trade_rows`]).
fn read_trade_part<'t>(
    table: &'t CsvTable,
    start: usize,
    (cells, values, lines): (&mut [CellKey], &mut [f64], &mut [u32]),
    default_importer: &'t str,
    (c_product, c_exporter, c_importer, c_value, c_description): TradeColumns,
) -> TradePart<'t> {
    // The part's own number of a name, given on first sight. A name often repeats the
    // row before's (a product's exporters listed together, one importer), which is checked
    // before the look-up.
    fn number<'t>(
        (index, last): &mut (fast_hash::FastMap<&'t str, usize>, Option<(&'t str, usize)>),
        names: &mut Vec<&'t str>,
        name: &'t str,
    ) -> usize {
        if let Some((previous, k)) = *last
            && previous == name
        {
            return k;
        }
        let k = *index.entry(name).or_insert_with(|| {
            names.push(name);
            names.len() - 1
        });
        *last = Some((name, k));
        k
    }
    let mut part = TradePart {
        products: Vec::new(),
        exporters: Vec::new(),
        importers: Vec::new(),
        descriptions: Vec::new(),
        read: 0,
        error: None,
    };
    let (mut product_index, mut exporter_index, mut importer_index) = (
        (fast_hash::FastMap::default(), None),
        (fast_hash::FastMap::default(), None),
        (fast_hash::FastMap::default(), None),
    );
    let rows = table.rows_in(start..start + cells.len());
    for (r, row) in rows.enumerate() {
        let mut read = || {
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
                        "{} is larger than the largest accepted trade value, {:e} in the \
                         file's unit (world trade is about 2.5e13 US dollars a year); check the \
                         number and [scenario] currency_unit",
                        Num(value),
                        bounds::MAX_TRADE_VALUE
                    ),
                ));
            }
            let p = number(&mut product_index, &mut part.products, product);
            let e = number(&mut exporter_index, &mut part.exporters, exporter);
            let i = number(&mut importer_index, &mut part.importers, importer);
            part.descriptions.resize(part.products.len(), None);
            cells[r] = CellKey::new(p, e, i);
            values[r] = value;
            lines[r] = u32::try_from(row.line).unwrap_or(u32::MAX);
            // The row's cell counts from here, as a bad description comes after it.
            part.read = r + 1;
            if let Some(c) = c_description {
                let d = row.text(c);
                if let Some(m) = data::control_char_problem(d) {
                    return Err(row.error(c, m));
                }
                let first = &mut part.descriptions[p];
                if !d.is_empty() && first.is_none() {
                    *first = Some(d);
                }
            }
            Ok(())
        };
        if let Err(e) = read() {
            part.error = Some(e);
            return part;
        }
    }
    part
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
            // Each slot is read before it is written.
            by_cell: cell_index::written_zeros(trade.cells.len()),
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::fmt::Write as _;
    use std::path::Path;

    /// Rows over several parts: product `k % 7000` in a shuffled order (new products keep
    /// appearing in later parts), 30 exporters, a description on some rows only.
    fn rows(n: usize) -> Vec<(String, String, f64, String)> {
        (0..n)
            .map(|r| {
                let p = (r * 7919) % 7000 + if r > 140_000 { 7000 } else { 0 };
                let e = (r / 7000) % 30;
                let d = if r % 5 == 3 {
                    format!("goods {p} from row {r}")
                } else {
                    String::new()
                };
                (format!("P{p:05}"), format!("X{e:02}"), (r % 1000) as f64, d)
            })
            .collect()
    }

    fn csv(rows: &[(String, String, f64, String)]) -> CsvTable {
        let mut text = String::from("product,exporter,value,description\n");
        for (p, e, v, d) in rows {
            let _ = writeln!(text, "{p},{e},{v},{d}");
        }
        CsvTable::parse(Path::new("trade.csv"), text.as_bytes()).unwrap()
    }

    /// The line and the message of a CSV error.
    fn where_what(e: &ScenarioError) -> (u64, &str) {
        match e {
            ScenarioError::Csv { line, message, .. } => (*line, message),
            other => panic!("not a CSV error: {other}"),
        }
    }

    /// The line a duplicate-row message says the row was first defined on.
    fn first_defined(message: &str) -> Option<u64> {
        let rest = message.split("first defined on line ").nth(1)?;
        rest.split(')').next()?.parse().ok()
    }

    #[test]
    fn parts_read_in_parallel_join_as_one_pass() {
        let rows = rows(3 * TRADE_PART_ROWS + 1234);
        let data = read_trade(&csv(&rows), "USA", false).unwrap();
        // One pass: names in the order first seen, the first non-empty description.
        let (mut products, mut exporters) = (Vec::<String>::new(), Vec::<String>::new());
        let mut description: HashMap<String, String> = HashMap::new();
        for (p, e, _, d) in &rows {
            if !products.contains(p) {
                products.push(p.clone());
            }
            if !exporters.contains(e) {
                exporters.push(e.clone());
            }
            if !d.is_empty() {
                description.entry(p.clone()).or_insert_with(|| d.clone());
            }
        }
        let codes: Vec<&str> = data.products.iter().map(|p| p.code.as_str()).collect();
        assert_eq!(codes, products);
        assert_eq!(data.exporters, exporters);
        for p in &data.products {
            assert_eq!(
                p.description,
                description.get(&p.code).cloned().unwrap_or_default()
            );
        }
        assert_eq!(data.cells.len(), rows.len());
        for (r, ((p, e, v, _), c)) in rows.iter().zip(&data.cells).enumerate() {
            assert_eq!(&data.products[c.product()].code, p, "row {r}");
            assert_eq!(&data.exporters[c.exporter()], e, "row {r}");
            assert_eq!(data.values[r], *v);
            assert_eq!(u64::from(data.lines[r]), r as u64 + 2);
        }
    }

    #[test]
    fn the_first_problem_in_file_order_is_named_across_parts() {
        let mut rows = rows(3 * TRADE_PART_ROWS);
        // A bad value in the third part, a bad description after it in the same part.
        let bad = 2 * TRADE_PART_ROWS + 17;
        rows[bad].2 = -1.0;
        rows[bad + 5].3 = "tab\there".into();
        let e = read_trade(&csv(&rows), "USA", false).err().unwrap();
        let (line, message) = where_what(&e);
        assert_eq!(
            (line, first_defined(message)),
            (bad as u64 + 2, None),
            "{message}"
        );
        // A repeat in the second part of a row of the first comes before it.
        let repeat = TRADE_PART_ROWS + 3;
        rows[repeat].0 = rows[10].0.clone();
        rows[repeat].1 = rows[10].1.clone();
        let e = read_trade(&csv(&rows), "USA", false).err().unwrap();
        let (line, message) = where_what(&e);
        assert_eq!(
            (line, first_defined(message)),
            (repeat as u64 + 2, Some(12))
        );
        // A repeat after the bad row does not count: the bad row comes first.
        rows[repeat].0 = "Q".into();
        rows[bad + 100].0 = rows[10].0.clone();
        rows[bad + 100].1 = rows[10].1.clone();
        let e = read_trade(&csv(&rows), "USA", false).err().unwrap();
        let (line, message) = where_what(&e);
        assert_eq!((line, first_defined(message)), (bad as u64 + 2, None));
        // A bad description counts its row's cell: repeating an earlier row, the repeat
        // is named, as one pass that records the cell before reading its description.
        rows[bad].2 = 1.0;
        rows[bad + 100].0 = "R".into();
        rows[bad + 5].0 = rows[10].0.clone();
        rows[bad + 5].1 = rows[10].1.clone();
        let e = read_trade(&csv(&rows), "USA", false).err().unwrap();
        let (line, message) = where_what(&e);
        assert_eq!((line, first_defined(message)), (bad as u64 + 7, Some(12)));
        // Without the repeat, the description itself is named.
        rows[bad + 5].0 = "S".into();
        let e = read_trade(&csv(&rows), "USA", false).err().unwrap();
        let (line, message) = where_what(&e);
        assert_eq!((line, first_defined(message)), (bad as u64 + 7, None));
    }
}
