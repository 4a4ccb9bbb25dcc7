//===- SafeTensors.cpp - safetensors reader and writer --------------------===//

#include "dsc/Runtime/SafeTensors.h"

#include "dsc/Runtime/AtomicFile.h"
#include "dsc/Runtime/BoundedJson.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <optional>
#include <tuple>

using namespace dsc::rt;
using llvm::ArrayRef;
using llvm::Expected;
using llvm::StringRef;
using llvm::Twine;

namespace {

/// The reference implementation's sanity limit on the JSON header.
constexpr uint64_t kMaxHeaderSize = 100 * 1024 * 1024;
constexpr StringRef kMetadataKey = "__metadata__";

llvm::Error makeError(StringRef path, const Twine &message) {
  return llvm::createStringError(path + ": " + message);
}

std::string formatShape(ArrayRef<int64_t> shape) {
  std::string text = "[";
  llvm::raw_string_ostream os(text);
  llvm::interleaveComma(shape, os);
  os << "]";
  return text;
}

std::string describe(DType dtype, ArrayRef<int64_t> shape) {
  return (dtypeName(dtype) + " " + formatShape(shape)).str();
}

/// Returns the product of `shape`, or std::nullopt if it overflows int64_t.
std::optional<int64_t> checkedNumElements(ArrayRef<int64_t> shape) {
  int64_t count = 1;
  for (int64_t dim : shape)
    if (llvm::MulOverflow(count, dim, count))
      return std::nullopt;
  return count;
}

/// Returns the byte size of a tensor, or std::nullopt if it overflows.
std::optional<int64_t> checkedByteSize(DType dtype, ArrayRef<int64_t> shape) {
  std::optional<int64_t> count = checkedNumElements(shape);
  int64_t bytes;
  if (!count ||
      llvm::MulOverflow(*count, static_cast<int64_t>(dtypeSize(dtype)), bytes))
    return std::nullopt;
  return bytes;
}

/// Parses the header entry `value` of tensor `name`, checking it against a
/// data section of `dataSize` bytes.
Expected<TensorInfo> parseEntry(StringRef path, StringRef name,
                                const llvm::json::Value &value,
                                uint64_t dataSize) {
  auto fail = [&](const Twine &message) {
    return makeError(path, "tensor '" + name + "': " + message);
  };
  const llvm::json::Object *entry = value.getAsObject();
  if (!entry)
    return fail("entry is not a JSON object");

  TensorInfo info;
  info.name = name.str();

  const llvm::json::Value *dtypeValue = entry->get("dtype");
  if (!dtypeValue)
    return fail("missing \"dtype\"");
  std::optional<StringRef> dtypeText = dtypeValue->getAsString();
  if (!dtypeText)
    return fail("\"dtype\" is not a string");
  std::optional<DType> dtype = parseDType(*dtypeText);
  if (!dtype)
    return fail("unknown dtype '" + *dtypeText + "'");
  info.dtype = *dtype;

  const llvm::json::Value *shapeValue = entry->get("shape");
  if (!shapeValue)
    return fail("missing \"shape\"");
  const llvm::json::Array *shape = shapeValue->getAsArray();
  if (!shape)
    return fail("\"shape\" is not an array");
  for (const llvm::json::Value &dimValue : *shape) {
    std::optional<int64_t> dim = dimValue.getAsInteger();
    if (!dim)
      return fail("\"shape\" holds a value that is not an integer");
    if (*dim < 0)
      return fail("negative dimension " + Twine(*dim) + " in shape");
    info.shape.push_back(*dim);
  }

  const llvm::json::Value *offsetsValue = entry->get("data_offsets");
  if (!offsetsValue)
    return fail("missing \"data_offsets\"");
  const llvm::json::Array *offsets = offsetsValue->getAsArray();
  if (!offsets || offsets->size() != 2)
    return fail("\"data_offsets\" is not an array of two integers");
  std::optional<uint64_t> begin = (*offsets)[0].getAsUINT64();
  std::optional<uint64_t> end = (*offsets)[1].getAsUINT64();
  if (!begin || !end)
    return fail("\"data_offsets\" are not non-negative integers");
  std::string range =
      "[" + std::to_string(*begin) + ", " + std::to_string(*end) + "]";
  if (*begin > *end)
    return fail("data_offsets " + range + " have begin > end");
  if (*end > dataSize)
    return fail("data_offsets " + range + " exceed the data section (" +
                Twine(dataSize) + " bytes)");
  info.offset = *begin;
  info.size = *end - *begin;

  std::optional<int64_t> expected = checkedByteSize(info.dtype, info.shape);
  if (!expected)
    return fail("byte size of " + describe(info.dtype, info.shape) +
                " overflows");
  if (static_cast<uint64_t>(*expected) != info.size)
    return fail("data_offsets " + range + " span " + Twine(info.size) +
                " bytes but " + describe(info.dtype, info.shape) + " needs " +
                Twine(*expected) + " bytes");
  return info;
}

/// Parses the "__metadata__" object into `metadata`.
llvm::Error parseMetadata(StringRef path, const llvm::json::Value &value,
                          std::map<std::string, std::string> &metadata) {
  const llvm::json::Object *object = value.getAsObject();
  if (!object)
    return makeError(path, "\"__metadata__\" is not a JSON object");
  for (const auto &[key, item] : *object) {
    std::optional<StringRef> text = item.getAsString();
    if (!text)
      return makeError(path, "metadata value of '" + StringRef(key) +
                                 "' is not a string");
    metadata[key.str()] = text->str();
  }
  return llvm::Error::success();
}

/// Checks that no two non-empty tensors of `sorted` (ordered by offset) share
/// a byte.
llvm::Error checkOverlaps(StringRef path, ArrayRef<TensorInfo> sorted) {
  const TensorInfo *last = nullptr;
  for (const TensorInfo &info : sorted) {
    if (info.size == 0)
      continue;
    if (last && info.offset < last->offset + last->size)
      return makeError(path, "tensors '" + last->name + "' and '" + info.name +
                                 "' overlap");
    if (!last || info.offset + info.size > last->offset + last->size)
      last = &info;
  }
  return llvm::Error::success();
}

} // namespace

//===----------------------------------------------------------------------===//
// TensorInfo
//===----------------------------------------------------------------------===//

int64_t TensorInfo::numElements() const {
  int64_t count = 1;
  for (int64_t dim : shape)
    count *= dim;
  return count;
}

//===----------------------------------------------------------------------===//
// SafeTensorsFile
//===----------------------------------------------------------------------===//

Expected<SafeTensorsFile> SafeTensorsFile::open(StringRef path) {
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> buffer =
      llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                  /*RequiresNullTerminator=*/false);
  if (!buffer)
    return makeError(path, "cannot open: " + buffer.getError().message());
  return fromBuffer(std::move(*buffer));
}

Expected<SafeTensorsFile>
SafeTensorsFile::fromBuffer(std::unique_ptr<llvm::MemoryBuffer> buffer) {
  SafeTensorsFile file;
  file.filePath = buffer->getBufferIdentifier().str();
  StringRef path = file.filePath;
  StringRef bytes = buffer->getBuffer();
  if (bytes.size() < 8)
    return makeError(path, "file is too short for a safetensors header (" +
                               Twine(bytes.size()) + " bytes)");

  uint64_t headerSize = llvm::support::endian::read64le(bytes.data());
  if (headerSize > kMaxHeaderSize)
    return makeError(path, "header size " + Twine(headerSize) +
                               " exceeds the limit of 100 MB");
  if (headerSize > bytes.size() - 8)
    return makeError(path, "header size " + Twine(headerSize) +
                               " is larger than the file (" +
                               Twine(bytes.size()) + " bytes)");

  Expected<llvm::json::Value> header =
      parseJsonBounded(bytes.substr(8, headerSize));
  if (!header)
    return makeError(path, "header is not valid JSON: " +
                               llvm::toString(header.takeError()));
  const llvm::json::Object *entries = header->getAsObject();
  if (!entries)
    return makeError(path, "header is not a JSON object");

  file.dataStart = 8 + headerSize;
  uint64_t dataSize = bytes.size() - file.dataStart;
  for (const auto &[key, value] : *entries) {
    if (StringRef(key) == kMetadataKey) {
      if (llvm::Error err = parseMetadata(path, value, file.metadataMap))
        return std::move(err);
      continue;
    }
    Expected<TensorInfo> info = parseEntry(path, key, value, dataSize);
    if (!info)
      return info.takeError();
    file.infos.push_back(std::move(*info));
  }

  // The JSON object is unordered; the name breaks ties between empty tensors
  // so that the order is deterministic.
  llvm::sort(file.infos, [](const TensorInfo &a, const TensorInfo &b) {
    return std::tie(a.offset, a.size, a.name) <
           std::tie(b.offset, b.size, b.name);
  });
  if (llvm::Error err = checkOverlaps(path, file.infos))
    return std::move(err);
  for (auto [i, info] : llvm::enumerate(file.infos))
    file.index[info.name] = i;
  file.buffer = std::move(buffer);
  return std::move(file);
}

const TensorInfo *SafeTensorsFile::find(StringRef name) const {
  auto it = index.find(name);
  return it == index.end() ? nullptr : &infos[it->second];
}

ArrayRef<uint8_t> SafeTensorsFile::data(const TensorInfo &info) const {
  const auto *start =
      reinterpret_cast<const uint8_t *>(buffer->getBufferStart());
  return ArrayRef<uint8_t>(start + dataStart + info.offset, info.size);
}

Expected<const TensorInfo *>
SafeTensorsFile::expect(StringRef name, DType dtype,
                        ArrayRef<int64_t> shape) const {
  const TensorInfo *info = find(name);
  if (!info)
    return makeError(filePath, "no tensor named '" + name + "' (expected " +
                                   describe(dtype, shape) + ")");
  if (info->dtype != dtype || !llvm::equal(info->shape, shape))
    return makeError(filePath, "tensor '" + name + "' is " +
                                   describe(info->dtype, info->shape) +
                                   ", expected " + describe(dtype, shape));
  return info;
}

//===----------------------------------------------------------------------===//
// SafeTensorsWriter
//===----------------------------------------------------------------------===//

void SafeTensorsWriter::add(StringRef name, DType dtype,
                            ArrayRef<int64_t> shape, ArrayRef<uint8_t> bytes) {
  entries.push_back(Entry{name.str(), dtype, shape.vec(),
                          std::vector<uint8_t>(bytes.begin(), bytes.end())});
}

void SafeTensorsWriter::setMetadata(StringRef key, StringRef value) {
  metadataMap[key.str()] = value.str();
}

Expected<std::string> SafeTensorsWriter::buildHeader(StringRef path) const {
  llvm::StringSet<> names;
  for (const Entry &entry : entries) {
    auto fail = [&](const Twine &message) {
      return makeError(path, "tensor '" + entry.name + "': " + message);
    };
    if (entry.name == kMetadataKey)
      return fail("the name is reserved for metadata");
    if (!llvm::json::isUTF8(entry.name))
      return fail("the name is not valid UTF-8");
    if (!names.insert(entry.name).second)
      return fail("duplicate tensor name");
    if (llvm::any_of(entry.shape, [](int64_t dim) { return dim < 0; }))
      return fail("negative dimension in shape " + formatShape(entry.shape));
    std::optional<int64_t> expected = checkedByteSize(entry.dtype, entry.shape);
    if (!expected)
      return fail("byte size of " + describe(entry.dtype, entry.shape) +
                  " overflows");
    if (static_cast<uint64_t>(*expected) != entry.bytes.size())
      return fail("got " + Twine(entry.bytes.size()) + " bytes but " +
                  describe(entry.dtype, entry.shape) + " needs " +
                  Twine(*expected) + " bytes");
  }
  for (const auto &[key, value] : metadataMap)
    if (!llvm::json::isUTF8(key) || !llvm::json::isUTF8(value))
      return makeError(path, "metadata '" + key + "' is not valid UTF-8");

  std::string header;
  llvm::raw_string_ostream os(header);
  llvm::json::OStream json(os);
  json.object([&] {
    if (!metadataMap.empty())
      json.attributeObject(kMetadataKey, [&] {
        for (const auto &[key, value] : metadataMap)
          json.attribute(key, value);
      });
    uint64_t offset = 0;
    for (const Entry &entry : entries) {
      json.attributeObject(entry.name, [&] {
        json.attribute("dtype", dtypeName(entry.dtype));
        json.attributeArray("shape", [&] {
          for (int64_t dim : entry.shape)
            json.value(dim);
        });
        json.attributeArray("data_offsets", [&] {
          json.value(offset);
          json.value(offset + entry.bytes.size());
        });
      });
      offset += entry.bytes.size();
    }
  });
  // Pad so that the data section starts 8-byte aligned.
  header.append(llvm::alignTo(header.size(), 8) - header.size(), ' ');
  return header;
}

llvm::Error SafeTensorsWriter::writeTo(OutputFile &out) const {
  Expected<std::string> header = buildHeader(out.getPath());
  if (!header)
    return header.takeError();
  char headerSize[8];
  llvm::support::endian::write64le(headerSize, header->size());
  out.os().write(headerSize, sizeof(headerSize));
  out.os() << *header;
  for (const Entry &entry : entries)
    out.os().write(reinterpret_cast<const char *>(entry.bytes.data()),
                   entry.bytes.size());
  return llvm::Error::success();
}

llvm::Error SafeTensorsWriter::write(StringRef path) const {
  Expected<OutputFile> out = OutputFile::open(path);
  if (!out)
    return out.takeError();
  if (llvm::Error e = writeTo(*out))
    return e;
  return out->commit();
}
