//! The proposal competition decided by hand and by the engine: each test works a small round
//! through scoring.md's steps and checks the engine reaches the same figures.

use chuangxiang_domain::competition::{
    Exact, InputFile, Lang, Outcome, Problem, ProblemKind, Reason, Rules, Sources, compute, decide,
    decode_utf8, lot_key, parse_proposals, parse_recusals, parse_scores,
};
use num_rational::BigRational;

const FIXTURES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/fixtures/competition"
);

fn fixture(path: &str) -> String {
    std::fs::read_to_string(format!("{FIXTURES}/{path}"))
        .unwrap_or_else(|error| panic!("fixture {path}: {error}"))
}

/// A rubric of one criterion out of 100, so that a sheet total is the score itself.
fn rules(groups: &str, selection: &str) -> String {
    format!(
        "step = 0.5\n[[criteria]]\nkey = \"overall\"\nmax = 100\n{groups}\n[selection]\n{selection}\n"
    )
}

fn group(key: &str, weight: u32, quorum: usize, trim: usize, aggregate: &str) -> String {
    format!(
        "[[groups]]\nkey = \"{key}\"\nweight = {weight}\nquorum = {quorum}\ntrim = {trim}\naggregate = \"{aggregate}\"\n"
    )
}

/// Public judges only, mean of all, no trimming.
fn public_only(selection: &str) -> String {
    rules(&group("public", 1, 1, 0, "mean"), selection)
}

/// One sheet per total, from judges named `<group>1`, `<group>2`, ...
fn sheets(proposal: &str, group: &str, totals: &[&str]) -> String {
    totals
        .iter()
        .enumerate()
        .map(|(i, total)| format!("{proposal},{group}{},{group},overall,{total}\n", i + 1))
        .collect()
}

fn proposal(id: &str, community: &str, cost: &str, supports: u64) -> String {
    format!("{id},{community},{cost},{supports}\n")
}

fn run(
    rules: &str,
    scores: &str,
    proposals: &str,
    recusals: Option<&str>,
) -> Result<Outcome, Vec<Problem>> {
    let scores = format!("proposal,judge,group,criterion,score\n{scores}");
    let proposals = format!("proposal,community,cost,supports\n{proposals}");
    let recusals = recusals.map(|r| format!("judge,proposal\n{r}"));
    decide(&Sources {
        rules,
        scores: &scores,
        proposals: &proposals,
        recusals: recusals.as_deref(),
    })
}

fn decided(rules: &str, scores: &str, proposals: &str) -> Outcome {
    match run(rules, scores, proposals, None) {
        Ok(outcome) => outcome,
        Err(problems) => panic!("refused: {problems:#?}"),
    }
}

fn refused(rules: &str, scores: &str, proposals: &str, recusals: Option<&str>) -> Vec<Problem> {
    match run(rules, scores, proposals, recusals) {
        Ok(outcome) => panic!(
            "decided, but should be refused:\n{}",
            outcome.to_results_csv()
        ),
        Err(problems) => problems,
    }
}

/// Proposal ids in ranking order.
fn order(outcome: &Outcome) -> Vec<&str> {
    outcome
        .proposals
        .iter()
        .map(|p| p.proposal.as_str())
        .collect()
}

fn result<'o>(
    outcome: &'o Outcome,
    id: &str,
) -> &'o chuangxiang_domain::competition::ProposalResult {
    match outcome.proposals.iter().find(|p| p.proposal == id) {
        Some(result) => result,
        None => panic!("{id} is not in the outcome"),
    }
}

fn ratio(n: i64, d: i64) -> BigRational {
    BigRational::new(n.into(), d.into())
}

fn located(problems: &[Problem]) -> Vec<(InputFile, Option<usize>)> {
    problems.iter().map(|p| (p.file, p.line)).collect()
}

// ---------------------------------------------------------------------------------------------
// The fixture: a final of ten proposals, four public and two expert judges.
// ---------------------------------------------------------------------------------------------

fn wangjing_final() -> Outcome {
    let (rules, scores, proposals, recusals) = (
        fixture("rules.toml"),
        fixture("scores.csv"),
        fixture("proposals.csv"),
        fixture("recusals.csv"),
    );
    let sources = Sources {
        rules: &rules,
        scores: &scores,
        proposals: &proposals,
        recusals: Some(&recusals),
    };
    match decide(&sources) {
        Ok(outcome) => outcome,
        Err(problems) => panic!("the fixture is refused: {problems:#?}"),
    }
}

/// Sheet total = need + 2·feasibility + participation (weights 1, 2, 1).
/// public: weight 40, quorum 3, trim 1, mean. expert: weight 60, quorum 2, median.
///
/// | proposal | public totals (trimmed)      | public | expert | final = (40·pub + 60·exp)/100 |
/// |----------|------------------------------|--------|--------|-------------------------------|
/// | P02      | 47 46 45 44 → 46 45          | 45.5   | 43.5   | (1820 + 2610)/100 = 44.3      |
/// | P01      | 42 40 38 30 → 40 38          | 39     | 43     | (1560 + 2580)/100 = 41.4      |
/// | P03      | 41 36 35 → 36 (pj4 recused)  | 36     | 39.5   | (1440 + 2370)/100 = 38.1      |
/// | P04      | 44 37 36.5 30 → 37 36.5      | 36.75  | 39     | (1470 + 2340)/100 = 38.1      |
/// | P06      | 35 34 34 33 → 34 34          | 34     | 36     | (1360 + 2160)/100 = 35.2      |
/// | P05      | 34 34 34 34 → 34 34          | 34     | 36     | 35.2                          |
/// | P08, P07 | all 30                       | 30     | 30     | 30                            |
/// | P09      | 49 48 (two judges < quorum 3)| —      | 46.5   | not rankable                  |
/// | P10      | nobody scored it             | —      | —      | not rankable                  |
///
/// Ties: P03 before P04 on the expert aggregate (39.5 > 39); P06 before P05 on supports (20 > 12);
/// P08 before P07 by lot: sha256("wangjing-2017-final:P08") = 6807… < sha256("…:P07") = d35c….
///
/// Selection (4 winners, budget 62,000, one per community): P02 yes (32,000 left), P01 yes
/// (20,000), P03 yes (5,000), P04 8,000 > 5,000 budget, P06 9,000 budget, P05 4,000 fits but
/// 南湖西园二区 has P03: community_cap, P08 5,000 fits: yes (0 left, 4 winners), P07 quota.
#[test]
fn the_wangjing_final_is_decided_as_worked_by_hand() {
    let outcome = wangjing_final();
    assert_eq!(outcome.to_results_csv(), fixture("results.csv"));
}

#[test]
fn a_proposer_can_follow_every_judges_total_through_trimming_to_the_aggregate() {
    let outcome = wangjing_final();
    let p01 = result(&outcome, "P01");
    let public = &p01.groups[0];
    assert_eq!(public.group, "public");
    // pj1's sheet: need 15.5 + 2 × feasibility 8 + participation 8.5 = 40.
    let totals: Vec<(String, bool)> = public
        .totals
        .iter()
        .map(|t| (t.total.to_string(), t.dropped))
        .collect();
    assert_eq!(
        totals,
        [
            ("42".into(), true),
            ("40".into(), false),
            ("38".into(), false),
            ("30".into(), true)
        ]
    );
    assert_eq!(
        public.aggregate.as_ref().map(Exact::for_page),
        Some("39.00".into())
    );
    let expert = &p01.groups[1];
    let totals: Vec<String> = expert.totals.iter().map(|t| t.total.to_string()).collect();
    assert_eq!(totals, ["45", "41"]);
    assert!(
        expert.totals.iter().all(|t| !t.dropped),
        "the experts trim nothing"
    );
    assert_eq!(
        p01.final_score.as_ref().map(Exact::for_page),
        Some("41.40".into())
    );
    assert_eq!(
        (p01.rank, p01.selected, &p01.reason),
        (Some(2), true, &None)
    );
}

#[test]
fn a_recused_judges_absence_leaves_the_proposal_with_fewer_totals() {
    let outcome = wangjing_final();
    let p03 = result(&outcome, "P03");
    // pj4 is recused from P03: three public totals 41, 36, 35; trimming keeps only 36.
    let dropped: Vec<bool> = p03.groups[0].totals.iter().map(|t| t.dropped).collect();
    assert_eq!(dropped, [true, false, true]);
    assert_eq!(
        p03.groups[0].aggregate.as_ref().map(Exact::for_csv),
        Some("36.0000".into())
    );
}

#[test]
fn the_lot_is_drawn_from_the_published_seed() {
    let outcome = wangjing_final();
    let p08 = result(&outcome, "P08");
    let p07 = result(&outcome, "P07");
    assert_eq!(
        p08.lot.as_deref(),
        Some(lot_key("wangjing-2017-final", "P08").as_str())
    );
    assert!(p08.lot < p07.lot);
    assert_eq!((p08.rank, p07.rank), (Some(7), Some(8)));
    assert!(
        result(&outcome, "P09").lot.is_none(),
        "an unrankable proposal draws no lot"
    );
}

#[test]
fn each_jury_groups_agreement_is_measured_over_the_proposals_all_its_judges_scored() {
    let outcome = wangjing_final();
    let public = &outcome.agreement[0];
    // P03 (pj4 recused) and P09 (two judges) are left out; W worked with exact fractions.
    assert_eq!(
        (public.group.as_str(), public.judges, public.proposals),
        ("public", 4, 7)
    );
    assert_eq!(
        public.w.as_ref().map(|w| w.ratio().clone()),
        Some(ratio(163, 212))
    );
    assert_eq!(public.w.as_ref().map(Exact::for_page), Some("0.77".into()));
    let expert = &outcome.agreement[1];
    assert_eq!((expert.judges, expert.proposals), (2, 9));
    assert_eq!(
        expert.w.as_ref().map(|w| w.ratio().clone()),
        Some(ratio(155, 158))
    );
}

#[test]
fn a_tampered_round_is_refused_with_every_problem_and_its_line() {
    let (rules, scores, proposals, recusals) = (
        fixture("tampered/rules.toml"),
        fixture("tampered/scores.csv"),
        fixture("tampered/proposals.csv"),
        fixture("tampered/recusals.csv"),
    );
    let sources = Sources {
        rules: &rules,
        scores: &scores,
        proposals: &proposals,
        recusals: Some(&recusals),
    };
    let problems = match decide(&sources) {
        Ok(_) => panic!("a tampered round was decided"),
        Err(problems) => problems,
    };
    let summary: Vec<(InputFile, Option<usize>, &str)> = problems
        .iter()
        .map(|p| {
            let kind = match &p.kind {
                ProblemKind::MalformedNumber { .. } => "malformed number",
                ProblemKind::NegativeCost { .. } => "negative cost",
                ProblemKind::DuplicateProposal {
                    first_line: Some(8),
                    ..
                } => "duplicate proposal",
                ProblemKind::ScoreOutOfRange { .. } => "out of range",
                ProblemKind::ScoreOffStep { .. } => "off step",
                ProblemKind::IncompleteSheet { missing, .. } if missing == &["participation"] => {
                    "incomplete sheet"
                }
                ProblemKind::JudgeInTwoGroups {
                    first_group,
                    group,
                    first_line: Some(127),
                    ..
                } if first_group == "expert" && group == "public" => "two groups",
                ProblemKind::DuplicateScore {
                    first_line: Some(5),
                    ..
                } => "duplicate score",
                ProblemKind::RecusedJudgeScored { .. } => "recused",
                ProblemKind::UnknownProposal { .. } => "unknown proposal",
                ProblemKind::UnknownCriterion { .. } => "unknown criterion",
                other => panic!("unexpected {other:?}"),
            };
            (p.file, p.line, kind)
        })
        .collect();
    use InputFile::{Proposals, Scores};
    assert_eq!(
        summary,
        [
            (Proposals, Some(10), "malformed number"),
            (Proposals, Some(11), "negative cost"),
            (Proposals, Some(12), "duplicate proposal"),
            (Scores, Some(2), "out of range"),
            (Scores, Some(3), "off step"),
            (Scores, Some(9), "malformed number"),
            (Scores, Some(41), "incomplete sheet"),
            (Scores, Some(130), "two groups"),
            (Scores, Some(154), "duplicate score"),
            (Scores, Some(155), "recused"),
            (Scores, Some(158), "unknown proposal"),
            (Scores, Some(159), "unknown criterion"),
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// Steps 2 to 4: totals, aggregates, final score.
// ---------------------------------------------------------------------------------------------

#[test]
fn trimming_drops_the_highest_and_lowest_public_totals_before_the_mean() {
    // Five totals, trim 1: 95 and 50 are dropped; (60 + 70 + 80) / 3 = 70.
    let rules = rules(&group("public", 1, 3, 1, "mean"), "");
    let outcome = decided(
        &rules,
        &sheets("P1", "public", &["80", "50", "95", "60", "70"]),
        &proposal("P1", "c", "0", 0),
    );
    let public = &outcome.proposals[0].groups[0];
    let shown: Vec<(String, bool)> = public
        .totals
        .iter()
        .map(|t| (t.total.to_string(), t.dropped))
        .collect();
    assert_eq!(
        shown,
        [
            ("95".into(), true),
            ("80".into(), false),
            ("70".into(), false),
            ("60".into(), false),
            ("50".into(), true)
        ]
    );
    assert_eq!(
        public.aggregate.as_ref().map(|a| a.ratio().clone()),
        Some(ratio(70, 1))
    );
}

#[test]
fn a_jury_too_small_to_trim_keeps_every_total() {
    // Four totals with trim 2: n = 4 is not more than 2·2, so nothing is dropped.
    // (10 + 20 + 30 + 45) / 4 = 26.25.
    let rules = rules(&group("public", 1, 1, 2, "mean"), "");
    let outcome = decided(
        &rules,
        &sheets("P1", "public", &["10", "20", "30", "45"]),
        &proposal("P1", "c", "0", 0),
    );
    let public = &outcome.proposals[0].groups[0];
    assert!(public.totals.iter().all(|t| !t.dropped));
    assert_eq!(
        public.aggregate.as_ref().map(Exact::for_csv),
        Some("26.2500".into())
    );
}

#[test]
fn the_median_of_an_even_jury_is_the_mean_of_its_middle_two() {
    // 10, 20, 31, 90 → (20 + 31) / 2 = 25.5; and 10, 20, 90 → 20.
    let rules = rules(&group("expert", 1, 1, 0, "median"), "");
    let scores = sheets("P1", "expert", &["90", "10", "31", "20"])
        + &sheets("P2", "expert", &["90", "10", "20"]);
    let outcome = decided(
        &rules,
        &scores,
        &(proposal("P1", "a", "0", 0) + &proposal("P2", "b", "0", 0)),
    );
    let aggregate = |id| {
        result(&outcome, id).groups[0]
            .aggregate
            .as_ref()
            .map(Exact::for_csv)
    };
    assert_eq!(aggregate("P1"), Some("25.5000".into()));
    assert_eq!(aggregate("P2"), Some("20.0000".into()));
}

#[test]
fn criterion_weights_count_a_criterion_more_in_the_sheet_total() {
    // need 12.5·1 + feasibility 7·3 = 33.5.
    let rules = "step = 0.5\n\
        [[criteria]]\nkey = \"need\"\nmax = 20\n\
        [[criteria]]\nkey = \"feasibility\"\nmax = 10\nweight = 3\n\
        [[groups]]\nkey = \"public\"\nweight = 1\nquorum = 1\n";
    let scores = "P1,j1,public,need,12.5\nP1,j1,public,feasibility,7\n";
    let outcome = decided(rules, scores, &proposal("P1", "c", "0", 0));
    assert_eq!(
        outcome.proposals[0].groups[0].totals[0].total.to_string(),
        "33.5"
    );
}

#[test]
fn group_weights_blend_public_and_expert_aggregates_exactly() {
    // public weight 1, expert weight 2: (70 + 2·80) / 3 = 76.666…, a repeating decimal that is
    // only rounded when shown.
    let rules = rules(
        &(group("public", 1, 1, 0, "mean") + &group("expert", 2, 1, 0, "mean")),
        "",
    );
    let scores = sheets("P1", "public", &["70"]) + &sheets("P1", "expert", &["80"]);
    let outcome = decided(&rules, &scores, &proposal("P1", "c", "0", 0));
    let final_score = outcome.proposals[0].final_score.clone();
    assert_eq!(
        final_score.as_ref().map(|f| f.ratio().clone()),
        Some(ratio(230, 3))
    );
    assert_eq!(
        final_score.as_ref().map(Exact::for_page),
        Some("76.67".into())
    );
    assert_eq!(
        final_score.as_ref().map(Exact::for_csv),
        Some("76.6667".into())
    );
}

#[test]
fn published_figures_round_half_to_even() {
    // public (70 + 70.5) / 2 = 70.25, expert 70, equal weights: 70.125, which a page shows as
    // 70.12 (2 is even) and results.csv as 70.1250.
    let rules = rules(
        &(group("public", 1, 1, 0, "mean") + &group("expert", 1, 1, 0, "mean")),
        "",
    );
    let scores = sheets("P1", "public", &["70", "70.5"]) + &sheets("P1", "expert", &["70"]);
    let outcome = decided(&rules, &scores, &proposal("P1", "c", "0", 0));
    let final_score = outcome.proposals[0].final_score.clone();
    assert_eq!(
        final_score.as_ref().map(Exact::for_page),
        Some("70.12".into())
    );
    assert!(
        outcome
            .to_results_csv()
            .contains("1,P1,70.1250,70.2500,70.0000,yes,\n")
    );
}

#[test]
fn a_fine_step_is_read_exactly_as_written() {
    // step = 0.1 read as a binary float would make 0.3 "not a multiple"; read as written it is.
    let rules = "step = 0.1\n[[criteria]]\nkey = \"overall\"\nmax = 1\n\
        [[groups]]\nkey = \"public\"\nweight = 1\nquorum = 1\n";
    let outcome = decided(
        rules,
        "P1,j1,public,overall,0.3\n",
        &proposal("P1", "c", "0", 0),
    );
    assert_eq!(
        outcome.proposals[0]
            .final_score
            .as_ref()
            .map(Exact::for_page),
        Some("0.30".into())
    );
}

// ---------------------------------------------------------------------------------------------
// Step 6: ranking and ties.
// ---------------------------------------------------------------------------------------------

fn two_groups() -> String {
    group("public", 1, 1, 0, "mean") + &group("expert", 1, 1, 0, "mean")
}

#[test]
fn equal_final_scores_go_to_the_higher_expert_aggregate() {
    // A: (80 + 60)/2 = 70, B: (60 + 80)/2 = 70; B's experts gave more.
    let rules = rules(&two_groups(), "tie_break = [\"group:expert\"]");
    let scores = sheets("A", "public", &["80"])
        + &sheets("A", "expert", &["60"])
        + &sheets("B", "public", &["60"])
        + &sheets("B", "expert", &["80"]);
    let outcome = decided(
        &rules,
        &scores,
        &(proposal("A", "x", "0", 0) + &proposal("B", "y", "0", 0)),
    );
    assert_eq!(order(&outcome), ["B", "A"]);
    assert_eq!(
        outcome.proposals.iter().map(|p| p.rank).collect::<Vec<_>>(),
        [Some(1), Some(2)]
    );
}

#[test]
fn a_tie_the_experts_leave_goes_to_more_residents_supports() {
    let rules = rules(
        &two_groups(),
        "tie_break = [\"group:expert\", \"supports\"]",
    );
    let scores = sheets("A", "public", &["70"])
        + &sheets("A", "expert", &["70"])
        + &sheets("B", "public", &["70"])
        + &sheets("B", "expert", &["70"]);
    let outcome = decided(
        &rules,
        &scores,
        &(proposal("A", "x", "0", 12) + &proposal("B", "y", "0", 31)),
    );
    assert_eq!(order(&outcome), ["B", "A"]);
}

#[test]
fn a_tie_nothing_else_breaks_is_drawn_by_lot() {
    let seed = "chaoyang-2018";
    let rules = public_only(&format!(
        "tie_break = [\"supports\", \"lot\"]\nseed = \"{seed}\""
    ));
    let ids = ["A", "B", "C", "D"];
    let scores: String = ids.iter().map(|id| sheets(id, "public", &["50"])).collect();
    let proposals: String = ids.iter().map(|id| proposal(id, id, "0", 3)).collect();
    let outcome = decided(&rules, &scores, &proposals);
    let mut expected = ids.to_vec();
    expected.sort_by_key(|id| lot_key(seed, id));
    assert_eq!(order(&outcome), expected);
    let ranks: Vec<Option<usize>> = outcome.proposals.iter().map(|p| p.rank).collect();
    assert_eq!(ranks, [Some(1), Some(2), Some(3), Some(4)]);
}

#[test]
fn without_a_lot_proposals_still_tied_share_their_rank() {
    let rules = public_only("tie_break = [\"supports\"]");
    let scores = sheets("C", "public", &["50"])
        + &sheets("A", "public", &["50"])
        + &sheets("B", "public", &["60"]);
    let proposals =
        proposal("C", "x", "0", 1) + &proposal("A", "y", "0", 1) + &proposal("B", "z", "0", 1);
    let outcome = decided(&rules, &scores, &proposals);
    let ranked: Vec<(&str, Option<usize>)> = outcome
        .proposals
        .iter()
        .map(|p| (p.proposal.as_str(), p.rank))
        .collect();
    assert_eq!(ranked, [("B", Some(1)), ("A", Some(2)), ("C", Some(2))]);
}

// ---------------------------------------------------------------------------------------------
// Step 7: selection.
// ---------------------------------------------------------------------------------------------

fn ranked_round(selection: &str, proposals: &[(&str, &str, &str)]) -> Outcome {
    // Each proposal's score falls by ten down the list, so the list is the ranking.
    let rules = public_only(selection);
    let mut scores = String::new();
    let mut rows = String::new();
    for (i, (id, community, cost)) in proposals.iter().enumerate() {
        scores += &sheets(id, "public", &[&(90 - 10 * i).to_string()]);
        rows += &proposal(id, community, cost, 0);
    }
    decided(&rules, &scores, &rows)
}

fn verdicts(outcome: &Outcome) -> Vec<(&str, bool, Option<String>)> {
    outcome
        .proposals
        .iter()
        .map(|p| {
            (
                p.proposal.as_str(),
                p.selected,
                p.reason.as_ref().map(Reason::code),
            )
        })
        .collect()
}

#[test]
fn a_proposal_the_budget_cannot_cover_is_passed_over_for_a_cheaper_one_below() {
    // 100,000: A takes 60,000, leaving 40,000; B (50,000) does not fit; C (40,000) does.
    let outcome = ranked_round(
        "budget = \"100000\"",
        &[
            ("A", "a", "60000"),
            ("B", "b", "50000"),
            ("C", "c", "40000"),
            ("D", "d", "0.01"),
        ],
    );
    assert_eq!(
        verdicts(&outcome),
        [
            ("A", true, None),
            ("B", false, Some("budget".into())),
            ("C", true, None),
            ("D", false, Some("budget".into())),
        ]
    );
}

#[test]
fn a_community_that_already_has_its_winners_is_passed_over() {
    let outcome = ranked_round(
        "per_community_max = 1",
        &[("A", "圣星", "1"), ("B", "圣星", "1"), ("C", "花西三", "1")],
    );
    assert_eq!(
        verdicts(&outcome),
        [
            ("A", true, None),
            ("B", false, Some("community_cap".into())),
            ("C", true, None)
        ]
    );
}

#[test]
fn once_the_winners_are_chosen_the_rest_are_refused_for_quota_first() {
    // C would also break the budget and the community cap; quota is checked first. D (cost 30)
    // fits the budget left (25) no better, so budget comes before community_cap.
    let outcome = ranked_round(
        "max_winners = 2\nbudget = \"100\"\nper_community_max = 1",
        &[("A", "a", "50"), ("B", "b", "25"), ("C", "a", "90")],
    );
    assert_eq!(
        verdicts(&outcome),
        [
            ("A", true, None),
            ("B", true, None),
            ("C", false, Some("quota".into()))
        ]
    );
    let outcome = ranked_round(
        "budget = \"100\"\nper_community_max = 1",
        &[("A", "a", "75"), ("D", "a", "30"), ("E", "a", "10")],
    );
    assert_eq!(
        verdicts(&outcome),
        [
            ("A", true, None),
            ("D", false, Some("budget".into())),
            ("E", false, Some("community_cap".into()))
        ]
    );
}

#[test]
fn a_proposal_short_of_a_groups_quorum_comes_last_naming_that_group() {
    // Z has its public quorum but only one expert of two; Y was scored by nobody. They follow
    // the ranking in proposals.csv order, showing the aggregates that had quorum.
    let rules = rules(
        &(group("public", 1, 2, 0, "mean") + &group("expert", 1, 2, 0, "mean")),
        "",
    );
    let scores = sheets("Z", "public", &["90", "90"])
        + &sheets("Z", "expert", &["90"])
        + &sheets("A", "public", &["10", "20"])
        + &sheets("A", "expert", &["30", "40"]);
    let proposals =
        proposal("Z", "a", "1", 0) + &proposal("Y", "b", "1", 0) + &proposal("A", "c", "1", 0);
    let outcome = decided(&rules, &scores, &proposals);
    assert_eq!(
        outcome.to_results_csv(),
        "rank,proposal,final,public,expert,selected,reason\n\
         1,A,25.0000,15.0000,35.0000,yes,\n\
         ,Z,,90.0000,,no,no_quorum:expert\n\
         ,Y,,,,no,no_quorum:public\n"
    );
}

#[test]
fn results_csv_quotes_an_id_that_contains_a_comma() {
    let rules = public_only("");
    let scores = "\"P,1\",j1,public,overall,50\n";
    let outcome = decided(&rules, scores, "\"P,1\",c,0,0\n");
    assert!(
        outcome
            .to_results_csv()
            .ends_with("1,\"P,1\",50.0000,50.0000,yes,\n")
    );
}

// ---------------------------------------------------------------------------------------------
// Step 1: validation. Every problem is listed, with its line (the header is line 1).
// ---------------------------------------------------------------------------------------------

#[test]
fn a_public_judges_score_above_the_maximum_is_refused_with_its_row_number() {
    let rules = public_only("");
    let scores = "P1,j1,public,overall,80\nP1,j2,public,overall,100.5\n";
    let problems = refused(&rules, scores, &proposal("P1", "c", "0", 0), None);
    assert_eq!(located(&problems), [(InputFile::Scores, Some(3))]);
    assert_eq!(
        problems[0].kind,
        ProblemKind::ScoreOutOfRange {
            criterion: "overall".into(),
            score: "100.5".into(),
            max: "100".into()
        }
    );
    assert_eq!(
        problems[0].to_string(),
        "scores.csv:3: score 100.5 for \"overall\" is outside 0 to 100"
    );
}

#[test]
fn a_negative_score_or_one_between_steps_is_refused() {
    let rules = public_only("");
    let scores = "P1,j1,public,overall,-1\nP1,j2,public,overall,70.25\n";
    let problems = refused(&rules, scores, &proposal("P1", "c", "0", 0), None);
    assert!(matches!(
        problems[0].kind,
        ProblemKind::ScoreOutOfRange { .. }
    ));
    assert!(matches!(problems[1].kind, ProblemKind::ScoreOffStep { .. }));
    assert_eq!(
        located(&problems),
        [(InputFile::Scores, Some(2)), (InputFile::Scores, Some(3))]
    );
}

#[test]
fn a_judge_who_lives_in_the_proposals_community_is_recused_and_may_not_score_it() {
    let rules = public_only("");
    let scores = "P1,j1,public,overall,80\nP1,j2,public,overall,90\n";
    let problems = refused(
        &rules,
        scores,
        &proposal("P1", "c", "0", 0),
        Some("j2,P1\n"),
    );
    assert_eq!(located(&problems), [(InputFile::Scores, Some(3))]);
    assert_eq!(
        problems[0].kind,
        ProblemKind::RecusedJudgeScored {
            judge: "j2".into(),
            proposal: "P1".into()
        }
    );
}

#[test]
fn a_judge_cannot_sit_on_both_the_public_and_the_expert_jury() {
    let rules = rules(&two_groups(), "");
    let scores = "P1,j1,public,overall,80\nP2,j1,expert,overall,90\nP3,j1,expert,overall,90\n";
    let proposals =
        proposal("P1", "a", "0", 0) + &proposal("P2", "b", "0", 0) + &proposal("P3", "c", "0", 0);
    let problems = refused(&rules, scores, &proposals, None);
    // Reported once, where the second group first appears.
    assert_eq!(located(&problems), [(InputFile::Scores, Some(3))]);
    assert_eq!(
        problems[0].kind,
        ProblemKind::JudgeInTwoGroups {
            judge: "j1".into(),
            first_group: "public".into(),
            group: "expert".into(),
            first_line: Some(2),
        }
    );
}

#[test]
fn a_sheet_that_skips_a_criterion_is_incomplete() {
    let rules = "step = 1\n[[criteria]]\nkey = \"need\"\nmax = 10\n[[criteria]]\nkey = \"plan\"\nmax = 10\n\
        [[groups]]\nkey = \"public\"\nweight = 1\nquorum = 1\n";
    let scores = "P1,j1,public,need,5\nP1,j1,public,plan,5\nP1,j2,public,plan,7\n";
    let problems = refused(rules, scores, &proposal("P1", "c", "0", 0), None);
    assert_eq!(located(&problems), [(InputFile::Scores, Some(4))]);
    assert_eq!(
        problems[0].kind,
        ProblemKind::IncompleteSheet {
            judge: "j2".into(),
            proposal: "P1".into(),
            missing: vec!["need".into()]
        }
    );
}

#[test]
fn a_score_entered_twice_is_refused_at_the_second_row() {
    let rules = public_only("");
    let scores = "P1,j1,public,overall,80\nP1,j1,public,overall,80\n";
    let problems = refused(&rules, scores, &proposal("P1", "c", "0", 0), None);
    assert_eq!(located(&problems), [(InputFile::Scores, Some(3))]);
    assert!(matches!(
        problems[0].kind,
        ProblemKind::DuplicateScore {
            first_line: Some(2),
            ..
        }
    ));
}

#[test]
fn scores_for_an_unknown_proposal_criterion_or_group_are_refused() {
    let rules = public_only("");
    let scores = "P9,j1,public,overall,80\nP1,j1,public,impact,8\nP1,j2,jury,overall,80\n";
    let problems = refused(
        &rules,
        scores,
        &proposal("P1", "c", "0", 0),
        Some("j1,P8\n"),
    );
    let kinds: Vec<(InputFile, Option<usize>, ProblemKind)> = problems
        .into_iter()
        .map(|p| (p.file, p.line, p.kind))
        .collect();
    assert_eq!(
        kinds,
        [
            (
                InputFile::Scores,
                Some(2),
                ProblemKind::UnknownProposal {
                    proposal: "P9".into()
                }
            ),
            (
                InputFile::Scores,
                Some(3),
                ProblemKind::UnknownCriterion {
                    criterion: "impact".into()
                }
            ),
            (
                InputFile::Scores,
                Some(4),
                ProblemKind::UnknownGroup {
                    group: "jury".into()
                }
            ),
            (
                InputFile::Recusals,
                Some(2),
                ProblemKind::UnknownProposal {
                    proposal: "P8".into()
                }
            ),
        ]
    );
}

#[test]
fn proposals_listed_twice_or_with_a_bad_cost_or_supports_are_refused() {
    let rules = public_only("");
    let proposals = "P1,a,100,1\nP1,b,100,1\nP2,c,-5,1\nP3,d,1e3,1\nP4,e,10,many\nP5,,10,1\n";
    let problems = refused(&rules, "", proposals, None);
    let kinds: Vec<(Option<usize>, ProblemKind)> =
        problems.into_iter().map(|p| (p.line, p.kind)).collect();
    assert_eq!(
        kinds,
        [
            (
                Some(3),
                ProblemKind::DuplicateProposal {
                    proposal: "P1".into(),
                    first_line: Some(2)
                }
            ),
            (Some(4), ProblemKind::NegativeCost { value: "-5".into() }),
            (
                Some(5),
                ProblemKind::MalformedNumber {
                    column: "cost",
                    value: "1e3".into()
                }
            ),
            (
                Some(6),
                ProblemKind::MalformedNumber {
                    column: "supports",
                    value: "many".into()
                }
            ),
            (
                Some(7),
                ProblemKind::EmptyValue {
                    column: "community"
                }
            ),
        ]
    );
}

#[test]
fn a_file_without_a_required_column_is_refused_on_its_header_line() {
    let scores = "proposal,judge,criterion,score\nP1,j1,overall,80\n";
    let problems = match decide(&Sources {
        rules: &public_only(""),
        scores,
        proposals: "community,proposal,supports,cost\nc,P1,0,0\n",
        recusals: Some("judge\n"),
    }) {
        Ok(_) => panic!("decided without a group column"),
        Err(problems) => problems,
    };
    let kinds: Vec<(InputFile, Option<usize>, ProblemKind)> = problems
        .into_iter()
        .map(|p| (p.file, p.line, p.kind))
        .collect();
    assert_eq!(
        kinds,
        [
            (
                InputFile::Scores,
                Some(1),
                ProblemKind::MissingColumn { column: "group" }
            ),
            (
                InputFile::Recusals,
                Some(1),
                ProblemKind::MissingColumn { column: "proposal" }
            ),
        ]
    );
}

#[test]
fn rules_with_several_mistakes_report_each_with_its_line() {
    let rules = r#"step = 0.5
[[criteria]]
key = "need"
max = 20.25
wieght = 2

[[groups]]
key = "public"
weight = 40
quorum = 0
aggregate = "average"

[[groups]]
key = "rank"
weight = 60
quorum = 2

[selection]
tie_break = ["group:jury", "lot", "votes"]
budget = "四十万"
"#;
    let problems = match Rules::from_toml(rules) {
        Ok(_) => panic!("rules with mistakes were accepted"),
        Err(problems) => problems,
    };
    let kinds: Vec<(Option<usize>, ProblemKind)> =
        problems.into_iter().map(|p| (p.line, p.kind)).collect();
    assert_eq!(
        kinds,
        [
            (
                Some(4),
                ProblemKind::MaxNotMultipleOfStep {
                    key: "criteria[1].max".into(),
                    max: "20.25".into(),
                    step: "0.5".into()
                }
            ),
            (
                Some(5),
                ProblemKind::UnknownKey {
                    key: "criteria[1].wieght".into()
                }
            ),
            (
                Some(10),
                ProblemKind::MustBePositive {
                    key: "groups[1].quorum".into(),
                    value: "0".into()
                }
            ),
            (
                Some(11),
                ProblemKind::UnknownAggregate {
                    key: "groups[1].aggregate".into(),
                    value: "average".into()
                }
            ),
            (
                Some(14),
                ProblemKind::ReservedGroupKey {
                    group: "rank".into()
                }
            ),
            (
                Some(19),
                ProblemKind::UnknownTieBreak {
                    entry: "group:jury".into()
                }
            ),
            (
                Some(19),
                ProblemKind::UnknownTieBreak {
                    entry: "votes".into()
                }
            ),
            (Some(19), ProblemKind::LotWithoutSeed),
            (
                Some(20),
                ProblemKind::BadNumber {
                    key: "selection.budget".into(),
                    value: "四十万".into()
                }
            ),
        ]
    );
}

#[test]
fn rules_that_are_not_toml_are_refused_with_the_line() {
    let problems = match Rules::from_toml("step = 0.5\n[[criteria]\nkey = \"need\"\n") {
        Ok(_) => panic!("broken TOML was accepted"),
        Err(problems) => problems,
    };
    assert!(!problems.is_empty());
    assert!(matches!(problems[0].kind, ProblemKind::TomlSyntax { .. }));
    assert_eq!(problems[0].line, Some(2));
}

#[test]
fn rules_without_a_rubric_or_jury_are_refused() {
    let problems = match Rules::from_toml("step = 1\ncriteria = []\n") {
        Ok(_) => panic!("empty rules were accepted"),
        Err(problems) => problems,
    };
    let kinds: Vec<ProblemKind> = problems.into_iter().map(|p| p.kind).collect();
    assert_eq!(
        kinds,
        [
            ProblemKind::NoCriteria,
            ProblemKind::MissingKey {
                key: "[[groups]]".into()
            }
        ]
    );
}

#[test]
fn broken_rules_do_not_hide_the_problems_of_the_csv_files() {
    let problems = refused("step = 0\n", "P1,j1,public,overall,abc\n", "", None);
    let files: Vec<InputFile> = problems.iter().map(|p| p.file).collect();
    assert!(files.contains(&InputFile::Rules));
    assert!(problems.iter().any(|p| p.file == InputFile::Scores
        && p.kind
            == ProblemKind::MalformedNumber {
                column: "score",
                value: "abc".into()
            }));
}

#[test]
fn a_spreadsheet_saved_as_gbk_is_refused_as_not_utf8_with_its_line() {
    // "评委" in GBK on line 2.
    let bytes = b"judge,proposal\n\xc6\xc0\xce\xaf,P1\n";
    let problem = match decode_utf8(InputFile::Recusals, bytes) {
        Ok(_) => panic!("GBK was taken for UTF-8"),
        Err(problem) => problem,
    };
    assert_eq!(
        (problem.file, problem.line, problem.kind),
        (InputFile::Recusals, Some(2), ProblemKind::NotUtf8)
    );
    assert_eq!(
        decode_utf8(InputFile::Scores, "\u{feff}a,b\n".as_bytes()).ok(),
        Some("a,b\n")
    );
}

#[test]
fn messages_are_in_chinese_by_default_and_in_english_on_request() {
    let problem = Problem::new(
        InputFile::Scores,
        Some(7),
        ProblemKind::UnknownProposal {
            proposal: "P9".into(),
        },
    );
    assert_eq!(
        problem.message(Lang::default()),
        "提案 “P9” 不在提案表 proposals.csv 中"
    );
    assert_eq!(
        problem.message(Lang::En),
        "proposal \"P9\" is not in proposals.csv"
    );
    assert_eq!(
        problem.to_string(),
        "scores.csv:7: proposal \"P9\" is not in proposals.csv"
    );
    assert_eq!(
        Reason::NoQuorum("expert".into()).message(Lang::Zh),
        "评委组 “expert” 评分人数不足"
    );
}

// ---------------------------------------------------------------------------------------------
// The row-level API, for callers that hold records rather than files.
// ---------------------------------------------------------------------------------------------

#[test]
fn rows_from_the_web_app_are_decided_like_the_files() {
    let (rules, scores, proposals, recusals) = (
        fixture("rules.toml"),
        fixture("scores.csv"),
        fixture("proposals.csv"),
        fixture("recusals.csv"),
    );
    let parsed = (
        Rules::from_toml(&rules),
        parse_scores(&scores),
        parse_proposals(&proposals),
        parse_recusals(&recusals),
    );
    let (Ok(rules), Ok(mut scores), Ok(proposals), Ok(recusals)) = parsed else {
        panic!("the fixture does not parse");
    };
    // Rows without lines, as records from a database would be.
    scores.iter_mut().for_each(|row| row.line = None);
    let outcome = match compute(&rules, &scores, &proposals, &recusals) {
        Ok(outcome) => outcome,
        Err(problems) => panic!("refused: {problems:#?}"),
    };
    assert_eq!(outcome, wangjing_final());
    scores[0].score = rust_decimal::Decimal::from(25);
    let problems = compute(&rules, &scores, &proposals, &recusals)
        .err()
        .unwrap_or_default();
    assert_eq!(located(&problems), [(InputFile::Scores, None)]);
}
