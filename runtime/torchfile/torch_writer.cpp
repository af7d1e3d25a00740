#include "torchfile/torch_writer.h"

#include <cstdio>
#include <cstring>

#include "core/error.h"
#include "state/atomic_replace.h"
#include "state/dl_tensor.h"
#include "torchfile/errors.h"
#include "torchfile/pickler.h"
#include "torchfile/torch_format.h"

namespace trainkit::torchfile {
namespace {

constexpr const char* kArchive = "archive";  // the folder torch.save puts every entry under
constexpr char kVersion[] = "3\n";           // the record torch.save 1.13 to 2.x writes
constexpr char kByteOrder[] = "little";      // PyTorch 2's byteorder record (archive_format.h: little-endian only)

// The tree's '/'-separated keys as nested scopes, before they become Values.
struct Scope {
  std::map<std::string, Scope> scopes;
  std::map<std::string, const state::LeafView*> leaves;
};

Scope scopes_of(const std::map<std::string, state::LeafView>& leaves) {
  Scope root;
  for (const auto& [path, leaf] : leaves) {
    Scope* scope = &root;
    size_t start = 0;
    for (size_t slash; (slash = path.find('/', start)) != std::string::npos; start = slash + 1) {
      const std::string part = path.substr(start, slash - start);
      TK_CHECK(!part.empty(), TrainingError, "state key '", path, "' has an empty part");
      TK_CHECK(scope->leaves.count(part) == 0, TrainingError, "state key '", path.substr(0, slash),
               "' is both a value and a scope");
      scope = &scope->scopes[part];
    }
    const std::string key = path.substr(start);
    TK_CHECK(!key.empty(), TrainingError, "state key '", path, "' has an empty part");
    TK_CHECK(scope->scopes.count(key) == 0, TrainingError, "state key '", path, "' is both a value and a scope");
    scope->leaves.emplace(key, &leaf);
  }
  return root;
}

// A view of the leaf's own bytes: the pickle names it, the zip writes it from where it is.
TensorView tensor_view(const std::string& path, DLDataType dtype, std::vector<int64_t> shape, const state::LeafView& leaf) {
  TK_CHECK(is_state_dtype(dtype), TrainingError, "state key '", path, "': the torch format cannot hold a tensor of ",
           state::dtype_name(dtype));
  const size_t nbytes = state::tensor_nbytes(dtype, shape);
  TK_CHECK(nbytes == leaf.size, TrainingError, "state key '", path, "': ", leaf.size, " bytes for a ",
           state::dtype_name(dtype), " ", state::shape_text(shape), " tensor");
  TensorView t;
  t.dtype = dtype;
  t.strides = compact_strides(shape);
  t.shape = std::move(shape);
  t.storage = static_cast<const uint8_t*>(leaf.data);
  t.storage_bytes = leaf.size;
  return t;
}

Value leaf_value(const std::string& path, const state::LeafView& leaf) {
  const auto* p = static_cast<const uint8_t*>(leaf.data);
  Value v;
  switch (leaf.type) {
    case state::LeafType::kInt64:
      v.kind = Value::Kind::integer;
      std::memcpy(&v.integer, p, sizeof v.integer);
      break;
    case state::LeafType::kFloat64:
      v.kind = Value::Kind::floating;
      std::memcpy(&v.floating, p, sizeof v.floating);
      break;
    case state::LeafType::kBool:
      v.kind = Value::Kind::boolean;
      v.boolean = *p != 0;
      break;
    case state::LeafType::kString:
      v.kind = Value::Kind::string;
      v.string.assign(reinterpret_cast<const char*>(p), leaf.size);
      TK_CHECK(is_utf8(v.string), TrainingError, "state key '", path,
               "': the string is not UTF-8, which the torch format (Python's torch.load) needs");
      break;
    case state::LeafType::kBytes:  // a 1-d uint8 tensor (Note [The torch snapshot format])
      v.kind = Value::Kind::tensor;
      v.tensor = tensor_view(path, DLDataType{kDLUInt, 8, 1}, {static_cast<int64_t>(leaf.size)}, leaf);
      break;
    case state::LeafType::kTensor:
      v.kind = Value::Kind::tensor;
      v.tensor = tensor_view(path, leaf.dtype, leaf.shape, leaf);
      break;
  }
  return v;
}

Value str(const std::string& s) {
  Value v;
  v.kind = Value::Kind::string;
  v.string = s;
  return v;
}

Value dict_of(const Scope& scope, const std::string& prefix) {
  Value dict;
  dict.kind = Value::Kind::dict;
  for (const auto& [key, inner] : scope.scopes) dict.entries.emplace_back(str(key), dict_of(inner, prefix + key + "/"));
  for (const auto& [key, leaf] : scope.leaves) dict.entries.emplace_back(str(key), leaf_value(prefix + key, *leaf));
  return dict;
}

std::string entry(const std::string& name) { return std::string(kArchive) + "/" + name; }

const uint8_t* bytes_of(const char* text) { return reinterpret_cast<const uint8_t*>(text); }

}  // namespace

TorchWriter::TorchWriter(const std::map<std::string, state::LeafView>& leaves) {
  const Value root = dict_of(scopes_of(leaves), "");
  std::vector<const TensorView*> storages;
  try {
    pickle_ = pickle_value(root, storages);
  } catch (const Error& e) {
    throw TrainingError(str_cat("cannot write the state in the torch format: ", e.what()));
  }
  // torch.save's order: data.pkl first (looks_like_torch_file reads it), byteorder, the storages by key,
  // version last.
  std::vector<ZipSource> entries;
  entries.reserve(storages.size() + 3);
  entries.push_back({entry("data.pkl"), pickle_.data(), pickle_.size()});
  entries.push_back({entry("byteorder"), bytes_of(kByteOrder), sizeof kByteOrder - 1});
  for (size_t i = 0; i < storages.size(); ++i)
    entries.push_back({entry("data/" + std::to_string(i)), storages[i]->storage, storages[i]->storage_bytes});
  entries.push_back({entry("version"), bytes_of(kVersion), sizeof kVersion - 1});
  zip_ = std::make_unique<ZipWriter>(std::move(entries));
}

void write_torch_file(const std::map<std::string, state::LeafView>& leaves, const std::string& path) {
  TorchWriter writer(leaves);
  state::AtomicReplacement file;
  state::ReplaceFailure failure;
  if (file.begin(path.c_str(), &failure)) {
    if (const int error = writer.write(file.fd())) {
      failure.step = "write";
      failure.error = error;
      std::snprintf(failure.path, sizeof failure.path, "%s", file.temp_path());
    } else if (file.commit(&failure)) {
      return;
    }
  }
  throw TrainingError(state::describe(failure, path));
}

void write_torch_file(const state::StagedTree& tree, const std::string& path) { write_torch_file(tree.leaves, path); }

void write_torch_file(const state::MemoryTree& tree, const std::string& path) {
  std::map<std::string, state::LeafView> views;
  for (const auto& [key, leaf] : tree.leaves) views.emplace_hint(views.end(), key, state::view_of(leaf));
  write_torch_file(views, path);
}

}  // namespace trainkit::torchfile
