//===- TileDialect.cpp - tile dialect registration and attributes ---------===//

#include "cascade/Dialect/Tile.h"

#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace cascade;
using namespace cascade::tile;

#include "cascade/Dialect/TileDialect.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "cascade/Dialect/TileAttrs.cpp.inc"

void TileDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "cascade/Dialect/TileOps.cpp.inc"
      >();
  addAttributes<
#define GET_ATTRDEF_LIST
#include "cascade/Dialect/TileAttrs.cpp.inc"
      >();
}

LogicalResult
TargetAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                   StringRef name, int64_t vectorBits, int64_t registers,
                   int64_t sharedMemory, ArrayRef<int64_t> matrix) {
  if (vectorBits <= 0 || registers <= 0 || sharedMemory <= 0)
    return emitError() << "vector_bits, registers and shared_memory must be "
                          "positive";
  if (matrix.size() != 3 || llvm::any_of(matrix, [](int64_t d) {
        return d <= 0;
      }))
    return emitError() << "matrix takes the matrix unit's positive [m, n, k]";
  return success();
}
