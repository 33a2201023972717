// A FileSystem that behaves as the real one until told to fail writes as a
// full disk does (appends beyond a byte budget fail with "No space left on
// device" and leave the file as it was), or to stop changing anything from
// some operation on, as a process killed at that point would.
#pragma once

#include <atomic>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>

#include "tsdb/file_system.h"

namespace cogwatch::tsdb::testing {

class FaultFileSystem final : public FileSystem {
 public:
  // Appends may write this many more bytes; then the disk is full.
  void set_free_bytes(int64_t n) { free_ = n; }
  void unlimited() { free_ = std::numeric_limits<int64_t>::max(); }
  uint64_t failed_writes() const { return failed_; }

  // Counting from now, operations that change the disk (open for append,
  // append, sync, truncate, rename, remove, create or sync a directory)
  // run until `n` of them have; every later one fails and changes
  // nothing: the disk as a kill -9 between operation n and n + 1 leaves it
  // (the page cache keeps what was written). Reads go on.
  void crash_after(uint64_t n) {
    changes_ = 0;
    crash_after_ = n;
  }
  // Whether an operation was refused since crash_after().
  bool crashed() const { return crashed_; }

  Result<std::unique_ptr<WritableFile>> open_append(const std::string& path) override {
    if (Status s = change(path); !s) return s.error();
    auto f = real().open_append(path);
    if (!f) return f.error();
    return std::unique_ptr<WritableFile>(std::make_unique<File>(*this, std::move(*f)));
  }
  Result<std::shared_ptr<const MappedFile>> map(const std::string& path) override { return real().map(path); }
  Status create_dirs(const std::string& dir) override {
    if (Status s = change(dir); !s) return s;
    return real().create_dirs(dir);
  }
  Result<std::vector<std::string>> list(const std::string& dir) override { return real().list(dir); }
  Status rename(const std::string& from, const std::string& to) override {
    if (Status s = change(from); !s) return s;
    return real().rename(from, to);
  }
  Status remove_all(const std::string& path) override {
    if (Status s = change(path); !s) return s;
    return real().remove_all(path);
  }
  Status sync_dir(const std::string& dir) override {
    if (Status s = change(dir); !s) return s;
    return real().sync_dir(dir);
  }
  bool exists(const std::string& path) override { return real().exists(path); }
  Result<std::unique_ptr<FileLock>> lock(const std::string& path) override { return real().lock(path); }

 private:
  static FileSystem& real() { return FileSystem::posix(); }

  // Counts an operation that changes the disk; refuses it after the crash.
  Status change(const std::string& path) {
    if (++changes_ <= crash_after_) return {};
    crashed_ = true;
    return make_error(ErrorCode::kUnavailable, path + ": the process was killed (test)");
  }

  class File final : public WritableFile {
   public:
    File(FaultFileSystem& fs, std::unique_ptr<WritableFile> f) : fs_(fs), f_(std::move(f)) {}
    Status append(std::span<const uint8_t> bytes) override {
      if (Status s = fs_.change(f_->path()); !s) return s;
      if (fs_.free_.fetch_sub(static_cast<int64_t>(bytes.size())) < static_cast<int64_t>(bytes.size())) {
        fs_.free_.fetch_add(static_cast<int64_t>(bytes.size()));
        ++fs_.failed_;
        return make_error(ErrorCode::kUnavailable, f_->path() + ": No space left on device");
      }
      return f_->append(bytes);
    }
    Status sync() override {
      if (Status s = fs_.change(f_->path()); !s) return s;
      return f_->sync();
    }
    Status truncate(uint64_t size) override {
      if (Status s = fs_.change(f_->path()); !s) return s;
      return f_->truncate(size);
    }
    uint64_t size() const override { return f_->size(); }
    const std::string& path() const override { return f_->path(); }

   private:
    FaultFileSystem& fs_;
    std::unique_ptr<WritableFile> f_;
  };

  std::atomic<int64_t> free_{std::numeric_limits<int64_t>::max()};
  std::atomic<uint64_t> failed_{0};
  std::atomic<uint64_t> changes_{0};
  std::atomic<uint64_t> crash_after_{std::numeric_limits<uint64_t>::max()};
  std::atomic<bool> crashed_{false};
};

}  // namespace cogwatch::tsdb::testing
