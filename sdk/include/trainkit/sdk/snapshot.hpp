// trainkit SDK: the host's "trainkit.snapshot/1" service as C++ values.
//
//   tk::SnapshotService snapshots(host());                    // throws if this trainkit does not offer it
//   snapshots.write_now("trainer", "trainkit", path);         // stream the live state, no second copy
//
//   tk::CapturedSnapshot copy = snapshots.capture("trainer", "trainkit");  // main thread, inside a call
//   std::thread([c = std::move(copy), path] { c.write(path); }).detach();  // any thread; released by ~c
//
//   tk::SnapshotCheck check = snapshots.verify(path);         // never throws for a bad file
//   if (check.ok) use(check.iteration); else host().warn(path, ": ", check.reason);
//
// Every file the service writes appears all at once (hidden temp file, fsync, rename, fsync of the folder).
// Failures throw tk::Error with the host's status and message.
//
//   tk::SnapshotWriter writer = snapshots.start_writer();     // a writer process (ABI 1.3), e.g. in create
//   writer.send(copy, path);                                  // returns at once; keep copy until result
//   writer.result();                                          // blocks; throws the write's error
//
// A capture copies into memory the host keeps for the run: a copy given back (release, or ~CapturedSnapshot)
// is reused by the next capture, so capturing costs a copy into warm pages. That memory is shared, not
// private: a writer process, or a child a plugin fork()s, reads the copy's pages as they are, so keep the copy
// until the writer answered for it (or the child exited); released earlier, the next capture overwrites it.
#pragma once

#include <cstdint>
#include <string>
#include <utility>

#include "../abi.h"
#include "error.hpp"
#include "host.hpp"

namespace tk {

// Use for the answer of SnapshotService::verify: whether the file is a whole, readable snapshot.
struct SnapshotCheck {
  bool ok = false;
  int64_t iteration = -1;  // the iteration the snapshot was taken at, when ok
  tk_status status = TK_OK; // the host's status when not ok (TK_ERR_IO for a corrupt, partial or foreign file)
  std::string reason;       // the host's message when not ok
};

// Use to hold a copy of the state taken by SnapshotService::capture; move-only, released when destroyed.
class CapturedSnapshot {
 public:
  CapturedSnapshot() = default;
  CapturedSnapshot(const tk_host* host, const tk_snapshot_service* service, tk_snapshot* snapshot)
      : host_(host), service_(service), snapshot_(snapshot) {}
  CapturedSnapshot(CapturedSnapshot&& other) noexcept { swap(other); }
  CapturedSnapshot& operator=(CapturedSnapshot&& other) noexcept {
    if (this != &other) {
      release();
      swap(other);
    }
    return *this;
  }
  CapturedSnapshot(const CapturedSnapshot&) = delete;
  CapturedSnapshot& operator=(const CapturedSnapshot&) = delete;
  ~CapturedSnapshot() { release(); }

  bool valid() const { return snapshot_ != nullptr; }
  explicit operator bool() const { return valid(); }

  // Writes the copy to path (any thread; one write of this copy at a time). Throws tk::Error.
  void write(const std::string& path) const {
    tk_error err{sizeof(tk_error), TK_OK, {0}};
    tk_status s = write(path.c_str(), err);
    if (s != TK_OK) throw Error(s, "writing snapshot \"", path, "\": ", err.message);
  }
  // The same without exceptions or allocation: usable in a fork()ed child, which must only write and _exit.
  tk_status write(const char* path, tk_error& err) const noexcept {
    if (snapshot_ == nullptr) {
      detail::fail(&err, TK_ERR_INVALID, "no captured snapshot to write");
      return TK_ERR_INVALID;
    }
    return service_->write(host_, snapshot_, path, &err);
  }

  // Gives the copy back to the host now (any thread); the destructor does the same.
  void release() noexcept {
    if (snapshot_ != nullptr) service_->release(host_, snapshot_);
    snapshot_ = nullptr;
  }

  const tk_snapshot* raw() const { return snapshot_; }

 private:
  void swap(CapturedSnapshot& other) noexcept {
    std::swap(host_, other.host_);
    std::swap(service_, other.service_);
    std::swap(snapshot_, other.snapshot_);
  }
  const tk_host* host_ = nullptr;
  const tk_snapshot_service* service_ = nullptr;
  tk_snapshot* snapshot_ = nullptr;
};

// Use to write captured snapshots in a process of the host's (trainkit-snapshot-writer), one after another;
// move-only, stopped when destroyed (the process finishes the file in hand first).
class SnapshotWriter {
 public:
  SnapshotWriter() = default;
  SnapshotWriter(const tk_host* host, const tk_snapshot_service* service, tk_snapshot_writer* writer)
      : host_(host), service_(service), writer_(writer) {}
  SnapshotWriter(SnapshotWriter&& other) noexcept { swap(other); }
  SnapshotWriter& operator=(SnapshotWriter&& other) noexcept {
    if (this != &other) {
      stop();
      swap(other);
    }
    return *this;
  }
  SnapshotWriter(const SnapshotWriter&) = delete;
  SnapshotWriter& operator=(const SnapshotWriter&) = delete;
  ~SnapshotWriter() { stop(); }

  explicit operator bool() const { return writer_ != nullptr; }

  // Hands the copy to the process; returns once it has it. Keep copy until result() answered for it.
  // Throws tk::Error (TK_ERR_IO when the process has ended).
  void send(const CapturedSnapshot& copy, const std::string& path) const {
    tk_error err{sizeof(tk_error), TK_OK, {0}};
    tk_status s = service_->writer_send(host_, writer_, copy.raw(), path.c_str(), &err);
    if (s != TK_OK) throw Error(s, "writing snapshot \"", path, "\": ", err.message);
  }
  // Waits for the answer to the oldest send not answered yet: TK_OK when its file is in place, else the
  // status with err filled (the write's error, or how the process ended). Never throws.
  tk_status result(tk_error& err) const noexcept { return service_->writer_result(host_, writer_, &err); }

  // Waits until the process exited (after the file in hand) and frees it. [not while another thread uses it]
  void stop() noexcept {
    if (writer_ != nullptr) service_->stop_writer(host_, writer_);
    writer_ = nullptr;
  }

 private:
  void swap(SnapshotWriter& other) noexcept {
    std::swap(host_, other.host_);
    std::swap(service_, other.service_);
    std::swap(writer_, other.writer_);
  }
  const tk_host* host_ = nullptr;
  const tk_snapshot_service* service_ = nullptr;
  tk_snapshot_writer* writer_ = nullptr;
};

// Use to capture, write and verify whole training states; a cheap value, copy it where needed.
class SnapshotService {
 public:
  // Throws tk::Error(TK_ERR_INVALID) when the host does not offer "trainkit.snapshot/1".
  explicit SnapshotService(const Host& host)
      : host_(host.raw()), service_(&host.require<tk_snapshot_service>(TK_SERVICE_SNAPSHOT)) {}

  // target "trainer" or "model"; format "trainkit" or "torch". [main thread, inside a call]
  CapturedSnapshot capture(const std::string& target, const std::string& format) const {
    tk_error err{sizeof(tk_error), TK_OK, {0}};
    tk_snapshot* snapshot = nullptr;
    tk_status s = service_->capture(host_, target.c_str(), format.c_str(), &snapshot, &err);
    if (s != TK_OK) throw Error(s, "capturing the ", target, " state: ", err.message);
    if (snapshot == nullptr) throw Error(TK_ERR_INTERNAL, "capturing the ", target, " state: the host returned no copy");
    return CapturedSnapshot(host_, service_, snapshot);
  }

  // [any thread; one write of a copy at a time]
  void write(const CapturedSnapshot& snapshot, const std::string& path) const { snapshot.write(path); }

  // Streams the live state to path without a second copy. [main thread, inside a call]
  void write_now(const std::string& target, const std::string& format, const std::string& path) const {
    tk_error err{sizeof(tk_error), TK_OK, {0}};
    tk_status s = service_->write_now(host_, target.c_str(), format.c_str(), path.c_str(), &err);
    if (s != TK_OK) throw Error(s, "writing snapshot \"", path, "\": ", err.message);
  }

  // Starts a writer process (ABI 1.3; needs no run). Throws tk::Error naming the executable when it is
  // missing, or TK_ERR_INVALID when this trainkit is older than 1.3. [any thread]
  SnapshotWriter start_writer() const {
    if (!TK_HAS_MEMBER(tk_snapshot_service, service_, stop_writer))
      throw Error(TK_ERR_INVALID, "this trainkit cannot write snapshots in a writer process (it predates ABI 1.3)");
    tk_error err{sizeof(tk_error), TK_OK, {0}};
    tk_snapshot_writer* writer = nullptr;
    tk_status s = service_->start_writer(host_, &writer, &err);
    if (s != TK_OK) throw Error(s, err.message);
    if (writer == nullptr) throw Error(TK_ERR_INTERNAL, "the host started no snapshot writer");
    return SnapshotWriter(host_, service_, writer);
  }

  // Reads the whole file and checks it; a bad file is an answer, not an exception. [any thread]
  SnapshotCheck verify(const std::string& path) const {
    tk_error err{sizeof(tk_error), TK_OK, {0}};
    SnapshotCheck check;
    int64_t iteration = -1;
    check.status = service_->verify(host_, path.c_str(), &iteration, &err);
    check.ok = check.status == TK_OK;
    if (check.ok) check.iteration = iteration;
    else check.reason = err.message[0] != '\0' ? err.message : "verify failed (status " + std::to_string(check.status) + ")";
    return check;
  }

  const tk_snapshot_service* raw() const { return service_; }

 private:
  const tk_host* host_;
  const tk_snapshot_service* service_;
};

}  // namespace tk
