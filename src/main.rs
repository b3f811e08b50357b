/// mimalloc: the parse allocates and frees many small tree nodes, and
/// glibc's allocator spent about a quarter of the run in malloc and free.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    blocklint::cli::exit(blocklint::cli::run(std::env::args().collect()))
}
