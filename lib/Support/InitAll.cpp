//===- InitAll.cpp - register everything cascade tools use ----------------===//

#include "cascade/InitAll.h"

#include "cascade/Dialect/Cascade.h"
#include "cascade/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/Passes.h"

void cascade::registerAllDialects(mlir::DialectRegistry &registry) {
  registry.insert<CascadeDialect, mlir::arith::ArithDialect,
                  mlir::func::FuncDialect, mlir::math::MathDialect,
                  mlir::tensor::TensorDialect>();
}

void cascade::registerAllPasses() {
  registerCascadePasses();
  // Generic cleanups users chain after cascade passes.
  mlir::registerCanonicalizerPass();
  mlir::registerCSEPass();
  mlir::registerSymbolDCEPass();
}
