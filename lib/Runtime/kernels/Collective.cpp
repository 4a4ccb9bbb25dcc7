//===- Collective.cpp - the collectives of DSCollectiveOps.td
//--------------===//
//
// `all_reduce`, `all_gather`, `reduce_scatter` and `all_to_all` move data
// through the communicator of their group (Comm.h); `local_slice` only needs
// this rank's index in it. The communicator works on flat buffers whose
// pieces lie contiguously in group order, so a split or concatenation along
// an inner dimension packs the pieces into a temporary first (a movedim of
// the split view, then a contiguous copy) and unpacks after.
//
// A group of one rank has no communicator: every collective is then a copy.
// A failed collective throws, and the executor reports the message (which
// names the operation and the lost rank) as the instruction's error.
//
//===----------------------------------------------------------------------===//

#include "ATenKernel.h"

#include "dsc/Runtime/ATenDType.h"
#include "dsc/Runtime/Comm.h"
#include "dsc/Runtime/PlanMemory.h"

#include "llvm/ADT/Twine.h"

#include <numeric>
#include <stdexcept>

using namespace dsc::rt;
using namespace dsc::rt::kernels;
using llvm::Twine;

namespace {

constexpr llvm::StringRef kReductions[] = {"sum", "mean", "max"};

DType dtypeOf(const at::Tensor &tensor) {
  if (std::optional<DType> dtype = dsc::rt::dtypeOf(tensor.scalar_type()))
    return *dtype;
  throw std::runtime_error("no collective for ATen dtype " +
                           std::string(at::toString(tensor.scalar_type())));
}

ReduceOp reduceOpOf(const Instruction &inst) {
  std::string name = inst.getString("reduction");
  if (name == "mean")
    return ReduceOp::Mean;
  if (name == "max")
    return ReduceOp::Max;
  return ReduceOp::Sum;
}

void throwIfFailed(llvm::Error err) {
  if (err)
    throw std::runtime_error(llvm::toString(std::move(err)));
}

/// Returns `shape` with dimension `dim` replaced by (`pieces`, size/pieces).
std::vector<int64_t> splitDim(at::IntArrayRef shape, int64_t dim,
                              int64_t pieces) {
  std::vector<int64_t> result(shape.begin(), shape.end());
  result[dim] /= pieces;
  result.insert(result.begin() + dim, pieces);
  return result;
}

/// Returns `shape` with dimension `dim` multiplied by `factor` (negative:
/// divided by -factor).
std::vector<int64_t> scaledShape(llvm::ArrayRef<int64_t> shape, int64_t dim,
                                 int64_t factor) {
  std::vector<int64_t> result(shape.begin(), shape.end());
  if (factor > 0)
    result[dim] *= factor;
  else
    result[dim] /= -factor;
  return result;
}

/// Reads a dimension attribute and checks it against `rank`.
llvm::Expected<int64_t> readDim(const Instruction &inst, llvm::StringRef name,
                                size_t rank) {
  auto dim = readInt(inst, name);
  if (!dim)
    return dim.takeError();
  return normalizeDim(*dim, rank, "attribute '" + name.str() + "'");
}

/// Checks that dimension `dim` of `desc` splits into `pieces` equal pieces.
llvm::Error expectDivisible(const TensorDesc &desc, int64_t dim, int64_t pieces,
                            llvm::StringRef what) {
  if (desc.shape[dim] % pieces == 0)
    return llvm::Error::success();
  return checkError(what + " " + typeString(desc) + ": dimension " +
                    Twine(dim) + " of size " + Twine(desc.shape[dim]) +
                    " does not split into " + Twine(pieces) +
                    " equal pieces (the group size)");
}

int64_t normalizedDim(const Instruction &inst, llvm::StringRef name,
                      int64_t rank) {
  int64_t dim = inst.getInt(name);
  return dim < 0 ? dim + rank : dim;
}

//===----------------------------------------------------------------------===//
// all_reduce
//===----------------------------------------------------------------------===//

llvm::Error checkAllReduce(const CheckArgs &args) {
  const TensorDesc &input = *args.operands[0];
  if (llvm::Error err = expectNumeric(input, "the input"))
    return err;
  if (auto reduction = readString(args.inst, "reduction", kReductions);
      !reduction)
    return reduction.takeError();
  return expectSameType(*args.results[0], "the result", input, "the input");
}

void runAllReduce(const KernelArgs &args) {
  at::Tensor &result = args.result();
  copyUnlessSame(result, args.operand(0));
  if (Communicator *comm = args.group->comm)
    throwIfFailed(comm->allReduce(result.data_ptr(), result.numel(),
                                  dtypeOf(result), reduceOpOf(args.inst)));
}

//===----------------------------------------------------------------------===//
// all_gather
//===----------------------------------------------------------------------===//

llvm::Error checkAllGather(const CheckArgs &args) {
  const TensorDesc &input = *args.operands[0];
  auto dim = readDim(args.inst, "dim", input.shape.size());
  if (!dim)
    return dim.takeError();
  return expectType(*args.results[0], input.dtype,
                    scaledShape(input.shape, *dim, args.groupSize),
                    "the result");
}

void runAllGather(const KernelArgs &args) {
  const at::Tensor &input = args.operand(0);
  at::Tensor &result = args.result();
  Communicator *comm = args.group->comm;
  if (!comm) {
    result.copy_(input);
    return;
  }
  int64_t n = args.group->size;
  int64_t dim = normalizedDim(args.inst, "dim", input.dim());
  at::Tensor in = input.contiguous();
  // Stacked pieces are the result itself where nothing precedes `dim`.
  if (elementsBefore({input.sizes().data(), input.sizes().size()}, dim) == 1) {
    throwIfFailed(comm->allGather(in.data_ptr(), result.data_ptr(), in.numel(),
                                  dtypeOf(in)));
    return;
  }
  // The pieces arrive stacked: [n, input...]; move the stacking dimension
  // next to `dim` of the result.
  std::vector<int64_t> stacked(input.sizes().begin(), input.sizes().end());
  stacked.insert(stacked.begin(), n);
  at::Tensor gathered = at::empty(stacked, input.options());
  throwIfFailed(comm->allGather(in.data_ptr(), gathered.data_ptr(), in.numel(),
                                dtypeOf(in)));
  result.view(splitDim(result.sizes(), dim, n)).copy_(gathered.movedim(0, dim));
}

//===----------------------------------------------------------------------===//
// reduce_scatter
//===----------------------------------------------------------------------===//

/// The result is this rank's 1/n of the input along `dim` (reduce_scatter,
/// local_slice).
llvm::Error checkOneNthAlongDim(const CheckArgs &args) {
  const TensorDesc &input = *args.operands[0];
  auto dim = readDim(args.inst, "dim", input.shape.size());
  if (!dim)
    return dim.takeError();
  if (llvm::Error err =
          expectDivisible(input, *dim, args.groupSize, "the input"))
    return err;
  return expectType(*args.results[0], input.dtype,
                    scaledShape(input.shape, *dim, -args.groupSize),
                    "the result");
}

llvm::Error checkReduceScatter(const CheckArgs &args) {
  if (llvm::Error err = expectNumeric(*args.operands[0], "the input"))
    return err;
  if (auto reduction = readString(args.inst, "reduction", kReductions);
      !reduction)
    return reduction.takeError();
  return checkOneNthAlongDim(args);
}

void runReduceScatter(const KernelArgs &args) {
  const at::Tensor &input = args.operand(0);
  at::Tensor &result = args.result();
  Communicator *comm = args.group->comm;
  if (!comm) {
    result.copy_(input);
    return;
  }
  int64_t n = args.group->size;
  int64_t dim = normalizedDim(args.inst, "dim", input.dim());
  // Piece j (along `dim`) goes to group rank j: lay the pieces out one after
  // the other.
  at::Tensor pieces = dim == 0 ? input.contiguous()
                               : input.view(splitDim(input.sizes(), dim, n))
                                     .movedim(dim, 0)
                                     .contiguous();
  throwIfFailed(comm->reduceScatter(pieces.data_ptr(), result.data_ptr(),
                                    result.numel(), dtypeOf(result),
                                    reduceOpOf(args.inst)));
}

//===----------------------------------------------------------------------===//
// all_to_all
//===----------------------------------------------------------------------===//

llvm::Error checkAllToAll(const CheckArgs &args) {
  const TensorDesc &input = *args.operands[0];
  size_t rank = input.shape.size();
  auto splitDim = readDim(args.inst, "split_dim", rank);
  if (!splitDim)
    return splitDim.takeError();
  auto concatDim = readDim(args.inst, "concat_dim", rank);
  if (!concatDim)
    return concatDim.takeError();
  if (llvm::Error err =
          expectDivisible(input, *splitDim, args.groupSize, "the input"))
    return err;
  std::vector<int64_t> shape =
      scaledShape(input.shape, *splitDim, -args.groupSize);
  shape = scaledShape(shape, *concatDim, args.groupSize);
  if (llvm::Error err =
          expectType(*args.results[0], input.dtype, shape, "the result"))
    return err;
  if (!args.inst.has("real_dim") && !args.inst.has("real_sizes"))
    return llvm::Error::success();
  // Unequal splits: the real part of each piece (sender by receiver).
  auto realDim = readDim(args.inst, "real_dim", rank);
  if (!realDim)
    return realDim.takeError();
  auto sizes = readInts(args.inst, "real_sizes");
  if (!sizes)
    return sizes.takeError();
  int64_t n = args.groupSize;
  if (static_cast<int64_t>(sizes->size()) != n * n)
    return checkError("attribute 'real_sizes' has " + Twine(sizes->size()) +
                      " entries; a group of " + Twine(n) + " needs " +
                      Twine(n * n));
  int64_t extent = input.shape[*realDim] / (*realDim == *splitDim ? n : 1);
  for (int64_t size : *sizes)
    if (size < 0 || size > extent)
      return checkError("attribute 'real_sizes' holds " + Twine(size) +
                        ", outside [0, " + Twine(extent) +
                        "], the pieces' extent along real_dim");
  return llvm::Error::success();
}

/// An all-to-all that moves only the first `real_sizes[i * n + j]` entries
/// along `real_dim` of the piece rank `i` sends to rank `j`, and writes
/// zeros in the rest of what it receives.
void runUnequalAllToAll(const KernelArgs &args, const at::Tensor &pieces,
                        at::Tensor &chunks) {
  int64_t n = args.group->size, me = args.group->rank;
  int64_t realDim = normalizedDim(args.inst, "real_dim", pieces.dim() - 1);
  std::vector<int64_t> sizes = args.inst.getInts("real_sizes");
  if (!args.group->comm) {
    chunks.zero_();
    chunks[0]
        .narrow(realDim, 0, sizes[0])
        .copy_(pieces[0].narrow(realDim, 0, sizes[0]));
    return;
  }
  // Elements of one entry along `realDim` of a piece (chunks alike).
  int64_t entry = 1;
  for (int64_t d = 0; d < pieces.dim() - 1; ++d)
    if (d != realDim)
      entry *= pieces.size(d + 1);
  std::vector<size_t> sendCounts, recvCounts;
  for (int64_t j = 0; j < n; ++j) {
    sendCounts.push_back(static_cast<size_t>(entry * sizes[me * n + j]));
    recvCounts.push_back(static_cast<size_t>(entry * sizes[j * n + me]));
  }
  // The real part of each piece, packed in send order straight into the
  // send buffer (no per-piece copies beside it).
  at::Tensor send =
      at::empty({static_cast<int64_t>(std::accumulate(
                    sendCounts.begin(), sendCounts.end(), size_t(0)))},
                pieces.options());
  int64_t sendOffset = 0;
  for (int64_t j = 0; j < n; ++j) {
    at::Tensor real = pieces[j].narrow(realDim, 0, sizes[me * n + j]);
    send.narrow(0, sendOffset, static_cast<int64_t>(sendCounts[j]))
        .view(real.sizes())
        .copy_(real);
    sendOffset += static_cast<int64_t>(sendCounts[j]);
  }
  at::Tensor received =
      at::empty({static_cast<int64_t>(std::accumulate(
                    recvCounts.begin(), recvCounts.end(), size_t(0)))},
                send.options());
  throwIfFailed(args.group->comm->allToAll(send.data_ptr(), received.data_ptr(),
                                           sendCounts, recvCounts,
                                           dtypeOf(send)));
  chunks.zero_();
  int64_t offset = 0;
  for (int64_t i = 0; i < n; ++i) {
    at::Tensor part = chunks[i].narrow(realDim, 0, sizes[i * n + me]);
    auto count = static_cast<int64_t>(recvCounts[i]);
    part.copy_(received.narrow(0, offset, count).view(part.sizes()));
    offset += count;
  }
}

void runAllToAll(const KernelArgs &args) {
  const at::Tensor &input = args.operand(0);
  at::Tensor &result = args.result();
  Communicator *comm = args.group->comm;
  int64_t n = args.group->size;
  int64_t split = normalizedDim(args.inst, "split_dim", input.dim());
  int64_t concat = normalizedDim(args.inst, "concat_dim", input.dim());
  if (args.inst.has("real_sizes")) {
    // [n, piece...] both ways: piece j of the input goes to rank j; chunk i
    // of the result (along `concat`) comes from rank i.
    at::Tensor pieces =
        input.view(splitDim(input.sizes(), split, n)).movedim(split, 0);
    at::Tensor chunks =
        result.view(splitDim(result.sizes(), concat, n)).movedim(concat, 0);
    runUnequalAllToAll(args, pieces, chunks);
    return;
  }
  if (!comm) {
    result.copy_(input);
    return;
  }
  // Send: [n, piece...], piece j for group rank j. Receive the same layout,
  // piece j from group rank j, and concatenate along `concat`.
  at::Tensor send = input.view(splitDim(input.sizes(), split, n))
                        .movedim(split, 0)
                        .contiguous();
  at::Tensor received = at::empty_like(send);
  std::vector<size_t> counts(n, static_cast<size_t>(send.numel() / n));
  throwIfFailed(comm->allToAll(send.data_ptr(), received.data_ptr(), counts,
                               counts, dtypeOf(send)));
  result.view(splitDim(result.sizes(), concat, n))
      .copy_(received.movedim(0, concat));
}

//===----------------------------------------------------------------------===//
// local_slice
//===----------------------------------------------------------------------===//

void runLocalSlice(const KernelArgs &args) {
  const at::Tensor &input = args.operand(0);
  at::Tensor &result = args.result();
  int64_t dim = normalizedDim(args.inst, "dim", input.dim());
  int64_t piece = result.size(dim);
  result.copy_(input.narrow(dim, args.group->rank * piece, piece));
}

KernelInfo collective(KernelFn run, CheckFn check, GroupUse use,
                      Alias alias = Alias::None) {
  KernelInfo info;
  info.run = run;
  info.check = check;
  info.minOperands = info.maxOperands = 1;
  info.numResults = 1;
  info.alias = alias;
  info.group = use;
  return info;
}

} // namespace

void dsc::rt::kernels::registerCollectiveKernels(
    llvm::StringMap<KernelInfo> &table) {
  // all_reduce works in place on its result; the others write a result of
  // another shape, which the executor never lets overlap the input.
  table["all_reduce"] = collective(runAllReduce, checkAllReduce,
                                   GroupUse::Communicator, Alias::Elementwise);
  table["all_gather"] =
      collective(runAllGather, checkAllGather, GroupUse::Communicator);
  table["reduce_scatter"] =
      collective(runReduceScatter, checkReduceScatter, GroupUse::Communicator);
  table["all_to_all"] =
      collective(runAllToAll, checkAllToAll, GroupUse::Communicator);
  table["local_slice"] =
      collective(runLocalSlice, checkOneNthAlongDim, GroupUse::Index);
}
