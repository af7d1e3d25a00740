// trainkit SDK: the host's "trainkit.distributed/1" service (SDK 1.2) as C++ values — where this process
// runs in a data-parallel job, and collectives over its ranks.
//
//   tk::Distributed ranks(host());                       // in create, or any thread: rank 0 of 1 when alone
//   if (ranks.rank() == 0) write_report();
//   ranks.barrier();                                     // every rank, same order; main thread, inside a call
//   double newest[] = {42};  ranks.all_reduce(newest, 1, TK_REDUCE_MIN);
//   std::string path = ranks.rank() == 0 ? find() : "";  ranks.broadcast(path, /*root=*/0);
//
// A collective that cannot complete (a rank died, hangs or failed) throws tk::Error(TK_ERR_IO) with the
// host's message, which names the rank.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "../abi.h"
#include "error.hpp"
#include "host.hpp"

namespace tk {

// Use to learn the rank and world size outside a callback, and to agree with the other ranks.
class Distributed {
 public:
  // Throws tk::Error(TK_ERR_INVALID) when the host does not offer "trainkit.distributed/1" (before 1.2).
  explicit Distributed(const Host& host)
      : host_(host.raw()), service_(&host.require<tk_distributed_service>(TK_SERVICE_DISTRIBUTED)) {}

  int rank() const { return service_->rank(host_); }              // [any thread]
  int world_size() const { return service_->world_size(host_); }  // [any thread]
  int local_rank() const { return service_->local_rank(host_); }  // [any thread]

  void barrier() const {
    tk_error err{sizeof(tk_error), TK_OK, {0}};
    tk_status s = service_->barrier(host_, &err);
    if (s != TK_OK) throw Error(s, "barrier: ", err.message);
  }
  // op: TK_REDUCE_SUM, TK_REDUCE_MIN or TK_REDUCE_MAX.
  void all_reduce(double* values, size_t count, int32_t op) const {
    tk_error err{sizeof(tk_error), TK_OK, {0}};
    tk_status s = service_->all_reduce(host_, values, count, op, &err);
    if (s != TK_OK) throw Error(s, "all-reduce: ", err.message);
  }
  double all_reduce(double value, int32_t op) const {
    all_reduce(&value, 1, op);
    return value;
  }
  // Rank root's text replaces `text` on every rank (up to max_bytes).
  void broadcast(std::string& text, int root, size_t max_bytes = 1 << 16) const {
    std::vector<char> buffer(max_bytes + 1, '\0');
    text.copy(buffer.data(), std::min(text.size(), max_bytes));
    tk_error err{sizeof(tk_error), TK_OK, {0}};
    tk_status s = service_->broadcast(host_, buffer.data(), buffer.size(), root, &err);
    if (s != TK_OK) throw Error(s, "broadcast: ", err.message);
    text = buffer.data();
  }

  const tk_distributed_service* raw() const { return service_; }

 private:
  const tk_host* host_;
  const tk_distributed_service* service_;
};

}  // namespace tk
