// [model]: a builtin network (names, keys and bounds from catalogue/models.h) or a TorchScript file, and the
// batch fields a forward-only model reads.
#include "catalogue/models.h"
#include "manifest/sections.h"
#include "manifest/table_reader.h"

namespace trainkit {
namespace {

void read_list(TableReader& r, const catalogue::ModelKey& key, std::vector<int64_t>& out) {
  if (!r.read(key.name, out)) return;
  if (!key.when_empty.empty()) r.require(!out.empty(), key.name, key.when_empty);
  for (size_t i = 0; i < out.size(); ++i) r.require_item_in(key.name, i, static_cast<double>(out[i]), key.range);
}

}  // namespace

// A key the chosen builtin does not read (hidden for a cnn) is accepted, as it always was: it is checked,
// and the run does not use it.
void read_model(const OptionValue& table, const std::string& dir, ModelConfig& m) {
  TableReader r(table, "model");
  m.pos = table.pos;
  const bool builtin_given = r.read("builtin", m.builtin);
  if (r.read("torchscript", m.torchscript)) {
    r.require(!builtin_given, "torchscript", "builtin and torchscript are exclusive: give one of them");
    r.require(!m.torchscript.empty(), "torchscript", "must be the path of a scripted module");
    m.torchscript = absolute_from(dir, m.torchscript);
    m.builtin.clear();
  } else {
    r.require_choice("builtin", m.builtin, catalogue::builtin_model_names());
  }
  read_list(r, catalogue::model_key("hidden"), m.hidden);
  read_list(r, catalogue::model_key("channels"), m.channels);
  const catalogue::ModelKey& dropout = catalogue::model_key("dropout");
  if (r.read(dropout.name, m.dropout)) r.require_in(dropout.name, m.dropout, dropout.range);
  if (r.read("input", m.input)) r.require(!m.input.empty(), "input", "must name a field of the batch");
  if (r.read("target", m.target)) r.require(!m.target.empty(), "target", "must name a field of the batch");
  r.finish();
}

}  // namespace trainkit
