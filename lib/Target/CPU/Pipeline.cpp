//===- Pipeline.cpp - the CPU target's lowering to the LLVM dialect -------===//

#include "cascade/Target/CPU.h"

#include "cascade/Dialect/Cascade.h"
#include "cascade/InitAll.h"

#include "cascade/Transforms/Passes.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/Support/raw_ostream.h"

#include <mutex>

using namespace mlir;
using namespace cascade;

void cpu::registerDialects(DialectRegistry &registry) {
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  mlir::registerAllToLLVMIRTranslations(registry);
}

namespace {
struct LowerToCpuOptions : PassPipelineOptions<LowerToCpuOptions> {
  Option<int64_t> blockSize{*this, "block-size",
                            llvm::cl::desc("Keys per block of the 1-pass form"),
                            llvm::cl::init(cpu::Options().blockSize)};
  Option<int64_t> splits{*this, "splits",
                         llvm::cl::desc("Split-KV scans (1: none; 0: 4 for a "
                                        "decode step, else none)"),
                         llvm::cl::init(cpu::Options().splits)};
  Option<int64_t> queryBlock{*this, "query-block",
                             llvm::cl::desc("Queries per work item"),
                             llvm::cl::init(cpu::Options().queryBlock)};
  Option<std::string> targetDesc{
      *this, "target-desc",
      llvm::cl::desc("File holding a #tile.target<...> attribute")};
  Option<std::string> schedule{
      *this, "schedule",
      llvm::cl::desc("OpenMP schedule of the work items: static, dynamic "
                     "or guided"),
      llvm::cl::init(cpu::Options().schedule)};
  Option<bool> padColumnMajorRows{
      *this, "pad-column-major-rows",
      llvm::cl::desc("Rows of P (P.V's column-major A) allocated with an "
                     "odd number of cache lines"),
      llvm::cl::init(cpu::Options().padColumnMajorRows)};
  Option<int64_t> hostLoopElements{
      *this, "host-loop-elements",
      llvm::cl::desc("Elements from which a linalg op outside the work "
                     "items runs as a parallel loop"),
      llvm::cl::init(cpu::Options().hostLoopElements)};
};
} // namespace

void cpu::registerPipeline() {
  PassPipelineRegistration<LowerToCpuOptions>(
      "cascade-lower-to-cpu",
      "The CPU target: cascade-lower-to-tiles, out of the cascade and tile "
      "dialects, one-shot bufferization, loops with OpenMP work items, down "
      "to the LLVM dialect",
      [](OpPassManager &pm, const LowerToCpuOptions &o) {
        cpu::Options options;
        options.blockSize = o.blockSize;
        options.splits = o.splits;
        options.queryBlock = o.queryBlock;
        options.targetDesc = o.targetDesc;
        options.schedule = o.schedule;
        options.padColumnMajorRows = o.padColumnMajorRows;
        options.hostLoopElements = o.hostLoopElements;
        buildLowerToLLVMPipeline(pm, options);
      });
}

void cpu::registerUpstreamPasses() {
  static std::once_flag registered;
  std::call_once(registered, [] { mlir::registerAllPasses(); });
}

void cpu::buildLowerToLLVMPipeline(OpPassManager &pm, const Options &options) {
  // The upstream half is written as the textual pipeline one would give
  // mlir-opt; its passes must be registered to be parsed.
  registerUpstreamPasses();

  // Compiler core: composites -> 1-pass cascades -> tile programs.
  // Grouped einsums and scatters stay whole, for the lowerings below. The
  // loop of GEMMs spreads each group's column panels over the threads and
  // packs each panel of weights once; the grouped programs (which pack per
  // row block) measured 5-30% slower on the MoE benchmark at 16 threads
  // (bench/RESULTS.md). A scatter program's steps allocate and copy one-row
  // tiles (about 66 ns per entry); the runtime's scatter is a plain loop.
  buildLowerToTilesPipeline(pm, options.blockSize, options.splits,
                            options.queryBlock, options.targetDesc,
                            /*routingKernels=*/true);
  // Products whose A operand stays the same over a step loop take it as the
  // microkernel's B instead, packed once before the loop (attention scores
  // keys-first: the keys are no longer repacked by every work item).
  pm.addPass(createCascadeMicrokernelLayout());
  // A masked step's full blocks as dense steps, for the fusions below.
  pm.addPass(createCascadeSinkIntoBlockBranches());
  // Out of the cascade and tile dialects.
  // convert-to-linalg inserts cascade.check_indices, which the runtime
  // lowering turns into kernel calls.
  pm.addPass(createCascadeConvertToLinalg(
      {/*microkernels=*/true, options.padColumnMajorRows}));
  pm.addPass(createCascadeConvertRoutingToRuntime());
  pm.addPass(createCascadeConvertTileToSCF());
  // The softmax's sum in the loop that computes the exponentials.
  pm.addPass(createCascadeFuseIntoReductions());
  pm.addPass(createCascadeApproximateMath());
  // bf16 conversions as integer arithmetic: LLVM would call __truncsfbf2,
  // which GCC 12's libgcc lacks (AOT objects must link with it).
  pm.addPass(createCascadeExpandBf16());
  pm.addPass(createCanonicalizerPass());

  // Tensors to buffers; results become out-parameters so that callers own
  // every buffer; work items (scf.parallel) become OpenMP parallel loops.
  // memref.alloca_scope from scf-to-openmp is lowered with the memrefs
  // before scf-to-cf splits its region into several blocks. Heap buffers
  // come from the runtime's allocator (runtime/lib/Allocator.cpp), which
  // keeps large intermediates from one launch to the next.
  const char *bufferize =
      "one-shot-bufferize{bufferize-function-boundaries "
      "allow-return-allocs-from-loops "
      "function-boundary-type-conversion=identity-layout-map},"
      "buffer-results-to-out-params{modify-public-functions "
      "hoist-static-allocs},"
      "buffer-deallocation-pipeline";
  // Large linalg ops between the work items (a MoE's fills and expert
  // activations) as parallel loops too.
  const char *toOpenMP = "convert-linalg-to-loops,"
                         "canonicalize,"
                         "convert-scf-to-openmp";
  // Then the work items' OpenMP schedule, and on to the LLVM dialect.
  const char *toLLVM = "expand-strided-metadata,"
                       "lower-affine,"
                       "finalize-memref-to-llvm{use-generic-functions},"
                       "convert-scf-to-cf,"
                       "convert-openmp-to-llvm,"
                       "convert-math-to-llvm,"
                       "convert-math-to-libm,"
                       "convert-arith-to-llvm,"
                       "convert-index-to-llvm,"
                       "convert-func-to-llvm,"
                       "convert-cf-to-llvm,"
                       "finalize-memref-to-llvm{use-generic-functions},"
                       "reconcile-unrealized-casts";
  pm.setNesting(OpPassManager::Nesting::Implicit);
  std::string error;
  llvm::raw_string_ostream os(error);
  if (failed(parsePassPipeline(bufferize, pm, os)))
    llvm::report_fatal_error(llvm::Twine("cpu pipeline: ") + error);
  // (Defaults: 65536 elements, 2048 static ones for a run-time size,
  // blocks of 16384.)
  int64_t n = std::max<int64_t>(options.hostLoopElements, 1);
  pm.addPass(createCascadeParallelizeHostLoops(
      {n, std::max<int64_t>(n / 32, 1), std::max<int64_t>(n / 4, 1)}));
  if (failed(parsePassPipeline(toOpenMP, pm, os)))
    llvm::report_fatal_error(llvm::Twine("cpu pipeline: ") + error);
  pm.addPass(createCascadeScheduleWorkItems(
      {options.schedule, options.scheduleChunk}));
  if (failed(parsePassPipeline(toLLVM, pm, os)))
    llvm::report_fatal_error(llvm::Twine("cpu pipeline: ") + error);
}

std::optional<std::string> cpu::runtimeDType(Type t) {
  if (t.isF64())
    return "CASCADE_F64";
  if (t.isF32())
    return "CASCADE_F32";
  if (t.isF16())
    return "CASCADE_F16";
  if (t.isBF16())
    return "CASCADE_BF16";
  if (t.isInteger(64))
    return "CASCADE_I64";
  if (t.isInteger(32))
    return "CASCADE_I32";
  if (t.isInteger(8))
    return "CASCADE_I8";
  return std::nullopt;
}

/// The argument dimension that dimension `d` of `v` equals, through the ops
/// whose result sizes are their operands' (composites, einsums on their
/// index letters, casts): (argument, dimension), or nullopt.
static std::optional<std::pair<int, int>> argumentDimOf(Value v, int64_t d) {
  for (int depth = 0; depth < 64; ++depth) {
    if (auto arg = dyn_cast<BlockArgument>(v)) {
      if (!isa<func::FuncOp>(arg.getOwner()->getParentOp()))
        return std::nullopt;
      return std::make_pair(static_cast<int>(arg.getArgNumber()),
                            static_cast<int>(d));
    }
    Operation *op = v.getDefiningOp();
    if (auto attention = dyn_cast<AttentionOp>(op)) {
      // output [B, H, P, F] and LSE [B, H, P]: B, H, P of the query, F of
      // the value.
      if (v == attention.getOutput() && d == 3) {
        v = attention.getValue();
        continue;
      }
      v = attention.getQuery();
      continue;
    }
    if (auto moe = dyn_cast<MoeOp>(op)) {
      v = moe.getInput();
      continue;
    }
    if (auto cast = dyn_cast<tensor::CastOp>(op)) {
      v = cast.getSource();
      continue;
    }
    if (auto e = dyn_cast<EinsumOp>(op)) {
      auto source = e.getSizeSource(d);
      if (!source)
        return std::nullopt;
      v = e.getInputs()[source->first];
      d = source->second;
      continue;
    }
    return std::nullopt;
  }
  return std::nullopt;
}

FailureOr<SmallVector<cpu::EntryPoint, 0>>
cpu::prepareEntryPoints(ModuleOp module) {
  SmallVector<EntryPoint, 0> entries;
  for (auto func : module.getOps<func::FuncOp>()) {
    if (func.isPrivate() || func.isExternal())
      continue;
    EntryPoint entry;
    entry.name = func.getSymName().str();
    auto check = [&](Type type, const Twine &what,
                     bool isResult) -> FailureOr<RankedTensorType> {
      auto tensor = dyn_cast<RankedTensorType>(type);
      if (!tensor || !runtimeDType(tensor.getElementType()))
        return func.emitError()
               << "the CPU target needs ranked tensors of f64, f32, f16, "
                  "bf16, i64, i32 or i8 at entry points; "
               << what << " is " << type;
      return tensor;
    };
    for (auto [i, type] : llvm::enumerate(func.getArgumentTypes())) {
      auto name = func.getArgAttrOfType<StringAttr>(i, kNameAttr);
      std::string argName = name ? name.str() : "arg" + std::to_string(i);
      FailureOr<RankedTensorType> t =
          check(type, "argument '" + argName + "'", /*isResult=*/false);
      if (failed(t))
        return failure();
      entry.argNames.push_back(argName);
      entry.argTypes.push_back(*t);
    }
    for (auto [i, type] : llvm::enumerate(func.getResultTypes())) {
      auto name = func.getResultAttrOfType<StringAttr>(i, kNameAttr);
      std::string resultName = name ? name.str() : "result" + std::to_string(i);
      FailureOr<RankedTensorType> t =
          check(type, "result '" + resultName + "'", /*isResult=*/true);
      if (failed(t))
        return failure();
      // The caller allocates the results before the launch: a run-time
      // size must be an argument's.
      Operation *ret = func.getBody().front().getTerminator();
      SmallVector<std::pair<int, int>, 4> from;
      for (int64_t d = 0; d < t->getRank(); ++d) {
        if (!t->isDynamicDim(d)) {
          from.push_back({-1, -1});
          continue;
        }
        std::optional<std::pair<int, int>> source =
            func.getBody().hasOneBlock() && isa<func::ReturnOp>(ret)
                ? argumentDimOf(ret->getOperand(i), d)
                : std::nullopt;
        if (!source)
          return func.emitError()
                 << "the CPU target needs each run-time size of a result to "
                    "be an argument's (the caller allocates results before "
                    "the launch); dimension "
                 << d << " of result '" << resultName << "' (" << type
                 << ") is not";
        from.push_back(*source);
      }
      entry.resultSizeFrom.push_back(std::move(from));
      entry.resultNames.push_back(resultName);
      entry.resultTypes.push_back(*t);
    }
    func->setAttr("llvm.emit_c_interface", UnitAttr::get(module.getContext()));
    // Names are recorded above; LLVM has no use for cascade's attributes.
    func.removeArgAttrsAttr();
    func.removeResAttrsAttr();
    entries.push_back(std::move(entry));
  }
  if (entries.empty())
    return module.emitError() << "no public function to compile";
  return entries;
}

LogicalResult cpu::lowerToLLVM(ModuleOp module, const Options &options) {
  PassManager pm(module.getContext());
  buildLowerToLLVMPipeline(pm, options);
  if (failed(pm.run(module)))
    return failure();
  // Only the C interfaces are the object's API: helpers (the expanded-ABI
  // entry, dealloc_helper, ...) become internal so that several kernel
  // objects link into one application.
  module.walk([](LLVM::LLVMFuncOp fn) {
    if (!fn.isExternal() && !fn.getName().starts_with("_mlir_ciface_"))
      fn.setLinkage(LLVM::Linkage::Internal);
  });
  return success();
}
