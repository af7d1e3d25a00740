// trainkit plugins: remembered scan verdicts, so a second start forks no scanner for an unchanged file.
//
//   ScanCache cache(default_scan_cache_file(), scan_identity(scanner_path));
//   std::optional<FileStamp> stamp = stamp_of("/opt/plugins/snapshot.so");
//   if (auto verdict = cache.find(*stamp)) use(*verdict); else cache.put(*stamp, scan(...));
//   cache.save();   // writes only when something changed; a cache that cannot be written is no error
//
// A verdict is about one version of one file: it is kept with the file's path, size, mtime, ctime,
// inode and device, and the whole cache with an identity (trainkit's version, the ABI, the scanner
// binary), so a changed, replaced or touched file, or another trainkit, is scanned again.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>

namespace trainkit {

// Use as the key of a verdict: what stat says about one real path.
struct FileStamp {
  std::string path;  // real path
  uint64_t size = 0, inode = 0, device = 0;
  int64_t mtime_ns = 0, ctime_ns = 0;
  bool operator==(const FileStamp& o) const {
    return path == o.path && size == o.size && inode == o.inode && device == o.device && mtime_ns == o.mtime_ns &&
           ctime_ns == o.ctime_ns;
  }
};

// stat(real_path) as a stamp, or nullopt when it cannot be read.
std::optional<FileStamp> stamp_of(const std::string& real_path);

// Use for the outcome of scanning one file: passed, or refused with the reason `trainkit plugins` shows.
struct ScanVerdict {
  bool passed = false;
  std::string reason;
};

// $XDG_CACHE_HOME/trainkit/plugin-scan.json, else ~/.cache/trainkit/plugin-scan.json; "" when neither
// variable is set to an absolute path (then nothing is cached). Read with secure_getenv.
std::string default_scan_cache_file();

// What else a verdict depends on: trainkit's version, the ABI, and the scanner executable's stamp.
std::string scan_identity(const std::string& scanner_path);

// Use once per process: read at construction, written by save().
class ScanCache {
 public:
  // file "" caches nothing. A file that is missing, unreadable, damaged or of another identity is ignored.
  ScanCache(std::string file, std::string identity);

  std::optional<ScanVerdict> find(const FileStamp& stamp) const;
  void put(const FileStamp& stamp, ScanVerdict verdict);
  // Writes the cache (atomically, folders created with mode 0700) if put changed it. Never throws.
  void save() noexcept;

 private:
  struct Entry {
    FileStamp stamp;
    ScanVerdict verdict;
  };
  void read();

  std::string file_;
  std::string identity_;
  std::map<std::string, Entry> entries_;  // by real path
  mutable std::set<std::string> used_;    // paths put or found in this process: kept when the cache is trimmed
  bool changed_ = false;
};

}  // namespace trainkit
