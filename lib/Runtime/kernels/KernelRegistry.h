//===- KernelRegistry.h - the runtime's kernel table ------------*- C++ -*-===//
//
// Internal to lib/Runtime. Every kernel the executor can run is an entry of
// one table: its function, how many operands and results it takes, which
// results may share memory with an operand, and a load-time check of the
// instruction's dtypes, shapes and attributes. The checks see only plan
// descriptions, so this header stays free of ATen; the kernel functions
// themselves take ATen tensors (KernelArgs, ATenKernel.h).
//
//===----------------------------------------------------------------------===//

#ifndef DSC_LIB_RUNTIME_KERNELS_KERNELREGISTRY_H
#define DSC_LIB_RUNTIME_KERNELS_KERNELREGISTRY_H

#include "dsc/Runtime/Plan.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace dsc::rt {
class Communicator;
} // namespace dsc::rt

namespace dsc::rt::kernels {

struct KernelArgs;

/// Runs one instruction on ATen views of its operands and results.
using KernelFn = void (*)(const KernelArgs &args);

/// What a load-time check sees: the instruction and the descriptions of its
/// operands and results, in instruction order.
struct CheckArgs {
  const Instruction &inst;
  llvm::ArrayRef<const TensorDesc *> operands;
  llvm::ArrayRef<const TensorDesc *> results;
  /// For collectives: the number of ranks in the instruction's group.
  int64_t groupSize = 1;
};

/// The group of ranks a collective instruction runs on, resolved by the
/// executor from the instruction's `axes` and this rank's mesh coordinates.
struct CollectiveGroup {
  /// The group's communicator; null for a group of one rank and for kernels
  /// that only need this rank's position (`local_slice`).
  Communicator *comm = nullptr;
  /// This rank's index in the group.
  int rank = 0;
  /// The number of ranks in the group.
  int size = 1;
};

/// What a kernel needs of the mesh.
enum class GroupUse : uint8_t {
  /// Nothing: an ordinary kernel.
  None,
  /// This rank's index in the group of the instruction's `axes`.
  Index,
  /// A communicator for that group, created when the plan is loaded.
  Communicator,
};

/// Checks one instruction against its kernel's rules; the message need not
/// name the instruction (the executor adds that).
using CheckFn = llvm::Error (*)(const CheckArgs &args);

/// How a result may share memory with an operand.
enum class Alias : uint8_t {
  /// Never: an overlapping result is computed into a temporary first.
  None,
  /// Result `i` may be exactly the memory of any operand with the same dtype
  /// and size (elementwise kernels, which read an element before writing it).
  Elementwise,
  /// Result `i` may be exactly operand `inPlaceOperands[i]`.
  Listed,
};

/// One entry of the kernel table.
struct KernelInfo {
  KernelFn run = nullptr;
  CheckFn check = nullptr;
  unsigned minOperands = 0;
  unsigned maxOperands = 0;
  /// Number of results; 0 means one or more (`split`).
  unsigned numResults = 1;
  Alias alias = Alias::None;
  /// For Alias::Listed: the operand each result may update in place.
  llvm::SmallVector<unsigned, 3> inPlaceOperands;
  /// Collectives name mesh axes (`axes`) and run on the group they form.
  GroupUse group = GroupUse::None;
  /// An optimizer update (of a parameter and its state, from its
  /// gradient): with async updates it runs beside the backward.
  bool optimizerUpdate = false;
};

/// Returns the kernel called `name`, or nullptr.
const KernelInfo *lookupKernel(llvm::StringRef name);

/// Returns the names of all kernels, sorted.
std::vector<std::string> kernelNames();

/// Each kernel file adds its kernels to the table.
void registerElementwiseKernels(llvm::StringMap<KernelInfo> &table);
void registerNeuralKernels(llvm::StringMap<KernelInfo> &table);
void registerShapeKernels(llvm::StringMap<KernelInfo> &table);
void registerGradientKernels(llvm::StringMap<KernelInfo> &table);
void registerCollectiveKernels(llvm::StringMap<KernelInfo> &table);

//===----------------------------------------------------------------------===//
// Helpers for the checks (Checks.cpp)
//===----------------------------------------------------------------------===//

/// Returns an error with `message`.
llvm::Error checkError(const llvm::Twine &message);

/// The operands of cross_entropy and cross_entropy_grad: float logits
/// [..., C], integer labels [...], an integer `ignore_index` (Neural.cpp).
llvm::Error checkLogitsAndLabels(const CheckArgs &args);

/// Formats a number for messages ("1e-05").
std::string numberString(double value);

/// Formats a tensor type for messages: "f32[2,8]".
std::string typeString(const TensorDesc &desc);
std::string typeString(DType dtype, llvm::ArrayRef<int64_t> shape);

/// Floating-point types (integers: rt::isIntegerDType).
bool isFloatType(DType dtype);

/// The result type of a kernel that accumulates (matmul, sum, mean) over
/// `operand`s: `result` where that is `operand`, or float32 over bfloat16
/// or float16 (a partial sum kept unrounded until its all-reduce), else
/// `operand` (for the check's message).
DType accumulatorDType(DType operand, DType result);

/// `what` must be a float (integer, numeric, bool) tensor.
llvm::Error expectFloat(const TensorDesc &desc, llvm::StringRef what);
llvm::Error expectInt(const TensorDesc &desc, llvm::StringRef what);
llvm::Error expectNumeric(const TensorDesc &desc, llvm::StringRef what);
llvm::Error expectBool(const TensorDesc &desc, llvm::StringRef what);
/// `what` must have `dtype`.
llvm::Error expectDType(const TensorDesc &desc, DType dtype,
                        llvm::StringRef what);
/// `what` must have `shape`.
llvm::Error expectShape(const TensorDesc &desc, llvm::ArrayRef<int64_t> shape,
                        llvm::StringRef what);
/// `what` must have `dtype` and `shape`.
llvm::Error expectType(const TensorDesc &desc, DType dtype,
                       llvm::ArrayRef<int64_t> shape, llvm::StringRef what);
/// `what` must have the type of `other` (named `otherWhat`).
llvm::Error expectSameType(const TensorDesc &desc, llvm::StringRef what,
                           const TensorDesc &other, llvm::StringRef otherWhat);
/// `what` must have rank `rank` (at least `rank` with `atLeast`).
llvm::Error expectRank(const TensorDesc &desc, size_t rank,
                       llvm::StringRef what, bool atLeast = false);

/// The NumPy broadcast of `shapes`, or an error naming both shapes.
llvm::Expected<std::vector<int64_t>>
broadcastShapes(llvm::ArrayRef<std::vector<int64_t>> shapes);

/// Typed attribute readers: an error when the attribute is missing or has
/// another type. readDouble accepts an integer value.
llvm::Expected<int64_t> readInt(const Instruction &inst, llvm::StringRef name);
llvm::Expected<double> readDouble(const Instruction &inst,
                                  llvm::StringRef name);
llvm::Expected<std::string> readString(const Instruction &inst,
                                       llvm::StringRef name,
                                       llvm::ArrayRef<llvm::StringRef> allowed);
llvm::Expected<std::vector<int64_t>> readInts(const Instruction &inst,
                                              llvm::StringRef name);
/// A unit attribute: false when absent, an error when not an integer.
llvm::Expected<bool> readFlag(const Instruction &inst, llvm::StringRef name);

/// Checks that `dim` is in [-rank, rank) and returns it made non-negative.
llvm::Expected<int64_t> normalizeDim(int64_t dim, size_t rank,
                                     llvm::StringRef what);

/// Which of layer_norm's optional operands are present, from
/// `has_weight` and `has_bias` or, without them, from the operand count.
struct NormOperands {
  bool hasWeight = false;
  bool hasBias = false;
};
llvm::Expected<NormOperands> layerNormOperands(const Instruction &inst);

} // namespace dsc::rt::kernels

#endif // DSC_LIB_RUNTIME_KERNELS_KERNELREGISTRY_H
