//! The decision itself (scoring.md steps 1 to 7): check every row against the rules, total the
//! sheets, aggregate each group, weigh the groups, rank, break ties and select.
//!
//! Checking and assembling happen in one pass that keeps only what is valid. The caller throws the
//! assembled round away if any problem was found anywhere, so no code path decides on bad data.

use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};

use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{ToPrimitive, Zero};
use rust_decimal::Decimal;

use super::agreement::kendalls_w;
use super::exact::{Exact, decimal_to_ratio};
use super::input::{ProposalRow, Recusal, ScoreRow};
use super::lot::lot_key;
use super::outcome::{Agreement, GroupResult, JudgeTotal, Outcome, ProposalResult, Reason};
use super::problem::{InputFile, Problem, ProblemKind};
use super::rules::{Aggregate, Rules, TieBreak};

/// Decides a competition from rows already read, refusing with every problem found.
///
/// Rows may come from the CSV files ([`parse_scores`](super::parse_scores) and friends) or from
/// the web app's records; the result is the same for the same rows in any order, except that
/// proposals that cannot be ranked are listed in the order of `proposals`.
pub fn compute(
    rules: &Rules,
    scores: &[ScoreRow],
    proposals: &[ProposalRow],
    recusals: &[Recusal],
) -> Result<Outcome, Vec<Problem>> {
    let proposals: Vec<ProposalEntry<'_>> = proposals.iter().map(ProposalEntry::from).collect();
    let scores: Vec<ScoreEntry<'_>> = scores.iter().map(ScoreEntry::from).collect();
    let (round, mut problems) = Round::assemble(rules, &proposals, &scores, recusals);
    if problems.is_empty() {
        Ok(round.decide())
    } else {
        sort_problems(&mut problems);
        Err(problems)
    }
}

/// Problems in file order, then line order; problems of one line keep the order they were found.
pub(crate) fn sort_problems(problems: &mut [Problem]) {
    problems.sort_by_key(|p| (p.file, p.line));
}

/// A proposal as the engine sees it; `row` is `None` when its file row had an unreadable value.
pub(crate) struct ProposalEntry<'a> {
    pub line: Option<usize>,
    pub proposal: &'a str,
    pub row: Option<&'a ProposalRow>,
}

impl<'a> From<&'a ProposalRow> for ProposalEntry<'a> {
    fn from(row: &'a ProposalRow) -> Self {
        Self {
            line: row.line,
            proposal: &row.proposal,
            row: Some(row),
        }
    }
}

/// A score as the engine sees it; `score` is `None` when the file's value was unreadable.
pub(crate) struct ScoreEntry<'a> {
    pub line: Option<usize>,
    pub proposal: &'a str,
    pub judge: &'a str,
    pub group: &'a str,
    pub criterion: &'a str,
    pub score: Option<Decimal>,
}

impl<'a> From<&'a ScoreRow> for ScoreEntry<'a> {
    fn from(row: &'a ScoreRow) -> Self {
        Self {
            line: row.line,
            proposal: &row.proposal,
            judge: &row.judge,
            group: &row.group,
            criterion: &row.criterion,
            score: Some(row.score),
        }
    }
}

/// One judge's sheet total for one proposal.
#[derive(Clone, Copy)]
struct Total {
    /// In units of `step / 10^E` (see `SheetUnits`): exact and cheap to compare and add.
    units: i128,
    value: Decimal,
}

/// Everything valid in the input, indexed for deciding.
pub(crate) struct Round<'a> {
    rules: &'a Rules,
    /// In input order; `None` for a proposal whose row was unreadable.
    proposals: Vec<Option<&'a ProposalRow>>,
    /// `totals[p][g]`: the sheet totals of group `g`'s judges for proposal `p`.
    totals: Vec<Vec<Vec<Total>>>,
    /// `judge_totals[g]`: for each judge of group `g`, their (proposal, units) pairs.
    judge_totals: Vec<Vec<Vec<(usize, i128)>>>,
}

/// A judge's sheet for one proposal while the rows are being read.
struct SheetDraft {
    proposal: usize,
    judge: usize,
    first_line: Option<usize>,
    /// One slot per criterion: the line that filled it and the score in steps, `None` if invalid.
    slots: Vec<Option<(Option<usize>, Option<i128>)>>,
}

/// The input read so far, indexed, with the problems found in it.
struct Assembly<'a> {
    rules: &'a Rules,
    problems: Vec<Problem>,
    proposal_index: HashMap<&'a str, usize>,
    proposal_names: Vec<&'a str>,
    proposal_lines: Vec<Option<usize>>,
    /// `None` for a proposal whose row was unreadable.
    proposal_rows: Vec<Option<&'a ProposalRow>>,
    recused: HashSet<(&'a str, usize)>,
    judge_index: HashMap<&'a str, usize>,
    judge_names: Vec<&'a str>,
    /// The group a judge was first seen in, with that line.
    judge_group: Vec<Option<(usize, Option<usize>)>>,
    two_groups_reported: HashSet<(usize, usize)>,
    sheet_index: HashMap<(usize, usize), usize>,
    sheets: Vec<SheetDraft>,
}

impl<'a> Round<'a> {
    /// Step 1: checks every row and keeps what is valid. The round is only fit to decide when
    /// the problems (with those of reading the files) are none.
    pub(crate) fn assemble(
        rules: &'a Rules,
        proposals: &[ProposalEntry<'a>],
        scores: &[ScoreEntry<'a>],
        recusals: &'a [Recusal],
    ) -> (Round<'a>, Vec<Problem>) {
        let mut assembly = Assembly {
            rules,
            problems: Vec::new(),
            proposal_index: HashMap::with_capacity(proposals.len()),
            proposal_names: Vec::with_capacity(proposals.len()),
            proposal_lines: Vec::with_capacity(proposals.len()),
            proposal_rows: Vec::with_capacity(proposals.len()),
            recused: HashSet::with_capacity(recusals.len()),
            judge_index: HashMap::new(),
            judge_names: Vec::new(),
            judge_group: Vec::new(),
            two_groups_reported: HashSet::new(),
            sheet_index: HashMap::new(),
            sheets: Vec::new(),
        };
        assembly.add_proposals(proposals);
        assembly.add_recusals(recusals);
        assembly.add_scores(scores);
        assembly.finish()
    }

    /// Steps 2 to 7 on a round without problems.
    pub(crate) fn decide(self) -> Outcome {
        let rules = self.rules;
        let weights: Vec<BigRational> = rules
            .groups()
            .iter()
            .map(|g| decimal_to_ratio(g.weight))
            .collect();
        let weight_sum = weights.iter().fold(BigRational::zero(), |sum, w| sum + w);
        let seed = rules.selection().seed.as_deref().unwrap_or("");
        let uses_lot = rules.selection().tie_break.contains(&TieBreak::Lot);

        let standings = self.proposals.iter().enumerate().filter_map(|(p, row)| {
            let row = (*row)?;
            let lot = uses_lot.then(|| lot_key(seed, &row.proposal));
            Some(self.standing(p, row, &weights, &weight_sum, lot))
        });
        let (mut ranked, unranked): (Vec<Standing<'a>>, Vec<Standing<'a>>) =
            standings.partition(|s| s.final_units.is_some());
        let ties = TieBreaker::new(rules);
        ranked.sort_by(|a, b| {
            ties.compare(a, b)
                .then_with(|| a.row.proposal.cmp(&b.row.proposal))
        });

        let unit = &rules.units().unit;
        let mut results = select(rules, &ranked, &ties, unit);
        for standing in &unranked {
            let reason = standing.lacking.clone().map(Reason::NoQuorum);
            results.push(standing.result(None, unit, reason));
        }
        let agreement = rules
            .groups()
            .iter()
            .zip(&self.judge_totals)
            .map(|(group, judges)| agreement(&group.key, judges))
            .collect();
        Outcome {
            groups: rules.groups().to_vec(),
            proposals: results,
            agreement,
        }
    }

    /// Steps 3 and 4 for one proposal: trim, aggregate each group, weigh the groups.
    fn standing(
        &self,
        p: usize,
        row: &'a ProposalRow,
        weights: &[BigRational],
        weight_sum: &BigRational,
        lot: Option<String>,
    ) -> Standing<'a> {
        let unit = &self.rules.units().unit;
        let mut groups = Vec::with_capacity(weights.len());
        let mut aggregates = Vec::with_capacity(weights.len());
        let mut lacking = None;
        for (group, totals) in self.rules.groups().iter().zip(&self.totals[p]) {
            let mut totals = totals.clone();
            totals.sort_by_key(|t| std::cmp::Reverse(t.units));
            let (n, k) = (totals.len(), group.trim);
            let trimmed = n > 2 * k;
            let kept = if trimmed {
                &totals[k..n - k]
            } else {
                &totals[..]
            };
            // A quorum is at least 1, so a group with quorum always keeps a total.
            let aggregate = (n >= group.quorum && !kept.is_empty())
                .then(|| aggregate_units(kept, group.aggregate));
            if aggregate.is_none() && lacking.is_none() {
                lacking = Some(group.key.clone());
            }
            let shown = totals.iter().enumerate().map(|(i, t)| JudgeTotal {
                total: t.value,
                dropped: trimmed && (i < k || i >= n - k),
            });
            groups.push(GroupResult {
                group: group.key.clone(),
                totals: shown.collect(),
                aggregate: aggregate.as_ref().map(|a| Exact::from_ratio(a * unit)),
            });
            aggregates.push(aggregate);
        }
        let final_units = match lacking {
            Some(_) => None,
            None => {
                let weighted = aggregates
                    .iter()
                    .zip(weights)
                    .filter_map(|(a, w)| a.as_ref().map(|a| a * w))
                    .fold(BigRational::zero(), |sum, x| sum + x);
                Some(weighted / weight_sum)
            }
        };
        Standing {
            row,
            groups,
            aggregates,
            final_units,
            lacking,
            lot,
        }
    }
}

/// Step 6: orders proposals by final score, then by the rules' tie-breaks.
struct TieBreaker {
    keys: Vec<TieKey>,
}

/// A tie-break with its group resolved to an index once, not at every comparison.
enum TieKey {
    Group(usize),
    Supports,
    Lot,
}

impl TieBreaker {
    fn new(rules: &Rules) -> Self {
        let keys = rules
            .selection()
            .tie_break
            .iter()
            .filter_map(|rule| match rule {
                // Rules only hold group tie-breaks that name one of their groups.
                TieBreak::Group(key) => rules
                    .groups()
                    .iter()
                    .position(|g| &g.key == key)
                    .map(TieKey::Group),
                TieBreak::Supports => Some(TieKey::Supports),
                TieBreak::Lot => Some(TieKey::Lot),
            })
            .collect();
        Self { keys }
    }

    /// `Less` when `a` ranks above `b`; `Equal` when every tie-break leaves them level.
    fn compare(&self, a: &Standing<'_>, b: &Standing<'_>) -> Ordering {
        let mut order = b.final_units.cmp(&a.final_units);
        for key in &self.keys {
            if order != Ordering::Equal {
                break;
            }
            order = match key {
                TieKey::Group(g) => b.aggregates[*g].cmp(&a.aggregates[*g]),
                TieKey::Supports => b.row.supports.cmp(&a.row.supports),
                TieKey::Lot => a.lot.cmp(&b.lot),
            };
        }
        order
    }
}

/// Step 7: walks the ranking, selecting what fits and giving the first reason for what does not.
fn select(
    rules: &Rules,
    ranked: &[Standing<'_>],
    ties: &TieBreaker,
    unit: &BigRational,
) -> Vec<ProposalResult> {
    let selection = rules.selection();
    let mut remaining = selection.budget.map(decimal_to_ratio);
    let mut winners = 0usize;
    let mut community_winners: HashMap<&str, usize> = HashMap::new();
    let mut results = Vec::with_capacity(ranked.len());
    let mut rank = 0;
    for (index, standing) in ranked.iter().enumerate() {
        // Standard competition ranking: proposals level on every key share a rank (1, 2, 2, 4).
        let level = index > 0 && ties.compare(&ranked[index - 1], standing) == Ordering::Equal;
        if !level {
            rank = index + 1;
        }
        let cost = decimal_to_ratio(standing.row.cost);
        let community = standing.row.community.as_str();
        let community_count = community_winners.get(community).copied().unwrap_or(0);
        let reason = if selection.max_winners.is_some_and(|max| winners >= max) {
            Some(Reason::Quota)
        } else if remaining.as_ref().is_some_and(|left| &cost > left) {
            Some(Reason::Budget)
        } else if selection
            .per_community_max
            .is_some_and(|max| community_count >= max)
        {
            Some(Reason::CommunityCap)
        } else {
            None
        };
        if reason.is_none() {
            winners += 1;
            *community_winners.entry(community).or_insert(0) += 1;
            if let Some(left) = remaining.as_mut() {
                *left -= &cost;
            }
        }
        results.push(standing.result(Some(rank), unit, reason));
    }
    results
}

impl<'a> Assembly<'a> {
    fn report(&mut self, file: InputFile, line: Option<usize>, kind: ProblemKind) {
        self.problems.push(Problem::new(file, line, kind));
    }

    fn add_proposals(&mut self, proposals: &[ProposalEntry<'a>]) {
        for entry in proposals {
            match self.proposal_index.get(entry.proposal) {
                Some(&first) => {
                    let kind = ProblemKind::DuplicateProposal {
                        proposal: entry.proposal.into(),
                        first_line: self.proposal_lines[first],
                    };
                    self.report(InputFile::Proposals, entry.line, kind);
                }
                None => {
                    self.proposal_index
                        .insert(entry.proposal, self.proposal_rows.len());
                    self.proposal_names.push(entry.proposal);
                    self.proposal_lines.push(entry.line);
                    self.proposal_rows.push(entry.row);
                }
            }
        }
    }

    fn add_recusals(&mut self, recusals: &'a [Recusal]) {
        for recusal in recusals {
            match self.proposal_index.get(recusal.proposal.as_str()) {
                Some(&p) => {
                    self.recused.insert((recusal.judge.as_str(), p));
                }
                None => {
                    let kind = ProblemKind::UnknownProposal {
                        proposal: recusal.proposal.clone(),
                    };
                    self.report(InputFile::Recusals, recusal.line, kind);
                }
            }
        }
    }

    fn add_scores(&mut self, scores: &[ScoreEntry<'a>]) {
        let rules = self.rules;
        // A rubric and a jury have a handful of keys: a scan beats hashing.
        let criterion_of = |key: &str| rules.criteria().iter().position(|c| c.key == key);
        let group_of = |key: &str| rules.groups().iter().position(|g| g.key == key);
        // Files list a sheet's rows together, so the previous row's proposal, judge and sheet
        // are usually this row's too; remembering them saves most of the hashing.
        let mut last_proposal: Option<(&str, Option<usize>)> = None;
        let mut last_judge: Option<(&str, usize)> = None;
        let mut last_sheet: Option<((usize, usize), usize)> = None;
        let file = InputFile::Scores;
        for entry in scores {
            let p = match last_proposal {
                Some((name, p)) if name == entry.proposal => p,
                _ => {
                    let p = self.proposal_index.get(entry.proposal).copied();
                    last_proposal = Some((entry.proposal, p));
                    p
                }
            };
            if p.is_none() {
                let kind = ProblemKind::UnknownProposal {
                    proposal: entry.proposal.into(),
                };
                self.report(file, entry.line, kind);
            }
            let c = criterion_of(entry.criterion);
            if c.is_none() {
                let kind = ProblemKind::UnknownCriterion {
                    criterion: entry.criterion.into(),
                };
                self.report(file, entry.line, kind);
            }
            let g = group_of(entry.group);
            if g.is_none() {
                let kind = ProblemKind::UnknownGroup {
                    group: entry.group.into(),
                };
                self.report(file, entry.line, kind);
            }
            let j = match last_judge {
                Some((name, j)) if name == entry.judge => j,
                _ => {
                    let j = self.judge(entry.judge);
                    last_judge = Some((entry.judge, j));
                    j
                }
            };
            if let Some(g) = g {
                self.place_judge(j, g, entry);
            }
            let steps = c.and_then(|c| self.steps(c, entry));
            if let (Some(p), Some(c)) = (p, c) {
                let index = match last_sheet {
                    Some((key, index)) if key == (p, j) => index,
                    _ => {
                        let index = self.sheet(p, j, entry.line);
                        last_sheet = Some(((p, j), index));
                        index
                    }
                };
                let sheet = &mut self.sheets[index];
                sheet.first_line = earlier(sheet.first_line, entry.line);
                match sheet.slots[c] {
                    Some((first_line, _)) => {
                        let kind = ProblemKind::DuplicateScore {
                            proposal: entry.proposal.into(),
                            judge: entry.judge.into(),
                            criterion: entry.criterion.into(),
                            first_line,
                        };
                        self.report(file, entry.line, kind);
                    }
                    None => sheet.slots[c] = Some((entry.line, steps)),
                }
            }
        }
    }

    fn judge(&mut self, name: &'a str) -> usize {
        *self.judge_index.entry(name).or_insert_with(|| {
            self.judge_names.push(name);
            self.judge_group.push(None);
            self.judge_names.len() - 1
        })
    }

    /// Puts a judge in a group, or reports the second group they turn up in (once).
    fn place_judge(&mut self, j: usize, g: usize, entry: &ScoreEntry<'a>) {
        match self.judge_group[j] {
            None => self.judge_group[j] = Some((g, entry.line)),
            Some((first, first_line)) if first != g && self.two_groups_reported.insert((j, g)) => {
                let kind = ProblemKind::JudgeInTwoGroups {
                    judge: entry.judge.into(),
                    first_group: self.rules.groups()[first].key.clone(),
                    group: entry.group.into(),
                    first_line,
                };
                self.report(InputFile::Scores, entry.line, kind);
            }
            Some(_) => {}
        }
    }

    /// The row's score in steps of criterion `c`, or `None` (reported) when it cannot stand.
    fn steps(&mut self, c: usize, entry: &ScoreEntry<'a>) -> Option<i128> {
        let score = entry.score?;
        let criterion = &self.rules.criteria()[c];
        let step = self.rules.step();
        match score_in_steps(score, criterion.max, step) {
            Ok(steps) => Some(steps),
            Err(fault) => {
                let kind = fault.located(&criterion.key, score, criterion.max, step);
                self.report(InputFile::Scores, entry.line, kind);
                None
            }
        }
    }

    fn sheet(&mut self, p: usize, j: usize, line: Option<usize>) -> usize {
        let criteria = self.rules.criteria().len();
        *self.sheet_index.entry((p, j)).or_insert_with(|| {
            self.sheets.push(SheetDraft {
                proposal: p,
                judge: j,
                first_line: line,
                slots: vec![None; criteria],
            });
            self.sheets.len() - 1
        })
    }

    /// Checks each sheet as a whole (recusal, completeness) and totals the valid ones.
    fn finish(mut self) -> (Round<'a>, Vec<Problem>) {
        let rules = self.rules;
        let units = rules.units();
        let mut totals = vec![vec![Vec::new(); rules.groups().len()]; self.proposal_rows.len()];
        let mut judge_sheets: Vec<Vec<(usize, i128)>> = vec![Vec::new(); self.judge_names.len()];
        let mut too_large = false;
        let sheets = std::mem::take(&mut self.sheets);
        let mut order: Vec<&SheetDraft> = sheets.iter().collect();
        // Sheet problems in a fixed order, whatever the order of the rows.
        order.sort_by(|a, b| {
            let key = |s: &SheetDraft| {
                (
                    s.first_line,
                    self.proposal_names[s.proposal],
                    self.judge_names[s.judge],
                )
            };
            key(a).cmp(&key(b))
        });
        for sheet in order {
            let (p, j) = (sheet.proposal, sheet.judge);
            let (proposal, judge) = (self.proposal_names[p], self.judge_names[j]);
            let recused = self.recused.contains(&(judge, p));
            if recused {
                let kind = ProblemKind::RecusedJudgeScored {
                    judge: judge.into(),
                    proposal: proposal.into(),
                };
                self.report(InputFile::Scores, sheet.first_line, kind);
            }
            let missing: Vec<String> = sheet
                .slots
                .iter()
                .zip(rules.criteria())
                .filter(|(slot, _)| slot.is_none())
                .map(|(_, criterion)| criterion.key.clone())
                .collect();
            if !missing.is_empty() {
                let kind = ProblemKind::IncompleteSheet {
                    judge: judge.into(),
                    proposal: proposal.into(),
                    missing,
                };
                self.report(InputFile::Scores, sheet.first_line, kind);
                continue;
            }
            let (Some((g, _)), false) = (self.judge_group[j], recused) else {
                continue;
            };
            // The rules' bounds keep this sum and its decimal value exact; see `SheetUnits`.
            let sum: Option<i128> = sheet
                .slots
                .iter()
                .zip(&units.weight_units)
                .map(|(slot, weight)| slot.and_then(|(_, steps)| steps).map(|s| weight * s))
                .sum();
            let Some(sum) = sum else { continue };
            let value = sum
                .checked_mul(units.step_mantissa)
                .and_then(|m| Decimal::try_from_i128_with_scale(m, units.total_scale).ok())
                // Shown as people write it: 42, not 42.0.
                .map(|value| value.normalize());
            match value {
                Some(value) => {
                    totals[p][g].push(Total { units: sum, value });
                    judge_sheets[j].push((p, sum));
                }
                None => too_large = true,
            }
        }
        if too_large {
            self.report(InputFile::Rules, None, ProblemKind::RubricTooLarge);
        }

        // Judges in name order, so that nothing downstream depends on the order of the rows.
        let mut judges: Vec<usize> = (0..self.judge_names.len()).collect();
        judges.sort_by_key(|&j| self.judge_names[j]);
        let mut judge_totals = vec![Vec::new(); rules.groups().len()];
        for j in judges {
            if let Some((g, _)) = self.judge_group[j]
                && !judge_sheets[j].is_empty()
            {
                judge_totals[g].push(std::mem::take(&mut judge_sheets[j]));
            }
        }
        let round = Round {
            rules,
            proposals: self.proposal_rows,
            totals,
            judge_totals,
        };
        (round, self.problems)
    }
}

/// A proposal on its way to a rank.
struct Standing<'a> {
    row: &'a ProposalRow,
    groups: Vec<GroupResult>,
    /// Per group, in units; `None` without quorum.
    aggregates: Vec<Option<BigRational>>,
    final_units: Option<BigRational>,
    /// The first group, in the rules' order, that lacked its quorum.
    lacking: Option<String>,
    lot: Option<String>,
}

impl Standing<'_> {
    fn result(
        &self,
        rank: Option<usize>,
        unit: &BigRational,
        reason: Option<Reason>,
    ) -> ProposalResult {
        ProposalResult {
            proposal: self.row.proposal.clone(),
            community: self.row.community.clone(),
            cost: self.row.cost,
            supports: self.row.supports,
            groups: self.groups.clone(),
            final_score: self
                .final_units
                .as_ref()
                .map(|f| Exact::from_ratio(f * unit)),
            rank,
            selected: rank.is_some() && reason.is_none(),
            reason,
            lot: if rank.is_some() {
                self.lot.clone()
            } else {
                None
            },
        }
    }
}

/// Mean or median of the totals that trimming kept (never empty), in units.
fn aggregate_units(kept: &[Total], aggregate: Aggregate) -> BigRational {
    let n = kept.len();
    match aggregate {
        Aggregate::Mean => {
            let sum: i128 = kept.iter().map(|t| t.units).sum();
            BigRational::new(BigInt::from(sum), BigInt::from(n))
        }
        Aggregate::Median if n % 2 == 1 => {
            BigRational::from_integer(BigInt::from(kept[n / 2].units))
        }
        Aggregate::Median => {
            let middle = kept[n / 2 - 1].units + kept[n / 2].units;
            BigRational::new(BigInt::from(middle), BigInt::from(2))
        }
    }
}

/// Kendall's W over the proposals every judge of the group scored.
fn agreement(group: &str, judges: &[Vec<(usize, i128)>]) -> Agreement {
    let mut count: HashMap<usize, usize> = HashMap::new();
    for sheets in judges {
        for &(p, _) in sheets {
            *count.entry(p).or_insert(0) += 1;
        }
    }
    let mut common: Vec<usize> = count
        .into_iter()
        .filter(|&(_, n)| n == judges.len())
        .map(|(p, _)| p)
        .collect();
    common.sort_unstable();
    let position: HashMap<usize, usize> = common.iter().enumerate().map(|(i, &p)| (p, i)).collect();
    let scores: Vec<Vec<i128>> = judges
        .iter()
        .map(|sheets| {
            let mut row = vec![0; common.len()];
            for &(p, units) in sheets {
                if let Some(&i) = position.get(&p) {
                    row[i] = units;
                }
            }
            row
        })
        .collect();
    Agreement {
        group: group.into(),
        judges: judges.len(),
        proposals: common.len(),
        w: kendalls_w(&scores),
    }
}

/// Why a score cannot stand, before it is put into words with its criterion.
enum ScoreFault {
    OutOfRange,
    OffStep,
}

impl ScoreFault {
    fn located(self, criterion: &str, score: Decimal, max: Decimal, step: Decimal) -> ProblemKind {
        match self {
            Self::OutOfRange => ProblemKind::ScoreOutOfRange {
                criterion: criterion.into(),
                score: score.to_string(),
                max: max.to_string(),
            },
            Self::OffStep => ProblemKind::ScoreOffStep {
                criterion: criterion.into(),
                score: score.to_string(),
                step: step.to_string(),
            },
        }
    }
}

/// The score as a whole number of steps.
fn score_in_steps(score: Decimal, max: Decimal, step: Decimal) -> Result<i128, ScoreFault> {
    if score < Decimal::ZERO || score > max {
        return Err(ScoreFault::OutOfRange);
    }
    match whole_steps(score, step) {
        Some(steps) => Ok(steps),
        // Only for mantissas too long for the integer path; Decimal's remainder is exact.
        None if (score % step).is_zero() => (score / step).to_i128().ok_or(ScoreFault::OffStep),
        None => Err(ScoreFault::OffStep),
    }
}

/// `score / step` when it is a whole number, by integer arithmetic on the mantissas at a common
/// scale; `None` when it is not whole or the mantissas do not fit.
fn whole_steps(score: Decimal, step: Decimal) -> Option<i128> {
    let scale = score.scale().max(step.scale());
    let score_units = score
        .mantissa()
        .checked_mul(10i128.checked_pow(scale - score.scale())?)?;
    let step_units = step
        .mantissa()
        .checked_mul(10i128.checked_pow(scale - step.scale())?)?;
    (step_units != 0 && score_units % step_units == 0).then(|| score_units / step_units)
}

fn earlier(a: Option<usize>, b: Option<usize>) -> Option<usize> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}
