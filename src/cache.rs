//! The cache of per-file results, like ruff's: what the per-file pass made
//! of each file (its light scan, and its `FileSummary` or parse failure), so
//! an unchanged file is neither scanned nor parsed again.
//!
//! Only per-file results are stored, never findings: the crate-wide
//! analysis always reruns over the summaries, so a change in one file shows
//! in the findings of every file it reaches. Beside them, one small file
//! per run shape keeps which files the lazy planner chose, keyed by every
//! input of the planner (each file's path, text hash, module and flags, and
//! the crates' keys), so an unchanged run replays the plan instead of
//! planning again.
//!
//! One cache file per crate, named by the crate's folder and by the key of
//! everything the per-file pass depends on beside the file's own text: the
//! tool (version and executable), the rule data (built in and configured)
//! and the crate's dependency names. An entry is used only when its file's
//! text hashes the same. A file that is missing, unreadable, corrupt or of
//! another key is ignored (and rewritten), and so is a stored part whose
//! checksum does not match; writes go to a temporary file renamed into
//! place, so readers never see half a file.

use crate::hashing::HashMap;
use crate::model::{IO_ERROR, SYNTAX_ERROR, Span};
use crate::parse::ParseFailure;
use crate::prefilter::TextIndex;
use crate::resolve::ExternNames;
use crate::rules::RuleSet;
use crate::summary::FileSummary;
use bincode::Options as _;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use xxhash_rust::xxh3::{Xxh3, xxh3_64, xxh3_128};

/// Bumped whenever the layout of a cache file changes.
const FORMAT: u32 = 9;
const MAGIC: [u8; 4] = *b"BLKC";

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded_rules.rs"));
}

/// The hash of a file's text, as entries are keyed.
pub fn content_hash(text: &str) -> u128 {
    xxh3_128(text.as_bytes())
}

/// What every crate's key of a run shares: the tool and the rule data as
/// loaded (configured additions included). Worked out once per run.
pub fn run_key(rules: &RuleSet) -> u128 {
    let mut h = Xxh3::new();
    h.update(&tool_key().to_le_bytes());
    h.update(&rules_key(rules).to_le_bytes());
    h.digest128()
}

/// The key of one crate's cache: the run's key (`run_key`) and the crate's
/// names of other crates.
pub fn crate_key(externs: &ExternNames, run_key: u128) -> u128 {
    let mut h = Xxh3::new();
    h.update(&run_key.to_le_bytes());
    let mut sorted = |items: Vec<String>| {
        let mut items = items;
        items.sort_unstable();
        for item in items {
            h.update(item.as_bytes());
            h.update(&[0]);
        }
        h.update(&[1]);
    };
    sorted(externs.deps.iter().cloned().collect());
    sorted(
        externs
            .renames
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect(),
    );
    sorted(externs.own.iter().cloned().collect());
    h.digest128()
}

/// The tool: cache format, version, the rule data compiled in, and the
/// executable itself (a rebuild with unchanged version still invalidates).
fn tool_key() -> u128 {
    static KEY: OnceLock<u128> = OnceLock::new();
    *KEY.get_or_init(|| {
        let mut h = Xxh3::new();
        h.update(&FORMAT.to_le_bytes());
        h.update(env!("CARGO_PKG_VERSION").as_bytes());
        for (name, text) in embedded::RULE_FILES.iter().chain(embedded::RULE_DOCS) {
            h.update(name.as_bytes());
            h.update(text.as_bytes());
        }
        if let Ok(meta) = std::env::current_exe().and_then(std::fs::metadata) {
            h.update(&meta.len().to_le_bytes());
            if let Ok(modified) = meta.modified()
                && let Ok(since) = modified.duration_since(std::time::UNIX_EPOCH)
            {
                h.update(&since.as_nanos().to_le_bytes());
            }
        }
        h.digest128()
    })
}

/// Name resolution consults the rule data's known paths (for glob imports);
/// configuration may add to them.
fn rules_key(rules: &RuleSet) -> u128 {
    let mut paths: Vec<&String> = rules.known_paths().collect();
    paths.sort_unstable();
    paths.dedup();
    let mut h = Xxh3::new();
    for p in paths {
        h.update(p.as_bytes());
        h.update(&[0]);
    }
    h.digest128()
}

/// What the per-file pass made of one file, as stored: the scan and the
/// parse outcome stay encoded until a run uses them, so opening a crate's
/// cache is a copy of bytes, and the decoding happens on the worker that
/// reads the file (or takes its summary), spread over the pool. A file
/// whose text changed is never decoded at all.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Entry {
    pub hash: u128,
    index: Blob,
    /// Present once the file was parsed.
    summary: Option<Blob>,
}

impl Entry {
    /// The file's scan, and its parse outcome still encoded; `None` when
    /// the stored scan does not decode (the file is then scanned again).
    pub fn open(self) -> Option<(TextIndex, Option<EncodedParsed>)> {
        Some((self.index.decode()?, self.summary.map(EncodedParsed)))
    }
}

/// A stored parse outcome, decoded when the plan takes it.
#[derive(Debug, Clone)]
pub struct EncodedParsed(Blob);

impl EncodedParsed {
    /// `None` when the bytes do not decode: the file is parsed instead.
    pub fn decode(&self) -> Option<Parsed> {
        self.0.decode()
    }
}

/// Encoded bytes inside a cache file, written as one byte string (not a
/// sequence of numbers) so that copying them out is one `memcpy`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Blob(Vec<u8>);

impl Blob {
    /// The encoding, followed by its checksum: a damaged byte could
    /// otherwise still decode, as another name or number, and change a
    /// finding without a sign.
    fn encode<T: Serialize + ?Sized>(value: &T) -> bincode::Result<Blob> {
        let mut bytes = options().serialize(value)?;
        let check = xxh3_64(&bytes);
        bytes.extend_from_slice(&check.to_le_bytes());
        Ok(Blob(bytes))
    }

    fn decode<T: serde::de::DeserializeOwned>(&self) -> Option<T> {
        let (body, check) = self.0.split_at_checked(self.0.len().checked_sub(8)?)?;
        if xxh3_64(body).to_le_bytes() != check {
            return None;
        }
        // The limit keeps a corrupt length field from asking for memory the
        // bytes cannot hold.
        options()
            .with_limit(body.len() as u64 * 8 + 1024)
            .deserialize(body)
            .ok()
    }
}

impl Serialize for Blob {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bytes(&self.0)
    }
}

impl<'de> Deserialize<'de> for Blob {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Blob, D::Error> {
        struct Bytes;
        impl serde::de::Visitor<'_> for Bytes {
            type Value = Blob;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a byte string")
            }
            fn visit_bytes<E>(self, v: &[u8]) -> Result<Blob, E> {
                Ok(Blob(v.to_vec()))
            }
            fn visit_byte_buf<E>(self, v: Vec<u8>) -> Result<Blob, E> {
                Ok(Blob(v))
            }
        }
        deserializer.deserialize_byte_buf(Bytes)
    }
}

/// A parse outcome worth keeping: a summary or a syntax error.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Parsed {
    Summary(FileSummary),
    Failed {
        syntax: bool,
        span: Span,
        message: String,
    },
}

impl Parsed {
    pub fn from_result(result: &Result<FileSummary, ParseFailure>) -> Parsed {
        match result {
            Ok(summary) => Parsed::Summary(summary.clone()),
            Err(f) => Parsed::Failed {
                syntax: f.rule == SYNTAX_ERROR,
                span: f.span,
                message: f.message.clone(),
            },
        }
    }

    pub fn into_result(self) -> Result<FileSummary, ParseFailure> {
        match self {
            Parsed::Summary(summary) => Ok(summary),
            Parsed::Failed {
                syntax,
                span,
                message,
            } => Err(ParseFailure {
                rule: if syntax { SYNTAX_ERROR } else { IO_ERROR },
                span,
                message,
            }),
        }
    }
}

/// An entry to store, borrowing from the run (encoded into an `Entry`).
#[derive(Debug)]
pub struct EntryRef<'a> {
    pub hash: u128,
    pub index: &'a TextIndex,
    pub summary: Option<ParsedRef<'a>>,
}

/// A parse outcome to store, borrowing from the run (encoded as `Parsed`
/// is).
#[derive(Debug)]
pub enum ParsedRef<'a> {
    Summary(&'a FileSummary),
    Failed(&'a ParseFailure),
    /// Taken from the cache and not used by this run: stored as it was.
    Encoded(&'a EncodedParsed),
}

impl EntryRef<'_> {
    /// The entry as a cache file holds it.
    fn encode(&self) -> bincode::Result<Entry> {
        Ok(Entry {
            hash: self.hash,
            index: Blob::encode(self.index)?,
            summary: self.summary.as_ref().map(ParsedRef::encode).transpose()?,
        })
    }
}

impl ParsedRef<'_> {
    /// Encoded as `Parsed` is; an outcome taken from the cache keeps its
    /// bytes.
    fn encode(&self) -> bincode::Result<Blob> {
        #[derive(Serialize)]
        enum Shape<'b> {
            Summary(&'b FileSummary),
            Failed {
                syntax: bool,
                span: Span,
                message: &'b str,
            },
        }
        let shape = match self {
            ParsedRef::Encoded(encoded) => return Ok(encoded.0.clone()),
            ParsedRef::Summary(s) => Shape::Summary(s),
            ParsedRef::Failed(f) => Shape::Failed {
                syntax: f.rule == SYNTAX_ERROR,
                span: f.span,
                message: &f.message,
            },
        };
        Blob::encode(&shape)
    }
}

#[derive(Deserialize)]
struct Stored {
    magic: [u8; 4],
    format: u32,
    key: u128,
    /// Paths relative to the crate folder where they lie inside it.
    entries: Vec<(PathBuf, Entry)>,
}

#[derive(Serialize)]
struct StoredRef<'a> {
    magic: [u8; 4],
    format: u32,
    key: u128,
    entries: Vec<(&'a Path, Entry)>,
}

/// The cache of one crate: loaded at the start of a run, saved at its end.
#[derive(Debug)]
pub struct CrateCache {
    file: PathBuf,
    root: PathBuf,
    key: u128,
    entries: HashMap<PathBuf, Entry>,
    /// What the file held: text hash and whether a summary came with it.
    loaded: HashMap<PathBuf, (u128, bool)>,
}

impl CrateCache {
    /// Opens the cache of the crate in `root` under `dir`; a missing or
    /// unusable cache file gives an empty cache.
    ///
    /// One file per crate folder: a run with another key (tool version,
    /// rule data, configuration) finds it unusable and writes over it, so
    /// caches of earlier versions do not pile up.
    pub fn open(dir: &Path, root: &Path, name: &str, key: u128) -> CrateCache {
        let root_hash = xxh3_64(root.as_os_str().as_encoded_bytes());
        let safe: String = name
            .chars()
            .map(|c| if c.is_alphanumeric() { c } else { '_' })
            .take(40)
            .collect();
        let file = dir.join(format!("{safe}-{root_hash:016x}.bin"));
        let entries: HashMap<PathBuf, Entry> = std::fs::read(&file)
            .ok()
            .and_then(|bytes| decode(&bytes, key))
            .map(|stored| {
                stored
                    .entries
                    .into_iter()
                    .map(|(path, entry)| (root.join(path), entry))
                    .collect()
            })
            .unwrap_or_default();
        let loaded = entries
            .iter()
            .map(|(p, e)| (p.clone(), (e.hash, e.summary.is_some())))
            .collect();
        CrateCache {
            file,
            root: root.to_path_buf(),
            key,
            entries,
            loaded,
        }
    }

    /// Takes the entry for `path` out; the caller checks its hash.
    pub fn take(&mut self, path: &Path) -> Option<Entry> {
        self.entries.remove(path)
    }

    /// The entry for `path` if its text still hashes to `hash`.
    pub fn get(&self, path: &Path, hash: u128) -> Option<&Entry> {
        self.entries.get(path).filter(|e| e.hash == hash)
    }

    /// Writes `entries` (every file of the crate this run saw) in place of
    /// the cache file, unless they are what it already holds; `true` when
    /// it wrote.
    pub fn save(&self, entries: Vec<(&Path, EntryRef<'_>)>) -> std::io::Result<bool> {
        let unchanged = entries.len() == self.loaded.len()
            && entries.iter().all(|(path, entry)| {
                self.loaded.get(*path).is_some_and(|(hash, summary)| {
                    *hash == entry.hash && *summary == entry.summary.is_some()
                })
            });
        if unchanged {
            return Ok(false);
        }
        let stored = StoredRef {
            magic: MAGIC,
            format: FORMAT,
            key: self.key,
            entries: entries
                .par_iter()
                .map(|(path, entry)| {
                    let path = path.strip_prefix(&self.root).unwrap_or(path);
                    entry.encode().map(|entry| (path, entry))
                })
                .collect::<bincode::Result<_>>()
                .map_err(std::io::Error::other)?,
        };
        let bytes = options()
            .serialize(&stored)
            .map_err(std::io::Error::other)?;
        let dir = self.file.parent().unwrap_or(Path::new("."));
        prepare_dir(dir)?;
        write_atomic(&self.file, &bytes)?;
        Ok(true)
    }
}

/// Removes from the cache folder what no run reads any more: crate caches
/// under their earlier names (`<crate>-<32 hex digits>.bin`, one per tool
/// version and rule data, so they piled up), and temporary files a killed
/// run left behind (older than an hour, so a run writing one now keeps
/// it).
pub fn prune(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let hour = std::time::Duration::from_secs(3600);
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let legacy = name
            .strip_suffix(".bin")
            .and_then(|stem| stem.rsplit_once('-'))
            .is_some_and(|(_, hash)| {
                hash.len() == 32 && hash.bytes().all(|b| b.is_ascii_hexdigit())
            });
        let stale_temp = name.contains(".tmp-")
            && entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age > hour);
        if legacy || stale_temp {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Which files a run parsed, batch by batch as it handed them out (indices
/// into the run's files), kept beside the per-crate caches. The planner's choice depends only on
/// what `plan_key` hashes, so a run with the same key takes the same files
/// without planning again. One file per run shape (`shape`: the crate
/// folders of the run), so an editor's repeated runs overwrite one plan.
#[derive(Serialize, Deserialize)]
struct StoredPlan {
    magic: [u8; 4],
    format: u32,
    key: u128,
    /// `Vec<Vec<u32>>`, with a checksum: a damaged plan that still decoded
    /// would parse other files and lose findings without a sign.
    batches: Blob,
}

fn plan_file(dir: &Path, shape: u128) -> PathBuf {
    dir.join(format!("plan-{shape:032x}.plan"))
}

/// The batches stored for a run of this shape and key, if any.
pub fn load_plan(dir: &Path, shape: u128, key: u128) -> Option<Vec<Vec<u32>>> {
    let bytes = std::fs::read(plan_file(dir, shape)).ok()?;
    let stored: StoredPlan = options()
        .with_limit(bytes.len() as u64 * 8 + 1024)
        .deserialize(&bytes)
        .ok()?;
    if stored.magic != MAGIC || stored.format != FORMAT || stored.key != key {
        return None;
    }
    stored.batches.decode()
}

/// Stores the batches a run planned (a failure only costs the next run time).
pub fn save_plan(dir: &Path, shape: u128, key: u128, batches: Vec<Vec<u32>>) {
    let Ok(batches) = Blob::encode(&batches) else {
        return;
    };
    let stored = StoredPlan {
        magic: MAGIC,
        format: FORMAT,
        key,
        batches,
    };
    if let Ok(bytes) = options().serialize(&stored)
        && prepare_dir(dir).is_ok()
    {
        let _ = write_atomic(&plan_file(dir, shape), &bytes);
    }
}

/// A running hash for plan keys.
pub struct KeyHasher(Xxh3);

impl KeyHasher {
    pub fn new() -> KeyHasher {
        KeyHasher(Xxh3::new())
    }

    pub fn bytes(&mut self, bytes: &[u8]) -> &mut Self {
        self.0.update(&(bytes.len() as u64).to_le_bytes());
        self.0.update(bytes);
        self
    }

    pub fn number(&mut self, n: u128) -> &mut Self {
        self.0.update(&n.to_le_bytes());
        self
    }

    pub fn finish(&self) -> u128 {
        self.0.digest128()
    }
}

impl Default for KeyHasher {
    fn default() -> Self {
        KeyHasher::new()
    }
}

fn options() -> impl bincode::Options {
    bincode::DefaultOptions::new()
}

fn decode(bytes: &[u8], key: u128) -> Option<Stored> {
    // The limit keeps a corrupt length field from asking for memory the
    // file cannot hold.
    let stored: Stored = options()
        .with_limit(bytes.len() as u64 * 8 + 1024)
        .deserialize(bytes)
        .ok()?;
    (stored.magic == MAGIC && stored.format == FORMAT && stored.key == key).then_some(stored)
}

/// Creates the cache folder, marked as a cache for backup tools and as
/// nothing for git to track (a `--cache-dir` may be anywhere).
fn prepare_dir(dir: &Path) -> std::io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    std::fs::create_dir_all(dir)?;
    let _ = std::fs::write(
        dir.join("CACHEDIR.TAG"),
        "Signature: 8a477f597d28d172789f06886806bc55\n# blocklint's cache: safe to delete.\n",
    );
    let _ = std::fs::write(dir.join(".gitignore"), "*\n");
    Ok(())
}

/// Writes `bytes` to a temporary file beside `path`, then renames it over
/// `path`: a reader sees the old file or the new one, never a mix.
fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let temp = path.with_extension(format!("tmp-{}-{nanos}", std::process::id()));
    let written = std::fs::write(&temp, bytes).and_then(|()| std::fs::rename(&temp, path));
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    written
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry<'a>(hash: u128, index: &'a TextIndex, summary: &'a FileSummary) -> EntryRef<'a> {
        EntryRef {
            hash,
            index,
            summary: Some(ParsedRef::Summary(summary)),
        }
    }

    #[test]
    fn a_damaged_plan_is_not_replayed() {
        let dir = std::env::temp_dir().join(format!("blocklint-plan-unit-{}", std::process::id()));
        let batches = vec![vec![3, 5], vec![7]];
        save_plan(&dir, 1, 2, batches.clone());
        assert_eq!(load_plan(&dir, 1, 2), Some(batches));
        assert_eq!(load_plan(&dir, 1, 3), None, "another key");
        // The last file index (7 becomes 6) still decodes as a plan.
        let file = plan_file(&dir, 1);
        let mut bytes = std::fs::read(&file).unwrap();
        let last = bytes.len() - 9;
        bytes[last] ^= 1;
        std::fs::write(&file, &bytes).unwrap();
        assert_eq!(load_plan(&dir, 1, 2), None);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn round_trip_and_recovery() {
        let dir = std::env::temp_dir().join(format!("blocklint-cache-unit-{}", std::process::id()));
        let root = dir.join("crate");
        let cache = CrateCache::open(&dir, &root, "my-crate", 7);
        assert!(cache.get(&root.join("src/lib.rs"), 1).is_none());
        let file = root.join("src/lib.rs");
        let (index, summary) = (
            crate::prefilter::scan("async fn f() {}"),
            FileSummary::default(),
        );
        cache
            .save(vec![(&file, entry(1, &index, &summary))])
            .unwrap();
        let mut cache = CrateCache::open(&dir, &root, "my-crate", 7);
        assert!(cache.get(&file, 1).is_some());
        assert!(cache.get(&file, 2).is_none(), "changed text");
        // The parts decode when a run takes them.
        let (opened, parsed) = cache.take(&file).unwrap().open().unwrap();
        assert_eq!((opened.has_async, opened.fns.len()), (true, 1));
        assert!(matches!(parsed.unwrap().decode(), Some(Parsed::Summary(_))));
        // A damaged part reads as a miss, not as a wrong summary.
        let damaged = Entry {
            hash: 1,
            index: Blob(vec![0xff; 3]),
            summary: Some(Blob(vec![9, 9])),
        };
        assert!(damaged.clone().open().is_none());
        assert!(EncodedParsed(damaged.summary.unwrap()).decode().is_none());
        // So does one that would still decode, to something else.
        let mut flipped = Blob::encode(&index).unwrap();
        let name = flipped.0.iter().position(|b| *b == b'f').unwrap();
        flipped.0[name] = b'g';
        assert!(flipped.decode::<TextIndex>().is_none());
        flipped.0[name] = b'f';
        assert!(flipped.decode::<TextIndex>().is_some());
        let cache = CrateCache::open(&dir, &root, "my-crate", 7);
        assert!(
            CrateCache::open(&dir, &root, "my-crate", 8)
                .get(&file, 1)
                .is_none(),
            "another key"
        );
        // A corrupt file reads as empty.
        std::fs::write(&cache.file, b"BLKC\x01garbage").unwrap();
        assert!(
            CrateCache::open(&dir, &root, "my-crate", 7)
                .get(&file, 1)
                .is_none()
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
