#include "model/yaml.h"

#include <optional>
#include <sstream>
#include <string>

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/parser.h>

namespace cogwatch {
namespace {

// Remembers where each document starts; ignores its content.
class DocumentStarts : public YAML::EventHandler {
 public:
  YAML::Mark start;

  void OnDocumentStart(const YAML::Mark& mark) override { start = mark; }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

[[noreturn]] void throw_stalled(const YAML::Mark& mark) {
  throw YAML::ParserException(mark, "did not find expected node content");
}

// Reads the stream's documents and throws where one starts where the
// previous one did: the parser has stopped moving. The whole stream is
// read even for the first document, because the stall can follow empty
// ones ("---\n,a": an empty document, then the stall). Syntax errors in
// documents past the first are left to the real load when it reads them,
// and ignored when it does not.
void check_progress(const std::string& text) {
  std::istringstream in(text);
  YAML::Parser parser(in);
  DocumentStarts starts;
  std::optional<YAML::Mark> previous;
  for (size_t n = 0;; ++n) {
    try {
      if (!parser.HandleNextDocument(starts)) return;
    } catch (const YAML::Exception&) {
      if (n == 0) throw;
      return;
    }
    if (previous && starts.start.pos == previous->pos) throw_stalled(starts.start);
    previous = starts.start;
  }
}

}  // namespace

YAML::Node load_yaml(std::string_view text) {
  std::string s(text);
  check_progress(s);
  return YAML::Load(s);
}

std::vector<YAML::Node> load_yaml_documents(std::string_view text) {
  std::string s(text);
  check_progress(s);
  return YAML::LoadAll(s);
}

}  // namespace cogwatch
