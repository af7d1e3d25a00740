#include "writers.hpp"

#include <condition_variable>
#include <cstdio>
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

// Tells the sink how a write ended, then gives the copy back.
void report(Job& job, WriteSink& sink, tk_status status, const tk_error& err) noexcept {
  reporting(job, sink, [&] {
    job.copy.release();
    if (status == TK_OK) sink.committed(job);
    else sink.failed(job, message_of(status, err));
  });
}

// Writes in this process, on the calling thread.
void write_here(Job& job, WriteSink& sink) noexcept {
  tk_error err{sizeof(tk_error), TK_OK, {0}};
  tk_status s = job.copy.write(job.path.c_str(), err);
  report(job, sink, s, err);
}

// Note [Writer processes]: a writer process is the host's trainkit-snapshot-writer, started with
// posix_spawn (no fork of the trainer: a fork copies the page tables of the whole trainer on the training
// thread, several times the capture for a big state). It maps the captured copy's memory, shared with it,
// and writes it with the host's own code. So the copy must stay captured until the process answered for
// it: the job (and its copy) is only let go after result(), or after the process was found dead.
// Returns false when the copy could not even be handed over (the failure is reported).
bool hand_over(tk::SnapshotWriter& writer, Job& job, WriteSink& sink) noexcept {
  try {
    writer.send(job.copy, job.path);
    return true;
  } catch (const tk::Error& e) {
    tk_error err{sizeof(tk_error), e.code(), {0}};
    std::snprintf(err.message, sizeof err.message, "%s", e.what());
    report(job, sink, e.code(), err);
    return false;
  }
}

// Waits for the answer to the job handed over last and reports it.
tk_status await_answer(tk::SnapshotWriter& writer, Job& job, WriteSink& sink) noexcept {
  tk_error err{sizeof(tk_error), TK_OK, {0}};
  tk_status s = writer.result(err);
  report(job, sink, s, err);
  return s;
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

// ppe's ProcessWriter (StandardWriter): a new process per snapshot, the previous one's answer awaited first.
// The first process starts with the writer (Note [Writer processes]); each later one at its submit.
// Note [Answers off the training thread]: a thread of the writer's waits for each answer, gives the copy
// back and stops the process, so the staging area is made warm again (StagingPool) and the process reaped
// while training goes on; make_room joins it, so a result is still known at the next snapshot.
class ProcessWriter final : public BackgroundWriter {
 public:
  ProcessWriter(const tk::SnapshotService& service, WriteSink& sink)
      : service_(service), sink_(sink), next_(service.start_writer()) {}
  ~ProcessWriter() override { drain(); }
  void make_room() override {
    if (answering_.joinable()) answering_.join();
  }
  void submit(Job job) override {
    make_room();
    tk::SnapshotWriter writer = next_ ? std::move(next_) : service_.start_writer();
    if (!hand_over(writer, job, sink_)) return;
    running_.emplace(std::move(writer), std::move(job));
    try {
      answering_ = std::thread([this] { settle(); });
    } catch (const std::system_error&) {
      settle();  // no thread to spare: wait here, since the process reads the copy until it answers
    }
  }
  void drain() override { make_room(); }

 private:
  // Reports the running write's answer, gives its copy back and stops its process (it wrote its one snapshot).
  void settle() noexcept {
    await_answer(running_->first, running_->second, sink_);
    running_.reset();
  }

  const tk::SnapshotService service_;
  WriteSink& sink_;
  tk::SnapshotWriter next_;  // started, not written with yet
  std::optional<std::pair<tk::SnapshotWriter, Job>> running_;  // handed over; answering_'s while it runs
  std::thread answering_;  // waits for running_'s answer
};

// ppe's ThreadQueueWriter / ProcessQueueWriter with a bounded queue: one consumer, FIFO, back-pressure.
// process_queue: the consumer writes through one long-lived writer process (Note [Writer processes]).
class QueueWriter final : public BackgroundWriter {
 public:
  QueueWriter(size_t capacity, WriteSink& sink, const tk::SnapshotService* processes)
      : capacity_(capacity), sink_(sink), processes_(processes) {
    if (processes_) process_ = processes_->start_writer();
  }
  ~QueueWriter() override { drain(); }

  void make_room() override {
    if (!consumer_.joinable()) {
      if (processes_ && !process_) process_ = processes_->start_writer();
      stopping_ = false;
      consumer_ = std::thread([this] { consume(); });
    }
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [&] { return queue_.size() < capacity_; });
  }

  void submit(Job job) override {
    make_room();
    {
      std::lock_guard<std::mutex> lock(mutex_);
      queue_.push_back(std::move(job));
    }
    changed_.notify_all();
  }

  // Every queued snapshot is written, the consumer joined and the writer process stopped.
  void drain() override {
    if (!consumer_.joinable()) return;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    changed_.notify_all();
    consumer_.join();
    process_.stop();
  }

 private:
  void consume() noexcept {
    for (;;) {
      std::optional<Job> job;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        changed_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) return;  // stopping, and everything queued was written
        job.emplace(std::move(queue_.front()));
        queue_.pop_front();
      }
      changed_.notify_all();
      if (processes_) write_in_process(*job);
      else write_here(*job, sink_);
    }
  }

  // After a failure the process is replaced: it may have died, and a new one costs a few milliseconds.
  void write_in_process(Job& job) noexcept {
    if (!process_) {
      try {
        process_ = processes_->start_writer();
      } catch (const std::exception& e) {
        sink_.failed(job, e.what());
        return;
      }
    }
    if (hand_over(process_, job, sink_) && await_answer(process_, job, sink_) == TK_OK) return;
    process_.stop();
  }

  const size_t capacity_;
  WriteSink& sink_;
  const tk::SnapshotService* const processes_;  // process_queue only
  tk::SnapshotWriter process_;                  // process_queue: the consumer's (the main thread's when joined)
  std::mutex mutex_;
  std::condition_variable changed_;  // the queue grew or shrank, or stopping_ was set
  std::deque<Job> queue_;
  bool stopping_ = false;
  std::thread consumer_;
};

}  // namespace

std::unique_ptr<BackgroundWriter> make_background_writer(WriterKind kind, size_t queue_size, WriteSink& sink,
                                                         const tk::SnapshotService& service) {
  switch (kind) {
    case WriterKind::thread: return std::make_unique<ThreadWriter>(sink);
    case WriterKind::process: return std::make_unique<ProcessWriter>(service, sink);
    case WriterKind::thread_queue: return std::make_unique<QueueWriter>(queue_size, sink, nullptr);
    case WriterKind::process_queue: return std::make_unique<QueueWriter>(queue_size, sink, &service);
    case WriterKind::simple: break;
  }
  throw tk::Error(TK_ERR_INTERNAL, "the simple writer has no background worker");
}

}  // namespace snapshot_plugin
