//! Which pages need a signed-in user, and which roles may open them. The server enforces this table on
//! every request; the navigation only mirrors it.

use super::role::{Role, Section};

/// What a request for a page path requires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageAccess {
    /// Anyone may open it (sign-in, health, static files, the error pages).
    Public,
    /// Only these roles may open it.
    Roles(&'static [Role]),
}

/// The access rule for a page path (without query string).
pub fn page_access(path: &str) -> PageAccess {
    let path = path.trim_end_matches('/');
    // Photo evidence: any signed-in role; who may see which photo is decided per photo.
    if path.starts_with("/photos/") {
        return PageAccess::Roles(&Role::ALL);
    }
    // One check (`/checks/{id}`): any signed-in role; its own inspector edits it, supervisors and
    // admins read it, and who may see which check is decided per check. The checks section itself
    // (and starting a check) stays the inspectors'.
    if let Some(id) = path.strip_prefix("/checks/") {
        if !id.is_empty() && id != "start" && !id.contains('/') {
            return PageAccess::Roles(&Role::ALL);
        }
        // Its history as CSV: whoever may read it. Deciding on it: supervisors.
        if let Some((id, rest)) = id.split_once('/') {
            if !id.is_empty() && rest == "history.csv" {
                return PageAccess::Roles(&Role::ALL);
            }
            if !id.is_empty() && matches!(rest, "review" | "recommend") {
                return PageAccess::Roles(&[Role::Supervisor]);
            }
            // Recording the title an audit led to: administrators.
            if !id.is_empty() && rest == "title" {
                return PageAccess::Roles(&[Role::Admin]);
            }
        }
    }
    // One's own account (changing one's password): any signed-in role.
    if path == "/account" || path.starts_with("/account/") {
        return PageAccess::Roles(&Role::ALL);
    }
    for section in Section::ALL {
        let p = section.path();
        if path == p
            || path
                .strip_prefix(p)
                .is_some_and(|rest| rest.starts_with('/'))
        {
            return PageAccess::Roles(section.roles());
        }
    }
    PageAccess::Public
}

/// The decision for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow,
    /// Not signed in: send them to sign in.
    SignIn,
    /// Signed in, but this page is not for their role.
    Forbidden,
}

pub fn decide(access: PageAccess, role: Option<Role>) -> Decision {
    match (access, role) {
        (PageAccess::Public, _) => Decision::Allow,
        (PageAccess::Roles(_), None) => Decision::SignIn,
        (PageAccess::Roles(roles), Some(r)) if roles.contains(&r) => Decision::Allow,
        (PageAccess::Roles(_), Some(_)) => Decision::Forbidden,
    }
}

/// A `next=` target after sign-in must stay on this site: a path of characters that need no
/// escaping in a URL, never `//host`, `/\\host` or a full URL. Anything else is refused rather
/// than repaired: browsers drop TAB, CR and LF inside URLs (so `/<TAB>/evil.example` becomes
/// `//evil.example`) and treat `\\` as `/`, and a header value cannot carry DEL or non-ASCII.
pub fn safe_next(next: &str) -> Option<&str> {
    let b = next.as_bytes();
    let safe = |c: u8| c.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/?%#".contains(&c);
    let ok = b.first() == Some(&b'/')
        && !matches!(b.get(1), Some(b'/' | b'\\'))
        && b.len() <= 512
        && b.iter().all(|&c| safe(c));
    ok.then_some(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_check_is_for_every_role_and_the_checks_section_for_inspectors() {
        let id = "/checks/0190f3c2-5e1a-7000-8000-000000000001";
        assert_eq!(page_access(id), PageAccess::Roles(&Role::ALL));
        assert_eq!(
            page_access("/checks"),
            PageAccess::Roles(&[Role::Inspector])
        );
        assert_eq!(
            page_access("/checks/start"),
            PageAccess::Roles(&[Role::Inspector])
        );
        assert_eq!(
            page_access(&format!("{id}/more")),
            PageAccess::Roles(&[Role::Inspector])
        );
    }

    #[test]
    fn sections_and_their_subpages_are_protected() {
        assert_eq!(page_access("/today"), PageAccess::Roles(&[Role::Inspector]));
        assert_eq!(
            page_access("/today/"),
            PageAccess::Roles(&[Role::Inspector])
        );
        assert_eq!(
            page_access("/admin/users/123"),
            PageAccess::Roles(&[Role::Admin])
        );
        assert_eq!(
            page_access("/review"),
            PageAccess::Roles(&[Role::Supervisor])
        );
    }

    #[test]
    fn look_alike_paths_are_not_confused() {
        // "/todayx" is not the today section, so it is a 404, not a protected page.
        assert_eq!(page_access("/todayx"), PageAccess::Public);
        assert_eq!(page_access("/login"), PageAccess::Public);
        assert_eq!(page_access("/"), PageAccess::Public);
    }

    #[test]
    fn decisions() {
        let a = page_access("/admin/rules");
        assert_eq!(decide(a, None), Decision::SignIn);
        assert_eq!(decide(a, Some(Role::Inspector)), Decision::Forbidden);
        assert_eq!(decide(a, Some(Role::Supervisor)), Decision::Forbidden);
        assert_eq!(decide(a, Some(Role::Admin)), Decision::Allow);
        assert_eq!(decide(PageAccess::Public, None), Decision::Allow);
    }

    #[test]
    fn next_targets_stay_on_site() {
        assert_eq!(safe_next("/today"), Some("/today"));
        assert_eq!(safe_next("/admin/users?x=1"), Some("/admin/users?x=1"));
        assert_eq!(safe_next("//evil.example"), None);
        assert_eq!(safe_next("/\\evil.example"), None);
        assert_eq!(safe_next("https://evil.example"), None);
        assert_eq!(safe_next("/a\r\nSet-Cookie: x"), None);
        assert_eq!(safe_next(""), None);
        assert_eq!(
            safe_next("/sites?kind=shop&q=%E6%81%92#top"),
            Some("/sites?kind=shop&q=%E6%81%92#top")
        );
    }

    #[test]
    fn no_control_character_and_no_known_bypass_passes() {
        // Every control character, DEL, space and the characters browsers rewrite, at the start
        // (where `/<c>/evil.example` becomes `//evil.example`) and inside the path.
        for c in (0u8..=0x20)
            .chain([0x7F])
            .map(char::from)
            .chain(['\\', '"', '<', '>', '`', '^', '{', '|', '}'])
        {
            for s in [
                format!("/{c}/evil.example"),
                format!("/today{c}x"),
                format!("{c}/today"),
            ] {
                assert_eq!(safe_next(&s), None, "{s:?}");
            }
        }
        for s in [
            "//evil.example",
            "///evil.example",
            "/\\/evil.example",
            "\\\\evil.example",
            "http://evil.example",
            "https:/evil.example",
            "javascript:alert(1)",
            "evil.example",
            "/今日",
            "/\u{2028}x",
        ] {
            assert_eq!(safe_next(s), None, "{s:?}");
        }
        assert_eq!(safe_next(&format!("/{}", "a".repeat(600))), None);
        // Percent-escapes stay escapes: `/%2F%2Fevil.example` is a path on this site.
        assert_eq!(
            safe_next("/%2F%2Fevil.example"),
            Some("/%2F%2Fevil.example")
        );
    }
}
