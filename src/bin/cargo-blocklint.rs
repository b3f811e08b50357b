//! `cargo blocklint`: cargo runs `cargo-blocklint blocklint ARGS..`; the
//! extra `blocklint` argument is dropped and the rest is the plain CLI.

fn main() -> std::process::ExitCode {
    let mut args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("blocklint") {
        args.remove(1);
    }
    if let Some(first) = args.first_mut() {
        *first = "cargo blocklint".into();
    }
    blocklint::cli::run(args)
}
