#include "state/archive_saver.h"

namespace trainkit::state {

bool ArchiveSaver::add(const std::string& key, LeafType type, const void* data, size_t size) {
  LeafView view;
  view.type = type;
  view.data = data;
  view.size = size;
  writer_.add(path(key), view);
  return true;
}

bool ArchiveSaver::value(const std::string& key, int64_t& v) { return add(key, LeafType::kInt64, &v, sizeof v); }
bool ArchiveSaver::value(const std::string& key, double& v) { return add(key, LeafType::kFloat64, &v, sizeof v); }
bool ArchiveSaver::value(const std::string& key, bool& v) {
  const uint8_t byte = v ? 1 : 0;  // normalized: a bool's storage is not guaranteed to hold 0 or 1
  return add(key, LeafType::kBool, &byte, 1);
}
bool ArchiveSaver::value(const std::string& key, std::string& v) {
  return add(key, LeafType::kString, v.data(), v.size());
}
bool ArchiveSaver::bytes(const std::string& key, std::vector<uint8_t>& v) {
  return add(key, LeafType::kBytes, v.data(), v.size());
}

bool ArchiveSaver::tensor(const std::string& key, const DLTensor& t) {
  std::string p = path(key);
  LeafView view;
  view.type = LeafType::kTensor;
  view.data = host_bytes(t, p, view.size);
  view.dtype = t.dtype;
  view.shape = tensor_shape(t);
  writer_.add(p, view);
  return true;
}

bool ArchiveSaver::tensor_info(const std::string&, DLDataType&, std::vector<int64_t>&) { return false; }

}  // namespace trainkit::state
