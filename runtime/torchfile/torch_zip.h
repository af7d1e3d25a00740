// trainkit torchfile: a PyTorch file read without LibTorch: the zip archive torch.save writes (since
// PyTorch 1.6) and torch.jit.save too, its entries checked, its data.pkl unpickled into a Value tree.
//
//   TorchFile file = TorchFile::open("sd.pt");   // torchfile::Error (DamagedFile, Unsupported, I/O)
//   if (file.zip().kind == TorchZip::Kind::torchscript) ...   // a torch.jit.save module: needs LibTorch
//   const Value& root = file.zip().root;         // tensors are views into the mapped file
//
//   TorchZip zip = parse_torch_zip(data, size);  // the same from bytes in memory; views point into them
//
// Note [PyTorch's zip layout]
// Every entry sits under one folder, the archive's name ("archive", or the saved file's stem): data.pkl
// (the pickle), data/<key> (one storage's raw little-endian bytes per key), version, and since PyTorch 2
// byteorder ("little" or "big"). Entries are stored, never compressed, each aligned to 64 bytes by
// padding in its local header's extra field, with a data descriptor after the bytes (flag bit 3) and
// zip64 end records. torch.jit.save adds code/ and constants.pkl, and its data.pkl holds TorchScript
// objects that only LibTorch can build.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "torchfile/mapped_file.h"
#include "torchfile/value.h"

namespace trainkit::torchfile {

struct TorchZip {
  enum class Kind { data, torchscript };  // torch.save, torch.jit.save
  Kind kind = Kind::data;
  std::string archive;  // the folder every entry is under
  Value root;           // kind data: what data.pkl holds; torchscript: None
};

// Note [PyTorch's zip layout]. The entry point the fuzzer calls: never crashes, throws DamagedFile or
// Unsupported (see unpickler.h for what each means).
TorchZip parse_torch_zip(const uint8_t* data, size_t size);

// Use to read a torch file from disk: memory-mapped, so the tensors' bytes are read from the page cache
// when used. Movable; the views in zip().root stay valid while the TorchFile lives.
class TorchFile {
 public:
  // torchfile::Error for a file that cannot be opened or mapped, DamagedFile, Unsupported.
  static TorchFile open(const std::string& path);
  const TorchZip& zip() const { return zip_; }

 private:
  MappedFile bytes_;
  TorchZip zip_;
};

}  // namespace trainkit::torchfile
