//===- TorchPickleTest.cpp - the tensors a TorchScript pickle declares ----===//
//
// Hand-assembled pickles in the forms LibTorch writes and in the forms a
// forger could choose instead (memoised pieces, other integer and string
// opcodes), checked against records of known sizes.
//
//===----------------------------------------------------------------------===//

#include "dsc/Runtime/TorchPickle.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>

using namespace dsc::rt;
using llvm::StringRef;

namespace {

/// Assembles a pickle opcode by opcode.
class Pickle {
public:
  Pickle() { bytes = "\x80\x02"; }
  Pickle &op(char code) {
    bytes += code;
    return *this;
  }
  Pickle &integer(int32_t value) {
    bytes += 'J';
    for (int i = 0; i < 4; ++i)
      bytes += char(uint32_t(value) >> (8 * i));
    return *this;
  }
  Pickle &text(StringRef value) {
    bytes += 'X';
    for (int i = 0; i < 4; ++i)
      bytes += char(uint32_t(value.size()) >> (8 * i));
    bytes += value.str();
    return *this;
  }
  Pickle &global(StringRef module, StringRef name) {
    bytes += 'c';
    bytes += (module + "\n" + name + "\n").str();
    return *this;
  }
  Pickle &put(uint8_t slot) {
    bytes += 'q';
    bytes += char(slot);
    return *this;
  }
  Pickle &get(uint8_t slot) {
    bytes += 'h';
    bytes += char(slot);
    return *this;
  }
  /// ('storage', torch.<type>, key, 'cpu', numel) BINPERSID
  Pickle &storage(StringRef type, StringRef key, int32_t numel) {
    op('(').text("storage").global("torch", type).text(key).text("cpu");
    return integer(numel).op('t').op('Q');
  }
  /// _rebuild_tensor_v2(<storage on the stack>, offset, sizes, strides)
  /// with the storage pushed by `pushStorage`.
  template <typename Fn>
  Pickle &tensor(Fn pushStorage, int32_t offset,
                 std::initializer_list<int32_t> sizes,
                 std::initializer_list<int32_t> strides) {
    global("torch._utils", "_rebuild_tensor_v2").op('(');
    pushStorage(*this);
    integer(offset).op('(');
    for (int32_t size : sizes)
      integer(size);
    op('t').op('(');
    for (int32_t stride : strides)
      integer(stride);
    return op('t').op('\x89').op('t').op('R');
  }
  std::string done() { return bytes + "."; }

  std::string bytes;
};

/// Records: "0" holds 64 bytes (16 floats), "empty" none.
std::optional<uint64_t> records(StringRef key) {
  if (key == "0")
    return 64;
  if (key == "empty")
    return 0;
  return std::nullopt;
}

std::string check(const std::string &pickle, bool tensorsAllowed = true) {
  std::optional<StorageRecordSize> sizes;
  if (tensorsAllowed)
    sizes = StorageRecordSize(records);
  llvm::Error err = checkPickledTensors(pickle, "m/data.pkl", sizes);
  return err ? llvm::toString(std::move(err)) : std::string();
}

auto floats16 = [](Pickle &p) { p.storage("FloatStorage", "0", 16); };

TEST(TorchPickle, AcceptsTheViewsLibTorchWrites) {
  // A 4x4 matrix, its transpose, and the last row: all inside 16 floats.
  Pickle p;
  p.op('(')
      .tensor(floats16, 0, {4, 4}, {4, 1})
      .tensor(floats16, 0, {4, 4}, {1, 4})
      .tensor(floats16, 12, {4}, {1})
      .op('l');
  EXPECT_EQ(check(p.done()), "");
  // Zero elements need no bytes; an empty record holds an empty storage.
  Pickle empty;
  empty.tensor([](Pickle &q) { q.storage("FloatStorage", "empty", 0); }, 0,
               {0, 3}, {3, 1});
  EXPECT_EQ(check(empty.done()), "");
}

TEST(TorchPickle, RefusesAStorageLargerThanItsRecord) {
  Pickle p;
  p.tensor([](Pickle &q) { q.storage("FloatStorage", "0", 32); }, 0, {32}, {1});
  EXPECT_NE(check(p.done()).find("storage '0' declares 32 elements of "
                                 "torch.FloatStorage (128 bytes), but its "
                                 "record holds 64 bytes"),
            std::string::npos);
  // Doubles: 16 elements are 128 bytes.
  Pickle doubles;
  doubles.storage("DoubleStorage", "0", 16);
  EXPECT_NE(check(doubles.done()).find("(128 bytes)"), std::string::npos);
  Pickle missing;
  missing.storage("FloatStorage", "7", 1);
  EXPECT_NE(check(missing.done()).find("its record is missing"),
            std::string::npos);
}

TEST(TorchPickle, RefusesViewsPastTheStorage) {
  for (auto [offset, size, stride] :
       {std::tuple{1, 16, 1}, std::tuple{0, 5, 4}, std::tuple{16, 1, 1},
        // A stride far past the end.
        std::tuple{0, 2, 0x7fffffff}}) {
    Pickle p;
    p.tensor(floats16, offset, {size}, {stride});
    EXPECT_NE(check(p.done()).find("reaches past its 64 bytes"),
              std::string::npos)
        << offset << " " << size << " " << stride;
  }
  Pickle negative;
  negative.tensor(floats16, 0, {4}, {-1});
  EXPECT_NE(check(negative.done()).find("non-negative integer sizes"),
            std::string::npos);
}

TEST(TorchPickle, ViewStorageElements) {
  EXPECT_EQ(viewStorageElements({4, 4}, {4, 1}, 0), 16);
  EXPECT_EQ(viewStorageElements({4, 4}, {1, 4}, 2), 18);
  EXPECT_EQ(viewStorageElements({}, {}, 5), 6);
  EXPECT_EQ(viewStorageElements({3, 0}, {1 << 20, 1}, 7), 0);
  EXPECT_EQ(viewStorageElements({4}, {-1}, 0), std::nullopt);
  EXPECT_EQ(viewStorageElements({4}, {1}, -1), std::nullopt);
  EXPECT_EQ(viewStorageElements({4, 4}, {1}, 0), std::nullopt);
  // Each step fits int64 but their sum does not (it would wrap to a small
  // reach and pass a bounds check).
  int64_t big = int64_t(1) << 62;
  EXPECT_EQ(viewStorageElements({2, 2}, {big, big}, 0), std::nullopt);
  EXPECT_EQ(viewStorageElements({3}, {big}, 0), std::nullopt);
  EXPECT_EQ(viewStorageElements({1}, {1}, INT64_MAX), std::nullopt);
}

TEST(TorchPickle, FollowsTheMemo) {
  // The persistent id's pieces and the storage itself come from the memo:
  // the check sees through both.
  Pickle p;
  p.text("storage").put(1).global("torch", "FloatStorage").put(2);
  p.op('(').get(1).get(2).text("0").text("cpu").integer(17).op('t');
  p.put(3).op('0'); // memoise the id, drop it from the stack
  p.tensor([](Pickle &q) { q.get(3).op('Q'); }, 0, {1}, {1});
  EXPECT_NE(check(p.done()).find("declares 17 elements"), std::string::npos);

  Pickle shared;
  shared.op('(').tensor(
      [](Pickle &q) {
        floats16(q);
        q.put(4);
      },
      0, {16}, {1});
  shared.tensor([](Pickle &q) { q.get(4); }, 8, {9}, {1}).op('l');
  EXPECT_NE(check(shared.done()).find("reaches past"), std::string::npos);
}

TEST(TorchPickle, RefusesStoragesUsedOtherwise) {
  // A storage handed to another function, or put in a list, escapes the
  // view check.
  Pickle p;
  p.global("torch._utils", "_rebuild_qtensor").op('(');
  floats16(p);
  p.op('t').op('R');
  EXPECT_NE(check(p.done()).find("dsc reads dense tensors only"),
            std::string::npos);
  Pickle list;
  list.op(']').op('(');
  floats16(list);
  list.op('e');
  EXPECT_NE(check(list.done()).find("dsc reads dense tensors only"),
            std::string::npos);
  // Debug information holds no storages at all.
  Pickle debug;
  floats16(debug);
  EXPECT_NE(check(debug.done(), /*tensorsAllowed=*/false)
                .find("only data.pkl and constants.pkl may"),
            std::string::npos);
}

TEST(TorchPickle, RefusesMalformedPickles) {
  EXPECT_NE(check("\x80\x02J\x01\x00").find("is truncated"), std::string::npos);
  EXPECT_NE(check("\x80\x02N").find("ends without STOP"), std::string::npos);
  EXPECT_NE(check("\x80\x02h\x05.").find("memo entry 5"), std::string::npos);
  EXPECT_NE(check("\x80\x02t.").find("no mark"), std::string::npos);
  EXPECT_NE(check("\x80\x02"
                  "0.")
                .find("empty stack"),
            std::string::npos);
  EXPECT_NE(check("\x80\x02i.").find("opcode 0x69"), std::string::npos);
  Pickle notStorage;
  notStorage.op('(').text("tensor").integer(1).op('t').op('Q');
  EXPECT_NE(check(notStorage.done()).find("persistent id that is not"),
            std::string::npos);
  Pickle unknownType;
  unknownType.storage("QInt8Storage", "0", 64);
  EXPECT_NE(check(unknownType.done()).find("torch.QInt8Storage"),
            std::string::npos);
  // Errors give the opcode's offset.
  EXPECT_NE(check("\x80\x02N0N0i.").find("(byte 6)"), std::string::npos);
}

} // namespace
