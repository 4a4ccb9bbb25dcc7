//===- ImporterState.cpp - values, constants and types of the importer ----===//

#include "ImporterState.h"
#include "ExampleRun.h"

#include "dsc/Dialect/DS/IR/DSOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

using namespace mlir;
using namespace dsc::ts;

const Imported &ImporterState::lookup(const torch::jit::Value *value) const {
  auto it = values.find(value);
  if (it == values.end())
    fail("internal error: TorchScript value %" + value->debugName() +
         " used before it was defined");
  return it->second;
}

Value ImporterState::asTensor(const Imported &imported) {
  if (imported.isTensor())
    return imported.tensor();
  if (imported.isComplexTensor())
    fail("'" + opName() +
         "' on a complex tensor is not supported (dsc computes with complex "
         "tensors only in the ops docs/pytorch-ops.md lists)");
  if (imported.isConstant()) {
    const c10::IValue &value = imported.constant();
    if (value.isTensor())
      return materialize(value.toTensor());
    if (value.isDouble() || value.isInt() || value.isBool())
      return materialize(at::scalar_tensor(value.toScalar()));
  }
  fail("expected a tensor operand");
}

Value ImporterState::tensorInput(size_t i) {
  return asTensor(lookup(node->inputs()[i]));
}

Value ImporterState::tensorInputAs(size_t i, c10::ScalarType type) {
  const Imported &imported = lookup(node->inputs()[i]);
  if (imported.isConstant()) {
    const c10::IValue &value = imported.constant();
    if (value.isTensor())
      return materialize(value.toTensor().to(type));
    if (value.isDouble() || value.isInt() || value.isBool())
      return materialize(
          at::scalar_tensor(value.toScalar(), at::TensorOptions(type)));
  }
  return convertTo(asTensor(imported), elementType(type));
}

const at::Tensor &ImporterState::exampleOf(const at::Tensor &tensor) {
  auto [it, inserted] =
      examples.try_emplace(tensor.unsafeGetTensorImpl(), at::Tensor());
  if (inserted) {
    it->second = shapeOnly(tensor);
    persistent.push_back(it->second);
  }
  return it->second;
}

const c10::IValue &ImporterState::constantInput(size_t i) const {
  const Imported &imported = lookup(node->inputs()[i]);
  if (!imported.isConstant())
    fail("argument " + llvm::Twine(i) + " of '" + node->kind().toQualString() +
         "' must be known at compile time (static shapes only)");
  return imported.constant();
}

int64_t ImporterState::intInput(size_t i) const {
  const c10::IValue &value = constantInput(i);
  if (value.isInt())
    return value.toInt();
  if (value.isTensor() && value.toTensor().numel() == 1)
    return value.toTensor().item<int64_t>();
  fail("argument " + llvm::Twine(i) + " of '" + node->kind().toQualString() +
       "' must be an integer");
}

bool ImporterState::boolInput(size_t i) const {
  const c10::IValue &value = constantInput(i);
  if (value.isBool())
    return value.toBool();
  if (value.isInt())
    return value.toInt() != 0;
  fail("argument " + llvm::Twine(i) + " of '" + node->kind().toQualString() +
       "' must be a boolean");
}

double ImporterState::doubleInput(size_t i) const {
  const c10::IValue &value = constantInput(i);
  if (value.isDouble() || value.isInt() || value.isBool())
    return value.toScalar().toDouble();
  if (value.isTensor() && value.toTensor().numel() == 1)
    return value.toTensor().item<double>();
  fail("argument " + llvm::Twine(i) + " of '" + node->kind().toQualString() +
       "' must be a number");
}

std::vector<int64_t> ImporterState::intListInput(size_t i) const {
  const c10::IValue &value = constantInput(i);
  if (value.isIntList())
    return value.toIntVector();
  if (value.isInt())
    return {value.toInt()};
  fail("argument " + llvm::Twine(i) + " of '" + node->kind().toQualString() +
       "' must be a list of integers");
}

Type ImporterState::elementType(c10::ScalarType type) const {
  MLIRContext *context = builder.getContext();
  switch (type) {
  case c10::ScalarType::Float:
    return Float32Type::get(context);
  case c10::ScalarType::Double:
    return Float64Type::get(context);
  case c10::ScalarType::Half:
    return Float16Type::get(context);
  case c10::ScalarType::BFloat16:
    return BFloat16Type::get(context);
  case c10::ScalarType::Long:
    return IntegerType::get(context, 64);
  case c10::ScalarType::Int:
    return IntegerType::get(context, 32);
  case c10::ScalarType::Short:
    return IntegerType::get(context, 16);
  case c10::ScalarType::Char:
    return IntegerType::get(context, 8);
  case c10::ScalarType::Bool:
    return IntegerType::get(context, 1);
  default:
    fail("unsupported dtype " + std::string(c10::toString(type)));
  }
}

Value ImporterState::materialize(const at::Tensor &tensor) {
  at::Tensor data = tensor.detach().contiguous().cpu();
  auto type = RankedTensorType::get(data.sizes().vec(),
                                    elementType(data.scalar_type()));
  DenseElementsAttr attr;
  if (data.scalar_type() == c10::ScalarType::Bool) {
    const bool *begin = data.data_ptr<bool>();
    SmallVector<bool> bits(begin, begin + data.numel());
    attr = DenseElementsAttr::get(type, bits);
  } else {
    ArrayRef<char> raw(static_cast<const char *>(data.data_ptr()),
                       data.nbytes());
    attr = DenseElementsAttr::getFromRawBuffer(type, raw);
  }
  return ds::ConstantOp::create(builder, loc, type, attr);
}

const c10::IValue &
ImporterState::shadowOf(const torch::jit::Value *value) const {
  auto it = shadow.find(value);
  if (it == shadow.end())
    fail("internal error: no example value for %" + value->debugName());
  return it->second;
}

std::optional<c10::ScalarType> ImporterState::inputScalarType(size_t i) const {
  const c10::IValue &value = shadowOf(node->inputs()[i]);
  if (!value.isTensor())
    return std::nullopt;
  return value.toTensor().scalar_type();
}

c10::ScalarType ImporterState::outputScalarType(size_t i) const {
  const c10::IValue &value = shadowOf(node->outputs()[i]);
  if (!value.isTensor())
    fail("'" + std::string(node->kind().toQualString()) +
         "' does not produce a tensor");
  return value.toTensor().scalar_type();
}

RankedTensorType ImporterState::outputType(size_t i) const {
  c10::ScalarType type = outputScalarType(i);
  return RankedTensorType::get(
      shadowOf(node->outputs()[i]).toTensor().sizes().vec(), elementType(type));
}

Value ImporterState::convertTo(Value value, Type elementType) {
  auto type = cast<RankedTensorType>(value.getType());
  if (type.getElementType() == elementType)
    return value;
  return ds::ConvertOp::create(builder, loc, type.clone(elementType), value);
}

int64_t ImporterState::normalizeDim(int64_t dim, int64_t rank) const {
  int64_t normalized = dim < 0 ? dim + rank : dim;
  if (normalized < 0 || normalized >= std::max<int64_t>(rank, 1))
    fail("dimension " + llvm::Twine(dim) + " is out of range for rank " +
         llvm::Twine(rank));
  return normalized;
}

void ImporterState::bindOutput(size_t i, Imported imported) {
  values[node->outputs()[i]] = std::move(imported);
}

std::string ImporterState::opName() const {
  std::string name = node->kind().toQualString();
  if (!exportNames)
    return name;
  const c10::FunctionSchema *schema = node->maybeSchema();
  std::string overload = schema && !schema->overload_name().empty()
                             ? schema->overload_name()
                             : "default";
  return node->kind().ns().toUnqualString() + std::string(".") +
         node->kind().toUnqualString() + "." + overload;
}

Value ImporterState::dropoutStep() {
  if (dropoutStepTensor.defined())
    return parameters.lookup(dropoutStepTensor.unsafeGetTensorImpl());
  auto func = builder.getInsertionBlock()
                  ->getParentOp()
                  ->getParentOfType<func::FuncOp>();
  if (!func)
    func = dyn_cast<func::FuncOp>(builder.getInsertionBlock()->getParentOp());
  // After the parameters and state buffers, before the model inputs.
  unsigned index = 0;
  while (index < func.getNumArguments() &&
         !func.getArgAttr(index, mlir::ds::DSDialect::kInputAttr))
    ++index;
  for (unsigned i = 0; i < func.getNumArguments(); ++i)
    if (auto name = func.getArgAttrOfType<StringAttr>(
            i, mlir::ds::DSDialect::kNameAttr);
        name && name.getValue() == kDropoutStepName)
      fail(Twine("the model has a tensor named '") + kDropoutStepName +
           "', the name of dropout's step counter");
  auto type = RankedTensorType::get({}, builder.getI64Type());
  Location funcLoc = func.getLoc();
  if (failed(func.insertArgument(index, type,
                                 builder.getDictionaryAttr(builder.getNamedAttr(
                                     mlir::ds::DSDialect::kNameAttr,
                                     builder.getStringAttr(kDropoutStepName))),
                                 funcLoc)))
    fail("cannot add dropout's step counter to @forward");
  Value initial = func.getArgument(index);
  dropoutStepTensor = at::zeros({}, at::kLong);
  const c10::TensorImpl *impl = dropoutStepTensor.unsafeGetTensorImpl();
  persistent.push_back(dropoutStepTensor);
  stateBuffers[impl] = {kDropoutStepName, impl, initial};
  OpBuilder top = OpBuilder::atBlockBegin(&func.front());
  Value one = mlir::ds::ConstantOp::create(
      top, funcLoc, type,
      DenseElementsAttr::get(type, top.getI64IntegerAttr(1)));
  Value next = mlir::ds::AddOp::create(top, funcLoc, initial, one);
  parameters[impl] = next;
  return next;
}
