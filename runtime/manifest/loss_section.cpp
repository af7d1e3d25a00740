// [loss]: one of the catalogue's losses.
#include "catalogue/losses.h"
#include "manifest/sections.h"
#include "manifest/table_reader.h"

namespace trainkit {

void read_loss(const OptionValue& table, LossConfig& l) {
  TableReader r(table, "loss");
  l.pos = table.pos;
  if (r.read("name", l.name)) r.require_choice("name", l.name, catalogue::loss_names());
  r.finish();
}

}  // namespace trainkit
