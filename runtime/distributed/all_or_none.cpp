#include "distributed/all_or_none.h"

#include <exception>
#include <vector>

#include "core/error.h"

namespace trainkit::distributed {

void all_or_none(Communicator& comm, const std::string& what, const std::function<void()>& body) {
  std::exception_ptr mine;
  int my_code = 0;
  try {
    body();
  } catch (const Error& e) {
    mine = std::current_exception();
    my_code = static_cast<int>(e.code());
  } catch (const std::exception&) {
    mine = std::current_exception();
    my_code = static_cast<int>(ExitCode::kTrainingFailed);
  }
  std::vector<double> codes(static_cast<size_t>(comm.world_size()), 0.0);
  codes[static_cast<size_t>(comm.rank())] = my_code;
  try {
    comm.all_reduce(codes, Communicator::Op::kSum);
  } catch (...) {
    if (mine) std::rethrow_exception(mine);  // this rank's own error says more than the failed agreement
    throw;
  }
  if (mine) std::rethrow_exception(mine);
  for (size_t r = 0; r < codes.size(); ++r)
    if (codes[r] != 0)
      throw Error(static_cast<ExitCode>(static_cast<int>(codes[r])),
                  str_cat("rank ", r, " could not ", what, " (its own error says why); no rank goes on"));
}

}  // namespace trainkit::distributed
