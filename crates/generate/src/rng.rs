//! The one source of deterministic randomness: demo data, the demo team's history, and
//! the randomised tests and benchmarks all draw from it, so that a seed means the same
//! thing everywhere and whatever the crate versions.

/// splitmix64 (Steele, Lea and Flood, 2014): small, fast and written out here so that a
/// seed gives the same data whatever the crate versions.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// Each application has its own stream, so an index can be made without the ones before.
    pub fn for_index(seed: u64, index: u64) -> Rng {
        Rng(mix64(mix64(seed).wrapping_add(index)))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix64(self.0)
    }

    /// Uniform in 0..n (n > 0), by multiplication rather than modulo (Lemire).
    pub fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    pub fn chance(&mut self, probability: f64) -> bool {
        // 53 random bits make an exact f64 in [0, 1).
        ((self.next_u64() >> 11) as f64 / (1u64 << 53) as f64) < probability
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    pub fn pick_word(&mut self, words: &[&'static str]) -> &'static str {
        words[self.below(words.len())]
    }

    /// An index drawn with the weights whose running totals are `cumulative`.
    pub fn weighted(&mut self, cumulative: &[u32]) -> usize {
        let total = *cumulative.last().expect("at least one weight");
        let target = self.below(total as usize) as u32;
        cumulative.partition_point(|&sum| sum <= target)
    }

    pub fn push_digits(&mut self, out: &mut String, count: usize) {
        for _ in 0..count {
            out.push(char::from(b'0' + self.below(10) as u8));
        }
    }
}

pub fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
