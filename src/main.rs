//! The `ocgen` binary: see the library for everything it does.

// Rendering a large plan is allocation-bound (handlebars builds and drops a
// JSON context per template); mimalloc halves that cost and does not grow
// per-thread arenas page by page as glibc's malloc does.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    // A shell asking for completions (`COMPLETE=bash ocgen ...`): answer and exit.
    ocgen::cli::complete_if_asked();
    ocgen::cli::run(
        std::env::args_os(),
        &mut std::io::stdout().lock(),
        &mut std::io::stderr().lock(),
    )
    .into()
}
