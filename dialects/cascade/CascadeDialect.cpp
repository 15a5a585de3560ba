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

//===----------------------------------------------------------------------===//
// Discardable attributes
//===----------------------------------------------------------------------===//

/// A later pass trusts these facts (an exp lowered without overflow guards,
/// a max that drops NaNs, skipped blocks, longer rows): one on the wrong op
/// or of the wrong kind is an error here, not a wrong answer or a failure
/// deep inside a lowering.
LogicalResult CascadeDialect::verifyOperationAttribute(Operation *op,
                                                       NamedAttribute attr) {
  StringRef name = attr.getName().getValue();
  auto einsum = dyn_cast<EinsumOp>(op);
  auto fail = [&](StringRef what) {
    return op->emitError() << "'" << name << "' " << what;
  };
  if (name == kNonPositiveArgumentAttr) {
    // The LLVM dialect's exp keeps it where math.exp lowers to it (f64).
    if (!isa<UnitAttr>(attr.getValue()) ||
        (!isa<math::ExpOp>(op) &&
         op->getName().getStringRef() != "llvm.intr.exp"))
      return fail("is a unit attribute of math.exp");
    return success();
  }
  if (name == kSoftmaxShiftAttr) {
    if (!isa<UnitAttr>(attr.getValue()) || !einsum ||
        einsum.getReduce() != ReduceKind::max)
      return fail("is a unit attribute of a cascade.einsum that reduces with "
                  "max");
    return success();
  }
  if (name == kEmptyBlockIdentityAttr) {
    if (!isa<UnitAttr>(attr.getValue()) || !einsum ||
        !einsum.getIterativeIndex())
      return fail("is a unit attribute of an iterative cascade.einsum");
    return success();
  }
  if (name == kPaddedRowAttr) {
    auto length = dyn_cast<IntegerAttr>(attr.getValue());
    if (!length || !length.getType().isIndex() || !einsum)
      return fail("is an index attribute of a cascade.einsum");
    auto type = dyn_cast<RankedTensorType>(einsum.getResult().getType());
    if (!type || !type.hasStaticShape() || type.getRank() == 0)
      return fail("needs a result of static shape and rank at least 1");
    if (length.getInt() < type.getShape().back())
      return fail("must be at least the result's last dimension (")
             << type.getShape().back() << ")";
    return success();
  }
  return fail("is not an attribute of the cascade dialect");
}

/// cascade.name and cascade.range on a function's arguments and results.
static LogicalResult
verifySignatureAttribute(Operation *op, NamedAttribute attr, bool isArgument) {
  StringRef name = attr.getName().getValue();
  if (name == kNameAttr) {
    if (!isa<StringAttr>(attr.getValue()))
      return op->emitError() << "'" << name << "' must be a string";
    return success();
  }
  if (name == kRangeAttr && isArgument) {
    auto range = dyn_cast<DenseI64ArrayAttr>(attr.getValue());
    if (!range || range.size() != 2 || range[0] >= range[1])
      return op->emitError()
             << "'" << name << "' must be array<i64: lo, hi> with lo < hi";
    return success();
  }
  return op->emitError() << "'" << name << "' is not "
                         << (isArgument ? "an argument" : "a result")
                         << " attribute of the cascade dialect";
}

LogicalResult CascadeDialect::verifyRegionArgAttribute(Operation *op, unsigned,
                                                       unsigned,
                                                       NamedAttribute attr) {
  return verifySignatureAttribute(op, attr, /*isArgument=*/true);
}

LogicalResult CascadeDialect::verifyRegionResultAttribute(Operation *op,
                                                          unsigned, unsigned,
                                                          NamedAttribute attr) {
  return verifySignatureAttribute(op, attr, /*isArgument=*/false);
}
