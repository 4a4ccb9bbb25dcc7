//===- ExampleRun.cpp - running a node on shape-only examples -------------===//

#include "ExampleRun.h"
#include "ImporterState.h"

#include <ATen/ATen.h>
#include <ATen/core/ivalue.h>

using namespace dsc::ts;

namespace {

using TensorMap = llvm::function_ref<at::Tensor(const at::Tensor &)>;

/// `value` with each tensor in it (in lists and tuples too) replaced by
/// `map` of it.
c10::IValue mapTensors(const c10::IValue &value, TensorMap map) {
  if (value.isTensor())
    return value.toTensor().defined() ? c10::IValue(map(value.toTensor()))
                                      : value;
  if (value.isList()) {
    c10::List<c10::IValue> list = value.toList().copy();
    for (size_t i = 0; i < list.size(); ++i)
      list.set(i, mapTensors(list.get(i), map));
    return list;
  }
  if (value.isTuple()) {
    std::vector<c10::IValue> elements;
    for (const c10::IValue &element : value.toTupleRef().elements())
      elements.push_back(mapTensors(element, map));
    return c10::ivalue::Tuple::create(std::move(elements));
  }
  return value;
}

bool anyTensor(const c10::IValue &value,
               llvm::function_ref<bool(const at::Tensor &)> pred) {
  if (value.isTensor())
    return value.toTensor().defined() && pred(value.toTensor());
  if (value.isList())
    return llvm::any_of(value.toListRef(), [&](const c10::IValue &element) {
      return anyTensor(element, pred);
    });
  if (value.isTuple())
    return llvm::any_of(
        value.toTupleRef().elements(),
        [&](const c10::IValue &element) { return anyTensor(element, pred); });
  return false;
}

torch::jit::Stack mapStack(const torch::jit::Stack &stack, TensorMap map) {
  torch::jit::Stack mapped;
  for (const c10::IValue &value : stack)
    mapped.push_back(mapTensors(value, map));
  return mapped;
}

bool stackHas(const torch::jit::Stack &stack,
              llvm::function_ref<bool(const at::Tensor &)> pred) {
  return llvm::any_of(stack,
                      [&](const c10::IValue &v) { return anyTensor(v, pred); });
}

/// Zeros on `device` with the dtype, sizes, strides and storage offset of
/// `tensor`, over storage of their own: a tensor of its own where the
/// offset is 0 (a later view of it then has it as its base, as in PyTorch),
/// else a view of a flat one.
at::Tensor zerosLike(const at::Tensor &tensor, at::Device device) {
  at::TensorOptions options = tensor.options().device(device);
  if (tensor.storage_offset() == 0)
    return at::empty_strided(tensor.sizes(), tensor.strides(), options).zero_();
  int64_t extent = tensor.storage_offset() + 1;
  for (int64_t d = 0; d < tensor.dim(); ++d) {
    if (tensor.size(d) == 0)
      return at::zeros(tensor.sizes(), options);
    extent += (tensor.size(d) - 1) * tensor.stride(d);
  }
  return at::zeros({extent}, options)
      .as_strided(tensor.sizes(), tensor.strides(), tensor.storage_offset());
}

} // namespace

at::Tensor dsc::ts::shapeOnly(const at::Tensor &tensor) {
  return zerosLike(tensor, at::kMeta);
}

bool dsc::ts::metaDisagrees(const torch::jit::Node *node,
                            const torch::jit::Stack &inputs) {
  if (node->kind() != c10::aten::layer_norm &&
      node->kind() != c10::aten::native_layer_norm)
    return false;
  auto type = [&](size_t i) {
    return i < inputs.size() && inputs[i].isTensor()
               ? std::optional(inputs[i].toTensor().scalar_type())
               : std::nullopt;
  };
  std::optional<c10::ScalarType> input = type(0), weight = type(2),
                                 bias = type(3);
  return input && c10::isReducedFloatingType(*input) &&
         ((weight && *weight != *input) || (bias && *bias != *input));
}

torch::jit::Stack
dsc::ts::runOnExamples(llvm::function_ref<void(torch::jit::Stack &)> run,
                       const torch::jit::Stack &inputs, bool onZeros) {
  auto isMeta = [](const at::Tensor &t) { return t.is_meta(); };
  if (!stackHas(inputs, isMeta)) {
    torch::jit::Stack stack = inputs;
    run(stack);
    return stack;
  }
  std::vector<std::pair<at::Tensor, at::Tensor>> zeros; // meta, stand-in
  auto standIns = [&](bool ones) {
    zeros.clear();
    return mapStack(inputs, [&](const at::Tensor &t) {
      if (!t.is_meta())
        return t;
      at::Tensor standIn = zerosLike(t, at::kCPU);
      if (ones)
        standIn.fill_(1);
      zeros.emplace_back(t, standIn);
      return standIn;
    });
  };
  torch::jit::Stack stack;
  if (!onZeros) {
    // 1. On meta tensors throughout. CPU scalars (0-d) mix with meta
    //    tensors as they are.
    std::vector<at::Tensor> copies;
    stack = mapStack(inputs, [&](const at::Tensor &t) {
      if (t.is_meta() || t.dim() == 0)
        return t;
      copies.push_back(t.to(at::kMeta));
      return copies.back();
    });
    try {
      run(stack);
      if (!stackHas(stack, [&](const at::Tensor &result) {
            return llvm::any_of(copies, [&](const at::Tensor &copy) {
              return result.is_alias_of(copy);
            });
          }))
        return stack;
    } catch (const std::exception &) {
    }
    // 2. As given.
    stack = inputs;
    try {
      run(stack);
      return stack;
    } catch (const std::exception &) {
    }
  }
  // 3. Zeros in place of the meta tensors; ones where zeros fail (an
  //    integer division by a tensor computed from the inputs).
  stack = standIns(/*ones=*/false);
  try {
    run(stack);
  } catch (const std::exception &) {
    stack = standIns(/*ones=*/true);
    run(stack);
  }
  return mapStack(stack, [&](const at::Tensor &result) {
    for (const auto &[meta, zero] : zeros) {
      if (result.unsafeGetTensorImpl() == zero.unsafeGetTensorImpl())
        return meta;
      if (result.is_alias_of(zero))
        return meta.view(result.scalar_type())
            .as_strided(result.sizes(), result.strides(),
                        result.storage_offset());
    }
    // A view of a constant stays one; a new tensor becomes meta, so that
    // what follows runs on meta tensors again.
    if (result.is_meta() || stackHas(inputs, [&](const at::Tensor &input) {
          return !input.is_meta() && result.is_alias_of(input);
        }))
      return result;
    return zerosLike(result, at::kMeta);
  });
}

c10::IValue dsc::ts::asRecorded(const ImporterState &state,
                                const torch::jit::Value *output,
                                c10::IValue example) {
  auto recorded = output->type()->cast<c10::TensorType>();
  std::optional<c10::ScalarType> dtype =
      recorded ? recorded->scalarType() : std::nullopt;
  std::optional<std::vector<int64_t>> sizes =
      recorded ? recorded->sizes().concrete_sizes() : std::nullopt;
  if (!dtype || !sizes || !example.isTensor())
    return example;
  const at::Tensor &tensor = example.toTensor();
  bool sameSizes = tensor.sizes() == c10::IntArrayRef(*sizes);
  if (sameSizes && tensor.scalar_type() == *dtype)
    return example;
  // TorchScript has no boolean Scalar: a Python bool reaches ATen as the
  // integer constant 1 or 0, and `where(mask, flags, True)` comes out int64
  // where PyTorch's result is boolean. The recorded type stands; the
  // conversions compute in it.
  bool numberGiven = llvm::any_of(
      output->node()->inputs(), [](const torch::jit::Value *input) {
        return input->node()->kind() == c10::prim::Constant &&
               input->type()->kind() == c10::TypeKind::IntType;
      });
  if (sameSizes && numberGiven && *dtype == c10::ScalarType::Bool &&
      c10::isIntegralType(tensor.scalar_type(), /*includeBool=*/false))
    return tensor.to(*dtype);
  auto describe = [](c10::ScalarType type, c10::IntArrayRef shape) {
    std::string text = c10::toString(type);
    llvm::raw_string_ostream os(text);
    os << "[";
    llvm::interleaveComma(shape, os);
    os << "]";
    return text;
  };
  // torch.export does not record an autocast context around the export
  // call, only the types it gave: the casts are missing.
  bool autocast =
      sameSizes && tensor.scalar_type() == c10::ScalarType::Float &&
      c10::isReducedFloatingType(*dtype) &&
      llvm::none_of(output->node()->inputs(), [](const torch::jit::Value *in) {
        auto type = in->type()->cast<c10::TensorType>();
        return type && type->scalarType() &&
               c10::isReducedFloatingType(*type->scalarType());
      });
  state.fail("'" + state.opName() + "' gives a " +
             describe(tensor.scalar_type(), tensor.sizes()) +
             " tensor where the program records " + describe(*dtype, *sizes) +
             (autocast ? " (exported under torch.autocast? torch.export "
                         "keeps no autocast around the call: put it inside "
                         "forward)"
                       : ""));
}
