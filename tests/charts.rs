//! End-to-end tests of the charts: SVG twins that parse as XML and keep their text, the
//! resolution written into the PNGs, subtitles from the scenario's rules and the warning
//! for a name that contradicts them, and short labels in comparisons.

mod common;

use quick_xml::Reader;
use quick_xml::events::Event;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_tariffsim");

fn run(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().expect("binary runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The small fixture with Pakistan's additional duty going from 29% to `after`, under
/// `name`; returns the scenario file.
fn deal(tag: &str, name: &str, after: u32) -> PathBuf {
    let dir = common::fixture_copy("charts", tag);
    let base = std::fs::read_to_string(dir.join("scenario.toml")).unwrap();
    let base = base[..base.find("[[policy]]").unwrap()].replace(
        "name = \"Worked example: Pakistan's 15% tariff on towels cut to zero\"",
        &format!("name = \"{name}\""),
    );
    let file = dir.join("deal.toml");
    std::fs::write(
        &file,
        format!(
            "{base}\n[[before]]\nexporter = \"Pakistan\"\nset_pct = 29\n\n[[policy]]\nexporter = \"Pakistan\"\nset_pct = {after}\n"
        ),
    )
    .unwrap();
    file
}

/// Every text node of an SVG document, checked to parse as XML from start to end.
fn svg_texts(path: &Path) -> Vec<String> {
    let xml = std::fs::read_to_string(path).unwrap();
    let mut reader = Reader::from_str(&xml);
    let mut texts = Vec::new();
    let mut elements = 0;
    let mut in_text = false;
    loop {
        match reader.read_event() {
            Ok(Event::Eof) => break,
            Ok(Event::Start(e)) => {
                elements += 1;
                in_text = e.name().0 == "text";
                if in_text {
                    texts.push(String::new());
                }
            }
            Ok(Event::Empty(_)) => elements += 1,
            Ok(Event::End(_)) => in_text = false,
            Ok(Event::Text(t)) if in_text => {
                if let Some(last) = texts.last_mut() {
                    last.push_str(&t.into_inner());
                }
            }
            Ok(Event::GeneralRef(r)) if in_text => {
                // An escaped character (&amp;, &lt;) inside a text node.
                let name = r.into_inner().into_owned();
                let c = match name.as_str() {
                    "amp" => "&",
                    "lt" => "<",
                    "gt" => ">",
                    "quot" => "\"",
                    "apos" => "'",
                    _ => "?",
                };
                if let Some(last) = texts.last_mut() {
                    last.push_str(c);
                }
            }
            Ok(_) => {}
            Err(e) => panic!(
                "{} is not well-formed XML at byte {}: {e}",
                path.display(),
                reader.buffer_position()
            ),
        }
    }
    assert!(elements > 10, "{}: {elements} elements", path.display());
    texts.iter().map(|t| t.trim().to_string()).collect()
}

fn png_dpi(path: &Path) -> u32 {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()));
    let reader = decoder.read_info().unwrap();
    let dims = reader.info().pixel_dims.expect("a pHYs chunk");
    assert_eq!(dims.unit, png::Unit::Meter);
    assert_eq!(dims.xppu, dims.yppu);
    (f64::from(dims.xppu) * 0.0254).round() as u32
}

#[test]
fn svg_twins_parse_as_xml_and_keep_their_titles_as_text() {
    let file = deal("svg", "Pakistan 29% to 19% & more", 19);
    let out = file.parent().unwrap().join("out");
    let o = run(&[
        "run",
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--format",
        "png,svg",
        "--dpi",
        "300",
        "-q",
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let mut charts = 0;
    for entry in std::fs::read_dir(&out).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "png") {
            charts += 1;
            assert_eq!(png_dpi(&path), 300, "{}", path.display());
            let svg = path.with_extension("svg");
            assert!(svg.exists(), "{} has no SVG twin", path.display());
            let texts = svg_texts(&svg);
            assert!(
                texts.iter().any(|t| t.contains("Source: tariffsim")),
                "{}: {texts:?}",
                svg.display()
            );
        }
    }
    assert_eq!(charts, 4, "the four charts of a plain run");
    // The headline table for LaTeX: balanced environments, booktabs rules, one cell per
    // column on every row, the caption from the rules.
    let tex = std::fs::read_to_string(out.join("headline.tex")).unwrap();
    assert_eq!(
        tex.matches("\\begin{").count(),
        tex.matches("\\end{").count()
    );
    assert!(
        tex.contains("\\toprule") && tex.contains("\\bottomrule"),
        "{tex}"
    );
    assert!(
        tex.contains("Pakistan: additional tariff 29\\% $\\to$ 19\\%"),
        "{tex}"
    );
    let body = &tex[tex.find("\\midrule").unwrap()..tex.find("\\bottomrule").unwrap()];
    let rows: Vec<&str> = body.lines().skip(1).filter(|l| !l.is_empty()).collect();
    assert_eq!(rows.len(), 6, "{body}");
    for r in &rows {
        assert_eq!(r.matches(" & ").count(), 1, "{r}");
        assert!(r.ends_with("\\\\"), "{r}");
    }
    assert!(!tex.contains('\u{2212}'), "no Unicode minus");
    let texts = svg_texts(&out.join("change_by_exporter.svg"));
    assert!(
        texts
            .iter()
            .any(|t| t.starts_with("Change in United States imports by exporter")),
        "{texts:?}"
    );
    // The subtitle comes from the rules, and escaped text survives the round trip.
    assert!(
        texts
            .iter()
            .any(|t| t.contains("Pakistan: additional tariff 29% → 19%")),
        "{texts:?}"
    );
    assert!(
        svg_texts(&out.join("welfare.svg"))
            .iter()
            .any(|t| t.contains("29% to 19% & more")),
        "the source line keeps the name's ampersand"
    );
    // Without --format, only PNGs, at the default 150 dpi; the marker lists the SVGs of
    // the earlier run, so the folder is replaced without --force.
    let o = run(&[
        "run",
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "-q",
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(!out.join("welfare.svg").exists());
    assert_eq!(png_dpi(&out.join("welfare.png")), 150);
}

#[test]
fn a_name_that_contradicts_the_rules_is_warned_about() {
    let stale = deal("stale", "Pakistan deal: 29% cut to 19%", 15);
    let out = stale.parent().unwrap().join("out");
    let o = run(&[
        "run",
        stale.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "-q",
        "--format",
        "svg",
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let err = text(&o.stderr);
    let warning = err
        .lines()
        .find(|l| l.starts_with("warning:") && l.contains("name"))
        .unwrap_or_else(|| panic!("no warning about the name: {err}"));
    assert!(warning.contains("deal.toml"), "names the file: {warning}");
    assert!(
        warning.contains("15%") && warning.contains("19%"),
        "{warning}"
    );
    // The charts follow the rules, not the name.
    let texts = svg_texts(&out.join("market_shares.svg"));
    assert!(
        texts
            .iter()
            .any(|t| t.contains("Pakistan: additional tariff 29% → 15%")),
        "{texts:?}"
    );

    // A name that states the rules' rates, or no rate at all, gives no such warning.
    for (tag, name) in [
        ("right", "Pakistan deal: 29% cut to 15%"),
        ("plain", "Pakistan deal"),
    ] {
        let file = deal(tag, name, 15);
        let out = file.parent().unwrap().join("out");
        let o = run(&[
            "run",
            file.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "-q",
        ]);
        assert!(o.status.success(), "{}", text(&o.stderr));
        assert!(
            !text(&o.stderr).contains("name"),
            "{tag}: {}",
            text(&o.stderr)
        );
    }
}

#[test]
fn compare_takes_short_labels_and_refuses_a_wrong_count() {
    let a = deal("cmp-a", "Deal A", 19);
    let b = deal("cmp-b", "Deal B", 10);
    let out = a.parent().unwrap().join("compare");
    let o = run(&[
        "compare",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "--label",
        "19 pct,10 pct",
        "--format",
        "png,svg",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let texts = svg_texts(&out.join("compare_exporters.svg"));
    assert!(texts.iter().any(|t| t == "19 pct"), "{texts:?}");
    assert!(texts.iter().any(|t| t == "10 pct"), "{texts:?}");
    assert!(!texts.iter().any(|t| t.contains("deal")), "{texts:?}");
    let csv = std::fs::read_to_string(out.join("comparison.csv")).unwrap();
    assert!(csv.contains("19 pct") && csv.contains("10 pct"), "{csv}");

    let out2 = a.parent().unwrap().join("compare2");
    let o = run(&[
        "compare",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "--label",
        "only one",
        "--out",
        out2.to_str().unwrap(),
    ]);
    assert!(!o.status.success());
    assert!(text(&o.stderr).contains("--label"), "{}", text(&o.stderr));
    assert!(!out2.exists(), "nothing written");
}

#[test]
fn dpi_out_of_range_is_refused() {
    let file = deal("dpi", "Pakistan deal", 19);
    let out = file.parent().unwrap().join("out");
    let o = run(&[
        "run",
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--dpi",
        "5000",
    ]);
    assert!(!o.status.success());
    assert!(text(&o.stderr).contains("--dpi"), "{}", text(&o.stderr));
    assert!(!out.exists(), "nothing written");
}
