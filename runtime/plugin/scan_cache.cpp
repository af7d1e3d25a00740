#include "plugin/scan_cache.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include <trainkit/sdk/atomic_file.hpp>
#include <trainkit/sdk/json.hpp>

#include "core/error.h"
#include "trainkit/abi.h"

namespace trainkit {
namespace {

// A cache holds a few dozen entries; these bounds only keep a damaged or hostile file cheap to ignore.
constexpr size_t kMaxCacheBytes = 8u << 20;
constexpr size_t kMaxEntries = 4096;

int64_t nanoseconds(const struct timespec& t) { return static_cast<int64_t>(t.tv_sec) * 1000000000 + t.tv_nsec; }

std::optional<std::string> read_small_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) return std::nullopt;
  struct stat st {};
  std::optional<std::string> text;
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && static_cast<uint64_t>(st.st_size) <= kMaxCacheBytes) {
    std::string bytes(static_cast<size_t>(st.st_size), '\0');
    size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = ::read(fd, &bytes[done], bytes.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      done += static_cast<size_t>(n);
    }
    if (done == bytes.size()) text = std::move(bytes);
  }
  ::close(fd);
  return text;
}

// mkdir -p with mode 0700 for what it creates (the XDG base directory spec's mode for cache folders).
bool make_private_dirs(const std::string& dir) {
  for (size_t slash = dir.find('/', 1);; slash = dir.find('/', slash + 1)) {
    const std::string part = slash == std::string::npos ? dir : dir.substr(0, slash);
    if (::mkdir(part.c_str(), 0700) != 0 && errno != EEXIST) return false;
    if (slash == std::string::npos) return true;
  }
}

tk::json::Value to_json(const FileStamp& s, const ScanVerdict& v) {
  tk::json::Value e = tk::json::Value::object();
  e.set("path", s.path);
  e.set("size", static_cast<int64_t>(s.size));
  e.set("inode", static_cast<int64_t>(s.inode));
  e.set("device", static_cast<int64_t>(s.device));
  e.set("mtime_ns", s.mtime_ns);
  e.set("ctime_ns", s.ctime_ns);
  e.set("passed", v.passed);
  e.set("reason", v.reason);
  return e;
}

// Throws tk::Error for a field that is missing or of another type.
const tk::json::Value& field(const tk::json::Value& object, const char* name) {
  const tk::json::Value* value = object.find(name);
  if (value == nullptr) throw tk::Error(TK_ERR_INVALID, "no ", name);
  return *value;
}

}  // namespace

std::optional<FileStamp> stamp_of(const std::string& real_path) {
  struct stat st {};
  if (::stat(real_path.c_str(), &st) != 0) return std::nullopt;
  FileStamp s;
  s.path = real_path;
  s.size = static_cast<uint64_t>(st.st_size);
  s.inode = static_cast<uint64_t>(st.st_ino);
  s.device = static_cast<uint64_t>(st.st_dev);
  s.mtime_ns = nanoseconds(st.st_mtim);
  s.ctime_ns = nanoseconds(st.st_ctim);
  return s;
}

std::string default_scan_cache_file() {
  const char* xdg = ::secure_getenv("XDG_CACHE_HOME");
  if (xdg != nullptr && xdg[0] == '/') return std::string(xdg) + "/trainkit/plugin-scan.json";
  const char* home = ::secure_getenv("HOME");
  if (home != nullptr && home[0] == '/') return std::string(home) + "/.cache/trainkit/plugin-scan.json";
  return "";
}

std::string scan_identity(const std::string& scanner_path) {
  const std::optional<FileStamp> scanner = stamp_of(scanner_path);
  return str_cat("trainkit ", TRAINKIT_VERSION, ", ABI ", TK_ABI_MAJOR, ".", TK_ABI_MINOR, ", scanner ", scanner_path,
                 " ", scanner ? scanner->size : 0, " ", scanner ? scanner->mtime_ns : 0);
}

ScanCache::ScanCache(std::string file, std::string identity) : file_(std::move(file)), identity_(std::move(identity)) {
  if (!file_.empty()) read();
}

void ScanCache::read() {
  std::optional<std::string> text = read_small_file(file_);
  if (!text) return;
  try {
    const tk::json::Value doc = tk::json::parse(*text);
    if (!doc.is_object() || field(doc, "identity").as_string() != identity_) return;
    const tk::json::Value& files = field(doc, "files");
    if (!files.is_array()) return;
    std::map<std::string, Entry> entries;
    for (size_t i = 0; i < files.size() && i < kMaxEntries; ++i) {
      const tk::json::Value& e = files.at(i);
      if (!e.is_object()) return;
      Entry entry;
      entry.stamp.path = field(e, "path").as_string();
      entry.stamp.size = static_cast<uint64_t>(field(e, "size").as_int());
      entry.stamp.inode = static_cast<uint64_t>(field(e, "inode").as_int());
      entry.stamp.device = static_cast<uint64_t>(field(e, "device").as_int());
      entry.stamp.mtime_ns = field(e, "mtime_ns").as_int();
      entry.stamp.ctime_ns = field(e, "ctime_ns").as_int();
      entry.verdict.passed = field(e, "passed").as_bool();
      entry.verdict.reason = field(e, "reason").as_string();
      entries[entry.stamp.path] = std::move(entry);
    }
    entries_ = std::move(entries);
  } catch (const std::exception&) {
    // A damaged cache is as good as none: every file is scanned again and the cache rewritten.
  }
}

std::optional<ScanVerdict> ScanCache::find(const FileStamp& stamp) const {
  auto it = entries_.find(stamp.path);
  if (it == entries_.end() || !(it->second.stamp == stamp)) return std::nullopt;
  used_.insert(stamp.path);
  return it->second.verdict;
}

void ScanCache::put(const FileStamp& stamp, ScanVerdict verdict) {
  entries_[stamp.path] = Entry{stamp, std::move(verdict)};
  used_.insert(stamp.path);
  changed_ = true;
}

void ScanCache::save() noexcept {
  if (!changed_ || file_.empty()) return;
  try {
    // Trimmed to the bound by dropping entries this process did not use; those are files of other runs.
    for (auto it = entries_.begin(); it != entries_.end() && entries_.size() > kMaxEntries;)
      it = used_.count(it->first) ? std::next(it) : entries_.erase(it);
    tk::json::Value files = tk::json::Value::array();
    for (const auto& [path, entry] : entries_) files.push_back(to_json(entry.stamp, entry.verdict));
    tk::json::Value doc = tk::json::Value::object();
    doc.set("identity", identity_);
    doc.set("files", std::move(files));
    const std::string dir = file_.substr(0, file_.find_last_of('/'));
    if (!make_private_dirs(dir)) return;
    tk::write_file_atomically(file_, tk::json::dump(doc, 1) + "\n");
    changed_ = false;
  } catch (...) {
    // Not an error: the next start scans again.
  }
}

}  // namespace trainkit
