#include "fake_snapshot_service.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include <trainkit/sdk/atomic_file.hpp>
#include <trainkit/sdk/error.hpp>

// The host owns what a captured snapshot is; plugins only ever hold the pointer.
struct tk_snapshot {
  std::string content, target, format;  // target and format only for the WriteRecord of its write
};

// A fake writer process: a fork()ed child of the test that writes what its socket brings (the fake's state is
// text, so the request carries it), with the fake's steering as it was at the fork.
struct tk_snapshot_writer {
  pid_t pid = -1;
  int socket = -1;  // requests go out, answers come back
};

namespace tk_test {

std::string FakeSnapshots::content(int64_t iteration, const std::string& target, const std::string& format) {
  return "tkfake-snapshot\ntarget=" + target + "\nformat=" + format + "\niteration=" + std::to_string(iteration) +
         "\nend\n";
}

namespace {

// FakeHost keeps itself in host_data; every host this service is offered by is a SnapshotHost.
FakeSnapshots& snapshots_of(const tk_host* h) {
  return static_cast<SnapshotHost&>(*const_cast<FakeHost*>(static_cast<const FakeHost*>(h->host_data))).snapshots;
}

tk_status fail(tk_error* err, tk_status code, const std::string& message) {
  std::snprintf(err->message, sizeof err->message, "%s", message.c_str());
  err->code = code;
  return code;
}

tk_status refuse_unless_streaming(const FakeSnapshots& s, tk_error* err) {
  return s.write_now_only ? fail(err, TK_ERR_INTERNAL, "this test host offers only write_now") : TK_OK;
}

void raise_max(std::atomic<int>& max, int value) {
  for (int seen = max.load(); value > seen && !max.compare_exchange_weak(seen, value);) {
  }
}

std::string base_name(const std::string& path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string dir_name(const std::string& path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

// Runs inside a C callback: an exception must not escape, so an unreadable folder lists as empty.
Strings visible_files(const std::string& dir) {
  try {
    return list_dir(dir);
  } catch (...) {
    return {};
  }
}

// An exclusive file in guard_dir while a write runs: catches overlapping writes across forked children too.
class OverlapGuard {
 public:
  explicit OverlapGuard(const std::string& guard_dir) {
    if (guard_dir.empty()) return;
    path_ = guard_dir + "/in_flight";
    fd_ = ::open(path_.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
  }
  ~OverlapGuard() { release(); }
  bool overlapped() const { return !path_.empty() && fd_ < 0; }
  void release() {
    if (fd_ < 0) return;
    ::close(fd_);
    ::unlink(path_.c_str());
    fd_ = -1;
  }

 private:
  std::string path_;
  int fd_ = -1;
};

// One write to disk, shared by write and write_now: waits, checks for overlap, runs the hook, records the
// folder, then temp file + rename (or the chosen failure), and maybe "crashes" right after the commit.
tk_status write_file(FakeSnapshots& s, const std::string& content, const char* path, const char* target,
                     const char* format, tk_error* err) {
  raise_max(s.max_in_flight, ++s.in_flight);
  struct Leave {
    FakeSnapshots& s;
    ~Leave() { --s.in_flight; }
  } leave{s};
  {
    std::lock_guard<std::mutex> lock(s.mutex);
    s.write_threads.insert(std::this_thread::get_id());
  }
  OverlapGuard guard(s.guard_dir);
  if (guard.overlapped()) return fail(err, TK_ERR_IO, "two writes at once (" + std::string(path) + ")");
  std::this_thread::sleep_for(std::chrono::milliseconds(s.write_delay_ms.load()));

  WriteRecord record{base_name(path), target, format, {}, false};
  if (s.while_writing) s.while_writing();
  record.dir_before = visible_files(dir_name(path));
  tk_status status = TK_OK;
  if (s.fail_write.count(record.name) != 0) {
    status = fail(err, TK_ERR_IO, "no space left on device (fake) writing " + record.name);
  } else {
    try {
      tk::write_file_atomically(path, content);
    } catch (const tk::Error& e) {
      status = fail(err, e.code(), e.what());
    }
  }
  guard.release();
  if (status == TK_OK && record.name == s.exit_after_write) ::_exit(FakeSnapshots::kCrashExitCode);
  record.ok = status == TK_OK;
  std::lock_guard<std::mutex> lock(s.mutex);
  s.written.push_back(std::move(record));
  return status;
}

// Like trainkit's verify: header and end marker checked; a file without trainer/iteration (target "model")
// is valid with iteration -1.
tk_status verify_file(FakeSnapshots& s, const char* path, int64_t* iteration, tk_error* err) {
  std::string name = base_name(path);
  {
    std::lock_guard<std::mutex> lock(s.mutex);
    s.verified.push_back(name);
  }
  auto chosen = s.fail_verify.find(name);
  if (chosen != s.fail_verify.end()) return fail(err, TK_ERR_IO, chosen->second);
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(err, TK_ERR_IO, "cannot open");
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  if (text.rfind("tkfake-snapshot\n", 0) != 0) return fail(err, TK_ERR_IO, "not a trainkit snapshot");
  if (text.size() < 4 || text.compare(text.size() - 4, 4, "end\n") != 0) return fail(err, TK_ERR_IO, "truncated");
  size_t at = text.find("\niteration=");
  *iteration = at == std::string::npos ? -1 : std::stoll(text.substr(at + 11));
  return TK_OK;
}

// Length-prefixed strings over a socket (no SIGPIPE); false when the other end is gone.
bool put_text(int fd, const std::string& text) {
  const uint64_t size = text.size();
  std::string bytes(reinterpret_cast<const char*>(&size), sizeof size);
  bytes += text;
  for (size_t done = 0; done < bytes.size();) {
    ssize_t n = ::send(fd, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

bool read_all(int fd, char* to, size_t size) {
  for (size_t done = 0; done < size;) {
    ssize_t n = ::read(fd, to + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

bool get_text(int fd, std::string& text) {
  uint64_t size = 0;
  if (!read_all(fd, reinterpret_cast<char*>(&size), sizeof size)) return false;
  text.resize(size);
  return read_all(fd, text.data(), size);
}

// A request: the copy, the path, and the steering as it is at the send (the child's memory is as it was at
// its fork, and tests steer after the plugin started its writer).
std::vector<std::string> request_of(const FakeSnapshots& s, const tk_snapshot& snapshot, const std::string& path) {
  std::string fail = s.fail_write.count(base_name(path)) != 0 ? "fail" : "";
  return {snapshot.content, path, snapshot.target, snapshot.format, std::to_string(s.write_delay_ms.load()),
          s.guard_dir, s.exit_after_write, fail};
}

// The child: one answer ("" or the error) per request, until EOF.
[[noreturn]] void serve_writes(FakeSnapshots& s, int socket) {
  for (;;) {
    std::vector<std::string> r(8);
    for (std::string& part : r)
      if (!get_text(socket, part)) ::_exit(0);
    const std::string &content = r[0], &path = r[1], &target = r[2], &format = r[3];
    s.write_delay_ms = std::stoi(r[4]);
    s.guard_dir = r[5];
    s.exit_after_write = r[6];
    s.fail_write.clear();
    if (!r[7].empty()) s.fail_write.insert(base_name(path));
    ++s.writes;
    tk_error err{sizeof(tk_error), TK_OK, {0}};
    tk_status status = write_file(s, content, path.c_str(), target.c_str(), format.c_str(), &err);
    if (!put_text(socket, status == TK_OK ? std::string() : std::string(err.message))) ::_exit(0);
  }
}

const tk_snapshot_service kSnapshots = {
    sizeof(tk_snapshot_service),
    // capture
    [](const tk_host* h, const char* target, const char* format, tk_snapshot** out, tk_error* err) -> tk_status {
      FakeSnapshots& s = snapshots_of(h);
      if (tk_status refused = refuse_unless_streaming(s, err)) return refused;
      ++s.captures;
      raise_max(s.max_outstanding, ++s.outstanding);
      {
        std::lock_guard<std::mutex> lock(s.mutex);
        s.capture_threads.insert(std::this_thread::get_id());
        s.captured_targets.push_back(std::string(target) + "/" + format);
      }
      *out = new tk_snapshot{FakeSnapshots::content(s.live_iteration.load(), target, format), target, format};
      return TK_OK;
    },
    // write
    [](const tk_host* h, const tk_snapshot* snapshot, const char* path, tk_error* err) -> tk_status {
      FakeSnapshots& s = snapshots_of(h);
      if (tk_status refused = refuse_unless_streaming(s, err)) return refused;
      ++s.writes;
      return write_file(s, snapshot->content, path, snapshot->target.c_str(), snapshot->format.c_str(), err);
    },
    // release
    [](const tk_host* h, tk_snapshot* snapshot) {
      FakeSnapshots& s = snapshots_of(h);
      ++s.releases;
      --s.outstanding;
      delete snapshot;
    },
    // write_now
    [](const tk_host* h, const char* target, const char* format, const char* path, tk_error* err) -> tk_status {
      FakeSnapshots& s = snapshots_of(h);
      ++s.write_nows;
      {
        std::lock_guard<std::mutex> lock(s.mutex);
        s.captured_targets.push_back(std::string(target) + "/" + format);
      }
      return write_file(s, FakeSnapshots::content(s.live_iteration.load(), target, format), path, target, format,
                        err);
    },
    // verify
    [](const tk_host* h, const char* path, int64_t* iteration, tk_error* err) -> tk_status {
      FakeSnapshots& s = snapshots_of(h);
      if (tk_status refused = refuse_unless_streaming(s, err)) return refused;
      ++s.verifies;
      return verify_file(s, path, iteration, err);
    },
    // start_writer
    [](const tk_host* h, tk_snapshot_writer** out, tk_error* err) -> tk_status {
      FakeSnapshots& s = snapshots_of(h);
      if (tk_status refused = refuse_unless_streaming(s, err)) return refused;
      if (!s.writer_missing.empty()) return fail(err, TK_ERR_IO, "cannot start the snapshot writer " + s.writer_missing);
      int ends[2];
      if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends) != 0) return fail(err, TK_ERR_IO, "socketpair");
      pid_t pid = ::fork();
      if (pid == 0) {
        ::close(ends[0]);
        serve_writes(s, ends[1]);
      }
      ::close(ends[1]);
      ++s.writers_started;
      *out = new tk_snapshot_writer{pid, ends[0]};
      return TK_OK;
    },
    // writer_send
    [](const tk_host* h, tk_snapshot_writer* w, const tk_snapshot* snapshot, const char* path, tk_error* err) -> tk_status {
      for (const std::string& text : request_of(snapshots_of(h), *snapshot, path))
        if (!put_text(w->socket, text)) return fail(err, TK_ERR_IO, "the fake writer process has ended");
      return TK_OK;
    },
    // writer_result
    [](const tk_host*, tk_snapshot_writer* w, tk_error* err) -> tk_status {
      std::string answer;
      if (!get_text(w->socket, answer)) return fail(err, TK_ERR_IO, "the fake writer process has ended");
      return answer.empty() ? TK_OK : fail(err, TK_ERR_IO, answer);
    },
    // stop_writer
    [](const tk_host*, tk_snapshot_writer* w) {
      ::close(w->socket);
      int status = 0;
      while (::waitpid(w->pid, &status, 0) < 0 && errno == EINTR) {
      }
      delete w;
    }};

}  // namespace

SnapshotHost::SnapshotHost() { base_services_ = chain_services(&SnapshotHost::get_service); }

const void* SnapshotHost::get_service(const tk_host* h, const char* id) {
  auto& host = static_cast<const SnapshotHost&>(*static_cast<const FakeHost*>(h->host_data));
  if (std::strcmp(id, TK_SERVICE_SNAPSHOT) == 0) return host.offer_snapshot_service ? &kSnapshots : nullptr;
  return host.base_services_(h, id);
}

}  // namespace tk_test
