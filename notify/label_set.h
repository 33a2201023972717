// How Alertmanager identifies an alert and prints a group: its
// model.LabelSet's Fingerprint() and String(), which the webhook message
// carries as an alert's "fingerprint" and inside "groupKey".
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "model/labels.h"

namespace cogwatch::notify {

// An alert's annotations (model/labels.h): empty values kept.
using cogwatch::Annotations;

// Appends a label set or annotations as Go marshals a map[string]string:
// {"a":"1","b":""}, keys sorted, strings as Go's encoding/json writes them.
void append_json_object(std::string& out, const Labels& labels);
void append_json_object(std::string& out, const Annotations& annotations);

// model.LabelSet.Fingerprint(): FNV-1a 64 over the labels sorted by name,
// each name and each value followed by the byte 0xff.
uint64_t fingerprint(const Labels& labels);

// The fingerprint as the webhook message prints it: 16 lowercase hex
// digits ("5677cb6940f6217e").
std::string fingerprint_string(const Labels& labels);
std::string fingerprint_string(uint64_t fingerprint);

// model.LabelSet.String(): {alertname="Err", q="a\"b"}, sorted by name,
// values Go-quoted, ", " between labels; "{}" when empty.
std::string label_set_string(const Labels& labels);

}  // namespace cogwatch::notify
