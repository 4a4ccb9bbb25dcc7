//===- ZipArchive.cpp - read a PyTorch zip archive's records --------------===//
//
// Reads the central directory (APPNOTE.TXT 4.3.12-4.3.16, with the zip64
// end records and extra field) and each entry's data: stored entries as they
// are, deflated ones (TorchScript's code) inflated with zlib, never past the
// size the directory declares, their CRC-32s recomputed.
//
//===----------------------------------------------------------------------===//

#include "dsc/Runtime/ZipArchive.h"

#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/Support/CRC.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/MemoryBuffer.h"

#include <algorithm>
#include <optional>

#include <zlib.h>

using namespace dsc;
using namespace llvm;

namespace {

/// Little-endian fields of a byte range, bounds-checked.
class Reader {
public:
  explicit Reader(StringRef bytes) : bytes(bytes) {}
  bool has(uint64_t at, uint64_t size) const {
    return at <= bytes.size() && size <= bytes.size() - at;
  }
  uint16_t u16(uint64_t at) const {
    return support::endian::read16le(bytes.data() + at);
  }
  uint32_t u32(uint64_t at) const {
    return support::endian::read32le(bytes.data() + at);
  }
  uint64_t u64(uint64_t at) const {
    return support::endian::read64le(bytes.data() + at);
  }
  StringRef bytes;
};

constexpr uint32_t kEndOfDirectory = 0x06054b50;
constexpr uint32_t kZip64Locator = 0x07064b50;
constexpr uint32_t kZip64EndOfDirectory = 0x06064b50;
constexpr uint32_t kDirectoryEntry = 0x02014b50;
constexpr uint32_t kLocalHeader = 0x04034b50;

/// Inflates the raw deflate stream `compressed`, handing the output to `sink`
/// in pieces, and returns its CRC-32; nullopt when it is not a valid stream
/// or does not inflate to exactly `size` bytes (nothing past `size` reaches
/// `sink`).
std::optional<uint32_t>
inflateChecked(ArrayRef<uint8_t> compressed, uint64_t size,
               function_ref<void(ArrayRef<uint8_t>)> sink) {
  z_stream stream = {};
  if (inflateInit2(&stream, -MAX_WBITS) != Z_OK)
    return std::nullopt;
  uint8_t chunk[1 << 16];
  uint32_t crc = 0;
  uint64_t produced = 0;
  int status = Z_OK;
  uint64_t consumed = 0;
  while (status == Z_OK) {
    // zlib counts in 32 bits: feed at most 1 GiB at a time.
    if (stream.avail_in == 0 && consumed < compressed.size()) {
      uint64_t piece =
          std::min<uint64_t>(compressed.size() - consumed, 1 << 30);
      stream.next_in = const_cast<uint8_t *>(compressed.data() + consumed);
      stream.avail_in = piece;
      consumed += piece;
    }
    stream.next_out = chunk;
    stream.avail_out = sizeof(chunk);
    status = inflate(&stream, Z_NO_FLUSH);
    uint64_t out = sizeof(chunk) - stream.avail_out;
    produced += out;
    if (produced > size)
      break;
    crc = llvm::crc32(crc, ArrayRef<uint8_t>(chunk, out));
    sink(ArrayRef<uint8_t>(chunk, out));
    // A stream cut short ends in Z_BUF_ERROR once the input is spent.
  }
  inflateEnd(&stream);
  if (status != Z_STREAM_END || produced != size)
    return std::nullopt;
  return crc;
}

/// Reads `entry`'s data, handing it to `sink` (all at once when stored), and
/// checks its CRC-32.
Error readChecked(StringRef bytes, const rt::ZipEntry &entry, StringRef path,
                  function_ref<void(ArrayRef<uint8_t>)> sink) {
  ArrayRef<uint8_t> content(
      reinterpret_cast<const uint8_t *>(bytes.data() + entry.dataOffset),
      entry.storedSize);
  std::optional<uint32_t> actual;
  if (entry.method == 0) {
    actual = llvm::crc32(content);
    sink(content);
  } else {
    actual = inflateChecked(content, entry.size, sink);
    if (!actual)
      return createStringError(
          inconvertibleErrorCode(),
          path + ": zip entry '" + entry.name +
              "' is corrupt: its data does not inflate to the " +
              Twine(entry.size) + " bytes its directory entry declares");
  }
  if (*actual != entry.crc)
    return createStringError(inconvertibleErrorCode(),
                             path + ": zip entry '" + entry.name +
                                 "' is corrupt: its CRC-32 does not match "
                                 "its data");
  return Error::success();
}

} // namespace

Expected<std::vector<rt::ZipEntry>> rt::readZipDirectory(StringRef bytes,
                                                         StringRef path) {
  auto fail = [&](const Twine &message) {
    return createStringError(inconvertibleErrorCode(), path + ": " + message);
  };
  Reader in(bytes);
  uint64_t size = in.bytes.size();

  // The end-of-directory record: 22 bytes and a comment of up to 64 KiB.
  if (size < 22)
    return fail("not a zip archive (too short)");
  uint64_t end = size - 22;
  uint64_t lowest = end > 0xFFFF ? end - 0xFFFF : 0;
  while (in.u32(end) != kEndOfDirectory) {
    if (end == lowest)
      return fail("not a zip archive, or a truncated one (no "
                  "end-of-directory record)");
    --end;
  }
  uint64_t entries = in.u16(end + 10);
  uint64_t directory = in.u32(end + 16);
  // Where a zip64 locator precedes it, LibTorch's reader (miniz) takes the
  // count and offset from the zip64 record whatever the 16- and 32-bit
  // fields say; so does this one, or the two would read different entries.
  if (end >= 20 && in.u32(end - 20) == kZip64Locator) {
    uint64_t record = in.u64(end - 20 + 8);
    if (!in.has(record, 56) || in.u32(record) != kZip64EndOfDirectory)
      return fail("malformed zip64 end-of-directory record");
    entries = in.u64(record + 32);
    directory = in.u64(record + 48);
  }

  std::vector<ZipEntry> result;
  uint64_t at = directory;
  for (uint64_t i = 0; i < entries; ++i) {
    if (!in.has(at, 46) || in.u32(at) != kDirectoryEntry)
      return fail("malformed zip central directory (entry " + Twine(i) + ")");
    ZipEntry entry;
    entry.method = in.u16(at + 10);
    entry.crc = in.u32(at + 16);
    entry.storedSize = in.u32(at + 20);
    entry.size = in.u32(at + 24);
    uint16_t nameSize = in.u16(at + 28), extraSize = in.u16(at + 30),
             commentSize = in.u16(at + 32);
    uint64_t local = in.u32(at + 42);
    if (!in.has(at + 46, uint64_t(nameSize) + extraSize + commentSize))
      return fail("malformed zip central directory (entry " + Twine(i) + ")");
    entry.name = in.bytes.substr(at + 46, nameSize).str();
    // Sizes and offset that do not fit 32 bits are in the zip64 extra field,
    // in this order, only those whose 32-bit field is all ones.
    for (uint64_t extra = at + 46 + nameSize, extraEnd = extra + extraSize;
         extra + 4 <= extraEnd;) {
      uint16_t id = in.u16(extra), length = in.u16(extra + 2);
      uint64_t field = extra + 4;
      if (field + length > extraEnd)
        break;
      if (id == 0x0001) {
        for (uint64_t *value : {&entry.size, &entry.storedSize, &local})
          if (*value == 0xFFFFFFFF && field + 8 <= extra + 4 + length) {
            *value = in.u64(field);
            field += 8;
          }
      }
      extra += 4 + length;
    }
    at += 46 + uint64_t(nameSize) + extraSize + commentSize;

    if (!in.has(local, 30) || in.u32(local) != kLocalHeader)
      return fail("malformed zip entry '" + entry.name + "'");
    entry.dataOffset = local + 30 + in.u16(local + 26) + in.u16(local + 28);
    if (!in.has(entry.dataOffset, entry.storedSize))
      return fail("zip entry '" + entry.name +
                  "' reaches past the end of the file (truncated?)");
    if (entry.method == 0 && entry.storedSize != entry.size)
      return fail("malformed zip entry '" + entry.name + "'");
    if (entry.method != 0 && entry.method != 8)
      return fail("zip entry '" + entry.name + "' uses compression method " +
                  Twine(entry.method) +
                  "; PyTorch archives store or deflate their entries");
    result.push_back(std::move(entry));
  }
  return result;
}

Expected<std::string> rt::readZipEntry(StringRef bytes, const ZipEntry &entry,
                                       StringRef path) {
  std::string contents;
  // A deflated entry's declared size is not to be trusted before it inflates.
  if (entry.method == 0)
    contents.reserve(entry.size);
  if (Error err = readChecked(bytes, entry, path, [&](ArrayRef<uint8_t> piece) {
        contents.append(reinterpret_cast<const char *>(piece.data()),
                        piece.size());
      }))
    return std::move(err);
  return contents;
}

Error rt::verifyZipEntry(StringRef bytes, const ZipEntry &entry,
                         StringRef path) {
  return readChecked(bytes, entry, path, [](ArrayRef<uint8_t>) {});
}

Error rt::verifyZipChecksums(StringRef path) {
  ErrorOr<std::unique_ptr<MemoryBuffer>> file =
      MemoryBuffer::getFile(path, /*IsText=*/false,
                            /*RequiresNullTerminator=*/false);
  if (!file)
    return createStringError(file.getError(),
                             path + ": " + file.getError().message());
  StringRef bytes = (*file)->getBuffer();
  Expected<std::vector<ZipEntry>> entries = readZipDirectory(bytes, path);
  if (!entries)
    return entries.takeError();
  for (const ZipEntry &entry : *entries)
    if (Error err = verifyZipEntry(bytes, entry, path))
      return err;
  return Error::success();
}
