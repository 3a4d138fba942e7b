//! The exponential of SMART's CES weights, written out so that its results do not depend on
//! the platform's C library.
//!
//! The algorithm is the one of glibc 2.28 and later (from Arm's optimized-routines, table
//! size 2^7 and a degree-5 polynomial), in the form glibc selects on x86-64 processors with
//! fused multiply-add: the same operations in the same order, each `mul_add` one rounding.
//! On such a machine it returns the bits of `f64::exp` for every input (a test compares
//! them); elsewhere (another C library, no hardware FMA) it still returns these bits, so a
//! scenario gives the same numbers on every machine. Written inline, it costs a fraction
//! of a call into the C library, which matters in the Monte-Carlo loop (one exponential per
//! flow whose tariff moved, per draw).
//!
//! Inputs outside `2^-54 ≤ |x| < 512` (and NaN) take `f64::exp`: the weights there are
//! `exp` of a log weight minus the market's largest, at most 0, and such inputs are rare.

/// `128/ln 2`.
const INV_LN2_N: f64 = f64::from_bits(0x4067_1547_652b_82fe);
/// `−ln 2/128`, high part (its last bits zero, so `k·NEG_LN2_HI_N` is exact).
const NEG_LN2_HI_N: f64 = f64::from_bits(0xbf76_2e42_fefa_0000);
/// `−ln 2/128`, low part.
const NEG_LN2_LO_N: f64 = f64::from_bits(0xbd0c_f79a_bc9e_3b3a);
/// Polynomial coefficients of `exp(r) − 1 − r` on `|r| ≤ ln 2/256`.
const C2: f64 = f64::from_bits(0x3fdf_ffff_ffff_fdbd);
const C3: f64 = f64::from_bits(0x3fc5_5555_5555_543c);
const C4: f64 = f64::from_bits(0x3fa5_5555_cf17_2b91);
const C5: f64 = f64::from_bits(0x3f81_1111_67a4_d017);
/// `1.5·2^52`: adding it rounds to an integer held in the low bits.
const SHIFT: f64 = f64::from_bits(0x4338_0000_0000_0000);

/// For `k` in 0..128: `TABLE[2k]` is the bits of the tail `t` and `TABLE[2k + 1]` the bits
/// of `2^(k/128)` minus `k << 45`, with `2^(k/128) ≈ scale·(1 + t)`.
#[rustfmt::skip]
static TABLE: [u64; 256] = [
    0x0000000000000000, 0x3ff0000000000000, 0x3c9b3b4f1a88bf6e, 0x3feff63da9fb3335,
    0xbc7160139cd8dc5d, 0x3fefec9a3e778061, 0xbc905e7a108766d1, 0x3fefe315e86e7f85,
    0x3c8cd2523567f613, 0x3fefd9b0d3158574, 0xbc8bce8023f98efa, 0x3fefd06b29ddf6de,
    0x3c60f74e61e6c861, 0x3fefc74518759bc8, 0x3c90a3e45b33d399, 0x3fefbe3ecac6f383,
    0x3c979aa65d837b6d, 0x3fefb5586cf9890f, 0x3c8eb51a92fdeffc, 0x3fefac922b7247f7,
    0x3c3ebe3d702f9cd1, 0x3fefa3ec32d3d1a2, 0xbc6a033489906e0b, 0x3fef9b66affed31b,
    0xbc9556522a2fbd0e, 0x3fef9301d0125b51, 0xbc5080ef8c4eea55, 0x3fef8abdc06c31cc,
    0xbc91c923b9d5f416, 0x3fef829aaea92de0, 0x3c80d3e3e95c55af, 0x3fef7a98c8a58e51,
    0xbc801b15eaa59348, 0x3fef72b83c7d517b, 0xbc8f1ff055de323d, 0x3fef6af9388c8dea,
    0x3c8b898c3f1353bf, 0x3fef635beb6fcb75, 0xbc96d99c7611eb26, 0x3fef5be084045cd4,
    0x3c9aecf73e3a2f60, 0x3fef54873168b9aa, 0xbc8fe782cb86389d, 0x3fef4d5022fcd91d,
    0x3c8a6f4144a6c38d, 0x3fef463b88628cd6, 0x3c807a05b0e4047d, 0x3fef3f49917ddc96,
    0x3c968efde3a8a894, 0x3fef387a6e756238, 0x3c875e18f274487d, 0x3fef31ce4fb2a63f,
    0x3c80472b981fe7f2, 0x3fef2b4565e27cdd, 0xbc96b87b3f71085e, 0x3fef24dfe1f56381,
    0x3c82f7e16d09ab31, 0x3fef1e9df51fdee1, 0xbc3d219b1a6fbffa, 0x3fef187fd0dad990,
    0x3c8b3782720c0ab4, 0x3fef1285a6e4030b, 0x3c6e149289cecb8f, 0x3fef0cafa93e2f56,
    0x3c834d754db0abb6, 0x3fef06fe0a31b715, 0x3c864201e2ac744c, 0x3fef0170fc4cd831,
    0x3c8fdd395dd3f84a, 0x3feefc08b26416ff, 0xbc86a3803b8e5b04, 0x3feef6c55f929ff1,
    0xbc924aedcc4b5068, 0x3feef1a7373aa9cb, 0xbc9907f81b512d8e, 0x3feeecae6d05d866,
    0xbc71d1e83e9436d2, 0x3feee7db34e59ff7, 0xbc991919b3ce1b15, 0x3feee32dc313a8e5,
    0x3c859f48a72a4c6d, 0x3feedea64c123422, 0xbc9312607a28698a, 0x3feeda4504ac801c,
    0xbc58a78f4817895b, 0x3feed60a21f72e2a, 0xbc7c2c9b67499a1b, 0x3feed1f5d950a897,
    0x3c4363ed60c2ac11, 0x3feece086061892d, 0x3c9666093b0664ef, 0x3feeca41ed1d0057,
    0x3c6ecce1daa10379, 0x3feec6a2b5c13cd0, 0x3c93ff8e3f0f1230, 0x3feec32af0d7d3de,
    0x3c7690cebb7aafb0, 0x3feebfdad5362a27, 0x3c931dbdeb54e077, 0x3feebcb299fddd0d,
    0xbc8f94340071a38e, 0x3feeb9b2769d2ca7, 0xbc87deccdc93a349, 0x3feeb6daa2cf6642,
    0xbc78dec6bd0f385f, 0x3feeb42b569d4f82, 0xbc861246ec7b5cf6, 0x3feeb1a4ca5d920f,
    0x3c93350518fdd78e, 0x3feeaf4736b527da, 0x3c7b98b72f8a9b05, 0x3feead12d497c7fd,
    0x3c9063e1e21c5409, 0x3feeab07dd485429, 0x3c34c7855019c6ea, 0x3feea9268a5946b7,
    0x3c9432e62b64c035, 0x3feea76f15ad2148, 0xbc8ce44a6199769f, 0x3feea5e1b976dc09,
    0xbc8c33c53bef4da8, 0x3feea47eb03a5585, 0xbc845378892be9ae, 0x3feea34634ccc320,
    0xbc93cedd78565858, 0x3feea23882552225, 0x3c5710aa807e1964, 0x3feea155d44ca973,
    0xbc93b3efbf5e2228, 0x3feea09e667f3bcd, 0xbc6a12ad8734b982, 0x3feea012750bdabf,
    0xbc6367efb86da9ee, 0x3fee9fb23c651a2f, 0xbc80dc3d54e08851, 0x3fee9f7df9519484,
    0xbc781f647e5a3ecf, 0x3fee9f75e8ec5f74, 0xbc86ee4ac08b7db0, 0x3fee9f9a48a58174,
    0xbc8619321e55e68a, 0x3fee9feb564267c9, 0x3c909ccb5e09d4d3, 0x3feea0694fde5d3f,
    0xbc7b32dcb94da51d, 0x3feea11473eb0187, 0x3c94ecfd5467c06b, 0x3feea1ed0130c132,
    0x3c65ebe1abd66c55, 0x3feea2f336cf4e62, 0xbc88a1c52fb3cf42, 0x3feea427543e1a12,
    0xbc9369b6f13b3734, 0x3feea589994cce13, 0xbc805e843a19ff1e, 0x3feea71a4623c7ad,
    0xbc94d450d872576e, 0x3feea8d99b4492ed, 0x3c90ad675b0e8a00, 0x3feeaac7d98a6699,
    0x3c8db72fc1f0eab4, 0x3feeace5422aa0db, 0xbc65b6609cc5e7ff, 0x3feeaf3216b5448c,
    0x3c7bf68359f35f44, 0x3feeb1ae99157736, 0xbc93091fa71e3d83, 0x3feeb45b0b91ffc6,
    0xbc5da9b88b6c1e29, 0x3feeb737b0cdc5e5, 0xbc6c23f97c90b959, 0x3feeba44cbc8520f,
    0xbc92434322f4f9aa, 0x3feebd829fde4e50, 0xbc85ca6cd7668e4b, 0x3feec0f170ca07ba,
    0x3c71affc2b91ce27, 0x3feec49182a3f090, 0x3c6dd235e10a73bb, 0x3feec86319e32323,
    0xbc87c50422622263, 0x3feecc667b5de565, 0x3c8b1c86e3e231d5, 0x3feed09bec4a2d33,
    0xbc91bbd1d3bcbb15, 0x3feed503b23e255d, 0x3c90cc319cee31d2, 0x3feed99e1330b358,
    0x3c8469846e735ab3, 0x3feede6b5579fdbf, 0xbc82dfcd978e9db4, 0x3feee36bbfd3f37a,
    0x3c8c1a7792cb3387, 0x3feee89f995ad3ad, 0xbc907b8f4ad1d9fa, 0x3feeee07298db666,
    0xbc55c3d956dcaeba, 0x3feef3a2b84f15fb, 0xbc90a40e3da6f640, 0x3feef9728de5593a,
    0xbc68d6f438ad9334, 0x3feeff76f2fb5e47, 0xbc91eee26b588a35, 0x3fef05b030a1064a,
    0x3c74ffd70a5fddcd, 0x3fef0c1e904bc1d2, 0xbc91bdfbfa9298ac, 0x3fef12c25bd71e09,
    0x3c736eae30af0cb3, 0x3fef199bdd85529c, 0x3c8ee3325c9ffd94, 0x3fef20ab5fffd07a,
    0x3c84e08fd10959ac, 0x3fef27f12e57d14b, 0x3c63cdaf384e1a67, 0x3fef2f6d9406e7b5,
    0x3c676b2c6c921968, 0x3fef3720dcef9069, 0xbc808a1883ccb5d2, 0x3fef3f0b555dc3fa,
    0xbc8fad5d3ffffa6f, 0x3fef472d4a07897c, 0xbc900dae3875a949, 0x3fef4f87080d89f2,
    0x3c74a385a63d07a7, 0x3fef5818dcfba487, 0xbc82919e2040220f, 0x3fef60e316c98398,
    0x3c8e5a50d5c192ac, 0x3fef69e603db3285, 0x3c843a59ac016b4b, 0x3fef7321f301b460,
    0xbc82d52107b43e1f, 0x3fef7c97337b9b5f, 0xbc892ab93b470dc9, 0x3fef864614f5a129,
    0x3c74b604603a88d3, 0x3fef902ee78b3ff6, 0x3c83c5ec519d7271, 0x3fef9a51fbc74c83,
    0xbc8ff7128fd391f0, 0x3fefa4afa2a490da, 0xbc8dae98e223747d, 0x3fefaf482d8e67f1,
    0x3c8ec3bc41aa2008, 0x3fefba1bee615a27, 0x3c842b94c3a9eb32, 0x3fefc52b376bba97,
    0x3c8a64a931d185ee, 0x3fefd0765b6e4540, 0xbc8e37bae43be3ed, 0x3fefdbfdad9cbe14,
    0x3c77893b4d91cd9d, 0x3fefe7c1819e90d8, 0x3c5305c14160cc89, 0x3feff3c22b8f71f1,
];

/// `e^x`, with the bits described in the module documentation. Uses the processor's fused
/// multiply-add when it has one.
#[inline]
pub fn exp(x: f64) -> f64 {
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("fma") {
        // SAFETY: the processor has FMA.
        return unsafe { exp_fma(x) };
    }
    exp_inline(x)
}

/// [`exp`] compiled with FMA instructions.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "fma")]
fn exp_fma(x: f64) -> f64 {
    exp_inline(x)
}

/// [`exp`]'s body, to be inlined into loops compiled with FMA (`#[target_feature]`);
/// elsewhere each `mul_add` is a call to the C library's `fma` (same bits, slower).
#[inline(always)]
pub fn exp_inline(x: f64) -> f64 {
    let abstop = ((x.to_bits() >> 52) & 0x7ff) as u32;
    // 0x3c9 is the exponent field of 2^-54, 0x408 that of 512.
    if abstop.wrapping_sub(0x3c9) >= 0x408 - 0x3c9 {
        if abstop < 0x3c9 {
            // |x| < 2^-54 (including ±0): 1 + x rounds as e^x does.
            return 1.0 + x;
        }
        return x.exp();
    }
    // x = k·ln 2/128 + r with |r| ≤ ln 2/256; e^x = 2^(k/128)·e^r.
    let z = x.mul_add(INV_LN2_N, SHIFT);
    let ki = z.to_bits();
    let kd = z - SHIFT;
    let r = kd.mul_add(NEG_LN2_LO_N, kd.mul_add(NEG_LN2_HI_N, x));
    let idx = 2 * (ki % 128) as usize;
    let top = ki << 45;
    let tail = f64::from_bits(TABLE[idx]);
    let scale = f64::from_bits(TABLE[idx + 1].wrapping_add(top));
    let r2 = r * r;
    let low = r.mul_add(C3, C2);
    let high = r.mul_add(C5, C4);
    let tmp = (r2 * r2).mul_add(high, low.mul_add(r2, r + tail));
    scale.mul_add(tmp, scale)
}

/// [`exp`] of four numbers at once with AVX2 and FMA: the same operations lane by lane (the
/// table read by a gather), so the same bits; lanes outside the fast range go through
/// [`exp_inline`] one by one.
///
/// # Safety
///
/// The processor must have AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
pub fn exp4(x: std::arch::x86_64::__m256d) -> std::arch::x86_64::__m256d {
    use std::arch::x86_64::*;
    let abs = _mm256_andnot_pd(_mm256_set1_pd(-0.0), x);
    // 2^-54 ≤ |x| < 512 (false for NaN): the lanes of the table path.
    let fast = _mm256_and_pd(
        _mm256_cmp_pd::<_CMP_GE_OQ>(abs, _mm256_set1_pd(f64::from_bits(0x3c90_0000_0000_0000))),
        _mm256_cmp_pd::<_CMP_LT_OQ>(abs, _mm256_set1_pd(512.0)),
    );
    let shift = _mm256_set1_pd(SHIFT);
    let z = _mm256_fmadd_pd(x, _mm256_set1_pd(INV_LN2_N), shift);
    let ki = _mm256_castpd_si256(z);
    let kd = _mm256_sub_pd(z, shift);
    let r = _mm256_fmadd_pd(
        kd,
        _mm256_set1_pd(NEG_LN2_LO_N),
        _mm256_fmadd_pd(kd, _mm256_set1_pd(NEG_LN2_HI_N), x),
    );
    let idx = _mm256_slli_epi64::<1>(_mm256_and_si256(ki, _mm256_set1_epi64x(127)));
    let top = _mm256_slli_epi64::<45>(ki);
    // Each lane's (tail, scale bits) pair read as one 16-byte load: four loads and two
    // shuffles cost less than two gathers.
    let mut k = [0u64; 4];
    // SAFETY: `k` holds four u64; every index is even and at most 254, so the pair at
    // `k[i]`, `k[i] + 1` lies within TABLE.
    let (tail, scale_bits) = unsafe {
        _mm256_storeu_si256(k.as_mut_ptr().cast::<__m256i>(), idx);
        let pair = |i: usize| _mm_loadu_pd(TABLE.as_ptr().add(k[i] as usize).cast::<f64>());
        // Lanes 0 and 2 in `a`, 1 and 3 in `b`: the unpacks then give lanes 0, 1, 2, 3.
        let a = _mm256_set_m128d(pair(2), pair(0));
        let b = _mm256_set_m128d(pair(3), pair(1));
        (
            _mm256_unpacklo_pd(a, b),
            _mm256_castpd_si256(_mm256_unpackhi_pd(a, b)),
        )
    };
    let scale = _mm256_castsi256_pd(_mm256_add_epi64(scale_bits, top));
    let r2 = _mm256_mul_pd(r, r);
    let low = _mm256_fmadd_pd(r, _mm256_set1_pd(C3), _mm256_set1_pd(C2));
    let high = _mm256_fmadd_pd(r, _mm256_set1_pd(C5), _mm256_set1_pd(C4));
    let tmp = _mm256_fmadd_pd(
        _mm256_mul_pd(r2, r2),
        high,
        _mm256_fmadd_pd(low, r2, _mm256_add_pd(r, tail)),
    );
    let result = _mm256_fmadd_pd(scale, tmp, scale);
    if _mm256_movemask_pd(fast) == 0b1111 {
        return result;
    }
    let mut lanes = [0.0; 4];
    let mut inputs = [0.0; 4];
    // SAFETY: both arrays hold four f64.
    unsafe {
        _mm256_storeu_pd(lanes.as_mut_ptr(), result);
        _mm256_storeu_pd(inputs.as_mut_ptr(), x);
    }
    let mask = _mm256_movemask_pd(fast);
    for (k, (lane, &input)) in lanes.iter_mut().zip(&inputs).enumerate() {
        if mask & (1 << k) == 0 {
            *lane = exp_inline(input);
        }
    }
    // SAFETY: `lanes` holds four f64.
    unsafe { _mm256_loadu_pd(lanes.as_ptr()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::model::test_stream as stream;

    /// Distance in units in the last place.
    fn ulps(a: f64, b: f64) -> u64 {
        (a.to_bits() as i64).abs_diff(b.to_bits() as i64)
    }

    #[test]
    fn hand_values() {
        assert_eq!(exp(0.0), 1.0);
        assert_eq!(exp(-0.0), 1.0);
        assert_eq!(exp(f64::NEG_INFINITY), 0.0);
        assert_eq!(exp(f64::INFINITY), f64::INFINITY);
        assert!(exp(f64::NAN).is_nan());
        assert!(ulps(exp(1.0), std::f64::consts::E) <= 1);
        assert!(ulps(exp(std::f64::consts::LN_2), 2.0) <= 1);
        // ln 10 is itself rounded (|δ| ≤ 2^-52·2.3/2), which moves e^-x by up to 2 ulps.
        assert!(ulps(exp(-std::f64::consts::LN_10), 0.1) <= 2);
        // The table: scale k is 2^(k/128) to within an ulp, and 1 + tail corrects it.
        for k in 0..128u64 {
            let scale = f64::from_bits(TABLE[2 * k as usize + 1].wrapping_add(k << 45));
            let exact = (k as f64 / 128.0).exp2();
            assert!(ulps(scale, exact) <= 1, "k = {k}");
            let tail = f64::from_bits(TABLE[2 * k as usize]);
            assert!(tail.abs() < 2f64.powi(-52), "k = {k}");
        }
    }

    /// Within one ulp of the C library's exponential everywhere, and on x86-64 glibc with
    /// FMA (the machine the project's reference outputs come from) the same bits.
    #[test]
    fn equals_the_c_library() {
        let mut next = stream(0x2545_f491_4f6c_dd1d);
        #[cfg(all(target_arch = "x86_64", target_os = "linux", target_env = "gnu"))]
        let same_bits = std::is_x86_feature_detected!("fma");
        #[cfg(not(all(target_arch = "x86_64", target_os = "linux", target_env = "gnu")))]
        let same_bits = false;
        let mut inputs: Vec<f64> = (0..2_000_000)
            .map(|i| match i % 4 {
                // The Monte-Carlo range: log weights minus their maximum.
                0 => -40.0 * next(),
                1 => -1e-3 * next(),
                2 => 1400.0 * next() - 750.0,
                _ => (next() - 0.5) * 2f64.powi(-(60.0 * next()) as i32),
            })
            .collect();
        // Boundaries of the fast range and of the table's steps.
        for b in [
            2f64.powi(-54),
            512.0,
            709.78,
            -708.4,
            -745.2,
            std::f64::consts::LN_2 / 256.0,
        ] {
            for s in [1.0, -1.0] {
                let v = s * b;
                inputs.extend([
                    v,
                    f64::from_bits(v.to_bits() - 1),
                    f64::from_bits(v.to_bits() + 1),
                ]);
            }
        }
        for x in inputs {
            let (ours, libm) = (exp(x), x.exp());
            if same_bits {
                assert_eq!(ours.to_bits(), libm.to_bits(), "x = {x:e}");
            } else {
                assert!(ulps(ours, libm) <= 1, "x = {x:e}");
            }
            // Without the processor's FMA the body gives the same bits.
            assert_eq!(exp_inline(x).to_bits(), ours.to_bits(), "x = {x:e}");
        }
    }

    /// Four lanes at once give each lane's [`exp`], including lanes outside the fast range
    /// next to lanes inside it.
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn four_lanes_equal_one_at_a_time() {
        use std::arch::x86_64::*;
        if !(std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma")) {
            return;
        }
        let mut next = stream(7);
        let specials = [
            0.0,
            -0.0,
            1e-300,
            -600.0,
            800.0,
            f64::NAN,
            f64::NEG_INFINITY,
            -745.5,
        ];
        let mut slow_lanes = 0;
        for i in 0..200_000 {
            let mut x = [0.0f64; 4];
            for v in &mut x {
                *v = if next() < 0.05 {
                    slow_lanes += 1;
                    specials[(next() * specials.len() as f64) as usize]
                } else {
                    -50.0 * next() + (i % 3) as f64
                };
            }
            let mut y = [0.0f64; 4];
            // SAFETY: the processor has AVX2 and FMA (checked above); four f64 each.
            unsafe { _mm256_storeu_pd(y.as_mut_ptr(), exp4(_mm256_loadu_pd(x.as_ptr()))) };
            for (a, b) in x.iter().zip(&y) {
                assert_eq!(exp(*a).to_bits(), b.to_bits(), "x = {a:e}");
            }
        }
        assert!(slow_lanes > 10_000);
    }
}
