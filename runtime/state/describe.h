// trainkit state: a state tree described for people and for tools (`trainkit inspect`).
//
//   std::cout << state::describe_tree_text(tree);
//   // trainer/
//   //   iteration: int64 = 1200
//   // model/
//   //   0.weight: float32 [128, 784] (401408 bytes)
//   std::cout << state::describe_tree_json(tree, "\"format\": \"trainkit\", \"checksum\": \"ok\"");
#pragma once

#include <string>

#include "state/memory_tree.h"

namespace trainkit::state {

// One line per scope ("name/") and per leaf, indented two spaces per level: tensors with dtype name, shape
// and byte size, scalars with their value, strings quoted and cut after 60 characters, bytes with length.
std::string describe_tree_text(const MemoryTree& tree);

// A JSON object: the caller's `header_fields` first (zero or more members, already rendered and comma-
// separated: `"file": "out/snapshot_iter_5", "bytes": 4096`), then "entries", in key order, objects like
//   {"path": "model/0.weight", "type": "tensor", "dtype": "float32", "shape": [128, 784], "bytes": 401408}
//   {"path": "trainer/iteration", "type": "int64", "value": 1200}
//   {"path": "meta/manifest", "type": "string", "value": "...", "bytes": 812}   (the whole string)
//   {"path": "updater/rng", "type": "bytes", "bytes": 5056}
// Non-finite floats are the strings "NaN", "Infinity", "-Infinity", so strict JSON parsers accept the output.
std::string describe_tree_json(const MemoryTree& tree, const std::string& header_fields = "");

}  // namespace trainkit::state
