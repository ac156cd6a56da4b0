//! The `shenhe` binary: the command line of `shenhe::cli`, on mimalloc.

// Imports hand every record from the reading thread to the writing one; glibc's malloc
// spends a fifth of a large import on those cross-thread frees. mimalloc does not.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    shenhe::cli::main()
}
