#!/usr/bin/env python3
"""Write hs6_descriptions.csv: a name for every HS6 code of imports_2024_hs6.csv.

Usage (from the project root):  python3 scenarios/data/us_schedule/derive_descriptions.py ../shared/data

Names come from the shared bundle's hs/hs_descriptions.csv (source S11 of sources.csv: the UN
Comtrade HS classification, public domain), HS6 rows only, kept for the codes the imports
table uses. Codes that file lacks (US chapter 98 provisions, a few codes outside its HS
edition) get the short names in MISSING, written for this project (source P1).
"""
import csv
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent
MISSING = {
    "291800": "Carboxylic acids with additional oxygen function (heading 2918, code not in the HS file)",
    "980100": "US goods returned (HTSUS 9801, US-specific)",
    "980200": "Articles assembled abroad with US components (HTSUS 9802, US-specific)",
    "980800": "Articles imported for US government use (HTSUS 9808, US-specific)",
    "981000": "Articles for educational and scientific institutions (HTSUS 9810, US-specific)",
    "981200": "Articles for agricultural or horticultural experiments (HTSUS 9812, US-specific)",
    "981700": "Articles for special uses (HTSUS 9817, US-specific)",
    "999995": "Low-value shipments, estimated (Census 9999, not a product)",
}


def main(shared: Path) -> None:
    names = {}
    with open(shared / "hs" / "hs_descriptions.csv", newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if r["level"] == "6":
                names[r["hscode"]] = (r["description"], "S11")
    with open(OUT / "imports_2024_hs6.csv", newline="") as f:
        codes = sorted({r["hs6"] for r in csv.DictReader(f)})
    with open(OUT / "hs6_descriptions.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["hs6", "description", "source_id"])
        for c in codes:
            d, s = names.get(c) or (MISSING[c], "P1")
            w.writerow([c, d, s])


if __name__ == "__main__":
    main(Path(sys.argv[1]))
