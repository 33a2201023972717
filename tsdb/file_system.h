// FileSystem: the few file operations the durable store needs (append,
// sync, truncate, rename, map for reading, lock), behind one interface so
// tests can make writes fail as a full disk does (FaultInjectingFileSystem
// in tests/tsdb). Errors are values whose message names the path and the
// system's reason ("data/wal/00000003: No space left on device").
//
//   FileSystem& fs = FileSystem::posix();
//   auto f = fs.open_append("data/wal/00000001");
//   if (!f) return f.error();
//   if (auto s = (*f)->append(bytes); !s) ...;  // nothing or all was written
//   (*f)->sync();
//
// Thread-safety: FileSystem methods may be called from any thread.
// A WritableFile is used by one thread at a time. MappedFile is immutable
// and may be shared.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "model/error.h"

namespace cogwatch::tsdb {

// A file opened for appending at its end.
class WritableFile {
 public:
  virtual ~WritableFile() = default;
  // Writes all of `bytes` at the end, or, on error, leaves the file as it
  // was (a short write is cut back), so a failed append never leaves half a
  // record behind.
  virtual Status append(std::span<const uint8_t> bytes) = 0;
  // Makes what was appended durable (fdatasync).
  virtual Status sync() = 0;
  // Cuts the file to `size` bytes.
  virtual Status truncate(uint64_t size) = 0;
  virtual uint64_t size() const = 0;
  virtual const std::string& path() const = 0;
};

// A read-only view of a whole file, mapped into memory. The mapping stays
// valid while a reference is held, even after the file is removed.
class MappedFile {
 public:
  virtual ~MappedFile() = default;
  virtual std::span<const uint8_t> bytes() const = 0;
  virtual const std::string& path() const = 0;
  // Tells the system the bytes [0, end) will not be read again, so their
  // pages need not count against the process's memory (a replay reading a
  // large file front to back). The bytes stay readable.
  virtual void release_before(uint64_t /*end*/) const {}
};

// Held while a process owns a directory; released when destroyed.
class FileLock {
 public:
  virtual ~FileLock() = default;
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;
  // The real one.
  static FileSystem& posix();

  // Opens (creating if absent) `path` for appending; existing bytes stay.
  virtual Result<std::unique_ptr<WritableFile>> open_append(const std::string& path) = 0;
  // Maps `path` for reading. An empty file maps to an empty span.
  virtual Result<std::shared_ptr<const MappedFile>> map(const std::string& path) = 0;
  // Creates `dir` and its parents if absent.
  virtual Status create_dirs(const std::string& dir) = 0;
  // Names of the entries of `dir`, sorted.
  virtual Result<std::vector<std::string>> list(const std::string& dir) = 0;
  // Atomically replaces `to` with `from`.
  virtual Status rename(const std::string& from, const std::string& to) = 0;
  // Removes a file, or a directory with everything in it. Absent is fine.
  virtual Status remove_all(const std::string& path) = 0;
  // Makes the entries of `dir` (creations, renames, removals) durable.
  virtual Status sync_dir(const std::string& dir) = 0;
  virtual bool exists(const std::string& path) = 0;
  // Takes an exclusive lock on `path` (created if absent) for this
  // process, or fails at once with kUnavailable if another holds it.
  virtual Result<std::unique_ptr<FileLock>> lock(const std::string& path) = 0;
};

// Replaces the file at `path` with `bytes` so that a crash leaves either
// the old file or the new one, never a mix: written to path + ".tmp",
// synced, renamed over `path`, and the directory synced. On error the
// temporary file is removed and `path` is as it was.
Status write_file_atomically(FileSystem& fs, const std::string& path, std::span<const uint8_t> bytes);

}  // namespace cogwatch::tsdb
