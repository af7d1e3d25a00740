// trainkit snapshot writer: what trainkit asks of trainkit-snapshot-writer, and its answer, as bytes.
// A request describes a captured tree by byte offsets into the staging memfd that travels with it
// (Note [Staging memory is a shared file]), never by pointers, plus the file to write and its format.
//
//   std::string bytes = encode_request(tree, "trainkit", "/out/snapshot_iter_100");   // trainkit
//   WriteRequest r = decode_request(bytes);                                          // the writer
//   state::StagedTree view = tree_at(r, mapped, mapped_size);   // leaves point into the mapping
//   std::string answer = encode_answer("");                     // "" = the file is in place
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "state/staged_tree.h"

namespace trainkit::snapshot_writer {

// One leaf of a request: a LeafView whose bytes are at `offset` in the staging file.
struct RequestLeaf {
  std::string key;
  state::LeafView view;  // data is unset
  uint64_t offset = 0;
};

struct WriteRequest {
  std::string format;  // "trainkit" | "torch"
  std::string path;    // the file to write
  std::vector<RequestLeaf> leaves;  // in key order
};

// tree's leaves must all lie in tree.memory's area. Throws std::out_of_range otherwise.
std::string encode_request(const state::StagedTree& tree, const std::string& format, const std::string& path);
// Throws std::runtime_error for bytes that are not a whole request.
WriteRequest decode_request(const std::string& bytes);
// The request's tree over [base, base + size) (the staging file mapped): every leaf is checked to lie
// inside it, else std::runtime_error. The tree holds no staging lease.
state::StagedTree tree_at(const WriteRequest& request, const uint8_t* base, uint64_t size);

// The writer's answer: "" when the file is in place, else why not.
std::string encode_answer(const std::string& error);
std::string decode_answer(const std::string& bytes);

}  // namespace trainkit::snapshot_writer
