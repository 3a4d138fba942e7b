//! Tariff rules: how a scenario's `[[before]]` and `[[policy]]` tables become a
//! [`TariffSchedule`] of rates before and after, per product × exporter.

use crate::units::Rate;

/// What a rule does to a rate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RuleAction {
    /// Set the rate to this value.
    Set(Rate),
    /// Add this many points (as a fraction: 0.05 = 5 points).
    Change(Rate),
    /// Multiply the rate by `1 − fraction`.
    CutBy(f64),
}

/// Which rate a rule acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layer {
    /// The additional duty on top of the applied (base) rate.
    Additional,
    /// The total rate (applied + additional).
    Total,
}

/// A validated rule.
#[derive(Debug, Clone, PartialEq)]
pub struct TariffRule {
    /// Exporter indices the rule covers.
    pub exporters: Vec<usize>,
    /// Importer indices the rule covers.
    pub importers: Vec<usize>,
    /// Product indices the rule covers; `None` for all products.
    pub products: Option<Vec<usize>>,
    /// What it does.
    pub action: RuleAction,
    /// Which rate it acts on.
    pub layer: Layer,
    /// Line of the rule in the scenario file.
    pub line: usize,
    /// The rule as named in messages ("policy[2]").
    pub name: String,
    /// A one-line description for the report.
    pub description: String,
}

/// Rates per cell (one cell per trade row) before and after the policy.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TariffSchedule {
    /// Applied base rate per cell (from data).
    pub applied: Vec<Rate>,
    /// Total rate before the policy.
    pub before: Vec<Rate>,
    /// Total rate after the policy.
    pub after: Vec<Rate>,
}

/// A cell the rules refer to: which product and exporter it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CellKey {
    /// Product index.
    pub product: u32,
    /// Exporter index.
    pub exporter: u32,
    /// Importer index (always 0 in a single-market scenario).
    pub importer: u32,
}

impl CellKey {
    /// The cell of product `p`, exporter `e` and importer `i` (indices of the scenario's
    /// lists, which the loader keeps below 2^32), held in 12 bytes: a table of a million
    /// cells is 12 MB, not 24.
    pub fn new(product: usize, exporter: usize, importer: usize) -> Self {
        let narrow = |x: usize| u32::try_from(x).unwrap_or(u32::MAX);
        CellKey {
            product: narrow(product),
            exporter: narrow(exporter),
            importer: narrow(importer),
        }
    }

    /// Product index.
    pub fn product(&self) -> usize {
        self.product as usize
    }

    /// Exporter index.
    pub fn exporter(&self) -> usize {
        self.exporter as usize
    }

    /// Importer index.
    pub fn importer(&self) -> usize {
        self.importer as usize
    }
}

/// A rule that would make a total rate negative or larger than
/// [`super::rate::RatePct::MAX`].
#[derive(Debug, Clone, PartialEq)]
pub struct RateOutOfRange {
    /// Line of the rule.
    pub line: usize,
    /// The rule's name ("policy[2]").
    pub name: String,
    /// The cell.
    pub cell: CellKey,
    /// The resulting rate.
    pub rate: Rate,
}

/// Applies rules in order to the additional duties of the cells.
///
/// Each rule visits only the cells it covers (found through indices by product and by
/// exporter), in cell order, so the work is the size of the input plus the cells the rules
/// cover, not rules × cells.
pub fn apply_rules(
    rules: &[TariffRule],
    cells: &[CellKey],
    applied: &[Rate],
    additional: &mut [Rate],
) -> Result<(), RateOutOfRange> {
    if rules.is_empty() {
        // Nothing to index (a scenario driven by a policy-rates file).
        return Ok(());
    }
    let max = super::rate::RatePct::MAX / 100.0;
    let size = |f: fn(&CellKey) -> usize| cells.iter().map(|c| f(c) + 1).max().unwrap_or(0);
    let (n_products, n_exporters, n_importers) = (
        size(|c| c.product()),
        size(|c| c.exporter()),
        size(|c| c.importer()),
    );
    let mut by_product: Vec<Vec<usize>> = vec![Vec::new(); n_products];
    let mut by_exporter: Vec<Vec<usize>> = vec![Vec::new(); n_exporters];
    for (i, c) in cells.iter().enumerate() {
        by_product[c.product()].push(i);
        by_exporter[c.exporter()].push(i);
    }
    let mut exporter_mask = vec![false; n_exporters];
    let mut importer_mask = vec![false; n_importers];
    let mut covered: Vec<usize> = Vec::new();
    for rule in rules {
        exporter_mask.iter_mut().for_each(|m| *m = false);
        importer_mask.iter_mut().for_each(|m| *m = false);
        for &e in rule.exporters.iter().filter(|&&e| e < n_exporters) {
            exporter_mask[e] = true;
        }
        for &v in rule.importers.iter().filter(|&&v| v < n_importers) {
            importer_mask[v] = true;
        }
        covered.clear();
        let selected =
            |i: &usize| exporter_mask[cells[*i].exporter()] && importer_mask[cells[*i].importer()];
        match &rule.products {
            Some(products) => {
                for &p in products.iter().filter(|&&p| p < n_products) {
                    covered.extend(by_product[p].iter().copied().filter(selected));
                }
            }
            None => {
                for e in (0..n_exporters).filter(|&e| exporter_mask[e]) {
                    covered.extend(by_exporter[e].iter().copied().filter(selected));
                }
            }
        }
        // Cell order, each cell once (a product listed twice must not be changed twice).
        covered.sort_unstable();
        covered.dedup();
        for &i in &covered {
            additional[i] = rule_result(rule, applied[i], additional[i]);
            let total = applied[i] + additional[i];
            if total < -1e-12 || total > max + 1e-12 {
                return Err(RateOutOfRange {
                    line: rule.line,
                    name: rule.name.clone(),
                    cell: cells[i],
                    rate: total,
                });
            }
            additional[i] = additional[i].max(-applied[i]);
        }
    }
    Ok(())
}

/// The additional duty of one cell after `rule`, on the layer the rule acts on.
fn rule_result(rule: &TariffRule, applied: Rate, additional: Rate) -> Rate {
    let current = match rule.layer {
        Layer::Additional => additional,
        Layer::Total => applied + additional,
    };
    let new = match rule.action {
        RuleAction::Set(r) => r,
        RuleAction::Change(d) => current + d,
        RuleAction::CutBy(f) => current * (1.0 - f),
    };
    match rule.layer {
        Layer::Additional => new,
        Layer::Total => new - applied,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The definition: every rule visits every cell, in cell order.
    fn naive(rules: &[TariffRule], cells: &[CellKey], applied: &[Rate], additional: &mut [Rate]) {
        for rule in rules {
            for (i, cell) in cells.iter().enumerate() {
                let covered = rule.exporters.contains(&cell.exporter())
                    && rule.importers.contains(&cell.importer())
                    && rule
                        .products
                        .as_ref()
                        .is_none_or(|p| p.contains(&cell.product()));
                if !covered {
                    continue;
                }
                additional[i] = rule_result(rule, applied[i], additional[i]).max(-applied[i]);
            }
        }
    }

    fn rule(
        exporters: &[usize],
        products: Option<&[usize]>,
        action: RuleAction,
        layer: Layer,
    ) -> TariffRule {
        TariffRule {
            exporters: exporters.to_vec(),
            importers: vec![0, 1],
            products: products.map(|p| p.to_vec()),
            action,
            layer,
            line: 1,
            name: "policy[1]".into(),
            description: String::new(),
        }
    }

    #[test]
    fn indexed_rules_match_the_definition() {
        // 30 products × 5 exporters × 2 importers, some cells missing.
        let cells: Vec<CellKey> = (0..30)
            .flat_map(|p| (0..5).flat_map(move |e| (0..2).map(move |i| (p, e, i))))
            .filter(|(p, e, i)| (p + 2 * e + i) % 7 != 0)
            .map(|(product, exporter, importer)| CellKey {
                product,
                exporter,
                importer,
            })
            .collect();
        let applied: Vec<Rate> = (0..cells.len()).map(|i| (i % 5) as f64 * 0.03).collect();
        let rules = vec![
            rule(
                &[0, 1, 2, 3, 4],
                None,
                RuleAction::Set(0.1),
                Layer::Additional,
            ),
            rule(
                &[1],
                Some(&[3, 4, 4, 5]),
                RuleAction::Change(0.05),
                Layer::Additional,
            ),
            rule(&[2, 2, 3], None, RuleAction::CutBy(0.5), Layer::Total),
            rule(
                &[0, 4],
                Some(&[29, 0, 7]),
                RuleAction::Set(0.0),
                Layer::Total,
            ),
            rule(
                &[0, 1, 2, 3, 4],
                Some(&[10, 11]),
                RuleAction::Change(0.02),
                Layer::Total,
            ),
        ];
        let mut fast = vec![0.0; cells.len()];
        let mut slow = vec![0.0; cells.len()];
        apply_rules(&rules, &cells, &applied, &mut fast).unwrap();
        naive(&rules, &cells, &applied, &mut slow);
        assert_eq!(fast, slow);
    }

    #[test]
    fn the_first_cell_out_of_range_is_reported() {
        let cells: Vec<CellKey> = (0..4)
            .map(|p| CellKey {
                product: p,
                exporter: 0,
                importer: 0,
            })
            .collect();
        let applied = [0.1, 0.0, 0.0, 0.1];
        let mut additional = [0.0; 4];
        // A cut of 5 points makes products 1 and 2 negative; product 1 is reported.
        let r = rule(
            &[0],
            Some(&[3, 2, 1]),
            RuleAction::Change(-0.05),
            Layer::Total,
        );
        let e = apply_rules(&[r], &cells, &applied, &mut additional).unwrap_err();
        assert_eq!(e.cell.product, 1);
        // Above 1000% is out of range too.
        let r = rule(&[0], None, RuleAction::Set(10.5), Layer::Additional);
        assert!(apply_rules(&[r], &cells, &applied, &mut [0.0; 4]).is_err());
    }
}
