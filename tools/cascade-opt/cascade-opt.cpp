//===- cascade-opt.cpp - mlir-opt for cascade -----------------------------===//

#include "cascade/InitAll.h"
#include "cascade/Target/CPU.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  cascade::registerAllDialects(registry);
  cascade::cpu::registerDialects(registry);
  cascade::registerAllPasses();
  cascade::cpu::registerPipeline();
  cascade::cpu::registerUpstreamPasses();
  return mlir::asMainReturnCode(mlir::MlirOptMain(
      argc, argv, "Cascade optimizer: attention and MoE cascades\n", registry));
}
