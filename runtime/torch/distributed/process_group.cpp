#include "torch/distributed/process_group.h"

#include <netdb.h>
#include <sys/socket.h>

#include <ATen/ATen.h>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#if TK_HAVE_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include <algorithm>
#include <cstdlib>

#include "core/error.h"
#include "distributed/diagnosis.h"
#include "torch/distributed/process_group_impl.h"
#include "torch/place.h"

namespace trainkit {
namespace {

using std::chrono::milliseconds;

// Every key trainkit keeps in the rendezvous store; c10d's own keys have other prefixes.
std::string key(const char* kind, int rank) { return str_cat("trainkit/", kind, "/", rank); }

milliseconds to_ms(double seconds) { return milliseconds(static_cast<int64_t>(seconds * 1000.0)); }

std::vector<uint8_t> bytes_of(const std::string& s) { return std::vector<uint8_t>(s.begin(), s.end()); }
std::string text_of(const std::vector<uint8_t>& v) { return std::string(v.begin(), v.end()); }

// c10d's message without the C++ backtrace LibTorch appends.
std::string message_of(const std::exception& e) {
  if (auto* c10 = dynamic_cast<const c10::Error*>(&e)) return c10->what_without_backtrace();
  return e.what();
}

std::string address(const distributed::JobEnv& job) { return str_cat(job.master_addr, ":", job.master_port); }

// Checked here because c10d retries an unknown host until the timeout, which says less, later.
void check_resolves(const distributed::JobEnv& job) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  int rc = ::getaddrinfo(job.master_addr.c_str(), nullptr, &hints, &found);
  if (found) ::freeaddrinfo(found);
  TK_CHECK(rc == 0, ConfigError, "MASTER_ADDR=", job.master_addr, " does not resolve (", ::gai_strerror(rc),
           "); it must name rank 0's machine");
}

bool is_loopback(const std::string& host) {
  return host == "localhost" || host.rfind("127.", 0) == 0 || host == "::1";
}

// The rendezvous client counts as one of the world_size workers rank 0's store waits for; the extra
// clients (diagnosis, watchdog) do not.
enum class StoreRole { kRendezvous, kExtra };

c10::intrusive_ptr<c10d::TCPStore> connect_store(const distributed::JobEnv& job, StoreRole role, milliseconds timeout) {
  c10d::TCPStoreOptions o;
  o.port = static_cast<uint16_t>(job.master_port);
  o.isServer = role == StoreRole::kRendezvous && job.rank == 0;
  if (role == StoreRole::kRendezvous) o.numWorkers = job.world_size;
  o.waitWorkers = role == StoreRole::kRendezvous;
  o.timeout = timeout;
  return c10::make_intrusive<c10d::TCPStore>(job.master_addr, o);
}

std::string rendezvous_problem(const distributed::JobEnv& job, const DistributedConfig& config, const std::string& what) {
  if (job.rank == 0 && (what.find("bind") != std::string::npos || what.find("listen") != std::string::npos))
    return str_cat("rank 0 cannot serve the rendezvous on MASTER_PORT=", job.master_port,
                   ": the port is in use on this machine (", what, "); choose a free port");
  return str_cat("rendezvous at ", address(job), " (", distributed::describe(job), ") failed within ", config.timeout,
                 " s: ", what, ". Check that MASTER_ADDR and MASTER_PORT name rank 0's machine and port, and that all ",
                 job.world_size, " ranks were started with the same manifest");
}

// Note [Fingerprints at rendezvous]: each rank publishes its fingerprint and reads every other's, then counts
// itself done. Rank 0 serves the store, so it waits for every count before it goes on: it never leaves while
// another rank still reads. The others need not wait: a difference between any two ranks is one every rank
// sees (some rank differs from its own), so all of them stop with the same message.
void check_fingerprints(c10d::Store& store, const distributed::JobEnv& job, const std::string& mine,
                        milliseconds timeout) {
  auto refuse = [&](const std::vector<std::string>& differing) {
    std::string list;
    for (const auto& d : differing) list += (list.empty() ? "" : ", ") + d;
    throw ConfigError(str_cat("the ranks do not run the same job: rank ", job.rank, "'s fingerprint is ", mine,
                              ", but ", list, ". The manifest text, the --set overrides, the world size and the "
                              "trainkit version must be the same on every rank"));
  };
  store.set(key("fingerprint", job.rank), bytes_of(mine));
  std::vector<std::string> differing;
  for (int r = 0; r < job.world_size; ++r) {
    if (r == job.rank) continue;
    std::string theirs = text_of(store.get(key("fingerprint", r)));
    if (theirs != mine) differing.push_back(str_cat("rank ", r, " has ", theirs));
  }
  store.add("trainkit/fingerprints_read", 1);
  if (job.rank != 0 && !differing.empty()) refuse(differing);
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (store.add("trainkit/fingerprints_read", 0) < job.world_size && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(milliseconds(10));
  if (!differing.empty()) refuse(differing);
}

c10::intrusive_ptr<c10d::ProcessGroup> make_backend(ProcessGroup::Impl& impl, milliseconds timeout) {
  const distributed::JobEnv& job = impl.job;
#if TK_HAVE_NCCL
  if (impl.config.backend == "nccl") {
    auto options = c10d::ProcessGroupNCCL::Options::create();
    options->timeout = timeout;
    impl.device = at::Device(at::kCUDA, static_cast<c10::DeviceIndex>(job.local_rank));
    return c10::make_intrusive<c10d::ProcessGroupNCCL>(impl.store, job.rank, job.world_size, options);
  }
#endif
  auto options = c10d::ProcessGroupGloo::Options::create(timeout);
  // torch.distributed's choice of interface: GLOO_SOCKET_IFNAME, else the host's own address; a job whose
  // rendezvous is on the loopback stays on it.
  if (const char* ifname = std::getenv("GLOO_SOCKET_IFNAME"); ifname != nullptr && *ifname != '\0')
    options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(ifname));
  else if (is_loopback(job.master_addr))
    options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
  else
    options->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
  options->threads = 2;  // torch.distributed's default
  return c10::make_intrusive<c10d::ProcessGroupGloo>(impl.store, job.rank, job.world_size, options);
}

}  // namespace

std::chrono::milliseconds ProcessGroup::Impl::beat() const {
  // Often enough that a silent rank shows within a few seconds, rarely enough to cost nothing.
  return std::clamp(to_ms(config.timeout / 20), milliseconds(100), milliseconds(2000));
}

void ProcessGroup::Impl::start_watchdog(c10::intrusive_ptr<c10d::Store> client) {
  watchdog_ = std::thread([this, client] {
    const std::string beat_key = key("beat", job.rank), sequence_key = key("sequence", job.rank);
    std::unique_lock<std::mutex> lock(watchdog_mutex_);
    while (!watchdog_stop_) {
      lock.unlock();
      try {
        client->add(beat_key, 1);
        client->set(sequence_key, bytes_of(std::to_string(sequence.load())));
      } catch (const std::exception&) {
        return;  // the store is gone (rank 0 finished or failed): there is no one left to tell
      }
      lock.lock();
      watchdog_wake_.wait_for(lock, beat(), [this] { return watchdog_stop_; });
    }
  });
}

void ProcessGroup::Impl::stop_watchdog() {
  {
    std::lock_guard<std::mutex> lock(watchdog_mutex_);
    watchdog_stop_ = true;
  }
  watchdog_wake_.notify_all();
  if (watchdog_.joinable()) watchdog_.join();
}

c10::intrusive_ptr<c10d::Work> ProcessGroup::Impl::launch(const char* what, const Start& start) {
  TK_CHECK(!broken, TrainingError, "distributed ", what, " not started: this rank's group is broken (", broken_reason, ")");
  ++sequence;
  try {
    return start();
  } catch (const std::exception& e) {
    fail(what, message_of(e));
  }
}

void ProcessGroup::Impl::wait(const char* what, const c10::intrusive_ptr<c10d::Work>& work) {
  try {
    work->wait();
  } catch (const std::exception& e) {
    fail(what, message_of(e));
  }
}

void ProcessGroup::Impl::fail(const char* what, const std::string& error) {
  const bool first = !broken;
  broken = true;
  if (first) broken_reason = str_cat(what, " failed");
  const std::string blamed = first ? diagnose() : "";
  throw TrainingError(blamed.empty() ? str_cat("distributed ", what, " failed: ", error)
                                     : str_cat("distributed ", what, " failed: ", blamed, " [", error, "]"));
}

// Note [Naming the rank that failed] (distributed/diagnosis.h).
std::string ProcessGroup::Impl::diagnose() {
  distributed::Evidence e;
  e.store_address = address(job);
  e.my_sequence = sequence.load();
  const milliseconds window = beat() * 4;
  e.beat_window = static_cast<double>(window.count()) / 1000.0;
  try {
    for (int r = 0; r < job.world_size; ++r)
      if (r != job.rank) e.peers.push_back({r, std::nullopt, probe->add(key("beat", r), 0), -1, -1});
    std::this_thread::sleep_for(window);
    for (distributed::PeerEvidence& p : e.peers) {
      p.beats_after = probe->add(key("beat", p.rank), 0);
      if (probe->check({key("failed", p.rank)})) p.failure = text_of(probe->get(key("failed", p.rank)));
      if (probe->check({key("sequence", p.rank)}))
        p.sequence = std::strtoll(text_of(probe->get(key("sequence", p.rank))).c_str(), nullptr, 10);
    }
  } catch (const std::exception&) {
    if (job.rank == 0) return "";  // its own store: nothing to conclude from
    e.store_reachable = false;
  }
  return distributed::blame(e);
}

ProcessGroup::ProcessGroup(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

ProcessGroup::~ProcessGroup() {
  impl_->stop_watchdog();
  impl_->backend.reset();  // its threads end before the store they rendezvoused through
}

std::unique_ptr<ProcessGroup> ProcessGroup::join(const distributed::JobEnv& job, const DistributedConfig& config,
                                                 const std::string& fingerprint) {
#if !TK_HAVE_NCCL
  TK_CHECK(config.backend != "nccl", ConfigError, place(config.pos),
           "distributed.backend = \"nccl\": this trainkit's LibTorch was built without NCCL; use \"gloo\"");
#endif
  check_resolves(job);
  auto impl = std::make_unique<Impl>();
  impl->job = job;
  impl->config = config;
  const milliseconds timeout = to_ms(config.timeout);
  try {
    impl->store = connect_store(job, StoreRole::kRendezvous, timeout);
    check_fingerprints(*impl->store, job, fingerprint, timeout);
    impl->probe = connect_store(job, StoreRole::kExtra, std::max(impl->beat() * 4, milliseconds(1000)));
    impl->backend = make_backend(*impl, timeout);
    impl->start_watchdog(connect_store(job, StoreRole::kExtra, timeout));
  } catch (const ConfigError&) {
    throw;
  } catch (const std::exception& e) {
    throw ConfigError(rendezvous_problem(job, config, message_of(e)));
  }
  return std::unique_ptr<ProcessGroup>(new ProcessGroup(std::move(impl)));
}

int ProcessGroup::rank() const { return impl_->job.rank; }
int ProcessGroup::world_size() const { return impl_->job.world_size; }
int ProcessGroup::local_rank() const { return impl_->job.local_rank; }
const DistributedConfig& ProcessGroup::config() const { return impl_->config; }
const ProcessGroup::GradientTiming& ProcessGroup::gradient_timing() const { return impl_->gradient_timing; }

void ProcessGroup::all_reduce(std::vector<double>& values, Op op) {
  if (values.empty()) return;
  at::Tensor t = at::tensor(values, at::kDouble).to(impl_->device);
  std::vector<at::Tensor> tensors{t};
  c10d::AllreduceOptions options;
  options.reduceOp = op == Op::kSum ? c10d::ReduceOp::SUM : op == Op::kMin ? c10d::ReduceOp::MIN : c10d::ReduceOp::MAX;
  impl_->run("all-reduce", [&] { return impl_->backend->allreduce(tensors, options); });
  at::Tensor result = tensors[0].cpu();
  std::copy(result.data_ptr<double>(), result.data_ptr<double>() + result.numel(), values.begin());
}

void ProcessGroup::broadcast(std::string& text, int root) {
  c10d::BroadcastOptions options;
  options.rootRank = root;
  std::vector<at::Tensor> length{at::tensor({static_cast<int64_t>(text.size())}, at::kLong).to(impl_->device)};
  impl_->run("broadcast", [&] { return impl_->backend->broadcast(length, options); });
  const int64_t n = length[0].cpu().item<int64_t>();
  if (n == 0) {
    text.clear();
    return;
  }
  at::Tensor bytes = at::empty({n}, at::kByte);
  if (rank() == root) std::copy(text.begin(), text.end(), bytes.data_ptr<uint8_t>());
  std::vector<at::Tensor> data{bytes.to(impl_->device)};
  impl_->run("broadcast", [&] { return impl_->backend->broadcast(data, options); });
  at::Tensor received = data[0].cpu();
  text.assign(reinterpret_cast<const char*>(received.data_ptr<uint8_t>()), static_cast<size_t>(n));
}

void ProcessGroup::barrier() {
  impl_->run("barrier", [&] { return impl_->backend->barrier(); });
}

void ProcessGroup::abandon(const std::string& why) noexcept {
  if (impl_->broken) return;  // a failed collective: its diagnosis already named someone else
  impl_->broken = true;
  try {
    impl_->broken_reason = why.substr(0, why.find('\n'));
    impl_->probe->set(key("failed", impl_->job.rank), bytes_of(impl_->broken_reason.substr(0, 1000)));
  } catch (...) {
    // The store is gone too: the others will see this rank's silence instead of its reason.
  }
}

}  // namespace trainkit
