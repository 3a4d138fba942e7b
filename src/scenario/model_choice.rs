//! `[model]`: which model runs, with its options; options of another model are refused.

use super::data::{self};
use super::file::{self};
use super::{DEFAULT_COMPOSITE_DEMAND, DEFAULT_DOMESTIC_SUPPLY, Loader, armington_setup};

use crate::error::ScenarioError;
use crate::model::SupplyElasticity;
use crate::model::gsim::{CsFormula, GsimForm, GsimOptions};
use crate::model::smart::{DiversionMethod, SmartOptions};
use crate::solve::NewtonOptions;
use toml::Spanned;

/// The model `[model]` asks for, with its options, before its inputs are read (the GSIM
/// setup and the Armington domestic side come later in the build, and go into
/// [`super::ModelChoice`] with it).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum ModelKind {
    /// SMART, one importing market.
    Smart(SmartOptions),
    /// GSIM, several importing markets.
    Gsim(GsimOptions),
    /// Armington, one market with its own producers.
    Armington(armington_setup::ArmingtonChoice),
}

impl Loader<'_> {
    pub(super) fn model_choice(
        &self,
        section: Option<&Spanned<file::ModelSection>>,
    ) -> Result<ModelKind, ScenarioError> {
        let Some(section) = section else {
            return Ok(ModelKind::Smart(SmartOptions::default()));
        };
        let m = section.get_ref();
        let choose = |v: &Option<Spanned<String>>,
                      field: &str,
                      options: &[&str]|
         -> Result<Option<String>, ScenarioError> {
            match v {
                None => Ok(None),
                Some(x) if options.contains(&x.get_ref().as_str()) => Ok(Some(x.get_ref().clone())),
                Some(x) => Err(self.err(
                    x.span(),
                    field,
                    format!(
                        "unknown value \"{}\"; expected {}",
                        x.get_ref(),
                        options
                            .iter()
                            .map(|o| format!("\"{o}\""))
                            .collect::<Vec<_>>()
                            .join(" or ")
                    ),
                )),
            }
        };
        let kind = choose(&m.kind, "model.kind", &["smart", "gsim", "armington"])?
            .unwrap_or_else(|| "smart".into());
        let diversion = choose(
            &m.diversion,
            "model.diversion",
            &["ces_share", "laird_yeats"],
        )?;
        let form = choose(&m.form, "model.form", &["linear", "levels"])?;
        let cs = choose(
            &m.cs_formula,
            "model.cs_formula",
            &["linear_demand", "fh_sign"],
        )?;
        // Options of the other model are mistakes, not silently ignored settings.
        let misplaced = |v: &Option<Spanned<String>>, field: &str, model: &str| match v {
            Some(x) => Err(self.err(
                x.span(),
                field,
                format!("applies to kind = \"{model}\" only"),
            )),
            None => Ok(()),
        };
        if kind != "armington" {
            for (v, field) in [
                (m.domestic.as_ref().map(|x| x.span()), "model.domestic"),
                (
                    m.composite_demand.as_ref().map(|x| x.span()),
                    "model.composite_demand",
                ),
                (
                    m.domestic_supply.as_ref().map(|x| x.span()),
                    "model.domestic_supply",
                ),
            ] {
                if let Some(span) = v {
                    return Err(self.err(
                        span,
                        field,
                        "applies to kind = \"armington\" only".into(),
                    ));
                }
            }
        }
        if kind == "armington" {
            misplaced(&m.form, "model.form", "gsim")?;
            misplaced(&m.cs_formula, "model.cs_formula", "gsim")?;
            misplaced(&m.diversion, "model.diversion", "smart")?;
            let Some(domestic) = &m.domestic else {
                return Err(self.err(
                    section.span(),
                    "model.domestic",
                    "an Armington scenario needs its domestic side: domestic = \"data/us_domestic_share_hs2.csv\" (domestic share and substitution elasticity by HS prefix)".into(),
                ));
            };
            let _ = domestic;
            let composite_demand = match &m.composite_demand {
                None => DEFAULT_COMPOSITE_DEMAND,
                Some(v) => {
                    let x = *v.get_ref();
                    if !(x.is_finite() && (-100.0..=-0.01).contains(&x)) {
                        return Err(self.err(
                            v.span(),
                            "model.composite_demand",
                            format!("the elasticity of total demand must be a negative number from -100 to -0.01, such as -1, found {}", data::Num(x)),
                        ));
                    }
                    x
                }
            };
            let domestic_supply = match &m.domestic_supply {
                None => SupplyElasticity::Finite(DEFAULT_DOMESTIC_SUPPLY),
                Some(v) => self.supply(v, "model.domestic_supply")?,
            };
            return Ok(ModelKind::Armington(armington_setup::ArmingtonChoice {
                composite_demand,
                domestic_supply,
                options: crate::model::armington::ArmingtonOptions::default(),
            }));
        }
        if kind == "smart" {
            misplaced(&m.form, "model.form", "gsim")?;
            misplaced(&m.cs_formula, "model.cs_formula", "gsim")?;
            Ok(ModelKind::Smart(SmartOptions {
                diversion: match diversion.as_deref() {
                    Some("laird_yeats") => DiversionMethod::LairdYeats,
                    _ => DiversionMethod::CesShare,
                },
            }))
        } else {
            misplaced(&m.diversion, "model.diversion", "smart")?;
            Ok(ModelKind::Gsim(GsimOptions {
                form: match form.as_deref() {
                    Some("levels") => GsimForm::Levels,
                    _ => GsimForm::Linear,
                },
                cs_formula: match cs.as_deref() {
                    Some("fh_sign") => CsFormula::FhSign,
                    _ => CsFormula::LinearDemand,
                },
                newton: NewtonOptions::default(),
            }))
        }
    }
}
