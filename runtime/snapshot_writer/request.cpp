#include "snapshot_writer/request.h"

#include <cstring>
#include <stdexcept>

namespace trainkit::snapshot_writer {
namespace {

constexpr char kMagic[] = "tkwrite1";  // the version of this encoding: trainkit and its writer are built together
constexpr size_t kMagicSize = sizeof kMagic - 1;

template <class T>
void put(std::string& out, T v) {
  out.append(reinterpret_cast<const char*>(&v), sizeof v);
}
void put_text(std::string& out, const std::string& s) {
  put<uint64_t>(out, s.size());
  out += s;
}

class Reader {
 public:
  explicit Reader(const std::string& bytes) : bytes_(bytes) {}
  template <class T>
  T get() {
    T v;
    std::memcpy(&v, take(sizeof v), sizeof v);
    return v;
  }
  std::string text() {
    const uint64_t n = get<uint64_t>();
    return std::string(take(n), n);
  }
  const char* take(uint64_t n) {
    if (n > bytes_.size() - at_) throw std::runtime_error("the snapshot write request is cut short");
    const char* p = bytes_.data() + at_;
    at_ += n;
    return p;
  }
  bool done() const { return at_ == bytes_.size(); }

 private:
  const std::string& bytes_;
  size_t at_ = 0;
};

}  // namespace

std::string encode_request(const state::StagedTree& tree, const std::string& format, const std::string& path) {
  const state::StagingArea& area = tree.memory.area();
  std::string out(kMagic, kMagicSize);
  put_text(out, format);
  put_text(out, path);
  put<uint64_t>(out, tree.leaves.size());
  for (const auto& [key, view] : tree.leaves) {
    put_text(out, key);
    put<uint8_t>(out, static_cast<uint8_t>(view.type));
    put<uint8_t>(out, view.dtype.code);
    put<uint8_t>(out, view.dtype.bits);
    put<uint16_t>(out, view.dtype.lanes);
    put<uint64_t>(out, view.shape.size());
    for (int64_t d : view.shape) put<int64_t>(out, d);
    put<uint64_t>(out, view.size);
    put<uint64_t>(out, area.offset_of(view.data));
  }
  return out;
}

WriteRequest decode_request(const std::string& bytes) {
  Reader in(bytes);
  if (std::memcmp(in.take(kMagicSize), kMagic, kMagicSize) != 0)
    throw std::runtime_error("not a snapshot write request (another trainkit version?)");
  WriteRequest r;
  r.format = in.text();
  r.path = in.text();
  const uint64_t count = in.get<uint64_t>();
  for (uint64_t i = 0; i < count; ++i) {
    RequestLeaf leaf;
    leaf.key = in.text();
    const uint8_t type = in.get<uint8_t>();
    if (type < uint8_t(state::LeafType::kInt64) || type > uint8_t(state::LeafType::kTensor))
      throw std::runtime_error("snapshot write request: leaf type " + std::to_string(type) + " is unknown");
    leaf.view.type = static_cast<state::LeafType>(type);
    leaf.view.dtype.code = in.get<uint8_t>();
    leaf.view.dtype.bits = in.get<uint8_t>();
    leaf.view.dtype.lanes = in.get<uint16_t>();
    const uint64_t ndim = in.get<uint64_t>();
    if (ndim > 64) throw std::runtime_error("snapshot write request: a tensor of " + std::to_string(ndim) + " dimensions");
    for (uint64_t d = 0; d < ndim; ++d) leaf.view.shape.push_back(in.get<int64_t>());
    leaf.view.size = in.get<uint64_t>();
    leaf.offset = in.get<uint64_t>();
    r.leaves.push_back(std::move(leaf));
  }
  if (!in.done()) throw std::runtime_error("the snapshot write request has bytes after its end");
  return r;
}

state::StagedTree tree_at(const WriteRequest& request, const uint8_t* base, uint64_t size) {
  state::StagedTree tree;
  for (const RequestLeaf& leaf : request.leaves) {
    if (leaf.offset > size || leaf.view.size > size - leaf.offset)
      throw std::runtime_error("snapshot write request: \"" + leaf.key + "\" lies outside the staging memory");
    state::LeafView view = leaf.view;
    view.data = base + leaf.offset;
    tree.leaves.emplace_hint(tree.leaves.end(), leaf.key, std::move(view));
  }
  return tree;
}

std::string encode_answer(const std::string& error) { return error.empty() ? std::string("ok") : "error:" + error; }

std::string decode_answer(const std::string& bytes) {
  if (bytes == "ok") return "";
  if (bytes.rfind("error:", 0) == 0 && bytes.size() > 6) return bytes.substr(6);
  return "the snapshot writer gave an answer trainkit does not understand";
}

}  // namespace trainkit::snapshot_writer
