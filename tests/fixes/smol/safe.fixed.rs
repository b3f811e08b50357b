//! smol: smol::fs mirrors std::fs's signatures; smol's timer resolves to an
//! Instant rather than (), so the sleep rewrite is only maybe-incorrect.

use std::time::Duration;

async fn save(path: &str, body: &[u8]) -> std::io::Result<()> {
    smol::fs::write(path, body).await?; //~ blocking-fs
    std::thread::sleep(Duration::from_millis(5)); //~ blocking-sleep
    smol::fs::rename(path, format!("{path}.done")).await //~ blocking-fs
}

fn main() {
    smol::block_on(async { save("out.bin", b"x").await.unwrap() });
}
