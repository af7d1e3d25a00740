#include "state/atomic_replace.h"

#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstring>

#include "core/error.h"

namespace trainkit::state {
namespace {

// A fixed-capacity string in caller-owned memory: no allocation, so usable after fork().
class PathBuf {
 public:
  explicit PathBuf(char (&text)[kMaxReplacePathBytes]) : text_(text) { text_[0] = '\0'; }
  void append(const char* s, size_t n) {
    if (len_ + n >= kMaxReplacePathBytes) {
      overflow_ = true;
      return;
    }
    std::memcpy(text_ + len_, s, n);
    len_ += n;
    text_[len_] = '\0';
  }
  void append(const char* s) { append(s, std::strlen(s)); }
  void append_hex(uint64_t v) {
    char digits[16];
    for (int i = 15; i >= 0; --i, v >>= 4) digits[i] = "0123456789abcdef"[v & 0xf];
    append(digits, 16);
  }
  void append_dec(uint64_t v) {
    char digits[20];
    int n = 0;
    do {
      digits[19 - n++] = static_cast<char>('0' + v % 10);
      v /= 10;
    } while (v != 0);
    append(digits + 20 - n, static_cast<size_t>(n));
  }
  bool overflow() const { return overflow_; }

 private:
  char* text_;
  size_t len_ = 0;
  bool overflow_ = false;
};

bool fail(ReplaceFailure* failure, const char* step, int error, const char* path) {
  if (failure != nullptr) {
    failure->step = step;
    failure->error = error;
    size_t n = std::strlen(path);
    if (n >= sizeof(failure->path)) n = sizeof(failure->path) - 1;
    std::memcpy(failure->path, path, n);
    failure->path[n] = '\0';
  }
  return false;
}

// 64 bits that differ between calls and processes: /dev/urandom, else the clock mixed with a counter.
uint64_t random_bits() {
  uint64_t bits = 0;
  int fd = ::open("/dev/urandom", O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    ssize_t n = ::read(fd, &bits, sizeof bits);
    ::close(fd);
    if (n == static_cast<ssize_t>(sizeof bits)) return bits;
  }
  static uint64_t counter = 0;
  struct timespec ts {};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_nsec) * 0x9E3779B97F4A7C15ull ^ static_cast<uint64_t>(ts.tv_sec) ^ ++counter;
}

// 0, or the errno of the failed write (EIO for a write that makes no progress).
int write_all(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno;
    if (n == 0) return EIO;
    data += n;
    size -= static_cast<size_t>(n);
  }
  return 0;
}

}  // namespace

bool is_temp_file_name(const std::string& name) {
  const std::string prefix = ".tmp.";
  if (name.compare(0, prefix.size(), prefix) != 0) return false;
  const size_t last_dot = name.rfind('.');
  if (last_dot == std::string::npos || last_dot < prefix.size() + 1) return false;  // ".tmp.<name>." at least
  const std::string tail = name.substr(last_dot + 1);
  auto all = [&](const std::string& s, auto pred) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [&](char c) { return pred(static_cast<unsigned char>(c)); });
  };
  if (tail.size() == 6 && all(tail, ::isalnum)) return true;  // the SDK's mkostemp suffix
  if (tail.size() != 16 || !all(tail, [](unsigned char c) { return std::isdigit(c) || (c >= 'a' && c <= 'f'); }))
    return false;
  const size_t pid_dot = name.rfind('.', last_dot - 1);
  if (pid_dot == std::string::npos || pid_dot < prefix.size() + 1) return false;
  return all(name.substr(pid_dot + 1, last_dot - pid_dot - 1), ::isdigit);
}

bool folder_sync_unsupported(int error) noexcept { return error == EINVAL || error == ENOTSUP; }

std::string describe(const ReplaceFailure& failure, const std::string& target) {
  std::string what = str_cat("cannot ", failure.step, " '", failure.path, "'");
  if (target != failure.path) what += str_cat(" (writing '", target, "')");
  return str_cat(what, ": ", std::strerror(failure.error));
}

bool AtomicReplacement::begin(const char* target, ReplaceFailure* failure) noexcept {
  if (fd_ >= 0 || pending_) return fail(failure, "create", EBUSY, target);  // begin() twice: a bug, not fatal here
  const char* slash = std::strrchr(target, '/');
  const char* base = slash == nullptr ? target : slash + 1;
  if (*base == '\0') return fail(failure, "create", EISDIR, target);
  PathBuf target_buf(target_), folder(folder_);
  target_buf.append(target);
  if (slash == nullptr)
    folder.append(".");
  else if (slash == target)
    folder.append("/");
  else
    folder.append(target, static_cast<size_t>(slash - target));
  if (target_buf.overflow() || folder.overflow()) return fail(failure, "create", ENAMETOOLONG, target);

  for (int attempt = 0; attempt < 16; ++attempt) {
    PathBuf temp(temp_);
    temp.append(target, static_cast<size_t>(base - target));
    temp.append(".tmp.");
    temp.append(base);
    temp.append(".");
    temp.append_dec(static_cast<uint64_t>(::getpid()));
    temp.append(".");
    temp.append_hex(random_bits());
    if (temp.overflow()) return fail(failure, "create", ENAMETOOLONG, target);
    fd_ = ::open(temp_, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd_ >= 0) {
      pending_ = true;
      return true;
    }
    if (errno != EEXIST) return fail(failure, "create", errno, temp_);
  }
  return fail(failure, "create", EEXIST, temp_);
}

bool AtomicReplacement::commit(ReplaceFailure* failure) noexcept {
  if (fd_ < 0 || !pending_) return fail(failure, "rename", EBADF, target_);  // no begin(), or commit() twice
  if (::fsync(fd_) != 0) {
    int error = errno;
    abort();
    return fail(failure, "fsync", error, temp_);
  }
  ::posix_fadvise(fd_, 0, 0, POSIX_FADV_DONTNEED);  // Note [Written files leave the page cache]
  int rc = ::close(fd_);
  int error = errno;
  fd_ = -1;
  if (rc != 0) {
    abort();
    return fail(failure, "close", error, temp_);
  }
  if (::rename(temp_, target_) != 0) {
    error = errno;
    abort();
    return fail(failure, "rename", error, target_);
  }
  pending_ = false;

  int folder_fd = ::open(folder_, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (folder_fd < 0) return fail(failure, "open folder", errno, folder_);
  rc = ::fsync(folder_fd);
  error = errno;
  ::close(folder_fd);
  if (rc != 0 && !folder_sync_unsupported(error)) return fail(failure, "fsync folder", error, folder_);
  return true;
}

void AtomicReplacement::abort() noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (pending_) ::unlink(temp_);
  pending_ = false;
}

bool replace_file_raw(const char* target, const void* data, size_t size, ReplaceFailure* failure) noexcept {
  AtomicReplacement file;
  if (!file.begin(target, failure)) return false;
  if (int error = write_all(file.fd(), static_cast<const char*>(data), size); error != 0) {
    fail(failure, "write", error, file.temp_path());
    return false;  // the destructor removes the temp file
  }
  return file.commit(failure);
}

void replace_file(const std::string& target, const void* data, size_t size) {
  ReplaceFailure failure;
  if (!replace_file_raw(target.c_str(), data, size, &failure)) throw TrainingError(describe(failure, target));
}

}  // namespace trainkit::state
