// log_report: Chainer's LogReport. Each call appends one record to the log -- the means of every observed
// key since the previous call (the host's summary), then epoch, iteration and elapsed_time, in Chainer's
// order -- and writes the log into out/.
//
// Formats: "json" rewrites the whole list (Python's json.dump(log, indent=4), Chainer's file) atomically;
// "jsonl" appends one object per line (ppe's json-lines). The records are the extension's state, so a
// resumed run continues the same list; see Note [jsonl after a resume].
#include <set>
#include <string>
#include <vector>

#include <trainkit/sdk.hpp>
#include <trainkit/sdk/atomic_file.hpp>
#include <trainkit/sdk/json.hpp>

namespace {

enum class Format { json, jsonl };

// Chainer formats the filename with the record (filename.format(**stats)); trainkit supports the two
// placeholders that make sense in a file name and refuses the rest at create, before anything trains.
std::string expand_filename(const std::string& pattern, int64_t epoch, int64_t iteration) {
  std::string out;
  for (size_t i = 0; i < pattern.size();) {
    if (pattern.compare(i, 7, "{epoch}") == 0) {
      out += std::to_string(epoch);
      i += 7;
    } else if (pattern.compare(i, 11, "{iteration}") == 0) {
      out += std::to_string(iteration);
      i += 11;
    } else if (pattern[i] == '{' || pattern[i] == '}') {
      throw tk::Error(TK_ERR_INVALID, "filename \"", pattern,
                      "\": only {epoch} and {iteration} may appear in braces");
    } else {
      out += pattern[i++];
    }
  }
  return out;
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// format is one of the declared choices (Config::get_choice).
Format parse_format(const std::string& format, const std::string& filename) {
  if (format == "json") return Format::json;
  if (format == "jsonl") return Format::jsonl;
  return ends_with(filename, ".jsonl") ? Format::jsonl : Format::json;
}

std::string as_lines(const tk::json::Value& records) {
  std::string text;
  for (size_t i = 0; i < records.size(); ++i) text += tk::json::dump(records.at(i)) + "\n";
  return text;
}

class LogReport final : public tk::Extension {
 public:
  static tk::ClassSpec spec() {
    return {"log_report",
            "writes the means of the observations since the last call to a JSON log in out/ (Chainer's LogReport)",
            "1 epoch",
            TK_PRIORITY_READER,
            TK_EXTENSION_WANTS_SUMMARY,
            {tk::option::string_list("keys", "[]", "observation keys to log; [] logs every key"),
             tk::option::out_file("filename", "log",
                                  "file in out/; {epoch} and {iteration} are replaced; \"\" keeps the log in memory only"),
             tk::option::choice("format", "auto", {"auto", "json", "jsonl"},
                                "json (the whole list, rewritten atomically), jsonl (one object per line, "
                                "appended) or auto (jsonl when filename ends in .jsonl, else json)")},
            /*state_version=*/1};
  }

  LogReport(const tk::Config& cfg, const tk::Host& host)
      : Extension(host),
        filename_(cfg.get_string("filename")),
        format_(parse_format(cfg.get_choice("format"), filename_)) {
    for (auto& key : cfg.get_string_list("keys")) keys_.insert(key);
    expand_filename(filename_, 0, 0);  // refuse a bad pattern now rather than at the first epoch
  }

  void call(tk::Context& ctx) override {
    tk::json::Value record = tk::json::Value::object();
    tk::ScalarView summary = ctx.summary();
    for (size_t i = 0; i < summary.size(); ++i) {
      std::string key = summary.key(i);
      if (keys_.empty() || keys_.count(key) != 0) record.set(key, summary.value(i));
    }
    record.set("epoch", ctx.epoch());
    record.set("iteration", ctx.iteration());
    record.set("elapsed_time", ctx.elapsed_time());
    records_.push_back(record);

    // Every rank sees the same out/; one writer keeps the file whole.
    if (filename_.empty() || ctx.rank() != 0) return;
    std::string path = ctx.out_dir() + "/" + expand_filename(filename_, ctx.epoch(), ctx.iteration());
    if (format_ == Format::json) {
      tk::write_file_atomically(path, tk::json::dump(records_, 4));
    } else if (path == appendable_path_) {
      tk::append_to_file(path, tk::json::dump(record) + "\n");
    } else {
      tk::write_file_atomically(path, as_lines(records_));
      appendable_path_ = path;
    }
  }

  // Note [jsonl after a resume]: a run killed after its last snapshot has already appended records the
  // resumed run will produce again. So the first write of each process rewrites the file from the restored
  // records (atomically), and only a file this process wrote whole is appended to.
  void visit(tk::StateVisitor& v) override {
    std::string text;
    if (v.saving()) text = tk::json::dump(records_);
    if (!v("log", text) || !v.loading()) return;
    tk::json::Value restored = tk::json::parse(text);
    if (!restored.is_array()) throw tk::Error(TK_ERR_INVALID, "saved log is not a JSON list");
    for (size_t i = 0; i < restored.size(); ++i)
      if (!restored.at(i).is_object()) throw tk::Error(TK_ERR_INVALID, "saved log record ", i, " is not an object");
    records_ = std::move(restored);
    appendable_path_.clear();
  }

 private:
  std::set<std::string> keys_;
  std::string filename_;
  Format format_;
  tk::json::Value records_ = tk::json::Value::array();
  std::string appendable_path_;  // the jsonl file this process wrote whole; see Note [jsonl after a resume]
};

}  // namespace

TK_PLUGIN("org.trainkit.log_report", "1.0.0", "Chainer's LogReport: the means of the observations to out/log",
          LogReport)
