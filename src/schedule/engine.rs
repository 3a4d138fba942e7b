//! The additional US duty on any date of 2025–2026, per line class, HS6 × partner and
//! partner, from the measures table. Pure functions over the loaded data.
//!
//! The stacking follows the measures' `stacking_rule` column and the notes
//! (`docs/decisions.md`, "Tariff schedule"):
//! 1. **Base**: the IEEPA duties to 2026-02-19 (fentanyl + reciprocal, Brazil +40%, India
//!    +25%), then the Section 122 surcharge (2026-02-24 to 2026-07-23). Product exemption
//!    lists remove the reciprocal part; China's and Hong Kong's fentanyl duty stays.
//! 2. **Section 232** goods pay the 232 rate *instead of* the base, except China's and Hong
//!    Kong's fentanyl duty, which adds to it.
//! 3. **Section 301 and 338** add to whatever is in place, except on Section 232 goods,
//!    on their own exemption lists and (ASSUMPTION) on Canadian and Mexican goods as USMCA.
//!
//! Every line class of an HS6 × partner cell gets one rate; the cell's rate is their
//! 2024-value-weighted mean, which is exact at HS6 because the classes partition the
//! cell's HS10 lines.

pub use super::artefacts::Artefacts;
use super::data::{Cell, LineClass, Schedule};
use super::date::Date;
use super::measures::{ListMasks, Measures};
use crate::error::ScenarioError;

const BRAZIL: &str = "3510";
const INDIA: &str = "5330";
const HONG_KONG: &str = "5820";
const RUSSIA: &str = "4621";
/// HS chapter of aluminium, which pays Russia's 200% under every 2026 metals annex.
const ALUMINIUM_CHAPTER: u8 = 76;

/// An action that adds to the rate in place (Section 301, Section 338).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Stacked {
    rate: f64,
    /// Only lines on these lists (Section 338 baskets); `None`: every line.
    include: Option<u32>,
    /// Lines on these lists are exempt.
    exempt: u32,
}

/// Section 232 rates in force for one partner on one date (`None`: not in force).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
struct Section232 {
    autos: Option<f64>,
    steel_aluminium: Option<f64>,
    copper: Option<f64>,
    softwood: Option<f64>,
    furniture: Option<f64>,
    /// Annex I-A, I-B, III of the 2026 metals restructuring, and the annex II removal.
    metals: Option<[f64; 3]>,
    /// The rate on aluminium (chapter 76) under any metals annex (Russia only).
    metals_aluminium: Option<f64>,
}

/// The measures in force for one partner on one date, resolved from the tables, so that a
/// line class's rate is a few bit tests.
#[derive(Debug, Clone, PartialEq)]
pub struct Regime {
    lists: ListMasks,
    fentanyl: f64,
    /// Fentanyl kept on lines exempt from the reciprocal duty (China, Hong Kong).
    fentanyl_kept: bool,
    reciprocal: f64,
    /// Lists exempt from the reciprocal duty (Annex II, electronics, EO 14360).
    reciprocal_exempt: u32,
    /// Brazil's +40% and the lists exempt from it (EO 14323).
    brazil_extra: f64,
    brazil_exempt: u32,
    surcharge: f64,
    surcharge_exempt: u32,
    s232: Section232,
    stacked: Vec<Stacked>,
    artefacts: Artefacts,
    hong_kong: bool,
    /// The fentanyl rate before the truce, while the truce is in force (China, Hong Kong).
    fentanyl_before_truce: Option<f64>,
    china_fentanyl_on_electronics: f64,
    window_electronics_over_aluminium: bool,
}

impl Regime {
    /// Resolves the measures in force for a partner (Census code) on a date.
    pub fn new(
        m: &Measures,
        lists: ListMasks,
        cty: &str,
        date: Date,
        artefacts: Artefacts,
    ) -> Result<Regime, ScenarioError> {
        let china_hk = m.names("ieepa_fentanyl_china_hk", cty);
        let usmca = m.names("ieepa_fentanyl_canada", cty) || m.names("ieepa_fentanyl_mexico", cty);
        let ieepa_over = m.in_force("ieepa_terminated_scotus", date)?;
        let on = |id: &str| m.in_force(id, date);

        // Fentanyl duties. ASSUMPTION (notes §9): only the non-USMCA share of Canadian and
        // Mexican trade pays, 35% and 18%, the tracker's shares (its applied / statutory rate).
        let mut fentanyl = 0.0;
        if china_hk {
            if on("ieepa_china_truce_2025_11")? {
                fentanyl = m.rate("ieepa_china_truce_2025_11")?; // fentanyl 20% -> 10%
            } else if on("ieepa_fentanyl_china_hk")? {
                fentanyl = m.rate_for("ieepa_fentanyl_china_hk", cty)?;
            }
        } else if usmca {
            for id in [
                "ieepa_fentanyl_canada_45",
                "ieepa_fentanyl_canada_35",
                "ieepa_fentanyl_canada",
                "ieepa_fentanyl_mexico",
            ] {
                if on(id)? && m.names(id, cty) {
                    fentanyl = m.rate_for(id, cty)? * non_usmca_share(m, id, cty)?;
                    break;
                }
            }
        }

        // Reciprocal duties (never on Canada and Mexico).
        let mut reciprocal = 0.0;
        let mut brazil_extra = 0.0;
        if china_hk {
            for id in [
                "ieepa_china_truce_2025_11",
                "ieepa_china_geneva",
                "ieepa_china_125",
                "ieepa_china_escalation_84",
            ] {
                if on(id)? {
                    reciprocal = m.rate(id)?;
                    break;
                }
            }
            if reciprocal == 0.0 && on("ieepa_reciprocal_annex_I")? {
                reciprocal = m.rate_for("ieepa_reciprocal_annex_I", cty)?;
            }
            if artefacts.has(Artefacts::CHINA_125_TOTAL) && on("ieepa_china_125")? {
                fentanyl = 0.0;
            }
            if artefacts.has(Artefacts::CHINA_34_IN_AUGUST)
                && on("ieepa_china_geneva")?
                && on("ieepa_reciprocal_eo14326")?
            {
                // The tracker's total is the Annex I rate (34), fentanyl included.
                reciprocal = m.rate_for("ieepa_reciprocal_annex_I", cty)? - fentanyl;
            }
        } else if !usmca && on("ieepa_reciprocal_baseline_10")? {
            reciprocal = m.rate("ieepa_reciprocal_baseline_10")?;
            // Annex I country rates, the 90-day pause (back to 10% for all), EO 14326.
            for id in [
                "ieepa_reciprocal_annex_I",
                "ieepa_pause_90day",
                "ieepa_reciprocal_eo14326",
            ] {
                if on(id)? {
                    reciprocal = match id {
                        "ieepa_pause_90day" => m.rate(id)?,
                        _ => m.partner_rate(id, cty).map_or(reciprocal, |r| r.rate),
                    };
                }
            }
            for id in ["ieepa_switzerland_15", "ieepa_korea_15", "ieepa_india_18"] {
                if on(id)? && m.names(id, cty) {
                    reciprocal = m.rate_for(id, cty)?;
                }
            }
            if cty == INDIA && on("ieepa_india_russian_oil_25")? {
                reciprocal += m.rate_for("ieepa_india_russian_oil_25", cty)?;
            }
            if cty == BRAZIL && on("ieepa_brazil_40")? {
                brazil_extra = m.rate_for("ieepa_brazil_40", cty)?;
            }
        }
        if ieepa_over {
            (fentanyl, reciprocal, brazil_extra) = (0.0, 0.0, 0.0);
        }
        let mut reciprocal_exempt = 0;
        for (id, list) in [
            ("ieepa_annex_II_exempt", lists.annex_ii),
            ("ieepa_consumer_electronics_exempt", lists.electronics),
            ("ieepa_ag_exemptions_2025_11_14", lists.agriculture),
        ] {
            if on(id)? {
                reciprocal_exempt |= list;
            }
        }
        let brazil_exempt =
            if on("ieepa_brazil_exemptions")? && m.names("ieepa_brazil_exemptions", cty) {
                lists.brazil_non_aircraft | lists.brazil_aircraft
            } else {
                0
            };

        // Section 122. ASSUMPTION (as the tracker): all Canadian and Mexican goods qualify
        // for USMCA and are exempt.
        let (mut surcharge, mut surcharge_exempt) = (0.0, 0);
        if !usmca && on("s122_surcharge_10")? {
            surcharge = m.rate_for("s122_surcharge_10", cty)?;
            let cafta = m.names("s122_cafta_dr_textiles", cty);
            for (id, list, wanted) in [
                ("s122_product_exemptions", lists.s122_products, true),
                ("s122_specific_exemptions", lists.s122_specific, true),
                ("s122_aircraft_exemptions", lists.s122_aircraft, true),
                ("s122_cafta_dr_textiles", lists.cafta_textiles, cafta),
            ] {
                let tracker_skips =
                    artefacts.has(Artefacts::S122_ONLY_AA_II) && id != "s122_product_exemptions";
                if wanted && !tracker_skips && on(id)? {
                    surcharge_exempt |= list;
                }
            }
        }

        let s232 = section_232(m, cty, date)?;

        // Section 301 and 338: added on top, never on Section 232 goods.
        let mut stacked = Vec::new();
        if on("s301_brazil_25")? && m.names("s301_brazil_25", cty) {
            stacked.push(Stacked {
                rate: m.rate_for("s301_brazil_25", cty)?,
                include: None,
                exempt: lists.brazil_301_exempt,
            });
        }
        for id in ["s301_forced_labor_10", "s301_forced_labor_12_5"] {
            // ASSUMPTION (as the tracker): all Canadian and Mexican goods are USMCA-compliant.
            if on(id)? && m.names(id, cty) && !usmca {
                let mut exempt = 0;
                if on("s301_forced_labor_part_A_exempt")? {
                    exempt |= lists.labor_part_a;
                }
                if on("s301_forced_labor_cafta_textiles")?
                    && m.names("s301_forced_labor_cafta_textiles", cty)
                {
                    exempt |= lists.cafta_textiles;
                }
                stacked.push(Stacked {
                    rate: m.rate_for(id, cty)?,
                    include: None,
                    exempt,
                });
            }
        }
        let aircraft = if on("s338_canada_aircraft_carveout")? {
            lists.s338_aircraft
        } else {
            0
        };
        for (id, list) in [
            ("s338_canada_alcohol", lists.s338_alcohol),
            ("s338_canada_dairy", lists.s338_dairy),
            ("s338_canada_autos", lists.s338_autos),
        ] {
            if on(id)? && m.names(id, cty) {
                stacked.push(Stacked {
                    rate: m.rate_for(id, cty)?,
                    include: Some(list),
                    exempt: aircraft,
                });
            }
        }

        let window_electronics_over_aluminium = (on("ieepa_consumer_electronics_exempt")?
            && !on("s232_steel_aluminum_50")?)
            || on("s232_reapplied_post_scotus")?
            // China's electronics are set to 10% again after everything else from 2025-11-14.
            || (china_hk && cty != HONG_KONG && on("ieepa_ag_exemptions_2025_11_14")?);
        Ok(Regime {
            lists,
            fentanyl,
            fentanyl_kept: china_hk,
            reciprocal,
            reciprocal_exempt,
            brazil_extra,
            brazil_exempt,
            surcharge,
            surcharge_exempt,
            s232,
            stacked,
            artefacts,
            hong_kong: cty == HONG_KONG,
            fentanyl_before_truce: if china_hk && on("ieepa_china_truce_2025_11")? && !ieepa_over {
                Some(m.rate_for("ieepa_fentanyl_china_hk", cty)?)
            } else {
                None
            },
            china_fentanyl_on_electronics: if china_hk && cty != HONG_KONG {
                fentanyl
            } else {
                0.0
            },
            window_electronics_over_aluminium,
        })
    }

    /// The Section 232 rate of a line class, if its goods are under Section 232.
    fn section_232(&self, mask: u32, chapter: u8) -> Option<f64> {
        let (l, s) = (&self.lists, &self.s232);
        let on = |list: u32| mask & list != 0;
        // Autos first: autos keep their own rate against timber (clause 6) and the 2026
        // metals annexes (clause 10).
        if on(l.autos) && s.autos.is_some() {
            return s.autos;
        }
        if let Some([ia, ib, iii]) = s.metals {
            if on(l.metals_ii_removed) {
                return None; // removed from Section 232 (and so not carved out of 301/338)
            }
            for (list, rate) in [(l.metals_ia, ia), (l.metals_ib, ib), (l.metals_iii, iii)] {
                if on(list) {
                    return match s.metals_aluminium {
                        Some(r) if chapter == ALUMINIUM_CHAPTER => Some(r),
                        _ => Some(rate),
                    };
                }
            }
        }
        if on(l.steel | l.aluminium) && s.steel_aluminium.is_some() {
            return s.steel_aluminium;
        }
        if on(l.copper) && s.copper.is_some() {
            return s.copper;
        }
        if on(l.timber_softwood) && s.softwood.is_some() {
            return s.softwood;
        }
        if on(l.timber_furniture) {
            return s.furniture;
        }
        None
    }

    /// The additional duty, percent, on the lines of one class.
    pub fn line_rate(&self, mask: u32, chapter: u8) -> f64 {
        let l = &self.lists;
        let a = self.artefacts;
        if a.has(Artefacts::ELECTRONICS_OVER_ALUMINIUM)
            && self.window_electronics_over_aluminium
            && mask & l.electronics != 0
            && mask & l.aluminium != 0
        {
            return self.china_fentanyl_on_electronics;
        }
        let brazil_listed = mask & self.brazil_exempt != 0;
        if a.has(Artefacts::BRAZIL_LISTS_ZERO) && brazil_listed {
            return 0.0;
        }
        let s232 = self.section_232(mask, chapter);
        let timber = mask & (l.timber_softwood | l.timber_furniture) != 0 && mask & l.autos == 0;
        if a.has(Artefacts::AG_LIST_OVER_232)
            && s232.is_some()
            && !timber
            && mask & self.reciprocal_exempt & l.agriculture != 0
        {
            return if mask & l.electronics != 0 {
                self.china_fentanyl_on_electronics
            } else {
                0.0
            };
        }
        let base = match s232 {
            // China's and Hong Kong's fentanyl duty adds to Section 232 (Canada's and
            // Mexico's does not: their 232 goods take the 232 rate instead).
            Some(r) if self.fentanyl_kept && !a.has(Artefacts::S232_REPLACES_FENTANYL) => {
                r + self.fentanyl
            }
            Some(r) => r,
            None => {
                let exempt = mask & self.reciprocal_exempt != 0;
                let mut fentanyl = if exempt && !self.fentanyl_kept {
                    0.0
                } else {
                    self.fentanyl
                };
                if self.fentanyl_kept
                    && ((a.has(Artefacts::AG_LIST_DROPS_FENTANYL)
                        && mask & self.reciprocal_exempt & l.agriculture != 0
                        // China's electronics are set back to 10% after the EO 14360 list.
                        && (self.hong_kong || mask & l.electronics == 0))
                        || (a.has(Artefacts::HONG_KONG_ELECTRONICS_ZERO)
                            && self.hong_kong
                            && mask & self.reciprocal_exempt & l.electronics != 0))
                {
                    fentanyl = 0.0;
                }
                if let Some(before) = self.fentanyl_before_truce
                    && a.has(Artefacts::ANNEX_II_FENTANYL_20)
                    && mask & self.reciprocal_exempt & l.annex_ii != 0
                    && mask & self.reciprocal_exempt & l.agriculture == 0
                    && (self.hong_kong || mask & l.electronics == 0)
                {
                    fentanyl = before;
                }
                let reciprocal = if exempt {
                    0.0
                } else {
                    self.reciprocal
                        + if brazil_listed {
                            0.0
                        } else {
                            self.brazil_extra
                        }
                };
                let surcharge = if mask & self.surcharge_exempt != 0 {
                    0.0
                } else {
                    self.surcharge
                };
                fentanyl + reciprocal + surcharge
            }
        };
        if s232.is_some() {
            return base;
        }
        let stacked: f64 = self
            .stacked
            .iter()
            .filter(|s| s.include.is_none_or(|i| mask & i != 0))
            .filter(|s| {
                let mut exempt = s.exempt;
                if a.has(Artefacts::LABOR_TAXES_AIRCRAFT) && exempt & l.labor_part_a != 0 {
                    // The proxy Part A is the union of the three Section 122 lists; the
                    // tracker taxes its codes that are only on the aircraft list.
                    let aircraft_only = mask & (l.s122_products | l.s122_specific) == 0;
                    if aircraft_only {
                        exempt &= !l.labor_part_a;
                    }
                }
                mask & exempt == 0
            })
            .map(|s| s.rate)
            .sum();
        base + stacked
    }

    /// The value-weighted additional duty, percent, of one HS6 × partner cell.
    pub fn cell_rate(&self, cell: &Cell, classes: &[LineClass], chapter: u8) -> f64 {
        if cell.value <= 0.0 {
            return self.line_rate(0, chapter);
        }
        let mut rest = cell.value;
        let mut sum = 0.0;
        for c in classes {
            sum += c.value * self.line_rate(c.mask, chapter);
            rest -= c.value;
        }
        sum += rest.max(0.0) * self.line_rate(0, chapter);
        sum / cell.value
    }
}

/// The non-USMCA share of a partner's trade that pays a fentanyl duty (ASSUMPTION): the
/// tracker's applied rate over the statutory rate in `partner_rates.csv`.
fn non_usmca_share(m: &Measures, id: &str, cty: &str) -> Result<f64, ScenarioError> {
    let r = m
        .partner_rate(id, cty)
        .ok_or_else(|| m.missing_partner_rate(id, cty, "no rate for this partner"))?;
    match r.tracker_rate {
        Some(t) if r.rate > 0.0 && t <= r.rate => Ok(t / r.rate),
        _ => Err(m.missing_partner_rate(
            id,
            cty,
            "the non-USMCA share is read as tracker_rate_pct / rate_pct; give a tracker rate between 0 and the rate",
        )),
    }
}

fn section_232(m: &Measures, cty: &str, date: Date) -> Result<Section232, ScenarioError> {
    let on = |id: &str| m.in_force(id, date);
    let mut s = Section232::default();
    if on("s232_autos_25")? {
        let mut r = m.rate_for("s232_autos_25", cty)?;
        for id in ["s232_auto_deals_2025_08", "s232_korea_autos_15"] {
            if on(id)? && m.names(id, cty) {
                r = m.rate_for(id, cty)?;
            }
        }
        // The UK's autos rate is given (10%) only from the post-ruling re-application.
        if on("s232_reapplied_post_scotus")? && m.names("s232_reapplied_post_scotus", cty) {
            r = m.rate_for("s232_reapplied_post_scotus", cty)?;
        }
        s.autos = Some(r);
    }
    for id in ["s232_steel_aluminum_50", "s232_steel_aluminum_25"] {
        if on(id)? {
            s.steel_aluminium = Some(m.rate_for(id, cty)?);
            break;
        }
    }
    if on("s232_copper_50")? {
        s.copper = Some(m.rate_for("s232_copper_50", cty)?);
    }
    if on("s232_timber_softwood")? {
        s.softwood = Some(m.rate_for("s232_timber_softwood", cty)?);
    }
    if on("s232_timber_furniture_cabinets")? {
        s.furniture = Some(m.rate_for("s232_timber_furniture_cabinets", cty)?);
    }
    let ids = [
        "s232_metals_annex_IA_50",
        "s232_metals_annex_IB_25",
        "s232_metals_annex_III_15",
    ];
    if on(ids[0])? && on(ids[1])? && on(ids[2])? && on("s232_metals_annex_II_removed")? {
        if cty == RUSSIA {
            // Russia: 50% / 25% / 25% (annex III's non-NTR rate); its aluminium 200% under
            // every annex (the I-A partner rate, "Russian aluminium 200%").
            s.metals = Some([m.rate(ids[0])?, m.rate(ids[1])?, m.rate_for(ids[2], cty)?]);
            s.metals_aluminium = Some(m.rate_for(ids[0], cty)?);
        } else {
            s.metals = Some([
                m.rate_for(ids[0], cty)?,
                m.rate_for(ids[1], cty)?,
                m.rate_for(ids[2], cty)?,
            ]);
        }
    }
    Ok(s)
}

/// The schedule on one date: the additional duty of every cell, and per partner.
#[derive(Debug, Clone)]
pub struct Rates {
    /// The date.
    pub date: Date,
    /// Additional duty, percent, by cell (same order as [`Schedule::cells`]).
    pub cells: Vec<f64>,
    /// Per partner (same order as [`Schedule::partners`]).
    pub partners: Vec<PartnerRates>,
}

/// One partner's totals on a date.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PartnerRates {
    /// 2024 imports, US dollars (the weights).
    pub imports: f64,
    /// 2024 calculated duty / imports, percent.
    pub applied_2024_pct: f64,
    /// Trade-weighted additional duty, percent.
    pub additional_pct: f64,
}

/// The years the measures table covers completely.
pub const YEARS: std::ops::RangeInclusive<u16> = 2025..=2026;

/// Refuses a date outside [`YEARS`]: later steps (2027 timber, 2028 metals) are registered
/// without all their rates, so a schedule there would be silently incomplete.
pub fn check_covered(date: Date) -> Result<(), String> {
    if YEARS.contains(&date.year()) {
        Ok(())
    } else {
        Err(format!(
            "{date} is outside the years the measures table covers ({}–{})",
            YEARS.start(),
            YEARS.end()
        ))
    }
}

/// The schedule on `date`, as the law and the notes read it.
pub fn rates_on(s: &Schedule, date: Date) -> Result<Rates, ScenarioError> {
    rates_with(s, date, Artefacts::NONE)
}

/// The schedule on `date`, with some of the source tracker's artefacts (for validation).
pub fn rates_with(s: &Schedule, date: Date, artefacts: Artefacts) -> Result<Rates, ScenarioError> {
    let regimes = s
        .partners
        .iter()
        .map(|p| Regime::new(&s.measures, s.lists, &p.code, date, artefacts))
        .collect::<Result<Vec<_>, _>>()?;
    let mut cells = Vec::with_capacity(s.cells.len());
    let mut sums = vec![(0.0, 0.0, 0.0); s.partners.len()];
    for cell in &s.cells {
        let classes = &s.classes[cell.classes.start as usize..cell.classes.end as usize];
        let rate = regimes[cell.partner as usize].cell_rate(cell, classes, s.chapter(cell.product));
        let sum = &mut sums[cell.partner as usize];
        sum.0 += cell.value;
        sum.1 += cell.duty;
        sum.2 += cell.value * rate;
        cells.push(rate);
    }
    let share = |x: f64, of: f64| if of > 0.0 { 100.0 * x / of } else { 0.0 };
    let partners = sums
        .into_iter()
        .map(|(v, d, r)| PartnerRates {
            imports: v,
            applied_2024_pct: share(d, v),
            additional_pct: if v > 0.0 { r / v } else { 0.0 },
        })
        .collect();
    Ok(Rates {
        date,
        cells,
        partners,
    })
}
