//! Properties the competition engine keeps for any round: random juries, rubrics, recusals and
//! selection limits, generated from a seed so that proptest can report the failing one.

use std::collections::HashMap;

use chuangxiang_domain::competition::{
    InputFile, Outcome, Problem, Sources, TieBreak, decide, lot_key,
};
use num_rational::BigRational;
use proptest::prelude::*;
use rust_decimal::Decimal;

/// SplitMix64: a small deterministic generator, so each case is reproducible from its seed.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `low..=high`.
    fn between(&mut self, low: u64, high: u64) -> u64 {
        low + self.next() % (high - low + 1)
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.between(0, i as u64) as usize;
            items.swap(i, j);
        }
    }
}

/// A round as the four files' rows, without headers.
#[derive(Clone, Debug)]
struct Round {
    rules: String,
    scores: Vec<String>,
    proposals: Vec<String>,
    recusals: Vec<String>,
}

impl Round {
    fn generate(seed: u64) -> Round {
        let mut dice = Dice(seed);
        let aggregate = |dice: &mut Dice| if dice.chance(50) { "mean" } else { "median" };
        let groups = [
            ("public", dice.between(2, 6)),
            ("expert", dice.between(1, 3)),
        ];
        let mut rules = String::from(
            "step = 0.5\n\
             [[criteria]]\nkey = \"need\"\nmax = 10\n\
             [[criteria]]\nkey = \"plan\"\nmax = 5\nweight = 2\n",
        );
        for (key, judges) in groups {
            rules += &format!(
                "[[groups]]\nkey = \"{key}\"\nweight = {}\nquorum = {}\ntrim = {}\naggregate = \"{}\"\n",
                dice.between(1, 5),
                dice.between(1, judges.min(3)),
                dice.between(0, 2),
                aggregate(&mut dice),
            );
        }
        rules += "[selection]\n";
        if dice.chance(70) {
            rules += &format!("max_winners = {}\n", dice.between(1, 6));
        }
        if dice.chance(70) {
            rules += &format!("budget = \"{}.5\"\n", dice.between(0, 40_000));
        }
        if dice.chance(70) {
            rules += &format!("per_community_max = {}\n", dice.between(1, 2));
        }
        let mut tie_break = vec![
            "\"group:public\"",
            "\"group:expert\"",
            "\"supports\"",
            "\"lot\"",
        ];
        dice.shuffle(&mut tie_break);
        tie_break.truncate(dice.between(0, 4) as usize);
        rules += &format!(
            "tie_break = [{}]\nseed = \"season-{seed}\"\n",
            tie_break.join(", ")
        );

        let communities = ["花西三", "圣星", "南湖东园", "南湖中园"];
        let count = dice.between(1, 15);
        let mut proposals = Vec::new();
        let mut scores = Vec::new();
        let mut recusals = Vec::new();
        for p in 1..=count {
            let id = format!("P{p:02}");
            let community = communities[dice.between(0, 3) as usize];
            let cost = dice.between(1, 12) * 1000;
            proposals.push(format!("{id},{community},{cost}.00,{}", dice.between(0, 3)));
            for (group, judges) in groups {
                for j in 1..=judges {
                    let judge = format!("{group}{j}");
                    if dice.chance(8) {
                        recusals.push(format!("{judge},{id}"));
                        continue;
                    }
                    if dice.chance(12) {
                        continue;
                    }
                    // Few distinct values, so that ties are common.
                    let need = dice.between(0, 4) * 5;
                    let plan = dice.between(0, 10);
                    scores.push(format!("{id},{judge},{group},need,{}", half(need)));
                    scores.push(format!("{id},{judge},{group},plan,{}", half(plan)));
                }
            }
        }
        Round {
            rules,
            scores,
            proposals,
            recusals,
        }
    }

    fn decide(&self) -> Result<Outcome, Vec<Problem>> {
        let scores = format!(
            "proposal,judge,group,criterion,score\n{}\n",
            self.scores.join("\n")
        );
        let proposals = format!(
            "proposal,community,cost,supports\n{}\n",
            self.proposals.join("\n")
        );
        let recusals = format!("judge,proposal\n{}\n", self.recusals.join("\n"));
        decide(&Sources {
            rules: &self.rules,
            scores: &scores,
            proposals: &proposals,
            recusals: Some(&recusals),
        })
    }

    fn outcome(&self) -> Outcome {
        match self.decide() {
            Ok(outcome) => outcome,
            Err(problems) => panic!("a generated round was refused: {problems:#?}\n{self:#?}"),
        }
    }
}

/// `steps` half-points as text.
fn half(steps: u64) -> String {
    if steps.is_multiple_of(2) {
        (steps / 2).to_string()
    } else {
        format!("{}.5", steps / 2)
    }
}

fn ratio(value: Decimal) -> BigRational {
    chuangxiang_domain::competition::Exact::from_decimal(value)
        .ratio()
        .clone()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn the_result_does_not_depend_on_the_order_of_score_and_recusal_rows(seed: u64, order: u64) {
        let round = Round::generate(seed);
        let mut shuffled = round.clone();
        let mut dice = Dice(order);
        dice.shuffle(&mut shuffled.scores);
        dice.shuffle(&mut shuffled.recusals);
        prop_assert_eq!(round.outcome(), shuffled.outcome());
    }

    #[test]
    fn reordering_proposals_only_reorders_the_unrankable_ones(seed: u64, order: u64) {
        let round = Round::generate(seed);
        let mut shuffled = round.clone();
        Dice(order).shuffle(&mut shuffled.proposals);
        let (a, b) = (round.outcome(), shuffled.outcome());
        let split = |outcome: &Outcome| {
            let (ranked, mut unranked): (Vec<_>, Vec<_>) =
                outcome.proposals.iter().cloned().partition(|p| p.rank.is_some());
            unranked.sort_by(|x, y| x.proposal.cmp(&y.proposal));
            (ranked, unranked)
        };
        prop_assert_eq!(split(&a), split(&b));
        prop_assert_eq!(a.agreement, b.agreement);
    }

    #[test]
    fn a_trimmed_aggregate_lies_between_the_groups_lowest_and_highest_total(seed: u64) {
        let outcome = Round::generate(seed).outcome();
        for result in &outcome.proposals {
            for group in &result.groups {
                let Some(aggregate) = &group.aggregate else { continue };
                let totals: Vec<BigRational> = group.totals.iter().map(|t| ratio(t.total)).collect();
                let (Some(low), Some(high)) = (totals.iter().min(), totals.iter().max()) else {
                    panic!("an aggregate without totals");
                };
                prop_assert!(low <= aggregate.ratio() && aggregate.ratio() <= high);
                // The kept totals alone bound it too.
                let kept: Vec<&BigRational> = totals.iter().zip(&group.totals)
                    .filter(|(_, t)| !t.dropped).map(|(r, _)| r).collect();
                prop_assert!(kept.iter().all(|&r| r >= low && r <= high));
            }
        }
    }

    #[test]
    fn a_groups_agreement_lies_between_none_and_full(seed: u64) {
        let outcome = Round::generate(seed).outcome();
        let (zero, one) = (BigRational::from_integer(0.into()), BigRational::from_integer(1.into()));
        for agreement in &outcome.agreement {
            if let Some(w) = &agreement.w {
                prop_assert!(&zero <= w.ratio() && w.ratio() <= &one, "W = {:?}", w);
            }
        }
    }

    #[test]
    fn selection_never_exceeds_the_budget_the_winners_or_a_communitys_cap(seed: u64) {
        let round = Round::generate(seed);
        let outcome = round.outcome();
        let setting = |key: &str| {
            round.rules.lines().find_map(|line| line.strip_prefix(&format!("{key} = ")))
                .map(|v| v.trim_matches('"').to_string())
        };
        let winners: Vec<_> = outcome.winners().collect();
        if let Some(max) = setting("max_winners") {
            prop_assert!(winners.len() <= max.parse::<usize>().unwrap_or(usize::MAX));
        }
        if let Some(budget) = setting("budget") {
            let budget: Decimal = budget.parse().unwrap_or(Decimal::MAX);
            let spent: Decimal = winners.iter().map(|w| w.cost).sum();
            prop_assert!(spent <= budget);
        }
        if let Some(cap) = setting("per_community_max") {
            let cap: usize = cap.parse().unwrap_or(usize::MAX);
            let mut per_community: HashMap<&str, usize> = HashMap::new();
            for winner in &winners {
                *per_community.entry(winner.community.as_str()).or_default() += 1;
            }
            prop_assert!(per_community.values().all(|&n| n <= cap));
        }
        // A proposal is turned down only with a reason, and only a rankable one can win.
        for result in &outcome.proposals {
            prop_assert_eq!(result.selected, result.reason.is_none());
            prop_assert!(!result.selected || result.rank.is_some());
        }
    }

    #[test]
    fn the_lot_is_reproducible_from_the_seed_and_orders_remaining_ties(seed: u64) {
        let round = Round::generate(seed);
        let outcome = round.outcome();
        prop_assert_eq!(&outcome, &round.outcome());
        let lot_seed = format!("season-{seed}");
        let tie_break = outcome_tie_break(&round.rules);
        let Some(lot_at) = tie_break.iter().position(|t| *t == TieBreak::Lot) else {
            prop_assert!(outcome.proposals.iter().all(|p| p.lot.is_none()));
            return Ok(());
        };
        let ranked: Vec<_> = outcome.proposals.iter().filter(|p| p.rank.is_some()).collect();
        for result in &ranked {
            prop_assert_eq!(result.lot.clone(), Some(lot_key(&lot_seed, &result.proposal)));
        }
        let groups: Vec<&str> = outcome.groups.iter().map(|g| g.key.as_str()).collect();
        for pair in ranked.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            let tied_before_lot = a.final_score == b.final_score
                && tie_break[..lot_at].iter().all(|rule| match rule {
                    TieBreak::Group(key) => {
                        let g = groups.iter().position(|k| k == key).unwrap_or(0);
                        a.groups[g].aggregate == b.groups[g].aggregate
                    }
                    TieBreak::Supports => a.supports == b.supports,
                    TieBreak::Lot => true,
                });
            if tied_before_lot {
                prop_assert!(a.lot < b.lot);
                prop_assert!(a.rank < b.rank);
            }
        }
    }

    #[test]
    fn every_faulty_score_is_reported_with_its_line(seed: u64, faults: u64) {
        let mut round = Round::generate(seed);
        prop_assume!(!round.scores.is_empty());
        let mut dice = Dice(faults);
        let mut lines: Vec<usize> = Vec::new();
        for _ in 0..dice.between(1, 6) {
            let index = dice.between(0, round.scores.len() as u64 - 1) as usize;
            let line = index + 2;
            if lines.contains(&line) {
                continue;
            }
            let mut fields: Vec<String> = round.scores[index].split(',').map(str::to_string).collect();
            match dice.between(0, 5) {
                0 => fields[4] = "99".into(),
                1 => fields[4] = "0.3".into(),
                2 => fields[4] = "八".into(),
                3 => fields[3] = "impact".into(),
                4 => fields[0] = "P99".into(),
                _ => fields[2] = "jury".into(),
            }
            round.scores[index] = fields.join(",");
            lines.push(line);
        }
        let problems = match round.decide() {
            Ok(_) => panic!("a round with faulty scores was decided"),
            Err(problems) => problems,
        };
        for line in lines {
            prop_assert!(
                problems.iter().any(|p| p.file == InputFile::Scores && p.line == Some(line)),
                "line {} is not reported: {:#?}", line, problems
            );
        }
    }
}

fn outcome_tie_break(rules: &str) -> Vec<TieBreak> {
    match chuangxiang_domain::competition::Rules::from_toml(rules) {
        Ok(rules) => rules.selection().tie_break.clone(),
        Err(problems) => panic!("generated rules refused: {problems:#?}"),
    }
}
