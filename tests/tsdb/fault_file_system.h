// A FileSystem that behaves as the real one until told to fail writes as a
// full disk does: appends beyond a byte budget fail with "No space left on
// device" and leave the file as it was.
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

  Result<std::unique_ptr<WritableFile>> open_append(const std::string& path) override {
    auto f = real().open_append(path);
    if (!f) return f.error();
    return std::unique_ptr<WritableFile>(std::make_unique<File>(*this, std::move(*f)));
  }
  Result<std::shared_ptr<const MappedFile>> map(const std::string& path) override { return real().map(path); }
  Status create_dirs(const std::string& dir) override { return real().create_dirs(dir); }
  Result<std::vector<std::string>> list(const std::string& dir) override { return real().list(dir); }
  Status rename(const std::string& from, const std::string& to) override { return real().rename(from, to); }
  Status remove_all(const std::string& path) override { return real().remove_all(path); }
  Status sync_dir(const std::string& dir) override { return real().sync_dir(dir); }
  bool exists(const std::string& path) override { return real().exists(path); }
  Result<std::unique_ptr<FileLock>> lock(const std::string& path) override { return real().lock(path); }

 private:
  static FileSystem& real() { return FileSystem::posix(); }

  class File final : public WritableFile {
   public:
    File(FaultFileSystem& fs, std::unique_ptr<WritableFile> f) : fs_(fs), f_(std::move(f)) {}
    Status append(std::span<const uint8_t> bytes) override {
      if (fs_.free_.fetch_sub(static_cast<int64_t>(bytes.size())) < static_cast<int64_t>(bytes.size())) {
        fs_.free_.fetch_add(static_cast<int64_t>(bytes.size()));
        ++fs_.failed_;
        return make_error(ErrorCode::kUnavailable, f_->path() + ": No space left on device");
      }
      return f_->append(bytes);
    }
    Status sync() override { return f_->sync(); }
    Status truncate(uint64_t size) override { return f_->truncate(size); }
    uint64_t size() const override { return f_->size(); }
    const std::string& path() const override { return f_->path(); }

   private:
    FaultFileSystem& fs_;
    std::unique_ptr<WritableFile> f_;
  };

  std::atomic<int64_t> free_{std::numeric_limits<int64_t>::max()};
  std::atomic<uint64_t> failed_{0};
};

}  // namespace cogwatch::tsdb::testing
