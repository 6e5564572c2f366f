//! Originals stored once under their SHA-256: `<root>/ab/cd/<sha256>`. A file is written to
//! `<root>/tmp/` first, flushed to disk, then renamed into place, so a crash leaves either nothing
//! or a whole file — never half a photo under a hash. The database row is written after the rename;
//! [`PhotoStore::sweep`] removes what a crash between the two left behind.

use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};
use tokio::io::AsyncWriteExt;

#[derive(Debug, thiserror::Error)]
pub enum ReceiveError {
    #[error("file larger than {0} bytes")]
    TooLarge(u64),
    #[error("upload interrupted: {0}")]
    Body(String),
    #[error("storage: {0}")]
    Io(#[from] std::io::Error),
}

/// A file received into the temp area, not yet stored.
#[derive(Debug)]
pub struct Received {
    pub temp: PathBuf,
    pub sha256: String,
    pub bytes: u64,
    /// The first bytes, for sniffing the type.
    pub head: Vec<u8>,
}

/// A temp file is never left behind, whatever path the request took: stored files were renamed
/// away before this runs, so only an unstored one is removed.
impl Drop for Received {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.temp);
    }
}

#[derive(Debug, Clone)]
pub struct PhotoStore {
    root: PathBuf,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn is_sha256(name: &str) -> bool {
    name.len() == 64
        && name
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

impl PhotoStore {
    /// The store at `root`; its folders are made on first use.
    pub fn new(root: impl Into<PathBuf>) -> PhotoStore {
        PhotoStore { root: root.into() }
    }

    pub async fn open(root: impl Into<PathBuf>) -> std::io::Result<PhotoStore> {
        let s = PhotoStore::new(root);
        tokio::fs::create_dir_all(s.root.join("tmp")).await?;
        Ok(s)
    }

    pub fn thumb_path(&self, sha256: &str, edge: u32) -> Option<PathBuf> {
        is_sha256(sha256).then(|| {
            self.root
                .join("thumbs")
                .join(format!("{sha256}-{edge}.jpg"))
        })
    }

    /// Writes a thumbnail (temp → rename), keeping one that exists unless `replace`. No fsync: a
    /// thumbnail derives from the original, and serving remakes one a crash lost or cut short.
    pub async fn put_thumb(
        &self,
        sha256: &str,
        edge: u32,
        jpeg: &[u8],
        replace: bool,
    ) -> std::io::Result<()> {
        let dest = self
            .thumb_path(sha256, edge)
            .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidInput, "bad hash"))?;
        if !replace && tokio::fs::try_exists(&dest).await? {
            return Ok(());
        }
        tokio::fs::create_dir_all(self.root.join("thumbs")).await?;
        tokio::fs::create_dir_all(self.root.join("tmp")).await?;
        let temp = self
            .root
            .join("tmp")
            .join(format!("{}.thumb", uuid::Uuid::now_v7()));
        let mut f = tokio::fs::File::create(&temp).await?;
        f.write_all(jpeg).await?;
        f.flush().await?;
        drop(f);
        tokio::fs::rename(&temp, &dest).await
    }

    pub fn path_for(&self, sha256: &str) -> Option<PathBuf> {
        is_sha256(sha256).then(|| {
            self.root
                .join(&sha256[0..2])
                .join(&sha256[2..4])
                .join(sha256)
        })
    }

    /// Streams chunks into a temp file, hashing as it goes; refuses (and deletes) past `cap` bytes.
    pub async fn receive<S, B, E>(&self, mut chunks: S, cap: u64) -> Result<Received, ReceiveError>
    where
        S: futures_util::Stream<Item = Result<B, E>> + Unpin,
        B: AsRef<[u8]>,
        E: std::fmt::Display,
    {
        use futures_util::StreamExt;
        tokio::fs::create_dir_all(self.root.join("tmp")).await?;
        let temp = self
            .root
            .join("tmp")
            .join(format!("{}.part", uuid::Uuid::now_v7()));
        let mut file = tokio::fs::File::create(&temp).await?;
        let mut hasher = Sha256::new();
        let mut bytes: u64 = 0;
        let mut head = Vec::with_capacity(64);
        let result: Result<(), ReceiveError> = async {
            while let Some(chunk) = chunks.next().await {
                let chunk = chunk.map_err(|e| ReceiveError::Body(e.to_string()))?;
                let chunk = chunk.as_ref();
                bytes += chunk.len() as u64;
                if bytes > cap {
                    return Err(ReceiveError::TooLarge(cap));
                }
                if head.len() < 64 {
                    head.extend_from_slice(&chunk[..chunk.len().min(64 - head.len())]);
                }
                hasher.update(chunk);
                file.write_all(chunk).await?;
            }
            file.flush().await?;
            file.sync_all().await?;
            Ok(())
        }
        .await;
        drop(file);
        if let Err(e) = result {
            let _ = tokio::fs::remove_file(&temp).await;
            return Err(e);
        }
        Ok(Received {
            temp,
            sha256: hex(&hasher.finalize()),
            bytes,
            head,
        })
    }

    /// Moves a received file under its hash. Storing the same content twice keeps the first copy.
    pub async fn commit(&self, r: &Received) -> std::io::Result<PathBuf> {
        let dest = self
            .path_for(&r.sha256)
            .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidInput, "bad hash"))?;
        if tokio::fs::try_exists(&dest).await? {
            tokio::fs::remove_file(&r.temp).await?;
            return Ok(dest);
        }
        let dir = dest.parent().unwrap_or(&self.root).to_path_buf();
        tokio::fs::create_dir_all(&dir).await?;
        tokio::fs::rename(&r.temp, &dest).await?;
        // The rename is durable only once the directory entry is on disk.
        if let Ok(d) = tokio::fs::File::open(&dir).await {
            let _ = d.sync_all().await;
        }
        Ok(dest)
    }

    /// After a crash: removes temp files older than `grace` and stored files whose hash no database
    /// row knows. Returns how many files were removed.
    pub async fn sweep(&self, known: &HashSet<String>, grace: Duration) -> std::io::Result<usize> {
        let root = self.root.clone();
        let known = known.clone();
        tokio::task::spawn_blocking(move || sweep_blocking(&root, &known, grace))
            .await
            .map_err(|e| std::io::Error::other(e.to_string()))?
    }
}

fn sweep_blocking(root: &Path, known: &HashSet<String>, grace: Duration) -> std::io::Result<usize> {
    let mut removed = 0;
    let now = SystemTime::now();
    std::fs::create_dir_all(root.join("tmp"))?;
    for e in std::fs::read_dir(root.join("tmp"))? {
        let e = e?;
        let old = e
            .metadata()?
            .modified()
            .ok()
            .and_then(|m| now.duration_since(m).ok())
            .is_some_and(|age| age >= grace);
        if old {
            std::fs::remove_file(e.path())?;
            removed += 1;
        }
    }
    for a in std::fs::read_dir(root)? {
        let a = a?;
        if a.file_name() == "tmp" || a.file_name() == "thumbs" || !a.file_type()?.is_dir() {
            continue;
        }
        for b in std::fs::read_dir(a.path())? {
            let b = b?;
            if !b.file_type()?.is_dir() {
                continue;
            }
            for f in std::fs::read_dir(b.path())? {
                let f = f?;
                let name = f.file_name().to_string_lossy().to_string();
                if is_sha256(&name) && !known.contains(&name) {
                    std::fs::remove_file(f.path())?;
                    removed += 1;
                }
            }
        }
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::stream;

    fn chunks(
        data: &[u8],
        size: usize,
    ) -> impl futures_util::Stream<Item = Result<Vec<u8>, String>> + Unpin {
        stream::iter(
            data.chunks(size)
                .map(|c| Ok(c.to_vec()))
                .collect::<Vec<_>>(),
        )
    }

    async fn store() -> PhotoStore {
        let dir = std::env::temp_dir().join(format!("jieshui-photos-{}", uuid::Uuid::now_v7()));
        PhotoStore::open(dir).await.expect("open")
    }

    #[tokio::test]
    async fn content_is_stored_once_under_its_hash() {
        let s = store().await;
        let data = b"\xFF\xD8\xFF\xE0 pretend jpeg".repeat(1000);
        let r = s
            .receive(chunks(&data, 777), 1 << 20)
            .await
            .expect("received");
        assert_eq!(r.bytes, data.len() as u64);
        assert_eq!(r.sha256, hex(&Sha256::digest(&data)));
        assert_eq!(&r.head[..3], &[0xFF, 0xD8, 0xFF]);
        let p1 = s.commit(&r).await.expect("stored");
        assert_eq!(std::fs::read(&p1).expect("read"), data);
        assert!(p1.ends_with(format!(
            "{}/{}/{}",
            &r.sha256[..2],
            &r.sha256[2..4],
            r.sha256
        )));
        // Same bytes again: one file, the temp copy gone.
        let r2 = s
            .receive(chunks(&data, 4096), 1 << 20)
            .await
            .expect("received");
        let p2 = s.commit(&r2).await.expect("stored");
        assert_eq!(p1, p2);
        assert!(!r2.temp.exists());
    }

    #[tokio::test]
    async fn oversized_uploads_leave_nothing_behind() {
        let s = store().await;
        let data = vec![7u8; 10_001];
        match s.receive(chunks(&data, 1000), 10_000).await {
            Err(ReceiveError::TooLarge(10_000)) => {}
            other => panic!("{other:?}"),
        }
        assert_eq!(
            std::fs::read_dir(s.root.join("tmp")).expect("tmp").count(),
            0
        );
        // Exactly the cap is allowed.
        assert!(s
            .receive(chunks(&data[..10_000], 1000), 10_000)
            .await
            .is_ok());
    }

    #[tokio::test]
    async fn a_broken_connection_leaves_nothing_behind() {
        let s = store().await;
        let parts: Vec<Result<Vec<u8>, String>> =
            vec![Ok(vec![1; 100]), Err("connection reset".into())];
        assert!(matches!(
            s.receive(stream::iter(parts), 1 << 20).await,
            Err(ReceiveError::Body(_))
        ));
        assert_eq!(
            std::fs::read_dir(s.root.join("tmp")).expect("tmp").count(),
            0
        );
    }

    #[tokio::test]
    async fn the_sweep_removes_orphans_and_stale_temp_files_only() {
        let s = store().await;
        let kept = s
            .receive(chunks(b"kept photo", 4), 1 << 20)
            .await
            .expect("r");
        let kept_path = s.commit(&kept).await.expect("c");
        let orphan = s
            .receive(chunks(b"orphan photo", 4), 1 << 20)
            .await
            .expect("r");
        let orphan_path = s.commit(&orphan).await.expect("c");
        let _in_flight = s.receive(chunks(b"half way", 4), 1 << 20).await.expect("r");
        let known: HashSet<String> = [kept.sha256.clone()].into();
        // A fresh temp file may belong to an upload in progress: left alone within the grace period.
        assert_eq!(
            s.sweep(&known, Duration::from_secs(3600))
                .await
                .expect("sweep"),
            1
        );
        assert!(kept_path.exists() && !orphan_path.exists());
        assert_eq!(s.sweep(&known, Duration::ZERO).await.expect("sweep"), 1);
        assert_eq!(
            std::fs::read_dir(s.root.join("tmp")).expect("tmp").count(),
            0
        );
    }

    #[test]
    fn only_real_hashes_map_to_paths() {
        let s = PhotoStore {
            root: PathBuf::from("/x"),
        };
        assert!(s.path_for(&"a".repeat(64)).is_some());
        assert!(s.path_for("../../etc/passwd").is_none());
        assert!(s.path_for(&"A".repeat(64)).is_none());
    }
}
