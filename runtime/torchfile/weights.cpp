#include "torchfile/weights.h"

#include "core/error.h"
#include "torchfile/errors.h"
#include "torchfile/torch_format.h"

namespace trainkit::torchfile {
namespace {

constexpr const char* kExpected = "expected a state_dict or a dict with a 'model' entry";

bool is_state_dict(const Value& v) {
  if (!v.is(Value::Kind::dict) || v.entries.empty()) return false;
  for (const auto& [key, value] : v.entries)
    if (!key.is(Value::Kind::string) || !value.is(Value::Kind::tensor)) return false;
  return true;
}

std::string tensors(const Value& state_dict) {
  const size_t n = state_dict.entries.size();
  return str_cat("a state_dict of ", n, n == 1 ? " tensor" : " tensors");
}

// Why a dict of tensors and more is not a state_dict: its first entry that is not a str-keyed tensor.
std::string first_non_tensor(const Value& dict) {
  for (const auto& [key, value] : dict.entries) {
    if (!key.is(Value::Kind::string)) return str_cat("its key ", key_text(key), " is a ", kind_name(key.kind));
    if (!value.is(Value::Kind::tensor)) return str_cat("its entry '", key.string, "' is ", summary(value));
  }
  return "it is empty";
}

}  // namespace

WeightsLocation locate_weights(const TorchZip& zip) {
  WeightsLocation where;
  if (zip.kind == TorchZip::Kind::torchscript) {
    where.kind = WeightsLocation::Kind::torchscript;
    where.description = "a TorchScript module (torch.jit.save)";
    return where;
  }
  const Value& root = zip.root;
  if (is_state_dict(root)) {
    where.kind = WeightsLocation::Kind::state_dict;
    where.state_dict = &root;
    where.description = tensors(root);
    return where;
  }
  const Value* model = root.find("model");
  if (model != nullptr && is_state_dict(*model)) {
    where.kind = WeightsLocation::Kind::state_dict;
    where.state_dict = model;
    where.description = "the 'model' entry, " + tensors(*model);
    return where;
  }
  if (model != nullptr) {
    where.description = str_cat(summary(root), " whose 'model' entry is ", summary(*model),
                                model->is(Value::Kind::dict) ? str_cat(" (", first_non_tensor(*model), ")") : "",
                                "; ", kExpected);
  } else {
    where.description = str_cat(summary(root), "; ", kExpected);
  }
  return where;
}

WeightsFile read_weights_file(const std::string& path) {
  MappedFile bytes;
  TorchZip zip;
  try {
    bytes = MappedFile::open(path);
    zip = parse_torch_zip(bytes.data(), bytes.size());
  } catch (const DamagedFile& e) {
    throw ResumeError(str_cat(path, ": cannot read as a torch file: ", e.what()));
  } catch (const Unsupported& e) {
    throw ResumeError(str_cat(path, ": trainkit cannot read what it holds: ", e.what(), "; ", kExpected));
  } catch (const Error& e) {
    throw ResumeError(str_cat(path, ": ", e.what()));
  }
  const WeightsLocation where = locate_weights(zip);
  if (where.kind == WeightsLocation::Kind::none) throw ResumeError(str_cat(path, " holds ", where.description));
  WeightsFile w;
  w.description = where.description;
  if (where.kind == WeightsLocation::Kind::torchscript) {
    w.kind = WeightsFile::Kind::torchscript;
    return w;
  }
  uint64_t left = max_copied_bytes(bytes.size());
  for (const auto& [key, value] : where.state_dict->entries) {
    const TensorView& t = value.tensor;
    const uint64_t n = t.nbytes();
    if (n > left) throw ResumeError(str_cat(path, ": its tensors need more memory than a file this size may"));
    left -= n;
    if (!w.tree.leaves.emplace("model/" + key.string, copy_to_leaf(t)).second)
      throw ResumeError(str_cat(path, ": the state_dict key '", key.string, "' appears twice"));
  }
  return w;
}

}  // namespace trainkit::torchfile
