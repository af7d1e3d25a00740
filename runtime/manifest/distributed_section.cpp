// [distributed]: the backend, how long a rank may wait for the others, and the gradient buckets.
#include <cmath>

#include "manifest/sections.h"
#include "manifest/table_reader.h"

namespace trainkit {

void read_distributed(const OptionValue& table, DistributedConfig& d) {
  TableReader r(table, "distributed");
  d.pos = table.pos;
  if (r.read("backend", d.backend)) r.require_choice("backend", d.backend, {"gloo", "nccl"});
  // A week bounds the timeout: c10d keeps it in milliseconds, and "never" is what the timeout is there to prevent.
  if (r.read("timeout", d.timeout))
    r.require(d.timeout > 0 && d.timeout <= 7 * 24 * 3600, "timeout", "must be > 0 and at most a week (seconds)");
  if (r.read("bucket_mb", d.bucket_mb))
    r.require(d.bucket_mb > 0 && std::isfinite(d.bucket_mb), "bucket_mb", "must be > 0 (MiB)");
  r.read("broadcast_buffers", d.broadcast_buffers);
  r.finish();
}

}  // namespace trainkit
