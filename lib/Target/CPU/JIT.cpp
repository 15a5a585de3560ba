//===- JIT.cpp - running lowered modules on the host through the JIT ------===//

#include "cascade/Target/CPU.h"

#include "cascade/runtime.h"

#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "llvm/ADT/APFloat.h"
#include "llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"

#include <chrono>
#include <functional>
#include <cstring>

using namespace mlir;
using namespace cascade;

namespace {

/// A buffer of one entry-point operand, in the layout compiled code sees,
/// with its memref descriptor {allocated, aligned, offset, sizes, strides}.
struct Operand {
  std::vector<uint8_t> bytes;
  std::vector<int64_t> descriptor;
  void *descriptorPtr = nullptr;
};

Operand makeOperand(RankedTensorType type) {
  Operand op;
  unsigned width = std::max(8u, type.getElementTypeBitWidth()) / 8;
  op.bytes.assign(type.getNumElements() * width + 64, 0);
  // 64-byte alignment as the compiled code's own allocations.
  auto base = reinterpret_cast<uintptr_t>(op.bytes.data());
  auto aligned = (base + 63) / 64 * 64;
  int64_t rank = type.getRank();
  op.descriptor.assign(3 + 2 * rank, 0);
  op.descriptor[0] = static_cast<int64_t>(base);
  op.descriptor[1] = static_cast<int64_t>(aligned);
  int64_t stride = 1;
  for (int64_t d = rank - 1; d >= 0; --d) {
    op.descriptor[3 + d] = type.getDimSize(d);
    op.descriptor[3 + rank + d] = stride;
    stride *= type.getDimSize(d);
  }
  op.descriptorPtr = op.descriptor.data();
  return op;
}

void *dataOf(Operand &op) { return reinterpret_cast<void *>(op.descriptor[1]); }

uint16_t toHalfBits(double v, const llvm::fltSemantics &sem) {
  llvm::APFloat f(v);
  bool lost;
  f.convert(sem, llvm::APFloat::rmNearestTiesToEven, &lost);
  return static_cast<uint16_t>(f.bitcastToAPInt().getZExtValue());
}

double fromHalfBits(uint16_t bits, const llvm::fltSemantics &sem) {
  llvm::APFloat f(sem, llvm::APInt(16, bits));
  bool lost;
  f.convert(llvm::APFloat::IEEEdouble(), llvm::APFloat::rmNearestTiesToEven,
            &lost);
  return f.convertToDouble();
}

void store(Type elt, void *data, const std::vector<double> &values) {
  for (size_t i = 0; i < values.size(); ++i) {
    double v = values[i];
    if (elt.isF64())
      static_cast<double *>(data)[i] = v;
    else if (elt.isF32())
      static_cast<float *>(data)[i] = static_cast<float>(v);
    else if (elt.isF16())
      static_cast<uint16_t *>(data)[i] =
          toHalfBits(v, llvm::APFloat::IEEEhalf());
    else if (elt.isBF16())
      static_cast<uint16_t *>(data)[i] =
          toHalfBits(v, llvm::APFloat::BFloat());
    else if (elt.isInteger(64))
      static_cast<int64_t *>(data)[i] = static_cast<int64_t>(v);
    else if (elt.isInteger(32))
      static_cast<int32_t *>(data)[i] = static_cast<int32_t>(v);
    else
      static_cast<int8_t *>(data)[i] = static_cast<int8_t>(v);
  }
}

void load(Type elt, const void *data, std::vector<double> &values) {
  for (size_t i = 0; i < values.size(); ++i) {
    if (elt.isF64())
      values[i] = static_cast<const double *>(data)[i];
    else if (elt.isF32())
      values[i] = static_cast<const float *>(data)[i];
    else if (elt.isF16())
      values[i] = fromHalfBits(static_cast<const uint16_t *>(data)[i],
                               llvm::APFloat::IEEEhalf());
    else if (elt.isBF16())
      values[i] = fromHalfBits(static_cast<const uint16_t *>(data)[i],
                               llvm::APFloat::BFloat());
    else if (elt.isInteger(64))
      values[i] = static_cast<double>(static_cast<const int64_t *>(data)[i]);
    else if (elt.isInteger(32))
      values[i] = static_cast<const int32_t *>(data)[i];
    else
      values[i] = static_cast<const int8_t *>(data)[i];
  }
}

DType dtypeFor(Type elt) {
  if (elt.isF64())
    return DType::f64;
  if (elt.isF32())
    return DType::f32;
  if (elt.isF16())
    return DType::f16;
  if (elt.isBF16())
    return DType::bf16;
  if (elt.isInteger(32))
    return DType::i32;
  return DType::i64;
}

llvm::Error errorf(const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), msg);
}

} // namespace

cpu::JitModule::~JitModule() = default;

llvm::Expected<std::unique_ptr<cpu::JitModule>>
cpu::JitModule::create(ModuleOp module, ArrayRef<EntryPoint> entries,
                       int optLevel) {
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  // The IR optimizations need the host's TargetMachine: without it the
  // loop vectorizer sees no vector registers and leaves the softmax loops
  // scalar (the JIT then ran the generated code ~3x slower than the same
  // module compiled by cascade-compile).
  auto hostBuilder = llvm::orc::JITTargetMachineBuilder::detectHost();
  if (!hostBuilder)
    return hostBuilder.takeError();
  auto host = hostBuilder->createTargetMachine();
  if (!host)
    return host.takeError();
  // ExecutionEngineOptions::transformer is a function_ref: the function it
  // refers to must outlive create() (ASan caught a temporary here).
  llvm::TargetMachine *machine = host->get();
  std::function<llvm::Error(llvm::Module *)> transformer =
      [machine, optLevel](llvm::Module *m) {
        return optimizeModule(*m, *machine, optLevel);
      };
  ExecutionEngineOptions options;
  options.transformer = transformer;
  options.jitCodeGenOptLevel = static_cast<llvm::CodeGenOptLevel>(optLevel);
  auto engine = ExecutionEngine::create(module, options);
  if (!engine)
    return engine.takeError();
  std::unique_ptr<JitModule> jit(new JitModule());
  jit->engine = std::move(*engine);
  jit->entries.assign(entries.begin(), entries.end());
  return jit;
}

llvm::Expected<SmallVector<HostTensor>>
cpu::JitModule::run(StringRef name, ArrayRef<HostTensor> args,
                    int numThreads, double *kernelMs) {
  const EntryPoint *entry = nullptr;
  for (const EntryPoint &e : entries)
    if (e.name == name)
      entry = &e;
  if (!entry)
    return errorf("no entry point '" + name + "'");
  if (args.size() != entry->argTypes.size())
    return errorf("entry point '" + name + "' takes " +
                  llvm::Twine(entry->argTypes.size()) + " arguments, got " +
                  llvm::Twine(args.size()));
  std::vector<Operand> operands;
  for (auto [i, type] : llvm::enumerate(entry->argTypes)) {
    // Run-time sizes (`?`) take the argument's.
    ArrayRef<int64_t> shape = args[i].shape;
    bool fits = shape.size() == static_cast<size_t>(type.getRank());
    for (size_t d = 0; fits && d < shape.size(); ++d)
      fits = type.isDynamicDim(d) || type.getDimSize(d) == shape[d];
    if (!fits) {
      std::string expected;
      llvm::raw_string_ostream os(expected);
      os << type;
      return errorf("argument '" + entry->argNames[i] + "' has shape " +
                    args[i].describe() + ", the entry point takes " + expected);
    }
    RankedTensorType actual = type.clone(shape);
    operands.push_back(makeOperand(actual));
    store(type.getElementType(), dataOf(operands.back()), args[i].data);
  }
  // Results of run-time size take the argument sizes they equal.
  SmallVector<RankedTensorType> resultTypes;
  for (auto [type, from] :
       llvm::zip(entry->resultTypes, entry->resultSizeFrom)) {
    SmallVector<int64_t> shape(type.getShape());
    for (auto [d, source] : llvm::enumerate(from))
      if (source.first >= 0)
        shape[d] = args[source.first].shape[source.second];
    resultTypes.push_back(type.clone(shape));
    operands.push_back(makeOperand(resultTypes.back()));
  }
  SmallVector<void *> packed;
  for (Operand &op : operands)
    packed.push_back(&op.descriptorPtr);

  cascade_context_t ctx;
  if (cascade_context_create(CASCADE_DEVICE_CPU, numThreads, &ctx) != CASCADE_OK)
    return errorf("cannot create a CPU context");
  cascade_launch_begin(ctx);
  auto start = std::chrono::steady_clock::now();
  llvm::Error err = engine->invokePacked("_mlir_ciface_" + name.str(), packed);
  if (kernelMs)
    *kernelMs = std::chrono::duration<double, std::milli>(
                    std::chrono::steady_clock::now() - start)
                    .count();
  cascade_status_t status = cascade_launch_end(ctx);
  std::string message = cascade_context_error(ctx);
  cascade_context_destroy(ctx);
  if (err)
    return std::move(err);
  if (status != CASCADE_OK)
    return errorf("run-time error: " + message);

  SmallVector<HostTensor> results;
  for (auto [i, type] : llvm::enumerate(resultTypes)) {
    HostTensor t(type.getShape(), dtypeFor(type.getElementType()));
    load(type.getElementType(), dataOf(operands[args.size() + i]), t.data);
    results.push_back(std::move(t));
  }
  return results;
}
