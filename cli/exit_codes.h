// The exit codes of every cogwatch command, promtool's where promtool has
// one (0, 1, 3):
//
//   0  success (also --help, --version and `cogwatch help`)
//   1  a check or test failed, or an input could not be used: a file that
//      does not exist, is a directory or does not parse, an output file that
//      cannot be written, an expression that does not parse or evaluate
//   2  the command line is wrong: an unknown command or flag, a missing or
//      extra argument, a flag value that is invalid (`--run '['`,
//      `--targets 0`) or asks for more than the machine has
//   3  `check rules --strict` (or --lint-fatal) found lint problems
//
// promtool's kingpin exits 1 for its usage errors too; cogwatch keeps 2 for
// them so that a CI job can tell "called wrongly" from "the rules are
// broken".
#pragma once

namespace cogwatch::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitLint = 3;

}  // namespace cogwatch::cli
