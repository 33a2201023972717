#include "cli/args.h"

#include <algorithm>
#include <filesystem>
#include <optional>

namespace cogwatch::cli {
namespace {

std::vector<const CLI::App*> subcommands(const CLI::App& app) {
  auto subs = app.get_subcommands([](const CLI::App*) { return true; });
  std::sort(subs.begin(), subs.end(),
            [](const CLI::App* a, const CLI::App* b) { return a->get_name() < b->get_name(); });
  return subs;
}

const CLI::App* subcommand(const CLI::App& app, const std::string& name) {
  for (const CLI::App* sub : subcommands(app)) {
    if (sub->get_name() == name) return sub;
  }
  return nullptr;
}

bool takes_value(const CLI::Option& option) { return option.get_expected_max() > 0; }  // flags expect 0

void collect_commands(const CLI::App& app, const std::string& prefix, std::vector<std::string>& out) {
  const auto subs = subcommands(app);
  if (subs.empty()) {
    out.push_back(prefix);
    return;
  }
  for (const CLI::App* sub : subs)
    collect_commands(*sub, prefix.empty() ? sub->get_name() : prefix + " " + sub->get_name(), out);
}

Error unknown_command(const CLI::App& root, const CLI::App& at, const std::string& word) {
  std::string name = command_path(at);
  name = name == root.get_name() ? word : name.substr(root.get_name().size() + 1) + " " + word;
  return make_error(ErrorCode::kInvalidArgument,
                    "unknown command \"" + name + "\" (commands: " + command_list(root) + ")");
}

}  // namespace

std::string command_path(const CLI::App& command) {
  std::string path = command.get_name();
  for (const CLI::App* p = command.get_parent(); p != nullptr; p = p->get_parent()) path = p->get_name() + " " + path;
  return path;
}

std::string command_list(const CLI::App& root) {
  std::vector<std::string> paths;
  collect_commands(root, "", paths);
  std::string out;
  for (const std::string& p : paths) out += (out.empty() ? "" : ", ") + p;
  return out;
}

const CLI::App* find_command(const CLI::App& root, const std::vector<std::string>& path) {
  const CLI::App* at = &root;
  for (const std::string& word : path) {
    at = subcommand(*at, word);
    if (at == nullptr) return nullptr;
  }
  return at;
}

Result<std::vector<std::string>> prepare_args(const CLI::App& root, const std::vector<std::string>& args) {
  const CLI::App* at = &root;
  std::vector<std::string> path, flags, arguments;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& word = args[i];
    if (word == "--") {
      arguments.insert(arguments.end(), args.begin() + static_cast<std::ptrdiff_t>(i) + 1, args.end());
      break;
    }
    if (word.starts_with("--")) {
      const size_t eq = word.find('=');
      const std::string name = word.substr(0, eq);
      const CLI::Option* option = at->get_option_no_throw(name);
      if (option == nullptr || option->get_positional()) {
        return make_error(ErrorCode::kInvalidArgument, "unknown long flag '" + name + "' (not a flag of \"" +
                                                           command_path(*at) +
                                                           "\"; an argument that starts with '--' goes after --)");
      }
      std::optional<std::string> value;
      if (eq != std::string::npos) {
        value = word.substr(eq + 1);
      } else if (takes_value(*option) && i + 1 < args.size()) {
        value = args[++i];  // the value, even if it starts with '-'
      }
      if (!value) {
        flags.push_back(word);
      } else if (value->empty()) {
        // CLI11 reads "--name=" as a flag without its value and takes the
        // next word instead; an empty word after the name is the value.
        flags.push_back(name);
        flags.push_back("");
      } else {
        flags.push_back(name + "=" + *value);
      }
      continue;
    }
    if (word.size() == 2 && word[0] == '-' && at->get_option_no_throw(word) != nullptr) {
      flags.push_back(word);  // -h
      continue;
    }
    if (arguments.empty() && !subcommands(*at).empty()) {
      // Before any argument, a word selects a command.
      const CLI::App* sub = subcommand(*at, word);
      if (sub == nullptr) return unknown_command(root, *at, word);
      at = sub;
      path.push_back(word);
      continue;
    }
    arguments.push_back(word);  // including -foo, -Inf, -1, -rules.yml
  }
  if (!subcommands(*at).empty() && !arguments.empty()) return unknown_command(root, *at, arguments.front());
  const bool help = std::find_if(flags.begin(), flags.end(),
                                 [](const std::string& f) { return f == "-h" || f == "--help"; }) != flags.end();
  if (at != &root && !subcommands(*at).empty() && !help) {
    std::vector<std::string> below;
    collect_commands(*at, command_path(*at).substr(root.get_name().size() + 1), below);
    std::string list;
    for (const std::string& c : below) list += (list.empty() ? "" : ", ") + c;
    return make_error(ErrorCode::kInvalidArgument,
                      "\"" + command_path(*at).substr(root.get_name().size() + 1) + "\" needs a command: " + list);
  }
  // More arguments than the command's positionals take.
  size_t capacity = 0;
  std::string names;
  for (const CLI::Option* o : at->get_options([](const CLI::Option* o) { return o->get_positional(); })) {
    capacity += static_cast<size_t>(o->get_expected_max());
    names += (names.empty() ? "" : ", ") + o->get_name();
  }
  if (subcommands(*at).empty() && arguments.size() > capacity) {
    return make_error(ErrorCode::kInvalidArgument, "unexpected argument '" + arguments[capacity] + "' (\"" +
                                                       command_path(*at) + "\" takes " +
                                                       (capacity == 0 ? std::string("none") : names) + ")");
  }
  std::vector<std::string> out = path;
  out.insert(out.end(), flags.begin(), flags.end());
  if (!arguments.empty()) {
    out.push_back("--");
    out.insert(out.end(), arguments.begin(), arguments.end());
  }
  return out;
}

Status check_input_files(const std::vector<std::string>& paths) {
  for (const std::string& p : paths) {
    std::error_code ec;
    const auto status = std::filesystem::status(p, ec);
    if (!std::filesystem::exists(status)) return make_error(ErrorCode::kNotFound, "path '" + p + "' does not exist");
    if (std::filesystem::is_directory(status)) {
      return make_error(ErrorCode::kInvalidArgument, "'" + p + "' is a directory");
    }
  }
  return {};
}

}  // namespace cogwatch::cli
