#include "modes.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <limits>
#include <map>
#include <system_error>

#include <trainkit/sdk/atomic_file.hpp>
#include <trainkit/sdk/json.hpp>

namespace snapshot_plugin {
namespace {

std::string why(int err) { return std::generic_category().message(err); }

void fsync_folder(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) throw tk::Error(TK_ERR_IO, "cannot open folder \"", path, "\": ", why(errno));
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) throw tk::Error(TK_ERR_IO, "cannot sync folder \"", path, "\": ", why(err));
}

std::string parent_of(const std::string& path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace

Mode resolve_mode(const std::string& snapshot_mode, const std::string& mode, int world_size) {
  if (snapshot_mode != "default" && mode != "default" && snapshot_mode != mode)
    throw tk::Error(TK_ERR_INVALID, "snapshot_mode = \"", snapshot_mode, "\" and mode = \"", mode,
                    "\" disagree; mode is the older name of snapshot_mode: set one of them");
  const std::string& chosen = snapshot_mode != "default" ? snapshot_mode : mode;
  if (chosen == "sharded") return Mode::sharded;
  if (chosen == "distributed" || world_size > 1) return Mode::distributed;
  return Mode::single;
}

void make_step_folder(const StepFolder& step) {
  if (::mkdir(step.path().c_str(), 0777) != 0) {
    if (errno != EEXIST) throw tk::Error(TK_ERR_IO, "cannot create \"", step.path(), "\": ", why(errno));
    return;
  }
  fsync_folder(parent_of(step.path()));
}

void unmark(const StepFolder& step) {
  if (::unlink(step.marker().c_str()) != 0) {
    if (errno == ENOENT) return;
    throw tk::Error(TK_ERR_IO, "cannot remove \"", step.marker(), "\": ", why(errno));
  }
  fsync_folder(step.path());
}

void mark_complete(const StepFolder& step, int64_t iteration, int world_size) {
  tk::json::Value marker = tk::json::Value::object();
  marker.set("iteration", iteration);
  marker.set("world_size", int64_t{world_size});
  tk::write_file_atomically(step.marker(), tk::json::dump(marker) + "\n");
}

std::optional<Marker> read_marker(const StepFolder& step) {
  int fd = ::open(step.marker().c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::string text;
  char buffer[256];
  for (ssize_t n; (n = ::read(fd, buffer, sizeof buffer)) > 0 && text.size() < 4096;) text.append(buffer, size_t(n));
  ::close(fd);
  try {
    tk::json::Value v = tk::json::parse(text);
    const tk::json::Value* iteration = v.is_object() ? v.find("iteration") : nullptr;
    const tk::json::Value* world = v.is_object() ? v.find("world_size") : nullptr;
    if (iteration == nullptr || world == nullptr) return std::nullopt;
    Marker m{iteration->as_int(), static_cast<int>(world->as_int())};
    if (m.iteration < 0 || m.world_size < 1) return std::nullopt;
    return m;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::string remove_step(const StepFolder& step) {
  try {
    unmark(step);
  } catch (const tk::Error& e) {
    return std::string("cannot delete old snapshot step: ") + e.what();
  }
  DIR* d = ::opendir(step.path().c_str());
  if (d == nullptr) return errno == ENOENT ? "" : "cannot list \"" + step.path() + "\": " + why(errno);
  std::string problem;
  while (dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    std::string path = step.path() + "/" + name;
    if (::unlink(path.c_str()) != 0 && errno != ENOENT && problem.empty())
      problem = "cannot delete \"" + path + "\": " + why(errno);
  }
  ::closedir(d);
  if (problem.empty() && ::rmdir(step.path().c_str()) != 0 && errno != ENOENT)
    problem = "cannot delete folder \"" + step.path() + "\": " + why(errno);
  return problem;
}

// Note [Agreeing on a sharded step]
// Each rank knows the complete steps it sees and whether it can load its own part of each. The ranks agree
// on the newest step every rank can load: every rank proposes its newest loadable step not above a ceiling
// (all-reduce MIN: the newest step that may be loadable everywhere); the saver names the folder it has for
// that iteration (broadcast: two folders may record one iteration); every rank says whether it can load that
// very folder (all-reduce MIN). All yes: done. Otherwise the ceiling drops below that iteration and the ranks
// try again. ChainerMN and ppe need the same consensus (an all-gather of each rank's newest); this one also
// survives a part that is corrupt on one rank only.
std::string agree_on_step(const tk::Distributed& ranks, int saver_rank, const std::vector<StepCandidate>& candidates,
                          const std::function<bool(const StepCandidate&)>& loads) {
  std::map<size_t, bool> verdict;  // candidate index → loads(), asked once
  auto loadable = [&](size_t i) {
    auto it = verdict.find(i);
    if (it == verdict.end()) it = verdict.emplace(i, loads(candidates[i])).first;
    return it->second;
  };
  int64_t ceiling = std::numeric_limits<int64_t>::max();
  while (true) {
    double mine = -1;
    for (size_t i = 0; i < candidates.size(); ++i)
      if (candidates[i].iteration <= ceiling && loadable(i)) {
        mine = static_cast<double>(candidates[i].iteration);
        break;
      }
    const double proposed = ranks.all_reduce(mine, TK_REDUCE_MIN);
    if (proposed < 0) return "";
    const auto iteration = static_cast<int64_t>(proposed);
    std::string name;
    if (ranks.rank() == saver_rank)
      for (size_t i = 0; i < candidates.size() && name.empty(); ++i)
        if (candidates[i].iteration == iteration && loadable(i)) name = candidates[i].name;
    ranks.broadcast(name, saver_rank);
    const StepCandidate* chosen = nullptr;
    for (size_t i = 0; i < candidates.size() && chosen == nullptr; ++i)
      if (candidates[i].name == name && candidates[i].iteration == iteration && loadable(i)) chosen = &candidates[i];
    if (ranks.all_reduce(chosen ? 1.0 : 0.0, TK_REDUCE_MIN) == 1.0) return chosen->part;
    ceiling = iteration - 1;
  }
}

}  // namespace snapshot_plugin
