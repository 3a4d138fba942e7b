//! `results.xlsx`: the summary, by-exporter, by-product and uncertainty tables in one
//! workbook for a paper, money in the shown unit (US$ million for dollar data), with number
//! formats and frozen header rows.
//!
//! Each sheet is built from the bytes of the CSV artifact of the same table, so the workbook
//! holds exactly the CSVs' numbers (scaled) and cannot drift from them.

use super::layer_outputs::UncertaintyTable;
use super::tables::{ByExporterTable, ByProductTable, SummaryTable};
use super::{Artifact, RunReport, ValueScale};
use crate::error::ReportError;
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook as XlsxBook, XlsxError};
use std::path::Path;

/// `results.xlsx`.
pub struct Workbook;

/// Columns that hold no money even in a table with a unit column.
fn is_money_column(name: &str) -> bool {
    !(name.ends_with("_pct")
        || name.ends_with("_share")
        || name.ends_with("_products")
        || matches!(name, "draws" | "seed" | "iterations" | "residual_norm"))
}

impl Artifact for Workbook {
    fn file_name(&self) -> &'static str {
        "results.xlsx"
    }
    fn render(&self, run: &RunReport<'_>) -> Result<Vec<u8>, ReportError> {
        let path = Path::new(self.file_name());
        let err = |e: XlsxError| ReportError::Write {
            path: path.to_path_buf(),
            source: std::io::Error::other(e.to_string()),
        };
        let unit = run.scenario.currency_unit.as_str();
        let scale = ValueScale::for_unit(unit);
        let mut sheets: Vec<(&str, Vec<u8>)> = vec![
            ("Summary", SummaryTable.render(run)?),
            ("By exporter", ByExporterTable.render(run)?),
            ("By product", ByProductTable.render(run)?),
        ];
        if run.layers.uncertainty.is_some() {
            sheets.push(("Uncertainty", UncertaintyTable.render(run)?));
        }
        let bold = Format::new().set_bold().set_text_wrap();
        let money = Format::new().set_num_format("#,##0.0");
        let pct = Format::new().set_num_format("0.00");
        let plain = Format::new();
        let mut book = XlsxBook::new();
        // A fixed creation date: the same run writes the same bytes (the default is now).
        let created = ExcelDateTime::from_ymd(2000, 1, 1).map_err(err)?;
        book.set_properties(&DocProperties::new().set_creation_datetime(&created));
        for (name, bytes) in sheets {
            let mut reader = csv::Reader::from_reader(bytes.as_slice());
            let headers = reader
                .headers()
                .map_err(|source| ReportError::Csv {
                    path: path.to_path_buf(),
                    source,
                })?
                .clone();
            // Row-wise units (summary, uncertainty) or one unit for the table.
            let unit_col = headers
                .iter()
                .position(|h| h == "unit" || h == "currency_unit");
            let sheet = book.add_worksheet();
            sheet.set_name(name).map_err(err)?;
            for (c, h) in headers.iter().enumerate() {
                let shown = if Some(c) == unit_col { "unit" } else { h };
                sheet
                    .write_string_with_format(0, c as u16, shown, &bold)
                    .map_err(err)?;
                sheet.set_column_width(c as u16, 14).map_err(err)?;
            }
            sheet.set_freeze_panes(1, 0).map_err(err)?;
            for (r, record) in reader.records().enumerate() {
                let record = record.map_err(|source| ReportError::Csv {
                    path: path.to_path_buf(),
                    source,
                })?;
                let row = (r + 1) as u32;
                let row_unit = unit_col.and_then(|c| record.get(c)).unwrap_or("");
                let row_in_money = row_unit == unit;
                for (c, cell) in record.iter().enumerate() {
                    let col = c as u16;
                    if Some(c) == unit_col {
                        let shown = if row_in_money {
                            scale.label.as_str()
                        } else {
                            cell
                        };
                        sheet.write_string(row, col, shown).map_err(err)?;
                        continue;
                    }
                    let header = &headers[c];
                    match cell.parse::<f64>() {
                        Ok(v)
                            if v.is_finite()
                                && !header.is_empty()
                                && c >= text_columns(&headers) =>
                        {
                            let is_money = row_in_money && is_money_column(header);
                            let (v, f) = if is_money {
                                (scale.apply(v), &money)
                            } else if header.ends_with("_pct") || row_unit == "percent" {
                                (v, &pct)
                            } else {
                                (v, &plain)
                            };
                            sheet
                                .write_number_with_format(row, col, v, f)
                                .map_err(err)?;
                        }
                        _ => {
                            sheet.write_string(row, col, cell).map_err(err)?;
                        }
                    }
                }
            }
        }
        book.save_to_buffer().map_err(err)
    }
}

/// How many leading columns are labels (product codes such as "0203" stay text).
fn text_columns(headers: &csv::StringRecord) -> usize {
    const LABELS: [&str; 8] = [
        "product",
        "description",
        "exporter",
        "report_group",
        "quantity",
        "kind",
        "name",
        "unit",
    ];
    headers.iter().take_while(|h| LABELS.contains(h)).count()
}
