//===- InitAll.cpp - register everything cascade tools use ----------------===//

#include "cascade/InitAll.h"

#include "cascade/Dialect/Cascade.h"
#include "cascade/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

namespace {
struct CascadePipelineOptions
    : mlir::PassPipelineOptions<CascadePipelineOptions> {
  Option<int64_t> blockSize{*this, "block-size",
                            llvm::cl::desc("Keys per block of the 1-pass form"),
                            llvm::cl::init(64)};
  Option<int64_t> splits{*this, "splits",
                         llvm::cl::desc("Split-KV scans (1: none)"),
                         llvm::cl::init(1)};
  Option<int64_t> queryBlock{*this, "query-block",
                             llvm::cl::desc("Queries per block for the "
                                            "block classes"),
                             llvm::cl::init(64)};
};
} // namespace

void cascade::registerAllDialects(mlir::DialectRegistry &registry) {
  registry.insert<CascadeDialect, mlir::arith::ArithDialect,
                  mlir::func::FuncDialect, mlir::math::MathDialect,
                  mlir::tensor::TensorDialect>();
}

void cascade::registerAllPasses() {
  registerCascadePasses();
  // Everything the compiler core does today, in order.
  mlir::PassPipelineRegistration<CascadePipelineOptions>(
      "cascade-pipeline",
      "Decompose composites, fuse expert activations and softmax chains "
      "(1-pass form), classify mask blocks, then canonicalize and CSE",
      [](mlir::OpPassManager &pm, const CascadePipelineOptions &options) {
        pm.addPass(createCascadeDecompose());
        pm.addPass(
            createCascadeOnlineSoftmax({options.blockSize, options.splits}));
        pm.addPass(
            createCascadeSparsify({options.queryBlock, options.blockSize}));
        pm.addPass(mlir::createCanonicalizerPass());
        pm.addPass(mlir::createCSEPass());
      });
  // Generic cleanups users chain after cascade passes.
  mlir::registerCanonicalizerPass();
  mlir::registerCSEPass();
  mlir::registerSymbolDCEPass();
}
