//===- Plan.h - the executable plan file ------------------------*- C++ -*-===//
//
// The contract between the compiler and the runtime. `ds-compile` lowers a
// training step to a Plan and writes it with writePlan; `ds-run` reads it
// with readPlan, which validates everything before the runtime touches
// memory. No MLIR here: the runtime does not link MLIR.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_RUNTIME_PLAN_H
#define DSC_RUNTIME_PLAN_H

#include "dsc/Runtime/DType.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace dsc::rt {

/// The plan format version; readPlan rejects any other.
inline constexpr uint32_t kPlanVersion = 12;

/// Where a plan tensor's bytes live.
enum class Storage : uint8_t {
  /// A temporary at `offset` in the arena that is allocated once per run.
  Arena,
  /// A model parameter, loaded from the weights file by `name` and updated in
  /// place by the optimizer instructions.
  Parameter,
  /// Persistent optimizer state named `name` (`exp_avg.<param>`,
  /// `exp_avg_sq.<param>`, `momentum_buffer.<param>`, `step`), zero at the
  /// first step, updated in place.
  State,
  /// A model input named `name`, filled before every step.
  Input,
  /// Read-only bytes at `offset` in the plan's constant section.
  Constant,
  /// A tensor kept in a swap file of the rank (ds-run --nvme-path) instead
  /// of memory: optimizer state or an activation, zero at the first step, or
  /// a parameter (TensorDesc::parameter), loaded from the weights file. Only
  /// `reload` reads it (into an arena tensor) and only `offload` writes it
  /// (-ds-offload).
  Swapped,
  /// Like Swapped, kept in host memory outside the device's (pinned on a
  /// GPU; on the CPU runtime a buffer of its own, outside the arena).
  Host,
};

/// Whether tensors of `storage` are kept away from device memory, moved
/// only by reload and offload (Swapped, Host).
inline bool isOffloaded(Storage storage) {
  return storage == Storage::Swapped || storage == Storage::Host;
}

/// Returns the name listings use for `storage`: "arena", "param", "state",
/// "input", "const", "swap" or "host".
llvm::StringRef storageName(Storage storage);

/// One tensor of the plan: a typed, shaped, row-major contiguous view.
struct TensorDesc {
  /// The external name for Parameter, State and Input tensors; a readable
  /// hint (may be empty) for the others.
  std::string name;
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  Storage storage = Storage::Arena;
  /// Arena offset (Arena) or constant-section offset (Constant); 0 otherwise.
  uint64_t offset = 0;
  /// For Input tensors split over the mesh: per dimension, the index of the
  /// mesh axis that splits it, or -1. Empty: not split. The file's (global)
  /// size of a split dimension is the tensor's size times the axis size;
  /// rank r reads the block its mesh coordinate names.
  std::vector<int32_t> shardAxes;
  /// For Input tensors whose global shape was padded by the compiler (a
  /// sequence that the mesh axis does not divide): the global shape of the
  /// data the user supplies, one entry per dimension, smaller than the padded
  /// global shape only along split dimensions. Empty: the data has the
  /// global shape. Rank r's block holds zeros where its global index lies at
  /// or beyond the data's size.
  /// For a parameter (isParameter): its whole shape, where the tensor is this
  /// rank's flat piece of it (ZeRO stage 3): 1-D with k = ceil(numel / ranks)
  /// elements, rank r holding elements [r k, r k + k) of the flattened
  /// parameter (zeros past its end). Empty: the tensor is the whole parameter.
  std::vector<int64_t> dataShape;
  /// For integer Input tensors: the values the plan's indexing ops accept,
  /// [lo, hi] for lo <= v < hi or [lo, hi, also] (a loss's ignore_index).
  /// Empty: not checked. ds-run checks the user's data against it.
  std::vector<int64_t> validRange;
  /// For Constant tensors: the constant section holds one element, which
  /// fills the whole shape (a splat: the ones of a sum's gradient need not
  /// be written out element by element).
  bool splat = false;
  /// For Swapped and Host tensors: whether it is a model parameter, named,
  /// loaded and saved as a Parameter tensor is, but kept away from memory
  /// (ds-compile --offload-params).
  bool parameter = false;
  /// For optimizer state (State, Swapped or Host, not a parameter): the
  /// name of the parameter whose weights it starts as a copy of, a master
  /// copy (-ds-host-updates); with dataShape it is this rank's flat piece of
  /// them, as a parameter piece is. Empty: the state starts at zero.
  std::string copyOf;

  /// Whether this is a model parameter: a Parameter tensor or an offloaded
  /// one.
  bool isParameter() const {
    return storage == Storage::Parameter || (parameter && isOffloaded(storage));
  }
  /// Whether this is a parameter held as this rank's flat piece.
  bool isParameterPiece() const { return isParameter() && !dataShape.empty(); }
  /// The shape the user's files hold for a Parameter: dataShape for a
  /// piece, shape otherwise.
  const std::vector<int64_t> &parameterShape() const {
    return isParameterPiece() ? dataShape : shape;
  }
  /// Whether it starts from the weights file: a parameter or a copy of one.
  bool isLoaded() const { return isParameter() || !copyOf.empty(); }
  /// The weights file's entry it starts from (isLoaded).
  const std::string &weightsName() const {
    return copyOf.empty() ? name : copyOf;
  }
  /// Whether it is this rank's flat piece of its weights entry.
  bool isLoadedPiece() const { return isLoaded() && !dataShape.empty(); }
  /// The shape of its weights entry (isLoaded).
  const std::vector<int64_t> &weightsShape() const {
    return isLoadedPiece() ? dataShape : shape;
  }

  /// Whether `value` lies in validRange (true when there is none).
  bool acceptsValue(int64_t value) const {
    return validRange.empty() ||
           (value >= validRange[0] && value < validRange[1]) ||
           (validRange.size() == 3 && value == validRange[2]);
  }
  /// The index of the first element of `bytes` (elements of `dtype`, an
  /// integer type) that validRange does not accept, if any.
  std::optional<uint64_t> firstRejected(llvm::ArrayRef<uint8_t> bytes) const;
  /// validRange as text: "[0, 256)" or "[0, 256) or -100".
  std::string describeValidRange() const;

  /// The bytes the tensor occupies in its section: one element for a
  /// splat, numBytes() otherwise.
  uint64_t storedBytes() const;
  /// Returns the product of `shape` (1 for a 0-d tensor), or -1 if a
  /// dimension is negative or the product overflows int64_t.
  int64_t numElements() const;
  /// Returns the size of the data in bytes, or UINT64_MAX where numElements()
  /// is -1 or the size overflows; validatePlan rejects both.
  uint64_t numBytes() const;
};

/// Whether `dtype` is one the plan format defines.
bool isKnownDType(DType dtype);

/// A tensor's dtype and shape as listings and messages write them:
/// `f32[2,8]`.
std::string formatType(const TensorDesc &desc);

/// An attribute value: integers (booleans as 0/1), floats, strings (enum
/// cases by their assembly name, e.g. "tanh", "eq") and integer lists.
using AttrValue =
    std::variant<int64_t, double, std::string, std::vector<int64_t>>;

/// One kernel call. `kernel` is the `ds` op's name without the dialect prefix
/// (`matmul`, `attention_grad`, `adamw_update`, ...); its semantics are the
/// op's documentation in include/dsc/Dialect/DS/IR/*.td. Operands and
/// results index Plan::tensors. An optional operand that is absent is left
/// out; where that is ambiguous the op says which it has (`layer_norm`:
/// `has_weight`, `has_bias`).
/// A result may be the same tensor as an operand (in-place update).
struct Instruction {
  std::string kernel;
  std::vector<uint32_t> operands;
  std::vector<uint32_t> results;
  /// The op's attributes, by name. Unit attributes that are present hold 1.
  std::map<std::string, AttrValue> attrs;

  bool has(llvm::StringRef name) const { return attrs.count(name.str()); }
  /// Typed accessors; `fallback` when absent. getDouble also accepts an
  /// integer value. A present value of another type is a plan error that the
  /// executor reports when it checks the kernel's attributes; these accessors
  /// then return `fallback` (getInts: an empty list).
  int64_t getInt(llvm::StringRef name, int64_t fallback = 0) const;
  double getDouble(llvm::StringRef name, double fallback = 0.0) const;
  std::string getString(llvm::StringRef name,
                        llvm::StringRef fallback = "") const;
  std::vector<int64_t> getInts(llvm::StringRef name) const;
};

/// What a transfer instruction does: `reload` and `offload` start moving an
/// offloaded tensor's bytes (Swapped, Host) from or to a tensor in memory,
/// `reload_wait` and `offload_wait` (same operand and result) end it.
struct TransferKind {
  /// Whether it writes the offloaded tensor (offload) rather than reading
  /// it (reload).
  bool write = false;
  /// Whether it ends the transfer (a wait) rather than starting it.
  bool wait = false;

  /// The offloaded tensor of `inst` (one operand, one result).
  uint32_t file(const Instruction &inst) const {
    return write ? inst.results[0] : inst.operands[0];
  }
  /// The tensor in memory of `inst`.
  uint32_t memory(const Instruction &inst) const {
    return write ? inst.operands[0] : inst.results[0];
  }
};

/// The transfer `kernel` names, if it is one of the four.
std::optional<TransferKind> transferKind(llvm::StringRef kernel);

/// A compiled training step for one rank.
struct Plan {
  /// Bytes of the arena: the planned peak of the Arena tensors. The runtime
  /// allocates exactly this many bytes.
  uint64_t arenaBytes = 0;
  /// Alignment of every Arena offset and of the arena itself.
  uint64_t arenaAlignment = 64;
  std::vector<TensorDesc> tensors;
  std::vector<Instruction> instructions;
  std::vector<uint8_t> constants;
  /// The tensor holding the step's loss; it is not overwritten once written.
  uint32_t loss = 0;
  /// (parameter tensor, gradient tensor) for every trainable parameter; the
  /// gradient is complete before the first instruction that reads it (its
  /// bytes may be reused after the last reader; a gradient that is a view of
  /// a larger buffer, such as an all-reduce bucket, has no writer of its own).
  /// The gradient has its parameter's dtype and shape, or, where ZeRO shards
  /// the gradients, it is this rank's flat piece (isGradientPiece): 1-D with
  /// k = ceil(numel / ranks) elements, rank r holding elements [r k, r k + k)
  /// of the flattened gradient (zeros past its end).
  std::vector<std::pair<uint32_t, uint32_t>> gradients;
  /// Free-form facts for humans and reports (optimizer, its settings, the
  /// model file it came from).
  std::map<std::string, std::string> metadata;
  /// The device mesh, major to minor: (axis name, size). Empty for one rank.
  /// Rank r's coordinates are r in row-major order; collective kernels name
  /// their axes in the `axes` attribute (comma-separated names).
  std::vector<std::pair<std::string, int64_t>> mesh;

  /// Indices of the tensors with the given storage, in plan order.
  std::vector<uint32_t> tensorsWith(Storage storage) const;
  /// Indices of the model parameters (TensorDesc::isParameter), in plan
  /// order, in memory or offloaded.
  std::vector<uint32_t> parameterTensors() const;
  /// The tensors the weights file fills (TensorDesc::isLoaded): the
  /// parameters and the copies of them.
  std::vector<uint32_t> loadedTensors() const;
  /// The number of ranks: the product of the mesh's sizes (1 without one).
  int64_t numRanks() const;
  /// Whether gradient `index` is this rank's flat piece of its parameter's
  /// gradient rather than the whole of it (see `gradients`): a whole
  /// parameter's gradient that is 1-D and shaped otherwise, or the gradient
  /// of a parameter piece.
  bool isGradientPiece(size_t index) const;
};

/// Checks every structural invariant the runtime relies on: indices in range,
/// byte sizes without overflow, arena and constant ranges in bounds and
/// aligned, names present and unique per storage class, results never
/// Constant or Input, the loss a 0-d float tensor, gradients shaped like
/// their parameters or flat pieces of them, mesh axes named, distinct and of
/// size >= 1, shard axes only on inputs (one entry per dimension, -1 or a mesh
/// axis), data shapes only on inputs (one entry per dimension, within the
/// padded global shape, smaller only along split dimensions). Messages name the
/// instruction or tensor. Kernel names, arities and attribute types are checked
/// by the executor, which owns the kernel table.
llvm::Error validatePlan(const Plan &plan);

/// Validates the plan, then writes it atomically (temporary + rename): magic
/// "DSCPLAN\0", version, then the sections (docs/plan-format.md). Never
/// leaves a partial file at `path`; errors start with `path`.
llvm::Error writePlan(const Plan &plan, llvm::StringRef path);

/// Reads and validates a plan. A truncated or corrupt file or another
/// version is an error naming the file, never a crash.
llvm::Expected<Plan> readPlan(llvm::StringRef path);

/// Returns the file bytes of `plan` (header and payload) without validating
/// it; writePlan writes these bytes.
std::string encodePlan(const Plan &plan);

/// Decodes and validates the file bytes of a plan as readPlan does; errors
/// start with `name`.
llvm::Expected<Plan> decodePlan(llvm::StringRef bytes, llvm::StringRef name);

/// A human-readable listing (ds-run --dump-plan).
std::string dumpPlan(const Plan &plan);

} // namespace dsc::rt

#endif // DSC_RUNTIME_PLAN_H
