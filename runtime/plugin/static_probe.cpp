#include "plugin/static_probe.h"

#include <elf.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "core/error.h"
#include "trainkit/abi.h"

namespace trainkit {
namespace {

constexpr const char kEntryPrefix[] = "trainkit_plugin_entry_v";
constexpr const char kNotElf[] = "not an ELF shared object (no ELF header)";
// A plugin's symbol and section-name tables are kilobytes and it has tens of sections and segments; a
// file claiming far more is not read (a sparse file may claim terabytes).
constexpr uint64_t kMaxTableBytes = 64ull << 20;
constexpr uint64_t kMaxHeaders = 1u << 16;

#if defined(__x86_64__)
constexpr uint16_t kHostMachine = EM_X86_64;
#elif defined(__aarch64__)
constexpr uint16_t kHostMachine = EM_AARCH64;
#elif defined(__riscv) && __riscv_xlen == 64
constexpr uint16_t kHostMachine = EM_RISCV;
#elif defined(__powerpc64__)
constexpr uint16_t kHostMachine = EM_PPC64;
#elif defined(__s390x__)
constexpr uint16_t kHostMachine = EM_S390;
#else
constexpr uint16_t kHostMachine = EM_NONE;  // unknown here: the loader judges the machine
#endif

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
constexpr unsigned char kHostData = ELFDATA2LSB;
#else
constexpr unsigned char kHostData = ELFDATA2MSB;
#endif

const char* machine_name(uint16_t machine) {
  switch (machine) {
    case EM_X86_64: return "x86-64";
    case EM_386: return "x86 (32-bit)";
    case EM_AARCH64: return "AArch64";
    case EM_ARM: return "ARM (32-bit)";
    case EM_RISCV: return "RISC-V";
    case EM_PPC64: return "PowerPC 64";
    case EM_S390: return "s390x";
    default: return nullptr;
  }
}

std::string describe_machine(uint16_t machine) {
  const char* name = machine_name(machine);
  return name ? std::string(name) : str_cat("ELF machine ", machine);
}

// Where the probe reads from: a file (pread) or bytes in memory. Callers check every range against
// size() first, so read() only fails on an I/O error or a file that shrank meanwhile.
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  virtual uint64_t size() const = 0;
  virtual bool read(uint64_t offset, void* out, size_t length) const = 0;
};

class MemorySource final : public ByteSource {
 public:
  MemorySource(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  uint64_t size() const override { return size_; }
  bool read(uint64_t offset, void* out, size_t length) const override {
    if (offset > size_ || length > size_ - offset) return false;
    if (length != 0) std::memcpy(out, data_ + offset, length);
    return true;
  }

 private:
  const uint8_t* data_;
  size_t size_;
};

class FileSource final : public ByteSource {
 public:
  FileSource(int fd, uint64_t size) : fd_(fd), size_(size) {}
  uint64_t size() const override { return size_; }
  bool read(uint64_t offset, void* out, size_t length) const override {
    auto* bytes = static_cast<char*>(out);
    while (length > 0) {
      const ssize_t n = ::pread(fd_, bytes, length, static_cast<off_t>(offset));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      bytes += n;
      offset += static_cast<uint64_t>(n);
      length -= static_cast<size_t>(n);
    }
    return true;
  }

 private:
  int fd_;
  uint64_t size_;
};

// Thrown inside the probe only; probe() turns it into the refusal reason.
struct Refusal {
  std::string reason;
};

[[noreturn]] void refuse(std::string reason) { throw Refusal{std::move(reason)}; }

// One probe over one source: the ELF header, then the section headers and names, the program headers,
// the tkplugin section and the dynamic symbols, each range checked before it is read.
class ElfProbe {
 public:
  explicit ElfProbe(const ByteSource& source) : src_(source) {}

  void run() {
    read_header();
    read_section_headers();
    check_segments();
    check_sections();
    if (find_section_named(TK_PLUGIN_SECTION_NAME) == nullptr)
      refuse(str_cat("not a trainkit plugin (no ", TK_PLUGIN_SECTION_NAME, " section)"));
    check_entry_symbol();
  }

 private:
  // Whether [offset, offset + length) lies inside the file, without overflow.
  bool inside(uint64_t offset, uint64_t length) const { return offset <= src_.size() && length <= src_.size() - offset; }

  void read_at(uint64_t offset, void* out, size_t length, const char* what) const {
    if (!src_.read(offset, out, length)) refuse(str_cat("cannot read its ", what, " (did the file change while it was read?)"));
  }

  // A table of count entries of entry_size bytes at offset, or a "truncated" refusal naming `what`.
  void require_table(uint64_t offset, uint64_t count, uint64_t entry_size, const char* what) const {
    if (count > kMaxHeaders) refuse(str_cat("its ", what, " claims ", count, " entries, more than a plugin could have"));
    if (count > src_.size() / entry_size || !inside(offset, count * entry_size))
      refuse(str_cat("truncated or damaged: its ", what, " (", count, " entries at byte ", offset,
                     ") runs past the end of the file (", src_.size(), " bytes)"));
  }

  void read_header() {
    unsigned char ident[EI_NIDENT] = {};
    if (src_.size() < 4 || !src_.read(0, ident, 4) || std::memcmp(ident, ELFMAG, SELFMAG) != 0) refuse(kNotElf);
    if (src_.size() < EI_NIDENT) refuse(str_cat("truncated: ", src_.size(), " bytes, shorter than an ELF header"));
    read_at(0, ident, EI_NIDENT, "ELF header");
    if (ident[EI_CLASS] == ELFCLASS32) refuse("a 32-bit ELF file; this trainkit loads 64-bit plugins");
    if (ident[EI_CLASS] != ELFCLASS64) refuse(str_cat("not an ELF shared object (unknown ELF class ", ident[EI_CLASS], ")"));
    if (ident[EI_DATA] != kHostData)
      refuse(str_cat("an ELF file of the other byte order (",
                     ident[EI_DATA] == ELFDATA2MSB ? "big" : ident[EI_DATA] == ELFDATA2LSB ? "little" : "unknown",
                     "-endian); this trainkit cannot load it"));
    if (src_.size() < sizeof(Elf64_Ehdr))
      refuse(str_cat("truncated: ", src_.size(), " bytes, shorter than an ELF header (", sizeof(Elf64_Ehdr), " bytes)"));
    read_at(0, &header_, sizeof header_, "ELF header");
    if (header_.e_type != ET_DYN) {
      const char* kind = header_.e_type == ET_EXEC ? "an executable"
                         : header_.e_type == ET_REL ? "a relocatable object (.o)"
                         : header_.e_type == ET_CORE ? "a core dump"
                                                     : "of an unknown type";
      refuse(str_cat("an ELF file, but ", kind, ", not a shared object"));
    }
    if (kHostMachine != EM_NONE && header_.e_machine != kHostMachine)
      refuse(str_cat("built for ", describe_machine(header_.e_machine), "; this trainkit runs on ",
                     describe_machine(kHostMachine)));
  }

  void read_section_headers() {
    if (header_.e_shoff == 0) return;  // no section headers at all: no tkplugin section either
    if (header_.e_shentsize != sizeof(Elf64_Shdr))
      refuse(str_cat("damaged ELF header: section header size ", header_.e_shentsize, " (expected ",
                     sizeof(Elf64_Shdr), ")"));
    // Extended numbering: with 0xff00 sections or more, e_shnum is 0 and section 0 holds the count.
    uint64_t count = header_.e_shnum;
    uint32_t names_index = header_.e_shstrndx;
    if (count == 0 || names_index == SHN_XINDEX) {
      require_table(header_.e_shoff, 1, sizeof(Elf64_Shdr), "section header table");
      Elf64_Shdr first{};
      read_at(header_.e_shoff, &first, sizeof first, "section header table");
      if (count == 0) count = first.sh_size;
      if (names_index == SHN_XINDEX) names_index = first.sh_link;
    }
    require_table(header_.e_shoff, count, sizeof(Elf64_Shdr), "section header table");
    sections_.resize(count);
    if (count != 0) read_at(header_.e_shoff, sections_.data(), count * sizeof(Elf64_Shdr), "section header table");
    if (count == 0 || names_index == SHN_UNDEF) return;  // sections without names
    if (names_index >= count)
      refuse(str_cat("damaged ELF header: its section name table is section ", names_index, " of ", count));
    section_names_ = read_table(sections_[names_index], "section name table");
  }

  // The bytes of a section that holds a table, bounded by kMaxTableBytes and by the file.
  std::vector<char> read_table(const Elf64_Shdr& section, const char* what) const {
    if (section.sh_type == SHT_NOBITS) refuse(str_cat("damaged: its ", what, " has no bytes in the file"));
    if (section.sh_size > kMaxTableBytes)
      refuse(str_cat("its ", what, " claims ", section.sh_size, " bytes, more than a plugin's could hold"));
    if (!inside(section.sh_offset, section.sh_size))
      refuse(str_cat("truncated or damaged: its ", what, " (bytes ", section.sh_offset, "..", section.sh_offset + section.sh_size,
                     ") runs past the end of the file (", src_.size(), " bytes)"));
    std::vector<char> bytes(section.sh_size);
    if (!bytes.empty()) read_at(section.sh_offset, bytes.data(), bytes.size(), what);
    return bytes;
  }

  // The NUL-terminated string at offset in a string table, or nullopt when it does not end inside it.
  static std::optional<std::string> string_at(const std::vector<char>& table, uint64_t offset) {
    if (offset >= table.size()) return std::nullopt;
    const char* begin = table.data() + offset;
    const void* nul = std::memchr(begin, '\0', table.size() - offset);
    if (nul == nullptr) return std::nullopt;
    return std::string(begin, static_cast<const char*>(nul));
  }

  std::string section_name(size_t index) const {
    std::optional<std::string> name = string_at(section_names_, sections_[index].sh_name);
    return name && !name->empty() ? *name : str_cat("#", index);
  }

  const Elf64_Shdr* find_section_named(const char* wanted) const {
    for (size_t i = 0; i < sections_.size(); ++i) {
      std::optional<std::string> name = string_at(section_names_, sections_[i].sh_name);
      if (name && *name == wanted) return &sections_[i];
    }
    return nullptr;
  }

  // Every segment the loader maps from the file must lie in it: a mapping past the end of a truncated
  // file would fault (SIGBUS) when the loader or the plugin first touches it.
  void check_segments() const {
    uint64_t count = header_.e_phnum;
    if (count == PN_XNUM && !sections_.empty()) count = sections_[0].sh_info;
    if (count == 0) refuse("an ELF file without program headers; the loader cannot map it");
    if (header_.e_phentsize != sizeof(Elf64_Phdr))
      refuse(str_cat("damaged ELF header: program header size ", header_.e_phentsize, " (expected ",
                     sizeof(Elf64_Phdr), ")"));
    require_table(header_.e_phoff, count, sizeof(Elf64_Phdr), "program header table");
    std::vector<Elf64_Phdr> segments(count);
    read_at(header_.e_phoff, segments.data(), count * sizeof(Elf64_Phdr), "program header table");
    for (size_t i = 0; i < segments.size(); ++i) {
      const Elf64_Phdr& s = segments[i];
      if (s.p_type != PT_LOAD) continue;
      if (s.p_filesz > s.p_memsz)
        refuse(str_cat("damaged: segment ", i, " has more bytes in the file (", s.p_filesz, ") than in memory (",
                       s.p_memsz, ")"));
      if (!inside(s.p_offset, s.p_filesz))
        refuse(str_cat("truncated: segment ", i, " (bytes ", s.p_offset, "..", s.p_offset + s.p_filesz,
                       ") runs past the end of the file (", src_.size(), " bytes)"));
    }
  }

  void check_sections() const {
    for (size_t i = 0; i < sections_.size(); ++i) {
      const Elf64_Shdr& s = sections_[i];
      if (s.sh_type == SHT_NOBITS || s.sh_type == SHT_NULL) continue;
      if (!inside(s.sh_offset, s.sh_size))
        refuse(str_cat("truncated: section ", section_name(i), " (bytes ", s.sh_offset, "..", s.sh_offset + s.sh_size,
                       ") runs past the end of the file (", src_.size(), " bytes)"));
    }
  }

  // The dynamic symbol table is what dlsym searches, and strip keeps it: a defined global
  // trainkit_plugin_entry_v1 there is the plugin's entry; another major's entry names that major.
  void check_entry_symbol() const {
    const std::string no_entry = str_cat("no ", TK_ENTRY_SYMBOL_NAME, " symbol");
    size_t index = 0;
    while (index < sections_.size() && sections_[index].sh_type != SHT_DYNSYM) ++index;
    if (index == sections_.size()) refuse(no_entry);
    const Elf64_Shdr& dynsym = sections_[index];
    if (dynsym.sh_entsize != sizeof(Elf64_Sym))
      refuse(str_cat("damaged: its dynamic symbol table has entries of ", dynsym.sh_entsize, " bytes (expected ",
                     sizeof(Elf64_Sym), ")"));
    if (dynsym.sh_link == SHN_UNDEF || dynsym.sh_link >= sections_.size())
      refuse(str_cat("damaged: its dynamic symbol table names section ", dynsym.sh_link, " as its strings"));
    const std::vector<char> symbols = read_table(dynsym, "dynamic symbol table");
    const std::vector<char> names = read_table(sections_[dynsym.sh_link], "dynamic symbol names");
    std::optional<unsigned> other_major;
    for (size_t offset = 0; offset + sizeof(Elf64_Sym) <= symbols.size(); offset += sizeof(Elf64_Sym)) {
      Elf64_Sym symbol{};
      std::memcpy(&symbol, symbols.data() + offset, sizeof symbol);
      const unsigned binding = ELF64_ST_BIND(symbol.st_info);
      if (symbol.st_shndx == SHN_UNDEF || (binding != STB_GLOBAL && binding != STB_WEAK)) continue;
      std::optional<std::string> name = string_at(names, symbol.st_name);
      if (!name) continue;
      if (*name == TK_ENTRY_SYMBOL_NAME) return;
      std::optional<unsigned> major = entry_symbol_major(*name);
      if (major && *major != TK_ABI_MAJOR) other_major = major;
    }
    refuse(other_major ? other_major_reason(*other_major) : no_entry);
  }

  const ByteSource& src_;
  Elf64_Ehdr header_{};
  std::vector<Elf64_Shdr> sections_;
  std::vector<char> section_names_;
};

std::optional<std::string> probe(const ByteSource& source) {
  try {
    ElfProbe(source).run();
    return std::nullopt;
  } catch (const Refusal& refusal) {
    return refusal.reason;
  } catch (const std::bad_alloc&) {
    return std::string("cannot read it: out of memory");
  }
}

const char* file_type_name(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO (named pipe)";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

}  // namespace

std::optional<unsigned> entry_symbol_major(const std::string& symbol) {
  const std::string prefix = kEntryPrefix;
  if (symbol.size() <= prefix.size() || symbol.compare(0, prefix.size(), prefix) != 0) return std::nullopt;
  unsigned major = 0;
  for (size_t i = prefix.size(); i < symbol.size(); ++i) {
    if (symbol[i] < '0' || symbol[i] > '9' || major > 100000) return std::nullopt;
    major = major * 10 + static_cast<unsigned>(symbol[i] - '0');
  }
  return major;
}

std::string other_major_reason(unsigned major) {
  return str_cat("built for SDK ABI ", major, "; this trainkit speaks ABI ", TK_ABI_MAJOR);
}

std::optional<std::string> probe_elf_bytes(const uint8_t* data, size_t size) {
  if (data == nullptr) size = 0;
  return probe(MemorySource(data, size));
}

std::optional<std::string> probe_plugin_file(const std::string& path) {
  // O_NONBLOCK: should the file have become a FIFO since it was listed, open returns instead of waiting
  // for a writer; the type check below then refuses it.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) return str_cat("cannot open: ", std::strerror(errno));
  struct stat st {};
  std::optional<std::string> reason;
  if (::fstat(fd, &st) != 0) {
    reason = str_cat("cannot stat: ", std::strerror(errno));
  } else if (!S_ISREG(st.st_mode)) {
    reason = str_cat(file_type_name(st.st_mode), ", not a plugin file");
  } else {
    reason = probe(FileSource(fd, static_cast<uint64_t>(st.st_size)));
  }
  ::close(fd);
  return reason;
}

}  // namespace trainkit
