//! Exact numbers for aggregates, final scores and agreement, rounded only when they are shown.
//!
//! A mean of three totals or a weighted average of groups is usually a repeating decimal; ranking
//! on a rounded value could split or merge a tie, so the engine keeps fractions and rounds
//! half-to-even at the very end (scoring.md step 5).

use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{Signed, Zero};
use rust_decimal::Decimal;

/// An exact rational number.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Exact(BigRational);

impl Exact {
    pub fn from_ratio(ratio: BigRational) -> Self {
        Self(ratio)
    }

    pub fn from_decimal(value: Decimal) -> Self {
        Self(decimal_to_ratio(value))
    }

    pub fn ratio(&self) -> &BigRational {
        &self.0
    }

    /// The value rounded half-to-even to `places` decimals, e.g. `to_fixed(2)` of 2/3 is `"0.67"`
    /// and of 0.125 is `"0.12"`.
    pub fn to_fixed(&self, places: u32) -> String {
        let scale = BigInt::from(10u32).pow(places);
        let scaled = &self.0 * BigRational::from_integer(scale);
        let negative = scaled.is_negative();
        let magnitude = scaled.abs();
        let mut units = magnitude.to_integer();
        let remainder = &magnitude - BigRational::from_integer(units.clone());
        let half = BigRational::new(1.into(), 2.into());
        let round_up = match remainder.cmp(&half) {
            std::cmp::Ordering::Greater => true,
            std::cmp::Ordering::Less => false,
            std::cmp::Ordering::Equal => (&units % 2u32) != BigInt::zero(),
        };
        if round_up {
            units += 1u32;
        }
        let digits = units.to_string();
        let places = places as usize;
        let body = if places == 0 {
            digits
        } else {
            let padded = format!("{digits:0>width$}", width = places + 1);
            let (int_part, frac_part) = padded.split_at(padded.len() - places);
            format!("{int_part}.{frac_part}")
        };
        // A value that rounds to zero is shown without a sign: "-0.00" would only confuse.
        if negative && !units.is_zero() {
            format!("-{body}")
        } else {
            body
        }
    }

    /// Two decimals, as result pages show figures.
    pub fn for_page(&self) -> String {
        self.to_fixed(2)
    }

    /// Four decimals, as `results.csv` publishes figures.
    pub fn for_csv(&self) -> String {
        self.to_fixed(4)
    }
}

pub(crate) fn decimal_to_ratio(value: Decimal) -> BigRational {
    BigRational::new(
        BigInt::from(value.mantissa()),
        BigInt::from(10u32).pow(value.scale()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ratio(n: i64, d: i64) -> Exact {
        Exact::from_ratio(BigRational::new(n.into(), d.into()))
    }

    #[test]
    fn halves_round_to_the_even_neighbour() {
        assert_eq!(ratio(125, 1000).to_fixed(2), "0.12");
        assert_eq!(ratio(135, 1000).to_fixed(2), "0.14");
        assert_eq!(ratio(5, 2).to_fixed(0), "2");
        assert_eq!(ratio(7, 2).to_fixed(0), "4");
        assert_eq!(ratio(-125, 1000).to_fixed(2), "-0.12");
    }

    #[test]
    fn repeating_decimals_round_to_the_nearest() {
        assert_eq!(ratio(2, 3).to_fixed(4), "0.6667");
        assert_eq!(ratio(1, 3).to_fixed(2), "0.33");
        assert_eq!(ratio(200, 3).for_page(), "66.67");
        assert_eq!(ratio(7, 1).for_csv(), "7.0000");
        assert_eq!(ratio(-1, 1000).to_fixed(2), "0.00");
    }
}
