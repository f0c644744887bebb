//! The `ocgen` binary: see the library for everything it does.

fn main() -> std::process::ExitCode {
    let code = ocgen::cli::run(
        std::env::args_os(),
        &mut std::io::stdout().lock(),
        &mut std::io::stderr().lock(),
    );
    std::process::ExitCode::from(u8::try_from(code).unwrap_or(1))
}
