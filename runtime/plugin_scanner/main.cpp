// trainkit-plugin-scanner: loads one plugin file in a process of its own and tells trainkit whether the
// file may be loaded into trainkit itself. Started by trainkit (runtime/plugin/scan_process.h), one
// process per file; not a command for users.
//
//   trainkit-plugin-scanner -- /opt/plugins/x.so 3>verdict   # fd 3 gets "passed\n" or "refused\n<reason>"
//
// It runs what loading runs, in trainkit's order: dlopen (the system loader and the plugin's
// constructors), the entry checks, init, the class checks, deinit, and a normal exit (the plugin's
// exit-time destructors). Whatever crashes or hangs here costs trainkit one refused file, not its process.
//
// init gets a scan host that offers only "trainkit.log/1" (to stderr): the training services do not
// exist in a scan. So an init that returns an error here is not judged (the passed verdict lets trainkit
// call it with the real host, which decides); only one that crashes or hangs is.
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "plugin/load_steps.h"
#include "trainkit/abi.h"

#if defined(__SANITIZE_ADDRESS__)
// In a sanitizer build the scanner must end as a plain one does, or its verdicts would differ: a plugin's
// crash by its signal rather than by ASan's report and exit 1, and no leak report at exit about libraries
// that are never unloaded on purpose.
extern "C" const char* __asan_default_options() { return "detect_leaks=0:handle_segv=0:handle_abort=0"; }
#endif

namespace {

constexpr int kVerdictFd = 3;

void log_line(const tk_host*, int32_t, const char* message) { std::fprintf(stderr, "%s\n", message ? message : ""); }

const tk_log_service kLogService{sizeof(tk_log_service), &log_line};

const void* get_service(const tk_host*, const char* id) {
  return id != nullptr && std::strcmp(id, TK_SERVICE_LOG) == 0 ? &kLogService : nullptr;
}

const tk_host kScanHost{sizeof(tk_host), {TK_ABI_MAJOR, TK_ABI_MINOR}, "trainkit", TRAINKIT_VERSION, nullptr, &get_service};

std::optional<std::string> scan(const std::string& path) {
  const tk_plugin_entry* entry = nullptr;
  if (auto reason = trainkit::open_entry(path, &entry)) return reason;
  if (trainkit::call_init(*entry, &kScanHost)) return std::nullopt;  // judged by the real host; see above
  std::vector<const tk_extension_class*> classes;
  std::optional<std::string> reason = trainkit::read_classes(*entry, &classes);
  std::vector<const tk_dataset_class*> datasets;
  if (!reason) reason = trainkit::read_dataset_classes(*entry, &datasets);
  trainkit::call_deinit(*entry);
  return reason;
}

bool write_all(int fd, const std::string& text) {
  for (size_t done = 0; done < text.size();) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  // Dies with trainkit: a scan nobody waits for must not keep running (or hanging).
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (argc != 3 || std::strcmp(argv[1], "--") != 0 || ::fcntl(kVerdictFd, F_GETFD) < 0) {
    std::fprintf(stderr, "usage: trainkit-plugin-scanner -- PLUGIN.so 3>VERDICT (started by trainkit, not by hand)\n");
    return 2;
  }
  ::fcntl(kVerdictFd, F_SETFD, FD_CLOEXEC);  // nothing a plugin starts may write a verdict
  const std::optional<std::string> reason = scan(argv[2]);
  if (!write_all(kVerdictFd, reason ? "refused\n" + *reason : std::string("passed\n"))) return 3;
  ::close(kVerdictFd);
  return 0;
}
