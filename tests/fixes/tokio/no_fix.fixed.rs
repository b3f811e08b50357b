//! Findings that get no fix under --fix: `.await` is not legal inside a
//! plain closure or a macro argument; a call without a safe rewrite only gets
//! a maybe-incorrect spawn_blocking suggestion; an unknown receiver is no
//! finding at all.

use std::path::PathBuf;

async fn sizes(paths: &[PathBuf]) -> Vec<u64> {
    paths
        .iter()
        .map(|p| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0)) //~ blocking-fs
        .collect()
}

async fn show(path: &str) {
    println!("{}", std::fs::read_to_string(path).unwrap_or_default()); //~ blocking-fs
}

async fn open(path: &str) -> std::io::Result<std::fs::File> {
    let file = std::fs::File::open(path)?; //~ blocking-fs
    Ok(file)
}

async fn probe(store: &dyn Store) -> bool {
    store.exists()
}

trait Store {
    fn exists(&self) -> bool;
}

fn main() {}
