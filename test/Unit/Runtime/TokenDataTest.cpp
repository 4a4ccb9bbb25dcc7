//===- TokenDataTest.cpp - batches from a flat token file -----------------===//

#include "dsc/Runtime/TokenData.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

#include "gtest/gtest.h"

#include <cstring>
#include <string>
#include <vector>

using namespace dsc::rt;

namespace {

std::string message(llvm::Error err) {
  return err ? llvm::toString(std::move(err)) : std::string();
}

template <typename T> std::string message(llvm::Expected<T> value) {
  return value ? std::string() : llvm::toString(value.takeError());
}

/// A temporary file holding `bytes`.
class TempTokens {
public:
  explicit TempTokens(const std::string &bytes) {
    int fd;
    llvm::sys::fs::createTemporaryFile("tokens", "bin", fd, path);
    llvm::raw_fd_ostream os(fd, /*shouldClose=*/true);
    os << bytes;
  }
  ~TempTokens() { llvm::sys::fs::remove(path); }
  std::string str() const { return std::string(path); }

private:
  llvm::SmallString<128> path;
};

std::string tokenBytes(const std::vector<uint16_t> &tokens) {
  std::string bytes(tokens.size() * 2, '\0');
  for (size_t i = 0; i < tokens.size(); ++i) {
    bytes[2 * i] = static_cast<char>(tokens[i] & 0xff);
    bytes[2 * i + 1] = static_cast<char>(tokens[i] >> 8);
  }
  return bytes;
}

template <typename T> std::vector<T> valuesOf(const std::vector<uint8_t> &b) {
  std::vector<T> values(b.size() / sizeof(T));
  std::memcpy(values.data(), b.data(), b.size());
  return values;
}

TEST(TokenDataTest, BatchesShiftLabelsAndWrapAround) {
  // 2 rows of S+1 = 3 tokens per window; 14 tokens hold 2 whole windows.
  std::vector<uint16_t> tokens;
  for (uint16_t i = 0; i < 14; ++i)
    tokens.push_back(1000 + i);
  TempTokens file(tokenBytes(tokens));
  auto data = TokenFile::open(file.str());
  ASSERT_EQ(message(data.takeError()), "");
  EXPECT_EQ(data->numTokens(), 14u);
  auto windows = data->numWindows(2, 2);
  ASSERT_TRUE(static_cast<bool>(windows));
  EXPECT_EQ(*windows, 2u);

  std::vector<uint8_t> inputs, labels;
  ASSERT_EQ(message(data->batch(1, 2, 2, DType::I64, inputs, labels)), "");
  EXPECT_EQ(valuesOf<int64_t>(inputs),
            (std::vector<int64_t>{1006, 1007, 1009, 1010}));
  EXPECT_EQ(valuesOf<int64_t>(labels),
            (std::vector<int64_t>{1007, 1008, 1010, 1011}));
  // Step 2 wraps to window 0; int32 inputs.
  ASSERT_EQ(message(data->batch(2, 2, 2, DType::I32, inputs, labels)), "");
  EXPECT_EQ(valuesOf<int32_t>(inputs),
            (std::vector<int32_t>{1000, 1001, 1003, 1004}));
  EXPECT_EQ(valuesOf<int32_t>(labels),
            (std::vector<int32_t>{1001, 1002, 1004, 1005}));
}

TEST(TokenDataTest, Errors) {
  EXPECT_NE(message(TokenFile::open("/nonexistent/tokens.bin"))
                .find("/nonexistent/tokens.bin"),
            std::string::npos);

  TempTokens odd(std::string(7, '\0'));
  EXPECT_NE(message(TokenFile::open(odd.str())).find("odd"), std::string::npos);

  TempTokens shortFile(tokenBytes({1, 2, 3, 4, 5}));
  auto data = TokenFile::open(shortFile.str());
  ASSERT_EQ(message(data.takeError()), "");
  std::string error = message(data->numWindows(2, 2));
  EXPECT_NE(error.find("fewer than one batch"), std::string::npos) << error;

  TempTokens big(tokenBytes({300, 1, 2}));
  auto bigData = TokenFile::open(big.str());
  ASSERT_EQ(message(bigData.takeError()), "");
  std::vector<uint8_t> inputs, labels;
  error = message(bigData->batch(0, 1, 2, DType::I8, inputs, labels));
  EXPECT_NE(error.find("token id 300"), std::string::npos) << error;
  error = message(bigData->batch(0, 1, 2, DType::F32, inputs, labels));
  EXPECT_NE(error.find("integers"), std::string::npos) << error;
}

TensorDesc input(std::string name, DType dtype, std::vector<int64_t> shape) {
  TensorDesc desc;
  desc.name = std::move(name);
  desc.dtype = dtype;
  desc.shape = std::move(shape);
  desc.storage = Storage::Input;
  return desc;
}

TEST(TokenDataTest, FindsTokenInputsInPlanOrder) {
  Plan plan;
  plan.tensors.push_back(input("idx", DType::I64, {4, 16}));
  plan.tensors.push_back(input("targets", DType::I64, {4, 16}));
  auto found = findTokenInputs(plan);
  ASSERT_EQ(message(found.takeError()), "");
  EXPECT_EQ(found->tokens, 0u);
  EXPECT_EQ(found->labels, 1u);
  EXPECT_EQ(found->batch, 4);
  EXPECT_EQ(found->seqLen, 16);

  plan.tensors[1].shape = {4, 15};
  EXPECT_NE(message(findTokenInputs(plan)).find("one shape"),
            std::string::npos);
  plan.tensors[1] = input("targets", DType::F32, {4, 16});
  EXPECT_NE(message(findTokenInputs(plan)).find("integer"), std::string::npos);
  plan.tensors.pop_back();
  EXPECT_NE(message(findTokenInputs(plan)).find("exactly two inputs"),
            std::string::npos);
}

TEST(TokenDataTest, TokenInputsHaveTheDataShapeBeforePadding) {
  // A sequence of 30 padded to 32 over sp = 4: the file gives windows of 30.
  Plan plan;
  plan.mesh = {{"dp", 2}, {"sp", 4}};
  plan.tensors.push_back(input("idx", DType::I64, {1, 8}));
  plan.tensors.push_back(input("targets", DType::I64, {1, 8}));
  for (TensorDesc &desc : plan.tensors) {
    desc.shardAxes = {0, 1};
    desc.dataShape = {2, 30};
  }
  auto found = findTokenInputs(plan);
  ASSERT_EQ(message(found.takeError()), "");
  EXPECT_EQ(found->batch, 2);
  EXPECT_EQ(found->seqLen, 30);

  // Without padding, the global shape.
  plan.tensors[0].dataShape.clear();
  plan.tensors[1].dataShape.clear();
  found = findTokenInputs(plan);
  ASSERT_EQ(message(found.takeError()), "");
  EXPECT_EQ(found->batch, 2);
  EXPECT_EQ(found->seqLen, 32);

  plan.tensors[1].dataShape = {2, 31};
  EXPECT_NE(message(findTokenInputs(plan)).find("padded the same way"),
            std::string::npos);
}

} // namespace
