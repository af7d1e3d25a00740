// Fixture plugin for ABI 1.1's tk_config.out_dir, built with the SDK wrapper: a plugin that keeps a file of
// its own in out/ and refuses a resume whose state that file does not match.
//
// Class own_file: each call rewrites <out>/own_file.<instance>.txt with the iteration; its state is the
// iteration of the last call. Loading a state checks the file through out_dir() -- known in visit, before
// any initialize or call -- and refuses (TK_ERR_STATE_VERSION, so the host exits 3) when the file is gone
// or records less than the state does.
#include <cstdint>
#include <fstream>
#include <string>

#include <trainkit/sdk.hpp>
#include <trainkit/sdk/atomic_file.hpp>

namespace {

class OwnFile final : public tk::Extension {
 public:
  static tk::ClassSpec spec() {
    return {"own_file", "keeps <out>/own_file.<instance>.txt and refuses a resume it does not match",
            "1 iteration", TK_PRIORITY_READER, 0, {}, /*state_version=*/1};
  }
  OwnFile(const tk::Config& cfg, const tk::Host& host)
      : Extension(host), file_(cfg.out_dir() + "/own_file." + cfg.instance_name() + ".txt") {}

  void call(tk::Context& ctx) override {
    last_ = ctx.iteration();
    tk::write_file_atomically(file_, std::to_string(last_) + "\n");
  }
  void visit(tk::StateVisitor& v) override {
    if (!v("last", last_) || !v.loading()) return;
    if (file_.rfind(out_dir(), 0) != 0) throw tk::Error(TK_ERR_INTERNAL, "out_dir() differs from cfg.out_dir()");
    std::ifstream in(file_);
    int64_t recorded = -1;
    if (!(in >> recorded) || recorded < last_)
      throw tk::Error(TK_ERR_STATE_VERSION, file_, " does not record iteration ", last_,
                      " of the snapshot; this state cannot continue it");
  }

 private:
  std::string file_;
  int64_t last_ = 0;
};

}  // namespace

TK_PLUGIN("org.trainkit.test.own_file", "1.0.0", "keeps a file in out/ and checks it on resume", OwnFile)
