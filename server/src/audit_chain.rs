//! The audit log as a hash chain: every entry carries the SHA-256 of the one before it (and its own),
//! so that a walk from the first entry names the first one that was altered, removed or inserted
//! behind the product's back (`jieshui-server verify-audit`, the admin's audit page).
//!
//! An entry's hash covers its sequence number, id, time, actor, action, subject and detail exactly as
//! stored, and the previous entry's hash. What a chain cannot show on its own is the newest entries
//! cut off, or entries appended by someone who recomputes the hashes: compare the head hash the
//! walk prints with one noted earlier (a printed report, another system) for that.

use sha2::{Digest, Sha256};

/// The hash before the first entry.
pub const GENESIS: &str = "";

/// One entry as stored, every field as the database's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainRow {
    /// The sequence number as stored (text, so a forged non-integer shows).
    pub seq: String,
    pub id: String,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub detail: String,
    pub prev_hash: Option<String>,
    pub hash: Option<String>,
}

/// The hash of `row` following an entry whose hash is `prev`.
pub fn entry_hash(prev: &str, row: &ChainRow) -> String {
    let mut h = Sha256::new();
    for part in [
        prev,
        &row.seq,
        &row.id,
        &row.at,
        &row.actor,
        &row.action,
        &row.subject,
        &row.detail,
    ] {
        // Length-prefixed: no two different entries hash the same text.
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    jieshui_app::domain::evidence::hex(&h.finalize())
}

/// Where the chain breaks first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Break {
    /// The entry's content no longer matches its hash.
    Altered { seq: String },
    /// The entry with this number is missing.
    Removed { seq: i64 },
    /// This entry was not written by the product (out of sequence, or not linked to the one before).
    Inserted { seq: String },
}

impl std::fmt::Display for Break {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Break::Altered { seq } => write!(f, "entry #{seq} was altered"),
            Break::Removed { seq } => write!(f, "entry #{seq} was removed"),
            Break::Inserted { seq } => write!(f, "entry #{seq} was inserted"),
        }
    }
}

/// An intact chain: how many entries, and the newest entry's hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Intact {
    pub entries: u64,
    pub head: String,
}

/// Walks `rows` in sequence order from the first entry.
pub fn verify(rows: impl IntoIterator<Item = ChainRow>) -> Result<Intact, Break> {
    let mut prev = GENESIS.to_string();
    let mut entries = 0u64;
    for (expected, row) in (1i64..).zip(rows) {
        let Ok(seq) = row.seq.parse::<i64>() else {
            return Err(Break::Inserted { seq: row.seq });
        };
        if seq > expected {
            return Err(Break::Removed { seq: expected });
        }
        if seq < expected {
            // A second entry with a number already seen.
            return Err(Break::Inserted { seq: row.seq });
        }
        let own = entry_hash(&prev, &row);
        if row.prev_hash.as_deref() != Some(prev.as_str()) {
            return Err(Break::Inserted { seq: row.seq });
        }
        if row.hash.as_deref() != Some(own.as_str()) {
            return Err(Break::Altered { seq: row.seq });
        }
        prev = own;
        entries += 1;
    }
    Ok(Intact {
        entries,
        head: prev,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: usize) -> Vec<ChainRow> {
        let mut prev = GENESIS.to_string();
        (1..=n)
            .map(|i| {
                let mut r = ChainRow {
                    seq: i.to_string(),
                    id: format!("{i:032x}"),
                    at: format!("2026-12-06 10:00:{:02}", i % 60),
                    actor: "ab".into(),
                    action: "test".into(),
                    subject: format!("s{i}"),
                    detail: "{}".into(),
                    prev_hash: Some(prev.clone()),
                    hash: None,
                };
                let h = entry_hash(&prev, &r);
                r.hash = Some(h.clone());
                prev = h;
                r
            })
            .collect()
    }

    #[test]
    fn an_untouched_chain_is_intact_and_every_kind_of_tampering_is_named() {
        let good = chain(5);
        let intact = verify(good.clone()).expect("intact");
        assert_eq!(intact.entries, 5);
        assert_eq!(Some(intact.head), good[4].hash.clone());
        assert_eq!(verify(Vec::new()).map(|i| i.entries), Ok(0));

        let mut altered = good.clone();
        altered[2].detail = r#"{"outcome":"compliant"}"#.into();
        assert_eq!(verify(altered), Err(Break::Altered { seq: "3".into() }));

        let mut removed = good.clone();
        removed.remove(1);
        assert_eq!(verify(removed), Err(Break::Removed { seq: 2 }));

        // An entry slipped in between 3 and 4, even one linked to 3 with a correct hash of its own.
        let mut inserted = good.clone();
        let mut forged = good[2].clone();
        forged.seq = "3.5".into();
        inserted.insert(3, forged);
        assert_eq!(verify(inserted), Err(Break::Inserted { seq: "3.5".into() }));
        // One that reuses a number and one that is not linked to its predecessor.
        let mut dup = good.clone();
        dup.insert(3, good[2].clone());
        assert_eq!(verify(dup), Err(Break::Inserted { seq: "3".into() }));
        let mut unlinked = good.clone();
        unlinked[3].prev_hash = Some("00".repeat(32));
        assert_eq!(verify(unlinked), Err(Break::Inserted { seq: "4".into() }));
    }
}
