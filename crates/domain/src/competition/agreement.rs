//! Kendall's coefficient of concordance W: how far a jury group's judges ranked the proposals alike.
//!
//! It is shown beside a result as a reason to look, never a reason to refuse: a low W may mean a
//! careless judge, or only proposals too close to tell apart.

use num_bigint::BigInt;
use num_rational::BigRational;

use super::exact::Exact;

/// Kendall's W with the correction for ties, exactly:
/// `W = 12·S / (m²(n³−n) − m·Σⱼ Tⱼ)`, where judge `j`'s scores are ranked (ties get the average
/// rank), `Rᵢ` is proposal `i`'s rank sum, `S = Σᵢ (Rᵢ − m(n+1)/2)²` and `Tⱼ = Σ (t³−t)` over
/// judge `j`'s groups of `t` tied scores.
///
/// `scores[j][i]` is judge `j`'s score of proposal `i`; every judge must score the same `n`
/// proposals in the same order. `None` when W is undefined: fewer than two judges or proposals,
/// rows of different lengths, or every judge giving every proposal the same score.
pub fn kendalls_w<T: Ord>(scores: &[Vec<T>]) -> Option<Exact> {
    let m = scores.len();
    let n = scores.first().map_or(0, Vec::len);
    if m < 2 || n < 2 || scores.iter().any(|row| row.len() != n) {
        return None;
    }
    // Ranks are kept doubled so that average ranks of ties stay whole numbers.
    let mut doubled_rank_sums = vec![0i128; n];
    let mut tie_correction: i128 = 0;
    let mut order: Vec<usize> = Vec::with_capacity(n);
    for row in scores {
        order.clear();
        order.extend(0..n);
        order.sort_by(|&a, &b| row[a].cmp(&row[b]));
        let mut start = 0;
        while start < n {
            let mut end = start;
            while end + 1 < n && row[order[end + 1]] == row[order[start]] {
                end += 1;
            }
            // Positions start..=end share the average of ranks start+1..=end+1.
            let doubled_rank = (start + end + 2) as i128;
            for &proposal in &order[start..=end] {
                doubled_rank_sums[proposal] += doubled_rank;
            }
            let tied = (end - start + 1) as i128;
            tie_correction += tied * tied * tied - tied;
            start = end + 1;
        }
    }
    let (m, n) = (m as i128, n as i128);
    let doubled_mean = m * (n + 1);
    let four_s: i128 = doubled_rank_sums
        .iter()
        .map(|&r| (r - doubled_mean) * (r - doubled_mean))
        .sum();
    let denominator = m * m * (n * n * n - n) - m * tie_correction;
    if denominator == 0 {
        return None;
    }
    // 12·S = 3·(4S).
    Some(Exact::from_ratio(BigRational::new(
        BigInt::from(3 * four_s),
        BigInt::from(denominator),
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn judges_who_rank_alike_agree_fully() {
        let w = kendalls_w(&[vec![1, 2, 3, 4], vec![10, 20, 30, 40], vec![5, 6, 7, 8]]);
        assert_eq!(w.map(|w| w.for_csv()), Some("1.0000".into()));
    }

    #[test]
    fn two_judges_with_opposite_rankings_do_not_agree() {
        let w = kendalls_w(&[vec![1, 2, 3], vec![3, 2, 1]]);
        assert_eq!(w.map(|w| w.for_csv()), Some("0.0000".into()));
    }

    #[test]
    fn ties_are_corrected_for() {
        // Judge A ranks 1, 2.5, 2.5 (tie of two: T = 8 − 2 = 6); judge B ranks 1, 2, 3 (T = 0).
        // Rank sums 2, 4.5, 5.5; mean 4; S = 4 + 0.25 + 2.25 = 6.5.
        // W = 12·6.5 / (4·(27 − 3) − 2·6) = 78 / 84 = 13/14.
        let w = kendalls_w(&[vec![1, 2, 2], vec![1, 2, 3]]).map(|w| w.ratio().clone());
        assert_eq!(w, Some(BigRational::new(13.into(), 14.into())));
    }

    #[test]
    fn agreement_is_undefined_for_a_lone_judge_or_all_equal_scores() {
        assert_eq!(kendalls_w(&[vec![1, 2, 3]]), None);
        assert_eq!(kendalls_w(&[vec![5, 5], vec![5, 5]]), None);
    }
}
