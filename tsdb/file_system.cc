#include "tsdb/file_system.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

namespace cogwatch::tsdb {
namespace {

Error os_error(const std::string& path, int err) {
  return make_error(err == ENOENT ? ErrorCode::kNotFound : ErrorCode::kUnavailable,
                    path + ": " + std::strerror(err));
}

Error fs_error(const std::string& path, const std::error_code& ec) {
  return make_error(ErrorCode::kUnavailable, path + ": " + ec.message());
}

class PosixWritableFile final : public WritableFile {
 public:
  PosixWritableFile(std::string path, int fd, uint64_t size) : path_(std::move(path)), fd_(fd), size_(size) {}
  ~PosixWritableFile() override { ::close(fd_); }

  Status append(std::span<const uint8_t> bytes) override {
    size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = ::write(fd_, bytes.data() + done, bytes.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        const int err = n < 0 ? errno : ENOSPC;
        // Cut back what part of it was written, so the file ends at a
        // record boundary; if even that fails, the reader's checksum finds
        // the torn record.
        if (done > 0 && ::ftruncate(fd_, static_cast<off_t>(size_)) == 0) {
          ::lseek(fd_, static_cast<off_t>(size_), SEEK_SET);
        }
        return os_error(path_, err);
      }
      done += static_cast<size_t>(n);
    }
    size_ += bytes.size();
    return {};
  }

  Status sync() override {
    if (::fdatasync(fd_) != 0) return os_error(path_, errno);
    return {};
  }

  Status truncate(uint64_t size) override {
    if (::ftruncate(fd_, static_cast<off_t>(size)) != 0) return os_error(path_, errno);
    if (::lseek(fd_, static_cast<off_t>(size), SEEK_SET) < 0) return os_error(path_, errno);
    size_ = size;
    return {};
  }

  uint64_t size() const override { return size_; }
  const std::string& path() const override { return path_; }

 private:
  const std::string path_;
  const int fd_;
  uint64_t size_;
};

class PosixMappedFile final : public MappedFile {
 public:
  PosixMappedFile(std::string path, void* addr, size_t size) : path_(std::move(path)), addr_(addr), size_(size) {}
  ~PosixMappedFile() override {
    if (size_ > 0) ::munmap(addr_, size_);
  }
  std::span<const uint8_t> bytes() const override { return {static_cast<const uint8_t*>(addr_), size_}; }
  const std::string& path() const override { return path_; }
  void release_before(uint64_t end) const override {
    const uint64_t page = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
    // The whole file, its last partial page too; else whole pages only.
    end = end >= size_ ? (size_ + page - 1) / page * page : end / page * page;
    if (end > 0) ::madvise(addr_, end, MADV_DONTNEED);  // file-backed: re-read on access
  }

 private:
  const std::string path_;
  void* const addr_;
  const size_t size_;
};

class PosixFileLock final : public FileLock {
 public:
  explicit PosixFileLock(int fd) : fd_(fd) {}
  ~PosixFileLock() override { ::close(fd_); }  // releases the flock

 private:
  const int fd_;
};

class PosixFileSystem final : public FileSystem {
 public:
  Result<std::unique_ptr<WritableFile>> open_append(const std::string& path) override {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return os_error(path, errno);
    const off_t end = ::lseek(fd, 0, SEEK_END);
    if (end < 0) {
      const int err = errno;
      ::close(fd);
      return os_error(path, err);
    }
    return std::unique_ptr<WritableFile>(std::make_unique<PosixWritableFile>(path, fd, static_cast<uint64_t>(end)));
  }

  Result<std::shared_ptr<const MappedFile>> map(const std::string& path) override {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return os_error(path, errno);
    struct stat st{};
    if (::fstat(fd, &st) != 0) {
      const int err = errno;
      ::close(fd);
      return os_error(path, err);
    }
    const auto size = static_cast<size_t>(st.st_size);
    void* addr = nullptr;
    if (size > 0) {
      addr = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
      if (addr == MAP_FAILED) {
        const int err = errno;
        ::close(fd);
        return os_error(path, err);
      }
    }
    ::close(fd);  // the mapping keeps the file
    return std::shared_ptr<const MappedFile>(std::make_shared<PosixMappedFile>(path, addr, size));
  }

  Status create_dirs(const std::string& dir) override {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return fs_error(dir, ec);
    return {};
  }

  Result<std::vector<std::string>> list(const std::string& dir) override {
    std::error_code ec;
    std::vector<std::string> names;
    for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      names.push_back(it->path().filename().string());
    }
    if (ec) return fs_error(dir, ec);
    std::sort(names.begin(), names.end());
    return names;
  }

  Status rename(const std::string& from, const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0) return os_error(from, errno);
    return {};
  }

  Status remove_all(const std::string& path) override {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
    if (ec) return fs_error(path, ec);
    return {};
  }

  Status sync_dir(const std::string& dir) override {
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return os_error(dir, errno);
    const int rc = ::fsync(fd);
    const int err = errno;
    ::close(fd);
    if (rc != 0) return os_error(dir, err);
    return {};
  }

  bool exists(const std::string& path) override {
    std::error_code ec;
    return std::filesystem::exists(path, ec);
  }

  Result<std::unique_ptr<FileLock>> lock(const std::string& path) override {
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return os_error(path, errno);
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      const int err = errno;
      ::close(fd);
      if (err == EWOULDBLOCK) {
        return make_error(ErrorCode::kUnavailable, path + ": held by another process (is another cogwatch running on this directory?)");
      }
      return os_error(path, err);
    }
    // The holder's pid, for whoever finds the directory locked.
    const std::string pid = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) < 0) {
      // Only informative: the lock is what counts.
    }
    return std::unique_ptr<FileLock>(std::make_unique<PosixFileLock>(fd));
  }
};

}  // namespace

Status write_file_atomically(FileSystem& fs, const std::string& path, std::span<const uint8_t> bytes) {
  const std::string tmp = path + ".tmp";
  Status written = [&]() -> Status {
    auto f = fs.open_append(tmp);
    if (!f) return f.error();
    if (auto s = (*f)->truncate(0); !s) return s;
    if (auto s = (*f)->append(bytes); !s) return s;
    return (*f)->sync();
  }();
  if (written) written = fs.rename(tmp, path);
  if (!written) {
    (void)fs.remove_all(tmp);
    return written;
  }
  const size_t slash = path.rfind('/');
  return fs.sync_dir(slash == std::string::npos ? "." : path.substr(0, std::max<size_t>(slash, 1)));
}

FileSystem& FileSystem::posix() {
  static PosixFileSystem fs;
  return fs;
}

}  // namespace cogwatch::tsdb
