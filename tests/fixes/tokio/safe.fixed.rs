//! Machine-applicable rewrites: std::thread::sleep and the std::fs functions
//! whose tokio counterparts take and return the same types, Path::exists.

use std::path::Path;
use std::time::Duration;
use tokio::time;

async fn backoff(attempt: u32) {
    time::sleep(Duration::from_millis(100 * u64::from(attempt))).await; //~ blocking-sleep
}

async fn refresh(dir: &Path) -> std::io::Result<String> {
    let text = tokio::fs::read_to_string(dir.join("config.toml")).await?; //~ blocking-fs
    tokio::fs::create_dir_all(dir.join("cache")).await?; //~ blocking-fs
    tokio::fs::write(dir.join("cache/last"), &text).await?; //~ blocking-fs
    if tokio::fs::try_exists(dir.join("refresh.lock")).await.unwrap_or(false) { //~ blocking-fs
        tokio::fs::remove_file(dir.join("refresh.lock")).await?; //~ blocking-fs
    }
    let meta = tokio::fs::metadata(dir).await?; //~ blocking-fs
    println!("{} bytes in {:?}", text.len(), meta.modified());
    Ok(text)
}

fn main() {
    // Sync code: nothing to fix.
    std::thread::sleep(Duration::from_millis(1));
    let _ = std::fs::read("Cargo.toml");
    let _ = time::Duration::from_secs(1);
}
