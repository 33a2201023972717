// `cogwatch test promql FILE...`: runs promqltest scripts and prints, per
// file, its failures and counts, then `N passed, N failed, N skipped`.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace cogwatch::cli {

// Returns the exit code: 1 if any case failed, else 0. With
// `show_skipped`, lists every skipped case with its reason.
int run_test_promql(const std::vector<std::string>& files, bool show_skipped, std::ostream& out);

}  // namespace cogwatch::cli
