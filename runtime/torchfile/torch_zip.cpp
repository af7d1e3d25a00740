#include "torchfile/torch_zip.h"

#include <cstring>
#include <map>
#include <utility>
#include <vector>

#include "core/error.h"
#include "torchfile/errors.h"
#include "torchfile/unpickler.h"
#include "torchfile/zip_reader.h"

namespace trainkit::torchfile {
namespace {

// The legacy format (torch.save before PyTorch 1.6, or with _use_new_zipfile_serialization=False) is a bare
// pickle stream that opens with this magic number: PROTO 2, LONG1 of 10 bytes.
constexpr uint8_t kLegacyMagic[] = {0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19};

}  // namespace

TorchZip parse_torch_zip(const uint8_t* data, size_t size) {
  if (size >= sizeof kLegacyMagic && std::memcmp(data, kLegacyMagic, sizeof kLegacyMagic) == 0)
    throw Unsupported("the legacy torch.save format (PyTorch before 1.6, or _use_new_zipfile_serialization=False); "
                      "save it again with a current torch.save");
  const std::vector<ZipEntry> entries = read_zip_entries(data, size);
  if (entries.empty()) throw Unsupported("an empty zip archive, not a file torch.save wrote");
  TorchZip zip;
  const std::string& first = entries.front().name;
  const size_t slash = first.find('/');
  if (slash == std::string::npos || slash == 0)
    throw Unsupported(str_cat("a zip archive whose first entry '", first, "' is not in a folder, not a file torch.save wrote"));
  zip.archive = first.substr(0, slash);
  const std::string prefix = zip.archive + "/";

  std::map<std::string, const ZipEntry*> by_name;  // the name under the archive's folder
  for (const ZipEntry& e : entries) {
    if (e.name.compare(0, prefix.size(), prefix) != 0) continue;  // outside the archive: PyTorch ignores it too
    if (!by_name.emplace(e.name.substr(prefix.size()), &e).second) throw DamagedFile(str_cat("entry ", e.name, " appears twice"));
  }
  // Only the entries read here must be stored: torch.jit.save compresses its code/.
  auto bytes_of = [&](const ZipEntry& e) {
    if (e.method != 0) throw Unsupported(str_cat("entry ", e.name, " is compressed; torch.save stores its entries"));
    return ByteSpan{data + e.offset, e.size};
  };
  auto text_of = [&](const ZipEntry& e) {
    const ByteSpan b = bytes_of(e);
    return std::string(reinterpret_cast<const char*>(b.data), static_cast<size_t>(b.size));
  };

  if (by_name.count("constants.pkl") != 0 || by_name.lower_bound("code/") != by_name.lower_bound("code0")) {
    zip.kind = TorchZip::Kind::torchscript;
    return zip;
  }
  const auto pickle = by_name.find("data.pkl");
  if (pickle == by_name.end()) throw Unsupported(str_cat("a zip archive without ", prefix, "data.pkl, not a file torch.save wrote"));
  const auto order = by_name.find("byteorder");
  if (order != by_name.end() && text_of(*order->second) != "little")
    throw Unsupported(str_cat("a file written on a big-endian machine (byteorder '", text_of(*order->second),
                              "'); trainkit reads little-endian files"));
  const ByteSpan pkl = bytes_of(*pickle->second);
  zip.root = unpickle(pkl.data, static_cast<size_t>(pkl.size), [&](const std::string& key) {
    const auto it = by_name.find("data/" + key);
    if (it == by_name.end()) throw DamagedFile(str_cat("the pickle names storage ", key, ", but there is no entry ", prefix, "data/", key));
    return bytes_of(*it->second);
  });
  return zip;
}

TorchFile TorchFile::open(const std::string& path) {
  TorchFile file;
  file.bytes_ = MappedFile::open(path);
  file.zip_ = parse_torch_zip(file.bytes_.data(), file.bytes_.size());
  return file;
}

}  // namespace trainkit::torchfile
