// snapshot: Chainer's / ppe's `snapshot` extension. Each time its trigger fires (and `condition` holds) it
// writes the training state (target "trainer") or the model's parameters and buffers (target "model") to
// out/<filename> through the host's "trainkit.snapshot/1" service, keeps the newest n_retains of the files
// it wrote, and finds the newest valid snapshot to resume from. README.md lists the options and decisions.
//
// Writers: "simple" streams the live state from the main thread (write_now, no second copy); the others
// capture a copy on the main thread and write it in the background (writers.hpp). Background failures are
// reported by the next call or by finalize, never lost and never a crash.
//
// In a run of several ranks, snapshot_mode (modes.hpp) decides who writes: the saver rank alone, one file
// every rank loads ("distributed"), or every rank its part of a step folder ("sharded", Note [Sharded steps]).
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
#include <trainkit/sdk/distributed.hpp>
#include <trainkit/sdk/snapshot.hpp>

#include "file_list.hpp"
#include "file_template.hpp"
#include "modes.hpp"
#include "writers.hpp"

namespace {

using snapshot_plugin::FileList;
using snapshot_plugin::FileTemplate;
using snapshot_plugin::Job;
using snapshot_plugin::Mode;
using snapshot_plugin::StepFolder;
using snapshot_plugin::WriterKind;

int64_t check_n_retains(int64_t n) {
  if (n == -1 || n >= 1) return n;
  throw tk::Error(TK_ERR_INVALID, "n_retains must be -1 (keep every snapshot) or at least 1, got ", n);
}

int64_t check_queue_size(int64_t n) {
  if (n >= 1) return n;
  throw tk::Error(TK_ERR_INVALID, "queue_size must be at least 1 (each queued snapshot is a copy of the state in memory), got ", n);
}

int64_t check_saver_rank(int64_t r, const tk::Distributed& ranks) {
  if (r < 0) throw tk::Error(TK_ERR_INVALID, "saver_rank must be a rank (>= 0), got ", r);
  if (r >= ranks.world_size())
    throw tk::Error(TK_ERR_INVALID, "saver_rank ", r, " is not a rank of this run (world size ", ranks.world_size(), ")");
  return r;
}

// Note [Sharded steps]: the marker must follow every part, so each rank writes its part before the barrier.
Mode check_mode(Mode mode, WriterKind writer) {
  if (mode == Mode::sharded && writer != WriterKind::simple)
    throw tk::Error(TK_ERR_INVALID, "snapshot_mode = \"sharded\" writes each rank's part before the step is marked "
                    "complete, so it needs writer = \"simple\"");
  return mode;
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
             tk::option::integer("saver_rank", "0",
                                 "the rank that writes (distributed) or marks steps complete (sharded)"),
             tk::option::choice("snapshot_mode", "default", {"default", "distributed", "sharded"},
                                "ppe's: default (one process; distributed when there are several ranks), "
                                "distributed (saver_rank writes, every rank loads) or sharded (every rank "
                                "writes its part of a step folder)"),
             tk::option::choice("mode", "default", {"default", "distributed", "sharded"},
                                "the older name of snapshot_mode; set one of them")},
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
        ranks_(host),
        saver_rank_(check_saver_rank(cfg.get_int("saver_rank"), ranks_)),
        mode_(check_mode(snapshot_plugin::resolve_mode(cfg.get_choice("snapshot_mode"), cfg.get_choice("mode"),
                                                       ranks_.world_size()),
                         writer_kind_)),
        files_(check_n_retains(cfg.get_int("n_retains"))),
        service_(host) {
    // A process writer starts its first process now, so a missing writer executable fails create.
    const bool processes = writer_kind_ == WriterKind::process || writer_kind_ == WriterKind::process_queue;
    if (processes && ranks_.rank() == saver_rank_) writer_ = make_writer();
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

  // The condition reads the observation, which every rank of a run shares (the ranks agree on it after
  // each update), so every rank takes the same decision and meets the others at the same barriers.
  void call(tk::Context& ctx) override {
    if (!condition_.empty()) {
      std::optional<double> v = ctx.observation().find(condition_);
      if (!v || *v == 0) return;
    }
    if (mode_ == Mode::sharded) return write_sharded(ctx);
    if (ranks_.rank() == saver_rank_) write_as_saver(ctx);
    if (mode_ == Mode::distributed) ranks_.barrier();  // ppe: every rank waits for the saver's snapshot
  }

  // Chainer's snapshot_on_error: the condition is not consulted (it is for regular snapshots). ppe #779: only
  // the saver writes, and without a barrier, since the other ranks may be gone.
  void on_error(tk::Context& ctx, const char* /*what*/) override {
    if (!snapshot_on_error_) return;
    if (mode_ == Mode::sharded) {
      host().warn("snapshot_on_error writes nothing in sharded mode: a step needs every rank's part");
      return;
    }
    if (ranks_.rank() != saver_rank_) return;
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

  // Distributed: the saver finds the file and every rank loads it. Sharded: Note [Agreeing on a sharded step].
  std::string find_resume_point(tk::Context& ctx, bool requested) override {
    if (!autoload_ && !requested) return "";
    if (mode_ == Mode::sharded) return find_step(ctx.out_dir());
    if (mode_ == Mode::single) return find_file(ctx.out_dir());
    std::string path = ranks_.rank() == saver_rank_ ? find_file(ctx.out_dir()) : "";
    ranks_.broadcast(path, saver_rank_);
    return path;
  }

 private:
  // The saver's snapshot: streamed now (simple) or captured for a background writer.
  void write_as_saver(tk::Context& ctx) {
    if (writer_kind_ == WriterKind::simple) {
      write_now(ctx);
      return;
    }
    if (!writer_) writer_ = make_writer();
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

  std::unique_ptr<snapshot_plugin::BackgroundWriter> make_writer() {
    return snapshot_plugin::make_background_writer(writer_kind_, static_cast<size_t>(queue_size_), *this, service_);
  }

  // Note [Sharded steps] (modes.hpp).
  void write_sharded(tk::Context& ctx) {
    const std::string dir = ctx.out_dir(), name = template_.expand(ctx.epoch(), ctx.iteration());
    const StepFolder step(dir + "/" + name);
    const bool saver = ranks_.rank() == saver_rank_;
    if (saver) {
      snapshot_plugin::make_step_folder(step);
      snapshot_plugin::unmark(step);
    }
    ranks_.barrier();  // no part goes into a folder still marked complete
    snapshot_plugin::make_step_folder(step);
    files_.schedule(name);  // Note [Scheduled names are saved]
    try {
      service_.write_now(target_, format_, step.part(ranks_.rank()));
    } catch (...) {
      files_.unschedule(name);
      throw;
    }
    ranks_.barrier();  // every part is in place
    if (saver) snapshot_plugin::mark_complete(step, ctx.iteration(), ranks_.world_size());
    std::vector<std::string> victims = files_.commit(name);
    if (saver) retire(dir, victims);
  }

  // Note [Choosing the snapshot to resume from] (docs/resume.md): the highest iteration recorded inside
  // a valid file, ties by the newest mtime (then the name, for a stable answer). Corrupt or partial files are
  // skipped with a warning. verify reads the whole file, so when the template has {iteration}, candidates are
  // verified from the highest number in their names down, and the search stops once the best valid file
  // records a higher iteration than any name left to look at: with every snapshot kept, resuming reads one
  // file, not all of them.
  std::string find_file(const std::string& dir) const {
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

  // The complete step folders in dir, newest first, and the part this rank loads from each; the ranks then
  // agree on one (Note [Agreeing on a sharded step], modes.cpp).
  std::string find_step(const std::string& dir) const {
    std::vector<snapshot_plugin::StepCandidate> candidates;
    std::error_code ec;
    for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      std::string name = it->path().filename().string();
      if (!template_.match(name) || !it->is_directory()) continue;
      StepFolder step(dir + "/" + name);
      std::optional<snapshot_plugin::Marker> marker = snapshot_plugin::read_marker(step);
      if (!marker) continue;  // a step some rank never finished: not a snapshot
      candidates.push_back({name, marker->iteration, step.part(ranks_.rank() % marker->world_size)});
    }
    if (ec && ec != std::errc::no_such_file_or_directory) host().warn("cannot list ", dir, ": ", ec.message());
    std::sort(candidates.begin(), candidates.end(), [](const auto& a, const auto& b) {
      return std::tie(a.iteration, a.name) > std::tie(b.iteration, b.name);
    });
    auto loads = [&](const snapshot_plugin::StepCandidate& c) {
      tk::SnapshotCheck check = service_.verify(c.part);
      bool fits = check.ok && (check.iteration == c.iteration || (check.iteration < 0 && target_ != "trainer"));
      if (!fits) host().warn("skipping snapshot step ", c.name, " in ", dir, ": ",
                             check.ok ? "its part records another iteration than its marker" : check.reason);
      return fits;
    };
    std::string part = snapshot_plugin::agree_on_step(ranks_, static_cast<int>(saver_rank_), candidates, loads);
    if (part.empty() && ranks_.rank() == saver_rank_) host().info("no complete snapshot step to resume from in ", dir);
    return part;
  }

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

  // n_retains: delete what commit let go (a sharded step: the whole folder, marker first). A file that cannot
  // be deleted is a warning, not a failed run.
  void retire(const std::string& dir, const std::vector<std::string>& victims) const {
    for (auto& name : victims) {
      std::string problem = mode_ == Mode::sharded ? snapshot_plugin::remove_step(StepFolder(dir + "/" + name))
                                                   : snapshot_plugin::remove_file(dir, name);
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
  const tk::Distributed ranks_;
  const int64_t saver_rank_;
  const Mode mode_;
  FileList files_;
  const tk::SnapshotService service_;
  std::mutex errors_mutex_;
  std::vector<std::string> errors_;  // background failures not reported yet, oldest first
  std::unique_ptr<snapshot_plugin::BackgroundWriter> writer_;  // last member: destroyed (drained) first
};

}  // namespace

TK_PLUGIN("org.trainkit.snapshot", "1.0.0", "Chainer's / ppe's snapshot: the training state to out/, and autoload",
          Snapshot)
