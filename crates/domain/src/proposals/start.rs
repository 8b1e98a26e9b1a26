//! Starting a proposal: from one or more accepted golden ideas of one community, in the season
//! being drafted, its background first written in the ideas' own words.

use super::ProposalError;
use crate::ideas::Status as IdeaStatus;

/// A golden idea as starting a proposal needs to see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceIdea {
    pub id: i64,
    pub season_id: i64,
    pub community_id: i64,
    pub status: IdeaStatus,
    pub title: String,
    pub description: String,
}

/// The community a proposal started from `found` belongs to. `requested` is how many ideas
/// were ticked: one that no longer exists, or is not accepted, or belongs to another season or
/// community is refused, and so is starting from none.
pub fn check_sources(
    season_id: i64,
    requested: usize,
    found: &[SourceIdea],
) -> Result<i64, Vec<ProposalError>> {
    let mut problems = Vec::new();
    if found.len() < requested {
        problems.push(ProposalError::BadIdea);
    }
    let Some(first) = found.first() else {
        problems.push(ProposalError::NoIdea);
        return Err(problems);
    };
    let community_id = first.community_id;
    let fits = |i: &SourceIdea| {
        i.season_id == season_id
            && i.status == IdeaStatus::Accepted
            && i.community_id == community_id
    };
    if !found.iter().all(fits) && !problems.contains(&ProposalError::BadIdea) {
        problems.push(ProposalError::BadIdea);
    }
    if problems.is_empty() {
        Ok(community_id)
    } else {
        Err(problems)
    }
}

/// The background a new proposal starts with: each idea's title and words, for the team to
/// rewrite.
pub fn starting_background(ideas: &[SourceIdea]) -> String {
    ideas
        .iter()
        .map(|i| format!("{}：{}", i.title, i.description))
        .collect::<Vec<_>>()
        .join("\n\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn idea(id: i64, community_id: i64, status: IdeaStatus) -> SourceIdea {
        SourceIdea {
            id,
            season_id: 1,
            community_id,
            status,
            title: format!("金点子{id}"),
            description: "楼道堆物多".into(),
        }
    }

    #[test]
    fn a_proposal_starts_from_accepted_ideas_of_one_community_in_the_season() {
        let two = [
            idea(1, 7, IdeaStatus::Accepted),
            idea(2, 7, IdeaStatus::Accepted),
        ];
        assert_eq!(check_sources(1, 2, &two), Ok(7));
        assert_eq!(check_sources(1, 0, &[]), Err(vec![ProposalError::NoIdea]));
        assert_eq!(
            check_sources(1, 1, &[]),
            Err(vec![ProposalError::BadIdea, ProposalError::NoIdea])
        );
        assert_eq!(
            check_sources(1, 3, &two),
            Err(vec![ProposalError::BadIdea]),
            "one ticked idea no longer exists"
        );
        for bad in [
            idea(2, 8, IdeaStatus::Accepted),
            idea(2, 7, IdeaStatus::Submitted),
            idea(2, 7, IdeaStatus::Merged),
            SourceIdea {
                season_id: 2,
                ..idea(2, 7, IdeaStatus::Accepted)
            },
        ] {
            let ideas = [idea(1, 7, IdeaStatus::Accepted), bad.clone()];
            assert_eq!(
                check_sources(1, 2, &ideas),
                Err(vec![ProposalError::BadIdea]),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn the_background_starts_as_the_ideas_own_words() {
        let ideas = [
            idea(1, 7, IdeaStatus::Accepted),
            idea(2, 7, IdeaStatus::Accepted),
        ];
        assert_eq!(
            starting_background(&ideas),
            "金点子1：楼道堆物多\n\n金点子2：楼道堆物多"
        );
    }
}
