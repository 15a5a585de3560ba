//===- CountPasses.cpp - FuseMax pass counting over ranks -----------------===//
//
// Ranks are equivalence classes of tensor dimensions linked through the
// dataflow. For each rank that some einsum reduces or iterates over, every
// value gets the pass over that rank in which it is produced; an einsum that
// reads the rank while depending on a reduction over it that finished in pass
// k must run in pass k + 1. The maximum is the cascade's pass count.
//
//===----------------------------------------------------------------------===//

#include "cascade/Analysis/Ranks.h"
#include "cascade/Transforms/Passes.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "llvm/ADT/MapVector.h"

namespace cascade {
#define GEN_PASS_DEF_CASCADECOUNTPASSES
#include "cascade/Transforms/Passes.h.inc"
} // namespace cascade

using namespace mlir;
using namespace cascade;
using namespace cascade::ranks;

namespace {

struct RankInfo {
  char letter;
  int64_t size;
  std::string origin;
};

struct CascadeCountPassesPass
    : cascade::impl::CascadeCountPassesBase<CascadeCountPassesPass> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (func.isExternal())
      return;
    Block &body = func.getBody().front();
    RankClasses ranks;
    for (Operation &op : body)
      uniteThroughOp(&op, ranks);

    // Ranks that some einsum reduces or iterates over, in program order.
    llvm::MapVector<Dim, RankInfo> counted;
    for (Operation &op : body) {
      std::optional<Lettering> l = letteringOf(&op);
      if (!l)
        continue;
      char iterative = 0, groupSelector = 0;
      if (auto einsum = dyn_cast<EinsumOp>(&op))
        iterative = einsum.getIterativeIndex();
      else
        groupSelector = l->operands[1].second[0]; // selects, not reduced
      for (auto [v, letters] : l->operands)
        for (auto [d, c] : llvm::enumerate(letters)) {
          if ((l->result.find(c) != std::string::npos && c != iterative) ||
              c == groupSelector)
            continue;
          Dim rank = ranks.leader({v, static_cast<unsigned>(d)});
          if (counted.count(rank))
            continue;
          int64_t size = cast<RankedTensorType>(v.getType()).getDimSize(d);
          counted[rank] = {c, size, ""};
        }
    }
    for (auto &[rank, info] : counted)
      info.origin = originOf(func, ranks, rank);

    // Ranks split by a reshape (a partitioned rank) name their origin too.
    for (Operation &op : body) {
      auto expand = dyn_cast<tensor::ExpandShapeOp>(&op);
      if (!expand)
        continue;
      for (auto [i, group] :
           llvm::enumerate(expand.getReassociationIndices())) {
        if (group.size() < 2)
          continue;
        auto source = counted.find(
            ranks.leader({expand.getSrc(), static_cast<unsigned>(i)}));
        std::string origin =
            source != counted.end()
                ? source->second.origin
                : originOf(func, ranks,
                           ranks.leader(
                               {expand.getSrc(), static_cast<unsigned>(i)}));
        if (origin.empty())
          continue;
        for (auto [j, d] : llvm::enumerate(group)) {
          auto it = counted.find(
              ranks.leader({expand.getResult(), static_cast<unsigned>(d)}));
          if (it == counted.end() || !it->second.origin.empty())
            continue;
          it->second.origin = (j == 0 ? ", blocks of" : ", within blocks of") +
                              origin.substr(1);
        }
      }
    }

    for (auto &[rank, info] : counted) {
      int passes = countPasses(body, ranks, rank, info.letter);
      func.emitRemark() << "rank '" << info.letter << "' (size "
                        << (ShapedType::isDynamic(info.size)
                                ? std::string("?")
                                : std::to_string(info.size))
                        << info.origin << "): " << passes
                        << (passes == 1 ? " pass" : " passes");
    }
  }

  /// ", argument #i dimension d" for the first function argument dimension
  /// in `rank`, or "".
  static std::string originOf(func::FuncOp func, RankClasses &ranks, Dim rank) {
    for (BlockArgument arg : func.getArguments())
      if (auto type = dyn_cast<RankedTensorType>(arg.getType()))
        for (unsigned d = 0; d < type.getRank(); ++d)
          if (ranks.leader({arg, d}) == rank)
            return ", argument #" + std::to_string(arg.getArgNumber()) +
                   " dimension " + std::to_string(d);
    return "";
  }

  /// Pass over `rank` in which each value is produced; remarks on einsums
  /// that start a new pass.
  int countPasses(Block &body, RankClasses &ranks, Dim rank, char letter) {
    llvm::DenseMap<Value, int> level;
    llvm::DenseMap<Value, Operation *> completedBy;
    int total = 0;
    for (Operation &op : body) {
      if (op.getNumResults() == 0)
        continue;
      bool touches =
          llvm::any_of(op.getOperands(),
                       [&](Value v) { return ranks.carries(v, rank); }) ||
          llvm::any_of(op.getResults(),
                       [&](Value v) { return ranks.carries(v, rank); });
      int pass = 0, streamed = 0;
      Value waitedFor;
      for (Value v : op.getOperands()) {
        int l = level.lookup(v);
        if (ranks.carries(v, rank)) {
          streamed = std::max(streamed, l);
          pass = std::max(pass, l);
        } else if (touches && l + 1 > pass) {
          pass = l + 1;
          waitedFor = v;
        } else if (!touches) {
          pass = std::max(pass, l);
        }
      }
      if (touches)
        pass = std::max(pass, 1);
      if (touches)
        total = std::max(total, pass);
      if (touches && pass > std::max(streamed, 1) && waitedFor &&
          completedBy.count(waitedFor)) {
        Operation *reduction = completedBy[waitedFor];
        auto remark = op.emitRemark();
        if (auto e = dyn_cast<EinsumOp>(op))
          remark << "\"" << e.getSpec() << "\" ";
        else
          remark << "'" << op.getName() << "' ";
        remark << "starts pass " << pass << " over rank '" << letter
               << "': it reads the rank after the reduction over it by";
        if (auto e = dyn_cast<EinsumOp>(reduction))
          remark << " \"" << e.getSpec() << "\"";
        else
          remark << " '" << reduction->getName() << "'";
      }
      for (Value r : op.getResults()) {
        level[r] = pass;
        if (touches && !ranks.carries(r, rank)) {
          // A reduction (or a value derived from one) complete after `pass`.
          Operation *by = &op;
          for (Value v : op.getOperands())
            if (!ranks.carries(v, rank) && completedBy.count(v) &&
                level.lookup(v) == pass)
              by = completedBy[v];
          completedBy[r] = by;
        } else if (!touches) {
          for (Value v : op.getOperands())
            if (completedBy.count(v) && level.lookup(v) == pass)
              completedBy[r] = completedBy[v];
        }
      }
    }
    return total;
  }
};

} // namespace
