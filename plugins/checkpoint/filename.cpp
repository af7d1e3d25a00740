#include "filename.hpp"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <utility>

#include <trainkit/sdk/error.hpp>

namespace checkpoint_plugin {

namespace {
const char* const kPlaceholders = "{filename_prefix}, {name}, {global_step}, {score_name}, {score} and {ext}";
}  // namespace

std::string default_pattern(bool with_prefix, bool with_score, bool with_score_name, bool with_global_step) {
  if (!with_global_step && !with_score)
    throw tk::Error(TK_ERR_INVALID, "a checkpoint file name needs a score or a global step");
  std::string pattern = "{name}";
  if (with_global_step) pattern += "_{global_step}";
  if (with_score_name && with_score) pattern += "_{score_name}={score}";
  else if (with_score) pattern += "_{score}";
  else if (with_score_name)
    throw tk::Error(TK_ERR_INVALID, "a score name needs a score");
  if (with_prefix) pattern = "{filename_prefix}_" + pattern;
  return pattern + ".{ext}";
}

std::string format_score(double priority, bool integral) {
  if (integral) return std::to_string(static_cast<int64_t>(priority));
  // Python's ".4f" and C's "%.4f" both round the exact binary value correctly, and both write "inf",
  // "-inf" and "-0.0000" the same way.
  char buf[512];
  std::snprintf(buf, sizeof buf, "%.4f", priority);
  return buf;
}

bool is_plain_file_name(const std::string& name) {
  return !name.empty() && name != "." && name != ".." && name.find('/') == std::string::npos &&
         name.find('\0') == std::string::npos && name.rfind(".tmp.", 0) != 0;
}

FilenamePattern::FilenamePattern(std::string text) : text_(std::move(text)) {
  auto fail = [&](const std::string& why) {
    throw tk::Error(TK_ERR_INVALID, "filename_pattern \"", text_, "\": ", why);
  };
  auto add_literal = [&](char c) {
    if (segments_.empty() || segments_.back().field != Field::literal) segments_.push_back({Field::literal, ""});
    segments_.back().literal += c;
  };
  for (size_t i = 0; i < text_.size();) {
    char c = text_[i];
    if (c == '}') {
      if (i + 1 < text_.size() && text_[i + 1] == '}') {
        add_literal('}');
        i += 2;
        continue;
      }
      fail("single '}' (write '}}' for a literal brace)");
    }
    if (c != '{') {
      add_literal(c);
      ++i;
      continue;
    }
    if (i + 1 < text_.size() && text_[i + 1] == '{') {
      add_literal('{');
      i += 2;
      continue;
    }
    size_t close = text_.find('}', i + 1);
    if (close == std::string::npos) fail("'{' without a closing '}' (write '{{' for a literal brace)");
    std::string key = text_.substr(i + 1, close - i - 1);
    if (key.find('{') != std::string::npos) fail("'{' inside {" + key + "}");
    if (key.find_first_of("!:") != std::string::npos)
      fail("{" + key + "}: conversions and format specs are not supported; the placeholders are " + kPlaceholders);
    Field field;
    if (key == "filename_prefix") field = Field::filename_prefix;
    else if (key == "name") field = Field::name;
    else if (key == "global_step") field = Field::global_step;
    else if (key == "score_name") field = Field::score_name;
    else if (key == "score") field = Field::score;
    else if (key == "ext") field = Field::ext;
    else if (key.empty() || key.find_first_not_of("0123456789") == std::string::npos)
      fail("{" + key + "} is a positional field; name one of " + kPlaceholders);
    else
      fail("unknown placeholder {" + key + "}; the placeholders are " + kPlaceholders);
    segments_.push_back({field, ""});
    i = close + 1;
  }
  for (auto& s : segments_)
    if (s.field == Field::literal && s.literal.find('/') != std::string::npos)
      fail("a checkpoint is a file in out/; the pattern must not contain '/'");
}

std::string FilenamePattern::render(const FilenameFields& f) const {
  auto value = [](const std::optional<std::string>& v) { return v ? *v : std::string("None"); };
  std::string out;
  for (auto& s : segments_) {
    switch (s.field) {
      case Field::literal: out += s.literal; break;
      case Field::filename_prefix: out += f.filename_prefix; break;
      case Field::name: out += f.name; break;
      case Field::global_step: out += value(f.global_step); break;
      case Field::score_name: out += value(f.score_name); break;
      case Field::score: out += value(f.score); break;
      case Field::ext: out += f.ext; break;
    }
  }
  return out;
}

}  // namespace checkpoint_plugin
