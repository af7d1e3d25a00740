#include <sys/stat.h>

#include <iostream>

#include <trainkit/sdk/json.hpp>

#include "cli/commands.h"
#include "core/error.h"
#include "state/archive.h"
#include "state/describe.h"
#include "torch/script_weights.h"
#include "torchfile/errors.h"
#include "torchfile/torch_format.h"
#include "torchfile/weights.h"
#include "trainer/snapshot_io.h"

namespace trainkit::cli {
namespace {

std::string json_string(const std::string& s) { return tk::json::dump(tk::json::Value(s)); }

// What inspect found. A damaged file is not `intact`; a sound file whose content trainkit cannot show has a
// `problem` but stays intact (Note [Which files hold weights] in torchfile/weights.h: never called corrupt).
struct Inspected {
  std::string format;   // "trainkit", "torch", "torchscript"; empty when unknown
  bool intact = false;  // every checksum holds
  std::string weights;  // torch files: what --init-from would load, or what the file holds instead
  std::string note;     // why only the weights are shown
  std::string problem;  // why nothing is shown; empty when the tree is shown
  state::MemoryTree tree;
};

Inspected inspect_torch_file(const std::string& path, uint64_t size) {
  Inspected r;
  r.format = "torch";
  torchfile::TorchFile file;
  try {
    file = torchfile::TorchFile::open(path);
  } catch (const torchfile::DamagedFile& e) {
    r.problem = e.what();
    return r;
  } catch (const torchfile::Unsupported& e) {
    r.intact = true;
    r.problem = str_cat("trainkit cannot read what it holds: ", e.what());
    return r;
  } catch (const torchfile::Error& e) {
    r.problem = e.what();
    return r;
  }
  r.intact = true;
  const torchfile::WeightsLocation where = torchfile::locate_weights(file.zip());
  r.weights = where.description;
  try {
    if (where.kind == torchfile::WeightsLocation::Kind::torchscript) {
      r.format = "torchscript";
      r.tree = read_script_weights(path);
    } else {
      r.tree = torchfile::to_state_tree(file.zip().root, torchfile::max_copied_bytes(size));
    }
  } catch (const torchfile::Unsupported& e) {
    if (where.kind != torchfile::WeightsLocation::Kind::state_dict) {
      r.problem = e.what();
      return r;
    }
    r.note = str_cat("only the weights are shown: ", e.what());
    r.tree = torchfile::read_weights_file(path).tree;
  } catch (const std::exception& e) {
    r.problem = e.what();
  }
  return r;
}

Inspected inspect_file(const std::string& path, uint64_t size) {
  if (!state::looks_like_trainkit_archive(path) && torchfile::looks_like_torch_file(path))
    return inspect_torch_file(path, size);
  Inspected r;
  try {
    r.tree = read_snapshot_file(path, &r.format);
    r.intact = true;
  } catch (const std::exception& e) {
    r.problem = e.what();
  }
  return r;
}

std::string checksum_text(const Inspected& r) {
  if (!r.intact) return "BAD: " + r.problem;
  return r.format == "trainkit" ? "ok (xxh3 per entry and whole file)" : "ok (zip CRC-32 per entry)";
}

}  // namespace

// Exit 0 when the file's state tree is shown, 3 for a damaged or foreign file (the code a refused resume
// gets).
int inspect_command(const Args& args) {
  TK_CHECK(args.positionals.size() == 1, ConfigError, "inspect needs exactly one FILE; see trainkit --help");
  const std::string& path = args.positionals[0];
  struct stat st {};
  TK_CHECK(::stat(path.c_str(), &st) == 0, ConfigError, "cannot read ", path, ": no such file");
  const Inspected r = inspect_file(path, static_cast<uint64_t>(st.st_size));
  const bool shown = r.problem.empty();
  auto or_null = [](const std::string& s) { return s.empty() ? std::string("null") : json_string(s); };
  if (args.json) {
    std::string header = "\"file\": " + json_string(path) + ", \"bytes\": " + std::to_string(st.st_size) +
                         ", \"format\": " + json_string(r.format) + ", \"checksum\": " +
                         json_string(r.intact ? "ok" : "bad") + ", \"weights\": " + or_null(r.weights) +
                         ", \"note\": " + or_null(r.note) + ", \"problem\": " + or_null(r.problem);
    std::cout << state::describe_tree_json(r.tree, header) << "\n";
  } else {
    std::cout << "file      " << path << " (" << st.st_size << " bytes)\n"
              << "format    " << (r.format.empty() ? "unknown" : r.format) << "\n"
              << "checksum  " << checksum_text(r) << "\n";
    if (!r.weights.empty()) std::cout << "weights   " << r.weights << "\n";
    if (!r.note.empty()) std::cout << "note      " << r.note << "\n";
    if (r.intact && !shown) std::cout << "problem   " << r.problem << "\n";
    if (shown) std::cout << "\n" << state::describe_tree_text(r.tree);
  }
  return shown ? 0 : static_cast<int>(ExitCode::kResumeRefused);
}

}  // namespace trainkit::cli
