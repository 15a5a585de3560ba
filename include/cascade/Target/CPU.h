//===- CPU.h - the CPU target: pipeline, JIT, objects, headers -*- C++ -*-===//
//
// Composite cascade ops -> tile IR -> linalg/scf on tensors -> buffers ->
// loops (work items as OpenMP parallel loops) -> LLVM dialect -> LLVM IR ->
// native code, through the JIT (cascade-run --target cpu) or an object file
// and a C header (cascade-compile).
//
//===----------------------------------------------------------------------===//

#ifndef CASCADE_TARGET_CPU_H
#define CASCADE_TARGET_CPU_H

#include "cascade/Support/HostTensor.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/Error.h"

#include <memory>
#include <optional>
#include <string>

namespace mlir {
class ExecutionEngine;
} // namespace mlir

namespace llvm {
class Module;
class TargetMachine;
} // namespace llvm

namespace cascade::cpu {

struct Options {
  /// Options of the compiler core (see --cascade-lower-to-tiles). The
  /// defaults are the CPU target's, shared by cascade-run, cascade-compile
  /// and --cascade-lower-to-cpu: 128 x 128 blocks ran 5-20% faster than
  /// 64 x 64 on the H100 host's Xeon in the side-by-side run of
  /// bench/RESULTS.md (dense and causal S4096 D128, 1 and 16 threads).
  int64_t blockSize = 128;
  /// 0: split-KV into 4 scans for a decode step (one query row), else none
  /// (a 32768-key decode on 16 cores: 1.9x one scan, bench/RESULTS.md).
  int64_t splits = 0;
  int64_t queryBlock = 128;
  std::string targetDesc;
  /// How OpenMP hands work items to threads (cascade-schedule-work-items).
  std::string schedule = "dynamic";
  int64_t scheduleChunk = 1;
  /// Rows of P (P.V's column-major A) allocated with an odd number of cache
  /// lines (cascade-convert-to-linalg's pad-column-major-rows).
  bool padColumnMajorRows = false;
  /// Elements from which a linalg op outside the work items runs as a
  /// parallel loop (cascade-parallelize-host-loops' min-elements; its other
  /// two thresholds scale with it).
  int64_t hostLoopElements = 65536;
};

/// Everything the CPU lowering parses and translates: all upstream dialects
/// with their bufferization/LLVM interfaces, and the LLVM IR translations.
void registerDialects(mlir::DialectRegistry &registry);

/// Registers the `cascade-lower-to-cpu` pass pipeline (for cascade-opt).
void registerPipeline();

/// Registers every upstream MLIR pass (once), so that cascade-opt can run
/// the CPU pipeline's steps one by one.
void registerUpstreamPasses();

/// The whole lowering, composite ops to the LLVM dialect. Every public
/// function must have been marked by prepareEntryPoints first.
void buildLowerToLLVMPipeline(mlir::OpPassManager &pm, const Options &options);

/// One entry point as applications see it: tensors in, tensors out (results
/// become trailing out-parameters of `_mlir_ciface_<name>`).
struct EntryPoint {
  std::string name;
  llvm::SmallVector<std::string> argNames, resultNames;
  llvm::SmallVector<mlir::RankedTensorType> argTypes, resultTypes;
  /// For each result dimension of run-time size, the argument dimension it
  /// equals: (argument, dimension); (-1, -1) for a static one. The caller
  /// allocates results of those sizes before the launch.
  std::vector<llvm::SmallVector<std::pair<int, int>, 4>> resultSizeFrom;
};

/// Collects the public functions of `module` as entry points and marks
/// them for the C interface. Arguments may have run-time sizes (`?`: the
/// caller's buffer gives them); a result's run-time size must be one of an
/// argument's (the caller allocates results before the launch: the
/// queries of an attention, the tokens of a MoE layer). Fails (with a
/// diagnostic) on a function the CPU target cannot take: non-tensor
/// operands, a result size not read from the arguments, element types
/// without a runtime dtype.
mlir::FailureOr<llvm::SmallVector<EntryPoint, 0>>
prepareEntryPoints(mlir::ModuleOp module);

/// Runs buildLowerToLLVMPipeline on `module` (in place).
mlir::LogicalResult lowerToLLVM(mlir::ModuleOp module, const Options &options);

/// A JIT-compiled module (the host CPU).
class JitModule {
public:
  /// `module` must be lowered to the LLVM dialect.
  static llvm::Expected<std::unique_ptr<JitModule>>
  create(mlir::ModuleOp module, llvm::ArrayRef<EntryPoint> entries,
         int optLevel = 3);
  ~JitModule();
  /// Runs `entry` on `args` (converted to the argument dtypes); results in
  /// float64. A kernel's run-time error (e.g. an index out of range) is
  /// returned as an error.
  /// `kernelMs`, when given, receives the time of the compiled call alone
  /// (without converting the operands to and from float64).
  llvm::Expected<llvm::SmallVector<HostTensor>>
  run(llvm::StringRef entry, llvm::ArrayRef<HostTensor> args,
      int numThreads = 0, double *kernelMs = nullptr);

private:
  JitModule() = default;
  std::unique_ptr<mlir::ExecutionEngine> engine;
  llvm::SmallVector<EntryPoint, 0> entries;
};

/// Native object code for `module` (lowered to the LLVM dialect) on
/// `triple` (empty: the host) and `cpu` ("" or "native": the host CPU and
/// its features; else an LLVM CPU name such as skylake-avx512, neoverse-n1).
llvm::Expected<std::string> emitObject(mlir::ModuleOp module,
                                       llvm::StringRef triple,
                                       llvm::StringRef cpu, int optLevel = 3);

/// The LLVM IR optimizations for `machine`, shared by the JIT and objects.
/// On AVX-512 machines the functions prefer 512-bit vectors: the softmax
/// loops are throughput-bound, and LLVM's x86-64-v4/Xeon tuning would
/// otherwise keep them at 256 bits.
llvm::Error optimizeModule(llvm::Module &module, llvm::TargetMachine &machine,
                           int optLevel);

/// The C header declaring one launch function per entry point:
///   cascade_status_t <prefix><name>(cascade_context_t, cascade_buffer_t
///   <arg>..., cascade_buffer_t <result>...);
/// defined inline over `_mlir_ciface_<name>`.
std::string emitHeader(llvm::ArrayRef<EntryPoint> entries,
                       llvm::StringRef prefix, llvm::StringRef guard);

/// The runtime's dtype enumerator for an element type ("CASCADE_F32"), or
/// nullopt.
std::optional<std::string> runtimeDType(mlir::Type element);

} // namespace cascade::cpu

#endif // CASCADE_TARGET_CPU_H
