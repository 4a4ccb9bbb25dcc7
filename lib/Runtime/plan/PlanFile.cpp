//===- PlanFile.cpp - the plan file format --------------------------------===//
//
// A plan file is a 32-byte header followed by a payload; docs/plan-format.md
// is the reference. All integers are little-endian.
//
//   header:  magic "DSCPLAN\0" (8 bytes) | u32 version | u32 reserved = 0
//            | u64 payload size | u64 XXH3-64 hash of the payload
//   payload: u64 arenaBytes | u64 arenaAlignment | vec<str name, i64 size>
//            | vec<tensor> | vec<instruction> | bytes constants
//            | u32 loss | vec<u32 param, u32 grad> | vec<str key, str value>
//   tensor:      str name | u8 dtype | u32 rank | i64 dims[rank] | u8 storage
//                | u64 offset | vec<i32> shardAxes | vec<i64> dataShape
//                | vec<i64> validRange | u8 splat | u8 parameter | str copyOf
//   instruction: str kernel | vec<u32> operands | vec<u32> results
//                | vec<attr>
//   attr:        str name | u8 tag | value, where tag 0 = i64, 1 = f64 (IEEE
//                bits as u64), 2 = str, 3 = vec<i64>
//   str, bytes:  u64 length | the bytes;  vec<T>: u64 count | count T
//
// `dtype` and `storage` are the values of the DType and Storage enums. The
// reader trusts nothing: every count is checked against the bytes left
// before anything is allocated, so a hostile file costs at most its own size.
//
//===----------------------------------------------------------------------===//

#include "dsc/Runtime/Plan.h"

#include "dsc/Runtime/AtomicFile.h"

#include "llvm/ADT/Twine.h"
#include "llvm/Support/DataExtractor.h"
#include "llvm/Support/EndianStream.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/xxhash.h"

#include <cstring>
#include <limits>

using namespace dsc::rt;
using llvm::Expected;
using llvm::StringRef;
using llvm::Twine;

namespace {

constexpr StringRef kMagic("DSCPLAN\0", 8);
constexpr size_t kHeaderSize = 32;

enum class AttrTag : uint8_t { Int, Double, String, Ints };
constexpr uint8_t kLastAttrTag = static_cast<uint8_t>(AttrTag::Ints);

/// The smallest encodings, used to reject counts that cannot fit in the
/// bytes left before allocating for them.
constexpr size_t kMinTensorBytes = 8 + 1 + 4 + 1 + 8 + 8 + 8 + 8;
constexpr size_t kMinMeshAxisBytes = 8 + 8;
constexpr size_t kMinInstructionBytes = 4 * 8;
constexpr size_t kMinAttrBytes = 8 + 1 + 8;

uint64_t checksum(StringRef bytes) { return llvm::xxh3_64bits(bytes); }

//===----------------------------------------------------------------------===//
// Encoding
//===----------------------------------------------------------------------===//

/// Little-endian fields into `out`, through LLVM's endian writer.
class PayloadWriter {
public:
  void u8(uint8_t value) { writer.write<uint8_t>(value); }
  void u32(uint32_t value) { writer.write<uint32_t>(value); }
  void u64(uint64_t value) { writer.write<uint64_t>(value); }
  void i64(int64_t value) { u64(static_cast<uint64_t>(value)); }
  void i32(int32_t value) { u32(static_cast<uint32_t>(value)); }
  void f64(double value) {
    uint64_t bits;
    std::memcpy(&bits, &value, sizeof(bits));
    u64(bits);
  }
  void bytes(StringRef value) {
    u64(value.size());
    os << value;
  }
  void indices(llvm::ArrayRef<uint32_t> values) {
    u64(values.size());
    for (uint32_t value : values)
      u32(value);
  }
  void ints(llvm::ArrayRef<int64_t> values) {
    u64(values.size());
    for (int64_t value : values)
      i64(value);
  }

  std::string out;
  llvm::raw_string_ostream os{out};
  llvm::support::endian::Writer writer{os, llvm::endianness::little};
};

void encodeAttr(PayloadWriter &w, const AttrValue &value) {
  if (const auto *i = std::get_if<int64_t>(&value)) {
    w.u8(static_cast<uint8_t>(AttrTag::Int));
    w.i64(*i);
  } else if (const auto *d = std::get_if<double>(&value)) {
    w.u8(static_cast<uint8_t>(AttrTag::Double));
    w.f64(*d);
  } else if (const auto *s = std::get_if<std::string>(&value)) {
    w.u8(static_cast<uint8_t>(AttrTag::String));
    w.bytes(*s);
  } else {
    w.u8(static_cast<uint8_t>(AttrTag::Ints));
    w.ints(std::get<std::vector<int64_t>>(value));
  }
}

std::string encodePayload(const Plan &plan) {
  PayloadWriter w;
  w.u64(plan.arenaBytes);
  w.u64(plan.arenaAlignment);
  w.u64(plan.mesh.size());
  for (const auto &[name, size] : plan.mesh) {
    w.bytes(name);
    w.i64(size);
  }
  w.u64(plan.tensors.size());
  for (const TensorDesc &desc : plan.tensors) {
    w.bytes(desc.name);
    w.u8(static_cast<uint8_t>(desc.dtype));
    w.u32(static_cast<uint32_t>(desc.shape.size()));
    for (int64_t dim : desc.shape)
      w.i64(dim);
    w.u8(static_cast<uint8_t>(desc.storage));
    w.u64(desc.offset);
    w.u64(desc.shardAxes.size());
    for (int32_t axis : desc.shardAxes)
      w.i32(axis);
    w.ints(desc.dataShape);
    w.ints(desc.validRange);
    w.u8(desc.splat ? 1 : 0);
    w.u8(desc.parameter ? 1 : 0);
    w.bytes(desc.copyOf);
  }
  w.u64(plan.instructions.size());
  for (const Instruction &inst : plan.instructions) {
    w.bytes(inst.kernel);
    w.indices(inst.operands);
    w.indices(inst.results);
    w.u64(inst.attrs.size());
    for (const auto &[name, value] : inst.attrs) {
      w.bytes(name);
      encodeAttr(w, value);
    }
  }
  w.bytes(StringRef(reinterpret_cast<const char *>(plan.constants.data()),
                    plan.constants.size()));
  w.u32(plan.loss);
  w.u64(plan.gradients.size());
  for (auto [param, grad] : plan.gradients) {
    w.u32(param);
    w.u32(grad);
  }
  w.u64(plan.metadata.size());
  for (const auto &[key, value] : plan.metadata) {
    w.bytes(key);
    w.bytes(value);
  }
  w.os.flush();
  return std::move(w.out);
}

//===----------------------------------------------------------------------===//
// Decoding
//===----------------------------------------------------------------------===//

/// Reads the payload front to back. The first failure sticks: later reads
/// return zeros and empty values, so decoding runs to the end without
/// allocating and the caller checks `failed()` once.
class PayloadReader {
public:
  explicit PayloadReader(StringRef bytes)
      : data(bytes, /*IsLittleEndian=*/true, /*AddressSize=*/8) {}

  bool failed() const { return !problem.empty(); }
  const std::string &error() const { return problem; }
  size_t remaining() const { return data.size() - pos; }

  void fail(const Twine &message) {
    if (!failed())
      problem = ("corrupt: " + message + " (payload offset " + Twine(pos) + ")")
                    .str();
  }

  /// Whether `size` more bytes are there; fails naming `what` if not.
  bool have(uint64_t size, const Twine &what) {
    if (failed())
      return false;
    if (size > remaining()) {
      fail(what + " needs " + Twine(size) + " bytes, " + Twine(remaining()) +
           " left");
      return false;
    }
    return true;
  }

  /// Returns the next `size` bytes, or fails naming `what`.
  StringRef take(uint64_t size, const Twine &what) {
    return have(size, what) ? data.getBytes(&pos, size) : StringRef();
  }

  uint8_t u8(const Twine &what) { return have(1, what) ? data.getU8(&pos) : 0; }
  uint32_t u32(const Twine &what) {
    return have(4, what) ? data.getU32(&pos) : 0;
  }
  uint64_t u64(const Twine &what) {
    return have(8, what) ? data.getU64(&pos) : 0;
  }
  int64_t i64(const Twine &what) { return static_cast<int64_t>(u64(what)); }
  double f64(const Twine &what) {
    uint64_t bits = u64(what);
    double value;
    std::memcpy(&value, &bits, sizeof(value));
    return value;
  }

  /// Reads the count of a vector whose items take at least `itemBytes` each;
  /// fails (returning 0) if that many items cannot fit in the bytes left.
  uint64_t count(uint64_t itemBytes, const Twine &what) {
    uint64_t n = u64(what + " count");
    if (!failed() && n > remaining() / itemBytes) {
      fail(what + " count " + Twine(n) + " needs at least " + Twine(itemBytes) +
           " bytes each, " + Twine(remaining()) + " left");
      return 0;
    }
    return failed() ? 0 : n;
  }

  std::string str(const Twine &what) {
    return take(u64(what + " length"), what).str();
  }

  std::vector<uint32_t> indices(const Twine &what) {
    std::vector<uint32_t> values(count(4, what));
    for (uint32_t &value : values)
      value = u32(what);
    return values;
  }

  std::vector<int64_t> ints(const Twine &what) {
    std::vector<int64_t> values(count(8, what));
    for (int64_t &value : values)
      value = i64(what);
    return values;
  }

private:
  /// Bounds are checked before each read (take), so that an error names
  /// the field; the extractor does the little-endian reads.
  llvm::DataExtractor data;
  uint64_t pos = 0;
  std::string problem;
};

void decodeTensor(PayloadReader &r, uint64_t index, TensorDesc &desc) {
  std::string what = "tensor " + std::to_string(index);
  desc.name = r.str(what + " name");
  uint8_t dtype = r.u8(what + " dtype");
  if (dtype > static_cast<uint8_t>(DType::Bool))
    r.fail(what + ": unknown dtype tag " + Twine(unsigned(dtype)));
  desc.dtype = static_cast<DType>(dtype);
  uint32_t rank = r.u32(what + " rank");
  if (!r.failed() && rank > r.remaining() / 8)
    r.fail(what + ": rank " + Twine(rank) + " exceeds the bytes left");
  if (!r.failed())
    desc.shape.resize(rank);
  for (int64_t &dim : desc.shape)
    dim = r.i64(what + " shape");
  uint8_t storage = r.u8(what + " storage");
  if (storage > static_cast<uint8_t>(Storage::Host))
    r.fail(what + ": unknown storage tag " + Twine(unsigned(storage)));
  desc.storage = static_cast<Storage>(storage);
  desc.offset = r.u64(what + " offset");
  desc.shardAxes.resize(r.count(4, what + " shard axis"));
  for (int32_t &axis : desc.shardAxes)
    axis = static_cast<int32_t>(r.u32(what + " shard axis"));
  desc.dataShape = r.ints(what + " data shape");
  desc.validRange = r.ints(what + " valid range");
  uint8_t splat = r.u8(what + " splat flag");
  if (splat > 1)
    r.fail(what + ": splat flag " + Twine(unsigned(splat)) + " is not 0 or 1");
  desc.splat = splat == 1;
  uint8_t parameter = r.u8(what + " parameter flag");
  if (parameter > 1)
    r.fail(what + ": parameter flag " + Twine(unsigned(parameter)) +
           " is not 0 or 1");
  desc.parameter = parameter == 1;
  desc.copyOf = r.str(what + " copy-of name");
}

void decodeAttrs(PayloadReader &r, const Twine &what, Instruction &inst) {
  uint64_t n = r.count(kMinAttrBytes, what + " attributes");
  for (uint64_t i = 0; i < n && !r.failed(); ++i) {
    std::string name = r.str(what + " attribute name");
    uint8_t tag = r.u8(what + " attribute tag");
    AttrValue value;
    switch (tag) {
    case static_cast<uint8_t>(AttrTag::Int):
      value = r.i64(what + " attribute '" + name + "'");
      break;
    case static_cast<uint8_t>(AttrTag::Double):
      value = r.f64(what + " attribute '" + name + "'");
      break;
    case static_cast<uint8_t>(AttrTag::String):
      value = r.str(what + " attribute '" + name + "'");
      break;
    case static_cast<uint8_t>(AttrTag::Ints):
      value = r.ints(what + " attribute '" + name + "'");
      break;
    default:
      static_assert(kLastAttrTag == 3, "update the attribute tags");
      r.fail(what + " attribute '" + name + "': unknown tag " +
             Twine(unsigned(tag)));
      break;
    }
    if (!r.failed() && !inst.attrs.emplace(name, std::move(value)).second)
      r.fail(what + ": duplicate attribute '" + name + "'");
  }
}

/// Decodes the payload into `plan`; returns an error message or "".
std::string decodePayload(StringRef payload, Plan &plan) {
  PayloadReader r(payload);
  plan.arenaBytes = r.u64("arena size");
  plan.arenaAlignment = r.u64("arena alignment");

  plan.mesh.resize(r.count(kMinMeshAxisBytes, "mesh axis"));
  for (auto &[name, size] : plan.mesh) {
    name = r.str("mesh axis name");
    size = r.i64("mesh axis size");
  }

  plan.tensors.resize(r.count(kMinTensorBytes, "tensor"));
  for (uint64_t i = 0; i < plan.tensors.size() && !r.failed(); ++i)
    decodeTensor(r, i, plan.tensors[i]);

  plan.instructions.resize(r.count(kMinInstructionBytes, "instruction"));
  for (uint64_t i = 0; i < plan.instructions.size() && !r.failed(); ++i) {
    Instruction &inst = plan.instructions[i];
    std::string what = "instruction " + std::to_string(i);
    inst.kernel = r.str(what + " kernel");
    inst.operands = r.indices(what + " operand");
    inst.results = r.indices(what + " result");
    decodeAttrs(r, what, inst);
  }

  StringRef constants = r.take(r.u64("constant section size"), "constants");
  plan.constants.assign(constants.bytes_begin(), constants.bytes_end());
  plan.loss = r.u32("loss");

  plan.gradients.resize(r.count(8, "gradient"));
  for (auto &[param, grad] : plan.gradients) {
    param = r.u32("gradient parameter");
    grad = r.u32("gradient tensor");
  }

  uint64_t entries = r.count(16, "metadata");
  for (uint64_t i = 0; i < entries && !r.failed(); ++i) {
    std::string key = r.str("metadata key");
    std::string value = r.str("metadata value");
    if (!r.failed() && !plan.metadata.emplace(key, std::move(value)).second)
      r.fail("duplicate metadata key '" + key + "'");
  }

  if (!r.failed() && r.remaining() != 0)
    r.fail(Twine(r.remaining()) + " trailing bytes after the metadata");
  return r.error();
}

llvm::Error fileError(StringRef path, const Twine &message) {
  return llvm::createStringError(path + ": " + message);
}

} // namespace

std::string dsc::rt::encodePlan(const Plan &plan) {
  std::string payload = encodePayload(plan);
  std::string file(kMagic);
  file.resize(kHeaderSize);
  llvm::support::endian::write32le(&file[8], kPlanVersion);
  llvm::support::endian::write32le(&file[12], 0);
  llvm::support::endian::write64le(&file[16], payload.size());
  llvm::support::endian::write64le(&file[24], checksum(payload));
  file += payload;
  return file;
}

Expected<Plan> dsc::rt::decodePlan(StringRef bytes, StringRef name) {
  if (bytes.size() < kHeaderSize) {
    if (kMagic.starts_with(bytes.take_front(kMagic.size())))
      return fileError(name, "truncated: " + Twine(bytes.size()) +
                                 " bytes, the header alone takes " +
                                 Twine(kHeaderSize));
    return fileError(name, "not a dsc plan file");
  }
  if (!bytes.starts_with(kMagic))
    return fileError(name, "not a dsc plan file");
  uint32_t version = llvm::support::endian::read32le(bytes.data() + 8);
  if (version != kPlanVersion)
    return fileError(name, "plan version " + Twine(version) +
                               ", this runtime reads version " +
                               Twine(kPlanVersion) +
                               "; recompile with ds-compile");
  uint32_t reserved = llvm::support::endian::read32le(bytes.data() + 12);
  if (reserved != 0)
    return fileError(name, "corrupt: reserved header field is " +
                               Twine(reserved) + ", expected 0");
  uint64_t payloadSize = llvm::support::endian::read64le(bytes.data() + 16);
  uint64_t available = bytes.size() - kHeaderSize;
  if (payloadSize > available)
    return fileError(name, "truncated: the header declares " +
                               Twine(payloadSize) + " payload bytes, " +
                               Twine(available) + " follow it");
  if (payloadSize < available)
    return fileError(name, "corrupt: " + Twine(available - payloadSize) +
                               " trailing bytes after the payload");
  StringRef payload = bytes.drop_front(kHeaderSize);
  if (checksum(payload) != llvm::support::endian::read64le(bytes.data() + 24))
    return fileError(name, "corrupt: checksum mismatch");

  Plan plan;
  std::string problem = decodePayload(payload, plan);
  if (!problem.empty())
    return fileError(name, problem);
  if (llvm::Error err = validatePlan(plan))
    return fileError(name, llvm::toString(std::move(err)));
  return plan;
}

Expected<Plan> dsc::rt::readPlan(StringRef path) {
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> buffer =
      llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                  /*RequiresNullTerminator=*/false);
  if (!buffer)
    return fileError(path, "cannot open: " + buffer.getError().message());
  return decodePlan((*buffer)->getBuffer(), path);
}

llvm::Error dsc::rt::writePlan(const Plan &plan, StringRef path) {
  if (llvm::Error err = validatePlan(plan))
    return fileError(path, "invalid plan: " + llvm::toString(std::move(err)));
  return writeFileAtomically(path, encodePlan(plan));
}
