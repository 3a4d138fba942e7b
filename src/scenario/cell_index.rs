//! Trade cells found by product × exporter × importer index.
//!
//! A million tariff rows each look up their trade cell; in a hash map of a million cells
//! each lookup is a cache miss. When the grid of products × exporters × importers is not
//! much larger than the number of cells, a dense table is used instead: rows in the trade
//! file's order then read it front to back.

use super::fast_hash::FastMap;
use super::policy::CellKey;

/// Cells by key: a dense grid or, for sparse data, a hash map.
pub(super) enum CellIndex {
    /// Slot `(product × exporters + exporter) × importers + importer` holds cell + 1 (0: none).
    Dense {
        products: usize,
        exporters: usize,
        importers: usize,
        slots: Vec<u32>,
    },
    /// Keys to cells.
    Sparse(FastMap<(usize, usize, usize), usize>),
}

impl Default for CellIndex {
    fn default() -> Self {
        CellIndex::Sparse(FastMap::default())
    }
}

/// `n` zeros written out by the program, not left to the allocator as untouched zero pages.
/// A slot of such a page read before it is written maps the system's shared zero page; the
/// write after it then copies the page and interrupts every other core of the process to
/// flush its address cache (checking a million flows took 0.32 s with them, 0.29 s without).
/// The fill value is hidden from the compiler, which would otherwise turn the writes back
/// into a zeroed allocation.
pub(super) fn written_zeros(n: usize) -> Vec<u32> {
    let mut v = Vec::with_capacity(n);
    v.resize(n, std::hint::black_box(0));
    v
}

/// Grids up to this many slots beyond four per cell are dense (4 MiB of `u32`).
const FREE_SLOTS: usize = 1 << 20;

impl CellIndex {
    /// Indexes `cells` in order. A key that repeats gives `Err((first, second))`, the cells
    /// of the earliest repetition.
    pub(super) fn build(cells: &[CellKey]) -> Result<Self, (usize, usize)> {
        let size = |f: fn(&CellKey) -> usize| cells.iter().map(|c| f(c) + 1).max().unwrap_or(0);
        let (products, exporters, importers) = (
            size(|c| c.product()),
            size(|c| c.exporter()),
            size(|c| c.importer()),
        );
        let grid = products
            .checked_mul(exporters)
            .and_then(|n| n.checked_mul(importers));
        let dense_ok = cells.len() < u32::MAX as usize
            && grid.is_some_and(|g| g <= cells.len().saturating_mul(4) + FREE_SLOTS);
        if dense_ok {
            let mut slots = written_zeros(grid.unwrap_or(0));
            for (i, c) in cells.iter().enumerate() {
                let slot =
                    &mut slots[(c.product() * exporters + c.exporter()) * importers + c.importer()];
                if *slot != 0 {
                    return Err((*slot as usize - 1, i));
                }
                *slot = i as u32 + 1;
            }
            Ok(CellIndex::Dense {
                products,
                exporters,
                importers,
                slots,
            })
        } else {
            let mut map = FastMap::default();
            map.reserve(cells.len());
            for (i, c) in cells.iter().enumerate() {
                if let Some(first) = map.insert((c.product(), c.exporter(), c.importer()), i) {
                    return Err((first, i));
                }
            }
            Ok(CellIndex::Sparse(map))
        }
    }

    /// Indexes cells that should not repeat; if one does, the later cell is the one found.
    pub(super) fn last_wins(cells: &[CellKey]) -> Self {
        Self::build(cells).unwrap_or_else(|_| {
            CellIndex::Sparse(
                cells
                    .iter()
                    .enumerate()
                    .map(|(i, c)| ((c.product(), c.exporter(), c.importer()), i))
                    .collect(),
            )
        })
    }

    /// The cell of product `p`, exporter `e` and importer `i`, if there is one.
    #[inline]
    pub(super) fn get(&self, p: usize, e: usize, i: usize) -> Option<usize> {
        match self {
            CellIndex::Dense {
                products,
                exporters,
                importers,
                slots,
            } => {
                if p >= *products || e >= *exporters || i >= *importers {
                    return None;
                }
                match slots[(p * exporters + e) * importers + i] {
                    0 => None,
                    s => Some(s as usize - 1),
                }
            }
            CellIndex::Sparse(map) => map.get(&(p, e, i)).copied(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(product: usize, exporter: usize, importer: usize) -> CellKey {
        CellKey::new(product, exporter, importer)
    }

    #[test]
    fn dense_and_sparse_find_the_same_cells_and_the_first_repeat() {
        // Dense: a full 3 × 2 grid; sparse: a few cells on a huge grid.
        let dense: Vec<CellKey> = (0..3)
            .flat_map(|p| (0..2).map(move |e| key(p, e, 0)))
            .collect();
        let sparse = vec![key(0, 0, 0), key(5_000_000, 1, 0), key(7, 900_000, 2)];
        for cells in [&dense, &sparse] {
            let index = CellIndex::build(cells).unwrap();
            for (i, c) in cells.iter().enumerate() {
                assert_eq!(index.get(c.product(), c.exporter(), c.importer()), Some(i));
            }
            assert_eq!(index.get(1, 1, 1), None);
            assert_eq!(index.get(9_999_999, 0, 0), None);
        }
        assert!(matches!(
            CellIndex::build(&dense).unwrap(),
            CellIndex::Dense { .. }
        ));
        assert!(matches!(
            CellIndex::build(&sparse).unwrap(),
            CellIndex::Sparse(_)
        ));
        let mut repeated = dense.clone();
        repeated.extend([key(2, 1, 0), key(0, 0, 0)]);
        assert_eq!(CellIndex::build(&repeated).err(), Some((5, 6)));
        let mut repeated = sparse.clone();
        repeated.extend([key(7, 900_000, 2), key(0, 0, 0)]);
        assert_eq!(CellIndex::build(&repeated).err(), Some((2, 3)));
    }
}
