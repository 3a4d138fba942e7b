//! The source tracker's known errors, as switches of the schedule engine. The `rates` command
//! never uses them; the validation test (`tests/us_schedule.rs`) switches them on to show that
//! each difference from the tracker's figures comes from its named cause and nothing else.

/// Behaviours of the source tracker's engine that the notes (or `docs/decisions.md`) call
/// errors, as a set of flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Artefacts(u16);

impl Artefacts {
    /// The schedule as the law and the notes read it.
    pub const NONE: Artefacts = Artefacts(0);
    /// China/HK at 125% in total from 2025-04-09: the 20% fentanyl duty not added (notes §8).
    pub const CHINA_125_TOTAL: Artefacts = Artefacts(1);
    /// China/HK at 34% from 2025-08-07 to 2025-10-31 instead of the Geneva 10% + 20% (§8).
    pub const CHINA_34_IN_AUGUST: Artefacts = Artefacts(1 << 1);
    /// Hong Kong's consumer electronics at 0%: its fentanyl duty dropped (§8).
    pub const HONG_KONG_ELECTRONICS_ZERO: Artefacts = Artefacts(1 << 2);
    /// The EO 14360 list drops China's and Hong Kong's fentanyl duty (§8).
    pub const AG_LIST_DROPS_FENTANYL: Artefacts = Artefacts(1 << 3);
    /// The EO 14323 Brazil lists set the whole line to 0%: the 10% reciprocal duty and any
    /// Section 232 rate with it (§8 names the first; the second is the same overwrite).
    pub const BRAZIL_LISTS_ZERO: Artefacts = Artefacts(1 << 4);
    /// The four codes on both the consumer-electronics and the aluminium list lose their
    /// Section 232 rate while the electronics exemption is applied after it (2025-04-11 to
    /// 2025-06-02) and from 2026-02-20 (not in the notes; found here, see decisions.md).
    pub const ELECTRONICS_OVER_ALUMINIUM: Artefacts = Artefacts(1 << 5);
    /// Section 122: only the (aa)(ii) list exempt, not (aa)(iii), (aa)(iv), (aa)(viii) (§8).
    pub const S122_ONLY_AA_II: Artefacts = Artefacts(1 << 6);
    /// Forced-labor Section 301: civil-aircraft codes taxed (the tracker's "choice C").
    pub const LABOR_TAXES_AIRCRAFT: Artefacts = Artefacts(1 << 7);
    /// China's and Hong Kong's Annex II lines keep the 20% fentanyl duty after the
    /// 2025-11-01 truce cut it to 10% (not in the notes; found here, see decisions.md).
    pub const ANNEX_II_FENTANYL_20: Artefacts = Artefacts(1 << 8);
    /// The EO 14360 list, applied after Section 232 in the tracker, sets Section 232 lines on
    /// it to 0% (timber excepted, which is applied last) (not in the notes; see decisions.md).
    pub const AG_LIST_OVER_232: Artefacts = Artefacts(1 << 9);
    /// Section 232 replaces China's and Hong Kong's fentanyl duty too (notes §8, "stacking
    /// artefact"); it adds to the 232 rate.
    pub const S232_REPLACES_FENTANYL: Artefacts = Artefacts(1 << 10);
    /// All of the above: the tracker's engine.
    pub const ALL: Artefacts = Artefacts(0x7ff);

    /// Both sets.
    pub const fn with(self, other: Artefacts) -> Artefacts {
        Artefacts(self.0 | other.0)
    }

    /// True when `a` is switched on.
    pub fn has(self, a: Artefacts) -> bool {
        self.0 & a.0 != 0
    }
}
