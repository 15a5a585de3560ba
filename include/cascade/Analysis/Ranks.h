//===- Ranks.h - ranks: tensor dimensions linked through dataflow -*- C++ -*-===//
//
// A rank is an equivalence class of tensor dimensions that an einsum's index
// letters, reshapes, pads and range slices link together (FuseMax's ranks,
// followed across a whole cascade). Pass counting and tile-program formation
// both reason in ranks.
//
//===----------------------------------------------------------------------===//

#ifndef CASCADE_ANALYSIS_RANKS_H
#define CASCADE_ANALYSIS_RANKS_H

#include "cascade/Dialect/Cascade.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "llvm/ADT/EquivalenceClasses.h"
#include "llvm/ADT/SmallBitVector.h"

#include <optional>
#include <string>

namespace cascade::ranks {

/// A tensor dimension: (value, dimension index).
using Dim = std::pair<mlir::Value, unsigned>;

/// Union-find over the dimensions of the function's tensors.
class RankClasses {
public:
  void unite(Dim a, Dim b) { classes.unionSets(a, b); }
  Dim leader(Dim d) {
    classes.insert(d);
    return classes.getLeaderValue(d);
  }
  bool carries(mlir::Value v, Dim rank) {
    auto type = llvm::dyn_cast<mlir::RankedTensorType>(v.getType());
    if (!type)
      return false;
    for (unsigned d = 0; d < type.getRank(); ++d)
      if (leader({v, d}) == rank)
        return true;
    return false;
  }

private:
  llvm::EquivalenceClasses<Dim> classes;
};

/// Letter groups of an einsum-like op: operands (with letters) and result.
struct Lettering {
  llvm::SmallVector<std::pair<mlir::Value, std::string>> operands;
  std::string result;
};

/// The dimensions a rank-reducing slice drops. Where unit dimensions make
/// this ambiguous, the single entries of longer dimensions (the final step
/// of an iterative rank) are the dropped ones, unlike
/// ExtractSliceOp::getDroppedDims, which may pick a unit rank taken whole.
llvm::SmallBitVector droppedDims(mlir::tensor::ExtractSliceOp slice);

/// The index letters of an einsum or grouped einsum, or nullopt.
std::optional<Lettering> letteringOf(mlir::Operation *op);

/// Unites the dimensions `op` links: same letters, reshape-preserved
/// dimensions, pads and range slices.
void uniteThroughOp(mlir::Operation *op, RankClasses &ranks);

} // namespace cascade::ranks

#endif // CASCADE_ANALYSIS_RANKS_H
