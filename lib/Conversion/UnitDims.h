//===- UnitDims.h - adding and dropping one unit dimension ----*- C++ -*-===//
//
// Private to lib/Conversion: the reassociation that tensor.expand_shape and
// tensor.collapse_shape take to put back or drop one unit dimension (a
// loop step's slice of a running state, an entry of an iterative rank).
//
//===----------------------------------------------------------------------===//

#ifndef CASCADE_LIB_CONVERSION_UNITDIMS_H
#define CASCADE_LIB_CONVERSION_UNITDIMS_H

#include "mlir/Dialect/Utils/ReshapeOpsUtils.h"

namespace cascade {

/// Reassociation between a shape of `rank` dims and the same shape with a
/// unit dimension at `pos`, grouped with its neighbour (none for rank 0).
inline llvm::SmallVector<mlir::ReassociationIndices>
unitDimGroups(int64_t rank, int64_t pos) {
  llvm::SmallVector<mlir::ReassociationIndices> groups;
  for (int64_t d = 0; d < rank; ++d)
    groups.push_back({d < pos ? d : d + 1});
  if (!groups.empty()) {
    if (pos < rank)
      groups[pos].insert(groups[pos].begin(), pos);
    else
      groups.back().push_back(pos);
  }
  return groups;
}

} // namespace cascade

#endif // CASCADE_LIB_CONVERSION_UNITDIMS_H
