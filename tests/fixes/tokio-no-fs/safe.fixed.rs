//! tokio without its `fs` feature: tokio::fs would not compile, so the fs
//! rewrite is only maybe-incorrect (and the help says which feature is
//! missing); `time` is enabled, so the sleep rewrite applies.

use std::time::Duration;

async fn warm_up() -> std::io::Result<Vec<u8>> {
    tokio::time::sleep(Duration::from_millis(10)).await; //~ blocking-sleep
    std::fs::read("warm.bin") //~ blocking-fs
}

fn main() {}
