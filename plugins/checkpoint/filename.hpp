// checkpoint: Ignite's checkpoint file names. The pattern is a Python format string over six fields; a
// field with no value renders as "None", exactly as Ignite's `filename_pattern.format(**filename_dict)`.
//
//   FilenamePattern p(default_pattern(/*prefix=*/false, /*score=*/true, /*score_name=*/true, /*global_step=*/true));
//   p.text();                                       // "{name}_{global_step}_{score_name}={score}.{ext}"
//   FilenameFields f{"", "model", "11", "val_acc", format_score(0.77, false), "tkpt"};
//   p.render(f);                                    // "model_11_val_acc=0.7700.tkpt"
//   FilenamePattern("SAVE-{random_key}.{ext}");     // throws tk::Error(TK_ERR_INVALID): unknown placeholder
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace checkpoint_plugin {

// The values Ignite passes to str.format; std::nullopt is Python's None.
struct FilenameFields {
  std::string filename_prefix;
  std::string name;
  std::optional<std::string> global_step;
  std::optional<std::string> score_name;
  std::optional<std::string> score;
  std::string ext;
};

// Ignite's Checkpoint.setup_filename_pattern: "{name}" + "_{global_step}" + ("_{score_name}={score}" |
// "_{score}"), "{filename_prefix}_" in front, ".{ext}" at the end. Throws tk::Error(TK_ERR_INVALID) where
// Ignite raises ValueError (neither score nor global step; a score name without a score).
std::string default_pattern(bool with_prefix, bool with_score, bool with_score_name, bool with_global_step);

// Ignite's `f"{p}"` for an Integral priority, `f"{p:.4f}"` otherwise.
std::string format_score(double priority, bool integral);

// Whether name may be a checkpoint file in out/: not empty, no '/', not "." or "..", and not a hidden temp
// file (".tmp.*", which only atomic writes create).
bool is_plain_file_name(const std::string& name);

// Use to check a filename_pattern once at create and render it at each save.
class FilenamePattern {
 public:
  // Python's format-string grammar restricted to what a file name needs: "{{" and "}}" are literal braces,
  // "{field}" one of the six fields. Throws tk::Error(TK_ERR_INVALID) for an unknown or positional field
  // (Ignite: KeyError / IndexError), a conversion or format spec, or a stray brace (Python: ValueError).
  explicit FilenamePattern(std::string text);

  const std::string& text() const { return text_; }
  std::string render(const FilenameFields& fields) const;

 private:
  enum class Field { literal, filename_prefix, name, global_step, score_name, score, ext };
  struct Segment {
    Field field;
    std::string literal;
  };
  std::string text_;
  std::vector<Segment> segments_;
};

}  // namespace checkpoint_plugin
