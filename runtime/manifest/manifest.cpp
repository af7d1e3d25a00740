// The whole document: read the file, apply the overrides, then hand each section to its reader
// (sections.h).
#include "manifest/manifest.h"

#include <filesystem>

#include "core/error.h"
#include "core/regular_file.h"
#include "manifest/limits.h"
#include "manifest/overrides.h"
#include "manifest/sections.h"
#include "manifest/table_reader.h"

namespace trainkit {
namespace {

namespace fs = std::filesystem;

void read_root(const OptionValue& root, const std::string& display_path, Manifest& m) {
  // An absent section reads as an empty table placed at the file, so defaults flow through the same checks.
  OptionValue absent;
  absent.kind = OptionValue::Kind::kTable;
  absent.pos = SourcePos{display_path, 0, 0};
  TableReader r(root, "");
  auto section = [&](const std::string& name) -> const OptionValue& {
    const OptionValue* table = r.find(name);
    if (!table) return absent;
    expect_kind(*table, name, OptionValue::Kind::kTable);
    return *table;
  };
  const OptionValue& trainer = section("trainer");
  const OptionValue& model = section("model");
  const OptionValue& data = section("data");
  const OptionValue& optimizer = section("optimizer");
  const OptionValue& loss = section("loss");
  const OptionValue& distributed = section("distributed");
  const OptionValue* extensions = r.find("extension");
  r.finish();  // a misspelled section first: its keys would otherwise look missing
  read_trainer(trainer, m.dir, m.trainer);
  read_model(model, m.dir, m.model);
  read_data(data, m.dir, m.data);
  read_optimizer(optimizer, m.optimizer);
  read_loss(loss, m.loss);
  read_distributed(distributed, m.distributed);
  if (extensions) read_extensions(*extensions, m.extensions);
}

}  // namespace

Manifest parse_manifest(const std::string& text, const std::string& path, const std::vector<std::string>& overrides) {
  Manifest m;
  const fs::path absolute = fs::absolute(path).lexically_normal();
  m.path = absolute.string();
  m.dir = absolute.parent_path().string();
  m.text = text;
  m.overrides = overrides;
  OptionValue root = parse_document(text, path);
  for (const std::string& arg : overrides) apply_override(root, arg);
  read_root(root, path, m);
  return m;
}

Manifest load_manifest(const std::string& path, const std::vector<std::string>& overrides) {
  return parse_manifest(read_regular_file(path, kMaxManifestBytes, "manifest"), path, overrides);
}

}  // namespace trainkit
