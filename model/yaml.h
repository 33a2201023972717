// Reading YAML with yaml-cpp, guarded against its one known hang: the only
// way configuration, rule, test and file_sd files are read.
//
// yaml-cpp 0.7 cannot start a document at some tokens (a leading ',' is
// one). Its parser then reports an empty document without consuming
// anything, so YAML::LoadAll returns empty documents until memory runs out
// and YAML::Load returns an empty document: a broken file hangs the reader
// or reads as an empty file. These functions throw YAML::ParserException
// at that place instead, in go-yaml's words ("did not find expected node
// content"), as Prometheus reports the same file.
#pragma once

#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

namespace cogwatch {

// The first document, as Go's yaml.Unmarshal reads it: syntax errors in
// later documents are ignored, but a stall anywhere in the stream is an
// error (it may follow empty documents, which would otherwise read as an
// empty file). Throws YAML::Exception with the place of the error.
YAML::Node load_yaml(std::string_view text);

// Every document of a `---` stream. Throws YAML::Exception with the place
// of the error.
std::vector<YAML::Node> load_yaml_documents(std::string_view text);

}  // namespace cogwatch
