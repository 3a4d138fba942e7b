//! The bytes of CSV cells, written straight into one buffer: numbers to 12 significant
//! digits (see [`write_number`]) and text quoted as the `csv` crate quotes it, so that a table
//! of a million rows costs no allocation per cell and no float parse.

/// Powers of ten that are exact in an `f64` (10^0 to 10^22).
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// Appends a finite number as a CSV cell, rounded to 12 significant digits: the decimal
/// `{v:.11e}` gives, written without trailing zeros, plainly (`1234.5`, `0.000123`) for
/// magnitudes from 1e-6 to below 1e15 and in exponent notation (`2.5e-13`, `1.2e20`) outside;
/// zero is `0`. Same bytes as formatting with `{:.11e}`, parsing back and formatting the
/// result with `{}` or `{:e}` ([`write_number_slow`]), which is kept for the rare values the
/// fast path cannot round with certainty.
pub(crate) fn write_number(out: &mut Vec<u8>, v: f64) {
    if v == 0.0 {
        out.push(b'0');
        return;
    }
    match twelve_digits(v.abs()) {
        Some((digits, exponent)) => {
            if v < 0.0 {
                out.push(b'-');
            }
            write_digits(out, digits, exponent);
        }
        None => write_number_slow(out, v),
    }
}

/// The reference formatting: 12 significant digits through the standard formatter.
pub(crate) fn write_number_slow(out: &mut Vec<u8>, v: f64) {
    use std::io::Write as _;
    let rounded: f64 = format!("{v:.11e}").parse().unwrap_or(v);
    let _ = if rounded == 0.0 {
        write!(out, "0")
    } else if rounded.abs() < 1e-6 || rounded.abs() >= 1e15 {
        write!(out, "{rounded:e}")
    } else {
        write!(out, "{rounded}")
    };
}

/// `v` (positive, finite) rounded to 12 significant digits as `digits × 10^(exponent − 11)`
/// with `digits` in [10^11, 10^12), when that rounding is certain. `v·10^k` is computed with
/// one correctly rounded operation by an exact power of ten, so it is within 2^-13 of the
/// true product (which is below 2^40); the result is refused (`None`) when that error could
/// change the rounding (a fraction within 0.001 of one half) or the digit count.
fn twelve_digits(v: f64) -> Option<(u64, i32)> {
    let exponent = decimal_exponent(v);
    let k = 11 - exponent;
    let scaled = if (0..=22).contains(&k) {
        v * POW10[k as usize]
    } else if (-22..0).contains(&k) {
        v / POW10[(-k) as usize]
    } else {
        return None;
    };
    if !(1e11 + 1.0..1e12 - 1.0).contains(&scaled) {
        return None;
    }
    // `scaled` is positive and below 2^53: the cast is its floor and the fraction exact
    // (`floor` and `round` would be calls to software routines on baseline x86-64).
    let whole = scaled as u64;
    let fraction = scaled - whole as f64;
    if (fraction - 0.5).abs() < 1e-3 {
        return None;
    }
    Some((whole + u64::from(fraction > 0.5), exponent))
}

/// `⌊log10 v⌋` for a positive finite `v`, read from its binary exponent instead of taking a
/// logarithm. Near a power of ten (or for tiny and huge `v`) it can be one off; the digit
/// count check of [`twelve_digits`] then refuses the fast path, so the bytes never depend
/// on it.
fn decimal_exponent(v: f64) -> i32 {
    let binary = ((v.to_bits() >> 52) & 0x7ff) as i32 - 1023;
    // v is in [2^b, 2^(b+1)), so ⌊log10 v⌋ is ⌊b·log10 2⌋ or one more.
    let product = f64::from(binary) * std::f64::consts::LOG10_2;
    let truncated = product as i32;
    let low = truncated - i32::from(f64::from(truncated) > product);
    let next = low + 1;
    // The power is exact up to 10^22; beyond, within an ulp or two of it (enough here).
    let reaches_next = if (0..=22).contains(&next) {
        v >= POW10[next as usize]
    } else if (-22..0).contains(&next) {
        v * POW10[(-next) as usize] >= 1.0
    } else {
        v >= 10f64.powi(next)
    };
    if reaches_next { next } else { low }
}

/// "00" to "99".
const DIGIT_PAIRS: &[u8; 200] = b"0001020304050607080910111213141516171819\
    2021222324252627282930313233343536373839\
    4041424344454647484950515253545556575859\
    6061626364656667686970717273747576777879\
    8081828384858687888990919293949596979899";

/// Writes the six decimal digits of `v` (below 10^6) into `text`, two at a time.
fn six_digits(text: &mut [u8], v: u32) {
    let (a, rest) = (v / 10_000, v % 10_000);
    let (b, c) = (rest / 100, rest % 100);
    for (k, pair) in [a, b, c].into_iter().enumerate() {
        let at = 2 * pair as usize;
        text[2 * k..2 * k + 2].copy_from_slice(&DIGIT_PAIRS[at..at + 2]);
    }
}

/// Writes `digits × 10^(exponent − 11)` as [`write_number_slow`] does: shortest digits,
/// plain notation from 1e-6 to below 1e15, exponent notation outside. The twelve digits
/// are made as two independent halves of six, and the cell is assembled on the stack with
/// copies of fixed length (no call per piece) and appended at once.
fn write_digits(out: &mut Vec<u8>, digits: u64, exponent: i32) {
    // The digits, then zeros: the digits' own trailing zeros are '0' bytes too.
    let mut text = [b'0'; 24];
    six_digits(&mut text[..6], (digits / 1_000_000) as u32);
    six_digits(&mut text[6..12], (digits % 1_000_000) as u32);
    // Trailing zeros, counted from the ASCII bytes: the first digit is never zero.
    const ZEROS: u64 = 0x3030_3030_3030_3030;
    let tail = u64::from_le_bytes([
        text[4], text[5], text[6], text[7], text[8], text[9], text[10], text[11],
    ]) ^ ZEROS;
    let trailing = if tail != 0 {
        tail.leading_zeros() / 8
    } else {
        let head = u32::from_le_bytes([text[0], text[1], text[2], text[3]]) ^ 0x3030_3030;
        8 + head.leading_zeros() / 8
    };
    let count = 12 - trailing as usize;
    let mut cell = [b'0'; 32];
    let n = if !(-6..15).contains(&exponent) {
        let mut n = 1;
        cell[0] = text[0];
        if count > 1 {
            cell[1] = b'.';
            cell[2..14].copy_from_slice(&text[1..13]);
            n = count + 1;
        }
        cell[n] = b'e';
        n += 1;
        if exponent < 0 {
            cell[n] = b'-';
            n += 1;
        }
        let e = exponent.unsigned_abs();
        let width = if e >= 100 {
            3
        } else if e >= 10 {
            2
        } else {
            1
        };
        let mut rest = e;
        for k in (0..width).rev() {
            cell[n + k] = b'0' + (rest % 10) as u8;
            rest /= 10;
        }
        n + width
    } else if exponent >= 0 {
        // Up to fifteen integer digits: the digits, then zeros (already in `cell`).
        let int_len = exponent as usize + 1;
        cell[..12].copy_from_slice(&text[..12]);
        if count <= int_len {
            int_len
        } else {
            cell[int_len] = b'.';
            cell[int_len + 1..int_len + 13].copy_from_slice(&text[int_len..int_len + 12]);
            count + 1
        }
    } else {
        // "0.", the zeros after the point (already in `cell`), then the digits.
        let zeros = (-exponent - 1) as usize;
        cell[1] = b'.';
        cell[2 + zeros..14 + zeros].copy_from_slice(&text[..12]);
        2 + zeros + count
    };
    // The whole cell array is appended (a copy of fixed length, no call) and the bytes past
    // the number are dropped again.
    let at = out.len();
    out.extend_from_slice(&cell);
    out.truncate(at + n);
}

/// Appends a text cell, in double quotes (inner quotes doubled) when it holds a comma, a
/// double quote or a line break: the `csv` crate's "quote when necessary" rule.
pub(crate) fn write_text(out: &mut Vec<u8>, text: &str) {
    let bytes = text.as_bytes();
    if !bytes
        .iter()
        .any(|&b| matches!(b, b',' | b'"' | b'\n' | b'\r'))
    {
        out.extend_from_slice(bytes);
        return;
    }
    out.push(b'"');
    for &b in bytes {
        if b == b'"' {
            out.push(b'"');
        }
        out.push(b);
    }
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fast(v: f64) -> String {
        let mut out = Vec::new();
        write_number(&mut out, v);
        String::from_utf8(out).unwrap()
    }

    fn slow(v: f64) -> String {
        let mut out = Vec::new();
        write_number_slow(&mut out, v);
        String::from_utf8(out).unwrap()
    }

    /// xorshift64*: reproducible values without a dependency.
    fn next(state: &mut u64) -> u64 {
        *state ^= *state >> 12;
        *state ^= *state << 25;
        *state ^= *state >> 27;
        state.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    #[test]
    fn hand_checked_cells() {
        for (v, s) in [
            (0.0, "0"),
            (-0.0, "0"),
            (5.0, "5"),
            (-12.5, "-12.5"),
            (0.000123, "0.000123"),
            (5107479031.000001, "5107479031"),
            (1.0 / 3.0, "0.333333333333"),
            (2.0 / 3.0 * 1e5, "66666.6666667"),
            (1e15, "1e15"),
            (1.25e20, "1.25e20"),
            (2.5e-13, "2.5e-13"),
            (1e-6, "0.000001"),
            (9.9999999999999e-7, "0.000001"),
            (999999999999999.9, "1e15"),
            (123456789012345.0, "123456789012000"),
        ] {
            assert_eq!(fast(v), s, "{v:e}");
            assert_eq!(slow(v), s, "{v:e}");
        }
    }

    /// The exponent read from the binary exponent is the logarithm's, but for values next to
    /// a power of ten (which the digit count check catches).
    #[test]
    fn decimal_exponent_is_the_floor_of_the_logarithm() {
        for e in 0..=22 {
            assert_eq!(decimal_exponent(POW10[e as usize]), e);
            assert_eq!(decimal_exponent(POW10[e as usize] * 3.0), e);
        }
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let mut off = 0;
        for _ in 0..100_000 {
            let u = (next(&mut state) >> 11) as f64 / (1u64 << 53) as f64;
            let v = 10f64.powf(-12.0 + 40.0 * u);
            let exact = v.log10().floor() as i32;
            let got = decimal_exponent(v);
            assert!((got - exact).abs() <= 1, "{v:e}: {got} vs {exact}");
            off += usize::from(got != exact);
        }
        assert!(off < 10, "{off} of 100000 values one off");
    }

    /// The fast path gives the reference bytes on random bit patterns (every magnitude),
    /// on short decimals (prices, percentages), near ties and around powers of ten.
    #[test]
    fn fast_cells_equal_the_reference_formatting() {
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut values = Vec::new();
        for _ in 0..200_000 {
            let bits = next(&mut state);
            let v = f64::from_bits(bits);
            if v.is_finite() {
                values.push(v);
            }
            // Magnitudes a table holds, from 1e-15 to 1e18.
            let u = (next(&mut state) >> 11) as f64 / (1u64 << 53) as f64;
            values.push(10f64.powf(-15.0 + 33.0 * u) * if bits & 1 == 0 { 1.0 } else { -1.0 });
            // Decimals with few digits, as read from data files and sums of them.
            let cents = (next(&mut state) % 10_000_000_000) as f64;
            values.push(cents / 100.0);
            values.push(cents / 100.0 * 1.1 - 0.3);
            // Twelve digits and a half: ties and their neighbours.
            let d = 100_000_000_000 + next(&mut state) % 900_000_000_000;
            let e = (next(&mut state) % 30) as i32 - 15;
            let tie = (d as f64 + 0.5) * 10f64.powi(e - 11);
            values.extend([tie, tie.next_up(), tie.next_down()]);
        }
        for e in -30..30 {
            let p = 10f64.powi(e);
            values.extend([
                p,
                p.next_up(),
                p.next_down(),
                9.999999999995 * p,
                9.9999999999949 * p,
            ]);
        }
        for v in values {
            assert_eq!(fast(v), slow(v), "{v:e} ({:#x})", v.to_bits());
        }
    }

    #[test]
    fn text_is_quoted_as_the_csv_crate_quotes_it() {
        for text in [
            "plain",
            "a,b",
            "say \"hi\"",
            "two\nlines",
            "cr\r",
            "",
            "é, ü",
        ] {
            let mut ours = Vec::new();
            write_text(&mut ours, text);
            ours.push(b',');
            write_text(&mut ours, "x");
            ours.push(b'\n');
            let mut theirs = csv::Writer::from_writer(Vec::new());
            theirs.write_record([text, "x"]).unwrap();
            assert_eq!(ours, theirs.into_inner().unwrap(), "{text:?}");
        }
    }
}
