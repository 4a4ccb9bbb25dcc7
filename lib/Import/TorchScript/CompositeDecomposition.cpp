//===- CompositeDecomposition.cpp - ops as PyTorch's own decomposition ----===//
//
// An op the importer has no conversion for may be one PyTorch itself only
// implements as a composition of other ops: a CompositeImplicitAutograd
// kernel (margin_ranking_loss, instance_norm, pairwise_distance, diff,
// kron...). Eager PyTorch runs that kernel and differentiates what it calls,
// so tracing it on the node's example inputs gives the graph of exactly
// what PyTorch computes, forward and backward, to import in the op's place.
//
//===----------------------------------------------------------------------===//

#include "ImporterState.h"

#include <ATen/ExpandUtils.h>
#include <ATen/OpMathType.h>
#include <torch/csrc/jit/frontend/tracer.h>
#include <torch/library.h>

using namespace dsc::ts;

namespace {
// Meta kernels LibTorch registers in Python only, for the import's example
// runs and decompositions on meta tensors (the trace records each op
// before it reaches a kernel, so these only give shapes and dtypes).

at::Tensor whereOnMeta(const at::Tensor &condition, const at::Tensor &self,
                       const at::Tensor &other) {
  std::vector<int64_t> shape = at::infer_size(
      at::infer_size(condition.sizes(), self.sizes()), other.sizes());
  return at::empty(
      shape,
      self.options().dtype(at::result_type(self, other)).device(at::kMeta));
}

/// The normalised input (in the input's memory format), and the batch's
/// mean and inverse standard deviation per channel in training (empty
/// otherwise), in the weight's type.
std::tuple<at::Tensor, at::Tensor, at::Tensor> nativeBatchNormOnMeta(
    const at::Tensor &input, const std::optional<at::Tensor> &weight,
    const std::optional<at::Tensor> &, const std::optional<at::Tensor> &,
    const std::optional<at::Tensor> &, bool training, double, double) {
  at::TensorOptions options = input.options().device(at::kMeta);
  at::TensorOptions stats = options.dtype(
      weight && weight->defined() ? weight->scalar_type()
                                  : at::toOpMathType(input.scalar_type()));
  int64_t channels = training ? input.size(1) : 0;
  return {at::empty(input.sizes(), options, input.suggest_memory_format()),
          at::empty({channels}, stats), at::empty({channels}, stats)};
}
} // namespace

void dsc::ts::addMetaKernels() {
  static std::unique_ptr<torch::Library> library = [] {
    auto library = std::make_unique<torch::Library>(
        torch::Library::IMPL, "aten", c10::DispatchKey::Meta, __FILE__,
        __LINE__);
    auto missing = [](const char *name, const char *overload) {
      std::optional<c10::OperatorHandle> op =
          c10::Dispatcher::singleton().findSchema({name, overload});
      return op && !op->hasKernelForDispatchKey(c10::DispatchKey::Meta);
    };
    if (missing("aten::where", "self"))
      library->impl("where.self", TORCH_FN(whereOnMeta));
    if (missing("aten::native_batch_norm", ""))
      library->impl("native_batch_norm", TORCH_FN(nativeBatchNormOnMeta));
    return library;
  }();
  (void)library;
}

namespace {
/// Whether eager PyTorch runs `op` as its CompositeImplicitAutograd kernel
/// for CPU tensors and differentiates through it: no backend kernel, no
/// autograd formula of its own.
bool isImplicitComposite(const c10::OperatorHandle &op) {
  using c10::DispatchKey;
  if (!op.hasKernelForDispatchKey(DispatchKey::CompositeImplicitAutograd))
    return false;
  for (DispatchKey key :
       {DispatchKey::CPU, DispatchKey::CUDA, DispatchKey::Autograd,
        DispatchKey::AutogradCPU, DispatchKey::AutogradCUDA,
        DispatchKey::CompositeExplicitAutograd,
        DispatchKey::CompositeExplicitAutogradNonFunctional})
    if (op.hasKernelForDispatchKey(key))
      return false;
  return true;
}

[[noreturn]] void failTrace(ImporterState &state, const std::string &why) {
  if (torch::jit::tracer::isTracing())
    torch::jit::tracer::abandon();
  // LibTorch's first sentence says what failed; the rest is advice for
  // torch.compile users.
  std::string reason = why.substr(0, why.find('\n'));
  size_t advice = reason.find(". You may have run into this message");
  if (advice != std::string::npos)
    reason.resize(advice);
  state.fail("unsupported PyTorch op '" + state.opName() +
             "' (tracing PyTorch's decomposition of it failed: " + reason +
             ")");
}
} // namespace

std::optional<Decomposition>
dsc::ts::decomposeComposite(ImporterState &state,
                            const torch::jit::Node *node) {
  const c10::FunctionSchema *schema = node->maybeSchema();
  if (!schema)
    return std::nullopt;
  std::optional<c10::OperatorHandle> op =
      c10::Dispatcher::singleton().findSchema(schema->operator_name());
  if (!op || !isImplicitComposite(*op))
    return std::nullopt;
  // An op that writes an input (`x.op_(...)`) changes that tensor for later
  // readers, which only the in-place conversions arrange.
  if (llvm::any_of(schema->arguments(), [](const c10::Argument &argument) {
        return argument.alias_info() && argument.alias_info()->isWrite();
      }))
    return std::nullopt;

  // Tensors and lists of them become the traced graph's inputs; every
  // other input must be a constant of the import (a number, a list of
  // them, None), which the trace records as it is.
  Decomposition result;
  torch::jit::Stack tensors;
  for (auto [i, input] : llvm::enumerate(node->inputs())) {
    const c10::IValue &example = state.shadowOf(input);
    if (example.isTensor() || example.isTensorList()) {
      result.tensorInputs.push_back(i);
      tensors.push_back(example);
    } else if (!state.lookup(input).isConstant()) {
      return std::nullopt;
    }
  }
  auto run = [&](torch::jit::Stack traced) {
    torch::jit::Stack stack;
    auto next = traced.begin();
    for (auto [i, input] : llvm::enumerate(node->inputs()))
      stack.push_back(llvm::is_contained(result.tensorInputs, i)
                          ? *next++
                          : state.shadowOf(input));
    op->callBoxedForDispatchKey(c10::DispatchKey::CompositeImplicitAutograd,
                                stack);
    return stack;
  };
  // As in training: gradients on, and floating values computed in the step
  // requiring one (the path a kernel takes may depend on that:
  // embedding_bag's); constants and state buffers (running statistics,
  // which batch_norm refuses to differentiate) do not.
  at::AutoGradMode gradients(true);
  auto requiringGrad = [&](const at::Tensor &t) {
    bool computed = t.is_floating_point() &&
                    !state.stateBuffers.count(t.unsafeGetTensorImpl());
    return computed ? t.detach().requires_grad_(true) : t;
  };
  for (auto [value, i] : llvm::zip_equal(tensors, result.tensorInputs)) {
    if (state.lookup(node->inputs()[i]).isConstant())
      continue;
    if (value.isTensor()) {
      value = requiringGrad(value.toTensor());
      continue;
    }
    std::vector<at::Tensor> list = value.toTensorVector();
    for (at::Tensor &t : list)
      t = requiringGrad(t);
    value = c10::IValue(list);
  }
  try {
    auto traced = torch::jit::tracer::trace(
        std::move(tensors), run,
        [](const at::Tensor &) { return std::string(); }, /*strict=*/false);
    result.graph = traced.first->graph;
  } catch (const c10::Error &error) {
    failTrace(state, error.what_without_backtrace());
  } catch (const std::exception &error) {
    failTrace(state, error.what());
  }
  if (result.graph->outputs().size() != node->outputs().size())
    state.fail("unsupported PyTorch op '" + state.opName() +
               "' (PyTorch's decomposition of it gives " +
               std::to_string(result.graph->outputs().size()) +
               " values, not " + std::to_string(node->outputs().size()) + ")");
  return result;
}
