//===- InitAll.cpp - register everything cascade tools use ----------------===//

#include "cascade/InitAll.h"

#include "cascade/Dialect/Cascade.h"
#include "cascade/Dialect/Tile.h"
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

struct LowerToTilesOptions
    : mlir::PassPipelineOptions<LowerToTilesOptions> {
  Option<int64_t> blockSize{*this, "block-size",
                            llvm::cl::desc("Keys per block of the 1-pass form "
                                           "(one loop step)"),
                            llvm::cl::init(64)};
  Option<int64_t> splits{*this, "splits",
                         llvm::cl::desc("Split-KV scans (1: none)"),
                         llvm::cl::init(1)};
  Option<int64_t> queryBlock{*this, "query-block",
                             llvm::cl::desc("Queries per block of the block "
                                            "classes and per work item"),
                             llvm::cl::init(64)};
  Option<std::string> targetDesc{
      *this, "target-desc",
      llvm::cl::desc("File holding a #tile.target<...> attribute")};
};

} // namespace

void cascade::buildCorePipeline(mlir::OpPassManager &pm, int64_t blockSize,
                                int64_t splits, int64_t queryBlock) {
  pm.addPass(cascade::createCascadeDecompose());
  pm.addPass(cascade::createCascadeFuseExperts());
  pm.addPass(cascade::createCascadeLowerRouting());
  pm.addPass(cascade::createCascadeOnlineSoftmax({blockSize, splits}));
  pm.addPass(cascade::createCascadeSparsify({queryBlock, blockSize}));
  pm.addPass(mlir::createCanonicalizerPass());
  pm.addPass(mlir::createCSEPass());
}

void cascade::buildLowerToTilesPipeline(mlir::OpPassManager &pm,
                                        int64_t blockSize, int64_t splits,
                                        int64_t queryBlock,
                                        llvm::StringRef targetDesc,
                                        bool routingKernels) {
  buildCorePipeline(pm, blockSize, splits, queryBlock);
  pm.addPass(createCascadeFormTilePrograms(
      {queryBlock, targetDesc.str(), /*groupRows=*/0,
       /*groupedPrograms=*/!routingKernels,
       /*scatterPrograms=*/!routingKernels}));
  pm.addPass(createCascadeFoldPaddedTileInputs());
  pm.addPass(mlir::createCanonicalizerPass());
  pm.addPass(mlir::createCSEPass());
}

void cascade::registerAllDialects(mlir::DialectRegistry &registry) {
  registry.insert<CascadeDialect, tile::TileDialect, mlir::arith::ArithDialect,
                  mlir::func::FuncDialect, mlir::math::MathDialect,
                  mlir::memref::MemRefDialect, mlir::scf::SCFDialect,
                  mlir::tensor::TensorDialect, mlir::linalg::LinalgDialect,
                  mlir::bufferization::BufferizationDialect>();
}

void cascade::registerAllPasses() {
  registerCascadePasses();
  // Everything the compiler core does today, in order.
  mlir::PassPipelineRegistration<CascadePipelineOptions>(
      "cascade-pipeline",
      "Decompose composites, fuse expert activations and softmax chains "
      "(1-pass form), classify mask blocks, then canonicalize and CSE",
      [](mlir::OpPassManager &pm, const CascadePipelineOptions &options) {
        buildCorePipeline(pm, options.blockSize, options.splits,
                          options.queryBlock);
      });
  // The compiler core down to the tile IR.
  mlir::PassPipelineRegistration<LowerToTilesOptions>(
      "cascade-lower-to-tiles",
      "cascade-pipeline, then cascade-form-tile-programs (one work item per "
      "query block), canonicalize and CSE: composite ops to tile IR",
      [](mlir::OpPassManager &pm, const LowerToTilesOptions &options) {
        buildLowerToTilesPipeline(pm, options.blockSize, options.splits,
                                  options.queryBlock, options.targetDesc);
      });
  // Generic cleanups users chain after cascade passes.
  mlir::registerCanonicalizerPass();
  mlir::registerCSEPass();
  mlir::registerSymbolDCEPass();
}
