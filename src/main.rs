fn main() -> std::process::ExitCode {
    shenhe::cli::main()
}
