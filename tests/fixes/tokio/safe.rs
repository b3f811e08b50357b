//! Machine-applicable rewrites: std::thread::sleep and the std::fs functions
//! whose tokio counterparts take and return the same types, Path::exists.

use std::path::Path;
use std::time::Duration;
use tokio::time;

async fn backoff(attempt: u32) {
    std::thread::sleep(Duration::from_millis(100 * u64::from(attempt))); //~ blocking-sleep
}

async fn refresh(dir: &Path) -> std::io::Result<String> {
    let text = std::fs::read_to_string(dir.join("config.toml"))?; //~ blocking-fs
    std::fs::create_dir_all(dir.join("cache"))?; //~ blocking-fs
    std::fs::write(dir.join("cache/last"), &text)?; //~ blocking-fs
    if dir.join("refresh.lock").exists() { //~ blocking-fs
        std::fs::remove_file(dir.join("refresh.lock"))?; //~ blocking-fs
    }
    let meta = std::fs::metadata(dir)?; //~ blocking-fs
    println!("{} bytes in {:?}", text.len(), meta.modified());
    Ok(text)
}

fn main() {
    // Sync code: nothing to fix.
    std::thread::sleep(Duration::from_millis(1));
    let _ = std::fs::read("Cargo.toml");
    let _ = time::Duration::from_secs(1);
}
