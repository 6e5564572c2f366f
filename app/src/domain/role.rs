//! Who a user is in the campaign, and which sections of the app each role works in.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The three kinds of user. A user has exactly one role; an admin is not implicitly a supervisor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 检查员: visits shops and buildings, records findings on a phone.
    Inspector,
    /// 审核人: reviews findings, reads the dashboard and the ledgers.
    Supervisor,
    /// 管理员: manages users, rules and the site registry.
    Admin,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Inspector, Role::Supervisor, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Inspector => "inspector",
            Role::Supervisor => "supervisor",
            Role::Admin => "admin",
        }
    }

    /// The sections shown in the role's navigation, in order. The first is the role's home.
    pub fn sections(self) -> &'static [Section] {
        match self {
            Role::Inspector => &[
                Section::Today,
                Section::Checks,
                Section::Rectifications,
                Section::Sync,
            ],
            Role::Supervisor => &[
                Section::Review,
                Section::Rectifications,
                Section::Dashboard,
                Section::Ledgers,
            ],
            Role::Admin => &[
                Section::Users,
                Section::Rules,
                Section::Sites,
                Section::Audit,
            ],
        }
    }

    /// Where a user of this role lands after signing in.
    pub fn home(self) -> &'static str {
        self.sections()[0].path()
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role: {0}")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "inspector" => Ok(Role::Inspector),
            "supervisor" => Ok(Role::Supervisor),
            "admin" => Ok(Role::Admin),
            other => Err(UnknownRole(other.to_string())),
        }
    }
}

/// A top-level section of the app: one page in the navigation bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Section {
    Today,
    Checks,
    Sync,
    /// Rectification orders by deadline: supervisors follow them, inspectors re-inspect.
    Rectifications,
    /// The audit log and its hash chain (administrators).
    Audit,
    Review,
    Dashboard,
    Ledgers,
    Users,
    Rules,
    Sites,
}

impl Section {
    pub const ALL: [Section; 11] = [
        Section::Today,
        Section::Checks,
        Section::Sync,
        Section::Review,
        Section::Rectifications,
        Section::Dashboard,
        Section::Ledgers,
        Section::Users,
        Section::Rules,
        Section::Sites,
        Section::Audit,
    ];

    pub fn path(self) -> &'static str {
        match self {
            Section::Today => "/today",
            Section::Checks => "/checks",
            Section::Sync => "/sync",
            Section::Review => "/review",
            Section::Dashboard => "/dashboard",
            Section::Ledgers => "/ledgers",
            Section::Users => "/admin/users",
            Section::Rules => "/admin/rules",
            Section::Sites => "/admin/sites",
            Section::Rectifications => "/rectifications",
            Section::Audit => "/admin/audit",
        }
    }

    /// The roles that may open this section.
    pub fn roles(self) -> &'static [Role] {
        match self {
            Section::Today | Section::Checks | Section::Sync => &[Role::Inspector],
            Section::Review | Section::Dashboard | Section::Ledgers => &[Role::Supervisor],
            Section::Users | Section::Rules | Section::Sites | Section::Audit => &[Role::Admin],
            Section::Rectifications => &[Role::Inspector, Role::Supervisor],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_has_four_sections_and_may_open_them() {
        for role in Role::ALL {
            // Four fit a phone's bottom bar with big targets.
            assert_eq!(role.sections().len(), 4);
            for s in role.sections() {
                assert!(
                    s.roles().contains(&role),
                    "{role} cannot open its own {s:?}"
                );
            }
        }
    }

    #[test]
    fn homes_are_distinct() {
        assert_eq!(Role::Inspector.home(), "/today");
        assert_eq!(Role::Supervisor.home(), "/review");
        assert_eq!(Role::Admin.home(), "/admin/users");
    }

    #[test]
    fn role_round_trips_through_text() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
        }
        assert!("root".parse::<Role>().is_err());
        assert!("".parse::<Role>().is_err());
    }
}
