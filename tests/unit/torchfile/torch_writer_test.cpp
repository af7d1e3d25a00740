// runtime/torchfile/torch_writer: state trees streamed as torch files, read back here and by Python's torch.load.
// (Every leaf type and the refused trees: tests/unit/torch/torch_format_test.cpp.)
#include "torchfile/torch_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <cerrno>
#include <cstring>
#include <thread>

#include "core/error.h"
#include "torchfile/torch_format.h"
#include "torchfile/torch_zip.h"
#include "torchfile_test_support.h"

namespace trainkit::testing {
namespace {

using state::MemoryTree;
using state::TensorLeaf;

constexpr DLDataType kF32{kDLFloat, 32, 1};

// A tensor past the zip writer's direct-write size and its chunk size: 3 MiB + 4 bytes of 0, 1, 2, ...
TensorLeaf counting_tensor(int64_t n) {
  TensorLeaf t{kF32, {n}, std::vector<uint8_t>(static_cast<size_t>(n) * 4)};
  for (int64_t i = 0; i < n; ++i) {
    const auto v = static_cast<float>(i);
    std::memcpy(t.data.data() + i * 4, &v, 4);
  }
  return t;
}

MemoryTree mixed_tree() {
  MemoryTree tree;
  tree.leaves["model/big"] = counting_tensor((3 << 18) + 1);
  tree.leaves["model/small"] = TensorLeaf{kF32, {2}, std::vector<uint8_t>(8, 0)};
  tree.leaves["trainer/iteration"] = int64_t{12};
  tree.leaves["updater/order"] = std::vector<uint8_t>(70000, 3);  // bytes past the direct-write size
  return tree;
}

std::map<std::string, state::LeafView> views_of(const MemoryTree& tree) {
  std::map<std::string, state::LeafView> views;
  for (const auto& [key, leaf] : tree.leaves) views.emplace(key, state::view_of(leaf));
  return views;
}

TEST_CASE("torch writer: a streamed file reads back, CRC-32s included", "[torchfile][torch_writer]") {
  tk_test::TempDir dir;
  const MemoryTree tree = mixed_tree();
  const std::string path = dir.file("snapshot");
  torchfile::write_torch_file(tree, path);
  const MemoryTree back = torchfile::read_torch_file(path);  // checks every entry's CRC-32
  REQUIRE(back.leaves.size() == 4);
  CHECK(back.leaves.at("model/big") == tree.leaves.at("model/big"));
  CHECK(back.leaves.at("trainer/iteration") == tree.leaves.at("trainer/iteration"));
  CHECK(std::get<TensorLeaf>(back.leaves.at("updater/order")).data == std::vector<uint8_t>(70000, 3));

  // One flipped byte of the big tensor fails its entry's CRC-32.
  Bytes bytes = read_bytes(path);
  bytes[bytes.size() / 2] ^= 1;
  CHECK_THROWS_AS(torchfile::decode_torch(bytes.data(), bytes.size(), "flipped"), ResumeError);
}

TEST_CASE("torch writer: streams into a pipe, which cannot seek", "[torchfile][torch_writer]") {
  const MemoryTree tree = mixed_tree();
  const auto views = views_of(tree);
  torchfile::TorchWriter writer(views);
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  Bytes got;
  std::thread reader([&] {
    uint8_t chunk[1 << 16];
    for (ssize_t n; (n = ::read(fds[0], chunk, sizeof chunk)) > 0;) got.insert(got.end(), chunk, chunk + n);
  });
  const int error = writer.write(fds[1]);
  ::close(fds[1]);
  reader.join();
  ::close(fds[0]);
  CHECK(error == 0);
  const torchfile::TorchZip zip = torchfile::parse_torch_zip(got.data(), got.size());
  CHECK(zip.archive == "archive");
  CHECK(torchfile::to_state_tree(zip.root, 1 << 30).leaves.at("model/big") == tree.leaves.at("model/big"));
}

TEST_CASE("torch writer: a failed write is its errno, and no file is left", "[torchfile][torch_writer]") {
  const MemoryTree tree = mixed_tree();
  const auto views = views_of(tree);
  torchfile::TorchWriter writer(views);
  const int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  REQUIRE(fd >= 0);
  CHECK(writer.write(fd) == EBADF);
  ::close(fd);

  tk_test::TempDir dir;
  CHECK_THROWS_AS(torchfile::write_torch_file(tree, dir.file("absent/snapshot")), TrainingError);
}

TEST_CASE("torch writer: Python's torch.load opens a streamed file", "[torchfile][torch_writer][python]") {
  TK_REQUIRE_PYTHON_TORCH();
  tk_test::TempDir dir;
  torchfile::write_torch_file(mixed_tree(), dir.file("snapshot"));
  const auto r = run_python(R"PY(
import sys, torch
d = torch.load(sys.argv[1])
assert torch.equal(d['model']['big'], torch.arange(3 * 2**18 + 1, dtype=torch.float32))
assert d['model']['small'].tolist() == [0.0, 0.0]
assert d['trainer'] == {'iteration': 12}
assert d['updater']['order'].dtype == torch.uint8 and d['updater']['order'].sum().item() == 3 * 70000
print('OK')
)PY",
                            {dir.file("snapshot")});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out == "OK\n");
}

}  // namespace
}  // namespace trainkit::testing
