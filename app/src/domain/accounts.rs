//! Rules for user accounts: what a username and a password must look like.

use crate::i18n::Msg;

pub const USERNAME_MAX: usize = 32;
pub const DISPLAY_NAME_MAX: usize = 40;
pub const PASSWORD_MIN: usize = 10;
pub const PASSWORD_MAX: usize = 128;

/// Usernames are typed on phone keyboards: lower-case ASCII letters, digits, `.`, `_` and `-`,
/// starting with a letter. Input is trimmed and lower-cased before it is checked.
pub fn normalize_username(raw: &str) -> Result<String, Msg> {
    let u = raw.trim().to_lowercase();
    if u.is_empty() {
        return Err(Msg::UsernameRequired);
    }
    if u.chars().count() < 3 || u.chars().count() > USERNAME_MAX {
        return Err(Msg::UsernameLength);
    }
    let mut chars = u.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_lowercase());
    let rest_ok = chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c));
    if !(first_ok && rest_ok) {
        return Err(Msg::UsernameChars);
    }
    Ok(u)
}

/// A display name is what supervisors and ledgers show, e.g. "张伟". Required, trimmed, bounded.
pub fn normalize_display_name(raw: &str) -> Result<String, Msg> {
    let d = raw.trim();
    if d.is_empty() {
        return Err(Msg::DisplayNameRequired);
    }
    if d.chars().count() > DISPLAY_NAME_MAX || d.chars().any(char::is_control) {
        return Err(Msg::DisplayNameInvalid);
    }
    Ok(d.to_string())
}

/// Passwords are long rather than complicated (NIST 800-63B): at least 10 characters, at most 128,
/// and not the username itself.
pub fn check_password(password: &str, username: &str) -> Result<(), Msg> {
    let n = password.chars().count();
    if n < PASSWORD_MIN {
        return Err(Msg::PasswordTooShort);
    }
    if n > PASSWORD_MAX {
        return Err(Msg::PasswordTooLong);
    }
    if password.trim().eq_ignore_ascii_case(username.trim()) {
        return Err(Msg::PasswordIsUsername);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_normalised() {
        assert_eq!(normalize_username("  Zhang.Wei "), Ok("zhang.wei".into()));
        assert_eq!(normalize_username("inspector"), Ok("inspector".into()));
        assert_eq!(normalize_username("li-na_2"), Ok("li-na_2".into()));
    }

    #[test]
    fn bad_usernames_say_why() {
        assert_eq!(normalize_username(""), Err(Msg::UsernameRequired));
        assert_eq!(normalize_username("   "), Err(Msg::UsernameRequired));
        assert_eq!(normalize_username("ab"), Err(Msg::UsernameLength));
        assert_eq!(
            normalize_username(&"a".repeat(33)),
            Err(Msg::UsernameLength)
        );
        assert_eq!(normalize_username(&"a".repeat(32)), Ok("a".repeat(32)));
        assert_eq!(normalize_username("1abc"), Err(Msg::UsernameChars));
        assert_eq!(normalize_username("张伟伟"), Err(Msg::UsernameChars));
        assert_eq!(normalize_username("a b c"), Err(Msg::UsernameChars));
    }

    #[test]
    fn display_names() {
        assert_eq!(normalize_display_name(" 张伟 "), Ok("张伟".into()));
        assert_eq!(normalize_display_name(""), Err(Msg::DisplayNameRequired));
        assert_eq!(
            normalize_display_name("a\u{7}b"),
            Err(Msg::DisplayNameInvalid)
        );
        assert_eq!(
            normalize_display_name(&"名".repeat(41)),
            Err(Msg::DisplayNameInvalid)
        );
    }

    #[test]
    fn password_policy_edges() {
        assert_eq!(check_password("123456789", "x"), Err(Msg::PasswordTooShort));
        assert_eq!(check_password("1234567890", "x"), Ok(()));
        // Counted in characters, not bytes: ten Chinese characters are enough.
        assert_eq!(check_password("节水型城市节水型城市", "x"), Ok(()));
        assert_eq!(
            check_password(&"x".repeat(129), "y"),
            Err(Msg::PasswordTooLong)
        );
        assert_eq!(
            check_password("Inspector1", "inspector1"),
            Err(Msg::PasswordIsUsername)
        );
    }
}
