//! Who may receive an item's pending stage: the `audience` column of `items`. Review work goes to
//! reviewers (seniors included), escalations to seniors only; an item awaiting its second approval
//! stays with the audience of its first.

use countersign_domain::{Role, Route};
use serde::{Deserialize, Serialize};

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Audience {
    Reviewers,
    Seniors,
}

impl Audience {
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Whether a user with `role` may receive this work.
    pub fn admits(self, role: Role) -> bool {
        match self {
            Audience::Reviewers => role.reviews(),
            Audience::Seniors => role == Role::Senior,
        }
    }

    /// The audiences whose work `role` may take, seniors' first.
    pub fn served_by(role: Role) -> &'static [Audience] {
        match role {
            Role::Senior => &[Audience::Seniors, Audience::Reviewers],
            Role::Reviewer => &[Audience::Reviewers],
            Role::Producer | Role::Admin => &[],
        }
    }

    /// Who receives a freshly routed item; nobody when it needs no review.
    pub fn for_route(route: Route) -> Option<Audience> {
        match route {
            Route::AutoApproved => None,
            Route::Review => Some(Audience::Reviewers),
            Route::Escalation => Some(Audience::Seniors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_and_audiences_agree() {
        for role in [Role::Producer, Role::Reviewer, Role::Senior, Role::Admin] {
            for audience in [Audience::Reviewers, Audience::Seniors] {
                assert_eq!(
                    audience.admits(role),
                    Audience::served_by(role).contains(&audience),
                    "{role:?} {audience:?}"
                );
            }
        }
        assert_eq!(Audience::Seniors.as_str(), "seniors");
        assert_eq!("reviewers".parse(), Ok(Audience::Reviewers));
    }
}
