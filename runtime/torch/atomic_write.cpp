#include "torch/atomic_write.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

#include "core/error.h"

namespace trainkit {
namespace {

constexpr size_t kMaxPath = 4096;

// A fixed-capacity string on the stack: no allocation, so usable after fork().
struct PathBuf {
  char text[kMaxPath];
  size_t len = 0;
  bool overflow = false;

  void append(const char* s, size_t n) {
    if (len + n >= kMaxPath) {
      overflow = true;
      return;
    }
    std::memcpy(text + len, s, n);
    len += n;
    text[len] = '\0';
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
};

bool fail(AtomicWriteFailure* failure, const char* step, int error, const char* path) {
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
  bits = static_cast<uint64_t>(ts.tv_nsec) * 0x9E3779B97F4A7C15ull ^ static_cast<uint64_t>(ts.tv_sec) ^ ++counter;
  return bits;
}

bool write_all(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

bool write_file_atomically_raw(const char* path, const void* data, size_t size, AtomicWriteFailure* failure) noexcept {
  const char* slash = std::strrchr(path, '/');
  PathBuf dir;
  if (slash == nullptr)
    dir.append(".");
  else if (slash == path)
    dir.append("/");
  else
    dir.append(path, static_cast<size_t>(slash - path));
  const char* base = slash == nullptr ? path : slash + 1;
  if (*base == '\0') return fail(failure, "create", EISDIR, path);

  PathBuf tmp;
  int fd = -1;
  for (int attempt = 0; attempt < 16 && fd < 0; ++attempt) {
    tmp = PathBuf{};
    if (slash != nullptr) tmp.append(path, static_cast<size_t>(base - path));
    tmp.append(".tmp.");
    tmp.append(base);
    tmp.append(".");
    tmp.append_dec(static_cast<uint64_t>(::getpid()));
    tmp.append(".");
    tmp.append_hex(random_bits());
    if (tmp.overflow || dir.overflow) return fail(failure, "create", ENAMETOOLONG, path);
    fd = ::open(tmp.text, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0 && errno != EEXIST) return fail(failure, "create", errno, tmp.text);
  }
  if (fd < 0) return fail(failure, "create", EEXIST, tmp.text);

  const char* step = nullptr;
  int error = 0;
  if (!write_all(fd, static_cast<const char*>(data), size)) {
    step = "write";
  } else if (::fsync(fd) != 0) {
    step = "fsync";
  }
  error = errno;
  if (::close(fd) != 0 && step == nullptr) {
    step = "close";
    error = errno;
  }
  if (step == nullptr && ::rename(tmp.text, path) != 0) {
    step = "rename";
    error = errno;
  }
  if (step != nullptr) {
    ::unlink(tmp.text);
    return fail(failure, step, error, std::strcmp(step, "rename") == 0 ? path : tmp.text);
  }

  int dir_fd = ::open(dir.text, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) return fail(failure, "open folder", errno, dir.text);
  int rc = ::fsync(dir_fd);
  error = errno;
  ::close(dir_fd);
  // Some file systems cannot fsync a folder; the data itself is durable then.
  if (rc != 0 && error != EINVAL && error != ENOTSUP) return fail(failure, "fsync folder", error, dir.text);
  return true;
}

void write_bytes_atomically(const std::string& path, const void* data, size_t size) {
  AtomicWriteFailure failure;
  if (!write_file_atomically_raw(path.c_str(), data, size, &failure))
    throw TrainingError(str_cat("cannot ", failure.step, " '", failure.path, "' (writing '", path,
                                "'): ", std::strerror(failure.error)));
}

}  // namespace trainkit
