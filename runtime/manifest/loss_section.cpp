// [loss]: one of the catalogue's losses and the keys it reads; a key the chosen loss does not read is an
// error, not a silent no-op.
#include <algorithm>

#include "catalogue/losses.h"
#include "core/error.h"
#include "core/name_list.h"
#include "manifest/sections.h"
#include "manifest/table_reader.h"
#include "manifest/value_checks.h"

namespace trainkit {

void read_loss(const OptionValue& table, LossConfig& l) {
  TableReader r(table, "loss");
  l.pos = table.pos;
  if (r.read("name", l.name)) r.require_choice("name", l.name, catalogue::loss_names());
  for (const catalogue::LossKey& key : catalogue::loss_keys())
    if (r.read(key.name, l.*key.field)) r.require_in(key.name, l.*key.field, key.range);
  r.finish();
  const catalogue::LossSpec& loss = *catalogue::find_loss(l.name);
  for (const auto& [name, value] : table.fields) {
    const catalogue::LossKey* key = catalogue::find_loss_key(name);
    if (!key || std::find(loss.keys.begin(), loss.keys.end(), key) != loss.keys.end()) continue;
    throw ConfigError(str_cat(locate(value.key_pos, dotted("loss", name)), ": not used by \"", loss.name,
                              "\" (used by ", name_list(catalogue::losses_reading(name)), ")"));
  }
}

}  // namespace trainkit
