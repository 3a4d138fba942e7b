//! `[groups]` of exporters and `[report]` choices (exporters shown, products listed).

use super::data::{self};
use super::file::{self};
use super::{Loader, REST_OF_WORLD, TradeData};

use crate::error::ScenarioError;
use std::collections::{BTreeMap, HashMap};
use std::ops::Range;
use toml::Spanned;

impl Loader<'_> {
    pub(super) fn groups(
        &self,
        raw: &BTreeMap<String, Spanned<Vec<String>>>,
        trade: &TradeData,
    ) -> Result<HashMap<String, Vec<usize>>, ScenarioError> {
        let mut groups = HashMap::new();
        groups.insert("all".to_string(), (0..trade.exporters.len()).collect());
        for (name, members) in raw {
            if let Some(m) = data::control_char_problem(name) {
                return Err(self.err(
                    members.span(),
                    &format!("groups.{}", name.escape_debug()),
                    format!("the group name {m}"),
                ));
            }
            if name == "all" {
                return Err(self.err(
                    members.span(),
                    "groups.all",
                    "\"all\" is built in (every exporter) and cannot be redefined".into(),
                ));
            }
            let idx = self.exporter_indices(
                members.get_ref(),
                members.span(),
                &format!("groups.{name}"),
                trade,
            )?;
            groups.insert(name.clone(), idx);
        }
        Ok(groups)
    }

    pub(super) fn exporter_indices(
        &self,
        names: &[String],
        span: Range<usize>,
        field: &str,
        trade: &TradeData,
    ) -> Result<Vec<usize>, ScenarioError> {
        names
            .iter()
            .map(|n| {
                trade
                    .exporter_index
                    .get(n.as_str())
                    .copied()
                    .ok_or_else(|| {
                        self.err(
                            span.clone(),
                            field,
                            data::unknown_name("exporter", n, &trade.exporters),
                        )
                    })
            })
            .collect()
    }

    pub(super) fn report_choices(
        &self,
        section: Option<&Spanned<file::ReportSection>>,
        trade: &TradeData,
        focus: usize,
    ) -> Result<(Vec<usize>, Vec<String>, usize), ScenarioError> {
        let mut top = 12;
        let mut shown: Vec<usize> = Vec::new();
        let mut explicit = false;
        if let Some(s) = section.map(|s| s.get_ref()) {
            if let Some(t) = &s.top_products {
                let v = *t.get_ref();
                if !(1..=100).contains(&v) {
                    return Err(self.err(
                        t.span(),
                        "report.top_products",
                        format!("expected a whole number from 1 to 100, found {v}"),
                    ));
                }
                top = v as usize;
            }
            if let Some(list) = &s.exporters {
                let mut seen = std::collections::HashSet::new();
                if let Some(dup) = list.get_ref().iter().find(|n| !seen.insert(n.as_str())) {
                    return Err(self.err(
                        list.span(),
                        "report.exporters",
                        format!("'{dup}' is listed twice"),
                    ));
                }
                shown =
                    self.exporter_indices(list.get_ref(), list.span(), "report.exporters", trade)?;
                explicit = true;
            }
        }
        if !explicit {
            // Default: up to ten largest exporters by base trade, the focus always included.
            let mut totals = vec![0.0; trade.exporters.len()];
            for (cell, v) in trade.cells.iter().zip(&trade.values) {
                totals[cell.exporter()] += v;
            }
            let mut order: Vec<usize> = (0..trade.exporters.len())
                .filter(|&e| trade.exporters[e] != REST_OF_WORLD)
                .collect();
            order.sort_by(|a, b| totals[*b].total_cmp(&totals[*a]));
            shown = order.into_iter().take(10).collect();
        }
        if !shown.contains(&focus) {
            shown.insert(0, focus);
        }
        shown.retain(|&e| trade.exporters[e] != REST_OF_WORLD);
        let mut names: Vec<String> = shown.iter().map(|&e| trade.exporters[e].clone()).collect();
        let rest = names.len();
        let mut group_of = vec![rest; trade.exporters.len()];
        for (g, &e) in shown.iter().enumerate() {
            group_of[e] = g;
        }
        if group_of.contains(&rest) {
            names.push(REST_OF_WORLD.to_string());
        }
        Ok((group_of, names, top))
    }
}
