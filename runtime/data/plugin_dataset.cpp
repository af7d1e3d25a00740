#include "data/plugin_dataset.h"

#include <cstring>
#include <set>

#include "core/error.h"
#include "core/name_list.h"
#include "core/spelling.h"
#include "plugin/call.h"
#include "state/abi_visitor.h"
#include "state/dl_tensor.h"

namespace trainkit::data {
namespace {

// A host buffer lent to the plugin as field `f`'s output, with `batch` examples in front when > 0.
struct OutTensor {
  std::vector<int64_t> shape;
  DLTensor dl{};
};

std::vector<OutTensor> out_tensors(const std::vector<Field>& fields, const std::vector<uint8_t*>& data, int64_t batch) {
  std::vector<OutTensor> out(fields.size());
  for (size_t f = 0; f < fields.size(); ++f) {
    if (batch > 0) out[f].shape.push_back(batch);
    out[f].shape.insert(out[f].shape.end(), fields[f].shape.begin(), fields[f].shape.end());
    out[f].dl.data = data[f];
    out[f].dl.device = {kDLCPU, 0};
    out[f].dl.ndim = static_cast<int32_t>(out[f].shape.size());
    out[f].dl.dtype = fields[f].dtype;
    out[f].dl.shape = out[f].shape.empty() ? nullptr : out[f].shape.data();
  }
  return out;
}

// The DLTensors alone, contiguous, as the ABI takes them.
std::vector<DLTensor> raw(const std::vector<OutTensor>& out) {
  std::vector<DLTensor> dl;
  for (const OutTensor& t : out) dl.push_back(t.dl);
  return dl;
}

}  // namespace

PluginDataset::PluginDataset(const tk_dataset_class& cls, const LoadedPlugin& plugin,
                             std::shared_ptr<const BoundOptions> options, const tk_host* host, const std::string& split)
    : cls_(cls), plugin_(plugin), options_(std::move(options)), split_(split) {
  tk_error err = make_error_buffer();
  throw_unless_ok<ConfigError>(cls_.create(&cls_, options_->view(), host, split_.c_str(), &instance_, &err), err,
                               str_cat(origin(), ": create failed"));
  const tk_dataset_field* raw_fields = nullptr;
  size_t count = 0;
  err = make_error_buffer();
  const tk_status s = cls_.describe(instance_, &size_, &raw_fields, &count, &err);
  if (s != TK_OK) {
    cls_.destroy(instance_);
    throw_unless_ok<ConfigError>(s, err, str_cat(origin(), ": describe failed"));
  }
  try {
    TK_CHECK(size_ > 0, ConfigError, origin(), ": describe gave ", size_, " examples; a split needs at least one");
    TK_CHECK(count > 0 && raw_fields != nullptr, ConfigError, origin(), ": describe gave no field");
    const uint32_t stride = raw_fields[0].struct_size;
    TK_CHECK(stride >= sizeof(tk_dataset_field) && stride % alignof(tk_dataset_field) == 0, ConfigError, origin(),
             ": tk_dataset_field struct_size ", stride, " cannot be walked (at least ", sizeof(tk_dataset_field), ")");
    std::set<std::string> names;
    for (size_t i = 0; i < count; ++i) {
      const auto& f = *reinterpret_cast<const tk_dataset_field*>(reinterpret_cast<const char*>(raw_fields) + i * stride);
      TK_CHECK(f.name != nullptr && *f.name != '\0', ConfigError, origin(), ": field #", i, " has no name");
      TK_CHECK(names.insert(f.name).second, ConfigError, origin(), ": field \"", f.name, "\" appears twice");
      TK_CHECK(f.ndim >= 0 && f.ndim < TK_MAX_DIMS && (f.ndim == 0 || f.shape != nullptr), ConfigError, origin(),
               ": field \"", f.name, "\" has ndim ", f.ndim, " (0..", TK_MAX_DIMS - 1, ", with a shape)");
      Field field{f.name, f.dtype, std::vector<int64_t>(f.shape, f.shape + f.ndim), {}};
      for (int64_t d : field.shape)
        TK_CHECK(d > 0, ConfigError, origin(), ": field \"", f.name, "\" has shape ", state::shape_text(field.shape));
      TK_CHECK(field.example_bytes() != SIZE_MAX, ConfigError, origin(), ": field \"", f.name, "\" of dtype ",
               dtype_text(f.dtype), " has no byte size");
      fields_.push_back(std::move(field));
    }
  } catch (...) {
    cls_.destroy(instance_);
    throw;
  }
}

PluginDataset::~PluginDataset() { cls_.destroy(instance_); }

std::string PluginDataset::origin() const { return str_cat("dataset \"", cls_.name, "\" (", split_, ")"); }

void PluginDataset::read(size_t field, int64_t index, void* out) const {
  std::vector<std::vector<uint8_t>> scratch(fields_.size());
  std::vector<uint8_t*> buffers;
  for (size_t f = 0; f < fields_.size(); ++f) {
    scratch[f].resize(fields_[f].example_bytes());
    buffers.push_back(scratch[f].data());
  }
  read_rows(&index, 1, buffers);
  std::memcpy(out, scratch.at(field).data(), scratch[field].size());
}

void PluginDataset::read_rows(const int64_t* rows, int64_t n, const std::vector<uint8_t*>& out) const {
  std::lock_guard<std::mutex> lock(lock_);
  tk_error err = make_error_buffer();
  if (cls_.read_batch != nullptr) {
    const std::vector<OutTensor> batch = out_tensors(fields_, out, n);
    const std::vector<DLTensor> dl = raw(batch);
    throw_unless_ok<TrainingError>(cls_.read_batch(instance_, rows, n, dl.data(), dl.size(), &err), err,
                                   str_cat(origin(), ": read_batch of ", n, " examples failed"));
    return;
  }
  std::vector<uint8_t*> at = out;
  for (int64_t i = 0; i < n; ++i) {
    const std::vector<OutTensor> example = out_tensors(fields_, at, 0);
    const std::vector<DLTensor> dl = raw(example);
    throw_unless_ok<TrainingError>(cls_.read_example(instance_, rows[i], dl.data(), dl.size(), &err), err,
                                   str_cat(origin(), ": read_example ", rows[i], " failed"));
    for (size_t f = 0; f < fields_.size(); ++f) at[f] += fields_[f].example_bytes();
  }
}

void PluginDataset::visit(state::Visitor& v, uint32_t saved_version) const {
  tk_error err = make_error_buffer();
  AbiVisitor abi(v, saved_version);
  const tk_status s = cls_.visit_state(instance_, abi.raw(), &err);
  abi.close_open_scopes();
  abi.rethrow_pending();
  if (v.loading())
    throw_unless_ok<ResumeError>(s, err, str_cat(origin(), ": visit_state (load)"));
  else
    throw_unless_ok<TrainingError>(s, err, str_cat(origin(), ": visit_state (save)"));
}

void PluginDataset::save_state(state::Visitor& v) const {
  std::lock_guard<std::mutex> lock(lock_);
  v.scope("header", [&] {
    std::string id = plugin_.id, version = plugin_.version, cls = cls_.name;
    int64_t state_version = cls_.state_version;
    v.value("plugin_id", id);
    v.value("plugin_version", version);
    v.value("class", cls);
    v.value("state_version", state_version);
  });
  if (cls_.state_version != 0) v.scope("state", [&] { visit(v, cls_.state_version); });
}

void PluginDataset::load_state(state::Visitor& v) {
  std::lock_guard<std::mutex> lock(lock_);
  std::string saved_id, saved_version;
  int64_t saved_state = 0;
  bool present = false;
  v.scope("header", [&] {
    present = v.value("plugin_id", saved_id);
    v.value("plugin_version", saved_version);
    v.value("state_version", saved_state);
  });
  if (!present) return;  // a snapshot from before this dataset: it starts as created
  const std::string saved = str_cat(saved_id, " ", saved_version, ", state v", saved_state);
  TK_CHECK(saved_id == plugin_.id, ResumeError, origin(), ": the snapshot holds state of ", saved, ", but the class is from ",
           plugin_.id, " ", plugin_.version, "; resume with the plugin that wrote it");
  if (saved_state == 0 || cls_.state_version == 0) return;  // nothing for the plugin to read
  TK_CHECK(saved_state >= cls_.oldest_state_version && saved_state <= cls_.state_version, ResumeError, origin(),
           ": the snapshot holds state v", saved_state, " of ", saved, "; the loaded ", plugin_.id, " ", plugin_.version,
           " reads v", cls_.oldest_state_version, "..v", cls_.state_version);
  v.scope("state", [&] { visit(v, static_cast<uint32_t>(saved_state)); });
}

BoundDataset bind_dataset(const DataConfig& c, const PluginRegistry& registry, const std::string& out_dir) {
  const std::string at = c.pos.file.empty() ? "" : c.pos.str() + ": ";
  BoundDataset bound{nullptr, nullptr, nullptr};
  bound.cls = registry.find_dataset(c.plugin, &bound.plugin);
  if (bound.cls == nullptr) {
    const std::vector<std::string> names = registry.dataset_names();
    throw ConfigError(str_cat(at, "data.plugin: no dataset class \"", c.plugin, "\" is loaded",
                              did_you_mean(c.plugin, names),
                              names.empty() ? " (no loaded plugin offers a dataset class; see trainkit plugins)"
                                            : str_cat(" (loaded: ", name_list(names), ")")));
  }
  bound.options = bind_dataset_options(c, *bound.cls, out_dir);
  return bound;
}

Splits open_plugin_splits(const DataConfig& c, const PluginRegistry& registry, const tk_host* host,
                          const std::string& out_dir) {
  const BoundDataset bound = bind_dataset(c, registry, out_dir);
  Splits s;
  s.train = std::make_unique<PluginDataset>(*bound.cls, *bound.plugin, bound.options, host, c.train);
  if (!c.validation.empty())
    s.validation = std::make_unique<PluginDataset>(*bound.cls, *bound.plugin, bound.options, host, c.validation);
  return s;
}

}  // namespace trainkit::data
