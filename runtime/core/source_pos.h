// trainkit core: where a manifest value was written, and the one way trainkit spells that place.
//
//   SourcePos pos{"manifest.toml", 14, 3};
//   pos.str();                              // "manifest.toml:14:3"
//   SourcePos{"manifest.toml", 0, 0}.str(); // "manifest.toml": a default, placed at the file only
//
// Header-only and torch-free, so the manifest, the LibTorch side and the CLI spell it alike without
// linking one another.
#pragma once

#include <string>

namespace trainkit {

// Use to carry a value's place from the manifest to every message about it. Line 0 means "not from a
// line of the file" (a default, or a `--set` override: file is then "--set").
struct SourcePos {
  std::string file;
  int line = 0;
  int column = 0;

  // "manifest.toml:14:3", or the bare file when there is no line.
  std::string str() const {
    if (line <= 0) return file;
    return file + ":" + std::to_string(line) + ":" + std::to_string(column);
  }
};

}  // namespace trainkit
