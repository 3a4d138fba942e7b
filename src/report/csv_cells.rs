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
    match cell(v) {
        Some(c) => c.append_to(out),
        None => write_number_slow(out, v),
    }
}

/// Appends number cells, each after a comma (the first only when `comma_first`): the bytes
/// of [`write_number`] for each. A value equal to one of the last three formatted (a rate
/// left unchanged, an effect that is all diversion) takes that cell again instead of being
/// formatted a second time.
pub(crate) fn write_number_cells(
    out: &mut Vec<u8>,
    values: impl ExactSizeIterator<Item = f64>,
    comma_first: bool,
) {
    out.reserve(values.len() * (1 + Cell::MAX_LEN));
    // The last three cells made and their values' bits, replaced in turn (one cell written
    // per new value; NaN bits never match a finite value).
    let mut made_bits = [f64::NAN.to_bits(); 3];
    let mut made = [Cell::ZERO; 3];
    let mut next = 0;
    for (i, v) in values.enumerate() {
        if comma_first || i > 0 {
            out.push(b',');
        }
        let bits = v.to_bits();
        if let Some(k) = made_bits.iter().position(|&b| b == bits) {
            made[k].append_to(out);
            continue;
        }
        match cell(v) {
            Some(c) => {
                c.append_to(out);
                made_bits[next] = bits;
                made[next] = c;
                next = (next + 1) % made.len();
            }
            None => write_number_slow(out, v),
        }
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
    // (`floor` and `round` would be calls to software routines on baseline x86-64, and
    // conversions to and from `u64` take several instructions where `i64` takes one).
    let whole = scaled as i64;
    let fraction = scaled - whole as f64;
    if (fraction - 0.5).abs() < 1e-3 {
        return None;
    }
    Some(((whole + i64::from(fraction > 0.5)) as u64, exponent))
}

/// `⌊log10 v⌋` for a positive finite `v`, read from its binary exponent instead of taking a
/// logarithm, with no branch on the value (a mispredicted branch costs more than all the
/// rest). Near a power of ten (or for tiny and huge `v`) it can be one off; the digit count
/// check of [`twelve_digits`] then refuses the fast path, so the bytes never depend on it.
fn decimal_exponent(v: f64) -> i32 {
    let binary = ((v.to_bits() >> 52) & 0x7ff) as i32 - 1023;
    // v is in [2^b, 2^(b+1)), so ⌊log10 v⌋ is ⌊b·log10 2⌋ or one more; 78913 / 2^18 gives
    // that floor exactly for every binary exponent of an f64 (checked in the tests).
    let low = (binary * 78_913) >> 18;
    low + i32::from(v >= POW10_ALL[(low + 1 + POW10_ALL_OFFSET) as usize])
}

/// `POW10_ALL[k + POW10_ALL_OFFSET]` is 10^k for k from −330 to 319: exact from 10^0 to
/// 10^22, their correctly rounded inverses down to 10^-22, and within a few ulps (or zero
/// and infinity) beyond, which only [`decimal_exponent`]'s guess uses.
const POW10_ALL_OFFSET: i32 = 330;
static POW10_ALL: [f64; 650] = {
    let mut table = [0.0; 650];
    let mut k = 0;
    while k < 650 {
        let power = k as i32 - POW10_ALL_OFFSET;
        let mut p = 1.0;
        let mut i = 0;
        while i < power.unsigned_abs() {
            p *= 10.0;
            i += 1;
        }
        table[k] = if power < 0 { 1.0 / p } else { p };
        k += 1;
    }
    table
};

/// The eight decimal digits of `v` (below 10^8) as byte values 0 to 9, the first digit in
/// the lowest byte: the halves, the pairs and the single digits are split in parallel lanes
/// of one register (each division by a constant a multiply and shift, exact in this range).
fn eight_digits(v: u32) -> u64 {
    let x = u64::from(v / 10_000) | (u64::from(v % 10_000) << 32);
    let hundreds = ((x * 10_486) >> 20) & 0x0000_007F_0000_007F;
    let pairs = hundreds | ((x - hundreds * 100) << 16);
    let tens = ((pairs * 103) >> 10) & 0x000F_000F_000F_000F;
    tens | ((pairs - tens * 10) << 8)
}

/// The four decimal digits of `v` (below 10^4) as byte values, the first in the lowest byte.
fn four_digits(v: u32) -> u32 {
    let hundreds = (v * 10_486) >> 20;
    let pairs = hundreds | ((v - hundreds * 100) << 16);
    let tens = ((pairs * 103) >> 10) & 0x000F_000F;
    tens | ((pairs - tens * 10) << 8)
}

/// `MASK[k]`: the lowest `k` bytes of a word (k from 0 to 8).
const MASK: [u64; 9] = [
    0,
    0xFF,
    0xFFFF,
    0xFF_FFFF,
    0xFFFF_FFFF,
    0xFF_FFFF_FFFF,
    0xFFFF_FFFF_FFFF,
    0xFF_FFFF_FFFF_FFFF,
    u64::MAX,
];

/// A number's cell made in registers, apart from any buffer: `len` bytes in `words`, the
/// first in the lowest byte of `words[0]`. Cells are never written byte by byte and read
/// back, which stalls the processor on stores it has not finished.
#[derive(Clone, Copy)]
struct Cell {
    words: [u64; 3],
    len: usize,
}

impl Cell {
    const ZERO: Cell = Cell {
        words: [b'0' as u64, 0, 0],
        len: 1,
    };

    /// The longest cell: `-d.ddddddddddde-308` (19 bytes) or `-0.00000dddddddddddd` (20).
    const MAX_LEN: usize = 20;

    /// Appends the cell: all its words at once, then the bytes past it dropped again.
    fn append_to(self, out: &mut Vec<u8>) {
        let mut bytes = [0u8; 24];
        for (chunk, word) in bytes.chunks_exact_mut(8).zip(self.words) {
            chunk.copy_from_slice(&word.to_le_bytes());
        }
        let at = out.len();
        out.extend_from_slice(&bytes);
        out.truncate(at + self.len);
    }
}

/// The cell of a finite `v`, as [`write_number`] writes it; `None` when [`twelve_digits`]
/// cannot round it with certainty.
#[inline(always)]
fn cell(v: f64) -> Option<Cell> {
    if v == 0.0 {
        return Some(Cell::ZERO);
    }
    let (digits, exponent) = twelve_digits(v.abs())?;
    let high = eight_digits((digits / 10_000) as u32);
    let low = four_digits((digits % 10_000) as u32);
    // Trailing zeros are the zero bytes at the top end; the first digit is never zero.
    let trailing = if low != 0 {
        low.leading_zeros() / 8
    } else {
        4 + high.leading_zeros() / 8
    };
    let count = 12 - trailing as usize;
    // The twelve digits in ASCII, then four '0's.
    let lo = high | 0x3030_3030_3030_3030;
    let hi = u64::from(low) | 0x3030_3030_3030_3030;
    let (mut words, len) = if !(-6..15).contains(&exponent) {
        exponent_form(lo, hi, count, exponent)
    } else if exponent >= 0 {
        let int_len = exponent as usize + 1;
        if count <= int_len {
            // Up to fifteen integer digits: the digits, then '0's.
            ([lo, hi, 0], int_len)
        } else {
            (with_point(lo, hi, int_len), count + 1)
        }
    } else {
        // "0.", the zeros after the point (up to five), then the digits.
        let lead = (1 - exponent) as usize;
        let shift = 8 * lead as u32;
        let zeros = u64::from_le_bytes(*b"0.000000");
        let words = [
            (zeros & MASK[lead]) | (lo << shift),
            (lo >> (64 - shift)) | (hi << shift),
            hi >> (64 - shift),
        ];
        (words, lead + count)
    };
    if v < 0.0 {
        words = [
            (words[0] << 8) | u64::from(b'-'),
            (words[1] << 8) | (words[0] >> 56),
            (words[2] << 8) | (words[1] >> 56),
        ];
        return Some(Cell {
            words,
            len: len + 1,
        });
    }
    Some(Cell { words, len })
}

/// The digits `lo`, `hi` with a decimal point after the first `int_len` (1 to 11): the
/// digits after it move up one byte.
fn with_point(lo: u64, hi: u64, int_len: usize) -> [u64; 3] {
    let (up_lo, up_hi) = (lo << 8, (hi << 8) | (lo >> 56));
    let point = u64::from(b'.');
    if int_len < 8 {
        let head = lo & MASK[int_len];
        [
            head | (point << (8 * int_len)) | (up_lo & !MASK[int_len + 1]),
            up_hi,
            0,
        ]
    } else {
        let k = int_len - 8;
        let head = hi & MASK[k];
        [lo, head | (point << (8 * k)) | (up_hi & !MASK[k + 1]), 0]
    }
}

/// `d.ddde±x` (no point for one digit), for magnitudes below 1e-6 or from 1e15: rare.
fn exponent_form(lo: u64, hi: u64, count: usize, exponent: i32) -> ([u64; 3], usize) {
    let (mut words, mut len) = if count > 1 {
        (with_point(lo, hi, 1), count + 1)
    } else {
        ([lo & 0xFF, 0, 0], 1)
    };
    let mut put = |b: u8| {
        let (word, at) = (len / 8, len % 8);
        words[word] = (words[word] & MASK[at]) | (u64::from(b) << (8 * at));
        len += 1;
    };
    put(b'e');
    if exponent < 0 {
        put(b'-');
    }
    // One to three digits: the decimal exponents of an f64 run from -324 to 308.
    let e = exponent.unsigned_abs();
    if e >= 100 {
        put(b'0' + (e / 100) as u8);
    }
    if e >= 10 {
        put(b'0' + (e / 10 % 10) as u8);
    }
    put(b'0' + (e % 10) as u8);
    // Bytes past `len` in the words are never appended.
    (words, len)
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

    /// The lane splits give every digit: each 16-bit pair and each 32-bit half of
    /// `eight_digits` is computed on its own, so all values of each lane cover all inputs.
    #[test]
    fn digits_split_in_lanes_are_the_decimal_digits() {
        let bytes = |v: u64, n: usize| -> Vec<u8> {
            format!("{v:0n$}").bytes().map(|b| b - b'0').collect()
        };
        for v in 0..10_000u32 {
            assert_eq!(
                four_digits(v).to_le_bytes().to_vec(),
                bytes(u64::from(v), 4),
                "{v}"
            );
            for w in [v * 10_000 + v, v * 10_000 + (9_999 - v), 99_999_999 - v] {
                assert_eq!(
                    eight_digits(w).to_le_bytes().to_vec(),
                    bytes(u64::from(w), 8),
                    "{w}"
                );
            }
        }
    }

    /// `(b · 78913) >> 18` is `⌊b · log10 2⌋` for every binary exponent of an f64.
    #[test]
    fn binary_exponent_floors_are_exact() {
        for b in -1100..=1100 {
            let exact = (f64::from(b) * std::f64::consts::LOG10_2).floor() as i32;
            assert_eq!((b * 78_913) >> 18, exact, "{b}");
        }
    }

    /// A row of cells is the cells of `write_number` joined by commas, with repeated values
    /// (next to each other, two and three apart, and further), zeros of both signs, values
    /// in exponent notation and values the fast path refuses (ties).
    #[test]
    fn number_cells_equal_single_cells_joined() {
        let tie = (123_456_789_012.0 + 0.5) * 1e-5;
        let row = [
            5.0,
            5.0,
            -0.0,
            0.0,
            1.25e20,
            16.32,
            1.25e20,
            -3e-9,
            7.0,
            16.32,
            tie,
            tie,
            2.5e-13,
            -109_859.564_845,
            1.0 / 3.0,
            -109_859.564_845,
            0.000_123,
            1.0 / 3.0,
            5.0,
        ];
        for comma_first in [false, true] {
            for end in 0..=row.len() {
                let mut expected = Vec::new();
                for (i, &v) in row[..end].iter().enumerate() {
                    if comma_first || i > 0 {
                        expected.push(b',');
                    }
                    write_number(&mut expected, v);
                }
                let mut got = b"x".to_vec();
                write_number_cells(&mut got, row[..end].iter().copied(), comma_first);
                assert_eq!(got[1..], expected[..], "{end} {comma_first}");
            }
        }
        assert_eq!(fast(tie), slow(tie));
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
