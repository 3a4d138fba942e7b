#!/usr/bin/env python3
"""Derive the simulator's real-data CSV files from the source data bundle.

Usage (from the project root):

    python3 scenarios/data/derive.py <path to the source data bundle>

The single argument is the folder of the source data bundle (the folder that
holds census_2024/, tariffs/, elasticities/ and sources.csv).  The outputs are
written into the folder this script is in (scenarios/data/).  Only the Python 3
standard library is used; the output is deterministic (fixed row order, fixed
number formats, "\\n" line endings).

Source ids (S1, S2, ...) refer to sources.csv, copied next to the outputs.

Outputs and how each is derived
-------------------------------

1. us_imports_2024_hs4.csv  (product, description, exporter, value, status, source)

   * Products: every HS4 heading in which US imports for consumption from
     Pakistan in calendar 2024 (census_2024/us_imports_2024_hs4.csv, exporter
     "Pakistan") are > 0.  The heading is kept as a 4-character string.
   * The ten exporters (Pakistan, China, Vietnam, Bangladesh, India, Cambodia,
     Indonesia, Sri Lanka, Turkey, Mexico): value = value_usd of the source
     (US$, imports for consumption at customs value, Census CON_VAL_YR), status
     and source copied (OFFICIAL, S1).  Only rows with value > 0 are written.
   * "Rest of world" (status ESTIMATE):
         RoW = World_partial_50 value / coverage_share(chapter) - sum(ten values)
     World_partial_50 is the sum of the 50 partners Census data are held for
     at HS10 (S1); coverage_share is World_partial_50 / full world by HS2
     chapter (census_2024/coverage_world_partial_50_by_hs2.csv, world from S2),
     chapter = first two digits of the heading.  The result is rounded to whole
     dollars; values <= 0 are clamped to 0 and the row is skipped (the count is
     printed).
   * description: short standard HS heading label (abridged HS 2022 wording)
     from HS4_DESCRIPTIONS below, for the largest headings by Pakistan value;
     empty for the rest.
   * Check printed: sum of Pakistan's values vs Pakistan's all-goods total in
     census_2024/us_imports_2024_hs2_focus.csv (hs_code ALL); the script stops
     if coverage is below 95%.

2. us_applied_tariffs_2024_hs4.csv  (product, exporter, rate_pct, status, source)

   * One row per row of file 1.
   * Ten exporters: rate_pct = 100 * calculated_duty_usd / value_usd of the
     same heading and exporter, rounded to 4 decimals (the 2024 applied rate:
     Census calculated duty CAL_DUT_YR over customs value).  Status DERIVED.
   * Rest of world: rate_pct = 100 * (World_partial_50 duty - ten's duty)
     / (World_partial_50 value - ten's value) of the heading, i.e. the rate of
     the other 40 partners held at HS10 (status DERIVED_PARTIAL).  If that
     value difference is <= 0 (or the duty difference is negative) the
     World_partial_50 ratio itself is used instead (also DERIVED_PARTIAL; the
     source text says which).

3. elasticities_hs2.csv  (hs_prefix, import_demand, substitution, export_supply, source)

   * A copy of elasticities/elasticities.csv with hs_chapter renamed hs_prefix
     (2-character string).  Values are copied as text (an empty cell stays
     empty).  The source text is kept; it is prefixed with
     "DERIVED (see data/elasticities notes): " only if it does not already
     say DERIVED.

4. us_additional_tariffs_2025_2026.csv  (regime, exporter, additional_pct, status, source)

   Additional US duties on top of the 2024 applied rate, for four regimes.
   The rates are READ FROM THE TARIFF FILES of the bundle (status PUBLISHED):

   * apr2025_announced: tariffs/tariffs_us_2025.csv, rows hs_chapter "all",
     column additional_rate_before_pct (2 Apr 2025, EO 14257 Annex I; Turkey
     was not on Annex I: 10% baseline).  China additionally carries the 20%
     IEEPA fentanyl duty in force since 4 Mar 2025 (tariff_timeline_2025_2026.csv),
     so that China is treated the same way as in aug2025_agreed.
   * aug2025_agreed: same rows, column additional_rate_after_pct (EO 14326
     Annex I, effective 7 Aug 2025); India + the 25% Russian-oil penalty from
     27 Aug 2025 (EO 14329, timeline); China = 10% reciprocal + 20% fentanyl
     (timeline).
   * feb2026_section122: the 10% Section 122 surcharge, 24 Feb - 23 Jul 2026
     (tariffs/us_tariff_measures_2026.csv).
   * jul2026_section301: the Section 301 forced-labor rates from 24 Jul 2026
     (tariffs/us_tariff_measures_2026.csv).

   Modelling choices (status ASSUMPTION, reason in the source column):
   Mexico = 0 in every regime (all goods assumed USMCA-qualifying, hence
   exempt); Rest of world = one rate for the aggregate (10, 10, 10, 0).
   REQUESTED below holds the rates of the data request; the script prints
   every cell where the tariff files give a different number.

Also written: nothing else.  sources.csv is copied separately (see docs).
"""

import csv
import os
import re
import sys

TEN = [
    "Pakistan", "China", "Vietnam", "Bangladesh", "India",
    "Cambodia", "Indonesia", "Sri Lanka", "Turkey", "Mexico",
]
ROW = "Rest of world"
EXPORTERS = TEN + [ROW]
WORLD_PARTIAL = "World_partial_50"
MIN_COVERAGE = 0.95
N_DESCRIBED_MIN = 40

# Standard HS heading names (abridged HS 2022 nomenclature wording, plain
# English, at most 40 characters).  9801 and 9999 are US-specific codes
# (HTSUS chapter 98 special provision; Census estimate of low-value shipments),
# not HS headings.
HS4_DESCRIPTIONS = {
    "0307": "Molluscs",
    "0902": "Tea",
    "0910": "Ginger, turmeric, thyme & other spices",
    "1006": "Rice",
    "1207": "Other oil seeds (incl. sesame)",
    "1302": "Vegetable saps, extracts & thickeners",
    "1702": "Other sugars (incl. glucose); syrups",
    "1905": "Bread, pastry, cakes & biscuits",
    "2103": "Sauces, condiments & seasonings",
    "2501": "Salt",
    "2526": "Natural steatite & talc",
    "2710": "Petroleum oils, not crude",
    "3907": "Polyethers, epoxides, polyesters (PET)",
    "3920": "Plastic plates, sheets & film",
    "3924": "Plastic tableware & household articles",
    "3926": "Other articles of plastics",
    "4011": "New pneumatic tyres, of rubber",
    "4202": "Trunks, suitcases, handbags & cases",
    "4203": "Leather apparel & clothing accessories",
    "5202": "Cotton waste",
    "5205": "Cotton yarn, >=85% cotton, not retail",
    "5208": "Woven cotton fabric, >=85%, <=200 g/m2",
    "5209": "Woven cotton fabric, >=85%, >200 g/m2",
    "5210": "Woven cotton fabric, <85%, <=200 g/m2",
    "5509": "Yarn of synthetic staple fibres",
    "5513": "Synthetic staple fabric mixed w/ cotton",
    "5701": "Carpets, knotted",
    "5702": "Carpets, woven",
    "6101": "Men's overcoats, anoraks, knit",
    "6102": "Women's overcoats, anoraks, knit",
    "6103": "Men's suits, jackets, trousers, knit",
    "6104": "Women's suits, dresses, trousers, knit",
    "6105": "Men's shirts, knit",
    "6106": "Women's blouses & shirts, knit",
    "6107": "Men's underwear & nightwear, knit",
    "6108": "Women's underwear & nightwear, knit",
    "6109": "T-shirts, singlets & vests, knit",
    "6110": "Sweaters, pullovers, sweatshirts, knit",
    "6111": "Babies' garments & accessories, knit",
    "6114": "Other garments, knit",
    "6115": "Hosiery & socks, knit",
    "6116": "Gloves, mittens & mitts, knit",
    "6201": "Men's overcoats, anoraks, woven",
    "6202": "Women's overcoats, anoraks, woven",
    "6203": "Men's suits, jackets, trousers, woven",
    "6204": "Women's suits, dresses, trousers, woven",
    "6205": "Men's shirts, woven",
    "6206": "Women's blouses & shirts, woven",
    "6207": "Men's underwear & nightwear, woven",
    "6211": "Tracksuits, swimwear & other garments",
    "6216": "Gloves, mittens & mitts, not knit",
    "6301": "Blankets & travelling rugs",
    "6302": "Bed, table, toilet & kitchen linen",
    "6303": "Curtains, blinds & bed valances",
    "6304": "Other furnishing articles (bedspreads)",
    "6307": "Other made-up textile articles",
    "6309": "Worn clothing & other worn articles",
    "6310": "Rags, scrap twine, cordage & rope",
    "6403": "Footwear with leather uppers",
    "7113": "Jewellery of precious metal",
    "7210": "Flat-rolled steel, >=600 mm, coated",
    "8211": "Knives with cutting blades",
    "8214": "Other cutlery (incl. manicure sets)",
    "8419": "Machinery for heating, cooling, drying",
    "8501": "Electric motors & generators",
    "9018": "Medical, surgical & dental instruments",
    "9404": "Mattresses, bedding, quilts & pillows",
    "9506": "Sports & outdoor games equipment",
    "9801": "US goods returned (HTSUS ch. 98)",
    "9999": "Low-value shipments (Census estimate)",
}

# Rates as requested in the data request, used only to report where the
# tariff files of the bundle give a different number.
REQUESTED = {
    "apr2025_announced": {
        "Pakistan": 29, "Bangladesh": 37, "Vietnam": 46, "India": 26,
        "Cambodia": 49, "Indonesia": 32, "Sri Lanka": 44, "China": 34,
        "Turkey": 10, "Mexico": 0, ROW: 10,
    },
    "aug2025_agreed": {
        "Pakistan": 19, "Bangladesh": 20, "Vietnam": 20, "India": 50,
        "Cambodia": 19, "Indonesia": 19, "Sri Lanka": 20, "Turkey": 15,
        "China": 30, "Mexico": 0, ROW: 10,
    },
    "feb2026_section122": dict({e: 10 for e in TEN}, Mexico=0, **{ROW: 10}),
    "jul2026_section301": {
        "Pakistan": 10, "Bangladesh": 10, "Cambodia": 10, "India": 10,
        "Indonesia": 10, "Sri Lanka": 10, "China": 12.5, "Vietnam": 12.5,
        "Turkey": 12.5, "Mexico": 0, ROW: 0,
    },
}
REGIMES = list(REQUESTED)


# ---------------------------------------------------------------- helpers

def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def write_csv(path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
    print(f"wrote {path}: {len(rows)} rows")


def fmt_rate(x):
    s = f"{round(x, 4):.4f}"
    return "0.0000" if s == "-0.0000" else s


def fmt_num(x):
    """Rates such as 10, 12.5 -> '10', '12.5'."""
    return f"{x:g}"


def first_number(text):
    m = re.match(r"\s*([0-9]+(?:\.[0-9]+)?)", text)
    if not m:
        raise ValueError(f"no leading number in {text!r}")
    return float(m.group(1))


# ---------------------------------------------------------------- 1 and 2

def derive_imports_and_rates(src, out_dir):
    rows = read_csv(os.path.join(src, "census_2024", "us_imports_2024_hs4.csv"))
    cells = {}  # (hs4, exporter) -> (value, duty, status, source)
    for r in rows:
        code = r["hs_code"]
        if len(code) != 4 or not code.isdigit():
            raise ValueError(f"unexpected HS4 code {code!r}")
        cells[(code, r["exporter"])] = (
            int(r["value_usd"]), int(r["calculated_duty_usd"]),
            r["status"], r["source"],
        )
    negative_duty = [k for k, v in cells.items() if v[1] < 0]
    if negative_duty:
        print(f"note: {len(negative_duty)} source cells have negative duty")

    coverage = {
        r["hs2"]: float(r["coverage_share"])
        for r in read_csv(os.path.join(
            src, "census_2024", "coverage_world_partial_50_by_hs2.csv"))
    }

    products = sorted(
        code for (code, exp), v in cells.items()
        if exp == "Pakistan" and v[0] > 0
    )

    row_value_src = (
        "DERIVED: World_partial_50 (S1) scaled to the full world by chapter "
        "coverage (coverage_world_partial_50_by_hs2.csv, from S2) minus the "
        "ten exporters"
    )
    rate_src = "DERIVED: Census calculated duty / customs value, 2024 (S1)"
    row_rate_src = (
        "DERIVED_PARTIAL: (World_partial_50 duty - ten exporters' duty) / "
        "(World_partial_50 value - ten exporters' value), 2024 (S1): the "
        "other partners held at HS10 only, not the full rest of world"
    )
    row_rate_fallback_src = (
        "DERIVED_PARTIAL: World_partial_50 calculated duty / customs value, "
        "2024 (S1), used because World_partial_50 minus the ten exporters "
        "is <= 0"
    )

    imports_out, rates_out = [], []
    clamped, fallbacks = [], []
    row_total_value = 0
    row_total_duty_weighted = 0.0
    for code in products:
        desc = HS4_DESCRIPTIONS.get(code, "")
        ten_value = ten_duty = 0
        for exp in TEN:
            v = cells.get((code, exp))
            if v is None:
                continue
            value, duty, status, source = v
            ten_value += value
            ten_duty += duty
            if value <= 0:
                continue
            imports_out.append([code, desc, exp, str(value), status, source])
            rates_out.append([code, exp, fmt_rate(100.0 * duty / value),
                              "DERIVED", rate_src])

        w = cells.get((code, WORLD_PARTIAL))
        if w is None:
            raise ValueError(f"no {WORLD_PARTIAL} row for heading {code}")
        w_value, w_duty = w[0], w[1]
        chapter = code[:2]
        if chapter not in coverage:
            raise ValueError(f"no coverage share for chapter {chapter}")
        row_value = int(round(w_value / coverage[chapter] - ten_value))
        if row_value <= 0:
            clamped.append((code, row_value))
            continue
        imports_out.append([code, desc, ROW, str(row_value), "ESTIMATE",
                            row_value_src])
        dv, dd = w_value - ten_value, w_duty - ten_duty
        if dv > 0 and dd >= 0:
            rate, src_text = 100.0 * dd / dv, row_rate_src
        else:
            rate, src_text = 100.0 * w_duty / w_value, row_rate_fallback_src
            fallbacks.append(code)
        rates_out.append([code, ROW, fmt_rate(rate), "DERIVED_PARTIAL",
                          src_text])
        row_total_value += row_value
        row_total_duty_weighted += rate / 100.0 * row_value

    write_csv(os.path.join(out_dir, "us_imports_2024_hs4.csv"),
              ["product", "description", "exporter", "value", "status",
               "source"], imports_out)
    write_csv(os.path.join(out_dir, "us_applied_tariffs_2024_hs4.csv"),
              ["product", "exporter", "rate_pct", "status", "source"],
              rates_out)

    # ---- checks and summary
    print(f"headings (Pakistan value > 0): {len(products)}")
    print(f"Rest of world cells clamped to 0 and skipped: {len(clamped)}"
          + (f" {clamped}" if clamped else ""))
    print(f"Rest of world rates using the World_partial_50 fallback: "
          f"{len(fallbacks)}" + (f" {fallbacks}" if fallbacks else ""))

    pak_sum = sum(int(r[3]) for r in imports_out if r[2] == "Pakistan")
    focus = read_csv(os.path.join(src, "census_2024",
                                  "us_imports_2024_hs2_focus.csv"))
    pak_all = [int(r["value_usd"]) for r in focus
               if r["exporter"] == "Pakistan" and r["hs_code"] == "ALL"]
    if len(pak_all) != 1:
        raise ValueError("Pakistan ALL row not found in hs2_focus")
    cov = pak_sum / pak_all[0]
    print(f"Pakistan: sum of HS4 values {pak_sum:,} vs all-goods total "
          f"{pak_all[0]:,} -> coverage {100 * cov:.4f}%")
    if cov < MIN_COVERAGE:
        sys.exit(f"ERROR: coverage {cov:.4f} below {MIN_COVERAGE}")
    ch9899 = [c for c in products if c[:2] in ("98", "99")]
    print(f"chapter 98/99 headings included: {ch9899}")

    pak = sorted(((int(r[3]), r[0]) for r in imports_out
                  if r[2] == "Pakistan"), key=lambda t: (-t[0], t[1]))
    missing = [c for _, c in pak[:N_DESCRIBED_MIN] if c not in HS4_DESCRIPTIONS]
    if missing:
        sys.exit(f"ERROR: no description for top headings {missing}")
    too_long = {k: v for k, v in HS4_DESCRIPTIONS.items() if len(v) > 40}
    if too_long:
        sys.exit(f"ERROR: descriptions over 40 characters: {too_long}")
    described = sum(1 for c in products if c in HS4_DESCRIPTIONS)
    print(f"headings with a description: {described}")

    rate_of = {(r[0], r[1]): r[2] for r in rates_out}
    print("top 10 headings by Pakistan value:")
    for value, code in pak[:10]:
        print(f"  {code}  {value:>15,}  {rate_of[(code, 'Pakistan')]:>8}%  "
              f"{HS4_DESCRIPTIONS.get(code, '')}")
    print(f"Rest of world, sum over the {len(products)} headings: "
          f"{row_total_value:,} US$; value-weighted applied rate "
          f"{100 * row_total_duty_weighted / row_total_value:.4f}%")
    ten_sum = {e: sum(int(r[3]) for r in imports_out if r[2] == e)
               for e in TEN}
    for e in TEN:
        print(f"  {e:<11} sum over these headings: {ten_sum[e]:>18,}")


# ---------------------------------------------------------------- 3

def derive_elasticities(src, out_dir):
    rows = read_csv(os.path.join(src, "elasticities", "elasticities.csv"))
    out = []
    for r in sorted(rows, key=lambda r: r["hs_chapter"]):
        prefix = r["hs_chapter"].zfill(2)
        if len(prefix) != 2:
            raise ValueError(f"unexpected chapter {r['hs_chapter']!r}")
        source = r["source"].replace(
            "Full refs: notes/tariffs-elasticities-and-first-estimates.md section 5",
            "Full references: docs/data-sources.md section 3")
        if "DERIVED" not in source:
            source = "DERIVED (see docs/data-sources.md section 3): " + source
        # Econometric estimates (medians of published estimates), not official figures.
        out.append([prefix, r["import_demand"], r["substitution"],
                    r["export_supply"], "ESTIMATE", source])
    empty = [o[0] for o in out if "" in o[1:4]]
    if empty:
        print(f"note: elasticity rows with an empty value: {empty}")
    write_csv(os.path.join(out_dir, "elasticities_hs2.csv"),
              ["hs_prefix", "import_demand", "substitution", "export_supply",
               "status", "source"], out)


# ---------------------------------------------------------------- 4

def derive_additional_tariffs(src, out_dir):
    tdir = os.path.join(src, "tariffs")
    t2025 = {r["exporter"]: r for r in read_csv(
        os.path.join(tdir, "tariffs_us_2025.csv")) if r["hs_chapter"] == "all"}
    timeline = read_csv(os.path.join(tdir, "tariff_timeline_2025_2026.csv"))
    m2026 = read_csv(os.path.join(tdir, "us_tariff_measures_2026.csv"))

    def timeline_rate(exporter, measure_part):
        hits = [r for r in timeline if r["exporter"] == exporter
                and measure_part in r["measure"]]
        if len(hits) != 1:
            raise ValueError(f"timeline: {exporter}/{measure_part}: "
                             f"{len(hits)} rows")
        return first_number(hits[0]["rate_pct"])

    def hts_after(exporter):
        m = re.search(r"HTS (9903\.0[12]\.\d\d)", t2025[exporter]["source"])
        return m.group(1) if m else ""

    baseline = timeline_rate("ALL (non-exempt)", "universal baseline")
    fentanyl = timeline_rate("China", "fentanyl")
    russian_oil = timeline_rate("India", "Russian-oil")
    s122 = [r for r in m2026 if r["measure"].startswith("Section 122")]
    s122_rate = float(s122[0]["additional_rate_pct"])
    s122_tl = timeline_rate("ALL (non-exempt)", "temporary import surcharge")
    if s122_rate != s122_tl:
        raise ValueError("Section 122 rate differs between files")
    s301 = {r["exporter"]: float(r["additional_rate_pct"]) for r in m2026
            if r["measure"].startswith("Section 301")}

    rows = {}  # (regime, exporter) -> (pct, status, source)

    # apr2025_announced
    for e in TEN:
        before = float(t2025[e]["additional_rate_before_pct"])
        if e == "Mexico":
            rows[("apr2025_announced", e)] = (0.0, "ASSUMPTION", (
                "ASSUMPTION: all Mexican goods taken as USMCA-qualifying, "
                "exempt from IEEPA duties and not on EO 14257 Annex I; "
                "non-USMCA goods paid 25% (HTS 9903.01.01) - not modelled "
                "(tariffs_us_2025.csv; tariff_timeline_2025_2026.csv)"))
        elif e == "China":
            rows[("apr2025_announced", e)] = (before + fentanyl, "PUBLISHED", (
                f"EO 14257 Annex I {before:g}% (HTS 9903.01.63, "
                f"tariffs_us_2025.csv) + {fentanyl:g}% IEEPA fentanyl duty in "
                "force since 4 Mar 2025 (EO 14195; tariff_timeline_2025_2026."
                "csv, dates unverified there); the April escalation to "
                "84%/125% is not modelled"))
        elif e == "Turkey":
            rows[("apr2025_announced", e)] = (before, "PUBLISHED", (
                f"Not on EO 14257 Annex I: {before:g}% universal baseline "
                "(HTS 9903.01.25) (tariffs_us_2025.csv; "
                "tariff_timeline_2025_2026.csv)"))
        else:
            rows[("apr2025_announced", e)] = (before, "PUBLISHED", (
                "EO 14257 Annex I, announced 2 Apr 2025, HTS U.S. note "
                "2(v)(xviii); suspended from 10 Apr 2025 by EO 14266 (10% "
                "baseline collected instead) (tariffs_us_2025.csv)"))
    rows[("apr2025_announced", ROW)] = (baseline, "ASSUMPTION", (
        f"ASSUMPTION: one rate for all other countries = the {baseline:g}% "
        "universal baseline (EO 14257, HTS 9903.01.25, "
        "tariff_timeline_2025_2026.csv); many of them had higher Annex I "
        "rates (e.g. Thailand 36, Malaysia 24), so this understates"))

    # aug2025_agreed
    for e in TEN:
        after = float(t2025[e]["additional_rate_after_pct"])
        if e == "Mexico":
            rows[("aug2025_agreed", e)] = (0.0, "ASSUMPTION", (
                "ASSUMPTION: all Mexican goods taken as USMCA-qualifying, "
                "exempt from IEEPA duties; non-USMCA goods paid 25% "
                "(HTS 9903.01.01) - not modelled (tariffs_us_2025.csv; "
                "tariff_timeline_2025_2026.csv)"))
        elif e == "China":
            rows[("aug2025_agreed", e)] = (after + fentanyl, "PUBLISHED", (
                f"{after:g}% reciprocal from 14 May 2025 (HTS 9903.01.25) + "
                f"{fentanyl:g}% IEEPA fentanyl duty (EO 14195; cut to 10% "
                "from 10 Nov 2025) (tariffs_us_2025.csv; "
                "tariff_timeline_2025_2026.csv)"))
        elif e == "India":
            rows[("aug2025_agreed", e)] = (after + russian_oil, "PUBLISHED", (
                f"EO 14326 Annex I {after:g}% (HTS {hts_after(e)}) + "
                f"{russian_oil:g}% Russian-oil penalty from 27 Aug 2025 "
                "(EO 14329, HTS 9903.01.84; terminated 7 Feb 2026) "
                "(tariffs_us_2025.csv; tariff_timeline_2025_2026.csv)"))
        else:
            rows[("aug2025_agreed", e)] = (after, "PUBLISHED", (
                f"EO 14326 Annex I, effective 7 Aug 2025, HTS {hts_after(e)} "
                "(tariffs_us_2025.csv)"))
    rows[("aug2025_agreed", ROW)] = (baseline, "ASSUMPTION", (
        f"ASSUMPTION: one rate for all other countries = the {baseline:g}% "
        "minimum rate of EO 14326 (tariff_timeline_2025_2026.csv); many "
        "partners had 15-40% (e.g. Thailand 19, Jordan 15, Myanmar 40), so "
        "this understates"))

    # feb2026_section122
    s122_src = (
        f"Section 122 surcharge {s122_rate:g}% (Trade Act 1974 s.122, HTS "
        "9903.03.01), entries 24 Feb - 23 Jul 2026; product exemptions "
        "9903.03.02-.11 not modelled (us_tariff_measures_2026.csv; "
        "tariff_timeline_2025_2026.csv)")
    for e in TEN:
        if e == "Mexico":
            rows[("feb2026_section122", e)] = (0.0, "ASSUMPTION", (
                "ASSUMPTION: USMCA goods are exempt from the Section 122 "
                "surcharge (9903.03.02-.11) and all Mexican goods are taken "
                "as USMCA-qualifying (us_tariff_measures_2026.csv)"))
        else:
            rows[("feb2026_section122", e)] = (s122_rate, "PUBLISHED",
                                               s122_src)
    rows[("feb2026_section122", ROW)] = (s122_rate, "ASSUMPTION", (
        f"ASSUMPTION: the {s122_rate:g}% Section 122 surcharge on all "
        "countries applied to the whole aggregate; exempt goods (Canada's "
        "USMCA goods, CAFTA-DR textiles and apparel, s.232 goods, energy, "
        "pharma) are ignored, so this overstates (us_tariff_measures_2026.csv)"))

    # jul2026_section301
    for e in TEN:
        if e not in s301:
            raise ValueError(f"no Section 301 rate for {e}")
        if e == "Mexico":
            rows[("jul2026_section301", e)] = (0.0, "ASSUMPTION", (
                f"ASSUMPTION: Section 301 forced-labor rate for Mexico is "
                f"{s301[e]:g}% with USMCA-compliant goods exempt; all Mexican "
                f"goods taken as USMCA-qualifying (the non-USMCA {s301[e]:g}% "
                "is not modelled) (us_tariff_measures_2026.csv)"))
        else:
            rows[("jul2026_section301", e)] = (s301[e], "PUBLISHED", (
                "Section 301 forced-labor action (USTR-2026-0265/0266), from "
                "24 Jul 2026, replaces Section 122 (us_tariff_measures_2026.csv"
                "; secondary sources S4, S5; final notice text not seen)"))
    rows[("jul2026_section301", ROW)] = (0.0, "ASSUMPTION", (
        "ASSUMPTION: 0 for all other countries - the Section 122 surcharge "
        "expired 23 Jul 2026 and the Section 301 rates of the other "
        "investigated economies (about 60 in all) are not in the data; this "
        "understates (us_tariff_measures_2026.csv)"))

    out = []
    discrepancies = []
    for regime in REGIMES:
        for e in EXPORTERS:
            pct, status, source = rows[(regime, e)]
            out.append([regime, e, fmt_num(pct), status, source])
            asked = REQUESTED[regime][e]
            if abs(asked - pct) > 1e-9:
                discrepancies.append((regime, e, asked, pct))
    write_csv(os.path.join(out_dir, "us_additional_tariffs_2025_2026.csv"),
              ["regime", "exporter", "additional_pct", "status", "source"],
              out)
    if discrepancies:
        print("requested rate differs from the tariff files "
              "(file value used):")
        for regime, e, asked, pct in discrepancies:
            print(f"  {regime} {e}: requested {asked:g}, files {pct:g}")
    else:
        print("all requested regime rates agree with the tariff files")


# --------------------------------------------------------------------------
# 5. The two-market apparel data of pakistan-multimarket-2025.toml (GSIM)
# --------------------------------------------------------------------------

NINE = ["Pakistan", "China", "Vietnam", "Bangladesh", "India", "Cambodia",
        "Indonesia", "Sri Lanka", "Turkey"]
# Each exporter's sales outside the US (HS 61+62), US$ million, from
# world/rest_of_world_derived.csv: the rows used, by exporter.
ROW_ROWS = {
    "Pakistan": [("2024 (Jan-Dec)", "61"), ("2024 (Jan-Dec)", "62")],
    "China": [("2024", "61"), ("2024", "62")],
    "India": [("2024", "61"), ("2024", "62")],
    "Indonesia": [("2024", "61"), ("2024", "62")],
    "Vietnam": [("2024", "SITC 84 ~ HS 61+62")],
    "Bangladesh": [("2024", "SITC 84 ~ HS 61+62")],
    "Cambodia": [("2024", 'garments (~HS 61,62)')],
    "Sri Lanka": [("2024", "apparel (~HS 61,62)")],
    "Turkey": [("2023/2024 mix", "ready-to-wear (~HS 61,62)")],
}
OTHER = "Rest of world"          # every other exporter, Mexico included
MARKET_US = "United States"
MARKET_ROW = "Rest of world"     # the same region as OTHER: its sales to itself sit on the diagonal


def derive_multimarket(src, out_dir):
    """Apparel (HS 61+62) in two markets: the US and the rest of the world.

    * US imports by exporter: Census 2024 (us_imports_2024_hs2_focus.csv),
      chapters 61 + 62, OFFICIAL.  "Rest of world" = the file's Rest of world
      (World minus the ten) plus Mexico.
    * Sales to the rest of the world: world/rest_of_world_derived.csv
      (exporter-reported world exports minus the US mirror), status as there.
    * Rest of world's sales to itself (intra-RoW trade): not in the data.
      ESTIMATE = its US sales x (the nine exporters' RoW sales / their US sales).
    * US applied tariff: calculated duty / value over 61 + 62 (DERIVED).
      The rest of the world's tariff on apparel: ASSUMPTION 8% for every
      exporter (MFN rates of major importers are 10-12% but preferences such as
      EU GSP+/EBA cut them to 0 for several of these exporters); it does not
      change in the scenario, so its level only affects expenditure shares.
    """
    rows = read_csv(os.path.join(src, "census_2024", "us_imports_2024_hs2_focus.csv"))
    us_value, us_duty = {}, {}
    for r in rows:
        if r["hs_code"] not in ("61", "62"):
            continue
        name = r["exporter"]
        if name == "Mexico":
            name = OTHER
        if name not in NINE and name != OTHER:
            continue
        us_value[name] = us_value.get(name, 0.0) + float(r["value_usd"])
        us_duty[name] = us_duty.get(name, 0.0) + float(r["calculated_duty_usd"])
    row_data = read_csv(os.path.join(src, "world", "rest_of_world_derived.csv"))
    row_value, row_status = {}, {}
    for name, keys in ROW_ROWS.items():
        total, statuses = 0.0, set()
        for year, code in keys:
            hit = [r for r in row_data if r["exporter"] == name and r["year"] == year
                   and r["hs_code_or_group"] == code]
            if len(hit) != 1:
                sys.exit(f"rest_of_world_derived.csv: expected one row for {name} {year} {code}, found {len(hit)}")
            total += float(hit[0]["value_usd_millions"]) * 1e6
            statuses.add(hit[0]["status"])
        row_value[name] = total
        row_status[name] = "ESTIMATE" if "ESTIMATE" in statuses else "DERIVED"
    ratio = sum(row_value[n] for n in NINE) / sum(us_value[n] for n in NINE)
    row_value[OTHER] = us_value[OTHER] * ratio
    row_status[OTHER] = "ESTIMATE"

    trade = []
    tariffs = []
    product, desc = "61-62", "Apparel (HS 61 + 62)"
    for name in NINE + [OTHER]:
        us_src = ("Census 2024 imports for consumption, HS 61 + 62 (S2)" if name != OTHER
                  else "Census 2024, HS 61 + 62: Rest of world (World minus the ten) plus Mexico (S2)")
        trade.append([product, desc, name, MARKET_US, f"{us_value[name]:.0f}", "OFFICIAL" if name != OTHER else "DERIVED", us_src])
        if name == OTHER:
            row_src = (f"ESTIMATE: intra-rest-of-world trade is not in the data; = its US sales x {ratio:.4f}, "
                       "the nine exporters' ratio of rest-of-world to US apparel sales")
        else:
            row_src = ("world/rest_of_world_derived.csv: exporter-reported world exports minus the US mirror "
                       "(mixed bases; see docs/data-sources.md)")
        trade.append([product, desc, name, MARKET_ROW, f"{row_value[name]:.0f}", row_status[name], row_src])
        rate = 100.0 * us_duty[name] / us_value[name]
        tariffs.append([product, name, MARKET_US, fmt_rate(rate), "DERIVED", "Census calculated duty / customs value, 2024, HS 61 + 62 (S2)"])
        tariffs.append([product, name, MARKET_ROW, "8", "ASSUMPTION",
                        "ASSUMPTION: one 8% rate for the rest of the world's apparel imports (MFN 10-12% in major markets, 0 under EU GSP+/EBA); unchanged in the scenario"])
    write_csv(os.path.join(out_dir, "pakistan_apparel_two_markets_trade.csv"),
              ["product", "description", "exporter", "importer", "value", "status", "source"], trade)
    write_csv(os.path.join(out_dir, "pakistan_apparel_two_markets_tariffs.csv"),
              ["product", "exporter", "importer", "rate_pct", "status", "source"], tariffs)
    # Elasticities per region: the US from the chapter medians of elasticities.csv,
    # weighted by 2024 US world imports of chapters 61 and 62; the rest of the world
    # assumed alike; export supply 1.5 everywhere (the GSIM 4x4 teaching value).
    el = {r["hs_chapter"]: r for r in read_csv(os.path.join(src, "elasticities", "elasticities.csv"))}
    world = {r["hs_code"]: float(r["value_usd"]) for r in rows if r["exporter"] == "World" and r["hs_code"] in ("61", "62")}
    wsum = world["61"] + world["62"]
    eps = sum(float(el[c]["import_demand"]) * world[c] for c in ("61", "62")) / wsum
    sig = sum(float(el[c]["substitution"]) * world[c] for c in ("61", "62")) / wsum
    us_src = ("DERIVED: chapter 61/62 medians of elasticities.csv (import demand Hauk 2012, substitution "
              "Broda & Weinstein 2006) weighted by 2024 US world imports of each chapter")
    regions = [[MARKET_US, f"{eps:.4f}", f"{sig:.4f}", "", "DERIVED", us_src + "; no US apparel exports in the data, so no supply elasticity"],
               [MARKET_ROW, f"{eps:.4f}", f"{sig:.4f}", "1.5", "ASSUMPTION",
                "ASSUMPTION: demand and substitution as in the US market; export supply 1.5 (the GSIM 4x4 teaching value)"]]
    for name in NINE:
        regions.append([name, "", "", "1.5", "ASSUMPTION", "ASSUMPTION: export supply elasticity 1.5 (the GSIM 4x4 teaching value); exporters do not import apparel in this scenario"])
    write_csv(os.path.join(out_dir, "pakistan_apparel_two_markets_elasticities.csv"),
              ["region", "import_demand", "substitution", "export_supply", "status", "source"], regions)
    print(f"two-market apparel: US imports {sum(us_value.values())/1e6:,.1f} $M, "
          f"rest-of-world sales {sum(row_value.values())/1e6:,.1f} $M (ratio {ratio:.4f})")


def main(argv):
    if len(argv) != 2:
        sys.exit("usage: python3 derive.py <path to the source data bundle>")
    src = argv[1]
    out_dir = os.path.dirname(os.path.abspath(__file__))
    derive_imports_and_rates(src, out_dir)
    derive_elasticities(src, out_dir)
    derive_additional_tariffs(src, out_dir)
    derive_multimarket(src, out_dir)


if __name__ == "__main__":
    main(sys.argv)
