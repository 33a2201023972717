// Throwaway: writes old-format fixtures with the tsdb code as of commit f3a2e27.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include "model/value.h"
#include "tsdb/block.h"
#include "tsdb/db.h"

using namespace cogwatch;
using namespace cogwatch::tsdb;

int main(int argc, char** argv) {
  const std::string out = argv[1];
  // 1. A format-2 block: two series, 130 samples each at 15s (two head chunks each), one stale marker.
  {
    const Timestamp t0 = 1700000000000;
    std::vector<ChunkRef> a, b;
    ChunkWriter wa, wb;
    for (int i = 0; i < 130; ++i) {
      const Timestamp t = t0 + i * 15000;
      if (wa.num_samples() == 120) { a.push_back(wa.seal()); b.push_back(wb.seal()); }
      wa.append(t, i == 77 ? stale_nan() : 0.5 * i);
      wb.append(t, std::sin(i));
    }
    a.push_back(wa.seal());
    b.push_back(wb.seal());
    BlockWriter w(FileSystem::posix(), out + "/block_v2.block", 1699999200000, 1700006399999);
    if (!w.add(1025, Labels{{"__name__", "up"}, {"job", "cog"}}, a).ok()) return 1;
    if (!w.add(2049, Labels{{"__name__", "temp"}, {"job", "cog"}}, b).ok()) return 1;
    if (!w.finish().ok()) return 1;
  }
  // 2. A WAL-v1 data directory: a checkpoint (series + chunk records of type 3, the
  //    last chunk open) and a segment after it with samples records.
  {
    const std::string dir = out + "/db_wal_v1";
    std::filesystem::remove_all(dir);
    auto db = Db::open(dir, DbOptions{});
    if (!db) { std::fprintf(stderr, "%s\n", db.error().message.c_str()); return 1; }
    const Timestamp t0 = 1700000000000;
    Labels up{{"__name__", "up"}, {"job", "cog"}}, lat{{"__name__", "latency_sum"}, {"job", "cog"}};
    for (int i = 0; i < 150; ++i) {
      auto app = (*db)->head().appender();
      (void)app->append(up, t0 + i * 15000, 1);
      (void)app->append(lat, t0 + i * 15000, 0.25 * i);
      app->commit();
      if (i == 139) {
        auto c = (*db)->checkpoint();
        if (!c) { std::fprintf(stderr, "%s\n", c.error().message.c_str()); return 1; }
      }
    }
    db->reset();
    std::filesystem::remove(dir + "/lock");
  }
  return 0;
}
