//===- RuntimeCalls.h - calls of the runtime's kernels ---------*- C++ -*-===//
//
// Shared by the conversions that hand work to runtime/ (routing kernels,
// matrix microkernels): kernels are external functions with the C interface,
// memref operands cast to dynamic shapes so that one declaration serves every
// size.
//
//===----------------------------------------------------------------------===//

#ifndef CASCADE_LIB_CONVERSION_RUNTIMECALLS_H
#define CASCADE_LIB_CONVERSION_RUNTIMECALLS_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/PatternMatch.h"

namespace cascade {

/// Declares (once) and calls the kernel `name` on `args`.
inline mlir::LogicalResult callRuntimeKernel(mlir::PatternRewriter &rewriter,
                                             mlir::Operation *op,
                                             llvm::StringRef name,
                                             mlir::ValueRange args) {
  using namespace mlir;
  auto module = op->getParentOfType<ModuleOp>();
  SmallVector<Value> operands;
  SmallVector<Type> types;
  for (Value a : args) {
    if (auto m = dyn_cast<MemRefType>(a.getType())) {
      // Strided operands stay strided (the C descriptor carries the
      // strides); the others are declared with the identity layout.
      SmallVector<int64_t> dynamic(m.getRank(), ShapedType::kDynamic);
      MemRefLayoutAttrInterface layout;
      if (!m.getLayout().isIdentity())
        layout = StridedLayoutAttr::get(m.getContext(), ShapedType::kDynamic,
                                        dynamic);
      auto to = MemRefType::get(dynamic, m.getElementType(), layout);
      if (to != m)
        a = memref::CastOp::create(rewriter, op->getLoc(), to, a);
    }
    operands.push_back(a);
    types.push_back(a.getType());
  }
  auto fnType = rewriter.getFunctionType(types, {});
  auto fn = module.lookupSymbol<func::FuncOp>(name);
  if (!fn) {
    OpBuilder::InsertionGuard guard(rewriter);
    rewriter.setInsertionPointToStart(module.getBody());
    fn = func::FuncOp::create(rewriter, op->getLoc(), name, fnType);
    fn.setPrivate();
    fn->setAttr("llvm.emit_c_interface", rewriter.getUnitAttr());
  } else if (fn.getFunctionType() != fnType) {
    return op->emitError() << "runtime kernel " << name
                           << " declared with another type";
  }
  func::CallOp::create(rewriter, op->getLoc(), fn, operands);
  return success();
}

inline mlir::Value i64Const(mlir::OpBuilder &b, mlir::Location loc,
                            int64_t v) {
  return mlir::arith::ConstantIntOp::create(b, loc, b.getI64Type(), v);
}

} // namespace cascade

#endif // CASCADE_LIB_CONVERSION_RUNTIMECALLS_H
