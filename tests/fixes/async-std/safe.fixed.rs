//! async-std: the sleep rewrite keeps its types; its fs functions take
//! `async_std::path::Path`, so those rewrites are only maybe-incorrect and
//! --fix leaves them.

use std::time::Duration;

async fn poll_until_ready(dir: &str) -> std::io::Result<String> {
    async_std::task::sleep(Duration::from_millis(50)).await; //~ blocking-sleep
    let status = std::fs::read_to_string(format!("{dir}/status")); //~ blocking-fs
    status
}

#[async_std::main]
async fn main() {
    let _ = poll_until_ready("/tmp").await;
}
