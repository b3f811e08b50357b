//! Maybe-incorrect rewrites, applied with --unsafe-fixes: tokio's Command,
//! reqwest's async client, and spawn_blocking for what has no async twin.

use std::path::Path;

async fn revision() -> std::io::Result<String> {
    let out = tokio::process::Command::new("git")
        .args(["rev-parse", "HEAD"])
        .output().await?; //~ blocking-process
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

async fn rates(url: &str) -> Result<String, reqwest::Error> {
    let resp = reqwest::get(url).await?; //~ blocking-http
    let body = resp.text().await?; //~ blocking-http
    Ok(body)
}

async fn open_log(dir: &Path) -> anyhow::Result<std::fs::File> {
    let path = dir.join("app.log");
    let file = tokio::task::spawn_blocking(move || std::fs::File::create(path)).await??; //~ blocking-fs
    Ok(file)
}

fn main() {}
