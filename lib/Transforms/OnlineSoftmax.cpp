//===- OnlineSoftmax.cpp - 3-pass softmax chain into the 1-pass form ------===//
//
// A general rewrite on cascades: any max -> exp -> sum -> divide -> contract
// chain over one rank, whatever produced the scores (masks, softcap, biases
// included), becomes FuseMax's 1-pass cascade with the rank partitioned into
// blocks and running state carried along an iterative rank.
//
//===----------------------------------------------------------------------===//

#include "cascade/Transforms/Passes.h"

#include "EinsumBuilder.h"

#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>

namespace cascade {
#define GEN_PASS_DEF_CASCADEONLINESOFTMAX
#include "cascade/Transforms/Passes.h.inc"
} // namespace cascade

using namespace mlir;
using namespace cascade;

namespace {

//===----------------------------------------------------------------------===//
// Matching the chain
//===----------------------------------------------------------------------===//

Value yieldedValue(EinsumOp op) {
  if (op.getBody().empty())
    return {};
  return cast<YieldOp>(op.getBody().front().getTerminator()).getValues()[0];
}

bool isFloatConstant(Value v, double expected) {
  FloatAttr attr;
  return matchPattern(v, m_Constant(&attr)) &&
         attr.getValueAsDouble() == expected;
}

/// Strips `select(guarded == guardValue, fallback, x)` down to x; returns
/// null for a select of another shape.
Value stripGuard(Value v, Value guarded, double guardValue, double fallback) {
  auto select = v.getDefiningOp<arith::SelectOp>();
  if (!select)
    return v;
  auto cmp = select.getCondition().getDefiningOp<arith::CmpFOp>();
  if (!cmp || cmp.getPredicate() != arith::CmpFPredicate::OEQ ||
      !isFloatConstant(select.getTrueValue(), fallback))
    return {};
  bool guards =
      (cmp.getLhs() == guarded && isFloatConstant(cmp.getRhs(), guardValue)) ||
      (cmp.getRhs() == guarded && isFloatConstant(cmp.getLhs(), guardValue));
  return guards ? select.getFalseValue() : Value();
}

/// Map region exp(a0 - a1), optionally guarded to 0 where a1 == -inf.
bool isExpOfDifference(EinsumOp op) {
  Value y = yieldedValue(op);
  if (!y || op.getBody().front().getNumArguments() != 2)
    return false;
  Block &block = op.getBody().front();
  y = stripGuard(y, block.getArgument(1), -INFINITY, 0.0);
  auto exp = y ? y.getDefiningOp<math::ExpOp>() : nullptr;
  auto sub = exp ? exp.getOperand().getDefiningOp<arith::SubFOp>() : nullptr;
  return sub && sub.getLhs() == block.getArgument(0) &&
         sub.getRhs() == block.getArgument(1);
}

/// map(div), or a region a0 / a1 optionally guarded to 0 where a1 == 0.
bool isDivision(EinsumOp op) {
  if (op.getBody().empty())
    return op.getMap() == MapKind::div;
  Value y = yieldedValue(op);
  Block &block = op.getBody().front();
  if (block.getNumArguments() != 2)
    return false;
  y = stripGuard(y, block.getArgument(1), 0.0, 0.0);
  auto div = y ? y.getDefiningOp<arith::DivFOp>() : nullptr;
  return div && div.getLhs() == block.getArgument(0) &&
         div.getRhs() == block.getArgument(1);
}

/// Map region a0 + log(a1).
bool isMaxPlusLogSum(EinsumOp op) {
  Value y = yieldedValue(op);
  if (!y || op.getBody().front().getNumArguments() != 2)
    return false;
  Block &block = op.getBody().front();
  auto add = y.getDefiningOp<arith::AddFOp>();
  auto log = add ? add.getRhs().getDefiningOp<math::LogOp>() : nullptr;
  return log && add.getLhs() == block.getArgument(0) &&
         log.getOperand() == block.getArgument(1);
}

bool isPlain(EinsumOp op) {
  return !op.getMask() && !op.getIterate() && op.getMaskArgs().empty();
}

std::string without(StringRef s, unsigned pos) {
  return (s.take_front(pos) + s.drop_front(pos + 1)).str();
}

/// `op` reduces one index of its single input with `kind` through the
/// identity map; returns that index's position.
std::optional<unsigned> singleReduction(EinsumOp op, ReduceKind kind) {
  if (!op || op.getInputs().size() != 1 || op.getMap() ||
      !op.getBody().empty() || !isPlain(op) || op.getReduce() != kind)
    return std::nullopt;
  EinsumOp::Indices idx = op.getIndices();
  const std::string &in = idx.inputs[0];
  for (unsigned k = 0; k < in.size(); ++k)
    if (without(in, k) == idx.result)
      return k;
  return std::nullopt;
}

/// `op` maps (X, X without position k) -> X, no reduction.
bool isRowBroadcast(EinsumOp op, unsigned k) {
  if (!op || op.getInputs().size() != 2 || !isPlain(op) ||
      (op.getReduce() && *op.getReduce() != ReduceKind::none))
    return false;
  EinsumOp::Indices idx = op.getIndices();
  return idx.result == idx.inputs[0] && k < idx.inputs[0].size() &&
         idx.inputs[1] == without(idx.inputs[0], k);
}

struct SoftmaxChain {
  EinsumOp rowMax, numer, denom, normalize, contract, lse;
  Value scores, values;
  unsigned scoreDim = 0, valueDim = 0, probsOperand = 0;
};

bool usersWithin(Value v, ArrayRef<Operation *> allowed) {
  return llvm::all_of(v.getUsers(), [&](Operation *user) {
    return llvm::is_contained(allowed, user);
  });
}

std::optional<SoftmaxChain> matchChain(EinsumOp contract) {
  if (contract.getInputs().size() != 2 || contract.getMap() != MapKind::mul ||
      contract.getReduce() != ReduceKind::add || !isPlain(contract))
    return std::nullopt;
  EinsumOp::Indices avIdx = contract.getIndices();
  for (unsigned ai = 0; ai < 2; ++ai) {
    SoftmaxChain c;
    c.contract = contract;
    c.probsOperand = ai;
    Value probs = contract.getInputs()[ai];
    c.normalize = probs.getDefiningOp<EinsumOp>();
    if (!c.normalize || !probs.hasOneUse() ||
        c.normalize.getInputs().size() != 2)
      continue;
    Value numerV = c.normalize.getInputs()[0];
    Value denomV = c.normalize.getInputs()[1];
    c.denom = denomV.getDefiningOp<EinsumOp>();
    std::optional<unsigned> k = singleReduction(c.denom, ReduceKind::add);
    if (!k || c.denom.getInputs()[0] != numerV ||
        !isRowBroadcast(c.normalize, *k) || !isDivision(c.normalize))
      continue;
    c.numer = numerV.getDefiningOp<EinsumOp>();
    if (!isRowBroadcast(c.numer, *k) || !isExpOfDifference(c.numer))
      continue;
    c.scores = c.numer.getInputs()[0];
    Value maxV = c.numer.getInputs()[1];
    c.rowMax = maxV.getDefiningOp<EinsumOp>();
    if (singleReduction(c.rowMax, ReduceKind::max) != k ||
        c.rowMax.getInputs()[0] != c.scores)
      continue;
    // An optional log-sum-exp reading (row max, row sum).
    for (Operation *user : maxV.getUsers())
      if (auto e = dyn_cast<EinsumOp>(user);
          e && e != c.numer && e.getInputs().size() == 2 &&
          e.getInputs()[0] == maxV && e.getInputs()[1] == denomV &&
          isPlain(e) && !e.getReduce() && isMaxPlusLogSum(e) &&
          e.getIndices().inputs[0] == e.getIndices().result &&
          e.getIndices().inputs[1] == e.getIndices().result)
        c.lse = e;
    SmallVector<Operation *> maxUsers{c.numer}, denomUsers{c.normalize};
    if (c.lse) {
      maxUsers.push_back(c.lse);
      denomUsers.push_back(c.lse);
    }
    if (!usersWithin(maxV, maxUsers) ||
        !usersWithin(numerV, {c.denom, c.normalize}) ||
        !usersWithin(denomV, denomUsers))
      continue;
    // The contraction reduces the same rank and nothing else of the probs.
    const std::string &probsIdx = avIdx.inputs[ai];
    const std::string &valueIdx = avIdx.inputs[1 - ai];
    char m = probsIdx[*k];
    size_t j = valueIdx.find(m);
    if (j == std::string::npos || avIdx.result.find(m) != std::string::npos)
      continue;
    bool othersKept =
        llvm::all_of(without(probsIdx, *k),
                     [&](char x) {
                       return avIdx.result.find(x) != std::string::npos;
                     }) &&
        llvm::all_of(without(valueIdx, j), [&](char x) {
          return avIdx.result.find(x) != std::string::npos;
        });
    if (!othersKept)
      continue;
    c.scoreDim = *k;
    c.valueDim = j;
    c.values = contract.getInputs()[1 - ai];
    return c;
  }
  return std::nullopt;
}

//===----------------------------------------------------------------------===//
// Partitioning a rank
//===----------------------------------------------------------------------===//

char freshLetter(StringRef used) {
  for (char c :
       StringRef("nNjJkKlLoOqQuUvVwWxXyYzZaAbBcCdDeEfFgGhHiImMpPrRsStT"))
    if (!used.contains(c))
      return c;
  return 0;
}

std::string splitLetter(StringRef s, char c, char outer) {
  std::string out;
  for (char x : s) {
    if (x == c)
      out.push_back(outer);
    out.push_back(x);
  }
  return out;
}

/// Splits rank `dim` of tensors into [ceil(M / block), block]. Producers that
/// are einsums are rebuilt over partitioned operands (so the blocks can be
/// computed one at a time); other tensors are zero-padded and reshaped.
/// Split-KV over a run-time number of keys splits into a static number of
/// scans of a run-time size instead ([count, block], padded to count *
/// block), then each scan into blocks of a size it is known to be a
/// multiple of (`exact`: no padding).
class RankPartitioner {
public:
  RankPartitioner(OpBuilder &builder, Location loc, int64_t block)
      : builder(builder), loc(loc), block(builder.getIndexAttr(block)) {}
  RankPartitioner(OpBuilder &builder, Location loc, OpFoldResult block,
                  OpFoldResult count, bool exact)
      : builder(builder), loc(loc), block(block), count(count), exact(exact) {}

  /// With `runTimeBlock`, a coordinate of the split rank in an einsum's
  /// body (outer * block + inner) would need the run-time block size
  /// there: not partitioned.
  static bool canPartition(Value v, unsigned dim, bool runTimeBlock = false) {
    auto type = dyn_cast<RankedTensorType>(v.getType());
    if (!type || !isa<FloatType>(type.getElementType()))
      return false;
    auto e = v.getDefiningOp<EinsumOp>();
    if (!e)
      return true;
    if (e.getIterate())
      return false;
    EinsumOp::Indices idx = e.getIndices();
    char c = idx.result[dim];
    if (!freshLetter(e.getSpec()))
      return false;
    if (runTimeBlock && e.getBody()
                            .walk([&](CoordOp coord) {
                              return coord.getName() == StringRef(&c, 1)
                                         ? WalkResult::interrupt()
                                         : WalkResult::advance();
                            })
                            .wasInterrupted())
      return false;
    for (auto [letters, input] : llvm::zip(idx.inputs, e.getInputs()))
      if (size_t p = letters.find(c);
          p != std::string::npos && !canPartition(input, p, runTimeBlock))
        return false;
    return true;
  }

  Value partition(Value v, unsigned dim) {
    auto key = std::make_pair(v, dim);
    if (Value done = memo.lookup(key))
      return done;
    auto type = cast<RankedTensorType>(v.getType());
    int64_t size = type.getDimSize(dim);
    // A run-time size gives a run-time number of blocks, the last padded.
    std::optional<int64_t> staticBlock = getConstantIntValue(block);
    int64_t blocks =
        count ? getConstantIntValue(count).value_or(ShapedType::kDynamic)
        : ShapedType::isDynamic(size) || !staticBlock
            ? ShapedType::kDynamic
            : (size + *staticBlock - 1) / *staticBlock;
    SmallVector<int64_t> shape(type.getShape().take_front(dim));
    shape.push_back(blocks);
    shape.push_back(staticBlock.value_or(ShapedType::kDynamic));
    llvm::append_range(shape, type.getShape().drop_front(dim + 1));
    auto newType = RankedTensorType::get(shape, type.getElementType());
    Value result =
        v.getDefiningOp<EinsumOp>()
            ? partitionEinsum(v.getDefiningOp<EinsumOp>(), dim, newType)
            : padAndSplit(v, dim, newType);
    memo[key] = result;
    return result;
  }

private:
  Value padAndSplit(Value v, unsigned dim, RankedTensorType newType) {
    auto type = cast<RankedTensorType>(v.getType());
    int64_t size = type.getDimSize(dim);
    // The padding up to whole blocks, and the number of blocks.
    OpFoldResult high, blocks;
    std::optional<int64_t> staticBlock = getConstantIntValue(block);
    std::optional<int64_t> staticCount =
        count ? getConstantIntValue(count) : std::nullopt;
    if (!ShapedType::isDynamic(size) && staticBlock &&
        (!count || staticCount)) {
      int64_t n =
          count ? *staticCount : (size + *staticBlock - 1) / *staticBlock;
      blocks = builder.getIndexAttr(n);
      high = builder.getIndexAttr(exact ? 0 : n * *staticBlock - size);
    } else {
      Value n = getValueOrCreateConstantIndexOp(
          builder, loc, tensor::getMixedSize(builder, loc, v, dim));
      Value b = getValueOrCreateConstantIndexOp(builder, loc, block);
      Value blockCount =
          count ? getValueOrCreateConstantIndexOp(builder, loc, count)
                : arith::CeilDivUIOp::create(builder, loc, n, b).getResult();
      blocks = count ? count : OpFoldResult(blockCount);
      high =
          exact ? OpFoldResult(builder.getIndexAttr(0))
                : OpFoldResult(
                      arith::SubIOp::create(
                          builder, loc,
                          arith::MulIOp::create(builder, loc, blockCount, b), n)
                          .getResult());
    }
    // The other dimensions as they are, for the expanded shape.
    SmallVector<OpFoldResult> outputShape;
    for (int64_t d = 0; d < type.getRank(); ++d) {
      if (d == static_cast<int64_t>(dim)) {
        outputShape.push_back(blocks);
        outputShape.push_back(block);
      } else {
        outputShape.push_back(tensor::getMixedSize(builder, loc, v, d));
      }
    }
    if (!isConstantIntValue(high, 0)) {
      SmallVector<OpFoldResult> lowR(type.getRank(), builder.getIndexAttr(0)),
          highR(type.getRank(), builder.getIndexAttr(0));
      highR[dim] = high;
      SmallVector<int64_t> padded(type.getShape());
      std::optional<int64_t> staticHigh = getConstantIntValue(high);
      padded[dim] = ShapedType::isDynamic(size) || !staticHigh
                        ? ShapedType::kDynamic
                        : size + *staticHigh;
      auto paddedType = RankedTensorType::get(padded, type.getElementType());
      Value zero = arith::ConstantOp::create(
          builder, loc, type.getElementType(),
          builder.getFloatAttr(type.getElementType(), 0.0));
      v = tensor::PadOp::create(builder, loc, paddedType, v, lowR, highR, zero);
    }
    SmallVector<ReassociationIndices> groups;
    for (int64_t d = 0; d < type.getRank(); ++d) {
      if (d < static_cast<int64_t>(dim))
        groups.push_back({d});
      else if (d == static_cast<int64_t>(dim))
        groups.push_back({d, d + 1});
      else
        groups.push_back({d + 1});
    }
    return tensor::ExpandShapeOp::create(builder, loc, newType, v, groups,
                                         outputShape);
  }

  Value partitionEinsum(EinsumOp e, unsigned dim, RankedTensorType newType) {
    EinsumOp::Indices idx = e.getIndices();
    char c = idx.result[dim];
    char outer = freshLetter(e.getSpec());
    SmallVector<Value> inputs;
    std::string spec;
    for (auto [i, pair] :
         llvm::enumerate(llvm::zip(idx.inputs, e.getInputs()))) {
      auto [letters, input] = pair;
      size_t p = letters.find(c);
      inputs.push_back(p == std::string::npos ? input : partition(input, p));
      spec += (i ? "," : "") + splitLetter(letters, c, outer);
    }
    spec += "->" + splitLetter(idx.result, c, outer);

    // Masks keep seeing logical coordinates: the split rank reads
    // row-major, and the padding lies past the extent (computed before the
    // einsum, which takes its run-time sizes as operands).
    SmallVector<OpFoldResult> extent;
    if (e.getMaskAttr()) {
      // The product of the group's sizes (run-time ones as tensor.dim).
      auto extentOf = [&](StringRef group) -> OpFoldResult {
        OpFoldResult n = builder.getIndexAttr(1);
        for (char x : group)
          for (auto [letters, input] : llvm::zip(idx.inputs, e.getInputs()))
            if (size_t p = letters.find(x); p != std::string::npos) {
              OpFoldResult size = leafDimOf(builder, loc, input, p);
              auto a = getConstantIntValue(n), b = getConstantIntValue(size);
              n = a && b ? OpFoldResult(builder.getIndexAttr(*a * *b))
                         : OpFoldResult(arith::MulIOp::create(
                               builder, loc,
                               getValueOrCreateConstantIndexOp(builder, loc, n),
                               getValueOrCreateConstantIndexOp(builder, loc,
                                                               size)));
              break;
            }
        return n;
      };
      extent = e.getMixedMaskExtent();
      if (extent.empty())
        extent = {extentOf(*e.getMaskQuery()), extentOf(*e.getMaskKey())};
    }
    auto op = EinsumOp::create(builder, loc, newType, spec, inputs, e.getMap(),
                               e.getReduce());
    op.getMaskArgsMutable().assign(e.getMaskArgs());
    op.setFillAttr(e.getFillAttr());
    if (MaskAttrInterface mask = e.getMaskAttr()) {
      op.setMaskAttr(mask);
      op.setMaskQueryAttr(
          builder.getStringAttr(splitLetter(*e.getMaskQuery(), c, outer)));
      op.setMaskKeyAttr(
          builder.getStringAttr(splitLetter(*e.getMaskKey(), c, outer)));
      op.setMixedMaskExtent(extent);
    }
    if (!e.getBody().empty()) {
      IRMapping mapping;
      e.getBody().cloneInto(&op.getBody(), mapping);
      // A coordinate of the split rank is outer * block + inner.
      SmallVector<CoordOp> coords;
      op.getBody().walk([&](CoordOp coord) {
        if (coord.getName() == StringRef(&c, 1))
          coords.push_back(coord);
      });
      for (CoordOp coord : coords) {
        OpBuilder::InsertionGuard guard(builder);
        builder.setInsertionPoint(coord);
        Value hi =
            CoordOp::create(builder, coord.getLoc(), builder.getIndexType(),
                            builder.getStringAttr(std::string(1, outer)));
        Value lo =
            CoordOp::create(builder, coord.getLoc(), builder.getIndexType(),
                            builder.getStringAttr(std::string(1, c)));
        // canPartition refused a run-time block size here.
        Value blockSize = arith::ConstantIndexOp::create(
            builder, coord.getLoc(), *getConstantIntValue(block));
        Value scaled =
            arith::MulIOp::create(builder, coord.getLoc(), hi, blockSize);
        Value flat = arith::AddIOp::create(builder, coord.getLoc(), scaled, lo);
        coord.replaceAllUsesWith(flat);
        coord.erase();
      }
    }
    return op.getResult();
  }

  OpBuilder &builder;
  Location loc;
  OpFoldResult block;
  /// A fixed number of blocks (split-KV scans), else ceil(size / block).
  OpFoldResult count;
  bool exact = false;
  llvm::DenseMap<std::pair<Value, unsigned>, Value> memo;
};

//===----------------------------------------------------------------------===//
// The rewrite
//===----------------------------------------------------------------------===//

struct OnlineSoftmaxPattern : OpRewritePattern<EinsumOp> {
  OnlineSoftmaxPattern(MLIRContext *ctx, int64_t block, int64_t splits)
      : OpRewritePattern(ctx), block(block), splits(splits) {}

  LogicalResult matchAndRewrite(EinsumOp contract,
                                PatternRewriter &rewriter) const override {
    std::optional<SoftmaxChain> chain = matchChain(contract);
    if (!chain)
      return rewriter.notifyMatchFailure(contract, "no softmax chain");
    SoftmaxChain &c = *chain;
    auto scoresType = cast<RankedTensorType>(c.scores.getType());
    Type elt = scoresType.getElementType();
    if (cast<RankedTensorType>(contract.getResult().getType())
                .getElementType() != elt ||
        !RankPartitioner::canPartition(c.scores, c.scoreDim) ||
        !RankPartitioner::canPartition(c.values, c.valueDim))
      return rewriter.notifyMatchFailure(contract, "cannot partition");
    // The new cascade is built at the contraction; a log-sum-exp above it
    // must have no users in between.
    if (c.lse && c.lse->isBeforeInBlock(contract) &&
        llvm::any_of(c.lse->getUsers(), [&](Operation *user) {
          return user->getBlock() != contract->getBlock() ||
                 user->isBeforeInBlock(contract);
        }))
      return rewriter.notifyMatchFailure(contract, "log-sum-exp used earlier");
    EinsumOp::Indices avIdx = contract.getIndices();
    std::string probs = avIdx.inputs[c.probsOperand];
    std::string vals = avIdx.inputs[1 - c.probsOperand];
    std::string out = avIdx.result;
    char m = probs[c.scoreDim];
    std::string used = contract.getSpec().str();
    char n = freshLetter(used);
    used.push_back(n);
    // Split-KV: the blocks are dealt to `splits` independent scans. A
    // run-time number of keys is a run-time number of blocks, the last one
    // padded (masked by the run-time extent), dealt to `splits` scans of
    // ceil(blocks / splits) each (the last ones padded or empty).
    int64_t keys = scoresType.getDimSize(c.scoreDim);
    bool dynamicKeys = ShapedType::isDynamic(keys);
    // A full mask over the logical extent hides the padding; its query side
    // can be any other index (the last one, usually the query rank).
    std::string rowLetters = without(probs, c.scoreDim);
    // splits = 0: split-KV for a decode step (one query row), whose work
    // items would otherwise be only the heads (bench/RESULTS.md: 4 scans of
    // a 32768-key cache, 1.9x one scan on 16 cores).
    int64_t splits = this->splits;
    if (splits == 0) {
      int64_t queries =
          rowLetters.empty()
              ? 0
              : scoresType.getDimSize(probs.find(rowLetters.back()));
      splits = queries == 1 ? kDecodeScans : 1;
    }
    char split = splits > 1 ? freshLetter(used) : 0;
    // No keys or no rows: nothing to scan (the 3-pass form gives 0, and
    // slices of a size-0 dimension do not verify).
    if (llvm::is_contained(scoresType.getShape(), 0))
      return rewriter.notifyMatchFailure(contract, "empty scores");
    // A coordinate of a key in a producer's body (ALiBi) would need the
    // run-time size of a scan there.
    if (split && dynamicKeys &&
        (!RankPartitioner::canPartition(c.scores, c.scoreDim, true) ||
         !RankPartitioner::canPartition(c.values, c.valueDim, true)))
      split = 0;
    int64_t totalBlocks = dynamicKeys ? 1 : (keys + block - 1) / block;
    int64_t numSplits =
        split ? (dynamicKeys ? splits : std::min(splits, totalBlocks)) : 1;
    int64_t blocks = (totalBlocks + numSplits - 1) / numSplits; // per scan
    if (!dynamicKeys)
      numSplits = (totalBlocks + blocks - 1) / blocks; // none left empty
    bool padded = dynamicKeys || numSplits * blocks * block != keys;
    if (!n || (splits > 1 && !split && !dynamicKeys) ||
        (padded && rowLetters.empty()))
      return rewriter.notifyMatchFailure(contract, "no letters to work with");

    Location loc = contract.getLoc();
    rewriter.setInsertionPoint(contract);
    Value scores, values;
    // Run-time split-KV: the blocks of one scan, ceil(ceil(M / block) / S).
    Value runTimeBlocks;
    if (split && dynamicKeys) {
      Value keyCount = getValueOrCreateConstantIndexOp(
          rewriter, loc, leafDimOf(rewriter, loc, c.scores, c.scoreDim));
      Value allBlocks = arith::CeilDivUIOp::create(
          rewriter, loc, keyCount,
          arith::ConstantIndexOp::create(rewriter, loc, block));
      runTimeBlocks = arith::CeilDivUIOp::create(
          rewriter, loc, allBlocks,
          arith::ConstantIndexOp::create(rewriter, loc, numSplits));
    }
    if (split && dynamicKeys) {
      Value scanKeys = arith::MulIOp::create(
          rewriter, loc, runTimeBlocks,
          arith::ConstantIndexOp::create(rewriter, loc, block));
      RankPartitioner outer(rewriter, loc, scanKeys,
                            rewriter.getIndexAttr(numSplits),
                            /*exact=*/false);
      RankPartitioner inner(rewriter, loc, rewriter.getIndexAttr(block),
                            runTimeBlocks, /*exact=*/true);
      scores = inner.partition(outer.partition(c.scores, c.scoreDim),
                               c.scoreDim + 1);
      values = inner.partition(outer.partition(c.values, c.valueDim),
                               c.valueDim + 1);
    } else if (split) {
      RankPartitioner outer(rewriter, loc, blocks * block);
      RankPartitioner inner(rewriter, loc, block);
      scores = inner.partition(outer.partition(c.scores, c.scoreDim),
                               c.scoreDim + 1);
      values = inner.partition(outer.partition(c.values, c.valueDim),
                               c.valueDim + 1);
    } else {
      RankPartitioner partitioner(rewriter, loc, block);
      scores = partitioner.partition(c.scores, c.scoreDim);
      values = partitioner.partition(c.values, c.valueDim);
    }

    // Index names: [split] n m replace m; state drops m.
    std::string splitPrefix = split ? std::string(1, split) : std::string();
    auto replaceM = [&](StringRef letters, StringRef with) {
      std::string r;
      for (char x : letters)
        r += x == m ? with.str() : std::string(1, x);
      return r;
    };
    std::string sp = replaceM(probs, splitPrefix + n + m); // scores, blocked
    std::string vp = replaceM(vals, splitPrefix + n + m);  // values, blocked
    std::string rn = replaceM(probs, splitPrefix + n);     // per-block rows
    std::string rs = replaceM(probs, splitPrefix);         // per-scan rows
    std::string rows = rowLetters;                         // final rows
    std::string outN = out + splitPrefix + n; // per-block numerator
    std::string outS = out + splitPrefix;     // per-scan numerator
    unsigned blockDim = c.scoreDim + (split ? 1 : 0);
    // Blocks per scan; run-time sizes come from the cascade's leaves.
    OpFoldResult stepCount = rewriter.getIndexAttr(blocks);
    if (runTimeBlocks)
      stepCount = runTimeBlocks;
    else if (dynamicKeys)
      stepCount = arith::CeilDivUIOp::create(
                      rewriter, loc,
                      getValueOrCreateConstantIndexOp(
                          rewriter, loc,
                          leafDimOf(rewriter, loc, c.scores, c.scoreDim)),
                      arith::ConstantIndexOp::create(rewriter, loc, block))
                      .getResult();
    SmallVector<OpFoldResult> stateShape;
    for (int64_t d = 0; d < scoresType.getRank(); ++d)
      if (d != static_cast<int64_t>(c.scoreDim))
        stateShape.push_back(leafDimOf(rewriter, loc, c.scores, d));
    if (split)
      stateShape.insert(stateShape.begin() + c.scoreDim,
                        rewriter.getIndexAttr(numSplits));
    SmallVector<OpFoldResult> outStateShape;
    for (char x : out) {
      if (size_t p = probs.find(x); p != std::string::npos)
        outStateShape.push_back(leafDimOf(rewriter, loc, c.scores, p));
      else
        outStateShape.push_back(
            leafDimOf(rewriter, loc, c.values, vals.find(x)));
    }
    if (split)
      outStateShape.push_back(rewriter.getIndexAttr(numSplits));
    SmallVector<OpFoldResult> paddingExtent;
    if (padded)
      paddingExtent = {
          leafDimOf(rewriter, loc, c.scores, probs.find(rowLetters.back())),
          leafDimOf(rewriter, loc, c.scores, c.scoreDim)};

    EinsumBuilder b{rewriter, loc};
    auto maskPadding = [&](EinsumOp op) {
      if (!padded)
        return;
      op.setMaskAttr(FullMaskAttr::get(rewriter.getContext()));
      op.setMaskQueryAttr(
          rewriter.getStringAttr(rowLetters.substr(rowLetters.size() - 1)));
      op.setMaskKeyAttr(rewriter.getStringAttr(splitPrefix + n + m));
      op.setMixedMaskExtent(paddingExtent);
    };
    auto isNegInf = [&](OpBuilder &bld, Location l, Value x) -> Value {
      return arith::CmpFOp::create(bld, l, arith::CmpFPredicate::OEQ, x,
                                   floatConst(bld, l, elt, -INFINITY));
    };
    // exp(a - b), or `fallback` where b is -inf (nothing seen yet).
    auto guardedExp = [&](double fallback) {
      return [&, fallback](OpBuilder &bld, Location l, ValueRange a) {
        Value e = math::ExpOp::create(
            bld, l, arith::SubFOp::create(bld, l, a[0], a[1]));
        return arith::SelectOp::create(bld, l, isNegInf(bld, l, a[1]),
                                       floatConst(bld, l, elt, fallback), e)
            .getResult();
      };
    };
    auto safeDivide = [&](OpBuilder &bld, Location l, ValueRange a) {
      Value zero = floatConst(bld, l, elt, 0.0);
      Value empty =
          arith::CmpFOp::create(bld, l, arith::CmpFPredicate::OEQ, a[1], zero);
      Value div = arith::DivFOp::create(bld, l, a[0], a[1]);
      return arith::SelectOp::create(bld, l, empty, zero, div).getResult();
    };
    auto maxPlusLog = [&](OpBuilder &bld, Location l, ValueRange a) {
      Value log = math::LogOp::create(bld, l, a[1]);
      return arith::AddFOp::create(bld, l, a[0], log).getResult();
    };

    // Block max, running max, rescale factor.
    EinsumOp blockMax =
        b.einsum(sp + "->" + rn, scores, elt, std::nullopt, ReduceKind::max);
    maskPadding(blockMax);
    // Only the weights exp(s - max) of these same scores read it.
    blockMax->setAttr(kSoftmaxShiftAttr, rewriter.getUnitAttr());
    Value runMax = b.iterative(
        rn + "->" + rn, n, blockMax.getResult(),
        b.splat(stateShape, elt, -INFINITY),
        [&](OpBuilder &bld, Location l, ValueRange a) {
          return arith::MaximumFOp::create(bld, l, a[0], a[1]).getResult();
        });
    Value maxBefore =
        sliceAlong(rewriter, loc, runMax, blockDim, rewriter.getIndexAttr(0),
                   stepCount, /*drop=*/false);
    Value maxAfter =
        sliceAlong(rewriter, loc, runMax, blockDim, rewriter.getIndexAttr(1),
                   stepCount, /*drop=*/false);
    // The block's weights exp(s - max). A row whose max is -inf (no key
    // seen yet) has only -inf scores, whose weights are exp(-inf - 0) = 0
    // once the row's max is taken as 0: the -inf guard runs once per row
    // instead of once per score, and the exponent's argument is at most 0
    // (or NaN), which the approximation of exp may rely on.
    Value rowShift = b.mapped(rn + "->" + rn, {maxAfter}, elt,
                              [&](OpBuilder &bld, Location l, ValueRange a) {
                                return arith::SelectOp::create(
                                           bld, l, isNegInf(bld, l, a[0]),
                                           floatConst(bld, l, elt, 0.0), a[0])
                                    .getResult();
                              });
    EinsumOp blockExp =
        b.mapped(sp + "," + rn + "->" + sp, {scores, rowShift}, elt,
                 [&](OpBuilder &bld, Location l, ValueRange a) {
                   auto e = math::ExpOp::create(
                       bld, l, arith::SubFOp::create(bld, l, a[0], a[1]));
                   e->setAttr(kNonPositiveArgumentAttr, bld.getUnitAttr());
                   return e.getResult();
                 });
    maskPadding(blockExp);
    if (padded)
      blockExp.setFillAttr(rewriter.getF64FloatAttr(0.0));
    Value rescale = b.mapped(rn + "," + rn + "->" + rn, {maxBefore, maxAfter},
                             elt, guardedExp(1.0));
    auto rescaleAndAdd = [&](OpBuilder &bld, Location l, ValueRange a) {
      // (previous state, block value, rescale factor)
      Value scaled = arith::MulFOp::create(bld, l, a[0], a[2]);
      return arith::AddFOp::create(bld, l, scaled, a[1]).getResult();
    };
    Value blockSum = b.einsum(sp + "->" + rn, blockExp.getResult(), elt,
                              std::nullopt, ReduceKind::add);
    Value runSum =
        b.iterative(rn + "," + rn + "->" + rn, n, {blockSum, rescale},
                    b.splat(stateShape, elt, 0.0), rescaleAndAdd);
    // bf16 values take the weights rounded to bf16 (the running sum keeps
    // them unrounded), as FlashAttention's and PyTorch's bf16 kernels do:
    // the product is then bf16 x bf16, which the CPU target computes with
    // AVX512-BF16. The weights lie in [0, 1] and are summed, not cancelled,
    // so this costs at most 2^-9 of the output's scale (docs/numerics.md).
    Value weights = blockExp.getResult();
    if (elt.isF32() &&
        cast<RankedTensorType>(values.getType()).getElementType().isBF16())
      weights = b.convert(
          weights, cast<RankedTensorType>(values.getType()).getElementType(),
          sp);
    Value blockNum = b.einsum(sp + "," + vp + "->" + outN, {weights, values},
                              elt, MapKind::mul, ReduceKind::add);
    Value runNum =
        b.iterative(outN + "," + rn + "->" + outN, n, {blockNum, rescale},
                    b.splat(outStateShape, elt, 0.0), rescaleAndAdd);

    // A step whose keys are all masked leaves each running state as it was
    // (max with -inf, rescale by 1, add 0): tile programs may skip it.
    for (Value state : {runMax, runSum, runNum})
      state.getDefiningOp()->setAttr(kEmptyBlockIdentityAttr,
                                     rewriter.getUnitAttr());

    // The state after the last block of each scan.
    OpFoldResult one = rewriter.getIndexAttr(1);
    Value num = sliceAlong(rewriter, loc, runNum, outN.size() - 1, stepCount,
                           one, /*drop=*/true);
    Value den = sliceAlong(rewriter, loc, runSum, blockDim, stepCount, one,
                           /*drop=*/true);
    Value finalMax = sliceAlong(rewriter, loc, runMax, blockDim, stepCount, one,
                                /*drop=*/true);
    if (split) {
      // Combine the scans through their maxima (log-sum-exp algebra):
      // w_s = exp(max_s - max), num = sum w_s num_s, den = sum w_s den_s.
      Value globalMax = b.einsum(rs + "->" + rows, finalMax, elt, std::nullopt,
                                 ReduceKind::max);
      Value weight = b.mapped(rs + "," + rows + "->" + rs,
                              {finalMax, globalMax}, elt, guardedExp(0.0));
      den = b.einsum(rs + "," + rs + "->" + rows, {weight, den}, elt,
                     MapKind::mul, ReduceKind::add);
      num = b.einsum(outS + "," + rs + "->" + out, {num, weight}, elt,
                     MapKind::mul, ReduceKind::add);
      finalMax = globalMax;
    }
    Value result =
        b.mapped(out + "," + rows + "->" + out, {num, den}, elt, safeDivide);
    if (c.lse)
      rewriter.replaceOp(c.lse, b.mapped(rows + "," + rows + "->" + rows,
                                         {finalMax, den}, elt, maxPlusLog));
    rewriter.replaceOp(contract, result);
    for (Operation *dead : {c.normalize.getOperation(), c.denom.getOperation(),
                            c.numer.getOperation(), c.rowMax.getOperation()})
      if (dead->use_empty())
        rewriter.eraseOp(dead);
    return success();
  }

  /// Scans of a decode step with splits = 0.
  static constexpr int64_t kDecodeScans = 4;
  int64_t block, splits;
};

struct CascadeOnlineSoftmaxPass
    : cascade::impl::CascadeOnlineSoftmaxBase<CascadeOnlineSoftmaxPass> {
  using Base::Base;
  void runOnOperation() override {
    if (blockSize < 1) {
      getOperation()->emitError()
          << "block-size must be >= 1, got " << static_cast<int64_t>(blockSize);
      return signalPassFailure();
    }
    RewritePatternSet patterns(&getContext());
    if (splits < 0) {
      getOperation()->emitError()
          << "splits must be >= 0, got " << static_cast<int64_t>(splits);
      return signalPassFailure();
    }
    patterns.add<OnlineSoftmaxPattern>(&getContext(), blockSize, splits);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
