//! Validation of the optional analysis sections: `[uncertainty]`, `[sensitivity]`,
//! `[projection]` and `[sweep]`.

use super::data::{Num, fmt_num};
use super::elasticity_sets::{self, ElasticitySet};
use super::file::{
    DistributionSection, ProjectionSection, SensitivitySection, SupplyValue, SweepSection,
    UncertaintySection,
};
use super::rate::{PctField, RatePct};
use super::specs::{
    Distribution, ParameterUncertainty, ProjectionSpec, SensitivitySpec, SetWeights, SweepSpec,
    UncertaintySpec,
};
use super::{Loader, bounds};
use crate::error::ScenarioError;
use crate::model::SupplyElasticity;
use toml::Spanned;

/// Default number of Monte-Carlo draws.
pub const DEFAULT_DRAWS: usize = 1000;
/// Largest number of draws accepted.
pub const MAX_DRAWS: usize = 1_000_000;

impl Loader<'_> {
    pub(super) fn uncertainty(
        &self,
        section: &Spanned<UncertaintySection>,
    ) -> Result<UncertaintySpec, ScenarioError> {
        let u = section.get_ref();
        let draws = match &u.draws {
            None => DEFAULT_DRAWS,
            Some(d) => {
                let v = *d.get_ref();
                if !(1..=MAX_DRAWS as i64).contains(&v) {
                    return Err(self.err(
                        d.span(),
                        "uncertainty.draws",
                        format!("expected a whole number from 1 to {MAX_DRAWS}, found {v}"),
                    ));
                }
                v as usize
            }
        };
        let seed = match &u.seed {
            None => 1,
            Some(s) => {
                let v = *s.get_ref();
                if v < 0 {
                    return Err(self.err(
                        s.span(),
                        "uncertainty.seed",
                        format!("expected a whole number of 0 or more, found {v}"),
                    ));
                }
                v as u64
            }
        };
        let param = |p: &Option<Spanned<DistributionSection>>, name: &str| {
            p.as_ref()
                .map(|d| self.distribution(d, &format!("uncertainty.{name}")))
                .transpose()
        };
        let spec = UncertaintySpec {
            draws,
            seed,
            import_demand: param(&u.import_demand, "import_demand")?,
            substitution: param(&u.substitution, "substitution")?,
            export_supply: param(&u.export_supply, "export_supply")?,
            sets: self.set_weights(u)?,
        };
        if spec.import_demand.is_none()
            && spec.substitution.is_none()
            && spec.export_supply.is_none()
            && spec.sets.is_none()
        {
            return Err(self.err(
                section.span(),
                "uncertainty",
                "give a distribution for at least one of import_demand, substitution, export_supply, or a list of elasticity sets".into(),
            ));
        }
        Ok(spec)
    }

    /// `sets` and `set_weights`: known names, each once, weights positive (default equal).
    fn set_weights(&self, u: &UncertaintySection) -> Result<Option<SetWeights>, ScenarioError> {
        let Some(sets) = &u.sets else {
            if let Some(w) = &u.set_weights {
                return Err(self.err(
                    w.span(),
                    "uncertainty.set_weights",
                    "set_weights needs a list of sets: add sets = [\"chapter_medians\", ...]"
                        .into(),
                ));
            }
            return Ok(None);
        };
        if sets.get_ref().is_empty() {
            return Err(self.err(
                sets.span(),
                "uncertainty.sets",
                format!(
                    "the list is empty; name one or more of: {}",
                    elasticity_sets::valid_names()
                ),
            ));
        }
        let weights: Vec<f64> = match &u.set_weights {
            None => vec![1.0; sets.get_ref().len()],
            Some(w) => {
                let v = w.get_ref();
                if v.len() != sets.get_ref().len() {
                    return Err(self.err(
                        w.span(),
                        "uncertainty.set_weights",
                        format!(
                            "expected one weight per set ({} sets), found {} weights",
                            sets.get_ref().len(),
                            v.len()
                        ),
                    ));
                }
                if let Some(bad) = v
                    .iter()
                    .find(|x| !(x.is_finite() && **x > 0.0 && **x <= 1e6))
                {
                    return Err(self.err(
                        w.span(),
                        "uncertainty.set_weights",
                        format!(
                            "weights must be positive numbers (such as 1 or 0.5), found {}",
                            Num(*bad)
                        ),
                    ));
                }
                v.clone()
            }
        };
        let total: f64 = weights.iter().sum();
        let mut probabilities = [0.0; ElasticitySet::ALL.len()];
        for (name, w) in sets.get_ref().iter().zip(&weights) {
            let set = self.set_name(name, "uncertainty.sets")?;
            if probabilities[set.index()] > 0.0 {
                return Err(self.err(
                    name.span(),
                    "uncertainty.sets",
                    format!(
                        "'{}' is listed twice; list each set once (use set_weights to weigh them)",
                        set.name()
                    ),
                ));
            }
            probabilities[set.index()] = w / total;
        }
        Ok(Some(SetWeights { probabilities }))
    }

    /// A set's name, or an error listing the valid names.
    pub(super) fn set_name(
        &self,
        name: &Spanned<String>,
        field: &str,
    ) -> Result<ElasticitySet, ScenarioError> {
        ElasticitySet::from_name(name.get_ref()).ok_or_else(|| {
            self.err(
                name.span(),
                field,
                format!(
                    "'{}' is not a known elasticity set; the sets are: {}",
                    name.get_ref(),
                    elasticity_sets::valid_names()
                ),
            )
        })
    }

    fn distribution(
        &self,
        spanned: &Spanned<DistributionSection>,
        field: &str,
    ) -> Result<ParameterUncertainty, ScenarioError> {
        let d = spanned.get_ref();
        let relative = d.relative.unwrap_or(true);
        let f = |name: &str| format!("{field}.{name}");
        // Fetch a parameter: required, or defaulted when relative.
        let get = |v: &Option<Spanned<f64>>,
                   name: &str,
                   default: Option<f64>|
         -> Result<(f64, std::ops::Range<usize>), ScenarioError> {
            match (v, default) {
                (Some(x), _) if x.get_ref().is_finite() => Ok((*x.get_ref(), x.span())),
                (Some(x), _) => Err(self.err(x.span(), &f(name), "must be a finite number".into())),
                (None, Some(def)) => Ok((def, spanned.span())),
                (None, None) => Err(self.err(
                    spanned.span(),
                    &f(name),
                    format!("`{name}` is required for dist = \"{}\"", d.dist.get_ref()),
                )),
            }
        };
        // Every parameter is bounded so that no draw can overflow the models' arithmetic.
        let (cap, what) = if relative {
            (bounds::MAX_FACTOR, "a factor on the elasticity")
        } else {
            (bounds::MAX_MAGNITUDE, "an elasticity")
        };
        let positive = |(v, span): (f64, std::ops::Range<usize>), name: &str| {
            if v <= 0.0 {
                Err(self.err(
                    span,
                    &f(name),
                    format!("must be positive, found {}", Num(v)),
                ))
            } else if name == "sigma" && v > bounds::MAX_LOG_SIGMA {
                Err(self.err(
                    span,
                    &f(name),
                    format!(
                        "the standard deviation of the logarithm may be at most {} (at 2, one \
                         draw in a thousand is already 480 times the median), found {}",
                        bounds::MAX_LOG_SIGMA,
                        Num(v)
                    ),
                ))
            } else if name != "sigma" && v > cap {
                Err(self.err(
                    span,
                    &f(name),
                    format!("is {what} here and may be at most {cap}, found {}", Num(v)),
                ))
            } else {
                Ok(v)
            }
        };
        let used: Vec<&str> = [
            ("mean", d.mean.is_some()),
            ("sd", d.sd.is_some()),
            ("median", d.median.is_some()),
            ("sigma", d.sigma.is_some()),
            ("low", d.low.is_some()),
            ("mode", d.mode.is_some()),
            ("high", d.high.is_some()),
        ]
        .iter()
        .filter(|(_, set)| *set)
        .map(|(n, _)| *n)
        .collect();
        let allowed: &[&str] = match d.dist.get_ref().as_str() {
            "normal" => &["mean", "sd"],
            "lognormal" => &["median", "sigma"],
            "uniform" => &["low", "high"],
            "triangular" => &["low", "mode", "high"],
            other => {
                return Err(self.err(
                    d.dist.span(),
                    &f("dist"),
                    format!("unknown distribution \"{other}\"; expected \"normal\", \"lognormal\", \"uniform\" or \"triangular\""),
                ));
            }
        };
        if let Some(extra) = used.iter().find(|u| !allowed.contains(u)) {
            return Err(self.err(
                spanned.span(),
                &f(extra),
                format!(
                    "`{extra}` does not apply to dist = \"{}\" (it takes {})",
                    d.dist.get_ref(),
                    allowed.join(", ")
                ),
            ));
        }
        // Magnitudes: an import demand elasticity may be written negative.
        let mag = |x: f64| {
            if field.ends_with("import_demand") && !relative {
                x.abs()
            } else {
                x
            }
        };
        let unit_default = if relative { Some(1.0) } else { None };
        let distribution = match d.dist.get_ref().as_str() {
            "normal" => {
                let (mean, span) = get(&d.mean, "mean", unit_default)?;
                Distribution::Normal {
                    mean: positive((mag(mean), span), "mean")?,
                    sd: positive(get(&d.sd, "sd", None)?, "sd")?,
                }
            }
            "lognormal" => {
                let (median, span) = get(&d.median, "median", unit_default)?;
                Distribution::LogNormal {
                    median: positive((mag(median), span), "median")?,
                    sigma: positive(get(&d.sigma, "sigma", None)?, "sigma")?,
                }
            }
            kind => {
                let (a, sa) = get(&d.low, "low", None)?;
                let (b, sb) = get(&d.high, "high", None)?;
                let (a, b) = (mag(a), mag(b));
                let (low, high) = if a <= b { (a, b) } else { (b, a) };
                positive((low, sa), "low")?;
                positive((high, sb.clone()), "high")?;
                if low >= high {
                    return Err(self.err(
                        sb,
                        &f("high"),
                        format!(
                            "must be larger than low ({}), found {}",
                            Num(low),
                            Num(high)
                        ),
                    ));
                }
                if kind == "uniform" {
                    Distribution::Uniform { low, high }
                } else {
                    let (mode, sm) = get(&d.mode, "mode", None)?;
                    let mode = mag(mode);
                    if !(low..=high).contains(&mode) {
                        // (NaN is not in the range either.)
                        return Err(self.err(
                            sm,
                            &f("mode"),
                            format!(
                                "must lie between low and high ({} to {}), found {}",
                                Num(low),
                                Num(high),
                                Num(mode)
                            ),
                        ));
                    }
                    Distribution::Triangular { low, mode, high }
                }
            }
        };
        Ok(ParameterUncertainty {
            distribution,
            relative,
        })
    }

    pub(super) fn sensitivity(
        &self,
        section: &Spanned<SensitivitySection>,
    ) -> Result<SensitivitySpec, ScenarioError> {
        let s = section.get_ref();
        let mut spec = SensitivitySpec::default();
        let factor = |x: f64| x > 0.0 && x <= bounds::MAX_FACTOR;
        let pair = |v: &Spanned<Vec<f64>>, name: &str| -> Result<(f64, f64), ScenarioError> {
            match v.get_ref().as_slice() {
                [lo, hi] if factor(*lo) && factor(*hi) => Ok((*lo, *hi)),
                other => Err(self.err(
                    v.span(),
                    &format!("sensitivity.{name}"),
                    format!(
                        "expected two positive factors [low, high] of at most {}, such as [0.5, 1.5], found {}",
                        bounds::MAX_FACTOR,
                        other
                            .iter()
                            .map(|x| fmt_num(*x))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )),
            }
        };
        if let Some(v) = &s.import_demand {
            spec.import_demand = pair(v, "import_demand")?;
        }
        if let Some(v) = &s.substitution {
            spec.substitution = pair(v, "substitution")?;
        }
        if let Some(v) = &s.export_supply {
            let field = "sensitivity.export_supply";
            let values: Vec<SupplyElasticity> = v
                .get_ref()
                .iter()
                .map(|x| match x {
                    SupplyValue::Number(n) if bounds::export_supply_problem(*n).is_none() => {
                        Ok(SupplyElasticity::from_value(*n))
                    }
                    SupplyValue::Word(w)
                        if matches!(w.to_ascii_lowercase().as_str(), "inf" | "infinite") =>
                    {
                        Ok(SupplyElasticity::Infinite)
                    }
                    _ => Err(self.err(
                        v.span(),
                        field,
                        format!(
                            "expected numbers of at least {} (99 or more means infinite) or \"infinite\", such as [1, \"infinite\"]",
                            bounds::MIN_EXPORT_SUPPLY
                        ),
                    )),
                })
                .collect::<Result<_, _>>()?;
            let [lo, hi] = values.as_slice() else {
                return Err(self.err(
                    v.span(),
                    field,
                    format!("expected two values [low, high], found {}", values.len()),
                ));
            };
            spec.export_supply = (*lo, *hi);
        }
        Ok(spec)
    }

    pub(super) fn projection(
        &self,
        section: &Spanned<ProjectionSection>,
        exporters: &[String],
        base_year: i64,
    ) -> Result<ProjectionSpec, ScenarioError> {
        let p = section.get_ref();
        let (start, end) = (*p.start_year.get_ref(), *p.end_year.get_ref());
        if !(base_year..=base_year + 100).contains(&start) {
            return Err(self.err(
                p.start_year.span(),
                "projection.start_year",
                format!("expected a year from the base year {base_year} on, found {start}"),
            ));
        }
        if !(start..=start + 100).contains(&end) {
            return Err(self.err(
                p.end_year.span(),
                "projection.end_year",
                format!(
                    "expected a year from start_year {start} to {}, found {end}",
                    start + 100
                ),
            ));
        }
        let pct = |v: &Option<Spanned<f64>>, name: &str| -> Result<f64, ScenarioError> {
            match v {
                None => Ok(0.0),
                Some(x) if (-50.0..=100.0).contains(x.get_ref()) => Ok(*x.get_ref() / 100.0),
                Some(x) => Err(self.err(
                    x.span(),
                    &format!("projection.{name}"),
                    format!(
                        "expected percent per year between -50 and 100, found {}",
                        Num(*x.get_ref())
                    ),
                )),
            }
        };
        let baseline_growth = pct(&p.baseline_growth_pct, "baseline_growth_pct")?;
        let mut growth_by_prefix = Vec::new();
        if let Some(map) = &p.growth_pct_by_prefix {
            for (prefix, g) in map.get_ref() {
                if !(-50.0..=100.0).contains(g) {
                    return Err(self.err(map.span(), "projection.growth_pct_by_prefix", format!("growth for '{prefix}' must be percent per year between -50 and 100, found {}", Num(*g))));
                }
                growth_by_prefix.push((prefix.clone(), g / 100.0));
            }
        }
        let phase_in = match &p.phase_in {
            None => vec![1.0],
            Some(v) => {
                if v.get_ref().is_empty() || v.get_ref().iter().any(|x| !(0.0..=1.0).contains(x)) {
                    return Err(self.err(
                        v.span(),
                        "projection.phase_in",
                        "expected fractions from 0 to 1 per year, such as [0.5, 1.0] (not percent)"
                            .into(),
                    ));
                }
                v.get_ref().clone()
            }
        };
        let rates = match (&p.rates_exporter, &p.rates_pct) {
            (None, None) => None,
            (Some(e), Some(r)) => {
                let idx = exporters
                    .iter()
                    .position(|x| x == e.get_ref())
                    .ok_or_else(|| {
                        self.err(
                            e.span(),
                            "projection.rates_exporter",
                            super::data::unknown_name("exporter", e.get_ref(), exporters),
                        )
                    })?;
                if r.get_ref().is_empty()
                    || r.get_ref()
                        .iter()
                        .any(|x| RatePct::within(*x, RatePct::TARIFF).is_err())
                {
                    return Err(self.err(
                        r.span(),
                        "projection.rates_pct",
                        format!(
                            "expected additional duties in percent from 0 to {}, one per year",
                            RatePct::MAX
                        ),
                    ));
                }
                if r.get_ref().iter().all(|x| *x < 1.0) && r.get_ref().iter().any(|x| *x > 0.0) {
                    return Err(self.err(
                        r.span(),
                        "projection.rates_pct",
                        "these look like fractions; write 19 for 19%".into(),
                    ));
                }
                Some((idx, r.get_ref().clone()))
            }
            (Some(e), None) => {
                return Err(self.err(
                    e.span(),
                    "projection.rates_pct",
                    "rates_exporter needs rates_pct (one additional duty per year)".into(),
                ));
            }
            (None, Some(r)) => {
                return Err(self.err(
                    r.span(),
                    "projection.rates_exporter",
                    "rates_pct needs rates_exporter (whose duty they are)".into(),
                ));
            }
        };
        let adjustment_speed = match &p.adjustment_speed {
            None => 0.5,
            Some(v) if *v.get_ref() > 0.0 && *v.get_ref() <= 1.0 => *v.get_ref(),
            Some(v) => return Err(self.err(
                v.span(),
                "projection.adjustment_speed",
                format!(
                    "expected a share in (0, 1] of the remaining gap closed each year, found {}",
                    Num(*v.get_ref())
                ),
            )),
        };
        Ok(ProjectionSpec {
            start_year: start,
            end_year: end,
            baseline_growth,
            growth_by_prefix,
            phase_in,
            rates,
            adjustment_speed,
            dated: None,
            held: None,
        })
    }

    pub(super) fn sweep(
        &self,
        section: &Spanned<SweepSection>,
        exporters: &[String],
    ) -> Result<SweepSpec, ScenarioError> {
        let s = section.get_ref();
        let exporter = exporters
            .iter()
            .position(|x| x == s.exporter.get_ref())
            .ok_or_else(|| {
                self.err(
                    s.exporter.span(),
                    "sweep.exporter",
                    super::data::unknown_name("exporter", s.exporter.get_ref(), exporters),
                )
            })?;
        sweep_spec(
            exporter,
            *s.from_pct.get_ref(),
            *s.to_pct.get_ref(),
            *s.step_pct.get_ref(),
        )
        .map_err(|(field, message)| {
            let span = match field {
                "from_pct" => s.from_pct.span(),
                "to_pct" => s.to_pct.span(),
                _ => s.step_pct.span(),
            };
            self.err(span, &format!("sweep.{field}"), message)
        })
    }
}

/// Parses a whole number given on the command line (`--draws`, `--seed`), with a message in a
/// user's words instead of the standard library's ("invalid digit found in string").
pub fn parse_whole_number<T: std::str::FromStr>(s: &str) -> Result<T, String> {
    s.parse::<T>().map_err(|_| {
        if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
            format!("{s} is too large")
        } else {
            "expected a whole number of 0 or more, written with digits only (no sign, decimal \
             point or separators), such as 1000"
                .to_string()
        }
    })
}

/// Parses a rate given on the command line (`--from`, `--to`, `--step`), in percent.
pub fn parse_percent(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => Err(format!(
            "expected a number in percent such as 15 or 2.5 (no % sign{})",
            if s.contains(',') {
                ", and a decimal point rather than a comma"
            } else {
                ""
            }
        )),
    }
}

/// Checks a sweep's range; the error names the offending field (`from_pct`, `to_pct`, `step_pct`).
pub fn sweep_spec(
    exporter: usize,
    from: f64,
    to: f64,
    step: f64,
) -> Result<SweepSpec, (&'static str, String)> {
    RatePct::within(from, RatePct::TARIFF).map_err(|p| ("from_pct", p.to_string()))?;
    let rest = PctField {
        min: from,
        expected: "a rate in percent (the end of the range)",
        ..RatePct::TARIFF
    };
    RatePct::within(to, rest).map_err(|p| ("to_pct", p.to_string()))?;
    if !(step > 0.0 && step.is_finite()) {
        return Err((
            "step_pct",
            format!(
                "expected a positive step in percentage points, found {}",
                Num(step)
            ),
        ));
    }
    if (to - from) / step + 1.0 > SweepSpec::MAX_POINTS as f64 {
        return Err((
            "step_pct",
            format!(
                "the range gives more than {} rates; use a larger step",
                SweepSpec::MAX_POINTS
            ),
        ));
    }
    if to > 0.0 && to <= 1.0 && step < 1.0 {
        let fix = super::data::fraction_fix(to, "%")
            .map(|f| format!("; if it is a fraction, {f}"))
            .unwrap_or_default();
        return Err((
            "to_pct",
            format!(
                "{} looks like a fraction: the range is in percent, and a range that ends at 1% \
                 or less with steps below one point is taken for fractions typed by mistake{fix}",
                Num(to)
            ),
        ));
    }
    Ok(SweepSpec {
        exporter,
        from_pct: from,
        to_pct: to,
        step_pct: step,
    })
}
