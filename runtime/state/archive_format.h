// trainkit state, internal: the byte layout of the "trainkit" snapshot format, shared by its writer, its
// reader and the tests that forge damaged files. Callers use archive.h instead.
//
// Note [trainkit archive layout], format version 2, little-endian hosts only:
//   header  (24 bytes, raw): magic | u32 format version | u32 flags (0) | u64 file length
//   body    (a Boost binary archive, no_header | no_codecvt: primitives in native byte order)
//             entry:  u8 kEntryRecord | u64 path length | path | u8 LeafType | u8 dtype code | u8 dtype bits
//                     | u16 dtype lanes | u32 ndim | i64 dims[ndim] | u64 payload size | payload
//                     | u64 payload xxh3
//             ...     (one entry per leaf, in the order written)
//             end:    u8 kEndRecord | u64 entry count
//   trailer (24 bytes, raw): end magic | u64 file hash | u64 file length
//
// Each byte is hashed once. A payload's bytes go into its entry's XXH3 only; the file hash covers the rest of
// the body (every entry header, every payload hash, the end record) and the header:
// XXH3_64bits_withSeed(header, 24, XXH3_64bits(body without payloads)). So a changed payload byte fails its
// entry's hash, and a changed byte anywhere else (a size, a path, a stored hash) fails the file hash.
// Why the payload hash follows the payload: the writer hashes each slice right before the kernel copies it
// out, while it is in cache, and only knows the hash at the end.
// Why the header is hashed last: its length field is only known at commit, after the body streamed out.
// Why the length is in the header too: a truncated copy then says how long it should have been.
// Why the magics hold \r\n, \x1a and a high byte (PNG's trick): text-mode transfers and 7-bit channels
// change one of them, so such damage reads as "bad magic", not as a mysterious checksum failure.
//
// Format version 1 (trainkit before 1.1; still read): the same, except that the payload hash stands before
// the payload (u64 payload size | u64 payload xxh3 | payload) and the file hash covers every body byte,
// payloads included, so each payload byte was hashed twice.
#pragma once

#include <cstddef>
#include <cstdint>

namespace trainkit::state::archive_format {

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "the trainkit archive is written little-endian");

constexpr unsigned char kMagic[8] = {0x89, 'T', 'K', 'S', '\r', '\n', 0x1a, '\n'};
constexpr unsigned char kEndMagic[8] = {0x89, 'T', 'K', 'E', '\r', '\n', 0x1a, '\n'};
constexpr uint32_t kVersion = 2;             // what the writer writes
constexpr uint32_t kOldestReadableVersion = 1;
constexpr size_t kHeaderBytes = 24;
constexpr size_t kTrailerBytes = 24;
// The smallest valid file: header, an end record (u8 + u64), trailer.
constexpr uint64_t kMinFileBytes = kHeaderBytes + 9 + kTrailerBytes;

constexpr uint8_t kEntryRecord = 1;
constexpr uint8_t kEndRecord = 2;

// Bounds a reader enforces before it allocates anything an entry header asks for.
constexpr uint64_t kMaxPathBytes = 64 * 1024;
constexpr uint32_t kMaxDims = 64;

struct Header {
  unsigned char magic[8];
  uint32_t version;
  uint32_t flags;
  uint64_t file_length;
};
static_assert(sizeof(Header) == kHeaderBytes);

struct Trailer {
  unsigned char end_magic[8];
  uint64_t file_hash;
  uint64_t file_length;
};
static_assert(sizeof(Trailer) == kTrailerBytes);

}  // namespace trainkit::state::archive_format
