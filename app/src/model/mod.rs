//! Wire types shared by the server and the browser.

pub mod audit;
pub mod evidence;
pub mod market;
pub mod review;
pub mod rules;
pub mod site;

use crate::domain::role::Role;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The signed-in user, as every request sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// A user scoped to one district sees only that district's work.
    pub district_id: Option<Uuid>,
}

/// One row of the admin's user list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserSummary {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub district_id: Option<Uuid>,
    pub district_name: Option<String>,
    pub active: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct District {
    pub id: Uuid,
    pub code: String,
    pub name: String,
}

/// A new account, already validated by [`NewUser::parse`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub district_id: Option<Uuid>,
    pub password: String,
}

#[cfg(feature = "ui")]
impl NewUser {
    /// Validates form input; the first problem found is reported with the field it concerns.
    pub fn parse(
        username: &str,
        display_name: &str,
        role: &str,
        district_id: &str,
        password: &str,
    ) -> Result<NewUser, crate::error::AppError> {
        use crate::domain::accounts;
        use crate::error::AppError;
        use crate::i18n::Msg;
        let username =
            accounts::normalize_username(username).map_err(|m| AppError::invalid("username", m))?;
        let display_name = accounts::normalize_display_name(display_name)
            .map_err(|m| AppError::invalid("display_name", m))?;
        let role: Role = role
            .parse()
            .map_err(|_| AppError::invalid("role", Msg::UnknownRole))?;
        let district_id = match district_id.trim() {
            "" => None,
            s => Some(
                Uuid::parse_str(s)
                    .map_err(|_| AppError::invalid("district_id", Msg::UnknownDistrict))?,
            ),
        };
        accounts::check_password(password, &username)
            .map_err(|m| AppError::invalid("password", m))?;
        Ok(NewUser {
            username,
            display_name,
            role,
            district_id,
            password: password.to_string(),
        })
    }
}

#[cfg(all(test, feature = "ui"))]
mod tests {
    use super::*;
    use crate::error::AppError;
    use crate::i18n::Msg;

    #[test]
    fn a_valid_form_parses() {
        let u =
            NewUser::parse(" Li.Na ", "李娜", "inspector", "", "long-enough-pw").expect("valid");
        assert_eq!(u.username, "li.na");
        assert_eq!(u.role, Role::Inspector);
        assert_eq!(u.district_id, None);
    }

    #[test]
    fn each_bad_field_is_named() {
        let field = |r: Result<NewUser, AppError>| match r {
            Err(AppError::Invalid { field, msg }) => (field, msg),
            other => panic!("expected a field error, got {other:?}"),
        };
        assert_eq!(
            field(NewUser::parse("", "x", "admin", "", "long-enough-pw")).0,
            "username"
        );
        assert_eq!(
            field(NewUser::parse("abc", "", "admin", "", "long-enough-pw")).0,
            "display_name"
        );
        assert_eq!(
            field(NewUser::parse("abc", "x", "boss", "", "long-enough-pw")),
            ("role".into(), Msg::UnknownRole)
        );
        assert_eq!(
            field(NewUser::parse(
                "abc",
                "x",
                "admin",
                "nope",
                "long-enough-pw"
            ))
            .0,
            "district_id"
        );
        assert_eq!(
            field(NewUser::parse("abc", "x", "admin", "", "short")),
            ("password".into(), Msg::PasswordTooShort)
        );
    }
}
