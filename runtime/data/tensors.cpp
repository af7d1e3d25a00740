#include "data/tensors.h"

#include "core/error.h"
#include "data/array_source.h"
#include "torchfile/errors.h"
#include "torchfile/torch_format.h"
#include "torchfile/torch_zip.h"

namespace trainkit::data {
namespace {

constexpr const char* kExpected = "the tensors format reads a flat dict of tensors ({\"x\": X, \"y\": Y})";

Array array_of(const std::string& path, const std::string& key, const torchfile::TensorView& t,
               const std::shared_ptr<const void>& owner) {
  TK_CHECK(!t.shape.empty(), ConfigError, path, ": entry \"", key,
           "\" is a 0-d tensor; a field needs one entry per example along its first dimension");
  TK_CHECK(torchfile::is_state_dtype(t.dtype), ConfigError, path, ": entry \"", key, "\" is a tensor of ",
           dtype_text(t.dtype), ", which trainkit has no field type for");
  Field field{key, t.dtype, std::vector<int64_t>(t.shape.begin() + 1, t.shape.end()), {}};
  if (!t.is_compact()) {  // a transposed or expanded tensor: copied once, row-major
    std::vector<uint8_t> bytes(static_cast<size_t>(t.nbytes()));
    t.copy_compact(bytes.data());
    return owned_array(std::move(field), std::move(bytes), t.shape.front());
  }
  Array a;
  a.field = std::move(field);
  a.bytes = t.storage + static_cast<uint64_t>(t.offset) * (t.dtype.bits / 8);
  a.records = t.shape.front();
  a.owner = owner;
  return a;
}

}  // namespace

std::unique_ptr<Source> tensors_source(const std::string& path, const torchfile::Value& root,
                                       std::shared_ptr<const void> owner) {
  TK_CHECK(root.is(torchfile::Value::Kind::dict), ConfigError, path, " holds ", torchfile::summary(root), "; ", kExpected);
  std::vector<Array> arrays;
  for (const auto& [key, value] : root.entries) {
    TK_CHECK(key.is(torchfile::Value::Kind::string), ConfigError, path, ": the dict has a ", torchfile::kind_name(key.kind),
             " key ", torchfile::key_text(key), "; ", kExpected);
    TK_CHECK(!value.is(torchfile::Value::Kind::dict), ConfigError, path, ": entry \"", key.string, "\" is a nested dict; ",
             kExpected);
    TK_CHECK(value.is(torchfile::Value::Kind::tensor), ConfigError, path, ": entry \"", key.string,
             "\" is not a tensor (it holds ", torchfile::summary(value), "); ", kExpected);
    arrays.push_back(array_of(path, key.string, value.tensor, owner));
  }
  TK_CHECK(!arrays.empty(), ConfigError, path, ": holds no tensor; ", kExpected);
  return std::make_unique<ArraySource>(path, std::move(arrays));
}

std::unique_ptr<Source> open_tensors(const std::string& path) {
  std::shared_ptr<const torchfile::TorchFile> file;
  try {
    file = std::make_shared<const torchfile::TorchFile>(torchfile::TorchFile::open(path));
  } catch (const torchfile::DamagedFile& e) {
    throw ConfigError(str_cat(path, ": cannot read as a torch file: ", e.what()));
  } catch (const torchfile::Unsupported& e) {
    throw ConfigError(str_cat(path, ": trainkit cannot read what it holds: ", e.what(), "; ", kExpected));
  } catch (const torchfile::Error& e) {
    throw ConfigError(str_cat(path, ": ", e.what()));
  }
  TK_CHECK(file->zip().kind == torchfile::TorchZip::Kind::data, ConfigError, path,
           " holds a TorchScript module (torch.jit.save); ", kExpected);
  return tensors_source(path, file->zip().root, file);
}

}  // namespace trainkit::data
