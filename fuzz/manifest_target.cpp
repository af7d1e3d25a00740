// The manifest with `--set` overrides on any text, then what the run makes of its triggers first: a
// manifest either loads or is refused with ConfigError, and every trigger of a loaded manifest is built
// without error and answers its first iterations and its training length in bounded time.
//
// The input is the manifest text, then optionally a line "--set" and one override argument per line:
//
//   [trainer]
//   stop = "2 epoch"
//   --set
//   optimizer.lr=0.5
//   extension.snapshot.n_retains=2
#include <string>
#include <vector>

#include "core/error.h"
#include "manifest/manifest.h"
#include "targets.h"
#include "trigger/trigger.h"

namespace trainkit::fuzz {
namespace {

constexpr const char kSetLine[] = "\n--set\n";

struct ManifestInput {
  std::string text;
  std::vector<std::string> overrides;
};

ManifestInput split(const uint8_t* data, size_t size) {
  const std::string all(reinterpret_cast<const char*>(data), size);
  const size_t marker = all.find(kSetLine);
  ManifestInput input{all.substr(0, marker == std::string::npos ? all.size() : marker + 1), {}};
  if (marker == std::string::npos) return input;
  for (size_t begin = marker + sizeof kSetLine - 1; begin <= all.size();) {
    size_t end = all.find('\n', begin);
    if (end == std::string::npos) end = all.size();
    if (end > begin) input.overrides.push_back(all.substr(begin, end - begin));
    begin = end + 1;
  }
  return input;
}

// A trigger the manifest accepted must build, and answer at the speeds a run may have.
void exercise(const TriggerSpec& spec, const char* what) {
  std::unique_ptr<Trigger> trigger;
  try {
    trigger = make_trigger(spec);
  } catch (const std::invalid_argument& e) {
    throw FuzzFinding(std::string("the manifest accepted ") + what + " '" + spec.text + "' but make_trigger refused it: " +
                      e.what());
  }
  for (double iterations_per_epoch : {1.0, 3.0, 938.0}) trigger->max_iteration(iterations_per_epoch);
  trigger->describe();
  TriggerContext ctx;
  ctx.iterations_per_epoch = 3;
  try {
    for (int64_t iteration = 1; iteration <= 16 && !trigger->finished(); ++iteration) {
      ctx.previous_epoch_detail = ctx.epoch_detail;
      ctx.iteration = iteration;
      ctx.epoch_detail = static_cast<double>(iteration) / 3.0;
      (*trigger)(ctx);
    }
  } catch (const TrainingError&) {  // a best-value trigger whose key was never reported fails the run
  }
}

}  // namespace

void manifest(const uint8_t* data, size_t size) {
  const ManifestInput input = split(data, size);
  Manifest m;
  try {
    m = parse_manifest(input.text, "/fuzz/manifest.toml", input.overrides);
  } catch (const ConfigError&) {
    return;
  }
  exercise(m.trainer.stop, "trainer.stop");
  if (m.trainer.early_stop.enabled) exercise(m.trainer.early_stop.check, "the early-stopping check");
  for (const ExtensionConfig& e : m.extensions)
    if (e.trigger) exercise(*e.trigger, "an extension trigger");
}

}  // namespace trainkit::fuzz
