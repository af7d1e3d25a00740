#include "distributed/iteration_sync.h"

#include <csignal>
#include <string>
#include <utility>
#include <vector>

namespace trainkit::distributed {

Agreement IterationSync::after_step(Observation& observation, int local_signal, double local_elapsed_time) {
  const auto& items = observation.items();
  std::vector<double> values;
  values.reserve(items.size() + 3);
  for (const auto& kv : items) values.push_back(kv.second);
  const size_t tail = values.size();
  values.push_back(comm_.rank() == 0 ? local_elapsed_time : 0.0);
  values.push_back(local_signal == SIGINT ? 1.0 : 0.0);
  values.push_back(local_signal == SIGTERM ? 1.0 : 0.0);
  comm_.all_reduce(values, Communicator::Op::kSum);

  const double ranks = static_cast<double>(comm_.world_size());
  std::vector<std::pair<std::string, double>> means(items.begin(), items.end());
  for (size_t i = 0; i < tail; ++i) means[i].second = values[i] / ranks;
  for (const auto& kv : means) observation.report(kv.first, kv.second);

  Agreement a;
  a.elapsed_time = values[tail];
  a.signal = values[tail + 2] > 0 ? SIGTERM : values[tail + 1] > 0 ? SIGINT : 0;
  return a;
}

}  // namespace trainkit::distributed
