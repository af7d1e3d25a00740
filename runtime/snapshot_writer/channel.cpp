#include "snapshot_writer/channel.h"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <system_error>
#include <utility>

namespace trainkit::snapshot_writer {
namespace {

constexpr uint64_t kMaxMessage = uint64_t{1} << 30;

[[noreturn]] void fail(int err, const char* what) { throw std::system_error(err, std::generic_category(), what); }

// Reads exactly n bytes; false when the stream ended before the first of them.
bool read_exactly(int socket, char* to, size_t n) {
  size_t done = 0;
  while (done < n) {
    ssize_t got = ::recv(socket, to + done, n - done, 0);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) fail(errno, "reading a message");
    if (got == 0) {
      if (done == 0) return false;
      fail(EPIPE, "a message ended early");
    }
    done += static_cast<size_t>(got);
  }
  return true;
}

}  // namespace

void send_message(int socket, const std::string& bytes, int attach_fd) {
  const uint64_t size = bytes.size();
  char header[sizeof size];
  std::memcpy(header, &size, sizeof size);
  iovec parts[2] = {{header, sizeof header}, {const_cast<char*>(bytes.data()), bytes.size()}};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr msg{};
  msg.msg_iov = parts;
  msg.msg_iovlen = 2;
  if (attach_fd >= 0) {
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(c), &attach_fd, sizeof(int));
  }
  size_t left = sizeof header + bytes.size();
  while (left > 0) {
    ssize_t sent = ::sendmsg(socket, &msg, MSG_NOSIGNAL);
    if (sent < 0 && errno == EINTR) continue;
    if (sent < 0) fail(errno, "sending a message");
    left -= static_cast<size_t>(sent);
    msg.msg_control = nullptr;  // the descriptor went with the first byte
    msg.msg_controllen = 0;
    for (size_t skip = static_cast<size_t>(sent); skip > 0 && msg.msg_iovlen > 0;) {
      size_t part = std::min(skip, msg.msg_iov->iov_len);
      msg.msg_iov->iov_base = static_cast<char*>(msg.msg_iov->iov_base) + part;
      msg.msg_iov->iov_len -= part;
      skip -= part;
      if (msg.msg_iov->iov_len == 0) {
        ++msg.msg_iov;
        --msg.msg_iovlen;
      }
    }
  }
}

bool receive_message(int socket, std::string& bytes, int* received_fd) {
  if (received_fd) *received_fd = -1;
  uint64_t size = 0;
  char header[sizeof size];
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  iovec part{header, sizeof header};
  msghdr msg{};
  msg.msg_iov = &part;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t got;
  do got = ::recvmsg(socket, &msg, MSG_CMSG_CLOEXEC);
  while (got < 0 && errno == EINTR);
  if (got < 0) fail(errno, "reading a message");
  if (got == 0) return false;
  int fd = -1;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c))
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) std::memcpy(&fd, CMSG_DATA(c), sizeof(int));
  struct Owned {
    int fd;
    ~Owned() {
      if (fd >= 0) ::close(fd);
    }
  } owned{fd};
  if (static_cast<size_t>(got) < sizeof header && !read_exactly(socket, header + got, sizeof header - got))
    fail(EPIPE, "a message ended early");
  std::memcpy(&size, header, sizeof size);
  if (size > kMaxMessage) fail(EMSGSIZE, "reading a message");
  bytes.resize(size);
  if (size > 0 && !read_exactly(socket, bytes.data(), bytes.size())) fail(EPIPE, "a message ended early");
  if (received_fd) std::swap(*received_fd, owned.fd);
  return true;
}

}  // namespace trainkit::snapshot_writer
