// Go's logarithms to the bit (eval/internal/go_math.h): values Go 1.19
// computes on amd64 where glibc's last bit differs, and Go's special cases.
#include "eval/internal/go_math.h"

#include <cmath>
#include <limits>

#include <gtest/gtest.h>

namespace cogwatch::eval::internal {
namespace {

TEST(GoMath, AgreesWithGoWhereGlibcDoesNot) {
  // x, then math.Log / Log2 / Log10 (x) as Go prints them; glibc gives
  // 1.0888399059540805, 3.2334418844333448 and 3.6362708435163222.
  EXPECT_EQ(go_log(2.9708256355629152), 1.0888399059540803);
  EXPECT_EQ(go_log(3.6969284363982191), 1.3075023225581126);
  EXPECT_EQ(go_log2(9.4050908804501248), 3.2334418844333443);
  EXPECT_EQ(go_log2(2.1855305259276427), 1.1279835287970523);
  EXPECT_EQ(go_log10(4327.8364819146382), 3.6362708435163218);
  EXPECT_EQ(go_log10(9.4050908804501248), 0.97336299645070479);
  // Exact where Go is exact.
  EXPECT_EQ(go_log2(0.5), -1);
  EXPECT_EQ(go_log10(10), 1);
  EXPECT_EQ(go_exp2(0.5), 1.414213562373095);  // glibc: 1.4142135623730951
}

TEST(GoMath, SpecialCasesAsGo) {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  for (double (*f)(double) : {go_log, go_log2, go_log10}) {
    EXPECT_EQ(f(0), -kInf);
    EXPECT_EQ(f(-0.0), -kInf);
    EXPECT_TRUE(std::isnan(f(-1)));
    EXPECT_TRUE(std::isnan(f(-kInf)));
    EXPECT_TRUE(std::isnan(f(std::nan(""))));
    EXPECT_EQ(f(kInf), kInf);
  }
  // Subnormals as Go's assembly reads them (not the true logarithm).
  EXPECT_EQ(go_log(1e-310), -709.0850815488945);
  EXPECT_EQ(go_log2(4.9e-324), -1074);
}

}  // namespace
}  // namespace cogwatch::eval::internal
