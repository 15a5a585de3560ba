//===- CountPasses.cpp - FuseMax pass counting over ranks -----------------===//
//
// Ranks are equivalence classes of tensor dimensions linked through the
// dataflow. For each rank that some einsum reduces or iterates over, every
// value gets the pass over that rank in which it is produced; an einsum that
// reads the rank while depending on a reduction over it that finished in pass
// k must run in pass k + 1. The maximum is the cascade's pass count.
//
//===----------------------------------------------------------------------===//

#include "cascade/Transforms/Passes.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "llvm/ADT/EquivalenceClasses.h"
#include "llvm/ADT/MapVector.h"

namespace cascade {
#define GEN_PASS_DEF_CASCADECOUNTPASSES
#include "cascade/Transforms/Passes.h.inc"
} // namespace cascade

using namespace mlir;
using namespace cascade;

namespace {

/// A tensor dimension: (value, dimension index).
using Dim = std::pair<Value, unsigned>;

/// Union-find over the dimensions of the function's tensors.
class RankClasses {
public:
  void unite(Dim a, Dim b) { classes.unionSets(a, b); }
  Dim leader(Dim d) {
    classes.insert(d);
    return classes.getLeaderValue(d);
  }
  bool carries(Value v, Dim rank) {
    auto type = dyn_cast<RankedTensorType>(v.getType());
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
  SmallVector<std::pair<Value, std::string>> operands;
  std::string result;
};

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
  if (auto pad = dyn_cast<tensor::PadOp>(op)) {
    for (unsigned d = 0; d < pad.getResultType().getRank(); ++d)
      ranks.unite({pad.getSource(), d}, {pad.getResult(), d});
    return;
  }
  if (auto slice = dyn_cast<tensor::ExtractSliceOp>(op)) {
    // A range of a rank stays that rank; a single entry (the final state of
    // an iterative rank) is a complete value.
    llvm::SmallBitVector dropped = slice.getDroppedDims();
    ArrayRef<int64_t> sizes = slice.getStaticSizes();
    unsigned r = 0;
    for (unsigned d = 0; d < sizes.size(); ++d) {
      if (dropped.test(d))
        continue;
      if (sizes[d] != 1)
        ranks.unite({slice.getSource(), d}, {slice.getResult(), r});
      ++r;
    }
  }
}

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
