#include "cli/tsdb_analyze.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <ostream>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "cli/exit_codes.h"
#include "model/matcher.h"
#include "tsdb/block.h"
#include "tsdb/db.h"

namespace cogwatch::cli {
namespace {

// One series as analyzed: its labels and its chunks in the range.
struct AnalyzedSeries {
  Labels labels;
  std::vector<tsdb::ChunkRef> chunks;
};

std::string block_id(const tsdb::Block& b) {
  std::string name = b.path().substr(b.path().find_last_of('/') + 1);
  if (name.ends_with(".block")) name.resize(name.size() - 6);
  return name;
}

using Table = std::vector<std::pair<std::string, uint64_t>>;

void print_table(const char* title, Table rows, size_t limit, std::ostream& out) {
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  out << "\n" << title << ":\n";
  for (size_t i = 0; i < rows.size() && i < limit; ++i) out << rows[i].second << " " << rows[i].first << "\n";
}

template <typename Map>
Table to_table(const Map& m) {
  return Table(m.begin(), m.end());
}

// `span` is the time range's length as promtool takes a block's
// (MaxTime - MinTime with MaxTime exclusive): the inclusive range [mint,
// maxt] spans maxt - mint + 1 ms. It is both the duration printed and what
// churn values are divided by.
void analyze(const std::string& id, Timestamp span, const std::vector<AnalyzedSeries>& series, size_t limit,
             std::ostream& out) {
  std::map<std::string, uint64_t> names_uncovered, pairs_uncovered, pair_count;
  std::map<std::string, std::set<std::string>> values;  // label name -> its values
  std::map<std::string, uint64_t> metric_series;
  uint64_t entries = 0, chunks = 0, chunk_bytes = 0, samples = 0;
  for (const AnalyzedSeries& s : series) {
    const Timestamp covered = s.chunks.back()->max_time() - s.chunks.front()->min_time();
    const uint64_t uncovered = static_cast<uint64_t>(std::max<Timestamp>(0, span - covered));
    for (const Label& l : s.labels) {
      std::string pair = std::string(l.name) + "=" + std::string(l.value);
      names_uncovered[std::string(l.name)] += uncovered;
      pairs_uncovered[pair] += uncovered;
      ++pair_count[pair];
      values[std::string(l.name)].insert(std::string(l.value));
      ++entries;
    }
    if (s.labels.has(kMetricNameLabel)) ++metric_series[std::string(s.labels.metric_name())];
    for (const tsdb::ChunkRef& c : s.chunks) {
      ++chunks;
      chunk_bytes += c->size();
      samples += c->num_samples();
    }
  }
  out << "Block ID: " << id << "\n";
  out << "Duration: " << go_duration_string(span) << "\n";
  out << "Total Series: " << series.size() << "\n";
  out << "Label names: " << values.size() << "\n";
  out << "Postings (unique label pairs): " << pair_count.size() << "\n";
  out << "Postings entries (total label pairs): " << entries << "\n";
  out << "Chunks: " << chunks << "\n";
  out << "Chunk bytes: " << chunk_bytes << "\n";
  out << "Samples: " << samples << "\n";

  auto churn = [&](const std::map<std::string, uint64_t>& uncovered) {
    Table t;
    for (const auto& [k, m] : uncovered) {
      t.emplace_back(k, span > 0 ? static_cast<uint64_t>(static_cast<double>(m) / static_cast<double>(span)) : 0);
    }
    return t;
  };
  print_table("Label pairs most involved in churning", churn(pairs_uncovered), limit, out);
  print_table("Label names most involved in churning", churn(names_uncovered), limit, out);
  print_table("Most common label pairs", to_table(pair_count), limit, out);
  Table lengths, cardinality;
  for (const auto& [name, vs] : values) {
    uint64_t length = 0;
    for (const std::string& v : vs) length += v.size();
    lengths.emplace_back(name, length);
    cardinality.emplace_back(name, vs.size());
  }
  print_table("Label names with highest cumulative label value length", std::move(lengths), limit, out);
  print_table("Highest cardinality labels", std::move(cardinality), limit, out);
  print_table("Highest cardinality metric names", to_table(metric_series), limit, out);
}

}  // namespace

std::string go_duration_string(int64_t ms) {
  if (ms == 0) return "0s";
  std::string sign = ms < 0 ? "-" : "";
  const uint64_t u = ms < 0 ? -static_cast<uint64_t>(ms) : static_cast<uint64_t>(ms);
  if (u < 1000) return sign + std::to_string(u) + "ms";
  const uint64_t h = u / 3'600'000, m = u / 60'000 % 60, s = u / 1000 % 60, frac = u % 1000;
  std::string secs = std::to_string(s);
  if (frac != 0) {
    std::string f = std::to_string(frac);
    f.insert(0, 3 - f.size(), '0');
    while (f.back() == '0') f.pop_back();
    secs += "." + f;
  }
  std::string out = sign;
  if (h > 0) out += std::to_string(h) + "h";
  if (h > 0 || m > 0) out += std::to_string(m) + "m";
  return out + secs + "s";
}

int run_tsdb_analyze(const TsdbAnalyzeOptions& options, std::ostream& out, std::ostream& err) {
  const std::string command = "cogwatch tsdb analyze";
  tsdb::DbOpenReport report;
  auto db = tsdb::Db::open_read_only(options.path, tsdb::DbOptions{}, &report);
  if (!db) {
    err << command << ": error: " << db.error().message << "\n";
    return kExitFailed;
  }
  for (const tsdb::WalDamage& d : report.damage) {
    err << command << ": warning: " << d.path << " at byte " << d.offset << ": " << d.reason
        << " (read up to there)\n";
  }
  tsdb::Head& head = (*db)->head();
  const auto blocks = head.blocks();
  const tsdb::Block* block = nullptr;
  if (options.block.empty()) {
    if (blocks && !blocks->empty()) block = blocks->back().get();
  } else if (options.block != "head") {
    std::string wanted = options.block;
    if (wanted.ends_with(".block")) wanted.resize(wanted.size() - 6);
    std::string known;
    for (const auto& b : blocks ? *blocks : tsdb::Head::BlockList{}) {
      if (block_id(*b) == wanted) block = b.get();
      known += (known.empty() ? "" : ", ") + block_id(*b);
    }
    if (block == nullptr) {
      err << command << ": error: block " << options.block << " not found in " << options.path << " (blocks: "
          << (known.empty() ? "none" : known) << "; or head)\n";
      return kExitFailed;
    }
  }

  std::vector<AnalyzedSeries> series;
  if (block != nullptr) {
    block->for_each_series([&](tsdb::SeriesRef ref, const Labels& labels, size_t) {
      AnalyzedSeries s{labels, {}};
      block->chunks(ref, block->min_time(), block->max_time(), s.chunks);
      if (!s.chunks.empty()) series.push_back(std::move(s));
    });
    if (block->damaged_chunks() > 0) {
      err << command << ": warning: " << block->path() << ": " << block->damaged_chunks()
          << " damaged chunks skipped\n";
    }
    analyze(block_id(*block), block->max_time() - block->min_time() + 1, series, options.limit, out);
    return kExitOk;
  }
  const tsdb::HeadStats hs = head.stats();
  if (hs.min_time > hs.max_time) {
    err << command << ": error: " << options.path
        << (blocks && !blocks->empty() ? ": its head is empty (nothing in the log since its newest block)"
                                       : " holds no data to analyze (no blocks, and the head is empty)")
        << "\n";
    return kExitFailed;
  }
  auto all = LabelMatcher::make(MatchType::kRegexMatch, std::string(kMetricNameLabel), ".*");
  for (tsdb::SeriesData& d : head.select({*all}, hs.min_time, hs.max_time, tsdb::SeriesOrder::kUnsorted)) {
    if (!d.chunks.empty()) series.push_back({std::move(d.labels), std::move(d.chunks)});
  }
  // The head as the block promtool's block writer would make of the same
  // samples: [oldest, newest + 1).
  analyze("head", hs.max_time - hs.min_time + 1, series, options.limit, out);
  return kExitOk;
}

}  // namespace cogwatch::cli
