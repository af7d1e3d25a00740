// A fake "trainkit.snapshot/1" that writes real files, for the plugins that save the training state
// (snapshot, checkpoint), and SnapshotHost: a FakeHost that offers it.
//
//   SnapshotHost host;                                   // FakeHost's services + the fake snapshot service
//   Plugin plugin("snapshot", host);
//   Instance ext(plugin, host, "snapshot", {{"writer", std::string("thread")}});
//   TestContext ctx;  ctx.out_dir = dir.path();
//   host.snapshots.live_iteration = ctx.iteration = 10;  // what capture and write_now record
//   ext.call(ctx);
//
// The fake's "state" is a few lines of text (target, format, the live iteration at capture or write_now
// time). Its writer processes are fork()ed children that write what a socket brings them. write and write_now wait write_delay_ms, then write through tk::write_file_atomically (hidden temp
// file, fsync, rename), so writes can overlap training; verify reads the file back. Around each write the
// fake can run a callback (the real host visits extension states while streaming), fail a chosen file, and
// _exit right after the rename (a crash between the commit and whatever the plugin does next). Counters and
// records tell what the plugin asked for, on which thread, and how many copies and writes existed at once.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "plugin_host.h"

namespace tk_test {

// One write or write_now as the fake saw it.
struct WriteRecord {
  std::string name;        // the file name written
  std::string target, format;
  Strings dir_before;      // the folder's visible files right before the rename committed it
  bool ok = false;
};

// The fake's steering and records. Configure before the plugin starts writing; read after finalize.
struct FakeSnapshots {
  // ---- steering
  std::atomic<int64_t> live_iteration{0};
  std::atomic<int> write_delay_ms{0};
  std::string guard_dir;                           // non-empty: a write that overlaps another one, even in
                                                   // another process, fails with "two writes at once"
  std::set<std::string> fail_write;                // file names whose write / write_now fails (nothing renamed)
  std::map<std::string, std::string> fail_verify;  // file name -> the reason verify gives
  std::string exit_after_write;                    // file name: _exit(kCrashExitCode) right after its rename
  std::function<void()> while_writing;             // called inside each write, before the rename
  std::string writer_missing;                      // non-empty: start_writer fails, naming this path
  bool write_now_only = false;                     // capture, write and verify fail: for a plugin that must
                                                   // only stream, so a stray capture fails the test

  // ---- records
  std::atomic<int> captures{0}, writes{0}, write_nows{0}, releases{0}, verifies{0};
  std::atomic<int> writers_started{0};  // writer processes (fork()ed children serving writes)
  std::atomic<int> outstanding{0}, max_outstanding{0};  // captured copies not yet released (this process)
  std::atomic<int> in_flight{0}, max_in_flight{0};      // writes running at once (this process)

  std::mutex mutex;                           // guards the records below
  std::set<std::thread::id> capture_threads, write_threads;
  std::vector<std::string> verified;          // file names, in the order verify was asked
  std::vector<std::string> captured_targets;  // "target/format" per capture or write_now
  std::vector<WriteRecord> written;           // every write and write_now, in order (this process)

  static constexpr int kCrashExitCode = 42;
  static std::string content(int64_t iteration, const std::string& target, const std::string& format);
};

// FakeHost plus the fake snapshot service (offered unless offer_snapshot_service is false).
class SnapshotHost : public FakeHost {
 public:
  SnapshotHost();

  FakeSnapshots snapshots;
  bool offer_snapshot_service = true;

 private:
  static const void* get_service(const tk_host* h, const char* id);
  GetService base_services_ = nullptr;
};

}  // namespace tk_test
