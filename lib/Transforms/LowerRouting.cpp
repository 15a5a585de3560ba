//===- LowerRouting.cpp - MoE routing as counts, prefix sums and gathers --===//
//
// cascade.permute becomes what a parallel machine runs instead of a sort:
// per-expert counts as a scan over the slots (each slot learns its rank
// within its expert on the way), an exclusive prefix sum of the (capacity-
// clipped) counts as a scan over the experts, each slot's position
// offset + rank, and a scatter of slot ids to those positions. The weighted
// combine (a scatter-add of the expert rows back to tokens) becomes an
// un-permute: each token gathers its k rows at their positions and sums
// them with its weights, so no two work items write the same row.
//
//===----------------------------------------------------------------------===//

#include "EinsumBuilder.h"

#include "cascade/Transforms/Passes.h"

#include "mlir/IR/PatternMatch.h"

namespace cascade {
#define GEN_PASS_DEF_CASCADELOWERROUTING
#include "cascade/Transforms/Passes.h.inc"
} // namespace cascade

using namespace mlir;
using namespace cascade;

namespace {

Value intConst(OpBuilder &b, Location loc, Type type, int64_t v) {
  return arith::ConstantOp::create(b, loc, type, b.getIntegerAttr(type, v));
}

Value coordAs(OpBuilder &b, Location loc, StringRef letter, Type type) {
  Value c = CoordOp::create(b, loc, b.getIndexType(), letter);
  return arith::IndexCastOp::create(b, loc, type, c);
}

/// The positions of the slots of `permute` in its output order (-1 for a
/// dropped slot), with perm and offsets rebuilt from them.
struct LoweredPermute {
  Value positions, perm, offsets;
};

std::optional<LoweredPermute> lowerPermute(PermuteOp op, OpBuilder &b) {
  Location loc = op.getLoc();
  auto keysType = cast<RankedTensorType>(op.getKeys().getType());
  auto permType = cast<RankedTensorType>(op.getPerm().getType());
  Type i64 = b.getI64Type();
  // A run-time number of slots (a run-time token count) stays one: the scan
  // runs over it and perm is scattered into that many rows.
  if (keysType.getElementType() != i64 || permType.getElementType() != i64 ||
      cast<RankedTensorType>(op.getOffsets().getType()).getElementType() != i64)
    return std::nullopt;
  int64_t experts = op.getGroups();
  std::optional<int64_t> capacity = op.getCapacity();
  EinsumBuilder eb{b, loc};

  // A key outside [0, groups) would silently count nowhere in the scans.
  Value keys = CheckIndicesOp::create(
      b, loc, keysType, op.getKeys(), b.getI64IntegerAttr(0),
      b.getI64IntegerAttr(experts), IntegerAttr(), UnitAttr(),
      b.getStringAttr("cascade.permute keys"));
  if (keysType.getRank() != 1) {
    ReassociationIndices all;
    for (int64_t d = 0; d < keysType.getRank(); ++d)
      all.push_back(d);
    keys = tensor::CollapseShapeOp::create(b, loc, keys,
                                           ArrayRef<ReassociationIndices>{all});
  }
  OpFoldResult slots = tensor::getMixedSize(b, loc, keys, 0);
  auto zerosOf = [&](ArrayRef<int64_t> shape) {
    auto type = RankedTensorType::get(shape, i64);
    return arith::ConstantOp::create(
        b, loc, type, DenseElementsAttr::get(type, b.getI64IntegerAttr(0)));
  };
  Value zerosE = zerosOf({experts});

  // counts[s + 1][e] = counts[s][e] + (key[s] == e): a scan over the slots.
  Value running = eb.iterative(
      "s,e->se", 's', {keys, zerosE}, zerosE,
      [&](OpBuilder &r, Location l, ValueRange a) {
        Value hit = arith::CmpIOp::create(r, l, arith::CmpIPredicate::eq, a[1],
                                          coordAs(r, l, "e", i64));
        Value one = arith::SelectOp::create(r, l, hit, intConst(r, l, i64, 1),
                                            intConst(r, l, i64, 0));
        return arith::AddIOp::create(r, l, a[0], one).getResult();
      });
  Value before = sliceAlong(b, loc, running, 0, b.getIndexAttr(0), slots,
                            /*drop=*/false);
  Value counts = sliceAlong(b, loc, running, 0, slots, b.getIndexAttr(1),
                            /*drop=*/true);
  // A slot's rank within its expert: the count of its expert before it.
  Value rank = eb.mapped(
                     "se,s->s", {before, keys}, i64,
                     [&](OpBuilder &r, Location l, ValueRange a) {
                       Value mine = arith::CmpIOp::create(
                           r, l, arith::CmpIPredicate::eq, a[1],
                           coordAs(r, l, "e", i64));
                       return arith::SelectOp::create(
                                  r, l, mine, a[0], intConst(r, l, i64, 0))
                           .getResult();
                     },
                     ReduceKind::add)
                   .getResult();
  if (capacity)
    counts = eb.mapped("e->e", {counts}, i64,
                       [&](OpBuilder &r, Location l, ValueRange a) {
                         return arith::MinSIOp::create(
                                    r, l, a[0], intConst(r, l, i64, *capacity))
                             .getResult();
                       })
                 .getResult();
  // offsets[e + 1] = offsets[e] + counts[e]: the exclusive prefix sum.
  Value offsets = eb.iterative(
      "e->e", 'e', {counts}, zerosOf({}),
      [&](OpBuilder &r, Location l, ValueRange a) {
        return arith::AddIOp::create(r, l, a[0], a[1]).getResult();
      });
  Value starts = sliceAlong(b, loc, offsets, 0, 0, experts, /*drop=*/false);
  Value positions =
      eb.mapped(
            "e,s,s->s", {starts, keys, rank}, i64,
            [&](OpBuilder &r, Location l, ValueRange a) {
              Value mine =
                  arith::CmpIOp::create(r, l, arith::CmpIPredicate::eq, a[1],
                                        coordAs(r, l, "e", i64));
              Value at = arith::AddIOp::create(r, l, a[0], a[2]);
              if (capacity) {
                Value kept = arith::CmpIOp::create(
                    r, l, arith::CmpIPredicate::slt, a[2],
                    intConst(r, l, i64, *capacity));
                at = arith::SelectOp::create(r, l, kept, at,
                                             intConst(r, l, i64, -1));
              }
              return arith::SelectOp::create(r, l, mine, at,
                                             intConst(r, l, i64, 0))
                  .getResult();
            },
            ReduceKind::add)
          .getResult();
  // perm[position[s]] = s, written as s + 1 into zeros so that the unwritten
  // tail (dropped slots) reads -1.
  Value idsPlusOne = eb.mapped("s->s", {keys}, i64,
                               [&](OpBuilder &r, Location l, ValueRange) {
                                 return arith::AddIOp::create(
                                            r, l, coordAs(r, l, "s", i64),
                                            intConst(r, l, i64, 1))
                                     .getResult();
                               })
                         .getResult();
  Value rows;
  if (permType.isDynamicDim(0))
    rows = getValueOrCreateConstantIndexOp(b, loc, slots);
  Value scattered = ScatterOp::create(b, loc, permType, idsPlusOne, positions,
                                      Value(), rows, b.getI64IntegerAttr(1));
  Value perm = eb.mapped("s->s", {scattered}, i64,
                         [&](OpBuilder &r, Location l, ValueRange a) {
                           return arith::SubIOp::create(
                                      r, l, a[0], intConst(r, l, i64, 1))
                               .getResult();
                         })
                   .getResult();
  return LoweredPermute{positions, perm, offsets};
}

/// scatter(rows[perm], weights = gather(w, perm), divisor k) -> for each
/// token, sum over its k slots of w * rows[position]: a gather and an
/// einsum instead of a scatter-add.
bool unpermuteCombine(ScatterOp scatter, PermuteOp permute, Value positions,
                      OpBuilder &b) {
  auto source = cast<RankedTensorType>(scatter.getSource().getType());
  auto result = cast<RankedTensorType>(scatter.getResult().getType());
  auto positionsType = cast<RankedTensorType>(positions.getType());
  int64_t slots = positionsType.getNumElements(), k = scatter.getDivisor();
  if (source.getRank() != 2 || result.getRank() != 2 ||
      !source.hasStaticShape() || !result.hasStaticShape() ||
      result.getDimSize(0) * k != slots ||
      source.getDimSize(0) != slots ||
      !isa<FloatType>(source.getElementType()))
    return false;
  // Weights per slot in slot order: the gather through perm, undone.
  Value slotWeights;
  if (Value w = scatter.getWeights()) {
    auto gather = w.getDefiningOp<GatherOp>();
    if (!gather || gather.getIndices() != permute.getPerm() ||
        gather.getDivisor() != 1 ||
        cast<RankedTensorType>(gather.getSource().getType()).getRank() != 1)
      return false;
    slotWeights = gather.getSource();
  }
  Location loc = scatter.getLoc();
  b.setInsertionPoint(scatter);
  int64_t tokens = result.getDimSize(0), width = source.getDimSize(1);
  Type elt = source.getElementType();
  Value rows = GatherOp::create(b, loc, source, scatter.getSource(), positions,
                                b.getI64IntegerAttr(1));
  Value perToken = tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get({tokens, k, width}, elt), rows,
      ArrayRef<ReassociationIndices>{{0, 1}, {2}});
  EinsumBuilder eb{b, loc};
  Value combined;
  if (slotWeights) {
    Type wElt = cast<RankedTensorType>(slotWeights.getType()).getElementType();
    Value w = tensor::ExpandShapeOp::create(
        b, loc, RankedTensorType::get({tokens, k}, wElt), slotWeights,
        ArrayRef<ReassociationIndices>{{0, 1}});
    combined = eb.mapped("tjh,tj->th", {perToken, w}, elt,
                         [&](OpBuilder &r, Location l, ValueRange a) {
                           Value wt = a[1];
                           if (wt.getType() != elt)
                             wt = convertScalar(r, l, wt, elt);
                           return arith::MulFOp::create(r, l, a[0], wt)
                               .getResult();
                         },
                         ReduceKind::add)
                   .getResult();
  } else {
    combined = eb.einsum("tjh->th", perToken, elt, std::nullopt,
                         ReduceKind::add)
                   .getResult();
  }
  if (combined.getType() != scatter.getType())
    return false;
  scatter.replaceAllUsesWith(combined);
  scatter.erase();
  return true;
}

struct CascadeLowerRoutingPass
    : cascade::impl::CascadeLowerRoutingBase<CascadeLowerRoutingPass> {
  void runOnOperation() override {
    SmallVector<PermuteOp> permutes;
    getOperation()->walk([&](PermuteOp op) { permutes.push_back(op); });
    for (PermuteOp op : permutes) {
      OpBuilder b(op);
      std::optional<LoweredPermute> lowered = lowerPermute(op, b);
      if (!lowered) {
        op.emitRemark() << "not lowered: counts and prefix sums need i64 "
                           "keys, perm and offsets";
        continue;
      }
      for (Operation *user : llvm::to_vector(op.getPerm().getUsers()))
        if (auto scatter = dyn_cast<ScatterOp>(user);
            scatter && scatter.getIndices() == op.getPerm())
          unpermuteCombine(scatter, op, lowered->positions, b);
      op.getPerm().replaceAllUsesWith(lowered->perm);
      op.getOffsets().replaceAllUsesWith(lowered->offsets);
      op.erase();
    }
  }
};

} // namespace
