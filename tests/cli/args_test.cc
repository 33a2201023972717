// The command line as cli/args.h reads it before CLI11: words that start
// with '-' are arguments unless they name a flag, unknown commands and
// flags are errors, and the result is what CLI11 reads unambiguously.
#include "cli/args.h"

#include <algorithm>

#include <gtest/gtest.h>

namespace cogwatch::cli {
namespace {

// A tree shaped like cogwatch's: commands with and without subcommands,
// flags with and without values, repeatable ones.
struct Tree {
  Tree() {
    app.name("cogwatch");
    CLI::App* query = app.add_subcommand("query");
    query->add_option("--data", data);
    query->add_option("--time", time);
    query->add_option("expr", expr);
    CLI::App* check = app.add_subcommand("check");
    CLI::App* rules = check->add_subcommand("rules");
    rules->add_option("files", files);
    rules->add_flag("--strict", strict);
    rules->add_option("--lint", lint);
    app.add_subcommand("selfcheck")->add_option("--targets", targets);
  }
  std::vector<std::string> prepare(std::vector<std::string> args) const {
    auto r = prepare_args(app, args);
    return r ? *r : std::vector<std::string>{"error: " + r.error().message};
  }
  CLI::App app;
  std::vector<std::string> data, files;
  std::string time, expr, lint;
  bool strict = false;
  int targets = 0;
};

using Words = std::vector<std::string>;

TEST(Args, WordsStartingWithADashAreArguments) {
  const Tree t;
  EXPECT_EQ(t.prepare({"query", "--data", "f.prom", "--time", "1", "-foo"}),
            (Words{"query", "--data=f.prom", "--time=1", "--", "-foo"}));
  EXPECT_EQ(t.prepare({"query", "-Inf", "--data", "f.prom"}), (Words{"query", "--data=f.prom", "--", "-Inf"}));
  EXPECT_EQ(t.prepare({"check", "rules", "-broken.yml", "--strict", "ok.yml", "-"}),
            (Words{"check", "rules", "--strict", "--", "-broken.yml", "ok.yml", "-"}));
}

TEST(Args, AFlagsValueIsTheNextWordWhateverItStartsWith) {
  const Tree t;
  EXPECT_EQ(t.prepare({"query", "--time", "-1", "--data", "--x.prom", "up"}),
            (Words{"query", "--time=-1", "--data=--x.prom", "--", "up"}));
  EXPECT_EQ(t.prepare({"query", "--time=-1", "up"}), (Words{"query", "--time=-1", "--", "up"}));
  // A flag without a value does not take the next word.
  EXPECT_EQ(t.prepare({"check", "rules", "--strict", "r.yml"}), (Words{"check", "rules", "--strict", "--", "r.yml"}));
}

TEST(Args, AnEmptyValueIsAValueAndTakesNoOtherWord) {
  // `--storage.tsdb.path=` (memory only) once made CLI11 take the next
  // flag as the path.
  for (const Words& words : {Words{"query", "--time=", "--data", "f.prom", "up"},
                             Words{"query", "--time", "", "--data", "f.prom", "up"}}) {
    Tree t;
    auto prepared = prepare_args(t.app, words);
    ASSERT_TRUE(prepared.ok());
    std::vector<std::string> argv = *prepared;
    std::reverse(argv.begin(), argv.end());  // CLI11 parses a reversed vector
    t.app.parse(argv);
    EXPECT_EQ(t.time, "");
    EXPECT_EQ(t.data, (Words{"f.prom"}));
    EXPECT_EQ(t.expr, "up");
  }
}

TEST(Args, AfterDoubleDashEverythingIsAnArgument) {
  const Tree t;
  EXPECT_EQ(t.prepare({"query", "--data", "f", "--", "--time"}), (Words{"query", "--data=f", "--", "--time"}));
  EXPECT_EQ(t.prepare({"check", "rules", "--", "--strict", "-h"}), (Words{"check", "rules", "--", "--strict", "-h"}));
}

TEST(Args, HelpAndNoArgumentsPassThrough) {
  const Tree t;
  EXPECT_EQ(t.prepare({"query", "-h"}), (Words{"query", "-h"}));
  EXPECT_EQ(t.prepare({"check", "--help"}), (Words{"check", "--help"}));
  EXPECT_EQ(t.prepare({"selfcheck"}), (Words{"selfcheck"}));
}

TEST(Args, UnknownCommandsAndFlagsAreNamed) {
  const Tree t;
  const std::string commands = " (commands: check rules, query, selfcheck)";
  EXPECT_EQ(t.prepare({"chek", "rules"}), Words{"error: unknown command \"chek\"" + commands});
  EXPECT_EQ(t.prepare({"check", "config", "x.yml"}), Words{"error: unknown command \"check config\"" + commands});
  EXPECT_EQ(t.prepare({"check"}), Words{"error: \"check\" needs a command: check rules"});
  EXPECT_EQ(t.prepare({"-foo"}), Words{"error: unknown command \"-foo\"" + commands});
  EXPECT_EQ(t.prepare({"query", "--dat", "f", "up"}),
            Words{"error: unknown long flag '--dat' (not a flag of \"cogwatch query\"; an argument that starts with "
                  "'--' goes after --)"});
  EXPECT_EQ(t.prepare({"query", "--strict", "up"}),
            Words{"error: unknown long flag '--strict' (not a flag of \"cogwatch query\"; an argument that starts "
                  "with '--' goes after --)"});
}

TEST(Args, ArgumentsBeyondWhatTheCommandTakes) {
  const Tree t;
  EXPECT_EQ(t.prepare({"query", "--data", "f", "up", "down"}),
            Words{"error: unexpected argument 'down' (\"cogwatch query\" takes expr)"});
  EXPECT_EQ(t.prepare({"selfcheck", "x"}), Words{"error: unexpected argument 'x' (\"cogwatch selfcheck\" takes none)"});
}

TEST(Args, CommandsAreListedAndFound) {
  const Tree t;
  EXPECT_EQ(command_list(t.app), "check rules, query, selfcheck");
  const CLI::App* rules = find_command(t.app, {"check", "rules"});
  ASSERT_NE(rules, nullptr);
  EXPECT_EQ(command_path(*rules), "cogwatch check rules");
  EXPECT_EQ(find_command(t.app, {"check", "config"}), nullptr);
}

TEST(Args, InputFilesMustExistAndNotBeDirectories) {
  const std::string readme = std::string(COGWATCH_SOURCE_DIR) + "/README.md";
  EXPECT_TRUE(check_input_files({readme}).ok());
  EXPECT_EQ(check_input_files({readme, "/nonexistent.yml"}).error().message, "path '/nonexistent.yml' does not exist");
  EXPECT_EQ(check_input_files({"/tmp"}).error().message, "'/tmp' is a directory");
}

}  // namespace
}  // namespace cogwatch::cli
