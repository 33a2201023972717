#include "model/symbol.h"

#include <cstring>
#include <functional>
#include <new>

namespace cogwatch {

Symbol::Rep* Symbol::make_rep(std::string_view text) {
  void* mem = ::operator new(sizeof(Rep) + text.size());
  Rep* r = new (mem) Rep;
  r->refs.store(1, std::memory_order_relaxed);
  r->size = static_cast<uint32_t>(text.size());
  std::memcpy(r->data(), text.data(), text.size());
  return r;
}

Symbol::Symbol(std::string_view text) : rep_(text.empty() ? nullptr : make_rep(text)) {}

SymbolTable::~SymbolTable() {
  for (size_t i = 0; i < kShards; ++i) {
    for (auto& [text, rep] : shards_[i].map) Symbol::unref(rep);
  }
}

SymbolTable::Shard& SymbolTable::shard_for(std::string_view text) {
  return shards_[std::hash<std::string_view>{}(text) % kShards];
}

Symbol SymbolTable::intern(std::string_view text) {
  if (text.empty()) return Symbol();
  Shard& shard = shard_for(text);
  std::lock_guard lock(shard.mu);
  auto it = shard.map.find(text);
  if (it != shard.map.end()) {
    Symbol::ref(it->second);
    return Symbol(it->second);
  }
  Symbol::Rep* rep = Symbol::make_rep(text);  // the table's reference
  shard.map.emplace(std::string_view(rep->data(), rep->size), rep);
  shard.text_bytes += sizeof(Symbol::Rep) + rep->size;
  Symbol::ref(rep);  // the caller's reference
  return Symbol(rep);
}

Symbol SymbolTable::intern(const Symbol& s) { return intern(s.view()); }

size_t SymbolTable::sweep() {
  size_t freed = 0;
  for (size_t i = 0; i < kShards; ++i) {
    Shard& shard = shards_[i];
    std::lock_guard lock(shard.mu);
    // refs == 1 means only the table holds it; nobody can take a new
    // reference without this lock, so freeing it here cannot race.
    freed += boost::unordered::erase_if(shard.map, [&](const auto& entry) {
      Symbol::Rep* rep = entry.second;
      if (rep->refs.load(std::memory_order_acquire) != 1) return false;
      shard.text_bytes -= sizeof(Symbol::Rep) + rep->size;
      Symbol::unref(rep);
      return true;
    });
  }
  return freed;
}

size_t SymbolTable::size() const {
  size_t n = 0;
  for (size_t i = 0; i < kShards; ++i) {
    std::lock_guard lock(shards_[i].mu);
    n += shards_[i].map.size();
  }
  return n;
}

size_t SymbolTable::allocated_bytes() const {
  size_t n = 0;
  for (size_t i = 0; i < kShards; ++i) {
    const Shard& shard = shards_[i];
    std::lock_guard lock(shard.mu);
    // A flat map slot holds the key and value plus one metadata byte.
    n += shard.text_bytes + shard.map.bucket_count() * (sizeof(std::string_view) + sizeof(void*) + 1);
  }
  return n;
}

}  // namespace cogwatch
