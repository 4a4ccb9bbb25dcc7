//===- TorchPickle.cpp - check the tensors a TorchScript pickle builds ----===//
//
// An abstract pickle machine: it runs the opcodes LibTorch's unpickler reads
// on a stack of abstract values that keep only what the check needs (ints,
// strings, globals, tuples, and storages with their sizes) and follows the
// memo, so a persistent id or a view built from memoised pieces is checked
// like a literal one. Nothing is built; memory and time grow linearly with
// the pickle.
//
//===----------------------------------------------------------------------===//

#include "dsc/Runtime/TorchPickle.h"

#include "dsc/Runtime/ZipArchive.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/MemoryBuffer.h"

#include <string>
#include <vector>

using namespace dsc;
using namespace llvm;

namespace {

enum class Kind : uint8_t { Other, Int, Str, Global, Tuple, Storage };

struct Value {
  Kind kind = Kind::Other;
  /// A storage, or a tuple with one somewhere inside.
  bool holdsStorage = false;
  /// Int: the value; Storage: its size in bytes.
  int64_t integer = 0;
  /// Storage: the bytes of one element.
  int64_t itemSize = 0;
  /// Str: the text; Global: "module.name"; Storage: its key.
  std::string text;
  /// Tuple: the elements, indices into the machine's values.
  std::vector<uint32_t> items;
};

/// The bytes of one element of the storage class `torch.<name>`.
std::optional<int64_t> storageItemSize(StringRef name) {
  int64_t size = StringSwitch<int64_t>(name)
                     .Cases({"DoubleStorage", "LongStorage",
                             "ComplexFloatStorage", "UInt64Storage"},
                            8)
                     .Cases({"FloatStorage", "IntStorage", "UInt32Storage"}, 4)
                     .Cases({"HalfStorage", "BFloat16Storage", "ShortStorage",
                             "UInt16Storage"},
                            2)
                     .Cases({"CharStorage", "ByteStorage", "BoolStorage"}, 1)
                     .Case("ComplexDoubleStorage", 16)
                     .Default(0);
  if (size == 0)
    return std::nullopt;
  return size;
}

class PickleMachine {
public:
  PickleMachine(StringRef bytes, StringRef name,
                std::optional<rt::StorageRecordSize> recordSize)
      : bytes(bytes), name(name), recordSize(recordSize) {}

  Error run();

private:
  Error fail(const Twine &message) const {
    return createStringError(inconvertibleErrorCode(), name + ": " + message +
                                                           " (byte " +
                                                           Twine(start) + ")");
  }
  /// The next `n` bytes as an unsigned little-endian number; false at the end.
  bool take(unsigned n, uint64_t &out) {
    if (bytes.size() - pos < n)
      return false;
    out = 0;
    for (unsigned i = 0; i < n; ++i)
      out |= uint64_t(uint8_t(bytes[pos + i])) << (8 * i);
    pos += n;
    return true;
  }
  bool skip(uint64_t n) {
    if (bytes.size() - pos < n)
      return false;
    pos += n;
    return true;
  }
  uint32_t make(Value value) {
    values.push_back(std::move(value));
    return values.size() - 1;
  }
  void push(uint32_t value) { stack.push_back(value); }
  Expected<uint32_t> pop();
  /// Pops everything above the last mark, and the mark.
  Expected<std::vector<uint32_t>> popMark();
  /// `value` is handed to something other than _rebuild_tensor_v2.
  Error consume(uint32_t value) const;
  Error consume(ArrayRef<uint32_t> popped) const {
    for (uint32_t value : popped)
      if (Error err = consume(value))
        return err;
    return Error::success();
  }
  Expected<uint32_t> persistentLoad(uint32_t pid);
  Error rebuildTensor(uint32_t args);
  Error step(uint8_t op);

  StringRef bytes, name;
  std::optional<rt::StorageRecordSize> recordSize;
  uint64_t pos = 0, start = 0;
  bool stopped = false;
  std::vector<Value> values;
  std::vector<uint32_t> stack;
  std::vector<size_t> marks;
  DenseMap<uint64_t, uint32_t> memo;
};

Expected<uint32_t> PickleMachine::pop() {
  if (stack.size() == (marks.empty() ? 0 : marks.back()))
    return fail("pops an empty stack");
  uint32_t value = stack.back();
  stack.pop_back();
  return value;
}

Expected<std::vector<uint32_t>> PickleMachine::popMark() {
  if (marks.empty())
    return fail("has no mark to pop to");
  std::vector<uint32_t> popped(stack.begin() + marks.back(), stack.end());
  stack.resize(marks.back());
  marks.pop_back();
  return popped;
}

Error PickleMachine::consume(uint32_t value) const {
  if (!values[value].holdsStorage)
    return Error::success();
  return fail("uses a tensor storage other than as the first argument of "
              "torch._utils._rebuild_tensor_v2 (dsc reads dense tensors "
              "only)");
}

Expected<uint32_t> PickleMachine::persistentLoad(uint32_t pid) {
  const Value &id = values[pid];
  auto item = [&](size_t i, Kind kind) -> const Value * {
    if (id.kind != Kind::Tuple || id.items.size() != 5 ||
        values[id.items[i]].kind != kind)
      return nullptr;
    return &values[id.items[i]];
  };
  const Value *tag = item(0, Kind::Str), *type = item(1, Kind::Global),
              *key = item(2, Kind::Str), *numel = item(4, Kind::Int);
  if (!tag || tag->text != "storage" || !type || !key || !item(3, Kind::Str) ||
      !numel)
    return fail("has a persistent id that is not ('storage', type, key, "
                "location, numel)");
  if (!recordSize)
    return fail("refers to tensor storage '" + key->text +
                "'; only data.pkl and constants.pkl may");
  StringRef typeName = type->text;
  std::optional<int64_t> itemSize;
  if (typeName.consume_front("torch."))
    itemSize = storageItemSize(typeName);
  if (!itemSize)
    return fail("storage '" + key->text + "' has type " + type->text +
                ", which dsc does not read");
  int64_t storageBytes = 0;
  if (numel->integer < 0 ||
      MulOverflow(numel->integer, *itemSize, storageBytes))
    return fail("storage '" + key->text + "' declares " +
                Twine(numel->integer) + " elements");
  std::optional<uint64_t> recordBytes = (*recordSize)(key->text);
  if (!recordBytes ? storageBytes != 0
                   : *recordBytes != static_cast<uint64_t>(storageBytes))
    return fail("storage '" + key->text + "' declares " +
                Twine(numel->integer) + " elements of " + type->text + " (" +
                Twine(storageBytes) + " bytes), but its record " +
                (recordBytes ? "holds " + Twine(*recordBytes) + " bytes"
                             : Twine("is missing")));
  Value storage;
  storage.kind = Kind::Storage;
  storage.holdsStorage = true;
  storage.integer = storageBytes;
  storage.itemSize = *itemSize;
  storage.text = key->text;
  return make(std::move(storage));
}

Error PickleMachine::rebuildTensor(uint32_t argsIndex) {
  const Value &args = values[argsIndex];
  auto ints = [&](size_t i) -> std::optional<std::vector<int64_t>> {
    const Value &tuple = values[args.items[i]];
    if (tuple.kind != Kind::Tuple)
      return std::nullopt;
    std::vector<int64_t> result;
    for (uint32_t element : tuple.items) {
      if (values[element].kind != Kind::Int || values[element].integer < 0)
        return std::nullopt;
      result.push_back(values[element].integer);
    }
    return result;
  };
  if (args.kind != Kind::Tuple || args.items.size() < 4 ||
      values[args.items[0]].kind != Kind::Storage ||
      values[args.items[1]].kind != Kind::Int ||
      values[args.items[1]].integer < 0)
    return fail("calls torch._utils._rebuild_tensor_v2 without (storage, "
                "offset, sizes, strides, ...)");
  for (uint32_t rest : ArrayRef<uint32_t>(args.items).drop_front())
    if (Error err = consume(rest))
      return err;
  const Value &storage = values[args.items[0]];
  std::optional<std::vector<int64_t>> sizes = ints(2), strides = ints(3);
  if (!sizes || !strides || sizes->size() != strides->size())
    return fail("builds a view of storage '" + storage.text +
                "' without non-negative integer sizes and strides of one rank");
  std::optional<int64_t> reach =
      rt::viewStorageElements(*sizes, *strides, values[args.items[1]].integer);
  int64_t bytes = 0;
  if (!reach || MulOverflow(*reach, storage.itemSize, bytes) ||
      bytes > storage.integer)
    return fail("builds a view of storage '" + storage.text +
                "' that reaches past its " + Twine(storage.integer) + " bytes");
  return Error::success();
}

Error PickleMachine::run() {
  while (!stopped) {
    start = pos;
    if (pos == bytes.size())
      return fail("ends without STOP");
    if (Error err = step(uint8_t(bytes[pos++])))
      return err;
  }
  return Error::success();
}

Error PickleMachine::step(uint8_t op) {
  auto truncated = [&] { return fail("is truncated"); };
  uint64_t n = 0;
  auto pushInt = [&](int64_t integer) {
    Value value;
    value.kind = Kind::Int;
    value.integer = integer;
    push(make(std::move(value)));
  };
  auto pushText = [&](Kind kind, std::string text) {
    Value value;
    value.kind = kind;
    value.text = std::move(text);
    push(make(std::move(value)));
  };
  auto pushTuple = [&](std::vector<uint32_t> items) {
    Value tuple;
    tuple.kind = Kind::Tuple;
    tuple.holdsStorage = llvm::any_of(
        items, [&](uint32_t item) { return values[item].holdsStorage; });
    tuple.items = std::move(items);
    push(make(std::move(tuple)));
  };
  auto needTop = [&]() -> Error {
    if (stack.size() == (marks.empty() ? 0 : marks.back()))
      return fail("has no object to add to");
    return Error::success();
  };
  // Opcodes with a length-prefixed string, bytes or float argument: the
  // prefix width, and the kind they push.
  auto lengthPrefixed = [&](unsigned width, std::optional<Kind> text) -> Error {
    if (!take(width, n) || !skip(n))
      return truncated();
    if (text)
      pushText(*text, bytes.substr(pos - n, n).str());
    else
      push(make(Value()));
    return Error::success();
  };
  switch (op) {
  case 0x80: // PROTO
    return skip(1) ? Error::success() : truncated();
  case 0x95: // FRAME
    return skip(8) ? Error::success() : truncated();
  case '(': // MARK
    marks.push_back(stack.size());
    return Error::success();
  case '.': // STOP
    stopped = true;
    return Error::success();
  case '0': // POP
    return pop().takeError();
  case '1': // POP_MARK
    return popMark().takeError();
  case '2': { // DUP
    Expected<uint32_t> top = pop();
    if (!top)
      return top.takeError();
    push(*top);
    push(*top);
    return Error::success();
  }
  case 'N':  // NONE
  case 0x88: // NEWTRUE
  case 0x89: // NEWFALSE
  case ']':  // EMPTY_LIST
  case '}':  // EMPTY_DICT
  case 0x8f: // EMPTY_SET
    push(make(Value()));
    return Error::success();
  case 'K': // BININT1
  case 'M': // BININT2
    if (!take(op == 'K' ? 1 : 2, n))
      return truncated();
    pushInt(int64_t(n));
    return Error::success();
  case 'J': // BININT
    if (!take(4, n))
      return truncated();
    pushInt(int32_t(uint32_t(n)));
    return Error::success();
  case 0x8a: { // LONG1: a little-endian two's complement integer
    uint64_t width = 0;
    if (!take(1, width) || !skip(width))
      return truncated();
    if (width > 8) {
      push(make(Value()));
      return Error::success();
    }
    uint64_t raw = 0;
    for (uint64_t i = 0; i < width; ++i)
      raw |= uint64_t(uint8_t(bytes[pos - width + i])) << (8 * i);
    pushInt(width == 0 ? 0 : SignExtend64(raw, unsigned(8 * width)));
    return Error::success();
  }
  case 0x8b: // LONG4
    return lengthPrefixed(4, std::nullopt);
  case 0x8c: // SHORT_BINUNICODE
  case 'U':  // SHORT_BINSTRING
    return lengthPrefixed(1, Kind::Str);
  case 'X': // BINUNICODE
  case 'T': // BINSTRING
    return lengthPrefixed(4, Kind::Str);
  case 0x8d: // BINUNICODE8
    return lengthPrefixed(8, Kind::Str);
  case 'C': // SHORT_BINBYTES
    return lengthPrefixed(1, std::nullopt);
  case 'B': // BINBYTES
    return lengthPrefixed(4, std::nullopt);
  case 0x8e: // BINBYTES8
    return lengthPrefixed(8, std::nullopt);
  case 'G': // BINFLOAT
    if (!skip(8))
      return truncated();
    push(make(Value()));
    return Error::success();
  case ')': // EMPTY_TUPLE
    pushTuple({});
    return Error::success();
  case 't': { // TUPLE
    Expected<std::vector<uint32_t>> items = popMark();
    if (!items)
      return items.takeError();
    pushTuple(std::move(*items));
    return Error::success();
  }
  case 0x85:   // TUPLE1
  case 0x86:   // TUPLE2
  case 0x87: { // TUPLE3
    std::vector<uint32_t> items(op - 0x84);
    for (uint32_t &item : llvm::reverse(items)) {
      Expected<uint32_t> popped = pop();
      if (!popped)
        return popped.takeError();
      item = *popped;
    }
    pushTuple(std::move(items));
    return Error::success();
  }
  case 'a':   // APPEND
  case 's': { // SETITEM
    for (int i = op == 'a' ? 1 : 2; i > 0; --i) {
      Expected<uint32_t> item = pop();
      if (!item)
        return item.takeError();
      if (Error err = consume(*item))
        return err;
    }
    return needTop();
  }
  case 'e':    // APPENDS
  case 'u':    // SETITEMS
  case 0x90:   // ADDITEMS
  case 'l':    // LIST
  case 'd':    // DICT
  case 0x91: { // FROZENSET
    Expected<std::vector<uint32_t>> items = popMark();
    if (!items)
      return items.takeError();
    if (Error err = consume(*items))
      return err;
    if (op == 'l' || op == 'd' || op == 0x91) {
      push(make(Value()));
      return Error::success();
    }
    return needTop();
  }
  case 'c': { // GLOBAL: "module\nname\n"
    size_t moduleEnd = bytes.find('\n', pos);
    size_t nameEnd = moduleEnd == StringRef::npos
                         ? moduleEnd
                         : bytes.find('\n', moduleEnd + 1);
    if (nameEnd == StringRef::npos)
      return truncated();
    pushText(Kind::Global, (bytes.slice(pos, moduleEnd) + "." +
                            bytes.slice(moduleEnd + 1, nameEnd))
                               .str());
    pos = nameEnd + 1;
    return Error::success();
  }
  case 0x93: { // STACK_GLOBAL
    Expected<uint32_t> global = pop();
    if (!global)
      return global.takeError();
    Expected<uint32_t> module = pop();
    if (!module)
      return module.takeError();
    if (values[*module].kind != Kind::Str || values[*global].kind != Kind::Str)
      return fail("has a STACK_GLOBAL whose module and name are not strings");
    pushText(Kind::Global, values[*module].text + "." + values[*global].text);
    return Error::success();
  }
  case 'R':    // REDUCE
  case 0x81: { // NEWOBJ
    Expected<uint32_t> args = pop();
    if (!args)
      return args.takeError();
    Expected<uint32_t> callable = pop();
    if (!callable)
      return callable.takeError();
    const Value &function = values[*callable];
    if (op == 'R' && function.kind == Kind::Global &&
        function.text == "torch._utils._rebuild_tensor_v2") {
      if (Error err = rebuildTensor(*args))
        return err;
    } else if (Error err = consume({*callable, *args})) {
      return err;
    }
    push(make(Value()));
    return Error::success();
  }
  case 'b': { // BUILD
    Expected<uint32_t> state = pop();
    if (!state)
      return state.takeError();
    if (Error err = consume(*state))
      return err;
    return needTop();
  }
  case 'Q': { // BINPERSID
    Expected<uint32_t> pid = pop();
    if (!pid)
      return pid.takeError();
    Expected<uint32_t> storage = persistentLoad(*pid);
    if (!storage)
      return storage.takeError();
    push(*storage);
    return Error::success();
  }
  case 'q':    // BINPUT
  case 'r':    // LONG_BINPUT
  case 0x94: { // MEMOIZE
    if (op != 0x94 && !take(op == 'q' ? 1 : 4, n))
      return truncated();
    if (op == 0x94)
      n = memo.size();
    if (stack.empty())
      return fail("memoises an empty stack");
    memo[n] = stack.back();
    return Error::success();
  }
  case 'h':   // BINGET
  case 'j': { // LONG_BINGET
    if (!take(op == 'h' ? 1 : 4, n))
      return truncated();
    auto it = memo.find(n);
    if (it == memo.end())
      return fail("reads memo entry " + Twine(n) + ", which was never set");
    push(it->second);
    return Error::success();
  }
  default:
    return fail("has pickle opcode 0x" + Twine::utohexstr(op) +
                ", which LibTorch does not read");
  }
}

} // namespace

std::optional<int64_t> rt::viewStorageElements(ArrayRef<int64_t> sizes,
                                               ArrayRef<int64_t> strides,
                                               int64_t offset) {
  if (sizes.size() != strides.size() || offset < 0)
    return std::nullopt;
  int64_t last = offset;
  bool empty = false;
  for (auto [size, stride] : llvm::zip(sizes, strides)) {
    int64_t step = 0;
    if (size < 0 || stride < 0)
      return std::nullopt;
    empty |= size == 0;
    if (size > 0 &&
        (MulOverflow(size - 1, stride, step) || AddOverflow(last, step, last)))
      return std::nullopt;
  }
  if (empty)
    return 0;
  if (AddOverflow(last, int64_t(1), last))
    return std::nullopt;
  return last;
}

Error rt::checkPickledTensors(StringRef bytes, StringRef name,
                              std::optional<StorageRecordSize> recordSize) {
  return PickleMachine(bytes, name, recordSize).run();
}

Error rt::checkTorchScriptArchive(StringRef path) {
  auto fail = [&](const Twine &message) {
    return createStringError(inconvertibleErrorCode(), path + ": " + message);
  };
  ErrorOr<std::unique_ptr<MemoryBuffer>> file =
      MemoryBuffer::getFile(path, /*IsText=*/false,
                            /*RequiresNullTerminator=*/false);
  if (!file)
    return fail(file.getError().message());
  StringRef bytes = (*file)->getBuffer();
  Expected<std::vector<ZipEntry>> entries = readZipDirectory(bytes, path);
  if (!entries)
    return entries.takeError();
  if (entries->empty())
    return fail("the archive is empty");
  // LibTorch names every record relative to the first entry's directory and
  // looks records up ignoring case (miniz's default).
  StringRef first = entries->front().name;
  if (!first.contains('/'))
    return fail("zip entry '" + first + "' is not in the archive's directory");
  StringMap<const ZipEntry *> byName;
  for (const ZipEntry &entry : *entries)
    if (!byName.try_emplace(StringRef(entry.name).lower(), &entry).second)
      return fail("the archive has two entries named '" + entry.name +
                  "' (names are compared ignoring case)");

  for (const ZipEntry &entry : *entries) {
    // LibTorch's load unpickles data.pkl and constants.pkl, their storages
    // from the records under data/ and constants/, and the debug information
    // (X.debug_pkl), which holds no storages. It does not read other pickles
    // (traced_inputs.pkl, whose records torch.jit.save leaves empty).
    std::string lower = StringRef(entry.name).lower();
    StringRef name = lower;
    std::string directory;
    if (name.ends_with("/data.pkl") || name.ends_with("/constants.pkl"))
      directory = name.drop_back(4).str() + "/";
    else if (!name.ends_with(".debug_pkl")) {
      if (Error err = verifyZipEntry(bytes, entry, path))
        return err;
      continue;
    }
    Expected<std::string> pickle = readZipEntry(bytes, entry, path);
    if (!pickle)
      return pickle.takeError();
    auto recordSize = [&](StringRef key) -> std::optional<uint64_t> {
      auto it = byName.find(directory + StringRef(key).lower());
      if (it == byName.end())
        return std::nullopt;
      return it->second->size;
    };
    std::optional<StorageRecordSize> sizes;
    if (!directory.empty())
      sizes = recordSize;
    if (Error err = checkPickledTensors(
            *pickle, (path + ": " + entry.name).str(), sizes))
      return err;
  }
  return Error::success();
}
