// A Communicator for one rank whose peers are simulated: every all-reduce adds (or takes the min/max of) the
// vectors queued for the other ranks, in order; broadcasts and barriers are recorded.
#pragma once

#include <algorithm>
#include <deque>
#include <stdexcept>
#include <string>
#include <vector>

#include "distributed/communicator.h"

namespace tk_test {

class FakeCommunicator final : public trainkit::distributed::Communicator {
 public:
  FakeCommunicator(int rank, int world_size) : rank_(rank), world_size_(world_size) {}

  int rank() const override { return rank_; }
  int world_size() const override { return world_size_; }
  int local_rank() const override { return rank_; }

  void all_reduce(std::vector<double>& values, Op op) override {
    if (fail_next) throw std::runtime_error("collective failed (fake)");
    reduced.push_back(values);
    if (others.empty()) return;
    std::vector<double> theirs = others.front();
    others.pop_front();
    if (theirs.size() != values.size()) throw std::logic_error("the fake's peer vector has another length");
    for (size_t i = 0; i < values.size(); ++i)
      values[i] = op == Op::kSum ? values[i] + theirs[i]
                  : op == Op::kMin ? std::min(values[i], theirs[i]) : std::max(values[i], theirs[i]);
  }
  void broadcast(std::string& text, int root) override {
    if (root != rank_ && !broadcasts.empty()) text = broadcasts.front();
  }
  void barrier() override { ++barriers; }
  void abandon(const std::string& why) noexcept override { abandoned = why; }

  std::deque<std::vector<double>> others;  // what the other ranks contribute, summed into one vector per call
  std::vector<std::vector<double>> reduced;  // this rank's inputs, in order
  std::deque<std::string> broadcasts;
  int barriers = 0;
  bool fail_next = false;
  std::string abandoned;

 private:
  int rank_, world_size_;
};

}  // namespace tk_test
