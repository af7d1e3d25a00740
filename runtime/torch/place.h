// trainkit torch: the "manifest.toml:14:3: " prefix of a ConfigError about a manifest section.
//
//   TK_CHECK(lr >= 0, ConfigError, place(config.pos), "optimizer.lr must be >= 0");
//
// Rationale: kept here rather than calling SourcePos::str() so tk_torch does not link the TOML parser;
// it prints nothing for a section built in code (tests), where there is no file to point at.
#pragma once

#include <string>

#include "core/error.h"
#include "manifest/manifest.h"

namespace trainkit {

inline std::string place(const SourcePos& pos) {
  if (pos.file.empty()) return "";
  if (pos.line == 0) return pos.file + ": ";
  return str_cat(pos.file, ":", pos.line, ":", pos.column, ": ");
}

}  // namespace trainkit
