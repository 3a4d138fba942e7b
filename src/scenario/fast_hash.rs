//! A fast hash for the loader's indices of names and cells.
//!
//! The standard hasher (SipHash) resists crafted collisions, which a program reading its
//! user's own files does not need, and it was most of the time spent looking up a million
//! tariff rows. This is the multiply-rotate hash of the Rust compiler (`FxHash`), a few
//! lines, so no dependency is added.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A `HashMap` keyed through [`FxHasher`].
pub type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// The Fx hash: each word is mixed in with a rotate, an xor and a multiply.
#[derive(Default, Clone, Copy)]
pub struct FxHasher {
    hash: u64,
}

const SEED: u64 = 0xf135_7aea_2e62_a9c5;

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash ^ word).wrapping_mul(SEED).rotate_left(5);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(u64::from_le_bytes([
                c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7],
            ]));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word) ^ ((rest.len() as u64) << 59));
        }
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        // The multiply leaves the low bits weakest; the table indexes by low bits and
        // tags by the top 7, so the result is rotated to spread both.
        self.hash.rotate_left(26)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_cells_are_found_and_distinct_keys_stay_distinct() {
        let mut names: FastMap<String, usize> = FastMap::default();
        for i in 0..10_000 {
            names.insert(format!("P{i:06}"), i);
        }
        assert_eq!(names.len(), 10_000);
        assert!((0..10_000).all(|i| names.get(format!("P{i:06}").as_str()) == Some(&i)));
        assert_eq!(names.get("P010000"), None);
        // Prefixes and strings that differ only in length hash apart.
        let h = |s: &str| {
            use std::hash::Hash;
            let mut x = FxHasher::default();
            s.hash(&mut x);
            x.finish()
        };
        assert_ne!(h("ab"), h("ab\0"));
        let mut cells: FastMap<(usize, usize, usize), usize> = FastMap::default();
        for p in 0..300 {
            for e in 0..30 {
                cells.insert((p, e, 0), p * 30 + e);
            }
        }
        assert_eq!(cells.get(&(299, 29, 0)), Some(&(299 * 30 + 29)));
        assert_eq!(cells.get(&(29, 299, 0)), None);
    }
}
