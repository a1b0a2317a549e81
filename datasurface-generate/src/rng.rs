//! A small deterministic random number generator (`SplitMix64`), so that a seed
//! gives the same model on every machine and every version of the dependencies.

/// `SplitMix64`: fast, statistically sound for choosing model shapes, and stable.
#[derive(Debug, Clone)]
pub(crate) struct Rng(u64);

impl Rng {
    /// The generator for one entity of a model: the same seed, kind and index
    /// give the same choices, whatever else the model holds.
    pub(crate) fn for_entity(seed: u64, kind: u64, index: usize) -> Self {
        let mut rng = Rng(seed ^ kind.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        rng.0 ^= (index as u64).wrapping_mul(0xD1B5_4A32_D192_ED03);
        rng.next();
        rng
    }

    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n`; 0 when `n` is 0.
    pub(crate) fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        usize::try_from(self.next() % (n as u64)).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_entity_gives_the_same_numbers() {
        let a: Vec<usize> = (0..5)
            .map(|_| Rng::for_entity(7, 1, 3).below(100))
            .collect();
        assert!(a.windows(2).all(|w| w[0] == w[1]));
        let mut r = Rng::for_entity(7, 1, 3);
        let seq: Vec<usize> = (0..20).map(|_| r.below(10)).collect();
        assert!(seq.iter().any(|n| *n != seq[0]), "{seq:?}");
        assert_eq!(Rng::for_entity(1, 1, 1).below(0), 0);
    }
}
