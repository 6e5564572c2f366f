//! Small text helpers shared by pages and the server: query encoding, distances as people say them.

use crate::i18n::{Lang, Msg};

/// Percent-encodes a query value (enough for paths and simple queries).
pub fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// "85 米", "1.2 公里".
pub fn format_distance(m: f64, lang: Lang) -> String {
    if m < 1000.0 {
        format!("{:.0} {}", m, Msg::Metres.text(lang))
    } else if m < 100_000.0 {
        format!("{:.1} {}", m / 1000.0, Msg::Km.text(lang))
    } else {
        format!("{:.0} {}", m / 1000.0, Msg::Km.text(lang))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urlencode_keeps_paths_readable() {
        assert_eq!(urlencode("/admin/users?x=1&y"), "/admin/users%3Fx%3D1%26y");
        assert_eq!(urlencode("/今日"), "/%E4%BB%8A%E6%97%A5");
    }

    #[test]
    fn distances_read_naturally() {
        assert_eq!(format_distance(85.4, Lang::Zh), "85 米");
        assert_eq!(format_distance(1234.0, Lang::Zh), "1.2 公里");
        assert_eq!(format_distance(1234.0, Lang::En), "1.2 km");
        assert_eq!(format_distance(250_000.0, Lang::En), "250 km");
    }
}
