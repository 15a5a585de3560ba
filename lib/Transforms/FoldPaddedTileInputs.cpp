//===- FoldPaddedTileInputs.cpp - tile loads read past the bounds instead -===//
//
// Partitioning a rank into blocks pads it to a whole number of blocks
// (`tensor.pad`, then `tensor.expand_shape` into blocks x block). A tile
// program reading such an input does not need the padded copy: `tile.load`
// already reads a pad value past its buffer's bounds. Reading the unpadded
// tensor instead saves a copy of the whole input (K and V of attention with
// S = 1000) made before the work items start, on one thread.
//
//   %p = tensor.pad %k high[0, 24, 0] {yield %zero}   : 1000 -> 1024 rows
//   %e = tensor.expand_shape %p [[0], [1, 2], [3]]    : 1024 -> 16 x 64
//   tile.program ins(%e ...) { tile.load %E[%b, %n, %c0, %c0] -> 1x1x64x80 }
// becomes
//   tile.program ins(%k ...) {
//     %row = %n * 64
//     %t = tile.load %K[%b, %row, %c0] pad(0.0) -> 1x64x80
//     tensor.expand_shape %t [[0], [1, 2], [3]] -> 1x1x64x80 }
//
// A load qualifies when, in each expanded group, the tile is 1 wide up to
// one dimension, ends within that dimension (unless it leads the group), and
// is whole (from offset 0) after it, so that it reads one contiguous range
// of the unpadded dimension; and when its own pad value is the padding's
// (both are what it reads past the original bounds). The padding may be a
// run-time amount (a run-time number of keys); a run-time size inside a
// group (the blocks of a split-KV scan over a run-time number of keys) is
// a stride of the loads' offsets, which the program then takes as a
// parameter.
//
//===----------------------------------------------------------------------===//

#include "cascade/Dialect/Tile.h"
#include "cascade/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>

namespace cascade {
#define GEN_PASS_DEF_CASCADEFOLDPADDEDTILEINPUTS
#include "cascade/Transforms/Passes.h.inc"
} // namespace cascade

using namespace mlir;
using namespace cascade;

namespace {

/// The padding of `input` (a tensor.pad, optionally reshaped into blocks by
/// a tensor.expand_shape) when it only pads at the high end with a float
/// constant: the unpadded tensor, the pad value and the groups of the
/// expansion (identity groups without one).
struct PaddedInput {
  Value unpadded;
  double padValue;
  SmallVector<ReassociationIndices> groups;
  /// The sizes of the blocked input (run-time ones as the values the
  /// reshape was built with).
  SmallVector<OpFoldResult> sizes;
};

std::optional<PaddedInput> matchPaddedInput(Value input) {
  PaddedInput result;
  auto inputType = cast<RankedTensorType>(input.getType());
  Value padded = input;
  if (auto expand = input.getDefiningOp<tensor::ExpandShapeOp>()) {
    padded = expand.getSrc();
    result.groups = expand.getReassociationIndices();
    result.sizes = expand.getMixedOutputShape();
  } else {
    for (int64_t d = 0; d < inputType.getRank(); ++d)
      result.groups.push_back({d});
    // Without blocks no size is a stride (run-time ones are never read).
    result.sizes =
        getAsIndexOpFoldResult(input.getContext(), inputType.getShape());
  }
  auto pad = padded.getDefiningOp<tensor::PadOp>();
  if (!pad ||
      !llvm::all_of(pad.getStaticLow(), [](int64_t l) { return l == 0; }))
    return std::nullopt;
  Value value = pad.getConstantPaddingValue();
  FloatAttr constant;
  if (!value || !matchPattern(value, m_Constant(&constant)))
    return std::nullopt;
  result.unpadded = pad.getSource();
  result.padValue = constant.getValueAsDouble();
  return result;
}

/// In each group, the first dimension whose tile is wider than 1 (the last
/// when all are 1).
size_t wideDim(RankedTensorType tileType, const ReassociationIndices &group) {
  for (size_t i = 0; i < group.size(); ++i)
    if (tileType.getDimSize(group[i]) != 1)
      return i;
  return group.size() - 1;
}

/// Whether `load` reads one contiguous range of each unpadded dimension
/// (every dimension of a group after its wide one read whole from 0) with
/// the padding's value past the bounds.
bool canFold(tile::LoadOp load, const PaddedInput &padded) {
  // Bounds would end a dimension of the padded layout, not of the unpadded.
  if (!load.getBounds().empty())
    return false;
  auto tileType = cast<RankedTensorType>(load.getResult().getType());
  auto sourceType = cast<MemRefType>(load.getSource().getType());
  double loadPad = load.getPad() ? load.getPad()->convertToDouble() : 0.0;
  if (loadPad != padded.padValue &&
      !(std::isnan(loadPad) && std::isnan(padded.padValue)))
    return false;
  for (const ReassociationIndices &group : padded.groups) {
    size_t wide = wideDim(tileType, group);
    for (size_t i = wide + 1; i < group.size(); ++i)
      if (tileType.getDimSize(group[i]) != sourceType.getDimSize(group[i]) ||
          !matchPattern(load.getOffsets()[group[i]], m_Zero()))
        return false;
    // Inside a block (not the group's leading dimension), the tile must end
    // within its dimension: past it, the padded buffer reads the pad value
    // where the unpadded one would read the next block's elements.
    if (wide > 0) {
      APInt offset;
      int64_t d = group[wide];
      if (!matchPattern(load.getOffsets()[d], m_ConstantInt(&offset)) ||
          offset.getSExtValue() + tileType.getDimSize(d) >
              sourceType.getDimSize(d))
        return false;
    }
  }
  return true;
}

/// `load` (which canFold) as a load of the unpadded buffer, reshaped back
/// into the tile. `runTimeSizes` holds the body's values of the blocked
/// input's run-time sizes inside a group.
Value foldLoad(PatternRewriter &rewriter, tile::LoadOp load,
               Value unpaddedBuffer, const PaddedInput &padded,
               const llvm::DenseMap<int64_t, Value> &runTimeSizes) {
  auto tileType = cast<RankedTensorType>(load.getResult().getType());
  auto sourceType = cast<MemRefType>(load.getSource().getType());
  Location loc = load.getLoc();
  SmallVector<Value> offsets;
  SmallVector<int64_t> shape;
  for (const ReassociationIndices &group : padded.groups) {
    int64_t size = 1;
    for (int64_t d : group)
      size *= tileType.getDimSize(d);
    // offset = sum over the group of offset_i * (product of later sizes).
    Value offset;
    int64_t stride = 1;
    Value runTimeStride; // times stride
    for (size_t i = group.size(); i-- > 0;) {
      Value term = load.getOffsets()[group[i]];
      if (stride != 1)
        term = arith::MulIOp::create(
            rewriter, loc, term,
            arith::ConstantIndexOp::create(rewriter, loc, stride));
      if (runTimeStride)
        term = arith::MulIOp::create(rewriter, loc, term, runTimeStride);
      offset =
          offset
              ? arith::AddIOp::create(rewriter, loc, offset, term).getResult()
              : term;
      if (i == 0)
        break;
      if (!sourceType.isDynamicDim(group[i])) {
        stride *= sourceType.getDimSize(group[i]);
        continue;
      }
      Value size = runTimeSizes.lookup(group[i]);
      runTimeStride = runTimeStride ? arith::MulIOp::create(rewriter, loc,
                                                            runTimeStride, size)
                                          .getResult()
                                    : size;
    }
    offsets.push_back(offset);
    shape.push_back(size);
  }
  auto flatType = RankedTensorType::get(shape, tileType.getElementType());
  Value flat =
      tile::LoadOp::create(rewriter, loc, flatType, unpaddedBuffer, offsets,
                           ValueRange(), rewriter.getF64FloatAttr(padded.padValue));
  if (flatType == tileType)
    return flat;
  return tensor::ExpandShapeOp::create(rewriter, loc, tileType, flat,
                                       padded.groups);
}

struct FoldPaddedInput : OpRewritePattern<tile::ProgramOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(tile::ProgramOp op,
                                PatternRewriter &rewriter) const override {
    for (auto [index, input] : llvm::enumerate(op.getInputs())) {
      std::optional<PaddedInput> padded = matchPaddedInput(input);
      BlockArgument buffer = op.getInputBuffers()[index];
      if (!padded || buffer.use_empty() ||
          !llvm::all_of(buffer.getUsers(), llvm::IsaPred<tile::LoadOp>))
        continue;
      // Every load must fold, else the padded input stays.
      if (!llvm::all_of(buffer.getUsers(), [&](Operation *user) {
            return canFold(cast<tile::LoadOp>(user), *padded);
          }))
        continue;
      // Run-time sizes inside a group are strides of the folded offsets:
      // parameters of the program (added before the buffers' positions are
      // read).
      llvm::DenseMap<int64_t, Value> runTimeSizes;
      auto inputType = cast<RankedTensorType>(input.getType());
      for (const ReassociationIndices &group : padded->groups)
        for (int64_t d : llvm::drop_begin(group))
          if (inputType.isDynamicDim(d))
            rewriter.modifyOpInPlace(op, [&] {
              runTimeSizes[d] = op.getOrAddParam(cast<Value>(padded->sizes[d]));
            });
      buffer = op.getInputBuffers()[index];
      Block &body = op.getBody().front();
      unsigned position = buffer.getArgNumber();
      BlockArgument unpaddedBuffer = body.insertArgument(
          position + 1, tile::ProgramOp::bufferType(padded->unpadded.getType()),
          buffer.getLoc());
      for (Operation *user : llvm::to_vector(buffer.getUsers())) {
        auto load = cast<tile::LoadOp>(user);
        rewriter.setInsertionPoint(load);
        rewriter.replaceOp(load, foldLoad(rewriter, load, unpaddedBuffer,
                                          *padded, runTimeSizes));
      }
      unsigned inputIndex = index; // a lambda may not capture a binding
      rewriter.modifyOpInPlace(op, [&] {
        body.eraseArgument(position);
        op.getInputsMutable()[inputIndex].set(padded->unpadded);
      });
      return success();
    }
    return failure();
  }
};

struct FoldPaddedTileInputsPass
    : cascade::impl::CascadeFoldPaddedTileInputsBase<FoldPaddedTileInputsPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FoldPaddedInput>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
