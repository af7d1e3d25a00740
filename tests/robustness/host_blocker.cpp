// Fixture for tests/robustness/host_signal_test.cpp: an extension and a dataset class that block where they
// are told to, the way a stuck plugin, a slow network file system or an open of a FIFO does, so a test can
// send a stop signal into any phase of a run.
//
//   [[extension]]
//   use = "host_blocker"
//   block_in = "call"            # create | initialize | call
//   at_iteration = 2             # call: block at this iteration only
//   fifo = "/tmp/x/fifo"         # opened for reading: blocks until a writer comes (none does)
//   marker = "/tmp/x/blocking"   # written just before blocking, so the test knows when to signal
//
//   [data]                       # the dataset class: 4x4 images of one class per example
//   format = "plugin"
//   plugin = "host_blocker"
//   [data.options]
//   block_in = "open"            # open (its constructor, while the data is read) | read
//   at_example = 3               # read: block when this example is read
//   at_reading = 2               # read: ... for this time (the host reads the labels once before training)
//   fifo = "/tmp/x/fifo"
//   marker = "/tmp/x/blocking"
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>

#include <trainkit/sdk.hpp>

namespace {

// Opens `fifo` for reading after writing `marker`: blocks until a writer comes, and none does.
void block(const std::string& fifo, const std::string& marker) {
  if (FILE* f = std::fopen(marker.c_str(), "w")) std::fclose(f);
  const int fd = ::open(fifo.c_str(), O_RDONLY);
  if (fd >= 0) ::close(fd);
}

tk_option_decl fifo_option() {
  return tk::option::required(tk::option::string("fifo", nullptr, "a FIFO to open for reading"));
}
tk_option_decl marker_option() {
  return tk::option::required(tk::option::string("marker", nullptr, "a file written just before blocking"));
}

class HostBlocker final : public tk::Extension {
 public:
  static tk::ClassSpec spec() {
    return {"host_blocker",
            "blocks in create, initialize or call by opening a FIFO for reading",
            "1 iteration",
            TK_PRIORITY_READER,
            0,
            {tk::option::choice("block_in", "call", {"create", "initialize", "call"}, "where to block"),
             tk::option::integer("at_iteration", "1", "call: block at this iteration"),
             fifo_option(),
             marker_option()},
            1};
  }
  HostBlocker(const tk::Config& cfg, const tk::Host& host)
      : Extension(host),
        block_in_(cfg.get_choice("block_in")),
        at_iteration_(cfg.get_int("at_iteration")),
        fifo_(cfg.get_string("fifo")),
        marker_(cfg.get_string("marker")) {
    if (block_in_ == "create") block(fifo_, marker_);
  }

  void initialize(tk::Context&) override {
    if (block_in_ == "initialize") block(fifo_, marker_);
  }
  void call(tk::Context& ctx) override {
    if (block_in_ == "call" && ctx.iteration() == at_iteration_) block(fifo_, marker_);
  }

 private:
  std::string block_in_;
  int64_t at_iteration_;
  std::string fifo_, marker_;
};

class BlockingDataset final : public tk::Dataset {
 public:
  static tk::DatasetSpec spec() {
    return {"host_blocker",
            "4x4 images that block when opened or when one example is read",
            {tk::option::choice("block_in", "open", {"open", "read"}, "where to block"),
             tk::option::integer("at_example", "0", "read: block when this example is read"),
             tk::option::integer("at_reading", "1", "read: ... for this time"),
             fifo_option(),
             marker_option()},
            1};
  }
  BlockingDataset(const tk::Config& cfg, const tk::Host& host, const std::string&)
      : Dataset(host),
        block_in_(cfg.get_choice("block_in")),
        at_example_(cfg.get_int("at_example")),
        at_reading_(cfg.get_int("at_reading")),
        fifo_(cfg.get_string("fifo")),
        marker_(cfg.get_string("marker")) {
    add_field("image", tk::dtype::float32, {1, 4, 4});
    add_field("label", tk::dtype::int64, {});
    if (block_in_ == "open") block(fifo_, marker_);
  }

  int64_t size() const override { return 64; }

  void read(int64_t index, tk::Example& out) const override {
    if (block_in_ == "read" && index == at_example_ && ++readings_ == at_reading_) block(fifo_, marker_);
    float* image = out.data<float>("image");
    for (int i = 0; i < 16; ++i) image[i] = static_cast<float>((index + i) % 2);
    out.data<int64_t>("label")[0] = index % 2;
  }

 private:
  std::string block_in_;
  int64_t at_example_, at_reading_;
  std::string fifo_, marker_;
  mutable std::atomic<int64_t> readings_{0};  // read is const: the host may call it from its prefetch thread
};

}  // namespace

TK_PLUGIN_CLASSES("org.trainkit.test.host_blocker", "1.0.0", "Fixture: blocks where it is told to",
                  tk::Extensions<HostBlocker>, tk::Datasets<BlockingDataset>)
