#include "cli/test_promql.h"

#include <ostream>

#include "promqltest/runner.h"

namespace cogwatch::cli {

int run_test_promql(const std::vector<std::string>& files, bool show_skipped, std::ostream& out) {
  int passed = 0, failed = 0, skipped = 0;
  for (const std::string& file : files) {
    const promqltest::FileResult r = promqltest::run_file(file, out);
    out << file << ": " << r.passed << " passed, " << r.failed << " failed, " << r.skipped << " skipped\n";
    if (show_skipped) {
      for (const std::string& reason : r.skip_reasons) out << "  skipped " << reason << "\n";
    }
    passed += r.passed;
    failed += r.failed;
    skipped += r.skipped;
  }
  out << passed << " passed, " << failed << " failed, " << skipped << " skipped\n";
  return failed > 0 ? 1 : 0;
}

}  // namespace cogwatch::cli
