// snapshot: the filename template ("snapshot_iter_{iteration}"): expanding it for a save, and recognising
// the files it produced when looking for a snapshot to resume from.
//
//   FileTemplate t("snapshot_iter_{iteration}");   // throws tk::Error(TK_ERR_INVALID) for a bad template
//   t.expand(/*epoch=*/3, /*iteration=*/300);      // "snapshot_iter_300"
//   t.match("snapshot_iter_300");                  // {iteration hint 300}
//   t.match("snapshot_iter_300.bak");              // nullopt
//
// Note [Stricter matching than Chainer]: Chainer and ppe accept any name that starts with the text before
// the first '{' and ends with the text after the last '}'. With the default template that also accepts
// "snapshot_iter_300.model" written by a second instance (target = "model"), which a valid-file check cannot
// tell apart, so autoload could resume a trainer from a model-only file. Here the whole name must match and
// each placeholder must be a run of decimal digits. Every name this matches, Chainer's rule matches too.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace snapshot_plugin {

// Whether name may be a snapshot file in out/: not empty, no '/', not "." or "..", and not a hidden temp
// file (".tmp.*", which only the writers create and nothing else may touch).
bool is_plain_file_name(const std::string& name);

// Use to turn the `filename` option into names and back.
class FileTemplate {
 public:
  explicit FileTemplate(const std::string& text);

  const std::string& text() const { return text_; }
  bool has_iteration() const { return has_iteration_; }
  std::string expand(int64_t epoch, int64_t iteration) const;

  struct Match {
    // The number in the name's first {iteration}, when the template has one; a hint for the order in which
    // candidates are verified, never trusted over the iteration recorded inside the file.
    std::optional<int64_t> iteration;
  };
  std::optional<Match> match(const std::string& name) const;

 private:
  enum class Field { none, epoch, iteration };
  struct Segment {
    Field field = Field::none;  // none: literal text
    std::string literal;
  };
  bool match_from(const std::string& name, size_t segment, size_t pos, Match& out) const;

  std::string text_;
  std::vector<Segment> segments_;
  bool has_iteration_ = false;
};

}  // namespace snapshot_plugin
