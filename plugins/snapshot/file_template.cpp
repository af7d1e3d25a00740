#include "file_template.hpp"

#include <charconv>

#include <trainkit/sdk/error.hpp>

namespace snapshot_plugin {

bool is_plain_file_name(const std::string& name) {
  return !name.empty() && name != "." && name != ".." && name.find('/') == std::string::npos &&
         name.find('\0') == std::string::npos && name.rfind(".tmp.", 0) != 0;
}

FileTemplate::FileTemplate(const std::string& text) : text_(text) {
  for (size_t i = 0; i < text.size();) {
    Field field = Field::none;
    size_t length = 0;
    if (text.compare(i, 7, "{epoch}") == 0) {
      field = Field::epoch;
      length = 7;
    } else if (text.compare(i, 11, "{iteration}") == 0) {
      field = Field::iteration;
      length = 11;
    } else if (text[i] == '{' || text[i] == '}') {
      throw tk::Error(TK_ERR_INVALID, "filename \"", text,
                      "\": only {epoch} and {iteration} may appear in braces (Chainer's {.updater.iteration} "
                      "is {iteration} here)");
    }
    if (field != Field::none) {
      if (!segments_.empty() && segments_.back().field != Field::none)
        throw tk::Error(TK_ERR_INVALID, "filename \"", text,
                        "\": two placeholders must be separated by some text, or the numbers run together");
      segments_.push_back({field, ""});
      has_iteration_ = has_iteration_ || field == Field::iteration;
      i += length;
    } else {
      if (segments_.empty() || segments_.back().field != Field::none) segments_.push_back({Field::none, ""});
      segments_.back().literal += text[i++];
    }
  }
  std::string example = expand(0, 0);
  if (text.find('/') != std::string::npos)
    throw tk::Error(TK_ERR_INVALID, "filename \"", text, "\": must be a plain file name in out/, without '/'");
  if (!is_plain_file_name(example))
    throw tk::Error(TK_ERR_INVALID, "filename \"", text,
                    "\": must be a plain file name (not empty, \".\" or \"..\"; \".tmp.*\" is reserved for temp files)");
}

std::string FileTemplate::expand(int64_t epoch, int64_t iteration) const {
  std::string out;
  for (auto& s : segments_) {
    if (s.field == Field::epoch) out += std::to_string(epoch);
    else if (s.field == Field::iteration) out += std::to_string(iteration);
    else out += s.literal;
  }
  return out;
}

std::optional<FileTemplate::Match> FileTemplate::match(const std::string& name) const {
  if (!is_plain_file_name(name)) return std::nullopt;
  Match m;
  if (!match_from(name, 0, 0, m)) return std::nullopt;
  return m;
}

// Placeholders take one or more digits; the longest run is tried first, then shorter ones, so a literal
// that itself starts with a digit ("{iteration}0.snap") still matches.
bool FileTemplate::match_from(const std::string& name, size_t segment, size_t pos, Match& out) const {
  if (segment == segments_.size()) return pos == name.size();
  const Segment& s = segments_[segment];
  if (s.field == Field::none) {
    return name.compare(pos, s.literal.size(), s.literal) == 0 &&
           match_from(name, segment + 1, pos + s.literal.size(), out);
  }
  size_t end = pos;
  while (end < name.size() && name[end] >= '0' && name[end] <= '9') ++end;
  for (; end > pos; --end) {
    Match attempt = out;
    if (s.field == Field::iteration && !attempt.iteration) {
      int64_t value = 0;
      auto r = std::from_chars(name.data() + pos, name.data() + end, value);
      // Too many digits for int64: no hint; verify still reads the real iteration.
      if (r.ec == std::errc()) attempt.iteration = value;
    }
    if (match_from(name, segment + 1, end, attempt)) {
      out = attempt;
      return true;
    }
  }
  return false;
}

}  // namespace snapshot_plugin
