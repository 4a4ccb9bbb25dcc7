//===- PlanEmitter.cpp - dsrt step to plan --------------------------------===//
//
// Every dsrt buffer becomes a plan tensor (arena slot, persistent or
// constant), every kernel an instruction whose attributes are converted to
// the plan's integer, float, string and integer-list values.
//
//===----------------------------------------------------------------------===//

#include "dsc/Target/PlanEmitter.h"

#include "dsc/Dialect/DSRT/IR/DSRTDialect.h"
#include "dsc/Runtime/Mesh.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/MathExtras.h"

using namespace mlir;
using namespace dsc;

namespace {

std::optional<rt::DType> dtypeOf(Type type) {
  if (type.isF32())
    return rt::DType::F32;
  if (type.isF64())
    return rt::DType::F64;
  if (type.isF16())
    return rt::DType::F16;
  if (type.isBF16())
    return rt::DType::BF16;
  if (type.isInteger(64))
    return rt::DType::I64;
  if (type.isInteger(32))
    return rt::DType::I32;
  if (type.isInteger(16))
    return rt::DType::I16;
  if (type.isInteger(8))
    return rt::DType::I8;
  if (type.isInteger(1))
    return rt::DType::Bool;
  return std::nullopt;
}

/// Converts a kernel attribute; fails on kinds the plan cannot hold.
std::optional<rt::AttrValue> convertAttribute(Attribute attr) {
  if (isa<UnitAttr>(attr))
    return rt::AttrValue(int64_t(1));
  if (auto b = dyn_cast<BoolAttr>(attr))
    return rt::AttrValue(int64_t(b.getValue()));
  if (auto i = dyn_cast<IntegerAttr>(attr))
    return rt::AttrValue(i.getInt());
  if (auto f = dyn_cast<FloatAttr>(attr))
    return rt::AttrValue(f.getValueAsDouble());
  if (auto s = dyn_cast<StringAttr>(attr))
    return rt::AttrValue(s.getValue().str());
  if (auto a = dyn_cast<DenseI64ArrayAttr>(attr))
    return rt::AttrValue(std::vector<int64_t>(a.asArrayRef()));
  if (auto a = dyn_cast<DenseI32ArrayAttr>(attr))
    return rt::AttrValue(
        std::vector<int64_t>(a.asArrayRef().begin(), a.asArrayRef().end()));
  if (auto a = dyn_cast<ArrayAttr>(attr)) {
    // Arrays of strings (mesh axes) are joined with commas.
    std::string joined;
    for (Attribute element : a) {
      auto s = dyn_cast<StringAttr>(element);
      if (!s)
        return std::nullopt;
      joined += (joined.empty() ? "" : ",") + s.getValue().str();
    }
    return rt::AttrValue(joined);
  }
  if (auto sym = dyn_cast<FlatSymbolRefAttr>(attr))
    return rt::AttrValue(sym.getValue().str());
  return std::nullopt;
}

/// Appends the row-major bytes of `value` (booleans one byte each); a
/// splat's single element only, and says so in `desc`.
LogicalResult appendConstant(Operation *op, ElementsAttr value,
                             rt::TensorDesc &desc, std::vector<uint8_t> &out) {
  auto dense = dyn_cast<DenseElementsAttr>(value);
  if (!dense)
    return op->emitError() << "only dense constants can go into a plan";
  desc.splat = dense.isSplat() && dense.getNumElements() > 1;
  Type element = dense.getElementType();
  if (element.isInteger(1)) {
    if (desc.splat)
      out.push_back(dense.getSplatValue<bool>() ? 1 : 0);
    else
      for (bool b : dense.getValues<bool>())
        out.push_back(b ? 1 : 0);
    return success();
  }
  ArrayRef<char> raw = dense.getRawData();
  size_t elementBytes = element.getIntOrFloatBitWidth() / 8;
  // A splat's raw data is its one element.
  if (dense.isSplat())
    raw = raw.take_front(elementBytes);
  out.insert(out.end(), raw.begin(), raw.end());
  return success();
}

class Emitter {
public:
  FailureOr<rt::Plan> run(ModuleOp module, func::FuncOp step);

private:
  int32_t axisIndex(StringRef name) {
    for (auto [i, axis] : llvm::enumerate(plan.mesh))
      if (axis.first == name)
        return i;
    return -1;
  }

  FailureOr<uint32_t> tensorFor(Value buffer);
  LogicalResult setSplit(dsrt::PersistentOp op, rt::TensorDesc &desc);
  void setDataShape(dsrt::PersistentOp op, rt::TensorDesc &desc);

  rt::Plan plan;
  DenseMap<Value, uint32_t> tensorOf;
};

/// An input whose sequence the compiler padded has a `data_shape`, the
/// global shape of the user's data; the plan keeps it only where it differs
/// from the padded global shape, and writePlan validates it. A parameter's
/// (or a copy's) marks it a flat piece (ZeRO) and is always kept.
void Emitter::setDataShape(dsrt::PersistentOp op, rt::TensorDesc &desc) {
  std::optional<ArrayRef<int64_t>> shape = op.getDataShape();
  if (!shape)
    return;
  std::vector<int64_t> data(shape->begin(), shape->end());
  if (op.getKind() == dsrt::StorageKind::Parameter || op.getCopyOf() ||
      data != rt::globalShape(plan, desc))
    desc.dataShape = std::move(data);
}

/// The mesh axis that splits each dimension of `op` (-1: whole).
LogicalResult Emitter::setSplit(dsrt::PersistentOp op, rt::TensorDesc &desc) {
  std::optional<ArrayAttr> split = op.getSplit();
  if (!split)
    return success();
  for (StringRef axis : split->getAsValueRange<StringAttr>()) {
    desc.shardAxes.push_back(axis.empty() ? -1 : axisIndex(axis));
    if (!axis.empty() && desc.shardAxes.back() < 0)
      return op.emitOpError() << "splits over \"" << axis
                              << "\", which is no axis of the module's "
                                 "dsrt.mesh";
  }
  return success();
}

FailureOr<uint32_t> Emitter::tensorFor(Value buffer) {
  if (auto it = tensorOf.find(buffer); it != tensorOf.end())
    return it->second;
  Operation *def = buffer.getDefiningOp();
  auto type = cast<MemRefType>(buffer.getType());
  std::optional<rt::DType> dtype = dtypeOf(type.getElementType());
  if (!def || !dtype)
    return (def ? def : buffer.getParentBlock()->getParentOp())->emitError()
           << "a plan cannot hold the buffer type " << type;
  rt::TensorDesc desc;
  desc.dtype = *dtype;
  desc.shape.assign(type.getShape().begin(), type.getShape().end());
  LogicalResult ok = success();
  llvm::TypeSwitch<Operation *>(def)
      .Case([&](dsrt::ArenaBufferOp op) {
        desc.storage = rt::Storage::Arena;
        desc.offset = op.getOffset();
      })
      .Case([&](dsrt::PersistentOp op) {
        desc.name = op.getName().str();
        desc.copyOf = op.getCopyOf().value_or("").str();
        ok = setSplit(op, desc);
        setDataShape(op, desc);
        if (std::optional<ArrayRef<int64_t>> range = op.getValidRange())
          desc.validRange.assign(range->begin(), range->end());
        // An offloaded tensor lives in its memory space.
        std::optional<rt::Storage> offloaded;
        if (std::optional<StringRef> space = op.getSpace())
          offloaded =
              *space == "cpu" ? rt::Storage::Host : rt::Storage::Swapped;
        switch (op.getKind()) {
        case dsrt::StorageKind::Parameter:
          desc.storage = offloaded.value_or(rt::Storage::Parameter);
          desc.parameter = offloaded.has_value();
          break;
        case dsrt::StorageKind::State:
          desc.storage = offloaded.value_or(rt::Storage::State);
          break;
        case dsrt::StorageKind::Input:
          desc.storage = rt::Storage::Input;
          break;
        }
      })
      .Case([&](dsrt::ConstantOp op) {
        desc.storage = rt::Storage::Constant;
        plan.constants.resize(llvm::alignTo(plan.constants.size(), 64));
        desc.offset = plan.constants.size();
        ok = appendConstant(op, op.getValue(), desc, plan.constants);
      })
      .Default([&](Operation *op) {
        ok = op->emitError() << "is not a dsrt buffer";
      });
  if (failed(ok))
    return failure();
  plan.tensors.push_back(std::move(desc));
  return tensorOf[buffer] = plan.tensors.size() - 1;
}

FailureOr<rt::Plan> Emitter::run(ModuleOp module, func::FuncOp step) {
  auto meshes = llvm::to_vector(module.getOps<dsrt::MeshOp>());
  if (meshes.size() > 1)
    return meshes[1].emitError() << "a plan runs on one mesh";
  if (!meshes.empty())
    for (auto [name, size] :
         llvm::zip(meshes[0].getAxisNames().getAsValueRange<StringAttr>(),
                   meshes[0].getAxisSizes()))
      plan.mesh.push_back({name.str(), size});
  auto arenaBytes = step->getAttrOfType<IntegerAttr>("dsrt.arena_bytes");
  auto alignment = step->getAttrOfType<IntegerAttr>("dsrt.arena_alignment");
  if (!arenaBytes || !alignment)
    return step.emitError() << "the dsrt step lacks dsrt.arena_bytes or "
                               "dsrt.arena_alignment";
  plan.arenaBytes = arenaBytes.getInt();
  plan.arenaAlignment = alignment.getInt();
  bool sawLoss = false;
  for (Operation &op : step.front()) {
    // Every parameter is in the plan, also one the loss does not reach: it
    // is loaded and saved unchanged, as torch.optim leaves a parameter
    // without a gradient.
    if (auto persistent = dyn_cast<dsrt::PersistentOp>(op)) {
      if (persistent.getKind() == dsrt::StorageKind::Parameter &&
          failed(tensorFor(persistent)))
        return failure();
    } else if (auto kernel = dyn_cast<dsrt::KernelOp>(op)) {
      rt::Instruction instruction;
      instruction.kernel = kernel.getKernel().str();
      for (auto [list, values] :
           {std::pair(&instruction.operands, kernel.getInputs()),
            std::pair(&instruction.results, kernel.getOutputs())}) {
        for (Value v : values) {
          FailureOr<uint32_t> index = tensorFor(v);
          if (failed(index))
            return failure();
          list->push_back(*index);
        }
      }
      for (NamedAttribute attr : kernel.getKernelAttrs()) {
        std::optional<rt::AttrValue> value = convertAttribute(attr.getValue());
        if (!value)
          return kernel.emitError() << "attribute '" << attr.getName()
                                    << "' cannot go into a plan";
        instruction.attrs[attr.getName().str()] = *value;
      }
      if (std::optional<StringRef> mesh = kernel.getMesh())
        instruction.attrs["mesh"] = rt::AttrValue(mesh->str());
      plan.instructions.push_back(std::move(instruction));
    } else if (auto loss = dyn_cast<dsrt::LossOp>(op)) {
      FailureOr<uint32_t> index = tensorFor(loss.getBuffer());
      if (failed(index))
        return failure();
      plan.loss = *index;
      sawLoss = true;
    } else if (auto gradient = dyn_cast<dsrt::GradientOp>(op)) {
      FailureOr<uint32_t> param = tensorFor(gradient.getParameter());
      FailureOr<uint32_t> grad = tensorFor(gradient.getGradient());
      if (failed(param) || failed(grad))
        return failure();
      plan.gradients.push_back({*param, *grad});
    }
  }
  if (!sawLoss)
    return step.emitError() << "the dsrt step marks no loss";
  return std::move(plan);
}

} // namespace

FailureOr<rt::Plan> dsc::emitPlan(ModuleOp module) {
  auto step = module.lookupSymbol<func::FuncOp>("step");
  if (!step)
    return module.emitError() << "no dsrt step function @step to emit";
  return Emitter().run(module, step);
}
