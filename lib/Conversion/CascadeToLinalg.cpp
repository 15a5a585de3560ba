//===- CascadeToLinalg.cpp - einsums as linalg.generic --------------------===//
//
// The compute of a cascade leaves the cascade dialect here, for targets that
// take linalg (the CPU target today):
//   - an einsum becomes one linalg.generic: its spec gives the indexing maps,
//     the map operator or region is the body, the reduce operator combines
//     into the output, and a mask is a predicate over linalg.index that keeps
//     the accumulator (reductions) or writes the fill value (no reduction);
//   - an iterative einsum becomes an scf.for over its iterative rank whose
//     step is an ordinary einsum from the previous state;
//   - a grouped einsum becomes an scf.for over groups whose step contracts
//     the group's segment of rows (read from `offsets`) with its weights.
// Block classes are hints that never change a result; whole einsums ignore
// them (tile programs have already turned them into skipped steps).
//
//===----------------------------------------------------------------------===//

#include "Microkernels.h"
#include "RuntimeCalls.h"
#include "UnitDims.h"

#include "cascade/Dialect/Cascade.h"
#include "cascade/Transforms/Passes.h"
#include "cascade/kernel_abi.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/ADT/TypeSwitch.h"

#include <functional>
#include <map>
#include <tuple>

namespace cascade {
#define GEN_PASS_DEF_CASCADECONVERTTOLINALG
#include "cascade/Transforms/Passes.h.inc"
} // namespace cascade

using namespace mlir;
using namespace cascade;
using namespace cascade::microkernel;

namespace {

Value indexConst(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

Value cmp(OpBuilder &b, Location loc, arith::CmpIPredicate p, Value x,
          Value y) {
  return arith::CmpIOp::create(b, loc, p, x, y);
}

Value readAsIndex(OpBuilder &b, Location loc, Value tensor, ValueRange idx) {
  Value v = tensor::ExtractOp::create(b, loc, tensor, idx);
  Type t = v.getType();
  if (isa<FloatType>(t))
    v = arith::FPToSIOp::create(b, loc, b.getI64Type(), v);
  else if (!t.isInteger(64))
    v = arith::ExtSIOp::create(b, loc, b.getI64Type(), v);
  return arith::IndexCastOp::create(b, loc, b.getIndexType(), v);
}

/// NATTEN's 1-D window test (see the reference's Masks.cpp), on index values.
Value inNeighborhood(OpBuilder &b, Location loc, Value x, Value y, int64_t len,
                     int64_t kernel, int64_t dilation) {
  using P = arith::CmpIPredicate;
  Value d = indexConst(b, loc, dilation);
  Value rx = arith::RemSIOp::create(b, loc, x, d);
  Value ry = arith::RemSIOp::create(b, loc, y, d);
  Value sameGroup = cmp(b, loc, P::eq, rx, ry);
  // groupLen = ceil((len - residue) / dilation)
  Value groupLen = arith::DivSIOp::create(
      b, loc,
      arith::SubIOp::create(b, loc, indexConst(b, loc, len + dilation - 1), rx),
      d);
  Value xi = arith::DivSIOp::create(b, loc, x, d);
  Value yi = arith::DivSIOp::create(b, loc, y, d);
  Value start =
      arith::SubIOp::create(b, loc, xi, indexConst(b, loc, kernel / 2));
  start = arith::MinSIOp::create(
      b, loc, start,
      arith::SubIOp::create(b, loc, groupLen, indexConst(b, loc, kernel)));
  start = arith::MaxSIOp::create(b, loc, start, indexConst(b, loc, 0));
  Value end =
      arith::AddIOp::create(b, loc, start, indexConst(b, loc, kernel));
  Value inside = arith::AndIOp::create(b, loc, cmp(b, loc, P::sge, yi, start),
                                       cmp(b, loc, P::slt, yi, end));
  return arith::AndIOp::create(b, loc, sameGroup, inside);
}

} // namespace

FailureOr<Value> cascade::buildMaskPredicate(OpBuilder &b, Location loc,
                                             MaskAttrInterface mask, Value q,
                                             Value k, Value numQueries,
                                             Value numKeys,
                                             ValueRange runtimeArgs) {
  using P = arith::CmpIPredicate;
  auto trueValue = [&]() -> Value {
    return arith::ConstantIntOp::create(b, loc, 1, 1);
  };
  return llvm::TypeSwitch<Attribute, FailureOr<Value>>(mask)
      .Case([&](FullMaskAttr) -> FailureOr<Value> { return trueValue(); })
      .Case([&](CausalMaskAttr causal) -> FailureOr<Value> {
        Value bound = q;
        if (causal.getAlign() == CausalAlign::bottom_right)
          bound = arith::AddIOp::create(
              b, loc, q, arith::SubIOp::create(b, loc, numKeys, numQueries));
        return cmp(b, loc, P::sle, k, bound);
      })
      .Case([&](SlidingWindowMaskAttr window) -> FailureOr<Value> {
        Value lo = arith::SubIOp::create(b, loc, q,
                                         indexConst(b, loc, window.getLeft()));
        Value hi = arith::AddIOp::create(b, loc, q,
                                         indexConst(b, loc, window.getRight()));
        return arith::AndIOp::create(b, loc, cmp(b, loc, P::sge, k, lo),
                                     cmp(b, loc, P::sle, k, hi))
            .getResult();
      })
      .Case([&](PrefixLmMaskAttr prefix) -> FailureOr<Value> {
        Value n = indexConst(b, loc, prefix.getPrefix());
        return arith::OrIOp::create(b, loc, cmp(b, loc, P::slt, k, n),
                                    cmp(b, loc, P::sle, k, q))
            .getResult();
      })
      .Case([&](DocumentMaskAttr) -> FailureOr<Value> {
        Value qs = readAsIndex(b, loc, runtimeArgs[0], q);
        Value ks = readAsIndex(b, loc, runtimeArgs[1], k);
        return cmp(b, loc, P::eq, qs, ks);
      })
      .Case([&](NeighborhoodMaskAttr nb) -> FailureOr<Value> {
        Value keep = trueValue(), x = q, y = k;
        ArrayRef<int64_t> grid = nb.getGrid();
        for (int d = static_cast<int>(grid.size()) - 1; d >= 0; --d) {
          Value len = indexConst(b, loc, grid[d]);
          keep = arith::AndIOp::create(
              b, loc, keep,
              inNeighborhood(b, loc, arith::RemSIOp::create(b, loc, x, len),
                             arith::RemSIOp::create(b, loc, y, len), grid[d],
                             nb.getKernel()[d], nb.getDilation()[d]));
          x = arith::DivSIOp::create(b, loc, x, len);
          y = arith::DivSIOp::create(b, loc, y, len);
        }
        return keep;
      })
      .Case([&](BlockSparseMaskAttr bs) -> FailureOr<Value> {
        auto tableType = cast<RankedTensorType>(bs.getTable().getType());
        SmallVector<int8_t> bytes;
        for (const APInt &v : bs.getTable().getValues<APInt>())
          bytes.push_back(v.isZero() ? 0 : 1);
        auto i8Type = RankedTensorType::get(tableType.getShape(), b.getI8Type());
        Value table = arith::ConstantOp::create(
            b, loc, DenseElementsAttr::get(i8Type, ArrayRef<int8_t>(bytes)));
        Value row = arith::DivSIOp::create(b, loc, q,
                                           indexConst(b, loc, bs.getBlockQ()));
        Value col = arith::DivSIOp::create(b, loc, k,
                                           indexConst(b, loc, bs.getBlockK()));
        Value entry = tensor::ExtractOp::create(b, loc, table, {row, col});
        return arith::CmpIOp::create(
                   b, loc, P::ne, entry,
                   arith::ConstantIntOp::create(b, loc, b.getI8Type(), 0))
            .getResult();
      })
      .Case([&](DynamicBlockSparseMaskAttr dyn) -> FailureOr<Value> {
        // Kept when the query block's row lists the key block.
        Value indices = runtimeArgs[0];
        Value row = arith::DivSIOp::create(b, loc, q,
                                           indexConst(b, loc, dyn.getBlockQ()));
        Value col = arith::DivSIOp::create(b, loc, k,
                                           indexConst(b, loc, dyn.getBlockK()));
        Value perRow = tensor::DimOp::create(b, loc, indices, 1);
        auto loop = scf::ForOp::create(
            b, loc, indexConst(b, loc, 0), perRow, indexConst(b, loc, 1),
            ValueRange{arith::ConstantIntOp::create(b, loc, 0, 1)},
            [&](OpBuilder &nb, Location nl, Value j, ValueRange acc) {
              Value listed = readAsIndex(nb, nl, indices, {row, j});
              Value hit = arith::OrIOp::create(
                  nb, nl, acc[0], cmp(nb, nl, P::eq, listed, col));
              scf::YieldOp::create(nb, nl, hit);
            });
        return loop.getResult(0);
      })
      .Case([&](AllOfMaskAttr all) -> FailureOr<Value> {
        Value keep = trueValue();
        ValueRange args = runtimeArgs;
        for (Attribute attr : all.getMasks()) {
          auto part = cast<MaskAttrInterface>(attr);
          unsigned n = part.getNumRuntimeOperands();
          FailureOr<Value> p = buildMaskPredicate(
              b, loc, part, q, k, numQueries, numKeys, args.take_front(n));
          if (failed(p))
            return failure();
          args = args.drop_front(n);
          keep = arith::AndIOp::create(b, loc, keep, *p);
        }
        return keep;
      })
      .Default([&](Attribute) -> FailureOr<Value> { return failure(); });
}

namespace {

bool isFloat(Type t) { return isa<FloatType>(t); }

Value checked(OpBuilder &b, Location loc, Value indices, int64_t lower,
              int64_t upper, std::optional<int64_t> allow, bool nondecreasing,
              StringRef what) {
  return CheckIndicesOp::create(
      b, loc, indices.getType(), indices, b.getI64IntegerAttr(lower),
      b.getI64IntegerAttr(upper),
      allow ? b.getI64IntegerAttr(*allow) : IntegerAttr(),
      nondecreasing ? b.getUnitAttr() : UnitAttr(), b.getStringAttr(what));
}

/// The mask's run-time operands, with the key block lists of dynamic block
/// sparsity checked (an entry past the key blocks would silently match
/// nothing, where the reference reports it).
SmallVector<Value> checkedMaskArgs(OpBuilder &b, Location loc,
                                   MaskAttrInterface mask, ValueRange args,
                                   int64_t numKeys) {
  SmallVector<Value> out;
  std::function<void(MaskAttrInterface, ValueRange)> visit =
      [&](MaskAttrInterface m, ValueRange a) {
        if (auto all = dyn_cast<AllOfMaskAttr>(m)) {
          for (Attribute part : all.getMasks()) {
            auto pm = cast<MaskAttrInterface>(part);
            unsigned n = pm.getNumRuntimeOperands();
            visit(pm, a.take_front(n));
            a = a.drop_front(n);
          }
          return;
        }
        auto dyn = dyn_cast<DynamicBlockSparseMaskAttr>(m);
        if (!dyn || ShapedType::isDynamic(numKeys)) {
          out.append(a.begin(), a.end());
          return;
        }
        int64_t blocks = (numKeys + dyn.getBlockK() - 1) / dyn.getBlockK();
        out.push_back(checked(b, loc, a[0], 0, blocks, -1, false,
                              "key block indices of the dynamic_block_sparse "
                              "mask"));
      };
  visit(mask, args);
  return out;
}

/// Scalar conversion to the einsum's element type (inputs of another
/// precision, e.g. f16 weights contracted into an f32 result).
Value castTo(OpBuilder &b, Location loc, Value v, Type to) {
  Type from = v.getType();
  if (from == to)
    return v;
  if (isFloat(from) && isFloat(to))
    return from.getIntOrFloatBitWidth() < to.getIntOrFloatBitWidth()
               ? Value(arith::ExtFOp::create(b, loc, to, v))
               : Value(arith::TruncFOp::create(b, loc, to, v));
  if (isFloat(to))
    return arith::SIToFPOp::create(b, loc, to, v);
  if (isFloat(from))
    return arith::FPToSIOp::create(b, loc, to, v);
  return from.getIntOrFloatBitWidth() < to.getIntOrFloatBitWidth()
             ? Value(arith::ExtSIOp::create(b, loc, to, v))
             : Value(arith::TruncIOp::create(b, loc, to, v));
}

Value combine(OpBuilder &b, Location loc, MapKind kind, Value x, Value y) {
  bool f = isFloat(x.getType());
  switch (kind) {
  case MapKind::mul:
    return f ? Value(arith::MulFOp::create(b, loc, x, y))
             : Value(arith::MulIOp::create(b, loc, x, y));
  case MapKind::add:
    return f ? Value(arith::AddFOp::create(b, loc, x, y))
             : Value(arith::AddIOp::create(b, loc, x, y));
  case MapKind::sub:
    return f ? Value(arith::SubFOp::create(b, loc, x, y))
             : Value(arith::SubIOp::create(b, loc, x, y));
  case MapKind::div:
    return f ? Value(arith::DivFOp::create(b, loc, x, y))
             : Value(arith::DivSIOp::create(b, loc, x, y));
  case MapKind::max:
    return f ? Value(arith::MaximumFOp::create(b, loc, x, y))
             : Value(arith::MaxSIOp::create(b, loc, x, y));
  case MapKind::min:
    return f ? Value(arith::MinimumFOp::create(b, loc, x, y))
             : Value(arith::MinSIOp::create(b, loc, x, y));
  }
  llvm_unreachable("map kind");
}

/// `shiftOnly`: a max whose NaNs need not propagate (kSoftmaxShiftAttr).
Value reduceInto(OpBuilder &b, Location loc, ReduceKind kind, Value acc,
                 Value v, bool shiftOnly = false) {
  switch (kind) {
  case ReduceKind::add:
    if (isFloat(acc.getType())) {
      // A sum may be reassociated (and fused with its product): that is
      // what lets the innermost reduction loop vectorize. The reference
      // sums in float64, so the order of f32 additions is not part of the
      // contract (docs/numerics.md).
      auto add = arith::AddFOp::create(b, loc, acc, v);
      add.setFastmath(arith::FastMathFlags::reassoc |
                      arith::FastMathFlags::contract);
      if (auto mul = v.getDefiningOp<arith::MulFOp>())
        mul.setFastmath(arith::FastMathFlags::contract);
      return add;
    }
    return combine(b, loc, MapKind::add, acc, v);
  case ReduceKind::max:
    if (shiftOnly && isFloat(acc.getType())) {
      // The max of the non-NaN values, as the microkernel's (of +0 and -0
      // either, which no exponential tells apart): on x86 a max, an
      // unordered compare and a blend, against IEEE maximum's 6 operations
      // (a compare-and-select became a compare and a masked store into the
      // accumulator, which the next key's load of it may wait on; both ran
      // the same on the Xeon, bench/RESULTS.md).
      return arith::MaxNumFOp::create(b, loc, acc, v);
    }
    return combine(b, loc, MapKind::max, acc, v);
  case ReduceKind::min:
    return combine(b, loc, MapKind::min, acc, v);
  case ReduceKind::none:
    break;
  }
  llvm_unreachable("reduce kind");
}

TypedAttr identityOf(Builder &b, ReduceKind kind, Type t) {
  if (auto ft = dyn_cast<FloatType>(t)) {
    const llvm::fltSemantics &sem = ft.getFloatSemantics();
    if (kind == ReduceKind::add)
      return b.getFloatAttr(t, APFloat::getZero(sem));
    return b.getFloatAttr(t, APFloat::getInf(sem, kind == ReduceKind::max));
  }
  unsigned w = t.getIntOrFloatBitWidth();
  if (kind == ReduceKind::add)
    return b.getIntegerAttr(t, 0);
  return b.getIntegerAttr(t, kind == ReduceKind::max
                                 ? APInt::getSignedMinValue(w)
                                 : APInt::getSignedMaxValue(w));
}

TypedAttr fillOf(Builder &b, Type t, double fill) {
  if (isa<FloatType>(t))
    return b.getFloatAttr(t, fill);
  return b.getIntegerAttr(t, static_cast<int64_t>(fill));
}

/// The size of every index letter, as a Value at the op.
struct IndexSizes {
  llvm::DenseMap<char, Value> values;
  llvm::DenseMap<char, int64_t> statics;
};

IndexSizes indexSizes(OpBuilder &b, Location loc, EinsumOp op,
                      const EinsumOp::Indices &indices) {
  IndexSizes sizes;
  for (auto [input, names] : llvm::zip(op.getInputs(), indices.inputs)) {
    auto type = cast<RankedTensorType>(input.getType());
    for (auto [d, c] : llvm::enumerate(names)) {
      int64_t s = type.getDimSize(d);
      if (sizes.values.count(c) && !ShapedType::isDynamic(sizes.statics[c]))
        continue;
      sizes.statics[c] = s;
      sizes.values[c] = ShapedType::isDynamic(s)
                            ? Value(tensor::DimOp::create(b, loc, input, d))
                            : indexConst(b, loc, s);
    }
  }
  return sizes;
}

/// Loop order: result indices outermost, reduced ones next, and innermost
/// the index that is the last (contiguous) dimension of the most operands,
/// so that the innermost loop walks memory with unit stride.
std::string iterationOrder(const EinsumOp::Indices &indices,
                           StringRef reduced) {
  std::string all = indices.result + reduced.str();
  char inner = 0;
  int best = -1;
  for (char c : all) {
    int score = (!indices.result.empty() && indices.result.back() == c);
    for (const std::string &in : indices.inputs)
      score += !in.empty() && in.back() == c;
    if (score > best) {
      best = score;
      inner = c;
    }
  }
  std::string order;
  for (char c : all)
    if (c != inner)
      order.push_back(c);
  if (inner)
    order.push_back(inner);
  return order;
}

AffineMap mapFor(MLIRContext *ctx, StringRef order, StringRef names) {
  SmallVector<AffineExpr> exprs;
  for (char c : names)
    exprs.push_back(getAffineDimExpr(order.find(c), ctx));
  return AffineMap::get(order.size(), 0, exprs, ctx);
}

/// Coordinate of a mask side: origin + row-major coordinate over `group`.
Value maskCoordinate(OpBuilder &b, Location loc, StringRef order,
                     StringRef group, const IndexSizes &sizes, Value origin) {
  Value coord = indexConst(b, loc, 0);
  for (char c : group) {
    coord = arith::MulIOp::create(b, loc, coord, sizes.values.lookup(c));
    coord = arith::AddIOp::create(
        b, loc, coord, linalg::IndexOp::create(b, loc, order.find(c)));
  }
  if (origin)
    coord = arith::AddIOp::create(b, loc, coord, origin);
  return coord;
}

/// The length to allocate rows of `n` floats with so that a column of them
/// falls on all of the L1 cache's sets: an odd number of 64-byte lines. A
/// column of rows of 128 floats (512 bytes) falls on 8 of 64 sets, so the
/// 128 lines that a column-major A's row block reads cannot stay in a 12-way
/// L1 while the blocks below it read them again. 0: no padding needed.
int64_t paddedRowLength(int64_t n) {
  constexpr int64_t lineFloats = 16;
  if (n < 4 * lineFloats || n % lineFloats != 0 || (n / lineFloats) % 2 != 0)
    return 0;
  return n + lineFloats;
}

/// The tensor an einsum's generic writes: empty, or a slice of a tensor
/// with longer rows where the einsum is marked with kPaddedRowAttr (only
/// static shapes are, see markPaddedRows).
Value emptyResult(OpBuilder &b, EinsumOp op, RankedTensorType type,
                  ValueRange dynSizes) {
  Location loc = op.getLoc();
  auto padded = op->getAttrOfType<IntegerAttr>(kPaddedRowAttr);
  if (!padded)
    return tensor::EmptyOp::create(b, loc, type, dynSizes);
  assert(type.hasStaticShape() && "markPaddedRows marks static shapes only");
  SmallVector<int64_t> shape(type.getShape());
  shape.back() = padded.getInt();
  Value whole = tensor::EmptyOp::create(b, loc, shape, type.getElementType());
  SmallVector<OpFoldResult> offsets(type.getRank(), b.getIndexAttr(0));
  SmallVector<OpFoldResult> strides(type.getRank(), b.getIndexAttr(1));
  SmallVector<OpFoldResult> sizes =
      getAsIndexOpFoldResult(b.getContext(), type.getShape());
  return tensor::ExtractSliceOp::create(b, loc, type, whole, offsets, sizes,
                                        strides);
}

/// Marks (kPaddedRowAttr) the einsums whose results are the column-major A of
/// a microkernel product, where their rows' length needs padding.
void markPaddedRows(Operation *root) {
  root->walk([](EinsumOp op) {
    FailureOr<MatmulShape> m = matchMatmul(op);
    if (failed(m) || !m->transA)
      return;
    auto producer = m->a.getDefiningOp<EinsumOp>();
    auto type = cast<RankedTensorType>(m->a.getType());
    // (A product's result is the microkernel's contiguous C.)
    if (!producer || producer.getIterate() ||
        succeeded(matchMatmul(producer)) || !type.getElementType().isF32() ||
        !type.hasStaticShape() || type.getRank() < 2)
      return;
    if (int64_t padded = paddedRowLength(type.getShape().back()))
      producer->setAttr(
          kPaddedRowAttr,
          IntegerAttr::get(IndexType::get(op.getContext()), padded));
  });
}

struct EinsumToGeneric : OpRewritePattern<EinsumOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(EinsumOp op,
                                PatternRewriter &rewriter) const override {
    if (op.getIterate())
      return failure();
    Location loc = op.getLoc();
    EinsumOp::Indices indices = op.getIndices();
    std::string reduced = op.getReducedIndices();
    std::string order = iterationOrder(indices, reduced);
    MLIRContext *ctx = op.getContext();
    auto resultType = cast<RankedTensorType>(op.getResult().getType());
    Type elt = resultType.getElementType();
    std::optional<ReduceKind> reduce = op.getReduce();
    bool reduces = reduce && *reduce != ReduceKind::none;

    IndexSizes sizes = indexSizes(rewriter, loc, op, indices);
    SmallVector<Value> dynSizes;
    for (auto [d, c] : llvm::enumerate(indices.result))
      if (resultType.isDynamicDim(d))
        dynSizes.push_back(sizes.values.lookup(c));
    Value init = emptyResult(rewriter, op, resultType, dynSizes);
    if (reduces) {
      Value identity = arith::ConstantOp::create(
          rewriter, loc, identityOf(rewriter, *reduce, elt));
      init = linalg::FillOp::create(rewriter, loc, identity, init).getResult(0);
    }

    // Values the body needs from outside, computed before the generic.
    Value numQueries, numKeys, queryOrigin, keyOrigin;
    std::string queryGroup, keyGroup;
    if (auto mask = op.getMask()) {
      queryGroup = op.getMaskQuery()->str();
      keyGroup = op.getMaskKey()->str();
      auto groupSize = [&](StringRef group) {
        Value n = indexConst(rewriter, loc, 1);
        for (char c : group)
          n = arith::MulIOp::create(rewriter, loc, n, sizes.values.lookup(c));
        return n;
      };
      SmallVector<OpFoldResult> extent = op.getMixedMaskExtent();
      if (!extent.empty()) {
        numQueries = getValueOrCreateConstantIndexOp(rewriter, loc, extent[0]);
        numKeys = getValueOrCreateConstantIndexOp(rewriter, loc, extent[1]);
      } else {
        numQueries = groupSize(queryGroup);
        numKeys = groupSize(keyGroup);
      }
      if (!op.getMaskOrigin().empty()) {
        queryOrigin = op.getMaskOrigin()[0];
        keyOrigin = op.getMaskOrigin()[1];
      }
    }
    SmallVector<Value> maskArgs(op.getMaskArgs());
    if (auto mask = op.getMask(); mask && op.getMaskOrigin().empty()) {
      int64_t keys = ShapedType::kDynamic;
      if (auto extent = op.getMaskExtent())
        keys = (*extent)[1];
      else {
        keys = 1;
        for (char c : keyGroup)
          keys = ShapedType::isDynamic(sizes.statics[c]) ||
                         ShapedType::isDynamic(keys)
                     ? ShapedType::kDynamic
                     : keys * sizes.statics[c];
      }
      maskArgs = checkedMaskArgs(rewriter, loc, *mask, op.getMaskArgs(), keys);
    }
    llvm::DenseMap<char, Value> origins;
    if (auto origin = op.getOrigin())
      for (auto [c, v] : llvm::zip(*origin, op.getOriginOffsets()))
        origins[c] = v;

    SmallVector<AffineMap> maps;
    for (const std::string &names : indices.inputs)
      maps.push_back(mapFor(ctx, order, names));
    maps.push_back(mapFor(ctx, order, indices.result));
    SmallVector<utils::IteratorType> iterators;
    for (char c : order)
      iterators.push_back(llvm::is_contained(reduced, c)
                              ? utils::IteratorType::reduction
                              : utils::IteratorType::parallel);

    bool failedBody = false;
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{resultType}, op.getInputs(), ValueRange{init},
        maps, iterators,
        [&](OpBuilder &b, Location l, ValueRange args) {
          ValueRange elems = args.drop_back();
          Value acc = args.back();
          Value value;
          if (op.getBody().empty()) {
            value = op.getMap()
                        ? combine(b, l, *op.getMap(),
                                  castTo(b, l, elems[0], elt),
                                  castTo(b, l, elems[1], elt))
                        : castTo(b, l, elems[0], elt);
          } else {
            IRMapping mapping;
            Block &body = op.getBody().front();
            mapping.map(body.getArguments(), elems);
            for (Operation &inner : body.without_terminator()) {
              if (auto coord = dyn_cast<CoordOp>(inner)) {
                char c = coord.getName()[0];
                Value idx = linalg::IndexOp::create(b, l, order.find(c));
                if (Value off = origins.lookup(c))
                  idx = arith::AddIOp::create(b, l, idx, off);
                mapping.map(coord.getResult(), idx);
                continue;
              }
              b.clone(inner, mapping);
            }
            value = castTo(b, l,
                           mapping.lookup(body.getTerminator()->getOperand(0)),
                           elt);
          }
          Value result = reduces ? reduceInto(b, l, *reduce, acc, value,
                                              op->hasAttr(kSoftmaxShiftAttr))
                                 : value;
          if (auto mask = op.getMask()) {
            Value q = maskCoordinate(b, l, order, queryGroup, sizes,
                                     queryOrigin);
            Value k =
                maskCoordinate(b, l, order, keyGroup, sizes, keyOrigin);
            FailureOr<Value> keep = buildMaskPredicate(
                b, l, *mask, q, k, numQueries, numKeys, maskArgs);
            if (failed(keep)) {
              failedBody = true;
              linalg::YieldOp::create(b, l, result);
              return;
            }
            using P = arith::CmpIPredicate;
            Value inside = arith::AndIOp::create(
                b, l, cmp(b, l, P::slt, q, numQueries),
                cmp(b, l, P::slt, k, numKeys));
            Value kept = arith::AndIOp::create(b, l, inside, *keep);
            Value otherwise =
                reduces ? acc
                        : Value(arith::ConstantOp::create(
                              b, l, fillOf(b, elt, op.getFill()
                                                       ? op.getFill()->convertToDouble()
                                                       : -INFINITY)));
            result = arith::SelectOp::create(b, l, kept, result, otherwise);
          }
          linalg::YieldOp::create(b, l, result);
        });
    if (failedBody) {
      rewriter.eraseOp(generic);
      return rewriter.notifyMatchFailure(op, "mask without a lowering");
    }
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

/// Removes letter `c` from a spec's index lists.
std::string without(StringRef names, char c) {
  std::string out;
  for (char x : names)
    if (x != c)
      out.push_back(x);
  return out;
}

/// Slice `v` at `pos` along `dim`, dropping the dimension.
/// Entry `pos` of dimension `dim` of `v`, that dimension dropped. The slice
/// keeps the unit dimension and a reshape drops it: a rank-reducing slice
/// of a shape with other unit dimensions is ambiguous, and with run-time
/// sizes the canonicalizer picked the wrong one.
Value sliceAt(OpBuilder &b, Location loc, Value v, int64_t dim, Value pos) {
  auto type = cast<RankedTensorType>(v.getType());
  SmallVector<OpFoldResult> offsets, sizes, strides;
  SmallVector<int64_t> shape, kept;
  for (int64_t d = 0; d < type.getRank(); ++d) {
    strides.push_back(b.getIndexAttr(1));
    if (d == dim) {
      offsets.push_back(pos);
      sizes.push_back(b.getIndexAttr(1));
      kept.push_back(1);
      continue;
    }
    offsets.push_back(b.getIndexAttr(0));
    sizes.push_back(tensor::getMixedSize(b, loc, v, d));
    shape.push_back(type.getDimSize(d));
    kept.push_back(type.getDimSize(d));
  }
  Value slice = tensor::ExtractSliceOp::create(
      b, loc, RankedTensorType::get(kept, type.getElementType()), v, offsets,
      sizes, strides);
  return tensor::CollapseShapeOp::create(
      b, loc, RankedTensorType::get(shape, type.getElementType()), slice,
      unitDimGroups(static_cast<int64_t>(shape.size()), dim));
}

/// `slice` (dimension `dim` dropped) written as entry `pos` of that
/// dimension of `into`; the unit dimension is put back first (see sliceAt).
Value insertAt(OpBuilder &b, Location loc, Value slice, Value into,
               int64_t dim, Value pos) {
  auto type = cast<RankedTensorType>(into.getType());
  auto sliceType = cast<RankedTensorType>(slice.getType());
  SmallVector<OpFoldResult> offsets, sizes, strides, outputShape;
  SmallVector<int64_t> kept;
  for (int64_t d = 0; d < type.getRank(); ++d) {
    strides.push_back(b.getIndexAttr(1));
    offsets.push_back(d == dim ? OpFoldResult(pos) : b.getIndexAttr(0));
    sizes.push_back(d == dim ? b.getIndexAttr(1)
                             : tensor::getMixedSize(b, loc, into, d));
    int64_t from = d < dim ? d : d - 1;
    kept.push_back(d == dim ? 1 : sliceType.getDimSize(from));
    outputShape.push_back(d == dim ? b.getIndexAttr(1)
                                   : tensor::getMixedSize(b, loc, slice, from));
  }
  Value expanded = tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get(kept, type.getElementType()), slice,
      unitDimGroups(sliceType.getRank(), dim), outputShape);
  return tensor::InsertSliceOp::create(b, loc, expanded, into, offsets, sizes,
                                       strides);
}

/// result[n = 0] = init; result[n + 1] = map(result[n], inputs[n]).
struct IterativeEinsumToLoop : OpRewritePattern<EinsumOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(EinsumOp op,
                                PatternRewriter &rewriter) const override {
    char n = op.getIterativeIndex();
    if (!n)
      return failure();
    Location loc = op.getLoc();
    EinsumOp::Indices indices = op.getIndices();
    auto resultType = cast<RankedTensorType>(op.getResult().getType());
    int64_t resultDim = indices.result.find(n);
    // Steps: the size of n in the inputs (the result has one more).
    Value steps;
    for (auto [input, names] : llvm::zip(op.getInputs(), indices.inputs))
      if (size_t d = names.find(n); d != std::string::npos) {
        auto type = cast<RankedTensorType>(input.getType());
        steps = type.isDynamicDim(d)
                    ? Value(tensor::DimOp::create(rewriter, loc, input, d))
                    : indexConst(rewriter, loc, type.getDimSize(d));
        break;
      }
    if (!steps)
      return rewriter.notifyMatchFailure(op, "iterative index in no input");
    SmallVector<Value> dynSizes;
    for (int64_t d = 0; d < resultType.getRank(); ++d)
      if (resultType.isDynamicDim(d))
        dynSizes.push_back(
            d == resultDim
                ? Value(arith::AddIOp::create(rewriter, loc, steps,
                                              indexConst(rewriter, loc, 1)))
                : Value(tensor::DimOp::create(rewriter, loc, op.getInit(),
                                              d - (d > resultDim))));
    Value result =
        tensor::EmptyOp::create(rewriter, loc, resultType, dynSizes);
    result = insertAt(rewriter, loc, op.getInit(), result, resultDim,
                      indexConst(rewriter, loc, 0));

    std::string stateNames = without(indices.result, n);
    auto loop = scf::ForOp::create(
        rewriter, loc, indexConst(rewriter, loc, 0), steps,
        indexConst(rewriter, loc, 1), ValueRange{result},
        [&](OpBuilder &b, Location l, Value i, ValueRange iter) {
          Value state = sliceAt(b, l, iter[0], resultDim, i);
          SmallVector<Value> inputs{state};
          std::string spec = stateNames;
          for (auto [input, names] : llvm::zip(op.getInputs(), indices.inputs)) {
            size_t d = names.find(n);
            inputs.push_back(d == std::string::npos
                                 ? input
                                 : sliceAt(b, l, input, d, i));
            spec += "," + without(names, n);
          }
          spec += "->" + stateNames;
          auto step = EinsumOp::create(b, l, state.getType(), spec, inputs,
                                       std::nullopt, std::nullopt);
          IRMapping mapping;
          op.getBody().cloneInto(&step.getBody(), mapping);
          if (auto origin = op.getOrigin()) {
            step.setOriginAttr(b.getStringAttr(without(*origin, n)));
            SmallVector<Value> offsets;
            for (auto [c, v] : llvm::zip(*origin, op.getOriginOffsets()))
              if (c != n)
                offsets.push_back(v);
            step.getOriginOffsetsMutable().assign(offsets);
          }
          // The iterative coordinate is the step number (plus its origin).
          Value nCoord = i;
          if (auto origin = op.getOrigin())
            if (size_t p = origin->find(n); p != StringRef::npos)
              nCoord = arith::AddIOp::create(b, l, i,
                                             op.getOriginOffsets()[p]);
          // The step's region is isolated: pass n's coordinate through the
          // origin of a letter-less coordinate is not possible, so rewrite
          // coord "n" as an extra input broadcast from a 0-d tensor.
          SmallVector<CoordOp> coords;
          step.getBody().walk([&](CoordOp c) {
            if (c.getName()[0] == n)
              coords.push_back(c);
          });
          if (!coords.empty()) {
            Value asTensor = tensor::FromElementsOp::create(
                b, l, RankedTensorType::get({}, b.getIndexType()), nCoord);
            step.getInputsMutable().append(asTensor);
            auto parsed = *EinsumOp::parseSpec(step.getSpec());
            std::string newSpec;
            for (const std::string &in : parsed.inputs)
              newSpec += in + ",";
            newSpec += "->" + parsed.result;
            step.setSpec(newSpec);
            Block &body = step.getBody().front();
            Value arg = body.addArgument(b.getIndexType(), l);
            for (CoordOp c : coords) {
              c.getResult().replaceAllUsesWith(arg);
              c.erase();
            }
          }
          Value next = insertAt(b, l, step.getResult(), iter[0], resultDim,
                                arith::AddIOp::create(b, l, i,
                                                      indexConst(b, l, 1)));
          scf::YieldOp::create(b, l, next);
        });
    rewriter.replaceOp(op, loop.getResult(0));
    return success();
  }
};

/// Contracts each group's segment of rows with its weights.
struct GroupedEinsumToLoop : OpRewritePattern<GroupedEinsumOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(GroupedEinsumOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    EinsumOp::Indices indices = *EinsumOp::parseSpec(op.getSpec());
    auto resultType = cast<RankedTensorType>(op.getResult().getType());
    Type elt = resultType.getElementType();
    if (resultType.hasStaticShape() == false)
      return rewriter.notifyMatchFailure(op, "dynamic result shape");
    Value zeros = linalg::FillOp::create(
                      rewriter, loc,
                      arith::ConstantOp::create(
                          rewriter, loc, identityOf(rewriter, ReduceKind::add,
                                                    elt))
                          .getResult(),
                      tensor::EmptyOp::create(rewriter, loc,
                                              resultType.getShape(), elt)
                          .getResult())
                      .getResult(0);
    auto firstWeight = cast<RankedTensorType>(op.getWeights()[0].getType());
    int64_t groups = firstWeight.getDimSize(0);
    std::string rhsNames = indices.inputs[1].substr(1);
    std::string contractSpec =
        indices.inputs[0] + "," + rhsNames + "->" + indices.result;
    // Segments must be in order and within the rows: a bad offset would
    // read or write outside them.
    int64_t rows = cast<RankedTensorType>(op.getLhs().getType()).getDimSize(0);
    Value offsets =
        ShapedType::isDynamic(rows)
            ? op.getOffsets()
            : checked(rewriter, loc, op.getOffsets(), 0, rows + 1,
                      std::nullopt, true, "'offsets' of cascade.grouped_einsum");
    auto loop = scf::ForOp::create(
        rewriter, loc, indexConst(rewriter, loc, 0),
        indexConst(rewriter, loc, groups), indexConst(rewriter, loc, 1),
        ValueRange{zeros},
        [&](OpBuilder &b, Location l, Value g, ValueRange iter) {
          Value begin = readAsIndex(b, l, offsets, g);
          Value end = readAsIndex(
              b, l, offsets,
              arith::AddIOp::create(b, l, g, indexConst(b, l, 1)).getResult());
          Value rows = arith::SubIOp::create(b, l, end, begin);
          auto lhsType = cast<RankedTensorType>(op.getLhs().getType());
          SmallVector<OpFoldResult> offsets(lhsType.getRank(),
                                            b.getIndexAttr(0)),
              sizes, strides(lhsType.getRank(), b.getIndexAttr(1));
          offsets[0] = begin;
          for (int64_t d = 0; d < lhsType.getRank(); ++d)
            sizes.push_back(d == 0 ? OpFoldResult(rows)
                                   : b.getIndexAttr(lhsType.getDimSize(d)));
          SmallVector<int64_t> segShape(lhsType.getShape());
          segShape[0] = ShapedType::kDynamic;
          Value segment = tensor::ExtractSliceOp::create(
              b, l, RankedTensorType::get(segShape, lhsType.getElementType()),
              op.getLhs(), offsets, sizes, strides);
          SmallVector<int64_t> partShape(resultType.getShape());
          partShape[0] = ShapedType::kDynamic;
          auto partType = RankedTensorType::get(partShape, elt);
          SmallVector<Value> parts;
          for (Value w : op.getWeights()) {
            Value slice = sliceAt(b, l, w, 0, g);
            bool reducesAny = false;
            for (char c : indices.inputs[0] + rhsNames)
              reducesAny |= !llvm::is_contained(indices.result, c);
            parts.push_back(EinsumOp::create(
                b, l, partType, contractSpec, ValueRange{segment, slice},
                MapKind::mul,
                reducesAny ? std::optional(ReduceKind::add) : std::nullopt));
          }
          Value part = parts[0];
          if (!op.getEpilogue().empty()) {
            std::string spec;
            for (size_t i = 0; i < parts.size(); ++i)
              spec += (i ? "," : "") + indices.result;
            spec += "->" + indices.result;
            auto epilogue = EinsumOp::create(b, l, partType, spec, parts,
                                             std::nullopt, std::nullopt);
            IRMapping mapping;
            op.getEpilogue().cloneInto(&epilogue.getBody(), mapping);
            part = epilogue.getResult();
          }
          SmallVector<OpFoldResult> outOffsets(resultType.getRank(),
                                               b.getIndexAttr(0)),
              outSizes, outStrides(resultType.getRank(), b.getIndexAttr(1));
          outOffsets[0] = begin;
          for (int64_t d = 0; d < resultType.getRank(); ++d)
            outSizes.push_back(d == 0
                                   ? OpFoldResult(rows)
                                   : b.getIndexAttr(resultType.getDimSize(d)));
          Value next = tensor::InsertSliceOp::create(
              b, l, part, iter[0], outOffsets, outSizes, outStrides);
          scf::YieldOp::create(b, l, next);
        });
    rewriter.replaceOp(op, loop.getResult(0));
    return success();
  }
};

/// Classes of blocks for masks only known at run time: over every point of
/// a block, bit 0 collects "kept" and bit 1 "dropped"; then 1 -> full,
/// 2 -> empty, 3 -> partial. A run-time extent (sequence lengths) gives a
/// table of run-time size.
struct ClassifyBlocksToGeneric : OpRewritePattern<ClassifyBlocksOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(ClassifyBlocksOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = op.getContext();
    auto resultType = cast<RankedTensorType>(op.getClasses().getType());
    Type i8 = rewriter.getI8Type();
    int64_t bq = op.getBlock()[0], bk = op.getBlock()[1];
    int64_t numK = op.getExtent()[1];
    SmallVector<OpFoldResult> extent =
        getMixedValues(op.getExtent(), op.getDynamicExtent(), rewriter);
    // Key block lists of a dynamic block-sparse mask are checked against a
    // static number of keys only.
    if (ShapedType::isDynamic(numK) && !op.getMaskArgs().empty())
      return rewriter.notifyMatchFailure(op, "run-time extent with mask args");
    // The table's run-time sizes: ceil(extent / block).
    SmallVector<Value> tableSizes;
    for (int d = 0; d < 2; ++d)
      if (resultType.isDynamicDim(d))
        tableSizes.push_back(arith::CeilDivUIOp::create(
            rewriter, loc,
            getValueOrCreateConstantIndexOp(rewriter, loc, extent[d]),
            indexConst(rewriter, loc, op.getBlock()[d])));
    auto bitsType = RankedTensorType::get(resultType.getShape(), i8);
    Value zero8 = arith::ConstantIntOp::create(rewriter, loc, i8, 0);
    Value bits = linalg::FillOp::create(rewriter, loc, zero8,
                                        tensor::EmptyOp::create(
                                            rewriter, loc, bitsType, tableSizes)
                                            .getResult())
                     .getResult(0);
    // A dummy operand gives the in-block dimensions their sizes.
    Value inBlock = tensor::EmptyOp::create(rewriter, loc,
                                            ArrayRef<int64_t>{bq, bk}, i8);
    auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
    SmallVector<AffineMap> maps{AffineMap::get(4, 0, {d(2), d(3)}, ctx),
                                AffineMap::get(4, 0, {d(0), d(1)}, ctx)};
    SmallVector<utils::IteratorType> iterators{
        utils::IteratorType::parallel, utils::IteratorType::parallel,
        utils::IteratorType::reduction, utils::IteratorType::reduction};
    SmallVector<Value> maskArgs =
        checkedMaskArgs(rewriter, loc, op.getMask(), op.getMaskArgs(), numK);
    bool failedBody = false;
    auto collect = linalg::GenericOp::create(
        rewriter, loc, TypeRange{bitsType}, ValueRange{inBlock},
        ValueRange{bits}, maps, iterators,
        [&](OpBuilder &b, Location l, ValueRange args) {
          using P = arith::CmpIPredicate;
          auto coord = [&](unsigned blockDim, unsigned inDim, int64_t size) {
            Value v = arith::MulIOp::create(
                b, l, linalg::IndexOp::create(b, l, blockDim),
                indexConst(b, l, size));
            return arith::AddIOp::create(
                       b, l, v, linalg::IndexOp::create(b, l, inDim))
                .getResult();
          };
          Value q = coord(0, 2, bq), k = coord(1, 3, bk);
          Value nq = getValueOrCreateConstantIndexOp(b, l, extent[0]),
                nk = getValueOrCreateConstantIndexOp(b, l, extent[1]);
          FailureOr<Value> keep =
              buildMaskPredicate(b, l, op.getMask(), q, k, nq, nk, maskArgs);
          if (failed(keep)) {
            failedBody = true;
            linalg::YieldOp::create(b, l, args[1]);
            return;
          }
          Value inside = arith::AndIOp::create(b, l, cmp(b, l, P::slt, q, nq),
                                               cmp(b, l, P::slt, k, nk));
          Value bit = arith::SelectOp::create(
              b, l, *keep, arith::ConstantIntOp::create(b, l, i8, 1),
              arith::ConstantIntOp::create(b, l, i8, 2));
          bit = arith::SelectOp::create(b, l, inside, bit,
                                        arith::ConstantIntOp::create(b, l, i8, 0));
          linalg::YieldOp::create(b, l,
                                  arith::OrIOp::create(b, l, args[1], bit)
                                      .getResult());
        });
    if (failedBody) {
      rewriter.eraseOp(collect);
      return rewriter.notifyMatchFailure(op, "mask without a lowering");
    }
    auto id = AffineMap::getMultiDimIdentityMap(2, ctx);
    auto classes = linalg::GenericOp::create(
        rewriter, loc, TypeRange{resultType}, ValueRange{collect.getResult(0)},
        ValueRange{
            tensor::EmptyOp::create(rewriter, loc, resultType, tableSizes)
                .getResult()},
        SmallVector<AffineMap>{id, id},
        SmallVector<utils::IteratorType>(2, utils::IteratorType::parallel),
        [&](OpBuilder &b, Location l, ValueRange args) {
          using P = arith::CmpIPredicate;
          Value v = args[0];
          Value full = cmp(b, l, P::eq, v, arith::ConstantIntOp::create(b, l, i8, 1));
          Value empty =
              cmp(b, l, P::eq, v, arith::ConstantIntOp::create(b, l, i8, 2));
          Type out = resultType.getElementType();
          auto c = [&](int64_t x) -> Value {
            return arith::ConstantIntOp::create(b, l, out, x);
          };
          Value cls = arith::SelectOp::create(
              b, l, full, c(static_cast<int64_t>(BlockClass::Full)),
              c(static_cast<int64_t>(BlockClass::Partial)));
          cls = arith::SelectOp::create(
              b, l, empty, c(static_cast<int64_t>(BlockClass::Empty)), cls);
          linalg::YieldOp::create(b, l, cls);
        });
    rewriter.replaceOp(op, classes.getResult(0));
    return success();
  }
};

/// Groups the dimensions of `shape` so that each group holds one dimension
/// that is not 1 (unit dimensions join their neighbours): the reassociation
/// to the tensor of only the non-unit dimensions. Fails unless there are
/// exactly `want` of them.
FailureOr<SmallVector<ReassociationIndices>>
dropUnitDims(ArrayRef<int64_t> shape, int64_t want) {
  SmallVector<ReassociationIndices> groups;
  ReassociationIndices current;
  for (int64_t d = 0; d < static_cast<int64_t>(shape.size()); ++d) {
    current.push_back(d);
    if (shape[d] != 1) {
      groups.push_back(current);
      current.clear();
    }
  }
  if (static_cast<int64_t>(groups.size()) != want)
    return failure();
  if (!current.empty())
    groups.back().append(current.begin(), current.end());
  return groups;
}

/// `v` collapsed to its `want` dimensions that are not 1, as a strided
/// buffer: a tile read in place from its input is a strided view, and
/// copying it to a contiguous buffer would cost what the microkernel's own
/// packing does.
FailureOr<Value> stridedBufferOf(OpBuilder &b, Location loc, Value v,
                                 int64_t want) {
  auto type = cast<RankedTensorType>(v.getType());
  FailureOr<SmallVector<ReassociationIndices>> groups;
  if (want == 1 && type.getRank() > 0 && type.getNumElements() > 0 &&
      llvm::count_if(type.getShape(), [](int64_t n) { return n != 1; }) == 0) {
    // A single row: one group of unit dimensions.
    groups = SmallVector<ReassociationIndices>{
        llvm::to_vector(llvm::seq<int64_t>(0, type.getRank()))};
  } else {
    groups = dropUnitDims(type.getShape(), want);
  }
  if (failed(groups))
    return failure();
  Value flat = v;
  if (type.getRank() != want)
    flat = tensor::CollapseShapeOp::create(b, loc, v, *groups);
  auto flatType = cast<RankedTensorType>(flat.getType());
  SmallVector<int64_t> strides(want, ShapedType::kDynamic);
  auto layout =
      StridedLayoutAttr::get(b.getContext(), ShapedType::kDynamic, strides);
  return bufferization::ToBufferOp::create(
             b, loc,
             MemRefType::get(flatType.getShape(), flatType.getElementType(),
                             layout),
             flat, /*read_only=*/true)
      .getResult();
}

/// The panels of a B packed before a loop (its view of B, and the buffer of
/// panels), by the loop, B and whether B is used transposed: the products
/// that cascade-sink-into-block-branches clones into a step's branches read
/// the same B, packed once.
struct PackedB {
  Value view;
  Operation *buffer;
};
using PackedPanels = std::map<std::tuple<Operation *, void *, bool>, PackedB>;

/// Calls `kernel` (with "_packed" when B is packed before the loop, and the
/// operands' suffix, see operandSuffix) for the product `op` (matched as
/// `m`) with `beforeC` and
/// `afterC` around the fresh contiguous buffer C it writes, and the
/// transpose flags last; returns C as a tensor of `op`'s result type.
FailureOr<Value> emitMatmulCall(PatternRewriter &rewriter, EinsumOp op,
                                const MatmulShape &m, StringRef kernel,
                                ArrayRef<Value> beforeC, ArrayRef<Value> afterC,
                                PackedPanels &packedPanels) {
  Location loc = op.getLoc();
  auto resultType = cast<RankedTensorType>(op.getResult().getType());
  auto resultGroups = dropUnitDims(resultType.getShape(), 2);
  if (failed(resultGroups))
    return failure();
  // B the same in every step of the loop around the product (the queries
  // of an attention program whose scores are computed keys-first): packed
  // into the microkernel's panels once, before the loop, whose view of B
  // the call also takes (for B's sizes).
  FailureOr<Value> aBuffer = stridedBufferOf(rewriter, loc, m.a, 2);
  if (failed(aBuffer))
    return failure();
  Value packed;
  FailureOr<Value> bBuffer = failure();
  auto loop = op->getParentOfType<scf::ForOp>();
  auto bType = cast<RankedTensorType>(m.b.getType());
  // f32 products take panels of floats, bf16 x bf16 ones pairs of bf16
  // rows; a product of an f32 and a bf16 operand is not packed (the runtime
  // widens it to f32 per call).
  bool bf16 = isBf16Product(m);
  bool packable = !bf16 || operandSuffix(m) == "_bf16_bf16";
  auto key = std::make_tuple(loop.getOperation(), m.b.getAsOpaquePointer(),
                             static_cast<bool>(m.transB));
  auto earlier = packedPanels.find(key);
  // (Only if its buffer is still there, before the loop.)
  if (earlier != packedPanels.end() && loop &&
      llvm::none_of(loop->getBlock()->without_terminator(),
                    [&](Operation &o) { return &o == earlier->second.buffer; }))
    earlier = packedPanels.end();
  if (packable && earlier != packedPanels.end()) {
    bBuffer = earlier->second.view;
    packed = earlier->second.buffer->getResult(0);
  } else if (packable && loop && loop.isDefinedOutsideOfLoop(m.b) &&
             bType.hasStaticShape()) {
    OpBuilder::InsertPoint inLoop = rewriter.saveInsertionPoint();
    rewriter.setInsertionPoint(loop);
    FailureOr<Value> whole = stridedBufferOf(rewriter, loc, m.b, 2);
    if (failed(whole)) {
      rewriter.restoreInsertionPoint(inLoop);
      return failure();
    }
    bBuffer = whole;
    auto bShape = cast<MemRefType>(whole->getType()).getShape();
    int64_t depth = bShape[m.transB ? 1 : 0], n = bShape[m.transB ? 0 : 1];
    int64_t elements = bf16 ? cascade::abi::packedBf16Elements(depth, n)
                            : cascade::abi::packedFloats(depth, n);
    Type packedElement =
        bf16 ? Type(rewriter.getBF16Type()) : Type(rewriter.getF32Type());
    auto packedType = MemRefType::get({elements}, packedElement);
    StringRef packKernel =
        bf16 ? "cascade_rt_pack_b_bf16" : "cascade_rt_pack_b_f32";
    Value buffer =
        memref::AllocOp::create(rewriter, loc, packedType, ValueRange(),
                                rewriter.getI64IntegerAttr(64));
    if (failed(callRuntimeKernel(
            rewriter, op, packKernel,
            {*whole, buffer, i64Const(rewriter, loc, m.transB)}))) {
      rewriter.restoreInsertionPoint(inLoop);
      return failure();
    }
    Value panels = bufferization::ToTensorOp::create(
        rewriter, loc, RankedTensorType::get({elements}, packedElement), buffer,
        /*restrict=*/true, /*writable=*/true);
    rewriter.restoreInsertionPoint(inLoop);
    packedPanels[key] = {*whole, buffer.getDefiningOp()};
    packed = bufferization::ToBufferOp::create(rewriter, loc, packedType,
                                               panels, /*read_only=*/true);
  } else {
    bBuffer = stridedBufferOf(rewriter, loc, m.b, 2);
  }
  if (failed(bBuffer))
    return failure();
  SmallVector<int64_t> cShape;
  SmallVector<Value> dynSizes;
  for (const ReassociationIndices &group : *resultGroups) {
    int64_t n = 1;
    for (int64_t d : group)
      n = resultType.isDynamicDim(d) ? ShapedType::kDynamic
                                     : n * resultType.getDimSize(d);
    cShape.push_back(n);
  }
  // Dynamic sizes of C come from the operands' matching dimensions.
  auto dimOf = [&](Value buffer, bool transposed, bool rows) -> Value {
    int64_t d = (rows != transposed) ? 0 : 1;
    return memref::DimOp::create(rewriter, loc, buffer, d);
  };
  if (ShapedType::isDynamic(cShape[0]))
    dynSizes.push_back(dimOf(*aBuffer, m.transA, true));
  if (ShapedType::isDynamic(cShape[1]))
    dynSizes.push_back(dimOf(*bBuffer, m.transB, false));
  auto cType = MemRefType::get(cShape, rewriter.getF32Type());
  Value c = memref::AllocOp::create(rewriter, loc, cType, dynSizes,
                                    rewriter.getI64IntegerAttr(64));
  SmallVector<Value> args = {*aBuffer, *bBuffer};
  std::string name = kernel.str();
  if (packed) {
    args.push_back(packed);
    name += "_packed";
  }
  name += operandSuffix(m);
  args.append(beforeC.begin(), beforeC.end());
  args.push_back(c);
  args.append(afterC.begin(), afterC.end());
  args.push_back(i64Const(rewriter, loc, m.transA));
  args.push_back(i64Const(rewriter, loc, m.transB));
  if (failed(callRuntimeKernel(rewriter, op, name, args)))
    return failure();
  Value product = bufferization::ToTensorOp::create(
      rewriter, loc, RankedTensorType::get(cShape, rewriter.getF32Type()), c,
      /*restrict=*/true, /*writable=*/true);
  if (resultType.getRank() != 2)
    product = tensor::ExpandShapeOp::create(rewriter, loc, resultType, product,
                                            *resultGroups);
  return product;
}

/// An elementwise einsum that finishes a microkernel product (an einsum of
/// matrix shape read only here), done by the microkernel in registers as it
/// stores its blocks: `product * alpha` with alpha a constant (the scale of
/// attention scores), or `acc * s + product` with acc of the product's
/// shape and s one value per row (the rescaled running numerator of an
/// attention step). Either saves a pass over the tile.
struct MatmulEpilogue {
  EinsumOp product;
  MatmulShape shape;
  std::optional<float> alpha;
  Value acc, rowScale;
};

FailureOr<MatmulEpilogue> matchMatmulEpilogue(EinsumOp op) {
  if (op.getIterate() || op.getMask() || op.getBody().empty() ||
      !op.getReducedIndices().empty() ||
      !cast<RankedTensorType>(op.getResult().getType()).hasStaticShape())
    return failure();
  EinsumOp::Indices idx = op.getIndices();
  Block &body = op.getBody().front();
  auto yield = cast<YieldOp>(body.getTerminator());
  auto argIndex = [&](Value v) -> int {
    auto arg = dyn_cast<BlockArgument>(v);
    return arg && arg.getOwner() == &body ? arg.getArgNumber() : -1;
  };
  // The operand `i` as the product: read whole, from a contraction used
  // only here.
  MatmulEpilogue epi;
  auto isProduct = [&](int i) {
    if (i < 0 || idx.inputs[i] != idx.result)
      return false;
    Value v = op.getInputs()[i];
    auto producer = v.getDefiningOp<EinsumOp>();
    if (!producer || !v.hasOneUse() || v.getType() != op.getResult().getType())
      return false;
    FailureOr<MatmulShape> shape = matchMatmul(producer);
    if (failed(shape))
      return false;
    epi.product = producer;
    epi.shape = *shape;
    return true;
  };
  unsigned ops = body.getOperations().size();
  if (op.getInputs().size() == 1 && ops <= 3) {
    auto mul = yield.getOperand(0).getDefiningOp<arith::MulFOp>();
    if (!mul)
      return failure();
    for (int side = 0; side < 2; ++side) {
      FloatAttr value;
      if (isProduct(argIndex(mul->getOperand(side))) &&
          matchPattern(mul->getOperand(1 - side), m_Constant(&value))) {
        epi.alpha = static_cast<float>(value.getValueAsDouble());
        return epi;
      }
    }
    return failure();
  }
  if (op.getInputs().size() != 3 || ops != 3)
    return failure();
  auto add = yield.getOperand(0).getDefiningOp<arith::AddFOp>();
  if (!add)
    return failure();
  for (int side = 0; side < 2; ++side) {
    auto mul = add->getOperand(1 - side).getDefiningOp<arith::MulFOp>();
    if (!mul || !isProduct(argIndex(add->getOperand(side))))
      continue;
    int x = argIndex(mul.getLhs()), y = argIndex(mul.getRhs());
    if (x < 0 || y < 0)
      return failure();
    // acc: the product's indices and type; s: only the rows' index (others
    // of size 1).
    auto type = cast<RankedTensorType>(op.getResult().getType());
    char row = idx.result[epi.shape.rowDim];
    auto isRowScale = [&](int i) {
      auto t = cast<RankedTensorType>(op.getInputs()[i].getType());
      if (!t.getElementType().isF32() || t.getRank() == 0 ||
          t.getNumElements() != type.getDimSize(epi.shape.rowDim))
        return false;
      for (auto [d, c] : llvm::enumerate(idx.inputs[i]))
        if (c != row && t.getDimSize(d) != 1)
          return false;
      return true;
    };
    for (auto [accIn, scaleIn] : {std::pair{x, y}, std::pair{y, x}})
      if (idx.inputs[accIn] == idx.result &&
          op.getInputs()[accIn].getType() == type && isRowScale(scaleIn)) {
        epi.acc = op.getInputs()[accIn];
        epi.rowScale = op.getInputs()[scaleIn];
        return epi;
      }
    return failure();
  }
  return failure();
}

/// A contraction of matrix shape as a call of the microkernel, unless an
/// epilogue it feeds takes it (MatmulEpilogueToMicrokernel).
struct ContractionToMicrokernel : OpRewritePattern<EinsumOp> {
  ContractionToMicrokernel(MLIRContext *ctx, PackedPanels &packedPanels)
      : OpRewritePattern<EinsumOp>(ctx, /*benefit=*/2),
        packedPanels(packedPanels) {}
  PackedPanels &packedPanels;

  LogicalResult matchAndRewrite(EinsumOp op,
                                PatternRewriter &rewriter) const override {
    FailureOr<MatmulShape> shape = matchMatmul(op);
    if (failed(shape))
      return failure();
    if (op->hasOneUse())
      if (auto user = dyn_cast<EinsumOp>(*op->user_begin());
          user && succeeded(matchMatmulEpilogue(user)))
        return failure();
    FailureOr<Value> product = emitMatmulCall(
        rewriter, op, *shape, "cascade_rt_matmul", {}, {}, packedPanels);
    if (failed(product))
      return failure();
    rewriter.replaceOp(op, *product);
    return success();
  }
};

/// The product and its epilogue as one microkernel call:
/// cascade_rt_matmul_scaled_* (alpha) or cascade_rt_matmul_acc_* (acc * s +
/// product).
struct MatmulEpilogueToMicrokernel : OpRewritePattern<EinsumOp> {
  MatmulEpilogueToMicrokernel(MLIRContext *ctx, PackedPanels &packedPanels)
      : OpRewritePattern<EinsumOp>(ctx, /*benefit=*/3),
        packedPanels(packedPanels) {}
  PackedPanels &packedPanels;

  LogicalResult matchAndRewrite(EinsumOp op,
                                PatternRewriter &rewriter) const override {
    FailureOr<MatmulEpilogue> epi = matchMatmulEpilogue(op);
    if (failed(epi))
      return failure();
    Location loc = op.getLoc();
    FailureOr<Value> result;
    if (epi->alpha) {
      Value alpha = arith::ConstantOp::create(
          rewriter, loc, rewriter.getF32FloatAttr(*epi->alpha));
      result =
          emitMatmulCall(rewriter, epi->product, epi->shape,
                         "cascade_rt_matmul_scaled", {}, {alpha}, packedPanels);
    } else {
      FailureOr<Value> acc = stridedBufferOf(rewriter, loc, epi->acc, 2);
      FailureOr<Value> scale = stridedBufferOf(rewriter, loc, epi->rowScale, 1);
      if (failed(acc) || failed(scale))
        return failure();
      result = emitMatmulCall(rewriter, epi->product, epi->shape,
                              "cascade_rt_matmul_acc", {*acc, *scale}, {},
                              packedPanels);
    }
    if (failed(result))
      return failure();
    rewriter.replaceOp(op, *result);
    rewriter.eraseOp(epi->product);
    return success();
  }
};

/// A softmax's block max (kSoftmaxShiftAttr) over the rows of a microkernel
/// product, `product` or `product * alpha`: the keys-first scores of an
/// attention step, maxed over the keys for each query. The microkernel
/// takes it from its registers as it stores its blocks, instead of a pass
/// over the scores that reads them back.
struct ColumnMax {
  EinsumOp product;
  EinsumOp epilogue; // product * alpha, or null
  MatmulShape shape;
  float alpha = 1.0f;
};

FailureOr<ColumnMax> matchColumnMax(EinsumOp op) {
  if (!op->hasAttr(kSoftmaxShiftAttr) || op.getReduce() != ReduceKind::max ||
      op.getIterate() || op.getMask() || !op.getBody().empty() || op.getMap() ||
      op.getInputs().size() != 1)
    return failure();
  auto resultType = cast<RankedTensorType>(op.getResult().getType());
  Value scores = op.getInputs()[0];
  auto scoresType = cast<RankedTensorType>(scores.getType());
  if (!resultType.getElementType().isF32() || !resultType.hasStaticShape() ||
      !scoresType.hasStaticShape())
    return failure();
  auto producer = scores.getDefiningOp<EinsumOp>();
  if (!producer)
    return failure();
  ColumnMax cm;
  if (FailureOr<MatmulEpilogue> epi = matchMatmulEpilogue(producer);
      succeeded(epi) && epi->alpha) {
    cm.epilogue = producer;
    cm.product = epi->product;
    cm.shape = epi->shape;
    cm.alpha = *epi->alpha;
  } else if (FailureOr<MatmulShape> shape = matchMatmul(producer);
             succeeded(shape)) {
    cm.product = producer;
    cm.shape = *shape;
  } else {
    return failure();
  }
  // f32 products only (the bf16 ones have no such entry point), and the
  // max over C's rows alone (the product's other dimensions are units).
  if (isBf16Product(cm.shape))
    return failure();
  EinsumOp::Indices idx = op.getIndices();
  for (auto [d, c] : llvm::enumerate(idx.inputs[0])) {
    bool reduced = !llvm::is_contained(idx.result, c);
    if (static_cast<int64_t>(d) == cm.shape.rowDim ? !reduced
        : static_cast<int64_t>(d) == cm.shape.colDim
            ? reduced
            : scoresType.getDimSize(d) != 1)
      return failure();
  }
  if (resultType.getNumElements() != scoresType.getDimSize(cm.shape.colDim))
    return failure();
  return cm;
}

/// The product, its scale and the max over its rows as one microkernel call
/// (cascade_rt_matmul_scaled_colmax_*).
struct ColumnMaxToMicrokernel : OpRewritePattern<EinsumOp> {
  ColumnMaxToMicrokernel(MLIRContext *ctx, PackedPanels &packedPanels)
      : OpRewritePattern<EinsumOp>(ctx, /*benefit=*/3),
        packedPanels(packedPanels) {}
  PackedPanels &packedPanels;

  LogicalResult matchAndRewrite(EinsumOp op,
                                PatternRewriter &rewriter) const override {
    FailureOr<ColumnMax> cm = matchColumnMax(op);
    if (failed(cm))
      return failure();
    EinsumOp scores = cm->epilogue ? cm->epilogue : cm->product;
    Location loc = op.getLoc();
    // At the scores, which every reader of them follows.
    rewriter.setInsertionPoint(scores);
    int64_t n = cast<RankedTensorType>(scores.getResult().getType())
                    .getDimSize(cm->shape.colDim);
    auto maxType = MemRefType::get({n}, rewriter.getF32Type());
    Value colMax = memref::AllocOp::create(rewriter, loc, maxType, ValueRange(),
                                           rewriter.getI64IntegerAttr(64));
    Value alpha = arith::ConstantOp::create(
        rewriter, loc, rewriter.getF32FloatAttr(cm->alpha));
    FailureOr<Value> product = emitMatmulCall(
        rewriter, cm->product, cm->shape, "cascade_rt_matmul_scaled_colmax", {},
        {colMax, alpha}, packedPanels);
    if (failed(product))
      return failure();
    Value max = bufferization::ToTensorOp::create(
        rewriter, loc, RankedTensorType::get({n}, rewriter.getF32Type()),
        colMax, /*restrict=*/true, /*writable=*/true);
    auto resultType = cast<RankedTensorType>(op.getResult().getType());
    if (resultType.getRank() != 1) {
      ReassociationIndices all;
      for (int64_t d = 0; d < resultType.getRank(); ++d)
        all.push_back(d);
      max = tensor::ExpandShapeOp::create(rewriter, loc, resultType, max,
                                          ArrayRef<ReassociationIndices>{all});
    }
    rewriter.replaceOp(op, max);
    rewriter.replaceOp(scores, *product);
    if (cm->epilogue)
      rewriter.eraseOp(cm->product);
    return success();
  }
};

struct ConvertToLinalgPass
    : cascade::impl::CascadeConvertToLinalgBase<ConvertToLinalgPass> {
  using CascadeConvertToLinalgBase::CascadeConvertToLinalgBase;
  void runOnOperation() override {
    if (microkernels && padColumnMajorRows)
      markPaddedRows(getOperation());
    RewritePatternSet patterns(&getContext());
    patterns.add<EinsumToGeneric, IterativeEinsumToLoop, GroupedEinsumToLoop,
                 ClassifyBlocksToGeneric>(&getContext());
    PackedPanels packedPanels;
    if (microkernels)
      patterns.add<ContractionToMicrokernel, MatmulEpilogueToMicrokernel,
                   ColumnMaxToMicrokernel>(&getContext(), packedPanels);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    WalkResult left = getOperation()->walk([](Operation *op) {
      if (isa<EinsumOp, GroupedEinsumOp, ClassifyBlocksOp>(op)) {
        op->emitError() << "cascade-convert-to-linalg could not lower this "
                           "op (unsupported mask or shape)";
        return WalkResult::interrupt();
      }
      return WalkResult::advance();
    });
    if (left.wasInterrupted())
      signalPassFailure();
  }
};

} // namespace
