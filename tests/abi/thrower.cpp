// Fixture plugin for the error path, built with the SDK wrapper like any real plugin.
//
// Class thrower: option throw_in names the callback that throws ("create", "initialize", "call", "on_error",
// "finalize", "visit_state", "find_resume_point" or "none"). The wrapper must turn each throw into a status
// and a message; the host must stay up, name plugin, instance and call, and still reach the other instances.
//   - call throws from iteration at_iteration on; on_error throws too when throw_in = "on_error" (after a
//     call failure starts the error path), and throws a non-std type, so catch (...) is covered;
//   - visit_state throws when the instance asks the host, from its call, to write a snapshot (which visits
//     every state, its own included).
//
// Class witness: appends each callback it receives to <out>/witness.<instance>.txt, so a test can see that
// on_error and finalize reached it after another instance failed.
#include <cstdint>
#include <stdexcept>
#include <string>

#include <trainkit/sdk.hpp>
#include <trainkit/sdk/atomic_file.hpp>
#include <trainkit/sdk/snapshot.hpp>

namespace {

class Thrower final : public tk::Extension {
 public:
  static tk::ClassSpec spec() {
    return {"thrower",
            "throws from the callback named by throw_in",
            "1 iteration",
            TK_PRIORITY_WRITER,
            0,
            {tk::option::string("throw_in", "call", "create, initialize, call, on_error, finalize, visit_state, "
                                                    "find_resume_point or none"),
             tk::option::integer("at_iteration", "2", "first iteration whose call throws")},
            /*state_version=*/1};
  }

  Thrower(const tk::Config& cfg, const tk::Host& host)
      : Extension(host), where_(cfg.get_string("throw_in")), at_(cfg.get_int("at_iteration")) {
    if (where_ == "create") throw std::runtime_error(message("create"));
  }

  std::string find_resume_point(tk::Context&, bool) override {
    if (where_ == "find_resume_point") throw std::runtime_error(message("find_resume_point"));
    return "";
  }
  void initialize(tk::Context&) override {
    if (where_ == "initialize") throw tk::Error(TK_ERR_INVALID, message("initialize"));
  }
  void call(tk::Context& ctx) override {
    if (ctx.iteration() < at_) return;
    if (where_ == "call" || where_ == "on_error") throw std::runtime_error(message("call"));
    if (where_ == "visit_state") {
      tk::SnapshotService(host()).write_now("trainer", "trainkit", ctx.out_dir() + "/thrower.snapshot");
    }
  }
  void on_error(tk::Context&, const char*) override {
    if (where_ == "on_error") throw 42;  // not a std::exception: the wrapper's catch (...) path
  }
  void finalize(tk::Context&) override {
    if (where_ == "finalize") throw std::runtime_error(message("finalize"));
  }
  void visit(tk::StateVisitor& v) override {
    if (where_ == "visit_state") throw std::runtime_error(message("visit_state"));
    v("at_iteration", at_);
  }

 private:
  static std::string message(const std::string& callback) { return "thrower: deliberate failure in " + callback; }

  std::string where_;
  int64_t at_;
};

class Witness final : public tk::Extension {
 public:
  static tk::ClassSpec spec() {
    return {"witness", "records the callbacks it receives in <out>/witness.<instance>.txt", "1 iteration",
            TK_PRIORITY_READER, 0, {}};
  }
  Witness(const tk::Config&, const tk::Host& host) : Extension(host) {}

  void initialize(tk::Context& ctx) override { record(ctx, "initialize"); }
  void call(tk::Context& ctx) override { record(ctx, "call " + std::to_string(ctx.iteration())); }
  void on_error(tk::Context& ctx, const char* what) override { record(ctx, std::string("on_error: ") + what); }
  void finalize(tk::Context& ctx) override { record(ctx, "finalize"); }

 private:
  static void record(tk::Context& ctx, const std::string& line) {
    tk::append_to_file(ctx.out_dir() + "/witness." + ctx.instance_name() + ".txt", line + "\n");
  }
};

}  // namespace

TK_PLUGIN("org.trainkit.test.thrower", "1.0.0", "throws from every callback, on request", Thrower, Witness)
