// trainkit torchfile: the two ways reading a PyTorch file can fail.
//
//   try { TorchFile file = TorchFile::open(path); ... }
//   catch (const torchfile::DamagedFile& e) { ... }   // not a well-formed torch file: say it is damaged
//   catch (const torchfile::Unsupported& e) { ... }   // well-formed, but holds what trainkit does not read
//
// Why two: a valid file that trainkit does not understand (a pickled nn.Module, a big-endian file) must
// never be called corrupt; the user needs to hear what it holds instead.
#pragma once

#include <stdexcept>
#include <string>

namespace trainkit::torchfile {

// Use as the base when the reason does not matter; what() is the reason alone, without the file's name.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Truncated, out of bounds, a failed CRC-32, a malformed pickle.
class DamagedFile : public Error {
 public:
  using Error::Error;
};

// Intact, but beyond what trainkit reads: a Python global other than the tensor ones, a storage type
// without a dtype here, a big-endian file, an integer beyond 64 bits.
class Unsupported : public Error {
 public:
  using Error::Error;
};

}  // namespace trainkit::torchfile
