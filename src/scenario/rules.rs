//! Policy rules (`[[before]]`, `[[policy]]`) and `--set` what-ifs, checked and turned into
//! [`TariffRule`]s.

use super::data::{self, Num};
use super::file::RuleSection;
use super::policy::{self, Layer, RuleAction, TariffRule};
use super::rate::{PctField, RatePct, RateProblemKind};
use super::{Loader, TradeData, find_exporter_in, quick_set};

use crate::error::ScenarioError;
use crate::units::{Rate, pct_to_rate};
use std::collections::HashMap;
use std::ops::Range;
use toml::Spanned;

impl Loader<'_> {
    pub(super) fn rules(
        &self,
        raw: &[Spanned<RuleSection>],
        table: &str,
        groups: &HashMap<String, Vec<usize>>,
        trade: &TradeData,
        market: usize,
    ) -> Result<Vec<TariffRule>, ScenarioError> {
        raw.iter()
            .enumerate()
            .map(|(i, r)| self.rule(r, &format!("{table}[{}]", i + 1), groups, trade, market))
            .collect()
    }

    pub(super) fn rule(
        &self,
        spanned: &Spanned<RuleSection>,
        name: &str,
        groups: &HashMap<String, Vec<usize>>,
        trade: &TradeData,
        market: usize,
    ) -> Result<TariffRule, ScenarioError> {
        let r = spanned.get_ref();
        let span = spanned.span();
        let line = self.line_of(span.clone());
        let field = |f: &str| format!("{name}.{f}");

        // Who.
        let targets = [
            r.exporter.is_some(),
            r.exporters.is_some(),
            r.group.is_some(),
        ];
        if targets.iter().filter(|t| **t).count() != 1 {
            return Err(self.err(
                span,
                name,
                "give exactly one of `exporter`, `exporters` or `group` (\"all\" for every exporter)".into(),
            ));
        }
        let (exporters, who) = if let Some(e) = &r.exporter {
            let idx = self.exporter_indices(
                std::slice::from_ref(e.get_ref()),
                e.span(),
                &field("exporter"),
                trade,
            )?;
            (idx, e.get_ref().clone())
        } else if let Some(list) = &r.exporters {
            if list.get_ref().is_empty() {
                return Err(self.err(list.span(), &field("exporters"), "the list is empty".into()));
            }
            let idx =
                self.exporter_indices(list.get_ref(), list.span(), &field("exporters"), trade)?;
            (idx, list.get_ref().join(", "))
        } else {
            let g = r.group.as_ref().expect("checked above");
            let idx = groups.get(g.get_ref()).cloned().ok_or_else(|| {
                let mut known: Vec<&String> = groups.keys().collect();
                known.sort();
                self.err(
                    g.span(),
                    &field("group"),
                    format!(
                        "unknown group '{}'; define it under [groups] (known: {})",
                        g.get_ref(),
                        known
                            .iter()
                            .map(|s| s.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
            })?;
            (idx, format!("group {}", g.get_ref()))
        };

        // Into which market(s): the scenario's importer unless the rule says otherwise.
        let requested: Option<(Range<usize>, Vec<String>, &str)> = match (&r.importer, &r.importers)
        {
            (Some(_), Some(list)) => {
                return Err(self.err(
                    list.span(),
                    &field("importers"),
                    "give `importer` or `importers`, not both".into(),
                ));
            }
            (Some(i), None) => Some((i.span(), vec![i.get_ref().clone()], "importer")),
            (None, Some(list)) => Some((list.span(), list.get_ref().clone(), "importers")),
            (None, None) => None,
        };
        let (importers, into) = match requested {
            None => (vec![market], String::new()),
            Some((names_span, names, key)) => {
                let idx = names
                    .iter()
                    .map(|n| {
                        trade
                            .importer_index
                            .get(n.as_str())
                            .copied()
                            .ok_or_else(|| {
                                self.err(
                                    names_span.clone(),
                                    &field(key),
                                    data::unknown_name("importer", n, &trade.importers),
                                )
                            })
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                (idx, format!(" into {}", names.join(", ")))
            }
        };

        // Which products.
        let mut products: Option<Vec<usize>> = None;
        let mut what = "all products".to_string();
        for (list, key) in [(&r.hs_codes, "hs_codes"), (&r.hs_prefixes, "hs_prefixes")] {
            if let Some(l) = list
                && l.get_ref().is_empty()
            {
                return Err(self.err(
                    l.span(),
                    &field(key),
                    "the list is empty; leave the key out to cover all products".into(),
                ));
            }
        }
        if let Some(codes) = &r.hs_codes {
            let mut idx = Vec::new();
            for c in codes.get_ref() {
                let i = trade.product_index.get(c.as_str()).copied().ok_or_else(|| {
                    self.err(
                        codes.span(),
                        &field("hs_codes"),
                        format!("product '{c}' is not in the trade data (codes are matched exactly; use hs_prefixes for a chapter)"),
                    )
                })?;
                idx.push(i);
            }
            idx.sort_unstable();
            idx.dedup();
            what = format!("products {}", codes.get_ref().join(", "));
            products = Some(idx);
        }
        if let Some(prefixes) = &r.hs_prefixes {
            let mut idx = products.take().unwrap_or_default();
            for p in prefixes.get_ref() {
                let before = idx.len();
                idx.extend(trade.with_prefix(p));
                if idx.len() == before {
                    return Err(self.err(
                        prefixes.span(),
                        &field("hs_prefixes"),
                        format!("no product in the trade data starts with '{p}'"),
                    ));
                }
            }
            idx.sort_unstable();
            idx.dedup();
            what = if r.hs_codes.is_some() {
                format!(
                    "{what} and products starting {}",
                    prefixes.get_ref().join(", ")
                )
            } else {
                format!("products starting {}", prefixes.get_ref().join(", "))
            };
            products = Some(idx);
        }

        if let Some(except) = &r.except_hs_prefixes {
            if except.get_ref().is_empty() {
                return Err(self.err(
                    except.span(),
                    &field("except_hs_prefixes"),
                    "the list is empty".into(),
                ));
            }
            for p in except.get_ref() {
                if trade.with_prefix(p).next().is_none() {
                    return Err(self.err(
                        except.span(),
                        &field("except_hs_prefixes"),
                        format!("no product in the trade data starts with '{p}'"),
                    ));
                }
            }
            let excluded = |i: &usize| {
                except
                    .get_ref()
                    .iter()
                    .any(|p| trade.products[*i].code.starts_with(p.as_str()))
            };
            let kept: Vec<usize> = products
                .take()
                .unwrap_or_else(|| (0..trade.products.len()).collect())
                .into_iter()
                .filter(|i| !excluded(i))
                .collect();
            what = format!(
                "{what} except those starting {}",
                except.get_ref().join(", ")
            );
            products = Some(kept);
        }

        // What.
        let actions = [
            r.set_pct.is_some(),
            r.change_pts.is_some(),
            r.cut_by_pct.is_some(),
        ];
        if actions.iter().filter(|a| **a).count() != 1 {
            return Err(self.err(
                span,
                name,
                "give exactly one of `set_pct`, `change_pts` or `cut_by_pct`".into(),
            ));
        }
        // A value that looks like a fraction gets the way to write a real rate that small
        // (a rule cannot).
        let check = |v: &Spanned<f64>, key: &str, kind: PctField, small: &str| {
            RatePct::typed(*v.get_ref(), kind).map_err(|p| {
                let tail = match p.kind {
                    RateProblemKind::LooksLikeFraction => format!(
                        ". A rule cannot {small}; for that, give the exact before and after \
                         rates in a policy-rates file ([data] policy_rates)"
                    ),
                    _ => String::new(),
                };
                self.err(v.span(), &field(key), format!("{p}{tail}"))
            })
        };
        let (action, how) = if let Some(v) = &r.set_pct {
            let x = check(
                v,
                "set_pct",
                RatePct::TARIFF,
                "set a rate between 0% and 1%",
            )?;
            (RuleAction::Set(x.rate()), format!("set to {}%", x.pct()))
        } else if let Some(v) = &r.change_pts {
            let x = check(
                v,
                "change_pts",
                RatePct::CHANGE,
                "change a rate by less than one point",
            )?;
            (
                RuleAction::Change(x.rate()),
                format!("changed by {:+} points", x.pct()),
            )
        } else {
            let v = r.cut_by_pct.as_ref().expect("checked above");
            let x = check(v, "cut_by_pct", RatePct::CUT, "cut a rate by less than 1%")?;
            (
                RuleAction::CutBy(x.pct() / 100.0),
                format!("cut by {}%", x.pct()),
            )
        };
        let layer = match r.layer.as_ref().map(|l| l.get_ref().as_str()) {
            None | Some("additional") => Layer::Additional,
            Some("total") => Layer::Total,
            Some(other) => {
                return Err(self.err(
                    r.layer.as_ref().expect("some").span(),
                    &field("layer"),
                    format!("unknown layer \"{other}\"; expected \"additional\" or \"total\""),
                ));
            }
        };
        let layer_text = match layer {
            Layer::Additional => "additional duty",
            Layer::Total => "total tariff",
        };
        let mut description = format!("line {line}: {who}{into}, {what}: {layer_text} {how}");
        if let Some(note) = &r.note {
            self.one_line(note, &field("note"))?;
            description.push_str(&format!(" ({})", note.get_ref()));
        }
        Ok(TariffRule {
            exporters,
            importers,
            products,
            action,
            layer,
            line,
            name: name.to_string(),
            description,
        })
    }

    /// Applies the `--set` what-ifs, in order, on top of the after state (the rates after the
    /// policy rules and any policy-rates file), through the same rule machinery as
    /// `[[policy]]`: each sets the additional duty of one exporter's products in the market.
    pub(super) fn apply_quick_sets(
        &self,
        trade: &TradeData,
        market: usize,
        applied: &[Rate],
        after: &mut [Rate],
    ) -> Result<(), ScenarioError> {
        if self.sets.is_empty() {
            return Ok(());
        }
        let bad = |q: &quick_set::QuickSet, message: String| ScenarioError::QuickSet {
            arg: q.arg.clone(),
            message,
        };
        let mut rules = Vec::with_capacity(self.sets.len());
        for q in self.sets {
            let exporter = find_exporter_in(&trade.exporters, &q.exporter).ok_or_else(|| {
                let mut known: Vec<&str> = trade.exporters.iter().map(String::as_str).collect();
                known.sort_unstable();
                let more = known.len().saturating_sub(12);
                known.truncate(12);
                bad(
                    q,
                    format!(
                        "no exporter '{}' in the trade data; expected a name as written in the data or an ISO code such as PAK (exporters: {}{})",
                        q.exporter,
                        known.join(", "),
                        if more > 0 { format!(" and {more} more") } else { String::new() }
                    ),
                )
            })?;
            let products = match &q.hs_prefix {
                None => None,
                Some(p) => {
                    let hit: Vec<usize> = (0..trade.products.len())
                        .filter(|&i| trade.products[i].code.starts_with(p.as_str()))
                        .collect();
                    if hit.is_empty() {
                        return Err(bad(
                            q,
                            format!(
                                "no product code in the trade data starts with '{p}'; expected the start of a code as written in the data, such as a chapter (61) or a heading (6302)"
                            ),
                        ));
                    }
                    Some(hit)
                }
            };
            rules.push(TariffRule {
                exporters: vec![exporter],
                importers: vec![market],
                products,
                action: RuleAction::Set(pct_to_rate(q.pct)),
                layer: Layer::Additional,
                line: 0,
                name: format!("--set {}", q.arg),
                description: q.describe(),
            });
        }
        let mut additional: Vec<Rate> = after.iter().zip(applied).map(|(t, a)| t - a).collect();
        policy::apply_rules(&rules, &trade.cells, applied, &mut additional).map_err(|e| {
            let q = self.sets.iter().find(|q| format!("--set {}", q.arg) == e.name);
            ScenarioError::QuickSet {
                arg: q.map_or_else(|| e.name.clone(), |q| q.arg.clone()),
                message: format!(
                    "the total rate of {} from {} would be {}%; expected a total between 0% and {}%",
                    trade.products[e.cell.product()].code,
                    trade.exporters[e.cell.exporter()],
                    Num(e.rate * 100.0),
                    RatePct::MAX
                ),
            }
        })?;
        for ((t, a), x) in after.iter_mut().zip(applied).zip(&additional) {
            *t = a + x;
        }
        Ok(())
    }

    pub(super) fn rate_out_of_range(
        &self,
        e: policy::RateOutOfRange,
        trade: &TradeData,
    ) -> ScenarioError {
        let what = if e.rate < 0.0 {
            format!(
                "negative ({:.2}%); tariffs must be zero or more",
                e.rate * 100.0
            )
        } else {
            format!(
                "{:.2}%, above the largest accepted tariff of {}%",
                e.rate * 100.0,
                RatePct::MAX
            )
        };
        ScenarioError::Invalid {
            path: self.path.to_path_buf(),
            line: e.line,
            field: e.name.clone(),
            message: format!(
                "this rule makes the tariff on product {} from {} {what}",
                trade.products[e.cell.product()].code,
                trade.exporters[e.cell.exporter()],
            ),
        }
    }
}
