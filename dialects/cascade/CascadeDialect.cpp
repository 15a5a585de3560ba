//===- CascadeDialect.cpp - dialect registration --------------------------===//

#include "cascade/Dialect/Cascade.h"

#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace cascade;

#include "cascade/Dialect/CascadeDialect.cpp.inc"

void CascadeDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "cascade/Dialect/CascadeOps.cpp.inc"
      >();
  registerAttributes();
}

Operation *CascadeDialect::materializeConstant(OpBuilder &builder,
                                               Attribute value, Type type,
                                               Location loc) {
  // Folded block-class tables become arith.constant.
  if (auto typed = dyn_cast<TypedAttr>(value))
    return arith::ConstantOp::create(builder, loc, type, typed);
  return nullptr;
}
