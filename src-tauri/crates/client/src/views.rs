//! Saved views, without storage: a named filter, sort and search over the inbox, the builtin ones each
//! role starts with, and the checks a view must pass before it is kept. `store::views` keeps them
//! (migrations/0008_saved_views.sql) and counts their items.

use countersign_domain::{Risk, Role, Stage};
use serde::{Deserialize, Serialize};

use crate::model::{AssignmentStatus, ListQuery, SortOrder};
use crate::search::{QueryError, SearchQuery};

/// The views every reviewer has; the UI names them from its catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum BuiltinView {
    Everything,
    DueNextHour,
    HighRisk,
    Escalations,
}

impl BuiltinView {
    /// The builtin views of `role`, in the order the sidebar shows them: escalations only for those
    /// who receive them (seniors, and admins).
    pub fn for_role(role: Option<Role>) -> Vec<BuiltinView> {
        let mut views = vec![Self::Everything, Self::DueNextHour, Self::HighRisk];
        if matches!(role, Some(Role::Senior | Role::Admin)) {
            views.push(Self::Escalations);
        }
        views
    }

    fn name(self) -> &'static str {
        match self {
            Self::Everything => "everything",
            Self::DueNextHour => "due_next_hour",
            Self::HighRisk => "high_risk",
            Self::Escalations => "escalations",
        }
    }

    pub fn filter(self) -> ViewFilter {
        let open = ViewFilter {
            status: Some(AssignmentStatus::Open),
            ..ViewFilter::default()
        };
        match self {
            Self::Everything => ViewFilter::default(),
            Self::DueNextHour => ViewFilter {
                due_within_minutes: Some(60),
                sort: SortOrder::Due,
                ..open
            },
            Self::HighRisk => ViewFilter {
                risk: Some(Risk::High),
                sort: SortOrder::Risk,
                ..open
            },
            Self::Escalations => ViewFilter {
                stage: Some(Stage::Escalation),
                sort: SortOrder::Due,
                ..open
            },
        }
    }

    pub fn view(self) -> SavedView {
        SavedView {
            id: format!("{BUILTIN_PREFIX}{}", self.name()),
            name: String::new(),
            builtin: Some(self),
            filter: self.filter(),
        }
    }
}

/// Ids of builtin views start with this; a stored view's id never does.
pub const BUILTIN_PREFIX: &str = "builtin:";

/// What a view lists.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ViewFilter {
    pub kind: Option<String>,
    pub stage: Option<Stage>,
    pub risk: Option<Risk>,
    pub status: Option<AssignmentStatus>,
    pub sort: SortOrder,
    pub due_within_minutes: Option<u32>,
    /// Search text (src/search.rs syntax); None lists the inbox in `sort` order.
    pub search: Option<String>,
}

impl ViewFilter {
    /// The inbox query of this view (its first page).
    pub fn list_query(&self) -> ListQuery {
        ListQuery {
            kind: self.kind.clone(),
            stage: self.stage,
            risk: self.risk,
            status: self.status,
            sort: self.sort,
            due_within_minutes: self.due_within_minutes,
            ..ListQuery::default()
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SavedView {
    /// "builtin:<snake name>" or the stored view's id.
    pub id: String,
    /// The reviewer's name for it; empty for a builtin one (the UI names it from its catalogue).
    pub name: String,
    pub builtin: Option<BuiltinView>,
    pub filter: ViewFilter,
}

/// A view and how many held items it lists now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SavedViewCount {
    pub view: SavedView,
    pub count: u32,
}

/// Why a view cannot be kept or deleted; nothing changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ViewError {
    #[error("a view needs a name")]
    EmptyName,
    #[error("there is already a view named {0:?}")]
    DuplicateName(String),
    #[error("its search cannot be run: {0}")]
    Search(#[from] QueryError),
    #[error("a builtin view cannot be deleted")]
    Builtin,
    #[error("there is no view {0}")]
    Unknown(String),
}

/// The checks a view passes before it is kept: a name, and a search text that parses.
pub fn check(name: &str, filter: &ViewFilter) -> Result<String, ViewError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(ViewError::EmptyName);
    }
    if let Some(text) = &filter.search {
        SearchQuery::parse(text)?;
    }
    Ok(name.to_owned())
}
