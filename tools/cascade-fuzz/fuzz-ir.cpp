//===- fuzz-ir.cpp - libFuzzer target for cascade IR ----------------------===//
//
// Parses and verifies the input; on what verifies, runs the pass pipeline
// (decompose, fuse experts, online softmax, sparsify, count passes) and the
// reference interpreter on small random inputs, before and after the pipeline.
// The pipeline must not change a result the reference computes: a mismatch
// traps, as does any crash or sanitizer report. Diagnostics are expected.
//
//===----------------------------------------------------------------------===//

#include "cascade/Dialect/Cascade.h"
#include "cascade/InitAll.h"
#include "cascade/Reference/Interpreter.h"
#include "cascade/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"

#include <cmath>
#include <random>

using namespace mlir;
using namespace cascade;

namespace {

constexpr int64_t kMaxElements = 1 << 14;
constexpr int64_t kMaxIterations = 1 << 18;

/// Small enough to interpret quickly: static shapes, few elements, and
/// small einsum iteration spaces.
bool isSmall(func::FuncOp func) {
  bool small = !func.isExternal();
  func.walk([&](Operation *op) {
    for (Type t :
         llvm::concat<Type>(op->getOperandTypes(), op->getResultTypes()))
      if (auto tensor = dyn_cast<RankedTensorType>(t))
        if (!tensor.hasStaticShape() || tensor.getNumElements() > kMaxElements)
          small = false;
    if (auto einsum = dyn_cast<EinsumOp>(op)) {
      int64_t space = 1;
      llvm::DenseMap<char, int64_t> sizes;
      EinsumOp::Indices idx = einsum.getIndices();
      for (auto [letters, input] : llvm::zip(idx.inputs, einsum.getInputs()))
        for (auto [d, c] : llvm::enumerate(letters))
          sizes[c] = cast<RankedTensorType>(input.getType()).getDimSize(d);
      for (auto &[c, n] : sizes)
        space = std::min<int64_t>(space * std::max<int64_t>(n, 1),
                                  kMaxIterations + 1);
      if (space > kMaxIterations)
        small = false;
    }
  });
  return small;
}

std::optional<SmallVector<HostTensor>> randomArgs(func::FuncOp func,
                                                  uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal;
  SmallVector<HostTensor> args;
  for (Type t : func.getArgumentTypes()) {
    auto tensor = dyn_cast<RankedTensorType>(t);
    if (!tensor || !tensor.hasStaticShape())
      return std::nullopt;
    std::optional<DType> dtype = dtypeOf(tensor.getElementType());
    if (!dtype)
      return std::nullopt;
    HostTensor h(tensor.getShape(), *dtype);
    for (double &v : h.data)
      v = isFloatDType(*dtype) ? normal(rng) : static_cast<double>(rng() % 4);
    args.push_back(std::move(h));
  }
  return args;
}

bool close(double a, double b) {
  if (std::isnan(a) || std::isnan(b))
    return std::isnan(a) && std::isnan(b);
  if (std::isinf(a) || std::isinf(b))
    return a == b;
  return std::fabs(a - b) <= 1e-6 * (1 + std::fabs(a) + std::fabs(b));
}

MLIRContext &context() {
  static MLIRContext *ctx = [] {
    DialectRegistry registry;
    registerAllDialects(registry);
    auto *c = new MLIRContext(registry, MLIRContext::Threading::DISABLED);
    c->loadAllAvailableDialects();
    // Diagnostics are the expected outcome of most inputs.
    c->getDiagEngine().registerHandler([](Diagnostic &) { return success(); });
    return c;
  }();
  return *ctx;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  MLIRContext &ctx = context();
  std::string text(reinterpret_cast<const char *>(data), size);
  OwningOpRef<ModuleOp> module =
      parseSourceString<ModuleOp>(text, ParserConfig(&ctx));
  if (!module)
    return 0;

  // Reference results before the pipeline.
  uint64_t seed = std::hash<std::string>()(text);
  llvm::StringMap<SmallVector<HostTensor>> before;
  for (auto func : module->getOps<func::FuncOp>()) {
    if (!isSmall(func))
      continue;
    auto args = randomArgs(func, seed);
    if (!args)
      continue;
    FailureOr<SmallVector<HostTensor>> out = interpret(func, *args);
    if (succeeded(out))
      before[func.getSymName()] = std::move(*out);
  }

  PassManager pm(&ctx);
  pm.addPass(createCascadeDecompose());
  pm.addPass(createCascadeFuseExperts());
  pm.addPass(createCascadeLowerRouting());
  pm.addPass(createCascadeOnlineSoftmax({/*blockSize=*/3, /*splits=*/2}));
  pm.addPass(createCascadeSparsify({/*queryBlock=*/2, /*keyBlock=*/3}));
  pm.addNestedPass<func::FuncOp>(createCascadeCountPasses());
  pm.addPass(createCascadeFormTilePrograms(
      {/*queryBlock=*/2, /*targetDesc=*/"", /*groupRows=*/3}));
  if (failed(pm.run(*module)))
    return 0;

  for (auto func : module->getOps<func::FuncOp>()) {
    auto it = before.find(func.getSymName());
    if (it == before.end() || !isSmall(func))
      continue;
    auto args = randomArgs(func, seed);
    FailureOr<SmallVector<HostTensor>> after = interpret(func, *args);
    if (failed(after))
      continue; // e.g. a run-time error both sides report
    const SmallVector<HostTensor> &want = it->second;
    auto mismatch = [&](const llvm::Twine &what) {
      llvm::errs() << "cascade-fuzz-ir: the pipeline changed @"
                   << func.getSymName() << ": " << what << "\n";
      __builtin_trap();
    };
    if (after->size() != want.size())
      mismatch("number of results");
    for (auto [r, pair] : llvm::enumerate(llvm::zip(*after, want))) {
      auto &[a, b] = pair;
      if (a.shape != b.shape)
        mismatch("shape of result " + llvm::Twine(r));
      for (size_t i = 0; i < a.data.size(); ++i)
        if (!close(a.data[i], b.data[i]))
          mismatch("result " + llvm::Twine(r) + " element " + llvm::Twine(i) +
                   ": " + std::to_string(a.data[i]) + " after, " +
                   std::to_string(b.data[i]) + " before");
    }
  }
  return 0;
}
