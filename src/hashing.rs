//! The hash maps of the hot paths. Names and paths are looked up for every
//! call and path segment of a run, where std's SipHash showed in profiles;
//! foldhash is several times faster on such short keys. A fixed seed keeps
//! iteration order, and so every run, the same.

pub type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::FixedState>;
pub type HashSet<K> = std::collections::HashSet<K, foldhash::fast::FixedState>;
