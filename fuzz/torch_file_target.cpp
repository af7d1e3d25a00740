// The torch-free reader of PyTorch's file format on any bytes: the zip and pickle layer
// (parse_torch_zip) returns or refuses with torchfile::DamagedFile or Unsupported; the snapshot layer
// (read_torch_file, what `--resume` and `inspect` use) returns a state tree or refuses with ResumeError
// "<path>: cannot read as a torch file: <reason>", and never accepts what the zip layer refused.
#include <string>

#include "core/error.h"
#include "mem_file.h"
#include "targets.h"
#include "torchfile/errors.h"
#include "torchfile/torch_format.h"
#include "torchfile/torch_zip.h"

namespace trainkit::fuzz {

void torch_file(const uint8_t* data, size_t size) {
  static MemFile file;
  file.assign(data, size);

  std::string zip_refusal;
  try {
    torchfile::parse_torch_zip(data, size);
  } catch (const torchfile::Error& e) {
    zip_refusal = e.what();
    if (zip_refusal.empty()) throw FuzzFinding("parse_torch_zip refused with an empty reason");
  }
  torchfile::looks_like_torch_file(file.path());  // one header read; must not crash on any bytes
  try {
    torchfile::read_torch_file(file.path());
  } catch (const ResumeError& e) {
    if (std::string(e.what()).rfind(file.path() + ": ", 0) != 0)
      throw FuzzFinding(std::string("read_torch_file's refusal does not name the file: ") + e.what());
    return;
  }
  if (!zip_refusal.empty()) throw FuzzFinding("read_torch_file read what parse_torch_zip refused: " + zip_refusal);
}

}  // namespace trainkit::fuzz
