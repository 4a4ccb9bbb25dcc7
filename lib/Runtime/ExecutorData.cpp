//===- ExecutorData.cpp - weights, inputs, gradients and parameters -------===//
//
// What moves between the executor and files: weights in (a piece per rank
// under ZeRO, swapped parameters into their files), inputs in (this rank's
// block of a split input), gradients captured during a step, parameters
// read back (pieces gathered from every rank) for --save.
//
//===----------------------------------------------------------------------===//

#include "ExecutorImpl.h"

#include "dsc/Runtime/Comm.h"
#include "dsc/Runtime/Mesh.h"

#include "llvm/ADT/STLExtras.h"

#include <algorithm>
#include <cstring>

using namespace dsc::rt;
using namespace dsc::rt::exec;
using namespace dsc::rt::kernels;
using llvm::StringRef;
using llvm::Twine;

namespace {

/// Explains which shape an inputs file must give a split input: the global
/// batch, or the unpadded data where the compiler padded it.
std::string describeGlobalInput(const Plan &plan, const TensorDesc &desc) {
  std::string split = "this rank's block " + typeString(desc) +
                      " times the sizes of the mesh axes that split it; "
                      "mesh " +
                      describeMesh(plan);
  std::vector<int64_t> global = globalShape(plan, desc);
  if (dataShape(plan, desc) == global)
    return "the global batch: " + split;
  return "the global batch before padding: the program pads it with zeros "
         "to " +
         typeString(desc.dtype, global) + ", which is " + split;
}

} // namespace

llvm::Error Executor::Impl::capture(size_t gradient) {
  auto [param, grad] = plan.gradients[gradient];
  TensorCopy &copy = captured[gradient];
  const TensorDesc &desc = plan.tensors[grad];
  copy.name = plan.tensors[param].name;
  copy.dtype = desc.dtype;
  copy.shape = desc.shape;
  copy.bytes.resize(desc.numBytes());
  if (desc.storage != Storage::Host)
    return download(data[grad], copy.bytes);
  // What an update on the host reads: on a GPU, once its copy is over.
  return catchTorchErrors("capturing " + describeTensor(plan, grad), [&] {
    if (copies)
      copies->synchronize();
    std::memcpy(copy.bytes.data(), data[grad], copy.bytes.size());
    return llvm::Error::success();
  });
}
llvm::Error Executor::loadWeights(const SafeTensorsFile &weights) {
  const Plan &plan = impl->plan;
  std::vector<std::pair<uint32_t, const TensorInfo *>> sources;
  // The parameters, and the master copies that start as their weights.
  for (uint32_t index : plan.loadedTensors()) {
    const TensorDesc &desc = plan.tensors[index];
    auto info =
        weights.expect(desc.weightsName(), desc.dtype, desc.weightsShape());
    if (!info)
      return info.takeError();
    sources.emplace_back(index, *info);
  }
  std::vector<uint8_t> staged;
  for (auto [index, info] : sources) {
    llvm::ArrayRef<uint8_t> bytes = weights.data(*info);
    const TensorDesc &desc = plan.tensors[index];
    // A swapped parameter is written to its file, and one in device memory
    // copied there, from a copy in host memory.
    bool swapped = desc.storage == Storage::Swapped;
    bool stage =
        swapped || (impl->device.isCuda() && desc.storage != Storage::Host);
    if (stage)
      staged.resize(desc.numBytes());
    uint8_t *into = stage ? staged.data() : impl->data[index];
    // A piece is this rank's bytes of the flattened whole, zeros past its
    // end.
    if (desc.isLoadedPiece()) {
      uint64_t pieceBytes = desc.numBytes();
      uint64_t start = std::min<uint64_t>(rank() * pieceBytes, bytes.size());
      bytes = bytes.slice(start).take_front(pieceBytes);
      std::memset(into, 0, pieceBytes);
    }
    // The file's data need not be aligned for the dtype: copy bytes.
    if (!bytes.empty())
      std::memcpy(into, bytes.data(), bytes.size());
    if (swapped) {
      if (llvm::Error err = impl->transfers->store(index, staged))
        return err;
    } else if (stage) {
      if (llvm::Error err = impl->upload(impl->data[index], staged))
        return err;
    }
  }
  impl->weightsLoaded = true;
  return llvm::Error::success();
}

llvm::Error Executor::loadInputs(const SafeTensorsFile &inputs) {
  const Plan &plan = impl->plan;
  std::vector<uint8_t> block;
  for (uint32_t index : plan.tensorsWith(Storage::Input)) {
    const TensorDesc &desc = plan.tensors[index];
    bool split = llvm::any_of(desc.shardAxes, [](int32_t a) { return a >= 0; });
    auto info = inputs.expect(desc.name, desc.dtype,
                              split ? dataShape(plan, desc) : desc.shape);
    if (!info) {
      if (!split)
        return info.takeError();
      return llvm::createStringError(llvm::toString(info.takeError()) + " (" +
                                     describeGlobalInput(plan, desc) + ")");
    }
    llvm::ArrayRef<uint8_t> bytes = inputs.data(**info);
    // The user's data, checked as it is read: a token id beyond the
    // embedding or a label beyond the classes would stop a kernel later.
    if (std::optional<uint64_t> bad = desc.firstRejected(bytes)) {
      size_t size = dtypeSize(desc.dtype);
      return llvm::createStringError(
          inputs.path() + ": byte offset " +
          Twine(inputs.fileOffset(**info) + *bad * size) + ": input '" +
          desc.name + "' holds " +
          Twine(loadInteger(desc.dtype, bytes.data() + *bad * size)) +
          " (element " + Twine(*bad) + "), outside " +
          desc.describeValidRange() + ", the values the model indexes with it");
    }
    if (split) {
      block.resize(desc.numBytes());
      copyLocalBlock(plan, desc, impl->coordinates, bytes, block);
      bytes = block;
    }
    if (llvm::Error err = setInput(desc.name, bytes))
      return err;
  }
  return llvm::Error::success();
}

llvm::Error Executor::setInput(StringRef name, llvm::ArrayRef<uint8_t> bytes) {
  auto it = impl->inputs.find(name);
  if (it == impl->inputs.end())
    return llvm::createStringError("the plan has no input '" + name + "'");
  uint32_t index = it->second;
  const TensorDesc &desc = impl->plan.tensors[index];
  if (bytes.size() != desc.numBytes())
    return llvm::createStringError("input '" + name + "' is " +
                                   typeString(desc) + " (" +
                                   Twine(desc.numBytes()) + " bytes), got " +
                                   Twine(bytes.size()) + " bytes");
  if (llvm::Error err = impl->uploadInput(index, bytes))
    return err;
  impl->inputSet[index] = true;
  return llvm::Error::success();
}
llvm::Expected<llvm::ArrayRef<uint8_t>>
Executor::readTensor(uint32_t index, std::vector<uint8_t> &scratch) const {
  const TensorDesc &desc = impl->plan.tensors[index];
  if (desc.storage == Storage::Swapped) {
    scratch.resize(desc.numBytes());
    if (llvm::Error err = impl->transfers->load(index, scratch))
      return std::move(err);
    return llvm::ArrayRef<uint8_t>(scratch);
  }
  if (!impl->device.isCuda() || desc.storage == Storage::Host)
    return tensorData(index);
  scratch.resize(desc.numBytes());
  if (llvm::Error err = impl->download(impl->data[index], scratch))
    return std::move(err);
  return llvm::ArrayRef<uint8_t>(scratch);
}

bool Executor::hasPieces() const {
  const Plan &plan = impl->plan;
  for (size_t i = 0, e = plan.gradients.size(); i < e; ++i)
    if (plan.isGradientPiece(i))
      return true;
  return llvm::any_of(plan.tensors, [](const TensorDesc &desc) {
    return desc.isParameterPiece();
  });
}

/// Makes `copy`, this rank's flat piece, the whole of the tensor of
/// `shape`: the pieces of every rank, in rank order, cut to its size.
static llvm::Error gatherPiece(World *world, TensorCopy &copy,
                               const std::vector<int64_t> &shape) {
  if (!world)
    return llvm::createStringError("'" + copy.name +
                                   "' is a piece, but there is one rank");
  TensorDesc whole{copy.name, copy.dtype, shape};
  std::vector<uint8_t> bytes(copy.bytes.size() * world->size());
  if (llvm::Error err = world->world().allGather(
          copy.bytes.data(), bytes.data(),
          copy.bytes.size() / dtypeSize(copy.dtype), copy.dtype))
    return err;
  bytes.resize(whole.numBytes());
  copy.bytes = std::move(bytes);
  copy.shape = shape;
  return llvm::Error::success();
}

llvm::Error Executor::addWholeParameters(SafeTensorsWriter *writer) const {
  std::vector<uint8_t> scratch;
  for (uint32_t index : impl->plan.parameterTensors()) {
    const TensorDesc &desc = impl->plan.tensors[index];
    auto bytes = readTensor(index, scratch);
    if (!bytes)
      return bytes.takeError();
    if (!desc.isParameterPiece()) {
      if (writer)
        writer->add(desc.name, desc.dtype, desc.shape, *bytes);
      continue;
    }
    TensorCopy copy{desc.name, desc.dtype, desc.shape,
                    std::vector<uint8_t>(bytes->begin(), bytes->end())};
    if (llvm::Error err = gatherPiece(impl->world, copy, desc.dataShape))
      return err;
    if (writer)
      writer->add(copy.name, copy.dtype, copy.shape, copy.bytes);
  }
  return llvm::Error::success();
}

llvm::Error
Executor::gatherGradientPieces(std::vector<TensorCopy> &gradients) const {
  const Plan &plan = impl->plan;
  for (auto [index, copy] : llvm::enumerate(gradients))
    if (plan.isGradientPiece(index))
      if (llvm::Error err = gatherPiece(
              impl->world, copy,
              plan.tensors[plan.gradients[index].first].parameterShape()))
        return err;
  return llvm::Error::success();
}

llvm::ArrayRef<uint8_t> Executor::tensorData(uint32_t index) const {
  return {impl->data[index],
          static_cast<size_t>(impl->plan.tensors[index].numBytes())};
}

llvm::MutableArrayRef<uint8_t> Executor::tensorData(uint32_t index) {
  return {impl->data[index],
          static_cast<size_t>(impl->plan.tensors[index].numBytes())};
}
