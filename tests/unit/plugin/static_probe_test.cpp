// The static probe over bytes and files: every refusal in its own words, and no input that crashes it.
#include <catch2/catch.hpp>

#include <elf.h>
#include <sys/stat.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <vector>

#include "plugin/static_probe.h"
#include "plugin_test_support.h"

namespace trainkit {
namespace {

using Catch::Contains;
using Catch::Equals;
using Catch::StartsWith;
using test::TempDir;
using Bytes = std::vector<uint8_t>;

Bytes read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::optional<std::string> probe(const Bytes& bytes) { return probe_elf_bytes(bytes.data(), bytes.size()); }

Elf64_Ehdr header_of(const Bytes& bytes) {
  Elf64_Ehdr h{};
  std::memcpy(&h, bytes.data(), sizeof h);
  return h;
}

Bytes with_header(Bytes bytes, const Elf64_Ehdr& h) {
  std::memcpy(bytes.data(), &h, sizeof h);
  return bytes;
}

TEST_CASE("probe: good plugins pass, built with the SDK or in plain C", "[plugin][probe]") {
  CHECK_FALSE(probe(read_bytes(test::fixture("good/good_a.so"))));
  CHECK_FALSE(probe(read_bytes(test::fixture("good/good_b.so"))));
  CHECK_FALSE(probe_plugin_file(test::fixture("good/good_a.so")));
}

#ifdef TK_FIXTURE_HAVE_STRIPPED
TEST_CASE("probe: strip keeps the dynamic symbols, so the entry symbol is judged without .symtab", "[plugin][probe]") {
  CHECK_FALSE(probe(read_bytes(test::fixture("stripped/good_a.so"))));
  CHECK_THAT(*probe(read_bytes(test::fixture("stripped/abi_major.so"))),
             Equals("built for SDK ABI 2; this trainkit speaks ABI 1"));
}
#endif

TEST_CASE("probe: an exported entry of another major, or none, is refused before loading", "[plugin][probe]") {
  CHECK_THAT(*probe(read_bytes(test::fixture("bad/abi_major.so"))), Equals("built for SDK ABI 2; this trainkit speaks ABI 1"));
  CHECK_THAT(*probe(read_bytes(test::fixture("bad/no_entry.so"))), Equals("no trainkit_plugin_entry_v1 symbol"));
  CHECK_THAT(*probe(read_bytes(test::fixture("bad/no_section.so"))), Equals("not a trainkit plugin (no tkplugin section)"));
}

TEST_CASE("probe: empty, tiny and foreign inputs", "[plugin][probe]") {
  CHECK_THAT(*probe_elf_bytes(nullptr, 0), Equals("not an ELF shared object (no ELF header)"));
  CHECK_THAT(*probe(Bytes{0x7f, 'E', 'L'}), Equals("not an ELF shared object (no ELF header)"));
  CHECK_THAT(*probe(read_bytes(test::fixture("bad/not_elf.so"))), Equals("not an ELF shared object (no ELF header)"));
  CHECK_THAT(*probe(Bytes{0x7f, 'E', 'L', 'F', ELFCLASS64}), StartsWith("truncated: 5 bytes"));
}

TEST_CASE("probe: a truncated plugin is refused as truncated at every length", "[plugin][probe][truncated]") {
  const Bytes whole = read_bytes(test::fixture("good/good_b.so"));
  REQUIRE(whole.size() > 1000);
  // Every proper prefix: the section header table sits at the end, so none of them is whole.
  for (size_t length = 0; length < whole.size(); ++length) {
    const std::optional<std::string> reason = probe_elf_bytes(whole.data(), length);
    INFO("length " << length);
    REQUIRE(reason);
    const bool clear = reason->find("truncated") != std::string::npos || reason->find("no ELF header") != std::string::npos;
    REQUIRE(clear);
  }
  TempDir dir;
  const std::string cut = dir.file("cut.so");
  std::ofstream(cut, std::ios::binary).write(reinterpret_cast<const char*>(whole.data()), static_cast<std::streamsize>(whole.size() / 2));
  CHECK_THAT(*probe_plugin_file(cut), StartsWith("truncated"));
  CHECK_THAT(*probe_plugin_file(cut), Contains(std::to_string(whole.size() / 2) + " bytes"));
}

TEST_CASE("probe: any single damaged byte gives a verdict, never a crash", "[plugin][probe]") {
  const Bytes whole = read_bytes(test::fixture("good/good_b.so"));
  size_t refused = 0;
  for (size_t i = 0; i < whole.size(); ++i) {
    for (uint8_t flip : {uint8_t{0xff}, uint8_t{0x80}}) {
      Bytes damaged = whole;
      damaged[i] ^= flip;
      refused += probe(damaged) ? 1 : 0;
    }
  }
  CHECK(refused > 0);  // header damage is seen; most code bytes are not the probe's business
}

TEST_CASE("probe: headers that point anywhere are bounds-checked", "[plugin][probe]") {
  const Bytes whole = read_bytes(test::fixture("good/good_b.so"));
  Elf64_Ehdr h = header_of(whole);
  for (uint64_t offset : {uint64_t{0}, uint64_t{1}, uint64_t{whole.size()} - 1, uint64_t{whole.size()},
                          ~uint64_t{0}, ~uint64_t{0} - 63, uint64_t{1} << 63}) {
    for (uint16_t count : {uint16_t{0}, uint16_t{1}, uint16_t{0xffff}}) {
      Elf64_Ehdr damaged = h;
      damaged.e_shoff = offset;
      damaged.e_shnum = count;
      probe(with_header(whole, damaged));
      damaged = h;
      damaged.e_phoff = offset;
      damaged.e_phnum = count;
      probe(with_header(whole, damaged));
      damaged = h;
      damaged.e_shstrndx = count;
      probe(with_header(whole, damaged));
    }
  }
  SUCCEED("no crash, no hang");
}

TEST_CASE("probe: another class, byte order, type or machine is named", "[plugin][probe]") {
  const Bytes whole = read_bytes(test::fixture("good/good_b.so"));
  Bytes b = whole;
  b[EI_CLASS] = ELFCLASS32;
  CHECK_THAT(*probe(b), Equals("a 32-bit ELF file; this trainkit loads 64-bit plugins"));
  b = whole;
  b[EI_DATA] = ELFDATA2MSB;
  CHECK_THAT(*probe(b), StartsWith("an ELF file of the other byte order (big-endian)"));
  Elf64_Ehdr h = header_of(whole);
  h.e_type = ET_EXEC;
  CHECK_THAT(*probe(with_header(whole, h)), Equals("an ELF file, but an executable, not a shared object"));
  h = header_of(whole);
  h.e_machine = h.e_machine == EM_AARCH64 ? EM_X86_64 : EM_AARCH64;
  CHECK_THAT(*probe(with_header(whole, h)), StartsWith(h.e_machine == EM_AARCH64 ? "built for AArch64; this trainkit runs on"
                                                                                  : "built for x86-64; this trainkit runs on"));
}

TEST_CASE("probe: a FIFO is refused by its type without being opened for a blocking read", "[plugin][probe]") {
  TempDir dir;
  const std::string fifo = dir.file("pipe.so");
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  CHECK_THAT(*probe_plugin_file(fifo), Equals("a FIFO (named pipe), not a plugin file"));
  CHECK_THAT(*probe_plugin_file(dir.path()), Equals("a directory, not a plugin file"));
}

}  // namespace
}  // namespace trainkit
