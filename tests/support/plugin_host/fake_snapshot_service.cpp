#include "fake_snapshot_service.h"

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include <trainkit/sdk/atomic_file.hpp>
#include <trainkit/sdk/error.hpp>

// The host owns what a captured snapshot is; plugins only ever hold the pointer.
struct tk_snapshot {
  std::string content, target, format;  // target and format only for the WriteRecord of its write
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
    }};

}  // namespace

SnapshotHost::SnapshotHost() { base_services_ = chain_services(&SnapshotHost::get_service); }

const void* SnapshotHost::get_service(const tk_host* h, const char* id) {
  auto& host = static_cast<const SnapshotHost&>(*static_cast<const FakeHost*>(h->host_data));
  if (std::strcmp(id, TK_SERVICE_SNAPSHOT) == 0) return host.offer_snapshot_service ? &kSnapshots : nullptr;
  return host.base_services_(h, id);
}

}  // namespace tk_test
