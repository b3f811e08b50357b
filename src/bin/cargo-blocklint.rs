//! `cargo blocklint`: cargo runs `cargo-blocklint blocklint ARGS..`; the
//! extra `blocklint` argument is dropped and the rest is the plain CLI.

/// mimalloc: the parse allocates and frees many small tree nodes, and
/// glibc's allocator spent about a quarter of the run in malloc and free.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let mut args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("blocklint") {
        args.remove(1);
    }
    if let Some(first) = args.first_mut() {
        *first = "cargo blocklint".into();
    }
    blocklint::cli::exit(blocklint::cli::run(args))
}
