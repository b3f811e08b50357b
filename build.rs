//! Embeds every file of `rules/` into the binary, so an installed blocklint
//! needs nothing beside it and adding a rule family is a new TOML file only.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut families = Vec::new();
    let mut docs = Vec::new();
    collect(&root, &mut families, "toml");
    collect(&root.join("docs"), &mut docs, "md");
    for path in families.iter().chain(&docs) {
        println!("cargo:rerun-if-changed={}", path.display());
    }
    let mut out = String::new();
    out.push_str("/// `(file name, contents)` of every `rules/*.toml`.\n");
    out.push_str("pub static RULE_FILES: &[(&str, &str)] = &[\n");
    for path in &families {
        entry(&mut out, path);
    }
    out.push_str("];\n/// `(file name, contents)` of every `rules/docs/*.md`.\n");
    out.push_str("pub static RULE_DOCS: &[(&str, &str)] = &[\n");
    for path in &docs {
        entry(&mut out, path);
    }
    out.push_str("];\n");
    let dest =
        Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("embedded_rules.rs");
    std::fs::write(dest, out).expect("OUT_DIR is writable");
}

fn collect(dir: &Path, into: &mut Vec<std::path::PathBuf>, ext: &str) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == ext) {
            into.push(path);
        }
    }
    into.sort();
}

fn entry(out: &mut String, path: &Path) {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .expect("rule files have UTF-8 names");
    let _ = writeln!(
        out,
        "    ({name:?}, include_str!({:?})),",
        path.display().to_string()
    );
}
