// A CLI subcommand. Each parses its own flags (node:util parseArgs) and documents every flag in `help`.
export interface CliCommand {
  name: string;
  /** One line for `aegisflow --help`. */
  summary: string;
  /** Full text for `aegisflow <name> --help`: usage, every flag with its default, env vars, examples. */
  help: string;
  /** Returns the process exit code. Print results to stdout, logs/errors to stderr. */
  run(argv: string[]): Promise<number>;
}
