//! The lot (抽签) that settles a tie nothing else settles, drawn so that anyone can repeat it.
//!
//! The seed is fixed in the rules before scoring and published with the result; hashing
//! `seed:proposal` then orders tied proposals in a way no one could steer, yet everyone can check.

use sha2::{Digest, Sha256};

/// The lowercase SHA-256 hex of `seed + ":" + proposal`; among tied proposals the smallest wins.
pub fn lot_key(seed: &str, proposal: &str) -> String {
    let digest = Sha256::new()
        .chain_update(seed.as_bytes())
        .chain_update(b":")
        .chain_update(proposal.as_bytes())
        .finalize();
    digest.iter().map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lot_is_the_sha256_of_seed_colon_proposal() {
        // Checked with: printf 'wangjing-2017-final:P01' | sha256sum
        assert_eq!(
            lot_key("wangjing-2017-final", "P01"),
            "4587764f2f586e9af5ce8f33218505797186b252c06681209db3ed938d617c96"
        );
    }
}
