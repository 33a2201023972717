// The parse tree grammar.cc records and builder.cc turns into an AST: the
// grammar rules the builder looks at, flat, in pre-order, each entry knowing
// where its subtree ends. One vector, reused, instead of a heap node per
// rule tried.
//
// Thread-safety: a FlatTree is filled and read by one thread.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace cogwatch::parser::internal {

// One kind per grammar rule the builder reads (grammar.cc maps rules to
// kinds; rules without a kind leave no trace).
enum class NodeKind : uint8_t {
  kRoot,
  kExpr,        // operand (binary_tail)*
  kOperand,     // unary signs, a primary, postfix modifiers
  kUnaryOp,     // + or -
  kBinaryTail,  // operator, modifiers, operand
  kBinaryOp,
  kBool,
  kOnIgnoring,  // on/ignoring and its grouping list
  kOn,
  kIgnoring,
  kGroupSide,  // group_left/group_right and its optional list
  kGroupLeft,
  kGroupRight,
  kFillModifier,  // fill(...), fill_left(...), fill_right(...)
  kNumber,        // number or duration token, Inf, NaN
  kString,
  kVectorSelector,
  kMetricName,
  kLabelMatchers,
  kLabelMatcher,
  kLabelName,        // an identifier
  kQuotedLabelName,  // a string
  kMatchOp,
  kMatcherValue,
  kGroupingList,
  kGroupingLabel,
  kFunctionCall,
  kFunctionName,
  kCallBody,
  kTrailingComma,
  kAggregate,
  kAggOp,
  kAggGrouping,
  kBy,
  kWithout,
  kAggBody,
  kParenExpr,
  kRangePostfix,  // [range] or [range:step]
  kSubqueryTail,  // :step]
  kOffsetPostfix,
  kAtPostfix,
  kAtSign,
  kStart,
  kEnd,
  kSmoothed,
  kAnchored,
  kDurationExpr,     // operand (op operand)*, in [] or after offset
  kDurationOperand,  // signs and a primary
  kDurationSign,
  kDurationOp,
  kDurationParen,
  kDurationCall,    // step(), range()
  kDurationMinMax,  // min_of(a, b), max_of(a, b)
  kMetric,          // a metric's name and label set (parse_metric)
  kLabelSetItem,
  kNone,  // rules the builder does not read
};

struct FlatTree {
  struct Entry {
    NodeKind kind;
    uint32_t begin;  // byte range in the input
    uint32_t end;
    uint32_t after;  // index just past this entry's subtree; 0 while its rule is matching
  };
  std::vector<Entry> nodes;
  std::vector<uint32_t> open;  // entries whose rule is still matching

  void clear() {
    nodes.clear();
    open.clear();
  }
  void start(NodeKind kind, uint32_t begin) {
    open.push_back(static_cast<uint32_t>(nodes.size()));
    nodes.push_back({kind, begin, begin, 0});
  }
  void success(uint32_t end) {
    const uint32_t i = open.back();
    open.pop_back();
    nodes[i].end = end;
    nodes[i].after = static_cast<uint32_t>(nodes.size());
  }
  void failure() {
    nodes.resize(open.back());
    open.pop_back();
  }
  // Whether a rule of this kind is still matching (for error contexts).
  bool is_open(NodeKind kind) const {
    for (uint32_t i : open) {
      if (nodes[i].kind == kind) return true;
    }
    return false;
  }
};

// A view of one entry.
class Node {
 public:
  class Children;
  Node(const FlatTree* tree, std::string_view input, uint32_t index) : tree_(tree), input_(input), index_(index) {}

  NodeKind kind() const { return entry().kind; }
  bool is(NodeKind k) const { return entry().kind == k; }
  std::string_view text() const { return input_.substr(entry().begin, entry().end - entry().begin); }
  uint32_t begin() const { return entry().begin; }
  uint32_t end() const { return entry().end; }
  std::string_view input() const { return input_; }
  Children children() const;

 private:
  const FlatTree::Entry& entry() const { return tree_->nodes[index_]; }
  const FlatTree* tree_;
  std::string_view input_;
  uint32_t index_;
};

class Node::Children {
 public:
  class Iterator {
   public:
    Iterator(const Node& parent, uint32_t i) : parent_(parent), i_(i) {}
    Node operator*() const { return Node(parent_.tree_, parent_.input_, i_); }
    Iterator& operator++() {
      i_ = parent_.tree_->nodes[i_].after;
      return *this;
    }
    bool operator!=(const Iterator& o) const { return i_ != o.i_; }

   private:
    const Node& parent_;
    uint32_t i_;
  };
  explicit Children(const Node& parent) : parent_(parent) {}
  Iterator begin() const { return Iterator(parent_, parent_.index_ + 1); }
  Iterator end() const { return Iterator(parent_, parent_.entry().after); }
  bool empty() const { return parent_.index_ + 1 == parent_.entry().after; }
  size_t size() const {
    size_t n = 0;
    for (auto it = begin(); it != end(); ++it) ++n;
    return n;
  }
  Node operator[](size_t k) const {
    auto it = begin();
    while (k-- > 0) ++it;
    return *it;
  }
  Node front() const { return *begin(); }
  Node back() const {
    uint32_t last = parent_.index_ + 1;
    for (uint32_t i = last; i != parent_.entry().after; i = parent_.tree_->nodes[i].after) last = i;
    return Node(parent_.tree_, parent_.input_, last);
  }

 private:
  const Node& parent_;
};

inline Node::Children Node::children() const { return Children(*this); }

}  // namespace cogwatch::parser::internal
