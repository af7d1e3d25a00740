// trainkit torch: the "manifest.toml:14:3: " prefix of a ConfigError about a manifest section.
//
//   TK_CHECK(lr >= 0, ConfigError, place(config.pos), "optimizer.lr must be >= 0");
//
// It prints nothing for a section built in code (tests), where there is no file to point at. The place
// itself is spelled by SourcePos::str(), header-only, so tk_torch needs no manifest library.
#pragma once

#include <string>

#include "core/source_pos.h"

namespace trainkit {

inline std::string place(const SourcePos& pos) { return pos.file.empty() ? "" : pos.str() + ": "; }

}  // namespace trainkit
