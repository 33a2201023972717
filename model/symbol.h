// Symbol: an immutable, reference-counted string, and SymbolTable, which
// interns them so that equal label names and values share one allocation.
//
// A million series labelled job="cog" hold a million pointers to one "job"
// and one "cog", not a million copies. Copying a Symbol is one atomic
// increment. Symbols need not come from a table: Symbol(text) makes a
// private one (used for labels computed on the fly, e.g. by PromQL).
//
// Thread-safety: a Symbol may be copied and destroyed from any thread.
// SymbolTable is safe for concurrent use.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string_view>

#include <boost/unordered/unordered_flat_map.hpp>

namespace cogwatch {

class Symbol {
 public:
  Symbol() = default;  // the empty string; no allocation
  explicit Symbol(std::string_view text);
  Symbol(const Symbol& other) noexcept : rep_(other.rep_) { ref(rep_); }
  Symbol(Symbol&& other) noexcept : rep_(other.rep_) { other.rep_ = nullptr; }
  Symbol& operator=(Symbol other) noexcept {
    std::swap(rep_, other.rep_);
    return *this;
  }
  ~Symbol() { unref(rep_); }

  std::string_view view() const { return rep_ ? std::string_view(rep_->data(), rep_->size) : std::string_view(); }
  bool empty() const { return rep_ == nullptr || rep_->size == 0; }
  // True when both share storage (then their text is equal).
  bool same_storage(const Symbol& other) const { return rep_ == other.rep_; }
  // Bytes this symbol's storage takes (header + text), 0 for the empty one.
  size_t allocated_bytes() const { return rep_ ? sizeof(Rep) + rep_->size : 0; }

 private:
  friend class SymbolTable;
  friend class Labels;
  friend class LabelsBuilder;
  // One allocation: this header, then `size` bytes of text.
  struct Rep {
    std::atomic<uint32_t> refs;
    uint32_t size;
    char* data() { return reinterpret_cast<char*>(this + 1); }
  };
  static Rep* make_rep(std::string_view text);
  static void ref(Rep* r) {
    if (r) r->refs.fetch_add(1, std::memory_order_relaxed);
  }
  static void unref(Rep* r) {
    if (r && r->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) ::operator delete(r);
  }
  explicit Symbol(Rep* adopted) : rep_(adopted) {}  // takes over one reference

  Rep* rep_ = nullptr;
};

// Interns strings. Entries live until sweep() finds nobody else holds them.
class SymbolTable {
 public:
  SymbolTable() = default;
  SymbolTable(const SymbolTable&) = delete;
  SymbolTable& operator=(const SymbolTable&) = delete;
  ~SymbolTable();

  // Returns the table's symbol for text, creating it if needed.
  Symbol intern(std::string_view text);
  // Returns the table's symbol with the text of s; cheap when s is already
  // the table's own.
  Symbol intern(const Symbol& s);

  // Forgets every symbol that only the table still references. Returns how
  // many were freed. Call it after series were deleted.
  size_t sweep();

  size_t size() const;
  // Bytes of symbol storage plus the table's own hash maps.
  size_t allocated_bytes() const;

 private:
  static constexpr size_t kShards = 16;
  struct Shard {
    mutable std::mutex mu;
    // Keys view the text inside the Rep the value points to.
    boost::unordered_flat_map<std::string_view, Symbol::Rep*> map;  // guarded by mu
    size_t text_bytes = 0;                                           // guarded by mu
  };
  Shard& shard_for(std::string_view text);

  std::unique_ptr<Shard[]> shards_ = std::make_unique<Shard[]>(kShards);
};

}  // namespace cogwatch
