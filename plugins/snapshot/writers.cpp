#include "writers.hpp"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <optional>
#include <system_error>
#include <thread>
#include <utility>

#include <trainkit/sdk/error.hpp>

namespace snapshot_plugin {

WriterKind parse_writer(const std::string& name) {
  if (name == "simple") return WriterKind::simple;
  if (name == "thread") return WriterKind::thread;
  if (name == "process") return WriterKind::process;
  if (name == "thread_queue") return WriterKind::thread_queue;
  if (name == "process_queue") return WriterKind::process_queue;
  throw tk::Error(TK_ERR_INVALID,
                  "writer must be \"simple\", \"thread\", \"process\", \"thread_queue\" or \"process_queue\", got \"",
                  name, "\"");
}

namespace {

std::string errno_text(int err) { return std::generic_category().message(err); }

std::string message_of(tk_status status, const tk_error& err) {
  std::string text(err.message, strnlen(err.message, sizeof err.message));
  return text.empty() ? "write failed (status " + std::to_string(status) + ")" : text;
}

// A worker's last line of defence: a sink call that cannot even build its message must not end the process.
template <class Body>
void reporting(const Job& job, WriteSink& sink, Body&& body) noexcept {
  try {
    body();
  } catch (const std::exception& e) {
    sink.failed(job, e.what());
  } catch (...) {
    sink.failed(job, "unknown exception");
  }
}

// Writes in this process, on the calling thread, then gives the copy back.
void write_here(Job& job, WriteSink& sink) noexcept {
  reporting(job, sink, [&] {
    tk_error err{sizeof(tk_error), TK_OK, {0}};
    tk_status s = job.copy.write(job.path.c_str(), err);
    job.copy.release();
    if (s == TK_OK) sink.committed(job);
    else sink.failed(job, message_of(s, err));
  });
}

struct Child {
  pid_t pid = -1;
  int result_fd = -1;  // read end of the pipe that carries the child's error message
  int go_fd = -1;      // write end of the pipe that tells a queued child to start; -1: it starts at once
};

// Note [Keep the copy until the child exits]: the host reuses the memory of a released copy for its next
// capture. The child has its own copy-on-write view of it, so releasing at once would be correct, but the
// next capture would then write pages the child still shares and copy them one by one: the stall the
// reuse exists to avoid. Released after the child exited, the pages are the parent's alone again.
//
// Note [Writer processes fork on the main thread]: a child of a multi-threaded process holds a copy of every
// lock exactly as it was at the fork, and only the forking thread runs in it. Forked from a worker thread,
// the child can inherit a lock the main thread held at that instant (inside the host's capture, its log, a
// LibTorch op) and hang forever in write. So every child is forked on the main thread, inside the
// extension's call, where the host is between steps. process_queue children are forked when queued and wait
// for a "go" byte, which the consumer thread sends to one child at a time. While waiting, a child dies with
// the trainer (PR_SET_PDEATHSIG) instead of lingering; once writing, it finishes its file.
Child start_child(Job& job, bool wait_for_go) {
  int result[2];
  int go[2] = {-1, -1};
  if (::pipe2(result, O_CLOEXEC) != 0)
    throw tk::Error(TK_ERR_IO, "cannot create a pipe for the writer process: ", errno_text(errno));
  if (wait_for_go && ::pipe2(go, O_CLOEXEC) != 0) {
    int err = errno;
    ::close(result[0]);
    ::close(result[1]);
    throw tk::Error(TK_ERR_IO, "cannot create a pipe for the writer process: ", errno_text(err));
  }
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) {
    int err = errno;
    for (int fd : {result[0], result[1], go[0], go[1]})
      if (fd >= 0) ::close(fd);
    throw tk::Error(TK_ERR_IO, "cannot start a writer process: ", errno_text(err));
  }
  if (pid == 0) {
    // Only the forking thread exists here: wait for the turn, write, report, leave. No allocation, no
    // exceptions, no atexit handlers.
    ::close(result[0]);
    if (wait_for_go) {
      ::close(go[1]);
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(2);
      char token = 0;
      ssize_t n;
      do n = ::read(go[0], &token, 1);
      while (n < 0 && errno == EINTR);
      if (n != 1) ::_exit(3);
      ::prctl(PR_SET_PDEATHSIG, 0);
    }
    tk_error err{sizeof(tk_error), TK_OK, {0}};
    tk_status s = job.copy.write(job.path.c_str(), err);
    if (s == TK_OK) ::_exit(0);
    const char* text = err.message;
    size_t left = strnlen(err.message, sizeof err.message);
    while (left > 0) {
      ssize_t n = ::write(result[1], text, left);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      text += n;
      left -= static_cast<size_t>(n);
    }
    ::_exit(1);
  }
  ::close(result[1]);
  if (wait_for_go) ::close(go[0]);
  // Other writer processes inherit this pipe's write end, so never wait for EOF on it.
  ::fcntl(result[0], F_SETFL, O_NONBLOCK);
  // Note [Keep the copy until the child exits]: job.copy is released when the job is done with, after
  // finish_child reaped the child.
  return Child{pid, result[0], go[1]};
}

// Lets a queued child start writing.
void let_go(Child& child) noexcept {
  if (child.go_fd < 0) return;
  char token = 1;
  ssize_t n;
  do n = ::write(child.go_fd, &token, 1);
  while (n < 0 && errno == EINTR);
  ::close(child.go_fd);  // a child that missed the byte sees EOF and leaves with status 3
  child.go_fd = -1;
}

// Reaps the child and reports how its write ended.
void finish_child(Child& child, const Job& job, WriteSink& sink) noexcept {
  let_go(child);
  reporting(job, sink, [&] {
    int status = 0;
    pid_t r;
    do r = ::waitpid(child.pid, &status, 0);
    while (r < 0 && errno == EINTR);
    int wait_err = errno;
    std::string said;
    char buf[512];
    for (ssize_t n; (n = ::read(child.result_fd, buf, sizeof buf)) > 0;) said.append(buf, static_cast<size_t>(n));
    ::close(child.result_fd);
    child.result_fd = -1;
    if (r < 0) {
      sink.failed(job, "cannot wait for the writer process " + std::to_string(child.pid) + ": " + errno_text(wait_err));
    } else if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
      sink.committed(job);
    } else if (WIFEXITED(status)) {
      sink.failed(job, said.empty() ? "the writer process exited with status " + std::to_string(WEXITSTATUS(status))
                                    : said);
    } else if (WIFSIGNALED(status)) {
      sink.failed(job, "the writer process was killed by signal " + std::to_string(WTERMSIG(status)));
    } else {
      sink.failed(job, "the writer process ended with wait status " + std::to_string(status));
    }
  });
}

// ppe's ThreadWriter (StandardWriter): a new thread per snapshot, the previous one joined first.
class ThreadWriter final : public BackgroundWriter {
 public:
  explicit ThreadWriter(WriteSink& sink) : sink_(sink) {}
  ~ThreadWriter() override { drain(); }
  void make_room() override {
    if (worker_.joinable()) worker_.join();
  }
  void submit(Job job) override {
    make_room();
    worker_ = std::thread([this, job = std::move(job)]() mutable { write_here(job, sink_); });
  }
  void drain() override { make_room(); }

 private:
  WriteSink& sink_;
  std::thread worker_;
};

// ppe's ProcessWriter (StandardWriter): a child per snapshot, the previous one reaped first.
class ProcessWriter final : public BackgroundWriter {
 public:
  explicit ProcessWriter(WriteSink& sink) : sink_(sink) {}
  ~ProcessWriter() override { drain(); }
  void make_room() override {
    if (!running_) return;
    finish_child(running_->first, running_->second, sink_);
    running_.reset();
  }
  void submit(Job job) override {
    make_room();
    Child child = start_child(job, false);
    running_.emplace(child, std::move(job));
  }
  void drain() override { make_room(); }

 private:
  WriteSink& sink_;
  std::optional<std::pair<Child, Job>> running_;
};

// ppe's ThreadQueueWriter / ProcessQueueWriter with a bounded queue: one consumer, FIFO, back-pressure.
// For process_queue each entry is a child forked at submit, waiting for its turn (Note [Writer processes
// fork on the main thread]).
class QueueWriter final : public BackgroundWriter {
 public:
  QueueWriter(bool fork_each, size_t capacity, WriteSink& sink)
      : fork_each_(fork_each), capacity_(capacity), sink_(sink) {}
  ~QueueWriter() override { drain(); }

  void make_room() override {
    if (!consumer_.joinable()) {
      stopping_ = false;
      consumer_ = std::thread([this] { consume(); });
    }
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [&] { return queue_.size() < capacity_; });
  }

  void submit(Job job) override {
    make_room();
    Entry entry;
    if (fork_each_) entry.child = start_child(job, true);
    entry.job = std::move(job);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      queue_.push_back(std::move(entry));
    }
    changed_.notify_all();
  }

  void drain() override {
    if (!consumer_.joinable()) return;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    changed_.notify_all();
    consumer_.join();
  }

 private:
  struct Entry {
    Job job;
    std::optional<Child> child;  // process_queue: forked, waiting for its turn
  };

  void consume() noexcept {
    for (;;) {
      Entry entry;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        changed_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) return;  // stopping, and everything queued was written
        entry = std::move(queue_.front());
        queue_.pop_front();
      }
      changed_.notify_all();
      if (entry.child) finish_child(*entry.child, entry.job, sink_);
      else write_here(entry.job, sink_);
    }
  }

  const bool fork_each_;
  const size_t capacity_;
  WriteSink& sink_;
  std::mutex mutex_;
  std::condition_variable changed_;  // the queue grew or shrank, or stopping_ was set
  std::deque<Entry> queue_;
  bool stopping_ = false;
  std::thread consumer_;
};

}  // namespace

std::unique_ptr<BackgroundWriter> make_background_writer(WriterKind kind, size_t queue_size, WriteSink& sink) {
  switch (kind) {
    case WriterKind::thread: return std::make_unique<ThreadWriter>(sink);
    case WriterKind::process: return std::make_unique<ProcessWriter>(sink);
    case WriterKind::thread_queue: return std::make_unique<QueueWriter>(false, queue_size, sink);
    case WriterKind::process_queue: return std::make_unique<QueueWriter>(true, queue_size, sink);
    case WriterKind::simple: break;
  }
  throw tk::Error(TK_ERR_INTERNAL, "the simple writer has no background worker");
}

}  // namespace snapshot_plugin
