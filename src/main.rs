fn main() -> std::process::ExitCode {
    blocklint::cli::run(std::env::args().collect())
}
