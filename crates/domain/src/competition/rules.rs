//! A competition's rules (`rules.toml`): the rubric, the jury groups and how winners are selected.
//!
//! [`Rules`] can only be built valid, so the engine never re-checks them. Reading goes through
//! TOML's spanned document tree rather than serde, for two reasons: every problem is reported with
//! its line instead of only the first, and a float such as `step = 0.1` is read from the literal
//! as written, never through an `f64`, so the rules stay exact.

use std::ops::Range;

use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::ToPrimitive;
use rust_decimal::Decimal;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::input::parse_decimal;
use super::problem::{Expected, InputFile, Problem, ProblemKind};

/// One criterion of the rubric (评分项), e.g. `need` 需求迫切性.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Criterion {
    pub key: String,
    /// The highest score a judge may give; the lowest is 0.
    pub max: Decimal,
    pub weight: Decimal,
}

/// How a group's totals for one proposal are combined, after trimming.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Aggregate {
    Mean,
    Median,
}

/// A jury group, e.g. public judges 大众评委 or expert judges 专家评委.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JuryGroup {
    pub key: String,
    /// Relative weight of the group in the final score.
    pub weight: Decimal,
    /// Fewest judges of the group who must score a proposal for it to be ranked.
    pub quorum: usize,
    /// How many highest and how many lowest totals are dropped.
    pub trim: usize,
    pub aggregate: Aggregate,
}

/// One way of ordering proposals whose final scores are equal.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum TieBreak {
    /// Higher aggregate of this group first.
    Group(String),
    /// More residents' supports first.
    Supports,
    /// Ascending SHA-256 of `seed:proposal`, a draw anyone can repeat.
    Lot,
}

impl std::fmt::Display for TieBreak {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Group(key) => write!(f, "group:{key}"),
            Self::Supports => f.write_str("supports"),
            Self::Lot => f.write_str("lot"),
        }
    }
}

/// How winners are picked from the ranking. A limit that is `None` does not apply.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Selection {
    pub max_winners: Option<usize>,
    /// Yuan.
    pub budget: Option<Decimal>,
    pub per_community_max: Option<usize>,
    pub tie_break: Vec<TieBreak>,
    pub seed: Option<String>,
}

/// Validated rules of one competition round.
///
/// Beyond what scoring.md states, reading refuses: a step, maximum or weight that is not greater
/// than 0; a maximum that is not a multiple of the step (it could never be given); a quorum of 0;
/// `max_winners` or `per_community_max` of 0 (nothing could win); keys other than ASCII letters,
/// digits, `_` and `-`; a group named like a fixed `results.csv` column; a `lot` tie-break
/// without a seed; and any key the rules do not know. Defaults: criterion `weight = 1`, group
/// `trim = 0` and `aggregate = "mean"`, no selection limits, no tie-break. Any number may also be
/// written as a quoted decimal (`budget = "420000.00"`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rules {
    step: Decimal,
    criteria: Vec<Criterion>,
    groups: Vec<JuryGroup>,
    selection: Selection,
    units: SheetUnits,
}

/// Sheet totals are computed as integers: with `E` the most decimals of any criterion weight,
/// `total = Σ (weight·10^E) · (score/step)` counts units of `step / 10^E`. Integers make the hot
/// loop cheap and exact; the bounds checked when the rules are read keep every total within a
/// `Decimal` and every group's sum of totals within an `i128`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SheetUnits {
    pub weight_units: Vec<i128>,
    pub step_mantissa: i128,
    pub total_scale: u32,
    /// The value of one unit, `step / 10^E`.
    pub unit: BigRational,
}

/// `results.csv` columns a group key must not shadow.
const RESERVED_COLUMNS: [&str; 5] = ["rank", "proposal", "final", "selected", "reason"];

/// Keeps sheet totals (in units, times the step's mantissa) within a `Decimal`'s 96-bit mantissa.
const MAX_TOTAL_MANTISSA: i128 = (1i128 << 96) - 1;

impl Rules {
    /// Reads `rules.toml`, reporting every problem found.
    pub fn from_toml(src: &str) -> Result<Rules, Vec<Problem>> {
        let (doc, errors) = DeTable::parse_recoverable(src);
        let mut reader = Reader {
            src,
            problems: Vec::new(),
        };
        if !errors.is_empty() {
            for error in errors {
                let line = error.span().map(|span| reader.line(&span));
                let detail = error.message().trim().to_string();
                reader.problems.push(Problem::new(
                    InputFile::Rules,
                    line,
                    ProblemKind::TomlSyntax { detail },
                ));
            }
            return Err(reader.problems);
        }
        let rules = reader.rules(doc.get_ref());
        match rules {
            Some(rules) if reader.problems.is_empty() => Ok(rules),
            _ => {
                reader.problems.sort_by_key(|p| p.line);
                Err(reader.problems)
            }
        }
    }

    /// Scores are multiples of this.
    pub fn step(&self) -> Decimal {
        self.step
    }

    /// The rubric, in order.
    pub fn criteria(&self) -> &[Criterion] {
        &self.criteria
    }

    /// The jury groups, in the order `results.csv` lists their columns.
    pub fn groups(&self) -> &[JuryGroup] {
        &self.groups
    }

    pub fn selection(&self) -> &Selection {
        &self.selection
    }

    pub(crate) fn units(&self) -> &SheetUnits {
        &self.units
    }
}

type Node<'s> = Spanned<DeValue<'s>>;

/// Walks the document, collecting problems instead of stopping at the first.
struct Reader<'s> {
    src: &'s str,
    problems: Vec<Problem>,
}

/// Why a value could not be read as a number.
enum NumberError {
    WrongType,
    Bad(String),
}

impl<'s> Reader<'s> {
    fn line(&self, span: &Range<usize>) -> usize {
        let end = span.start.min(self.src.len());
        self.src.as_bytes()[..end]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1
    }

    fn report(&mut self, span: &Range<usize>, kind: ProblemKind) {
        let line = self.line(span);
        self.problems
            .push(Problem::new(InputFile::Rules, Some(line), kind));
    }

    /// For what belongs to no line: a key missing from the whole file, or the rubric as a whole.
    fn report_whole(&mut self, kind: ProblemKind) {
        self.problems
            .push(Problem::new(InputFile::Rules, None, kind));
    }

    fn rules(&mut self, doc: &DeTable<'s>) -> Option<Rules> {
        self.reject_unknown_keys(doc, "", &["step", "criteria", "groups", "selection"]);
        let step = match doc.get("step") {
            Some(node) => self.positive_decimal(node, "step"),
            None => {
                self.report_whole(ProblemKind::MissingKey { key: "step".into() });
                None
            }
        };
        let criteria = self.criteria(doc, step);
        let groups = self.groups(doc);
        let selection = match doc.get("selection") {
            Some(node) => match node.get_ref() {
                DeValue::Table(table) => self.selection(table, group_keys(doc).as_deref()),
                _ => {
                    let key = "selection".into();
                    self.report(
                        &node.span(),
                        ProblemKind::WrongType {
                            key,
                            expected: Expected::Table,
                        },
                    );
                    None
                }
            },
            None => Some(Selection::default()),
        };
        let (step, criteria, groups, selection) = (step?, criteria?, groups?, selection?);
        let units = match sheet_units(step, &criteria) {
            Some(units) => units,
            None => {
                self.report_whole(ProblemKind::RubricTooLarge);
                return None;
            }
        };
        Some(Rules {
            step,
            criteria,
            groups,
            selection,
            units,
        })
    }

    fn criteria(&mut self, doc: &DeTable<'s>, step: Option<Decimal>) -> Option<Vec<Criterion>> {
        let tables = self.array_of_tables(doc, "criteria")?;
        if tables.is_empty() {
            self.report_whole(ProblemKind::NoCriteria);
            return None;
        }
        let mut criteria = Vec::new();
        let mut seen: Vec<(String, usize)> = Vec::new();
        let mut complete = true;
        for (index, (span, table)) in tables.iter().enumerate() {
            let path = format!("criteria[{}]", index + 1);
            self.reject_unknown_keys(table, &path, &["key", "max", "weight"]);
            let key = self.identifier(table, span, &path, "key");
            let max = self.required(table, span, &path, "max").and_then(|node| {
                let key = format!("{path}.max");
                let max = self.positive_decimal(node, &key)?;
                if let Some(step) = step
                    && !(max % step).is_zero()
                {
                    let kind = ProblemKind::MaxNotMultipleOfStep {
                        key,
                        max: max.to_string(),
                        step: step.to_string(),
                    };
                    self.report(&node.span(), kind);
                    return None;
                }
                Some(max)
            });
            let weight = match table.get("weight") {
                Some(node) => self.positive_decimal(node, &format!("{path}.weight")),
                None => Some(Decimal::ONE),
            };
            if let Some(key) = &key {
                let line = self.line(span);
                match seen.iter().find(|(k, _)| k == key) {
                    Some((_, first)) => {
                        let kind = ProblemKind::DuplicateCriterion {
                            criterion: key.clone(),
                            first_line: Some(*first),
                        };
                        self.report(span, kind);
                        complete = false;
                    }
                    None => seen.push((key.clone(), line)),
                }
            }
            match (key, max, weight) {
                (Some(key), Some(max), Some(weight)) => {
                    criteria.push(Criterion { key, max, weight })
                }
                _ => complete = false,
            }
        }
        complete.then_some(criteria)
    }

    fn groups(&mut self, doc: &DeTable<'s>) -> Option<Vec<JuryGroup>> {
        let tables = self.array_of_tables(doc, "groups")?;
        if tables.is_empty() {
            self.report_whole(ProblemKind::NoGroups);
            return None;
        }
        let mut groups = Vec::new();
        let mut seen: Vec<(String, usize)> = Vec::new();
        let mut complete = true;
        for (index, (span, table)) in tables.iter().enumerate() {
            let path = format!("groups[{}]", index + 1);
            let known = ["key", "weight", "quorum", "trim", "aggregate"];
            self.reject_unknown_keys(table, &path, &known);
            let key = self.identifier(table, span, &path, "key");
            if let Some(key) = &key
                && RESERVED_COLUMNS.contains(&key.as_str())
            {
                let node_span = table.get("key").map(|n| n.span()).unwrap_or(span.clone());
                self.report(
                    &node_span,
                    ProblemKind::ReservedGroupKey { group: key.clone() },
                );
                complete = false;
            }
            let weight = self
                .required(table, span, &path, "weight")
                .and_then(|node| self.positive_decimal(node, &format!("{path}.weight")));
            let quorum = self
                .required(table, span, &path, "quorum")
                .and_then(|node| self.count(node, &format!("{path}.quorum"), 1));
            let trim = match table.get("trim") {
                Some(node) => self.count(node, &format!("{path}.trim"), 0),
                None => Some(0),
            };
            let aggregate = match table.get("aggregate") {
                Some(node) => {
                    let key = format!("{path}.aggregate");
                    self.text(node, &key).and_then(|value| match value {
                        "mean" => Some(Aggregate::Mean),
                        "median" => Some(Aggregate::Median),
                        other => {
                            let kind = ProblemKind::UnknownAggregate {
                                key,
                                value: other.into(),
                            };
                            self.report(&node.span(), kind);
                            None
                        }
                    })
                }
                None => Some(Aggregate::Mean),
            };
            if let Some(key) = &key {
                let line = self.line(span);
                match seen.iter().find(|(k, _)| k == key) {
                    Some((_, first)) => {
                        let kind = ProblemKind::DuplicateGroup {
                            group: key.clone(),
                            first_line: Some(*first),
                        };
                        self.report(span, kind);
                        complete = false;
                    }
                    None => seen.push((key.clone(), line)),
                }
            }
            match (key, weight, quorum, trim, aggregate) {
                (Some(key), Some(weight), Some(quorum), Some(trim), Some(aggregate)) => groups
                    .push(JuryGroup {
                        key,
                        weight,
                        quorum,
                        trim,
                        aggregate,
                    }),
                _ => complete = false,
            }
        }
        complete.then_some(groups)
    }

    /// `groups` is `None` when `[[groups]]` is not even a list of tables; `group:KEY` entries are
    /// then not checked, since any verdict on them would be a guess.
    fn selection(&mut self, table: &DeTable<'s>, groups: Option<&[&str]>) -> Option<Selection> {
        let known = [
            "max_winners",
            "budget",
            "per_community_max",
            "tie_break",
            "seed",
        ];
        self.reject_unknown_keys(table, "selection", &known);
        let mut ok = true;
        let max_winners = match table.get("max_winners") {
            Some(node) => {
                let n = self.count(node, "selection.max_winners", 1);
                ok &= n.is_some();
                n
            }
            None => None,
        };
        let per_community_max = match table.get("per_community_max") {
            Some(node) => {
                let n = self.count(node, "selection.per_community_max", 1);
                ok &= n.is_some();
                n
            }
            None => None,
        };
        let budget = match table.get("budget") {
            Some(node) => {
                let budget = self.decimal(node, "selection.budget").and_then(|budget| {
                    if budget.is_sign_negative() && !budget.is_zero() {
                        let kind = ProblemKind::MustNotBeNegative {
                            key: "selection.budget".into(),
                            value: budget.to_string(),
                        };
                        self.report(&node.span(), kind);
                        return None;
                    }
                    Some(budget)
                });
                ok &= budget.is_some();
                budget
            }
            None => None,
        };
        let seed = match table.get("seed") {
            Some(node) => {
                let seed = self.text(node, "selection.seed").map(str::to_string);
                ok &= seed.is_some();
                seed.filter(|s| !s.is_empty())
            }
            None => None,
        };
        let mut tie_break = Vec::new();
        if let Some(node) = table.get("tie_break") {
            let key = "selection.tie_break".to_string();
            match node.get_ref() {
                DeValue::Array(items) => {
                    for item in items.iter() {
                        let Some(entry) = item.get_ref().as_str() else {
                            let kind = ProblemKind::WrongType {
                                key: key.clone(),
                                expected: Expected::ListOfText,
                            };
                            self.report(&item.span(), kind);
                            ok = false;
                            continue;
                        };
                        let parsed = match entry {
                            "supports" => Some(TieBreak::Supports),
                            "lot" => Some(TieBreak::Lot),
                            _ => match (entry.strip_prefix("group:"), groups) {
                                (Some(group), Some(groups)) => groups
                                    .contains(&group)
                                    .then(|| TieBreak::Group(group.to_string())),
                                (Some(group), None) => Some(TieBreak::Group(group.to_string())),
                                (None, _) => None,
                            },
                        };
                        match parsed {
                            Some(rule) if tie_break.contains(&rule) => {
                                let kind = ProblemKind::DuplicateTieBreak {
                                    entry: entry.into(),
                                };
                                self.report(&item.span(), kind);
                                ok = false;
                            }
                            Some(rule) => tie_break.push(rule),
                            None => {
                                let kind = ProblemKind::UnknownTieBreak {
                                    entry: entry.into(),
                                };
                                self.report(&item.span(), kind);
                                ok = false;
                            }
                        }
                    }
                }
                _ => {
                    self.report(
                        &node.span(),
                        ProblemKind::WrongType {
                            key,
                            expected: Expected::ListOfText,
                        },
                    );
                    ok = false;
                }
            }
            if tie_break.contains(&TieBreak::Lot) && seed.is_none() {
                self.report(&node.span(), ProblemKind::LotWithoutSeed);
                ok = false;
            }
        }
        ok.then_some(Selection {
            max_winners,
            budget,
            per_community_max,
            tie_break,
            seed,
        })
    }

    fn reject_unknown_keys(&mut self, table: &DeTable<'s>, path: &str, known: &[&str]) {
        for (key, _) in table.iter() {
            if !known.contains(&key.get_ref().as_ref()) {
                let full = if path.is_empty() {
                    key.get_ref().to_string()
                } else {
                    format!("{path}.{}", key.get_ref())
                };
                self.report(&key.span(), ProblemKind::UnknownKey { key: full });
            }
        }
    }

    /// The tables of a `[[name]]` array, each with the span that locates it.
    fn array_of_tables<'t>(
        &mut self,
        doc: &'t DeTable<'s>,
        name: &str,
    ) -> Option<Vec<(Range<usize>, &'t DeTable<'s>)>> {
        let Some(node) = doc.get(name) else {
            self.report_whole(ProblemKind::MissingKey {
                key: format!("[[{name}]]"),
            });
            return None;
        };
        let wrong = |reader: &mut Self, span: &Range<usize>| {
            let kind = ProblemKind::WrongType {
                key: name.into(),
                expected: Expected::ArrayOfTables,
            };
            reader.report(span, kind);
        };
        let DeValue::Array(items) = node.get_ref() else {
            wrong(self, &node.span());
            return None;
        };
        let mut tables = Vec::new();
        for item in items.iter() {
            match item.get_ref() {
                DeValue::Table(table) => tables.push((item.span(), table)),
                _ => {
                    wrong(self, &item.span());
                    return None;
                }
            }
        }
        Some(tables)
    }

    fn required<'t>(
        &mut self,
        table: &'t DeTable<'s>,
        span: &Range<usize>,
        path: &str,
        key: &str,
    ) -> Option<&'t Node<'s>> {
        let node = table.get(key);
        if node.is_none() {
            self.report(
                span,
                ProblemKind::MissingKey {
                    key: format!("{path}.{key}"),
                },
            );
        }
        node
    }

    fn identifier(
        &mut self,
        table: &DeTable<'s>,
        span: &Range<usize>,
        path: &str,
        key: &str,
    ) -> Option<String> {
        let node = self.required(table, span, path, key)?;
        let full = format!("{path}.{key}");
        let value = self.text(node, &full)?;
        let plain = !value.is_empty()
            && value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if !plain {
            let kind = ProblemKind::BadIdentifier {
                key: full,
                value: value.into(),
            };
            self.report(&node.span(), kind);
            return None;
        }
        Some(value.to_string())
    }

    fn text<'n>(&mut self, node: &'n Node<'s>, key: &str) -> Option<&'n str> {
        let text = node.get_ref().as_str();
        if text.is_none() {
            let kind = ProblemKind::WrongType {
                key: key.into(),
                expected: Expected::Text,
            };
            self.report(&node.span(), kind);
        }
        text
    }

    fn decimal(&mut self, node: &Node<'s>, key: &str) -> Option<Decimal> {
        match node_decimal(node.get_ref()) {
            Ok(value) => Some(value),
            Err(NumberError::WrongType) => {
                let kind = ProblemKind::WrongType {
                    key: key.into(),
                    expected: Expected::Number,
                };
                self.report(&node.span(), kind);
                None
            }
            Err(NumberError::Bad(value)) => {
                self.report(
                    &node.span(),
                    ProblemKind::BadNumber {
                        key: key.into(),
                        value,
                    },
                );
                None
            }
        }
    }

    fn positive_decimal(&mut self, node: &Node<'s>, key: &str) -> Option<Decimal> {
        let value = self.decimal(node, key)?;
        if value <= Decimal::ZERO {
            let kind = ProblemKind::MustBePositive {
                key: key.into(),
                value: value.to_string(),
            };
            self.report(&node.span(), kind);
            return None;
        }
        Some(value)
    }

    /// A whole number of at least `min` (0 or 1).
    fn count(&mut self, node: &Node<'s>, key: &str, min: i128) -> Option<usize> {
        let DeValue::Integer(integer) = node.get_ref() else {
            let kind = ProblemKind::WrongType {
                key: key.into(),
                expected: Expected::WholeNumber,
            };
            self.report(&node.span(), kind);
            return None;
        };
        let text = integer.to_string();
        let Ok(value) = i128::from_str_radix(integer.as_str(), integer.radix()) else {
            self.report(
                &node.span(),
                ProblemKind::BadNumber {
                    key: key.into(),
                    value: text,
                },
            );
            return None;
        };
        if value < min {
            let kind = if min > 0 {
                ProblemKind::MustBePositive {
                    key: key.into(),
                    value: text,
                }
            } else {
                ProblemKind::MustNotBeNegative {
                    key: key.into(),
                    value: text,
                }
            };
            self.report(&node.span(), kind);
            return None;
        }
        match usize::try_from(value) {
            Ok(value) => Some(value),
            Err(_) => {
                self.report(
                    &node.span(),
                    ProblemKind::BadNumber {
                        key: key.into(),
                        value: text,
                    },
                );
                None
            }
        }
    }
}

/// The keys the `[[groups]]` tables give, valid or not, so that a `group:KEY` tie-break can be
/// checked even while a group has some other problem.
fn group_keys<'t>(doc: &'t DeTable<'_>) -> Option<Vec<&'t str>> {
    let DeValue::Array(items) = doc.get("groups")?.get_ref() else {
        return None;
    };
    Some(
        items
            .iter()
            .filter_map(|item| item.get_ref().as_table()?.get("key")?.get_ref().as_str())
            .collect(),
    )
}

/// A TOML number or quoted decimal as an exact `Decimal`. Floats are taken from their literal
/// text, so `0.1` is one tenth, not the nearest binary fraction.
fn node_decimal(value: &DeValue<'_>) -> Result<Decimal, NumberError> {
    match value {
        DeValue::Integer(integer) => i128::from_str_radix(integer.as_str(), integer.radix())
            .ok()
            .and_then(|n| Decimal::try_from_i128_with_scale(n, 0).ok())
            .ok_or_else(|| NumberError::Bad(integer.to_string())),
        DeValue::Float(float) => {
            let text = float.as_str().replace('_', "");
            let text = text.strip_prefix('+').unwrap_or(&text);
            let parsed = if text.contains(['e', 'E']) {
                Decimal::from_scientific(text).ok()
            } else {
                Decimal::from_str_exact(text).ok()
            };
            parsed.ok_or_else(|| NumberError::Bad(float.as_str().to_string()))
        }
        DeValue::String(text) => {
            parse_decimal(text).ok_or_else(|| NumberError::Bad(text.to_string()))
        }
        _ => Err(NumberError::WrongType),
    }
}

/// Derives the integer units of sheet totals, or `None` when they would not fit exactly.
fn sheet_units(step: Decimal, criteria: &[Criterion]) -> Option<SheetUnits> {
    let weights: Vec<Decimal> = criteria.iter().map(|c| c.weight.normalize()).collect();
    let scale = weights.iter().map(|w| w.scale()).max().unwrap_or(0);
    let mut weight_units = Vec::with_capacity(weights.len());
    for weight in &weights {
        let factor = 10i128.checked_pow(scale - weight.scale())?;
        weight_units.push(weight.mantissa().checked_mul(factor)?);
    }
    let step = step.normalize();
    let step_mantissa = step.mantissa();
    let total_scale = scale.checked_add(step.scale())?;
    if total_scale > Decimal::MAX_SCALE {
        return None;
    }
    let mut max_units: i128 = 0;
    for (criterion, units) in criteria.iter().zip(&weight_units) {
        let steps = (criterion.max / step).to_i128()?;
        max_units = max_units.checked_add(units.checked_mul(steps)?)?;
    }
    if max_units.checked_mul(step_mantissa)? > MAX_TOTAL_MANTISSA {
        return None;
    }
    let unit = BigRational::new(
        BigInt::from(step_mantissa),
        BigInt::from(10u32).pow(total_scale),
    );
    Some(SheetUnits {
        weight_units,
        step_mantissa,
        total_scale,
        unit,
    })
}
