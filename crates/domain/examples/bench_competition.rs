//! Times the competition engine on a city-sized round: 5,000 proposals, 15 judges (12 public,
//! 3 expert) and 7 criteria, about half a million scores, generated the same way every run.
//!
//! Run with `cargo run --release -p chuangxiang-domain --example bench_competition`.

use std::time::{Duration, Instant};

use chuangxiang_domain::competition::{
    ProposalRow, Recusal, Rules, ScoreRow, Sources, compute, decide,
};
use rust_decimal::Decimal;

const PROPOSALS: usize = 5_000;
const PUBLIC_JUDGES: usize = 12;
const EXPERT_JUDGES: usize = 3;
const COMMUNITIES: u64 = 800;
const RUNS: usize = 7;

const RULES: &str = r#"
step = 0.5
[[criteria]]
key = "need"
max = 20
[[criteria]]
key = "goals"
max = 10
[[criteria]]
key = "methods"
max = 10
[[criteria]]
key = "steps"
max = 10
[[criteria]]
key = "plan"
max = 10
weight = 1.5
[[criteria]]
key = "guarantees"
max = 10
[[criteria]]
key = "participation"
max = 20
weight = 2

[[groups]]
key = "public"
weight = 40
quorum = 8
trim = 2
aggregate = "mean"

[[groups]]
key = "expert"
weight = 60
quorum = 2
aggregate = "median"

[selection]
max_winners = 651
budget = "42000000.00"
per_community_max = 3
tie_break = ["group:expert", "supports", "lot"]
seed = "beijing-2026"
"#;

/// SplitMix64, so that every run scores the same round.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn main() {
    let rules = match Rules::from_toml(RULES) {
        Ok(rules) => rules,
        Err(problems) => {
            problems.iter().for_each(|p| eprintln!("{p}"));
            std::process::exit(2);
        }
    };
    let (scores, proposals, recusals) = generate(&rules);
    let (scores_csv, proposals_csv, recusals_csv) = to_csv(&scores, &proposals, &recusals);
    println!(
        "round: {} proposals, {} judges, {} criteria, {} scores, {} recusals",
        proposals.len(),
        PUBLIC_JUDGES + EXPERT_JUDGES,
        rules.criteria().len(),
        scores.len(),
        recusals.len()
    );

    let compute_times = time(|| match compute(&rules, &scores, &proposals, &recusals) {
        Ok(outcome) => outcome.winners().count(),
        Err(problems) => panic!("the generated round was refused: {:?}", problems.first()),
    });
    let sources = Sources {
        rules: RULES,
        scores: &scores_csv,
        proposals: &proposals_csv,
        recusals: Some(&recusals_csv),
    };
    let decide_times = time(|| match decide(&sources) {
        Ok(outcome) => outcome.to_results_csv().len(),
        Err(problems) => panic!("the generated files were refused: {:?}", problems.first()),
    });
    println!(
        "compute (rows in memory):        median {:?} of {RUNS} runs",
        median(compute_times)
    );
    println!(
        "decide + results.csv (from text): median {:?} of {RUNS} runs",
        median(decide_times)
    );
}

fn generate(rules: &Rules) -> (Vec<ScoreRow>, Vec<ProposalRow>, Vec<Recusal>) {
    let mut dice = Dice(2017);
    let step = rules.step();
    let judges: Vec<(String, &str)> = (1..=PUBLIC_JUDGES)
        .map(|j| (format!("public-{j:02}"), "public"))
        .chain((1..=EXPERT_JUDGES).map(|j| (format!("expert-{j}"), "expert")))
        .collect();
    let mut scores = Vec::new();
    let mut proposals = Vec::with_capacity(PROPOSALS);
    let mut recusals = Vec::new();
    for p in 0..PROPOSALS {
        let id = format!("P{p:05}");
        proposals.push(ProposalRow {
            line: Some(p + 2),
            proposal: id.clone(),
            community: format!("community-{:03}", dice.below(COMMUNITIES)),
            cost: Decimal::new(dice.below(200_000) as i64 * 100 + 500_000, 2),
            supports: dice.below(300),
        });
        for (judge, group) in &judges {
            // About one public judge in a hundred lives in the proposal's community.
            if *group == "public" && dice.below(100) == 0 {
                recusals.push(Recusal {
                    line: Some(recusals.len() + 2),
                    judge: judge.clone(),
                    proposal: id.clone(),
                });
                continue;
            }
            for criterion in rules.criteria() {
                let steps_in_max = (criterion.max / step).trunc();
                let steps = Decimal::from(
                    dice.below(u64::try_from(steps_in_max.mantissa()).unwrap_or(1) + 1),
                );
                scores.push(ScoreRow {
                    line: Some(scores.len() + 2),
                    proposal: id.clone(),
                    judge: judge.clone(),
                    group: (*group).to_string(),
                    criterion: criterion.key.clone(),
                    score: steps * step,
                });
            }
        }
    }
    (scores, proposals, recusals)
}

fn to_csv(
    scores: &[ScoreRow],
    proposals: &[ProposalRow],
    recusals: &[Recusal],
) -> (String, String, String) {
    let mut s = String::from("proposal,judge,group,criterion,score\n");
    for r in scores {
        s += &format!(
            "{},{},{},{},{}\n",
            r.proposal, r.judge, r.group, r.criterion, r.score
        );
    }
    let mut p = String::from("proposal,community,cost,supports\n");
    for r in proposals {
        p += &format!("{},{},{},{}\n", r.proposal, r.community, r.cost, r.supports);
    }
    let mut x = String::from("judge,proposal\n");
    for r in recusals {
        x += &format!("{},{}\n", r.judge, r.proposal);
    }
    (s, p, x)
}

fn time<T>(mut run: impl FnMut() -> T) -> Vec<Duration> {
    (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(run());
            start.elapsed()
        })
        .collect()
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}
