// snapshot: Chainer's / ppe's `snapshot` extension. Each time its trigger fires (and `condition` holds) it
// writes the training state (target "trainer") or the model's parameters and buffers (target "model") to
// out/<filename> through the host's "trainkit.snapshot/1" service, keeps the newest n_retains of the files
// it wrote, and finds the newest valid snapshot to resume from. README.md lists the options and decisions.
//
// Writers: "simple" streams the live state from the main thread (write_now, no second copy); the others
// capture a copy on the main thread and write it in the background (writers.hpp). Background failures are
// reported by the next call or by finalize, never lost and never a crash.
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <system_error>
#include <tuple>
#include <vector>

#include <trainkit/sdk.hpp>
#include <trainkit/sdk/snapshot.hpp>

#include "file_list.hpp"
#include "file_template.hpp"
#include "writers.hpp"

namespace {

using snapshot_plugin::FileList;
using snapshot_plugin::FileTemplate;
using snapshot_plugin::Job;
using snapshot_plugin::WriterKind;

std::string check_mode(const std::string& mode) {
  if (mode != "default")
    throw tk::Error(TK_ERR_INVALID, "mode \"", mode,
                    "\" needs a distributed run (--nproc), which this trainkit does not offer yet; use mode = \"default\"");
  return mode;
}

int64_t check_n_retains(int64_t n) {
  if (n == -1 || n >= 1) return n;
  throw tk::Error(TK_ERR_INVALID, "n_retains must be -1 (keep every snapshot) or at least 1, got ", n);
}

int64_t check_queue_size(int64_t n) {
  if (n >= 1) return n;
  throw tk::Error(TK_ERR_INVALID, "queue_size must be at least 1 (each queued snapshot is a copy of the state in memory), got ", n);
}

int64_t check_saver_rank(int64_t r) {
  if (r >= 0) return r;
  throw tk::Error(TK_ERR_INVALID, "saver_rank must be a rank (>= 0), got ", r);
}

using Clock = std::chrono::steady_clock;
constexpr double kWaitWorthReporting = 0.001;  // seconds; shorter waits are scheduling noise

double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

std::string fixed(double seconds) {
  char text[32];
  std::snprintf(text, sizeof text, "%.4f", seconds);
  return text;
}

int64_t mtime_ns(const struct stat& st) {
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
}

class Snapshot final : public tk::Extension, private snapshot_plugin::WriteSink {
 public:
  static tk::ClassSpec spec() {
    return {"snapshot",
            "writes the training state to out/ so a run can resume (Chainer's / ppe's snapshot)",
            "1 epoch",
            TK_PRIORITY_SNAPSHOT,
            TK_EXTENSION_CALL_ON_STOP,
            {tk::option::out_file("filename", "snapshot_iter_{iteration}",
                                  "file name in out/; {iteration} and {epoch} are replaced"),
             tk::option::choice("target", "trainer", {"trainer", "model"},
                                "trainer (the whole training state, resumable) or model (parameters and buffers)"),
             tk::option::string("condition", "",
                                "observation key that must be present and non-zero for a snapshot; \"\" = always"),
             tk::option::choice("writer", "simple", {"simple", "thread", "process", "thread_queue", "process_queue"},
                                "simple (synchronous, no copy), thread, process (one write in flight), "
                                "thread_queue or process_queue (bounded queue)"),
             tk::option::integer("queue_size", "2",
                                 "thread_queue/process_queue: captured snapshots that may wait; a full queue "
                                 "blocks training"),
             tk::option::integer("n_retains", "-1",
                                 "keep the newest N files this instance wrote and delete older ones; -1 keeps all"),
             tk::option::boolean("autoload", "false",
                                 "resume from the newest valid snapshot in out/ even without --resume"),
             tk::option::boolean("snapshot_on_error", "false", "also write a snapshot when training fails"),
             tk::option::choice("format", "trainkit", {"trainkit", "torch"},
                                "trainkit (checksummed) or torch (loadable by torch.load)"),
             tk::option::integer("saver_rank", "0", "the rank that writes the snapshots"),
             tk::option::choice("mode", "default", {"default", "distributed", "sharded"},
                                "default; distributed and sharded need a distributed run (not available yet)")},
            /*state_version=*/1};
  }

  Snapshot(const tk::Config& cfg, const tk::Host& host)
      : Extension(host),
        template_(cfg.get_string("filename")),
        target_(cfg.get_choice("target")),
        condition_(cfg.get_string("condition")),
        writer_kind_(snapshot_plugin::parse_writer(cfg.get_string("writer"))),  // maps the declared choices
        queue_size_(check_queue_size(cfg.get_int("queue_size"))),
        autoload_(cfg.get_bool("autoload")),
        snapshot_on_error_(cfg.get_bool("snapshot_on_error")),
        format_(cfg.get_choice("format")),
        saver_rank_(check_saver_rank(cfg.get_int("saver_rank"))),
        files_(check_n_retains(cfg.get_int("n_retains"))),
        service_(host) {
    check_mode(cfg.get_choice("mode"));
  }

  // Destroyed without finalize (the run was torn down early): every write still ends; a failure can only be
  // logged now.
  ~Snapshot() override {
    writer_.reset();
    try {
      for (auto& e : take_errors()) host().warn("snapshot write failed: ", e);
    } catch (...) {
    }
  }

  void initialize(tk::Context& ctx) override {
    if (saver_rank_ >= ctx.world_size())
      throw tk::Error(TK_ERR_INVALID, "saver_rank ", saver_rank_, " is not a rank of this run (world size ",
                      ctx.world_size(), ")");
  }

  void call(tk::Context& ctx) override {
    if (ctx.rank() != saver_rank_) return;
    if (!condition_.empty()) {
      std::optional<double> v = ctx.observation().find(condition_);
      if (!v || *v == 0) return;
    }
    if (writer_kind_ == WriterKind::simple) {
      write_now(ctx);
      return;
    }
    if (!writer_) writer_ = snapshot_plugin::make_background_writer(writer_kind_, static_cast<size_t>(queue_size_), *this);
    const Clock::time_point wait_start = Clock::now();
    writer_->make_room();  // the previous write's result is known now (thread, process)
    const Clock::time_point capture_start = Clock::now();
    raise_errors();

    std::string dir = ctx.out_dir();
    std::string name = template_.expand(ctx.epoch(), ctx.iteration());
    files_.schedule(name);  // Note [Scheduled names are saved]
    Clock::time_point submit_start;
    try {
      Job job{service_.capture(target_, format_), dir, name, dir + "/" + name};
      submit_start = Clock::now();
      writer_->submit(std::move(job));
    } catch (...) {
      files_.unschedule(name);
      throw;
    }
    report_stall(name, seconds(capture_start - wait_start), seconds(submit_start - capture_start),
                 seconds(Clock::now() - submit_start));
  }

  // Chainer's snapshot_on_error: the condition is not consulted (it is for regular snapshots).
  void on_error(tk::Context& ctx, const char* /*what*/) override {
    if (!snapshot_on_error_ || ctx.rank() != saver_rank_) return;
    if (writer_) writer_->drain();  // the same name may be on its way; background errors wait for finalize
    write_now(ctx);
  }

  void finalize(tk::Context&) override {
    if (writer_) writer_->drain();
    raise_errors();
  }

  void visit(tk::StateVisitor& v) override {
    std::string text;
    if (v.saving()) text = files_.to_json();
    if (!v("files", text) || !v.loading()) return;
    files_.restore(FileList::from_json(text));
  }

  // Note [Choosing the snapshot to resume from] (docs/resume.md): the highest iteration recorded inside
  // a valid file, ties by the newest mtime (then the name, for a stable answer). Corrupt or partial files are
  // skipped with a warning. verify reads the whole file, so when the template has {iteration}, candidates are
  // verified from the highest number in their names down, and the search stops once the best valid file
  // records a higher iteration than any name left to look at: with every snapshot kept, resuming reads one
  // file, not all of them.
  std::string find_resume_point(tk::Context& ctx, bool requested) override {
    if (!autoload_ && !requested) return "";
    std::string dir = ctx.out_dir();
    struct Candidate {
      std::string name;
      int64_t hint;  // the iteration in the name, or INT64_MAX when unknown
      int64_t mtime;
    };
    std::vector<Candidate> candidates;
    std::error_code ec;
    for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      std::string name = it->path().filename().string();
      auto m = template_.match(name);
      if (!m) continue;
      struct stat st {};
      // A name that matches but is no regular file (a folder, a FIFO that would block the read, a
      // dangling link or a symlink loop) is never opened, and said so: the user may expect it to count.
      if (::stat(it->path().c_str(), &st) != 0) {
        host().warn("skipping ", name, " in ", dir, ": ", std::generic_category().message(errno));
        continue;
      }
      if (!S_ISREG(st.st_mode)) {
        const char* kind = S_ISDIR(st.st_mode) ? "a folder" : S_ISFIFO(st.st_mode) ? "a FIFO" : "not a regular file";
        host().warn("skipping ", name, " in ", dir, ": it is ", kind, ", not a snapshot file");
        continue;
      }
      candidates.push_back({name, m->iteration.value_or(INT64_MAX), mtime_ns(st)});
    }
    if (ec && ec != std::errc::no_such_file_or_directory) host().warn("cannot list ", dir, ": ", ec.message());
    std::sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
      return std::tie(a.hint, a.mtime, a.name) > std::tie(b.hint, b.mtime, b.name);
    });

    struct Best {
      std::string name;
      int64_t iteration, mtime;
    };
    std::optional<Best> best;
    size_t skipped = 0;
    for (auto& c : candidates) {
      if (best && template_.has_iteration() && best->iteration > c.hint) break;
      tk::SnapshotCheck check = service_.verify(dir + "/" + c.name);
      if (!check.ok) {
        host().warn("skipping snapshot ", c.name, " in ", dir, ": ", check.reason);
        ++skipped;
        continue;
      }
      if (check.iteration < 0 && target_ == "trainer") {  // a model-only file: nothing to resume training from
        host().warn("skipping snapshot ", c.name, " in ", dir, ": it records no iteration (not a trainer snapshot)");
        ++skipped;
        continue;
      }
      if (!best || std::tie(check.iteration, c.mtime, c.name) > std::tie(best->iteration, best->mtime, best->name))
        best = Best{c.name, check.iteration, c.mtime};
    }
    if (!best) {
      if (skipped == 0) host().info("no snapshot to resume from in ", dir);
      else host().info("no snapshot to resume from in ", dir, " (", skipped, " matching files are not valid snapshots)");
      return "";
    }
    return dir + "/" + best->name;
  }

 private:
  // Streams the live state on the main thread; the file is in place when this returns.
  void write_now(tk::Context& ctx) {
    std::string dir = ctx.out_dir();
    std::string name = template_.expand(ctx.epoch(), ctx.iteration());
    files_.schedule(name);  // Note [Scheduled names are saved]
    const Clock::time_point start = Clock::now();
    try {
      service_.write_now(target_, format_, dir + "/" + name);
    } catch (...) {
      files_.unschedule(name);
      throw;
    }
    host().log(TK_LOG_DEBUG, "stall for " + name + ": write " + fixed(seconds(Clock::now() - start)) + " s");
    retire(dir, files_.commit(name));
  }

  // Note [Snapshot stall in the log]: what the training thread waited for. A writer still busy with the
  // previous snapshot (thread, process) or a full queue is an info line, since it means snapshots come
  // faster than the disk takes them; the capture and the writer's start are a debug line (--verbose) on
  // every snapshot, which bench/snapshot_bench reads (so is the whole write of the simple writer).
  void report_stall(const std::string& name, double waited, double captured, double started) const {
    if (waited >= kWaitWorthReporting)
      host().info("waited ", fixed(waited), " s for the previous snapshot write before writing ", name);
    host().log(TK_LOG_DEBUG, "stall for " + name + ": wait " + fixed(waited) + " s, capture " + fixed(captured) +
                                 " s, writer start " + fixed(started) + " s");
  }

  // WriteSink: a worker's file is in place (committed) or could not be written (failed).
  void committed(const Job& job) noexcept override {
    try {
      host().log(TK_LOG_DEBUG, "wrote " + job.name);  // from the writer thread for the background writers
      retire(job.dir, files_.commit(job.name));
    } catch (const std::exception& e) {
      failed(job, e.what());
    }
  }
  void failed(const Job& job, const std::string& message) noexcept override {
    try {
      files_.unschedule(job.name);
      std::lock_guard<std::mutex> lock(errors_mutex_);
      errors_.push_back(job.name + ": " + message);
    } catch (...) {
      // Out of memory while recording an error: nothing safer to do than to drop the record.
    }
  }

  // n_retains: delete what commit let go. A file that cannot be deleted is a warning, not a failed run.
  void retire(const std::string& dir, const std::vector<std::string>& victims) const {
    for (auto& name : victims) {
      std::string problem = snapshot_plugin::remove_file(dir, name);
      if (!problem.empty()) host().warn(problem);
    }
  }

  std::vector<std::string> take_errors() {
    std::vector<std::string> taken;
    std::lock_guard<std::mutex> lock(errors_mutex_);
    taken.swap(errors_);
    return taken;
  }

  void raise_errors() {
    std::vector<std::string> errors = take_errors();
    if (errors.empty()) return;
    std::string text = errors.size() == 1 ? "writing snapshot " : std::to_string(errors.size()) + " snapshot writes failed: ";
    for (size_t i = 0; i < errors.size(); ++i) text += (i == 0 ? "" : "; ") + errors[i];
    throw tk::Error(TK_ERR_IO, text);
  }

  const FileTemplate template_;
  const std::string target_;
  const std::string condition_;
  const WriterKind writer_kind_;
  const int64_t queue_size_;
  const bool autoload_;
  const bool snapshot_on_error_;
  const std::string format_;
  const int64_t saver_rank_;
  FileList files_;
  const tk::SnapshotService service_;
  std::mutex errors_mutex_;
  std::vector<std::string> errors_;  // background failures not reported yet, oldest first
  std::unique_ptr<snapshot_plugin::BackgroundWriter> writer_;  // last member: destroyed (drained) first
};

}  // namespace

TK_PLUGIN("org.trainkit.snapshot", "1.0.0", "Chainer's / ppe's snapshot: the training state to out/, and autoload",
          Snapshot)
