// snapshot: writing captured states off the main thread (ppe's writers, without their races).
//
//   auto writer = make_background_writer(WriterKind::thread, /*queue_size=*/2, sink);
//   writer->make_room();                        // main thread: joins the previous write / waits for queue room
//   Job job{service.capture("trainer", "trainkit"), dir, name, dir + "/" + name};
//   writer->submit(std::move(job));             // main thread; training goes on while it is written
//   writer->drain();                            // finalize: every write has ended, every worker stopped
//
// Note [Capture on the main thread]: Chainer's and ppe's thread writers hand the worker references to the
// live tensors, so a snapshot can mix two steps (Chainer #6763, ppe #81). Here the caller captures a copy
// on the main thread, inside the extension call, before training goes on; workers only ever see that copy.
//
// How each kind runs (the `writer` option):
//   thread         a std::thread per snapshot; make_room joins the previous one: at most one write in flight.
//   process        a writer process per snapshot (the host's trainkit-snapshot-writer, started with
//                  posix_spawn: Note [Writer processes] in writers.cpp); a thread awaits its answer and gives
//                  the copy back (Note [Answers off the training thread]); make_room joins that thread, so
//                  the result of a write is known at the next snapshot or at finalize.
//   thread_queue   one consumer thread fed by a bounded queue of queue_size captured copies; make_room blocks
//                  the trainer while the queue is full, so memory is bounded by queue_size + 1 copies.
//   process_queue  the same queue and bound, but the consumer hands each copy to one long-lived writer
//                  process and waits for its answer (a new process replaces one that failed or died).
// The process kinds start their first process when the writer is made, so a missing writer executable is
// an error at create, not at the first snapshot. Every outcome goes to the WriteSink; nothing a worker does
// can throw or crash the run.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include <trainkit/sdk/snapshot.hpp>

namespace snapshot_plugin {

enum class WriterKind { simple, thread, process, thread_queue, process_queue };

// Throws tk::Error(TK_ERR_INVALID) naming the valid writers.
WriterKind parse_writer(const std::string& name);

// One snapshot on its way to disk.
struct Job {
  tk::CapturedSnapshot copy;
  std::string dir;   // out/
  std::string name;  // the file name in dir
  std::string path;  // dir + "/" + name
};

// Told how each background write ended, on the thread that learned it (a worker; the main thread when a
// writer process could not take the copy). The file is already in place when committed is called.
class WriteSink {
 public:
  virtual void committed(const Job& job) noexcept = 0;
  virtual void failed(const Job& job, const std::string& message) noexcept = 0;

 protected:
  ~WriteSink() = default;
};

// Use to write captured snapshots while training goes on; all members are for the main thread.
class BackgroundWriter {
 public:
  virtual ~BackgroundWriter() = default;  // implementations drain
  // Waits until one more snapshot may be captured: the previous write joined, or room in the queue.
  virtual void make_room() = 0;
  // Starts writing job (captured after make_room). Throws only when no worker could be started.
  virtual void submit(Job job) = 0;
  // Waits for every write to end and stops the workers; a later submit starts them again.
  virtual void drain() = 0;
};

// kind must not be WriterKind::simple (the extension streams those itself with write_now). The process kinds
// start their first writer process now: tk::Error when it cannot be started.
std::unique_ptr<BackgroundWriter> make_background_writer(WriterKind kind, size_t queue_size, WriteSink& sink,
                                                         const tk::SnapshotService& service);

}  // namespace snapshot_plugin
