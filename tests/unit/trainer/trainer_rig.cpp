#include "trainer_rig.h"

#include <sys/stat.h>

#include <sstream>

#include "trainer/plan.h"
#include "trainer/snapshot_io.h"

namespace trainkit {
namespace {

void replace_all(std::string& text, const std::string& word, const std::string& with) {
  for (size_t at = text.find(word); at != std::string::npos; at = text.find(word, at + with.size()))
    text.replace(at, word.size(), with);
}

}  // namespace

TrainerRig::TrainerRig(std::string extensions) : registry_(services_.host()) {
  set_extensions(std::move(extensions));
  ::mkdir(dir_.file("out").c_str(), 0755);
  registry_.load_dir(TK_BINARY_DIR "/fixtures/trainer");
  registry_.load_dir(TK_BINARY_DIR "/fixtures/state");
  registry_.load_dir(TK_BUILD_PLUGIN_DIR);
}

void TrainerRig::set_extensions(std::string extensions) {
  extensions_ = std::move(extensions);
  replace_all(extensions_, "JOURNAL", dir_.file("journal"));
  replace_all(extensions_, "OUT", dir_.file("out"));
}

RunEnd TrainerRig::run(const std::string& stop, ResumeRequest resume, int64_t fail_at_step) {
  const std::string text = "[trainer]\nout = \"" + out() + "\"\nstop = \"" + stop + "\"\n\n" + extensions_;
  manifest_ = std::make_unique<Manifest>(parse_manifest(text, dir_.file("manifest.toml")));
  auto session = std::make_unique<FakeSession>(/*iterations_per_epoch=*/4);
  session->fail_at_step = fail_at_step;
  const FakeSession& live = *session;
  Trainer trainer(*manifest_, plan_extensions(*manifest_, registry_), services_, std::move(session), resume);
  try {
    RunEnd end = trainer.run();
    steps_ = live.steps;
    return end;
  } catch (...) {
    steps_ = live.steps;
    throw;
  }
}

std::vector<std::string> TrainerRig::journal() const {
  std::vector<std::string> lines;
  if (!tk_test::file_exists(dir_.file("journal"))) return lines;
  std::istringstream in(tk_test::read_file(dir_.file("journal")));
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

void TrainerRig::clear_journal() const { tk_test::write_file(dir_.file("journal"), ""); }

state::MemoryTree TrainerRig::read_snapshot(const std::string& name) const {
  return read_snapshot_file(out() + "/" + name);
}

}  // namespace trainkit
