#!/usr/bin/env python3
"""Derive the US tariff-schedule data of `tariffsim rates` from the shared data bundle.

Usage (from the project root; needs pyarrow for the HS10 parquet files):

    python3 scenarios/data/us_schedule/derive.py ../shared/data <tracker-repo-git-dir>

Inputs: the shared bundle (census_2024/, tariffs/) and the tracker repository
github.com/tradewartracker/trade-war-redux-2025 at commit 726c5958e1e43eb08ac076a1e602ae3149164b03
(its data/2024-hs10-imports{CTY_CODE}.parquet files, the same HS10 lines the shared coverage
table was made from). Outputs, in this folder:

* imports_2024_hs6.csv   hs6, cty_code, value_usd, duty_usd (partner names in partners.csv)
* partners.csv           cty_code, partner, iso3, status, source_id (Rest of world: code ROW)
* lists.csv              bit, list, what, status, source_id
* line_classes_hs6.csv   hs6, cty_code, mask, value_usd: the 2024 value of the HS6 x partner cell
                         in HS10 lines that are on exactly the lists of `mask` (bits of lists.csv);
                         mask 0 is not written (it is the rest of the cell)
* measures.csv, partner_rates.csv, additional_by_partner_date_check.csv: the shared tables,
  needed columns only, the long source text replaced by an id of sources.csv.
* sources.csv            the citations of those ids (one source table)
"""
import csv
import io
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pyarrow.parquet as pq

COMMIT = "726c5958e1e43eb08ac076a1e602ae3149164b03"
OUT = Path(__file__).resolve().parent
ROW = "ROW"

# HS lists of tariffs/lists/, one bit each. The timber list is split by category (softwood
# pays another rate), and the two lists whose padded codes the notes read as 8-digit
# subheadings (notes §10) are written in that reading.
LISTS = [
    "eo14257-annex-II-exemptions",
    "eo14257-consumer-electronics-apr11",
    "eo14360-ag-exemptions-nov14",
    "eo14323-brazil-exemptions-non-aircraft",
    "eo14323-brazil-exemptions-aircraft",
    "s232-steel",
    "s232-aluminum",
    "s232-autos-parts",
    "s232-copper",
    "s232-metals-annex-IA",
    "s232-metals-annex-IB",
    "s232-metals-annex-II-removed",
    "s232-metals-annex-III-temporary",
    "s122-product-exemptions",
    "s122-specific-exemptions",
    "s122-aircraft-exemptions",
    "s301-brazil-exemptions",
    "s338-canada-alcohol",
    "s338-canada-dairy",
    "s338-canada-autos",
    "s338-canada-aircraft-exempt",
    "s232-timber-softwood",
    "s232-timber-furniture-cabinets",
    "s301-labor-annexA-provisional",
    "s301-labor-cafta-dr-textile-chapters",
]
HS8_READING = {"eo14257-annex-II-exemptions", "s232-aluminum"}


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def write_csv(name, header, rows):
    with open(OUT / name, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def list_codes(shared, name):
    if name.startswith("s232-timber-"):
        cats = {"softwood"} if name.endswith("softwood") else {"furniture", "cabinet"}
        rows = read_csv(shared / "tariffs/lists/s232-timber.csv")
        codes = [r["hts_code"] for r in rows if r["category"] in cats]
        assert codes, name
        return codes
    return [r["hts_code"] for r in read_csv(shared / f"tariffs/lists/{name}.csv")]


def largest_remainder(total, weights):
    """Whole dollars in proportion to `weights`, adding up to `total` exactly."""
    wsum = sum(weights.values())
    exact = {k: total * w / wsum for k, w in weights.items()}
    out = {k: int(x) for k, x in exact.items()}
    left = total - sum(out.values())
    for k in sorted(exact, key=lambda k: (out[k] - exact[k], k))[:left]:
        out[k] += 1
    return out


def main():
    shared, repo = Path(sys.argv[1]), sys.argv[2]
    hs6_rows = read_csv(shared / "census_2024/us_imports_2024_hs6_partners.csv")
    partners = {}
    for r in hs6_rows:
        code = r["cty_code"] or ROW
        partners.setdefault(code, (r["partner"], r["iso3"], r["status"]))
    held = [c for c in partners if c != ROW]
    assert len(held) == 50, len(held)

    # HS10 lines of the 50 held partners.
    lines = defaultdict(list)  # cty -> [(hs10, value)]
    for cty in held:
        blob = subprocess.run(
            ["git", "--git-dir", repo, "show", f"{COMMIT}:data/2024-hs10-imports{cty}.parquet"],
            check=True, capture_output=True).stdout
        t = pq.read_table(io.BytesIO(blob), columns=["HS10", "CON_VAL_YR"]).to_pylist()
        lines[cty] = [(x["HS10"], int(x["CON_VAL_YR"])) for x in t]
    all_hs10 = {h for cty in held for h, _ in lines[cty]}

    # Each list's codes; the HS8 reading of padded codes matching no 2024 line.
    codes = {}
    for name in LISTS:
        cs = list_codes(shared, name)
        if name in HS8_READING:
            cs = [c[:8] if len(c) == 10 and c.endswith("00") and c not in all_hs10 else c for c in cs]
        codes[name] = cs
    by_len = {name: defaultdict(set) for name in LISTS}
    for name, cs in codes.items():
        for c in cs:
            by_len[name][len(c)].add(c)

    def mask_of(hs10):
        m = 0
        for bit, name in enumerate(LISTS):
            for k, cs in by_len[name].items():
                if hs10[:k] in cs:
                    m |= 1 << bit
                    break
        return m

    masks = {h: mask_of(h) for h in all_hs10}
    cells = defaultdict(lambda: defaultdict(int))  # (hs6, cty) -> mask -> value
    pooled = defaultdict(lambda: defaultdict(int))  # hs6 -> mask -> value (held partners)
    for cty in held:
        for h, v in lines[cty]:
            cells[(h[:6], cty)][masks[h]] += v
            pooled[h[:6]][masks[h]] += v

    # Every held partner's HS10 sums equal its HS6 row (the weights of the schedule).
    hs6_value = {(r["hs6"], r["cty_code"] or ROW): int(r["value_usd"]) for r in hs6_rows}
    for key, ms in cells.items():
        assert sum(ms.values()) == hs6_value.get(key, 0), key
    # Rest of world: pooled held-partner HS10 mix inside each HS6 (ESTIMATE, as the shared table).
    out = []
    for (hs6, cty), value in hs6_value.items():
        if cty == ROW:
            pool = pooled[hs6]
            tot = sum(pool.values())
            ms = largest_remainder(value, pool) if tot > 0 else {}
        else:
            ms = cells.get((hs6, cty), {})
        for m, v in sorted(ms.items()):
            if m != 0 and v > 0:
                out.append((hs6, cty, m, v))
    out.sort()
    write_csv("line_classes_hs6.csv", ["hs6", "cty_code", "mask", "value_usd"], out)

    # Checks against the shared coverage table (prefix reading): every list's share of every
    # held-partner cell is the same; Rest of world within the rounding of its whole dollars; the
    # 8-digit reading adds exactly the value the shared checks file gives.
    cov = defaultdict(float)
    covered = defaultdict(int)
    for r in read_csv(shared / "tariffs/us_list_coverage_hs6_partner.csv"):
        cov[(r["list"], r["hs6"], r["partner"])] = float(r["value_share"])
        if r["status"] == "DERIVED":
            covered[r["list"]] += int(r["covered_value_usd"])
    name_of = {c: p[0] for c, p in partners.items()}
    code_of = {p[0]: c for c, p in partners.items()}
    worst_held = worst_row = 0.0
    for bit, name in enumerate(LISTS):
        mine = defaultdict(float)
        held_value = 0
        for hs6, cty, m, v in out:
            if m >> bit & 1:
                mine[(name, hs6, name_of[cty])] += v / hs6_value[(hs6, cty)]
                held_value += v if cty != ROW else 0
        if name in HS8_READING:
            extra = {"eo14257-annex-II-exemptions": 344900051189, "s232-aluminum": 7308210054}[name]
            assert held_value - covered[name] == extra, (name, held_value - covered[name])
            continue
        if name.startswith("s232-timber-"):
            continue
        for k in set(mine) | {k for k in cov if k[0] == name}:
            d = abs(mine.get(k, 0.0) - cov.get(k, 0.0))
            if k[2] == "Rest of world":
                # the shared share is rounded to 6 decimals; ours to whole dollars per class
                worst_row = max(worst_row, (d - 5e-7) * hs6_value[(k[1], ROW)])
            else:
                worst_held = max(worst_held, d)
    print(f"held partners: max |share difference| {worst_held:.1e}; Rest of world: max {worst_row:.2f} dollars beyond the 6-decimal rounding")
    assert worst_held <= 5e-7 and worst_row < 20

    write_csv("imports_2024_hs6.csv", ["hs6", "cty_code", "value_usd", "duty_usd"],
              [(r["hs6"], r["cty_code"] or ROW, r["value_usd"], r["duty_usd"]) for r in hs6_rows])
    write_csv("partners.csv", ["cty_code", "partner", "iso3", "status", "source_id"],
              [(c, p[0], p[1], p[2], "S1" if c != ROW else "S1+S2") for c, p in partners.items()])
    index = {r["list"]: r for r in read_csv(shared / "tariffs/us_measures_lists_index.csv")}
    rows = []
    for bit, name in enumerate(LISTS):
        base = "s232-timber" if name.startswith("s232-timber-") else name
        what = index[base]["what"]
        if name.startswith("s232-timber-"):
            what += " (categories: " + name.removeprefix("s232-timber-").replace("-", ", ") + ")"
        if name in HS8_READING:
            what += "; codes ending in 00 that match no 2024 HS10 line read as their 8-digit subheading"
        rows.append((bit, name, what, index[base]["status"], "S6" if index[base]["status"] == "PUBLISHED" else "S6+S7"))
    write_csv("lists.csv", ["bit", "list", "what", "status", "source_id"], rows)

    m = read_csv(shared / "tariffs/us_measures_2025_2026.csv")
    cols = ["id", "authority", "legal_reference", "start_date", "end_date", "who", "rate_pct", "kind",
            "product_scope", "status"]
    write_csv("measures.csv", cols + ["source_id"], [[r[c] for c in cols] + ["B1+S4+S7"] for r in m])
    pr = read_csv(shared / "tariffs/us_measures_2025_2026_partner_rates.csv")
    cols = ["measure_id", "partner", "cty_code", "rate_pct", "tracker_rate_pct", "row_type", "status"]
    write_csv("partner_rates.csv", cols + ["source_id"], [[r[c] for c in cols] + ["B1+S4+S7"] for r in pr])
    ck = read_csv(shared / "tariffs/us_additional_by_partner_date_check.csv")
    cols = ["date", "partner", "cty_code", "panel_date_used", "tracker_additional_tariff_pct",
            "tracker_engine_annex2_hs8_pct", "weights_2024_imports_usd", "status"]
    write_csv("additional_by_partner_date_check.csv", cols + ["source_id"],
              [[r[c] for c in cols] + ["B1+S4+S7"] for r in ck if r["cty_code"]])

    # One source table: the bundle's citations of the ids used here, and the bundle itself.
    src = [r for r in read_csv(shared / "sources.csv") if r["source_id"] in {"S1", "S2", "S4", "S6", "S7"}]
    header = list(src[0].keys())
    bundle = dict.fromkeys(header, "")
    bundle.update({
        "source_id": "B1",
        "kind": "project source data bundle (derived tables and notes)",
        "citation": "shared data bundle: census_2024/us_imports_2024_hs6_partners.csv, "
                    "tariffs/us_measures_2025_2026.csv, tariffs/us_measures_2025_2026_partner_rates.csv, "
                    "tariffs/us_measures_lists_index.csv, tariffs/lists/*.csv, "
                    "tariffs/us_additional_by_partner_date_check.csv, notes/us-measures-and-partners.md "
                    "(all made by its derive_us_measures.py from S1, S2, S4, S6, S7 at commit " + COMMIT + ")",
        "what_it_holds": "the measures, partner rates, lists and check figures copied here (needed columns only)",
    })
    write_csv("sources.csv", header, [[r[h] for h in header] for r in src + [bundle]])


if __name__ == "__main__":
    main()
