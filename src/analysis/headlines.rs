//! The headline quantities of a run, typed: what the summary, the uncertainty table, the
//! comparison and the sweep report first. The names are those of the CSV columns and rows.

use super::Outcome;
use crate::model::smart::EffectTotals;
use crate::scenario::Scenario;

/// One headline quantity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Headline {
    /// The focus exporter's change in sales to the market.
    FocusExportsChange,
    /// The same in percent of its base sales.
    FocusExportsChangePct,
    /// The market's change in imports from everyone.
    ImportsChange,
    /// The importer's change in tariff revenue.
    TariffRevenueChange,
    /// The importer's change in consumer surplus.
    ConsumerSurplusChange,
    /// The importer's net welfare change.
    NetWelfareChange,
}

impl Headline {
    /// Every headline, in the order of the tables.
    pub const ALL: [Headline; 6] = [
        Headline::FocusExportsChange,
        Headline::FocusExportsChangePct,
        Headline::ImportsChange,
        Headline::TariffRevenueChange,
        Headline::ConsumerSurplusChange,
        Headline::NetWelfareChange,
    ];

    /// The name in CSV files.
    pub fn name(self) -> &'static str {
        match self {
            Headline::FocusExportsChange => "focus_exports_change",
            Headline::FocusExportsChangePct => "focus_exports_change_pct",
            Headline::ImportsChange => "imports_change",
            Headline::TariffRevenueChange => "tariff_revenue_change",
            Headline::ConsumerSurplusChange => "consumer_surplus_change",
            Headline::NetWelfareChange => "net_welfare_change",
        }
    }
}

/// The headline values of one run.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Headlines {
    values: [f64; 6],
}

impl Headlines {
    /// From the focus exporter's and the importer's totals.
    pub fn of(focus: &EffectTotals, total: &EffectTotals) -> Self {
        Headlines {
            values: Headline::ALL.map(|h| match h {
                Headline::FocusExportsChange => focus.total_effect,
                Headline::FocusExportsChangePct => focus.total_effect_pct(),
                Headline::ImportsChange => total.total_effect,
                Headline::TariffRevenueChange => total.revenue_change(),
                Headline::ConsumerSurplusChange => total.consumer_surplus,
                Headline::NetWelfareChange => total.net_welfare(),
            }),
        }
    }

    /// The headlines of an outcome.
    pub fn of_outcome(scenario: &Scenario, o: &Outcome) -> Self {
        Self::of(o.focus(scenario), &o.total)
    }

    /// One headline's value.
    pub fn get(&self, h: Headline) -> f64 {
        self.values[h as usize]
    }

    /// The values in the order of [`Headline::ALL`].
    pub fn values(&self) -> [f64; 6] {
        self.values
    }

    /// (name, value) pairs in the order of [`Headline::ALL`], for tables.
    pub fn named(&self) -> [(&'static str, f64); 6] {
        Headline::ALL.map(|h| (h.name(), self.get(h)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_headline_reads_its_own_total() {
        let focus = EffectTotals {
            base_value: 200.0,
            total_effect: 50.0,
            ..EffectTotals::default()
        };
        let total = EffectTotals {
            total_effect: 70.0,
            revenue_before: 30.0,
            revenue_after: 20.0,
            consumer_surplus: 15.0,
            ..EffectTotals::default()
        };
        let h = Headlines::of(&focus, &total);
        assert_eq!(h.get(Headline::FocusExportsChange), 50.0);
        assert_eq!(h.get(Headline::FocusExportsChangePct), 25.0);
        assert_eq!(h.get(Headline::ImportsChange), 70.0);
        assert_eq!(h.get(Headline::TariffRevenueChange), -10.0);
        assert_eq!(h.get(Headline::ConsumerSurplusChange), 15.0);
        assert_eq!(h.get(Headline::NetWelfareChange), 5.0);
        let names: Vec<&str> = h.named().iter().map(|(n, _)| *n).collect();
        assert_eq!(names, Headline::ALL.map(Headline::name));
        let mut unique = names.clone();
        unique.dedup();
        assert_eq!(unique.len(), 6);
    }
}
