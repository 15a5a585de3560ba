//===- Cascade.h - the cascade dialect ------------------------*- C++ -*-===//

#ifndef CASCADE_DIALECT_CASCADE_H
#define CASCADE_DIALECT_CASCADE_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "cascade/Dialect/CascadeAttrInterfaces.h.inc"
#include "cascade/Dialect/CascadeDialect.h.inc"
#include "cascade/Dialect/CascadeEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "cascade/Dialect/CascadeAttrs.h.inc"

#define GET_OP_CLASSES
#include "cascade/Dialect/CascadeOps.h.inc"

#endif // CASCADE_DIALECT_CASCADE_H
