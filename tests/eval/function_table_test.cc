// The engine's function table against the parser's: every function the
// parser accepts is evaluated, or is an experimental one the table marks as
// not evaluated (then calling it is an error naming it). The static_assert
// in eval/function_table.cc checks the order at compile time; this checks
// that each row works.
#include <string>

#include <gtest/gtest.h>

#include "eval/engine.h"
#include "eval/internal/functions.h"
#include "parser/parser.h"
#include "tsdb/head.h"

namespace cogwatch::eval {
namespace {

using parser::Function;
using parser::ValueType;

// A call of f with arguments of the types its signature asks for.
std::string call_of(Function f) {
  const parser::FunctionInfo& info = parser::function_info(f);
  std::string q = std::string(info.name) + "(";
  for (size_t i = 0; i < info.num_args; ++i) {
    if (i > 0) q += ", ";
    switch (info.arg_types[i]) {
      case ValueType::kScalar:
        q += "0.5";
        break;
      case ValueType::kVector:
        q += "up";
        break;
      case ValueType::kMatrix:
        q += "up[5m]";
        break;
      case ValueType::kString:
        q += "\"x\"";
        break;
      default:
        break;
    }
  }
  return q + ")";
}

TEST(FunctionTable, EveryRowIsItsFunction) {
  for (size_t i = 0; i < parser::kNumFunctions; ++i) {
    const auto f = static_cast<Function>(i);
    EXPECT_EQ(internal::function_impl(f).f, f) << parser::function_info(f).name;
  }
}

TEST(FunctionTable, OnlyExperimentalFunctionsMayBeLeftUnevaluated) {
  for (size_t i = 0; i < parser::kNumFunctions; ++i) {
    const auto f = static_cast<Function>(i);
    if (internal::function_impl(f).eval == nullptr) {
      EXPECT_TRUE(parser::function_info(f).experimental) << parser::function_info(f).name;
    }
  }
}

TEST(FunctionTable, EveryFunctionEvaluatesOrNamesItselfAsNotEvaluated) {
  tsdb::Head head;
  {
    auto app = head.appender();
    for (int i = 0; i <= 20; ++i) {
      ASSERT_TRUE(app->append(Labels{{"__name__", "up"}, {"le", "1"}}, i * 15 * kSecond, i).ok());
    }
    app->commit();
  }
  Engine engine(head);
  for (size_t i = 0; i < parser::kNumFunctions; ++i) {
    const auto f = static_cast<Function>(i);
    const std::string q = call_of(f);
    auto expr = parser::parse_expr(q);
    ASSERT_TRUE(expr.ok()) << q << ": " << expr.error().message;
    for (const bool range : {false, true}) {
      auto v = range ? engine.range(**expr, 0, 300'000, 15'000) : engine.instant(**expr, 300'000);
      if (internal::function_impl(f).eval == nullptr) {
        ASSERT_FALSE(v.ok()) << q;
        EXPECT_EQ(v.error().message, "function \"" + std::string(parser::function_info(f).name) +
                                         "\" is experimental and not evaluated by cogwatch");
      } else {
        EXPECT_TRUE(v.ok()) << q << (range ? " (range)" : "") << ": " << v.error().message;
      }
    }
  }
}

}  // namespace
}  // namespace cogwatch::eval
