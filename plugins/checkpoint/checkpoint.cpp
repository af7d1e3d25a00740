// checkpoint: PyTorch-Ignite's Checkpoint + DiskSaver as a trainkit extension. Each time its trigger fires it
// computes a priority (a score from this iteration's observation, or the global step), and when the
// priority earns a place among the n_saved best it writes the chosen objects to out/<Ignite's file name>
// through the host's "trainkit.snapshot/1" service, then deletes the checkpoint that fell out.
//
// Unlike Ignite, the new file is committed (temp file, fsync, rename, fsync of the folder) BEFORE the evicted
// one is deleted, so a crash in between leaves the old best on disk. README.md lists the options and the
// decisions (None in TOML, which scores are integral, include_self).
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <unistd.h>

#include <cerrno>
#include <system_error>

#include <trainkit/sdk.hpp>
#include <trainkit/sdk/snapshot.hpp>

#include "filename.hpp"
#include "saved_list.hpp"

namespace {

using checkpoint_plugin::FilenameFields;
using checkpoint_plugin::FilenamePattern;
using checkpoint_plugin::Item;
using checkpoint_plugin::SavedList;

int64_t check_n_saved(int64_t n) {
  if (n == -1 || n >= 1) return n;
  throw tk::Error(TK_ERR_INVALID, "n_saved must be at least 1, or -1 to keep every checkpoint (Ignite's None; "
                                  "TOML has no null), got ", n);
}

double check_score_sign(double sign) {
  if (sign == 1.0 || sign == -1.0) return sign;
  throw tk::Error(TK_ERR_INVALID, "score_sign must be 1 or -1 (-1 when lower is better, e.g. a loss), got ", sign);
}

std::string check_name_part(const std::string& option, const std::string& value) {
  if (value.find('/') == std::string::npos && value.find('\0') == std::string::npos) return value;
  std::string hint;
  if (option == "score_name")
    hint = "; to rank by that observation key, set score_key = \"" + value + "\" and a score_name without '/' (\"val_acc\")";
  throw tk::Error(TK_ERR_INVALID, option, " \"", value, "\" is part of a file name in out/ and must not contain '/'", hint);
}

// The host's snapshot target for Ignite's to_save objects: Ignite's "trainer" object (the engine state) is
// trainkit's counters; include_self adds the extensions' states, which hold this instance's list.
std::string target_of(const std::vector<std::string>& objects, bool include_self) {
  static const char* const kObjects[] = {"model", "optimizer", "updater", "trainer", "extensions"};
  static const char* const kParts[] = {"model", "optimizer", "updater", "counters", "extensions"};
  if (objects.empty())
    throw tk::Error(TK_ERR_INVALID, "objects is empty: name at least one of \"model\", \"optimizer\", \"updater\", "
                                    "\"trainer\", \"extensions\" (Ignite: no objects to checkpoint)");
  bool chosen[5] = {false, false, false, false, false};
  for (auto& o : objects) {
    size_t i = 0;
    while (i < 5 && o != kObjects[i]) ++i;
    if (i == 5)
      throw tk::Error(TK_ERR_INVALID, "objects: \"", o, "\" is not one of \"model\", \"optimizer\", \"updater\", "
                                      "\"trainer\" (the counters: iteration, elapsed time), \"extensions\"");
    if (chosen[i]) throw tk::Error(TK_ERR_INVALID, "objects names \"", o, "\" twice");
    chosen[i] = true;
  }
  if (include_self) chosen[4] = true;
  std::string target;
  for (size_t i = 0; i < 5; ++i)
    if (chosen[i]) target += (target.empty() ? "" : "+") + std::string(kParts[i]);
  return target == "model+optimizer+updater+counters+extensions" ? "trainer" : target;
}

std::string errno_text(int err) { return std::generic_category().message(err); }

// A priority and whether Ignite would see it as numbers.Integral (it then prints without ".4f").
struct Priority {
  double value;
  bool integral;
};

class Checkpoint final : public tk::Extension {
 public:
  static tk::ClassSpec spec() {
    return {"checkpoint",
            "keeps the n_saved best checkpoints by score or step in out/ (PyTorch-Ignite's Checkpoint + DiskSaver)",
            "1 epoch",
            TK_PRIORITY_READER,
            0,
            {tk::option::string_list("objects", "[\"model\"]",
                                     "what to save: model, optimizer, updater, trainer (the counters), extensions"),
             tk::option::integer("n_saved", "1", "checkpoints to keep; -1 keeps all (Ignite's None)"),
             tk::option::string("score_key", "",
                                "observation key whose value (times score_sign) ranks checkpoints; \"epoch\" and "
                                "\"iteration\" are the trainer's counters; \"\" = rank by step"),
             tk::option::real("score_sign", "1.0", "1 when higher is better, -1 when lower is better"),
             tk::option::string("score_name", "",
                                "written as {score_name}={score} in the file name; alone, it is also the score_key"),
             tk::option::choice("global_step", "", {"", "iteration", "epoch"},
                                "the {global_step} in the name: the iteration or epoch count; \"\" = none"),
             tk::option::string("filename_prefix", "", "{filename_prefix}; the default pattern adds \"_\" after it"),
             tk::option::out_file("filename_pattern", "",
                                  "Python format string over {filename_prefix} {name} {global_step} {score_name} "
                                  "{score} {ext}; \"\" = Ignite's default"),
             tk::option::string("ext", "", "{ext}; \"\" = tkpt, or pt with format = \"torch\""),
             tk::option::boolean("include_self", "false",
                                 "also save the extensions' states, this checkpoint's list among them"),
             tk::option::boolean("greater_or_equal", "false", "a priority equal to the lowest kept one also saves"),
             tk::option::choice("format", "trainkit", {"trainkit", "torch"},
                                "trainkit (checksummed) or torch (loadable by torch.load)")},
            /*state_version=*/1};
  }

  Checkpoint(const tk::Config& cfg, const tk::Host& host)
      : Extension(host),
        objects_(cfg.get_string_list("objects")),
        include_self_(cfg.get_bool("include_self")),
        target_(target_of(objects_, include_self_)),
        format_(cfg.get_choice("format")),
        score_name_(check_name_part("score_name", cfg.get_string("score_name"))),
        score_key_(cfg.get_string("score_key").empty() ? score_name_ : cfg.get_string("score_key")),
        score_sign_(check_score_sign(cfg.get_float("score_sign"))),
        global_step_(cfg.get_choice("global_step")),
        filename_prefix_(check_name_part("filename_prefix", cfg.get_string("filename_prefix"))),
        ext_(check_name_part("ext", cfg.get_string("ext"))),
        name_(objects_.size() == 1 ? objects_.front() : "checkpoint"),
        saved_(check_n_saved(cfg.get_int("n_saved")), cfg.get_bool("greater_or_equal")),
        service_(host) {
    if (ext_.empty()) ext_ = format_ == "torch" ? "pt" : "tkpt";
    if (score_key_.empty() && score_sign_ != 1.0)
      throw tk::Error(TK_ERR_INVALID, "score_sign needs a score: set score_key (or score_name)");
    std::string pattern = cfg.get_string("filename_pattern");
    if (!pattern.empty()) {
      pattern_.emplace(pattern);
    } else {
      // Without a score the priority is the global step (the iteration when global_step is ""), so the
      // default pattern then always has {global_step}: Ignite's _get_filename_pattern(global_step).
      bool prefix = !filename_prefix_.empty(), with_score_name = !score_name_.empty();
      if (has_score()) default_patterns_[0].emplace(checkpoint_plugin::default_pattern(prefix, true, with_score_name, false));
      default_patterns_[1].emplace(checkpoint_plugin::default_pattern(prefix, has_score(), with_score_name, true));
    }
  }

  // DiskSaver's save_on_rank = 0: only rank 0 writes and deletes. Every rank keeps the same list (the
  // observation is the same on every rank), so the state a snapshot holds is the same on every rank.
  void call(tk::Context& ctx) override {
    std::optional<int64_t> global_step;
    if (global_step_ == "iteration") global_step = ctx.iteration();
    else if (global_step_ == "epoch") global_step = ctx.epoch();

    Priority priority{0, true};
    if (has_score()) {
      priority = score(ctx);
      if (std::isnan(priority.value)) {
        host().warn("score ", score_key_, " is NaN at iteration ", ctx.iteration(), "; no checkpoint saved");
        return;
      }
    } else {
      if (!global_step) global_step = ctx.iteration();
      priority = Priority{static_cast<double>(*global_step), true};
    }
    if (!saved_.wants(priority.value)) return;

    FilenameFields fields;
    fields.filename_prefix = filename_prefix_;
    fields.name = name_;
    if (global_step) fields.global_step = std::to_string(*global_step);
    if (!score_name_.empty()) fields.score_name = score_name_;
    if (has_score()) fields.score = checkpoint_plugin::format_score(priority.value, priority.integral);
    fields.ext = ext_;
    const FilenamePattern& pattern = pattern_ ? *pattern_ : *default_patterns_[global_step ? 1 : 0];
    std::string filename = pattern.render(fields);
    if (!checkpoint_plugin::is_plain_file_name(filename))
      throw tk::Error(TK_ERR_INVALID, "filename_pattern \"", pattern.text(), "\" gave \"", filename,
                      "\", which is not a plain file name in out/");

    std::optional<SavedList::Plan> plan = saved_.plan(Item{priority.value, filename});
    if (!plan) return;  // n_saved was lowered since the list was saved, and this one would not be kept

    // Note [Write first, then evict]: Ignite deletes the evicted (or same-named) file and then saves, so a
    // crash in between leaves no checkpoint at all. Here the new file is committed first (the service's
    // temp file + fsync + rename + fsync of the folder); a same-named file is replaced by that rename;
    // only then are evicted files deleted. A crash in between leaves one file too many, never one too few.
    // While the file is written, the host may visit this instance (include_self, or "extensions" in
    // objects): like Ignite, which adds state_dict() after updating _saved, it then sees the list with the
    // new file in it (pending_).
    std::string dir = ctx.out_dir();
    if (ctx.rank() == 0) {
      pending_ = plan->after;
      try {
        service_.write_now(target_, format_, dir + "/" + filename);
      } catch (...) {
        pending_.reset();
        throw;
      }
      pending_.reset();
    }
    saved_.apply(*plan);
    if (ctx.rank() != 0) return;
    for (auto& victim : plan->to_delete) {
      std::string path = dir + "/" + victim;
      if (::unlink(path.c_str()) == 0 || errno == ENOENT) continue;
      int err = errno;
      host().warn("cannot delete old checkpoint \"", path, "\": ", errno_text(err));
    }
    host().info("saved ", dir, "/", filename, "; last_checkpoint = ", dir, "/", *saved_.last());
  }

  // Ignite's state_dict(): {"_saved": [(priority, filename), ...]}, here the JSON text under "saved". The
  // file names are plain names in out/, so a run resumed with another --out keeps working.
  // "last_checkpoint" (the file of the highest priority) is written for readers of the state and
  // recomputed from the list on load.
  void visit(tk::StateVisitor& v) override {
    std::string text, last;
    if (v.saving()) {
      const std::vector<Item>& items = pending_ ? *pending_ : saved_.items();
      text = SavedList::to_json(items);
      last = items.empty() ? "" : items.back().filename;
    }
    bool found = v("saved", text);
    v("last_checkpoint", last);
    if (v.loading() && found) saved_.restore(SavedList::from_json(text));
  }

 private:
  bool has_score() const { return !score_key_.empty(); }

  // Ignite's get_default_score_fn(score_key, score_sign). "epoch" and "iteration" are the trainer's counters,
  // integers like engine.state.epoch in Ignite's tests; every observation value is a double (".4f").
  Priority score(tk::Context& ctx) const {
    if (score_key_ == "epoch") return {score_sign_ * static_cast<double>(ctx.epoch()), true};
    if (score_key_ == "iteration") return {score_sign_ * static_cast<double>(ctx.iteration()), true};
    tk::ScalarView observation = ctx.observation();
    if (std::optional<double> v = observation.find(score_key_)) return {score_sign_ * *v, false};
    std::string keys;
    for (size_t i = 0; i < observation.size(); ++i) keys += (i == 0 ? "" : ", ") + observation.key(i);
    throw tk::Error(TK_ERR_INVALID, "score_key \"", score_key_, "\" is not in the observation at iteration ",
                    ctx.iteration(), " (it holds: ", keys.empty() ? "nothing" : keys,
                    "); does the extension that reports it (an evaluator) fire on the same trigger as this checkpoint?");
  }

  const std::vector<std::string> objects_;
  const bool include_self_;
  const std::string target_;
  const std::string format_;
  const std::string score_name_;
  const std::string score_key_;
  const double score_sign_;
  const std::string global_step_;
  const std::string filename_prefix_;
  std::string ext_;
  const std::string name_;
  std::optional<FilenamePattern> pattern_;              // filename_pattern, when given
  std::optional<FilenamePattern> default_patterns_[2];  // Ignite's default without / with {global_step}
  SavedList saved_;
  std::optional<std::vector<Item>> pending_;  // the list as it will be, while its new file is being written
  const tk::SnapshotService service_;
};

}  // namespace

TK_PLUGIN("org.trainkit.checkpoint", "1.0.0",
          "PyTorch-Ignite's Checkpoint: keep the n best checkpoints by score or step, write first, then evict",
          Checkpoint)
