//! The analytics view's reports (docs/protocol.md, "Statistics endpoints"): seniors (their teams)
//! and admins only. The core refuses anyone else before asking the queue, which refuses them too.

use countersign_domain::Role;

use crate::remote::{QueueClient, RemoteError};
use crate::session::Session;

/// Why a report was not read.
#[derive(Debug, thiserror::Error)]
pub enum StatsError {
    /// Reviewers and producers see no statistics (the queue's 403 too).
    #[error("the analytics are for seniors and admins: {0}")]
    NotAllowed(String),
    #[error("sign in to the queue to read its analytics")]
    NotSignedIn,
    #[error(transparent)]
    Remote(RemoteError),
}

impl From<RemoteError> for StatsError {
    fn from(error: RemoteError) -> Self {
        match error {
            RemoteError::Forbidden { message, .. } => StatsError::NotAllowed(message),
            other => StatsError::Remote(other),
        }
    }
}

/// Whether `role` may read statistics: the same rule as the queue's (seniors and admins).
pub fn may_read(role: Role) -> bool {
    matches!(role, Role::Senior | Role::Admin)
}

/// The queue connection the signed-in user reads the statistics reports over (`GET /v1/stats/...`):
/// a senior's or an admin's; anyone else is refused here, before the queue refuses them too.
pub fn reader(session: &Session) -> Result<QueueClient, StatsError> {
    let me = session.me.as_ref().ok_or(StatsError::NotSignedIn)?;
    if !may_read(me.role) {
        return Err(StatsError::NotAllowed(format!(
            "{} is signed in as a {}",
            me.name, me.role
        )));
    }
    session.remote.clone().ok_or(StatsError::NotSignedIn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_seniors_and_admins_read_statistics() {
        assert!(may_read(Role::Senior));
        assert!(may_read(Role::Admin));
        assert!(!may_read(Role::Reviewer));
        assert!(!may_read(Role::Producer));
    }
}
