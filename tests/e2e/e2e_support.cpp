#include "e2e_support.h"

namespace tk_test {

std::string small_manifest(const std::string& stop, const std::string& extensions, const std::string& extra) {
  return "[trainer]\n"
         "out = \"result\"\n"
         "stop = \"" + stop + "\"\n"
         "seed = 7\n"
         "threads = 1\n" +
         extra +
         "\n[model]\nbuiltin = \"mlp\"\nhidden = [32]\n"
         "\n[data]\nroot = \"" + std::string(kFashionMnist) + "\"\n"
         "batch_size = 64\ntrain_limit = 512\nvalidation_limit = 256\n"
         "\n[optimizer]\nname = \"sgd\"\nlr = 0.1\nmomentum = 0.9\n\n" +
         extensions;
}

ProcessResult run_trainkit(const std::vector<std::string>& args, const std::map<std::string, std::string>& env) {
  std::vector<std::string> argv = {TK_TRAINKIT_BIN};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_process(argv, env);
}

nlohmann::json read_json(const std::string& path) { return nlohmann::json::parse(read_file(path)); }

nlohmann::json without_time(nlohmann::json log) {
  for (auto& record : log) record.erase("elapsed_time");
  return log;
}

}  // namespace tk_test
