#!/usr/bin/env python3
"""tariffsim and the polars peer agree per flow: bench/agree.py TARIFFSIM_FLOWS.csv PEER.csv

Joins the two flow tables on product x exporter and checks trade_creation, trade_diversion,
total_effect and new_value to 1e-9 relative, relative to the largest of the two values and the
flow's base value (a diversion near zero is a difference of large numbers; its error is
relative to them). tariffsim writes 12 significant digits, so up to 5e-12 of the gap is
its rounding. Exits 1 when any flow disagrees or a flow is missing on either side.
"""
import sys
import polars as pl

TOL = 1e-9
COLUMNS = ["trade_creation", "trade_diversion", "total_effect", "new_value"]


def main():
    ours_path, peer_path = sys.argv[1], sys.argv[2]
    key = {"product": pl.String, "exporter": pl.String}
    ours = pl.read_csv(ours_path, schema_overrides=key).select(["product", "exporter", "base_value"] + COLUMNS)
    peer = pl.read_csv(peer_path, schema_overrides=key).select(["product", "exporter"] + COLUMNS)
    joined = ours.join(peer, on=["product", "exporter"], how="full", suffix="_peer", coalesce=True)
    missing = joined.filter(pl.any_horizontal([pl.col(c).is_null() for c in COLUMNS + [c + "_peer" for c in COLUMNS]]))
    worst = 0.0
    bad = 0
    for c in COLUMNS:
        a, b = pl.col(c), pl.col(c + "_peer")
        scale = pl.max_horizontal(a.abs(), b.abs(), pl.col("base_value").abs())
        rel = joined.select(((a - b).abs() / pl.when(scale > 0).then(scale).otherwise(1.0)).alias("r"))["r"]
        worst = max(worst, rel.max() or 0.0)
        bad += int((rel > TOL).sum())
    print(f"flows: {len(ours)} tariffsim, {len(peer)} peer, {len(missing)} unmatched; "
          f"largest relative gap {worst:.2e} (tolerance {TOL:g}); {bad} values beyond it")
    sys.exit(1 if bad or len(missing) or len(ours) != len(peer) else 0)


if __name__ == "__main__":
    main()
