// The command line, read before CLI11 parses it, so that arguments mean
// what a promtool user expects:
//
//   cogwatch query --data f.prom --time 1 '-foo'   # the expression -foo
//   cogwatch check rules -broken.yml               # a file named -broken.yml
//   cogwatch chek rules                            # unknown command "chek"
//
// prepare_args() walks the words with the command tree CLI11 was given:
// words that name a command select it; `--name` and `--name=value` must
// name a flag of the selected command (the value of a flag that takes one
// is the next word, whatever it starts with); a word starting with a single
// '-' that is not one of the command's short flags (-h) is an argument,
// like any other word (so `-foo`, `-Inf`, `-1` and `-rules.yml` need no
// `--`); after `--` every word is an argument. The result puts the flags
// first (as --name=value) and the arguments after a `--`, which CLI11 reads
// unambiguously. Errors are usage errors (exit code 2), worded after
// kingpin's: `unknown command "chek" (commands: ...)`, `unknown long flag
// '--bogus'`.
//
// Thread-safety: pure functions of their arguments.
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "model/error.h"

namespace cogwatch::cli {

// `args` without the program name. Errors: kInvalidArgument with the text
// to print after "cogwatch: error: ".
Result<std::vector<std::string>> prepare_args(const CLI::App& root, const std::vector<std::string>& args);

// Every runnable command's path, sorted: "check rules, cog-sim, help, ...".
std::string command_list(const CLI::App& root);

// The command that `path` ({"test", "rules"}) names, or nullptr.
const CLI::App* find_command(const CLI::App& root, const std::vector<std::string>& path);

// The command's full name ("cogwatch test rules") for messages and help.
std::string command_path(const CLI::App& command);

// Checks the files a command reads, as kingpin's ExistingFiles does for
// promtool, before anything runs. Errors: kNotFound "path 'x' does not
// exist", kInvalidArgument "'d' is a directory" (exit code 1 in both).
Status check_input_files(const std::vector<std::string>& paths);

}  // namespace cogwatch::cli
