//===- InputSource.cpp - what ds-run feeds each step ----------------------===//

#include "InputSource.h"

#include "dsc/Runtime/Mesh.h"

#include "llvm/ADT/Twine.h"

using namespace dsc::rt;
using llvm::Twine;

llvm::Expected<InputSource> InputSource::create(const Plan &plan,
                                                llvm::StringRef inputsPath,
                                                llvm::StringRef dataPath,
                                                int64_t batchSize) {
  InputSource source;
  bool haveInputs = !inputsPath.empty(), haveData = !dataPath.empty();
  if (haveInputs && haveData)
    return llvm::createStringError("--inputs and --data exclude each other");
  if (!haveData && batchSize != 0)
    return llvm::createStringError("--batch only goes with --data");
  if (haveInputs) {
    auto file = SafeTensorsFile::open(inputsPath);
    if (!file)
      return file.takeError();
    source.inputs.emplace(std::move(*file));
    return std::move(source);
  }
  if (haveData) {
    auto inputs = findTokenInputs(plan);
    if (!inputs)
      return inputs.takeError();
    if (batchSize != inputs->batch) {
      const TensorDesc &tokens = plan.tensors[inputs->tokens];
      std::string split;
      if (tokens.shape[0] != inputs->batch)
        split = std::to_string(inputs->batch / tokens.shape[0]) +
                " data-parallel ranks of " + std::to_string(tokens.shape[0]) +
                " rows each; ";
      return llvm::createStringError(
          "--batch " + Twine(batchSize) +
          " does not match the plan, which was compiled for batch " +
          Twine(inputs->batch) + " (" + split + "shapes are static)");
    }
    auto file = TokenFile::open(dataPath);
    if (!file)
      return file.takeError();
    if (llvm::Error err = file->checkValues(plan.tensors[inputs->tokens],
                                            plan.tensors[inputs->labels],
                                            inputs->batch, inputs->seqLen))
      return err;
    source.tokenInputs = *inputs;
    source.tokens.emplace(std::move(*file));
    return std::move(source);
  }
  if (!plan.tensorsWith(Storage::Input).empty())
    return llvm::createStringError(
        "the plan has inputs: give them with --inputs or --data");
  return std::move(source);
}

llvm::Error InputSource::fill(Executor &executor, uint64_t step) {
  if (inputs)
    return step == 0 ? executor.loadInputs(*inputs) : llvm::Error::success();
  if (!tokens)
    return llvm::Error::success();
  for (uint32_t index : {tokenInputs.tokens, tokenInputs.labels}) {
    const TensorDesc &desc = executor.plan().tensors[index];
    // The file gives both inputs of one dtype at a time.
    if (llvm::Error err =
            tokens->batch(step, tokenInputs.batch, tokenInputs.seqLen,
                          desc.dtype, tokenBytes, labelBytes))
      return err;
    std::vector<uint8_t> &global =
        index == tokenInputs.tokens ? tokenBytes : labelBytes;
    llvm::ArrayRef<uint8_t> bytes = global;
    if (!desc.shardAxes.empty()) {
      block.resize(desc.numBytes());
      copyLocalBlock(executor.plan(), desc, executor.meshCoordinates(), global,
                     block);
      bytes = block;
    }
    if (llvm::Error err = executor.setInput(desc.name, bytes))
      return err;
  }
  return llvm::Error::success();
}
