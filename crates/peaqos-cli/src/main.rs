//! The `peaqos` binary: see the crate docs of `peaqos_cli`.

fn main() -> std::process::ExitCode {
    peaqos_cli::main()
}
