//===- Ranks.cpp - ranks: tensor dimensions linked through dataflow ------===//

#include "cascade/Analysis/Ranks.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace cascade;

namespace cascade::ranks {

llvm::SmallBitVector droppedDims(tensor::ExtractSliceOp slice) {
  ArrayRef<int64_t> sizes = slice.getStaticSizes();
  auto source = slice.getSourceType();
  int64_t toDrop = source.getRank() - slice.getResultType().getRank();
  llvm::SmallBitVector dropped(sizes.size());
  // Unit entries of longer dimensions first (a single step of a rank), then
  // unit dimensions taken whole, last to first.
  for (int pass = 0; pass < 2 && toDrop > 0; ++pass)
    for (int64_t d = sizes.size() - 1; d >= 0 && toDrop > 0; --d)
      if (sizes[d] == 1 && !dropped.test(d) &&
          (pass == 1 || source.getDimSize(d) != 1)) {
        dropped.set(d);
        --toDrop;
      }
  return dropped;
}

std::optional<Lettering> letteringOf(Operation *op) {
  if (auto einsum = dyn_cast<EinsumOp>(op)) {
    Lettering l;
    EinsumOp::Indices idx = einsum.getIndices();
    for (auto [v, s] : llvm::zip(einsum.getInputs(), idx.inputs))
      l.operands.push_back({v, s});
    if (Value init = einsum.getInit()) {
      std::string state = idx.result;
      llvm::erase(state, einsum.getIterativeIndex());
      l.operands.push_back({init, state});
    }
    l.result = idx.result;
    return l;
  }
  if (auto grouped = dyn_cast<GroupedEinsumOp>(op)) {
    Lettering l;
    EinsumOp::Indices idx = *EinsumOp::parseSpec(grouped.getSpec());
    l.operands.push_back({grouped.getLhs(), idx.inputs[0]});
    for (Value w : grouped.getWeights())
      l.operands.push_back({w, idx.inputs[1]});
    l.result = idx.result;
    return l;
  }
  return std::nullopt;
}

void uniteThroughOp(Operation *op, RankClasses &ranks) {
  if (std::optional<Lettering> l = letteringOf(op)) {
    Value result = op->getResult(0);
    for (auto [v, letters] : l->operands)
      for (auto [d, c] : llvm::enumerate(letters)) {
        size_t r = l->result.find(c);
        if (r != std::string::npos)
          ranks.unite({v, d}, {result, r});
        // Same letter in two operands: one rank, reduced or not.
        for (auto [w, other] : l->operands)
          if (size_t e = other.find(c); e != std::string::npos)
            ranks.unite({v, d}, {w, e});
      }
    return;
  }
  if (isa<tensor::ExpandShapeOp, tensor::CollapseShapeOp>(op)) {
    bool expand = isa<tensor::ExpandShapeOp>(op);
    Value src = op->getOperand(0), dst = op->getResult(0);
    SmallVector<ReassociationIndices> groups =
        expand ? cast<tensor::ExpandShapeOp>(op).getReassociationIndices()
               : cast<tensor::CollapseShapeOp>(op).getReassociationIndices();
    for (auto [i, group] : llvm::enumerate(groups))
      if (group.size() == 1)
        ranks.unite({expand ? src : dst, static_cast<unsigned>(i)},
                    {expand ? dst : src, static_cast<unsigned>(group[0])});
    return;
  }
  if (auto topk = dyn_cast<TopKOp>(op)) {
    // Row-wise: every dimension but the last is kept.
    auto type = cast<RankedTensorType>(topk.getInput().getType());
    for (unsigned d = 0; d + 1 < type.getRank(); ++d) {
      ranks.unite({topk.getInput(), d}, {topk.getValues(), d});
      ranks.unite({topk.getInput(), d}, {topk.getIndices(), d});
    }
    // The k chosen per row: one rank for values and indices.
    ranks.unite({topk.getValues(), static_cast<unsigned>(type.getRank() - 1)},
                {topk.getIndices(), static_cast<unsigned>(type.getRank() - 1)});
    return;
  }
  if (auto pad = dyn_cast<tensor::PadOp>(op)) {
    for (unsigned d = 0; d < pad.getResultType().getRank(); ++d)
      ranks.unite({pad.getSource(), d}, {pad.getResult(), d});
    return;
  }
  if (auto slice = dyn_cast<tensor::ExtractSliceOp>(op)) {
    // A range of a rank stays that rank; a single entry (the final state of
    // an iterative rank) is a complete value.
    llvm::SmallBitVector dropped = droppedDims(slice);
    ArrayRef<int64_t> sizes = slice.getStaticSizes();
    unsigned r = 0;
    for (unsigned d = 0; d < sizes.size(); ++d) {
      if (dropped.test(d))
        continue;
      // A unit dimension taken whole is still its rank.
      if (sizes[d] != 1 || slice.getSourceType().getDimSize(d) == 1)
        ranks.unite({slice.getSource(), d}, {slice.getResult(), r});
      ++r;
    }
  }
}


} // namespace cascade::ranks
