//===- SafeTensorsTest.cpp - tests of the safetensors reader and writer ---===//

#include "dsc/Runtime/SafeTensors.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include "gtest/gtest.h"

#include <cstring>
#include <string>
#include <vector>

#ifdef __linux__
#include <csignal>
#include <sys/resource.h>
#endif

using namespace dsc::rt;
using llvm::ArrayRef;
using llvm::StringRef;

namespace {

/// The raw bytes of `values`; the tests assume a little-endian host, as the
/// format does.
template <typename T> ArrayRef<uint8_t> asBytes(ArrayRef<T> values) {
  return ArrayRef<uint8_t>(reinterpret_cast<const uint8_t *>(values.data()),
                           values.size() * sizeof(T));
}

/// Returns the message of `err`, or "" for success.
std::string message(llvm::Error err) {
  return err ? llvm::toString(std::move(err)) : std::string();
}

/// Returns the error message of `value`, or "" if it holds a value.
template <typename T> std::string message(llvm::Expected<T> value) {
  return value ? std::string() : llvm::toString(value.takeError());
}

/// Succeeds if `value` holds a value; otherwise fails with its message.
template <typename T>
::testing::AssertionResult succeeded(llvm::Expected<T> &value) {
  if (value)
    return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << llvm::toString(value.takeError());
}

/// Opens `bytes` as a buffer named "bad.safetensors" and returns the error
/// message ("" if it opened).
std::string openError(StringRef bytes) {
  auto file = SafeTensorsFile::fromBuffer(llvm::MemoryBuffer::getMemBuffer(
      bytes, "bad.safetensors", /*RequiresNullTerminator=*/false));
  return file ? std::string() : message(file.takeError());
}

/// Builds a file from a header and `dataSize` zero bytes of data.
std::string makeFile(StringRef header, size_t dataSize) {
  std::string bytes(8, '\0');
  llvm::support::endian::write64le(bytes.data(), header.size());
  bytes += header;
  bytes.append(dataSize, '\0');
  return bytes;
}

class SafeTensorsTest : public ::testing::Test {
protected:
  void SetUp() override {
    ASSERT_FALSE(llvm::sys::fs::createUniqueDirectory("dsc-safetensors", dir));
  }
  void TearDown() override { llvm::sys::fs::remove_directories(dir); }

  std::string pathTo(StringRef name) const {
    llvm::SmallString<128> path(dir);
    llvm::sys::path::append(path, name);
    return std::string(path);
  }

  /// The names of the files in the temporary directory.
  std::vector<std::string> listDir() const {
    std::vector<std::string> names;
    std::error_code ec;
    for (llvm::sys::fs::directory_iterator it(dir, ec), end; !ec && it != end;
         it.increment(ec))
      names.push_back(llvm::sys::path::filename(it->path()).str());
    return names;
  }

  std::string readRaw(StringRef path) const {
    auto buffer = llvm::MemoryBuffer::getFile(path);
    return buffer ? (*buffer)->getBuffer().str() : std::string();
  }

  llvm::SmallString<128> dir;
};

} // namespace

TEST(DTypeTest, NamesAndSizes) {
  for (DType dtype : {DType::F64, DType::F32, DType::F16, DType::BF16,
                      DType::I64, DType::I32, DType::I16, DType::I8, DType::U8,
                      DType::U16, DType::U32, DType::U64, DType::Bool})
    EXPECT_EQ(parseDType(dtypeName(dtype)), dtype) << dtypeName(dtype).str();
  EXPECT_EQ(dtypeName(DType::BF16), "BF16");
  EXPECT_EQ(dtypeName(DType::Bool), "BOOL");
  EXPECT_EQ(parseDType("bool"), std::nullopt);
  EXPECT_EQ(parseDType("F8_E4M3"), std::nullopt);
  EXPECT_EQ(dtypeSize(DType::F64), 8u);
  EXPECT_EQ(dtypeSize(DType::BF16), 2u);
  EXPECT_EQ(dtypeSize(DType::U32), 4u);
  EXPECT_EQ(dtypeSize(DType::Bool), 1u);
}

TEST_F(SafeTensorsTest, RoundTrip) {
  std::vector<float> weight = {1, 2, 3, 4, 5, 6};
  std::vector<uint16_t> bias = {0x3f80, 0xbf80, 0x4000, 0x0000};
  std::vector<int64_t> step = {-7};
  std::vector<uint8_t> mask = {1, 0, 1};
  std::vector<uint16_t> ids = {65535, 3};
  std::vector<double> scale = {0.125};

  SafeTensorsWriter writer;
  writer.add("weight", DType::F32, {2, 3}, asBytes<float>(weight));
  writer.add("bias", DType::BF16, {4}, asBytes<uint16_t>(bias));
  writer.add("step", DType::I64, {}, asBytes<int64_t>(step));
  writer.add("empty", DType::U8, {0, 4}, {});
  writer.add("mask", DType::Bool, {3}, mask);
  writer.add("ids", DType::U16, {2}, asBytes<uint16_t>(ids));
  writer.add("scale", DType::F64, {1}, asBytes<double>(scale));
  writer.setMetadata("format", "pt");
  writer.setMetadata("step", "7");
  std::string path = pathTo("model.safetensors");
  ASSERT_EQ(message(writer.write(path)), "");
  EXPECT_EQ(listDir(), std::vector<std::string>{"model.safetensors"});

  auto file = SafeTensorsFile::open(path);
  ASSERT_TRUE(succeeded(file));
  EXPECT_EQ(file->path(), path);
  std::vector<std::string> names;
  for (const TensorInfo &info : file->tensors())
    names.push_back(info.name);
  // "empty" has zero bytes at the offset of "mask" and sorts before it.
  EXPECT_EQ(names, (std::vector<std::string>{"weight", "bias", "step", "empty",
                                             "mask", "ids", "scale"}));

  const TensorInfo *info = file->find("weight");
  ASSERT_NE(info, nullptr);
  EXPECT_EQ(info->dtype, DType::F32);
  EXPECT_EQ(info->shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(info->offset, 0u);
  EXPECT_EQ(info->size, 24u);
  EXPECT_EQ(info->numElements(), 6);
  EXPECT_EQ(file->data(*info), asBytes<float>(weight));
  EXPECT_EQ(file->data(*file->find("bias")), asBytes<uint16_t>(bias));
  EXPECT_EQ(file->data(*file->find("mask")), ArrayRef<uint8_t>(mask));
  EXPECT_EQ(file->data(*file->find("ids")), asBytes<uint16_t>(ids));
  EXPECT_EQ(file->data(*file->find("scale")), asBytes<double>(scale));

  const TensorInfo *scalar = file->find("step");
  ASSERT_NE(scalar, nullptr);
  EXPECT_TRUE(scalar->shape.empty());
  EXPECT_EQ(scalar->numElements(), 1);
  EXPECT_EQ(file->data(*scalar), asBytes<int64_t>(step));

  const TensorInfo *empty = file->find("empty");
  ASSERT_NE(empty, nullptr);
  EXPECT_EQ(empty->dtype, DType::U8);
  EXPECT_EQ(empty->shape, (std::vector<int64_t>{0, 4}));
  EXPECT_EQ(empty->numElements(), 0);
  EXPECT_TRUE(file->data(*empty).empty());

  EXPECT_EQ(file->find("missing"), nullptr);
  EXPECT_EQ(file->metadata(), (std::map<std::string, std::string>{
                                  {"format", "pt"}, {"step", "7"}}));
}

TEST_F(SafeTensorsTest, EmptyFileRoundTrip) {
  std::string path = pathTo("empty.safetensors");
  ASSERT_EQ(message(SafeTensorsWriter().write(path)), "");
  auto file = SafeTensorsFile::open(path);
  ASSERT_TRUE(succeeded(file));
  EXPECT_TRUE(file->tensors().empty());
  EXPECT_TRUE(file->metadata().empty());
}

TEST_F(SafeTensorsTest, HeaderPaddedToMultipleOf8) {
  uint8_t byte = 0xab;
  for (size_t length = 1; length <= 8; ++length) {
    SafeTensorsWriter writer;
    writer.add(std::string(length, 'x'), DType::U8, {1}, byte);
    std::string path = pathTo("padded.safetensors");
    ASSERT_EQ(message(writer.write(path)), "");
    std::string raw = readRaw(path);
    ASSERT_GE(raw.size(), 8u);
    uint64_t headerSize = llvm::support::endian::read64le(raw.data());
    EXPECT_EQ(headerSize % 8, 0u) << "name length " << length;
    ASSERT_EQ(raw.size(), 8 + headerSize + 1);
    EXPECT_EQ(static_cast<uint8_t>(raw.back()), byte);
    StringRef header = StringRef(raw).substr(8, headerSize);
    StringRef padding = header.substr(header.rfind('}') + 1);
    EXPECT_LT(padding.size(), 8u);
    EXPECT_EQ(padding.find_first_not_of(' '), StringRef::npos);
  }
}

/// A file written by `examples/safetensors_io.py` (torch 1.13 era):
///   save({"weight": tensor([[1., -2.], [.5, 3.25]]),
///         "bias": tensor([1., -1.5, 2.], dtype=bfloat16),
///         "step": tensor(42),
///         "mask": tensor([True, False]),
///         "empty": zeros((0, 3), dtype=uint8),
///         "half": tensor([.5], dtype=float16)},
///        path, metadata={"format": "pt", "source": "dsc"})
static const char kPythonFile[] =
    "\x98\x01\x00\x00\x00\x00\x00\x00\x7b\x22\x5f\x5f\x6d\x65\x74\x61"
    "\x64\x61\x74\x61\x5f\x5f\x22\x3a\x7b\x22\x66\x6f\x72\x6d\x61\x74"
    "\x22\x3a\x22\x70\x74\x22\x2c\x22\x73\x6f\x75\x72\x63\x65\x22\x3a"
    "\x22\x64\x73\x63\x22\x7d\x2c\x22\x77\x65\x69\x67\x68\x74\x22\x3a"
    "\x7b\x22\x64\x74\x79\x70\x65\x22\x3a\x22\x46\x33\x32\x22\x2c\x22"
    "\x73\x68\x61\x70\x65\x22\x3a\x5b\x32\x2c\x32\x5d\x2c\x22\x64\x61"
    "\x74\x61\x5f\x6f\x66\x66\x73\x65\x74\x73\x22\x3a\x5b\x30\x2c\x31"
    "\x36\x5d\x7d\x2c\x22\x62\x69\x61\x73\x22\x3a\x7b\x22\x64\x74\x79"
    "\x70\x65\x22\x3a\x22\x42\x46\x31\x36\x22\x2c\x22\x73\x68\x61\x70"
    "\x65\x22\x3a\x5b\x33\x5d\x2c\x22\x64\x61\x74\x61\x5f\x6f\x66\x66"
    "\x73\x65\x74\x73\x22\x3a\x5b\x31\x36\x2c\x32\x32\x5d\x7d\x2c\x22"
    "\x73\x74\x65\x70\x22\x3a\x7b\x22\x64\x74\x79\x70\x65\x22\x3a\x22"
    "\x49\x36\x34\x22\x2c\x22\x73\x68\x61\x70\x65\x22\x3a\x5b\x5d\x2c"
    "\x22\x64\x61\x74\x61\x5f\x6f\x66\x66\x73\x65\x74\x73\x22\x3a\x5b"
    "\x32\x32\x2c\x33\x30\x5d\x7d\x2c\x22\x6d\x61\x73\x6b\x22\x3a\x7b"
    "\x22\x64\x74\x79\x70\x65\x22\x3a\x22\x42\x4f\x4f\x4c\x22\x2c\x22"
    "\x73\x68\x61\x70\x65\x22\x3a\x5b\x32\x5d\x2c\x22\x64\x61\x74\x61"
    "\x5f\x6f\x66\x66\x73\x65\x74\x73\x22\x3a\x5b\x33\x30\x2c\x33\x32"
    "\x5d\x7d\x2c\x22\x65\x6d\x70\x74\x79\x22\x3a\x7b\x22\x64\x74\x79"
    "\x70\x65\x22\x3a\x22\x55\x38\x22\x2c\x22\x73\x68\x61\x70\x65\x22"
    "\x3a\x5b\x30\x2c\x33\x5d\x2c\x22\x64\x61\x74\x61\x5f\x6f\x66\x66"
    "\x73\x65\x74\x73\x22\x3a\x5b\x33\x32\x2c\x33\x32\x5d\x7d\x2c\x22"
    "\x68\x61\x6c\x66\x22\x3a\x7b\x22\x64\x74\x79\x70\x65\x22\x3a\x22"
    "\x46\x31\x36\x22\x2c\x22\x73\x68\x61\x70\x65\x22\x3a\x5b\x31\x5d"
    "\x2c\x22\x64\x61\x74\x61\x5f\x6f\x66\x66\x73\x65\x74\x73\x22\x3a"
    "\x5b\x33\x32\x2c\x33\x34\x5d\x7d\x7d\x20\x20\x20\x20\x20\x20\x20"
    "\x00\x00\x80\x3f\x00\x00\x00\xc0\x00\x00\x00\x3f\x00\x00\x50\x40"
    "\x80\x3f\xc0\xbf\x00\x40\x2a\x00\x00\x00\x00\x00\x00\x00\x01\x00"
    "\x00\x38";

TEST(SafeTensorsInteropTest, ReadsPythonWriterOutput) {
  StringRef bytes(kPythonFile, sizeof(kPythonFile) - 1);
  ASSERT_EQ(bytes.size(), 450u);
  auto file = SafeTensorsFile::fromBuffer(llvm::MemoryBuffer::getMemBuffer(
      bytes, "py.safetensors", /*RequiresNullTerminator=*/false));
  ASSERT_TRUE(succeeded(file));
  EXPECT_EQ(file->path(), "py.safetensors");
  EXPECT_EQ(file->metadata(), (std::map<std::string, std::string>{
                                  {"format", "pt"}, {"source", "dsc"}}));
  std::vector<std::string> names;
  for (const TensorInfo &info : file->tensors())
    names.push_back(info.name);
  // Python packs in insertion order; "empty" (zero bytes at 32) shares its
  // offset with "half" and sorts first as the smaller one.
  EXPECT_EQ(names, (std::vector<std::string>{"weight", "bias", "step", "mask",
                                             "empty", "half"}));

  auto weight = file->expect("weight", DType::F32, {2, 2});
  ASSERT_TRUE(succeeded(weight));
  std::vector<float> weightValues(4);
  ASSERT_EQ(file->data(**weight).size(), 16u);
  std::memcpy(weightValues.data(), file->data(**weight).data(), 16);
  EXPECT_EQ(weightValues, (std::vector<float>{1.0f, -2.0f, 0.5f, 3.25f}));

  auto bias = file->expect("bias", DType::BF16, {3});
  ASSERT_TRUE(succeeded(bias));
  // bfloat16 1.0, -1.5, 2.0.
  EXPECT_EQ(file->data(**bias),
            (ArrayRef<uint8_t>{0x80, 0x3f, 0xc0, 0xbf, 0x00, 0x40}));

  auto step = file->expect("step", DType::I64, {});
  ASSERT_TRUE(succeeded(step));
  EXPECT_EQ((*step)->numElements(), 1);
  int64_t stepValue;
  std::memcpy(&stepValue, file->data(**step).data(), sizeof(stepValue));
  EXPECT_EQ(stepValue, 42);

  auto mask = file->expect("mask", DType::Bool, {2});
  ASSERT_TRUE(succeeded(mask));
  EXPECT_EQ(file->data(**mask), (ArrayRef<uint8_t>{1, 0}));

  auto empty = file->expect("empty", DType::U8, {0, 3});
  ASSERT_TRUE(succeeded(empty));
  EXPECT_TRUE(file->data(**empty).empty());

  auto half = file->expect("half", DType::F16, {1});
  ASSERT_TRUE(succeeded(half));
  EXPECT_EQ(file->data(**half), (ArrayRef<uint8_t>{0x00, 0x38}));
}

TEST_F(SafeTensorsTest, OpenMissingFileNamesPath) {
  std::string path = pathTo("absent.safetensors");
  auto file = SafeTensorsFile::open(path);
  ASSERT_FALSE(file);
  std::string text = message(file.takeError());
  EXPECT_NE(text.find(path), std::string::npos) << text;
  EXPECT_NE(text.find("cannot open"), std::string::npos) << text;
}

//===----------------------------------------------------------------------===//
// Validation of malformed files
//===----------------------------------------------------------------------===//

namespace {
struct InvalidCase {
  const char *name;
  std::string bytes;
  const char *expected;
};

void PrintTo(const InvalidCase &c, std::ostream *os) { *os << c.name; }

std::string headerWithSize(uint64_t size, StringRef rest) {
  std::string bytes(8, '\0');
  llvm::support::endian::write64le(bytes.data(), size);
  return bytes + rest.str();
}

std::vector<InvalidCase> invalidCases() {
  return {
      {"TooShort", "\x02\x00\x00", "too short"},
      {"HeaderLargerThanFile", headerWithSize(64, "{}"),
       "header size 64 is larger than the file (10 bytes)"},
      {"HeaderAbsurd", headerWithSize(uint64_t(1) << 40, "{}"),
       "exceeds the limit of 100 MB"},
      {"NotJson", makeFile("{\"a\": ", 0), "header is not valid JSON"},
      {"NotUtf8", makeFile("{\"\xff\": 1}", 0), "header is not valid JSON"},
      {"NotObject", makeFile("[1, 2]", 0), "header is not a JSON object"},
      // 40,000 nested arrays overflowed the stack of a recursive parse.
      {"DeeplyNested",
       makeFile(std::string(40000, '[') + std::string(40000, ']'), 0),
       "header is not valid JSON: JSON nested deeper than 64 levels"},
      {"EntryNotObject", makeFile(R"({"t": 3})", 0),
       "tensor 't': entry is not a JSON object"},
      {"MissingDtype",
       makeFile(R"({"t": {"shape": [], "data_offsets": [0, 4]}})", 4),
       "tensor 't': missing \"dtype\""},
      {"MissingShape",
       makeFile(R"({"t": {"dtype": "F32", "data_offsets": [0, 4]}})", 4),
       "tensor 't': missing \"shape\""},
      {"MissingOffsets", makeFile(R"({"t": {"dtype": "F32", "shape": []}})", 4),
       "tensor 't': missing \"data_offsets\""},
      {"DtypeNotString",
       makeFile(R"({"t": {"dtype": 4, "shape": [], "data_offsets": [0, 4]}})",
                4),
       "\"dtype\" is not a string"},
      {"ShapeNotArray",
       makeFile(
           R"({"t": {"dtype": "F32", "shape": 1, "data_offsets": [0, 4]}})", 4),
       "\"shape\" is not an array"},
      {"ShapeNotIntegers",
       makeFile(
           R"({"t": {"dtype": "F32", "shape": ["1"], "data_offsets": [0, 4]}})",
           4),
       "\"shape\" holds a value that is not an integer"},
      {"OffsetsNotPair",
       makeFile(R"({"t": {"dtype": "F32", "shape": [], "data_offsets": [4]}})",
                4),
       "\"data_offsets\" is not an array of two integers"},
      {"OffsetsNegative",
       makeFile(
           R"({"t": {"dtype": "F32", "shape": [], "data_offsets": [-4, 0]}})",
           4),
       "\"data_offsets\" are not non-negative integers"},
      {"UnknownDtype",
       makeFile(
           R"({"t": {"dtype": "F128", "shape": [], "data_offsets": [0, 4]}})",
           4),
       "tensor 't': unknown dtype 'F128'"},
      {"NegativeDimension",
       makeFile(
           R"({"t": {"dtype": "F32", "shape": [2, -2], "data_offsets": [0, 4]}})",
           4),
       "tensor 't': negative dimension -2"},
      {"OffsetsReversed",
       makeFile(
           R"({"t": {"dtype": "F32", "shape": [], "data_offsets": [4, 0]}})",
           4),
       "data_offsets [4, 0] have begin > end"},
      {"OffsetsPastData",
       makeFile(
           R"({"t": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}})",
           4),
       "data_offsets [0, 8] exceed the data section (4 bytes)"},
      {"SizeMismatch",
       makeFile(
           R"({"t": {"dtype": "F32", "shape": [2], "data_offsets": [0, 4]}})",
           4),
       "span 4 bytes but F32 [2] needs 8 bytes"},
      {"SizeOverflow",
       makeFile(R"({"t": {"dtype": "F32", "shape": [4294967296, 4294967296],)"
                R"( "data_offsets": [0, 0]}})",
                0),
       "byte size of F32 [4294967296, 4294967296] overflows"},
      {"Overlap",
       makeFile(
           R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},)"
           R"( "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}})",
           12),
       "tensors 'a' and 'b' overlap"},
      {"OverlapWithinLargerTensor",
       makeFile(
           R"({"a": {"dtype": "U8", "shape": [16], "data_offsets": [0, 16]},)"
           R"( "b": {"dtype": "U8", "shape": [2], "data_offsets": [4, 6]}})",
           16),
       "tensors 'a' and 'b' overlap"},
      {"MetadataNotObject", makeFile(R"({"__metadata__": ["x"]})", 0),
       "\"__metadata__\" is not a JSON object"},
      {"MetadataValueNotString",
       makeFile(R"({"__metadata__": {"epoch": 3}})", 0),
       "metadata value of 'epoch' is not a string"},
  };
}

class SafeTensorsInvalidTest : public ::testing::TestWithParam<InvalidCase> {};
} // namespace

TEST_P(SafeTensorsInvalidTest, ReportsProblem) {
  const InvalidCase &c = GetParam();
  std::string text = openError(c.bytes);
  ASSERT_FALSE(text.empty()) << "file was accepted";
  EXPECT_TRUE(StringRef(text).starts_with("bad.safetensors: ")) << text;
  EXPECT_NE(text.find(c.expected), std::string::npos) << text;
}

INSTANTIATE_TEST_SUITE_P(Malformed, SafeTensorsInvalidTest,
                         ::testing::ValuesIn(invalidCases()),
                         [](const ::testing::TestParamInfo<InvalidCase> &info) {
                           return std::string(info.param.name);
                         });

TEST(SafeTensorsValidationTest, AcceptsEmptyTensorInsideAnother) {
  std::string bytes = makeFile(
      R"({"a": {"dtype": "U8", "shape": [8], "data_offsets": [0, 8]},)"
      R"( "b": {"dtype": "F32", "shape": [0], "data_offsets": [4, 4]}})",
      8);
  EXPECT_EQ(openError(bytes), "");
}

//===----------------------------------------------------------------------===//
// expect()
//===----------------------------------------------------------------------===//

TEST_F(SafeTensorsTest, ExpectReportsMismatches) {
  std::vector<float> values(6, 1.0f);
  SafeTensorsWriter writer;
  writer.add("w", DType::F32, {2, 3}, asBytes<float>(values));
  std::string path = pathTo("expect.safetensors");
  ASSERT_EQ(message(writer.write(path)), "");
  auto file = SafeTensorsFile::open(path);
  ASSERT_TRUE(succeeded(file));

  auto found = file->expect("w", DType::F32, {2, 3});
  ASSERT_TRUE(succeeded(found));
  EXPECT_EQ(*found, file->find("w"));

  EXPECT_EQ(message(file->expect("v", DType::F32, {2, 3})),
            path + ": no tensor named 'v' (expected F32 "
                   "[2, 3])");
  EXPECT_EQ(message(file->expect("w", DType::F16, {2, 3})),
            path + ": tensor 'w' is F32 [2, 3], expected F16 "
                   "[2, 3]");
  EXPECT_EQ(message(file->expect("w", DType::F32, {3, 2})),
            path + ": tensor 'w' is F32 [2, 3], expected F32 "
                   "[3, 2]");
  EXPECT_EQ(message(file->expect("w", DType::F32, {})),
            path + ": tensor 'w' is F32 [2, 3], expected F32 []");
}

//===----------------------------------------------------------------------===//
// Writer failures and atomicity
//===----------------------------------------------------------------------===//

TEST_F(SafeTensorsTest, WriterRejectsInvalidTensors) {
  std::string path = pathTo("invalid.safetensors");
  uint8_t bytes[4] = {};

  SafeTensorsWriter duplicate;
  duplicate.add("x", DType::U8, {1}, ArrayRef<uint8_t>(bytes, 1));
  duplicate.add("x", DType::U8, {1}, ArrayRef<uint8_t>(bytes, 1));
  EXPECT_EQ(message(duplicate.write(path)), path + ": tensor 'x': duplicate "
                                                   "tensor name");

  SafeTensorsWriter wrongSize;
  wrongSize.add("x", DType::F32, {2}, bytes);
  EXPECT_EQ(message(wrongSize.write(path)), path + ": tensor 'x': got 4 bytes "
                                                   "but F32 [2] needs 8 "
                                                   "bytes");

  SafeTensorsWriter reserved;
  reserved.add("__metadata__", DType::U8, {1}, ArrayRef<uint8_t>(bytes, 1));
  EXPECT_NE(message(reserved.write(path)), "");

  SafeTensorsWriter negative;
  negative.add("x", DType::U8, {-1}, {});
  EXPECT_NE(message(negative.write(path)), "");

  EXPECT_TRUE(listDir().empty());
}

TEST_F(SafeTensorsTest, WriteIntoMissingDirectoryFailsCleanly) {
  std::string path = pathTo("no/such/dir/out.safetensors");
  SafeTensorsWriter writer;
  uint8_t byte = 1;
  writer.add("x", DType::U8, {1}, byte);
  llvm::Error err = writer.write(path);
  ASSERT_TRUE(bool(err));
  std::string text = message(std::move(err));
  EXPECT_TRUE(StringRef(text).starts_with(path + ": ")) << text;
  EXPECT_FALSE(llvm::sys::fs::exists(path));
  EXPECT_TRUE(listDir().empty());
}

TEST_F(SafeTensorsTest, DirectoryAtPathIsRefusedBeforeWriting) {
  std::string path = pathTo("taken");
  ASSERT_FALSE(llvm::sys::fs::create_directory(path));
  ASSERT_FALSE(llvm::sys::fs::create_directory(pathTo("taken/inner")));
  SafeTensorsWriter writer;
  uint8_t byte = 1;
  writer.add("x", DType::U8, {1}, byte);
  EXPECT_EQ(message(writer.write(path)), path + ": is a directory");
  EXPECT_EQ(listDir(), std::vector<std::string>{"taken"});
}

TEST_F(SafeTensorsTest, WriteReplacesExistingFileAtomically) {
  std::string path = pathTo("ckpt.safetensors");
  std::vector<float> first(4096, 1.0f), second(8, 2.0f);

  SafeTensorsWriter writerA;
  writerA.add("a", DType::F32, {4096}, asBytes<float>(first));
  ASSERT_EQ(message(writerA.write(path)), "");
  auto before = SafeTensorsFile::open(path);
  ASSERT_TRUE(succeeded(before));

  SafeTensorsWriter writerB;
  writerB.add("b", DType::F32, {8}, asBytes<float>(second));
  writerB.setMetadata("epoch", "2");
  ASSERT_EQ(message(writerB.write(path)), "");
  EXPECT_EQ(listDir(), std::vector<std::string>{"ckpt.safetensors"});

  auto after = SafeTensorsFile::open(path);
  ASSERT_TRUE(succeeded(after));
  EXPECT_EQ(after->find("a"), nullptr);
  ASSERT_NE(after->find("b"), nullptr);
  EXPECT_EQ(after->data(*after->find("b")), asBytes<float>(second));
  EXPECT_EQ(after->metadata().at("epoch"), "2");

  // The rename replaced the directory entry, not the old file's contents, so
  // a reader that opened the old file still sees it whole.
  ASSERT_NE(before->find("a"), nullptr);
  EXPECT_EQ(before->data(*before->find("a")), asBytes<float>(first));
}

#ifdef __linux__
/// Lowers the file size limit so that writes fail with EFBIG, standing in for
/// a full disk.
class FileSizeLimit {
public:
  explicit FileSizeLimit(rlim_t bytes) {
    oldHandler = std::signal(SIGXFSZ, SIG_IGN);
    getrlimit(RLIMIT_FSIZE, &oldLimit);
    rlimit limit = oldLimit;
    limit.rlim_cur = bytes;
    active = setrlimit(RLIMIT_FSIZE, &limit) == 0;
  }
  ~FileSizeLimit() {
    setrlimit(RLIMIT_FSIZE, &oldLimit);
    std::signal(SIGXFSZ, oldHandler);
  }
  bool active = false;

private:
  rlimit oldLimit;
  void (*oldHandler)(int);
};

TEST_F(SafeTensorsTest, FailedWriteKeepsOldFileAndRemovesTemporary) {
  std::string path = pathTo("full.safetensors");
  uint8_t byte = 7;
  SafeTensorsWriter small;
  small.add("old", DType::U8, {1}, byte);
  ASSERT_EQ(message(small.write(path)), "");
  std::string oldContents = readRaw(path);

  std::vector<uint8_t> big(1 << 20, 3);
  SafeTensorsWriter large;
  large.add("new", DType::U8, {static_cast<int64_t>(big.size())}, big);
  std::string text;
  {
    FileSizeLimit limit(64 * 1024);
    if (!limit.active)
      GTEST_SKIP() << "cannot lower RLIMIT_FSIZE";
    text = message(large.write(path));
  }
  EXPECT_TRUE(StringRef(text).starts_with(path + ": cannot write")) << text;
  EXPECT_EQ(readRaw(path), oldContents);
  EXPECT_EQ(listDir(), std::vector<std::string>{"full.safetensors"});
}
#endif
