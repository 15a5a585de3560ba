//===- TileToSCF.cpp - tile programs as parallel loops over buffers -------===//
//
// A `tile.program` becomes an `scf.parallel` over its grid whose body is the
// program's body: inputs are read through `bufferization.to_buffer` of the
// tensors, outputs are fresh buffers (copied from `outs` unless those are
// `tensor.empty`, filled where they are splat constants) that become the
// results through `bufferization.to_tensor`. A `tile.load` is a subview of
// the buffer where the tile lies inside it (and inside its bounds), else a
// subview clipped to them plus a `tensor.pad` with the pad value up to the
// tile's shape; a `tile.store` writes the in-bounds part of the tile into a
// clipped subview. What stays in tensors afterwards is ordinary
// linalg/scf/tensor code for one-shot bufferization.
//
//===----------------------------------------------------------------------===//

#include "cascade/Dialect/Tile.h"
#include "cascade/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace cascade {
#define GEN_PASS_DEF_CASCADECONVERTTILETOSCF
#include "cascade/Transforms/Passes.h.inc"
} // namespace cascade

using namespace mlir;
using namespace cascade;

namespace {

/// Per dimension: how many of the tile's `tileSize` elements starting at
/// `offset` lie inside a buffer dimension of size `dimSize` (clamped to
/// [0, tileSize]), and the offset clamped into the buffer.
std::pair<Value, Value> clip(OpBuilder &b, Location loc, Value offset,
                             Value dimSize, int64_t tileSize) {
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value clampedOffset = arith::MinSIOp::create(b, loc, offset, dimSize);
  Value avail = arith::SubIOp::create(b, loc, dimSize, clampedOffset);
  avail = arith::MinSIOp::create(
      b, loc, avail, arith::ConstantIndexOp::create(b, loc, tileSize));
  avail = arith::MaxSIOp::create(b, loc, avail, zero);
  return {clampedOffset, avail};
}

/// The end of what an access may touch along dimension `d`: the buffer's
/// size, or the access's bound where it has one (clamped to [0, size]).
Value limitOf(OpBuilder &b, Location loc, Value buffer, int64_t d,
              ValueRange bounds) {
  Value dim = memref::DimOp::create(b, loc, buffer, d);
  if (bounds.empty())
    return dim;
  Value limit = arith::MinSIOp::create(b, loc, dim, bounds[d]);
  return arith::MaxSIOp::create(b, loc, limit,
                                arith::ConstantIndexOp::create(b, loc, 0));
}

struct ClippedView {
  Value view;
  SmallVector<Value> sizes;
};

ClippedView clippedSubview(OpBuilder &b, Location loc, Value buffer,
                           ValueRange offsets, ValueRange bounds,
                           ArrayRef<int64_t> tileShape) {
  SmallVector<OpFoldResult> offs, sizes, strides;
  ClippedView result;
  for (auto [d, off] : llvm::enumerate(offsets)) {
    Value dim = limitOf(b, loc, buffer, d, bounds);
    auto [o, n] = clip(b, loc, off, dim, tileShape[d]);
    offs.push_back(o);
    sizes.push_back(n);
    strides.push_back(b.getIndexAttr(1));
    result.sizes.push_back(n);
  }
  result.view = memref::SubViewOp::create(b, loc, buffer, offs, sizes, strides);
  return result;
}

/// `part`, the in-bounds `inBounds` sizes of what `load` reads, padded with
/// the load's pad value up to the tile.
Value padToTile(OpBuilder &b, Location loc, tile::LoadOp load, Value part,
                ArrayRef<Value> inBounds) {
  auto tileType = cast<RankedTensorType>(load.getResult().getType());
  SmallVector<OpFoldResult> low(tileType.getRank(), b.getIndexAttr(0)), high;
  for (auto [d, n] : llvm::enumerate(inBounds))
    high.push_back(
        arith::SubIOp::create(
            b, loc,
            arith::ConstantIndexOp::create(b, loc, tileType.getDimSize(d)), n)
            .getResult());
  Type elt = tileType.getElementType();
  double padValue = load.getPad() ? load.getPad()->convertToDouble() : 0.0;
  TypedAttr padAttr =
      isa<FloatType>(elt)
          ? TypedAttr(b.getFloatAttr(elt, padValue))
          : TypedAttr(b.getIntegerAttr(elt, static_cast<int64_t>(padValue)));
  Value pad = arith::ConstantOp::create(b, loc, padAttr);
  return tensor::PadOp::create(b, loc, tileType, part, low, high, pad);
}

struct LoadToPaddedSubview : OpRewritePattern<tile::LoadOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(tile::LoadOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto tileType = cast<RankedTensorType>(op.getResult().getType());
    // A tile wholly inside the buffer (every tile but the last along a
    // rank, all of them where the tile divides the extent) is read in place:
    // a subview, no padded copy. Which case holds is decided per load at run
    // time, and folds away where offsets and extents are constants.
    Value inside;
    for (auto [d, off] : llvm::enumerate(op.getOffsets())) {
      Value dim = limitOf(rewriter, loc, op.getSource(), d, op.getBounds());
      Value end =
          arith::AddIOp::create(rewriter, loc, off,
                                arith::ConstantIndexOp::create(
                                    rewriter, loc, tileType.getDimSize(d)));
      Value fits = arith::CmpIOp::create(rewriter, loc,
                                         arith::CmpIPredicate::sle, end, dim);
      inside =
          inside
              ? arith::AndIOp::create(rewriter, loc, inside, fits).getResult()
              : fits;
    }
    auto ifOp = scf::IfOp::create(
        rewriter, loc, inside,
        [&](OpBuilder &b, Location loc) {
          SmallVector<OpFoldResult> offs(op.getOffsets()), sizes, strides;
          for (int64_t n : tileType.getShape()) {
            sizes.push_back(b.getIndexAttr(n));
            strides.push_back(b.getIndexAttr(1));
          }
          Value view = memref::SubViewOp::create(b, loc, op.getSource(), offs,
                                                 sizes, strides);
          Value whole = bufferization::ToTensorOp::create(
              b, loc, tileType, view, /*restrict=*/true, /*writable=*/false);
          scf::YieldOp::create(b, loc, whole);
        },
        [&](OpBuilder &b, Location loc) {
          ClippedView view =
              clippedSubview(b, loc, op.getSource(), op.getOffsets(),
                             op.getBounds(), tileType.getShape());
          auto viewType = cast<MemRefType>(view.view.getType());
          auto partType = RankedTensorType::get(viewType.getShape(),
                                                tileType.getElementType());
          Value part = bufferization::ToTensorOp::create(
              b, loc, partType, view.view, /*restrict=*/true,
              /*writable=*/false);
          scf::YieldOp::create(b, loc, padToTile(b, loc, op, part, view.sizes));
        });
    rewriter.replaceOp(op, ifOp.getResults());
    return success();
  }
};

struct StoreToClippedSubview : OpRewritePattern<tile::StoreOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(tile::StoreOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto tileType = cast<RankedTensorType>(op.getValue().getType());
    ClippedView view =
        clippedSubview(rewriter, loc, op.getDest(), op.getOffsets(),
                       op.getBounds(), tileType.getShape());
    SmallVector<OpFoldResult> zeros(tileType.getRank(),
                                    rewriter.getIndexAttr(0)),
        ones(tileType.getRank(), rewriter.getIndexAttr(1)), sizes;
    for (Value n : view.sizes)
      sizes.push_back(n);
    Value part = tensor::ExtractSliceOp::create(rewriter, loc, op.getValue(),
                                                zeros, sizes, ones);
    auto store = bufferization::MaterializeInDestinationOp::create(
        rewriter, loc, part, view.view);
    store.setRestrict(true);
    store.setWritable(true);
    rewriter.eraseOp(op);
    return success();
  }
};

/// A load from an input that is a splat constant (the initial running
/// state of an attention program: zeros, -inf) is that value where in
/// bounds and the pad past them: no buffer, no memory traffic, and no
/// constant the size of the whole tensor in the object file.
Value splatTile(OpBuilder &b, Location loc, tile::LoadOp load,
                TypedAttr value, ArrayRef<int64_t> sourceShape) {
  auto tileType = cast<RankedTensorType>(load.getResult().getType());
  SmallVector<Value> inBounds;
  for (auto [d, off] : llvm::enumerate(load.getOffsets())) {
    Value dim = arith::ConstantIndexOp::create(b, loc, sourceShape[d]);
    if (!load.getBounds().empty())
      dim = arith::MaxSIOp::create(
          b, loc,
          arith::MinSIOp::create(b, loc, dim, load.getBounds()[d]).getResult(),
          arith::ConstantIndexOp::create(b, loc, 0));
    inBounds.push_back(clip(b, loc, off, dim, tileType.getDimSize(d)).second);
  }
  SmallVector<int64_t> dynShape(tileType.getRank(), ShapedType::kDynamic);
  auto partType = RankedTensorType::get(dynShape, tileType.getElementType());
  Value scalar = arith::ConstantOp::create(b, loc, value);
  Value part = tensor::SplatOp::create(b, loc, partType, scalar, inBounds);
  return padToTile(b, loc, load, part, inBounds);
}

struct ProgramToParallel : OpRewritePattern<tile::ProgramOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(tile::ProgramOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    // Splat-constant inputs read only through tile.load need no buffer.
    for (auto [input, arg] : llvm::zip(op.getInputs(), op.getInputBuffers())) {
      DenseElementsAttr splat;
      if (!matchPattern(input, m_Constant(&splat)) || !splat.isSplat() ||
          !llvm::all_of(arg.getUsers(), llvm::IsaPred<tile::LoadOp>))
        continue;
      auto shape = cast<RankedTensorType>(input.getType()).getShape();
      if (ShapedType::isDynamicShape(shape))
        continue;
      for (Operation *user : llvm::to_vector(arg.getUsers())) {
        auto load = cast<tile::LoadOp>(user);
        rewriter.setInsertionPoint(load);
        rewriter.replaceOp(load, splatTile(rewriter, load.getLoc(), load,
                                           splat.getSplatValue<TypedAttr>(),
                                           shape));
      }
    }
    rewriter.setInsertionPoint(op);
    SmallVector<Value> buffers;
    for (Value input : op.getInputs())
      buffers.push_back(bufferization::ToBufferOp::create(
          rewriter, loc, tile::ProgramOp::bufferType(input.getType()), input,
          /*read_only=*/true));
    SmallVector<Value> outputs;
    for (Value out : op.getOutputs()) {
      auto type = cast<MemRefType>(tile::ProgramOp::bufferType(out.getType()));
      SmallVector<Value> dynSizes;
      for (int64_t d = 0; d < type.getRank(); ++d)
        if (type.isDynamicDim(d))
          dynSizes.push_back(tensor::DimOp::create(rewriter, loc, out, d));
      Value buffer = memref::AllocOp::create(rewriter, loc, type, dynSizes,
                                             rewriter.getI64IntegerAttr(64));
      DenseElementsAttr splat;
      if (matchPattern(out, m_Constant(&splat)) && splat.isSplat()) {
        // Zeros for what no work item writes: a fill, not a copy of a
        // constant the size of the output.
        Value value = arith::ConstantOp::create(
            rewriter, loc, splat.getSplatValue<TypedAttr>());
        linalg::FillOp::create(rewriter, loc, ValueRange{value},
                               ValueRange{buffer});
      } else if (!out.getDefiningOp<tensor::EmptyOp>()) {
        Value init = bufferization::ToBufferOp::create(rewriter, loc, type, out,
                                                       /*read_only=*/true);
        memref::CopyOp::create(rewriter, loc, init, buffer);
      }
      buffers.push_back(buffer);
      outputs.push_back(buffer);
    }
    SmallVector<Value> lower, upper, steps;
    Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
    Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
    for (OpFoldResult n : op.getMixedGrid()) {
      lower.push_back(zero);
      upper.push_back(getValueOrCreateConstantIndexOp(rewriter, loc, n));
      steps.push_back(one);
    }
    SmallVector<Value> params(op.getParams());
    Block &body = op.getBody().front();
    rewriter.eraseOp(body.getTerminator());
    if (lower.empty()) {
      // A grid of rank 0 is one work item (a scan): the body runs in place
      // (scf.parallel needs at least one dimension).
      params.append(buffers);
      rewriter.inlineBlockBefore(&body, op, params);
    } else {
      auto parallel =
          scf::ParallelOp::create(rewriter, loc, lower, upper, steps);
      SmallVector<Value> replacements(parallel.getInductionVars());
      replacements.append(params);
      replacements.append(buffers);
      rewriter.inlineBlockBefore(&body, parallel.getBody()->getTerminator(),
                                 replacements);
      rewriter.setInsertionPointAfter(parallel);
    }
    SmallVector<Value> results;
    for (auto [buffer, result] : llvm::zip(outputs, op.getResults()))
      results.push_back(bufferization::ToTensorOp::create(
          rewriter, loc, result.getType(), buffer, /*restrict=*/true,
          /*writable=*/true));
    rewriter.replaceOp(op, results);
    return success();
  }
};

struct ConvertTileToSCFPass
    : cascade::impl::CascadeConvertTileToSCFBase<ConvertTileToSCFPass> {
  void runOnOperation() override {
    // Programs first: ProgramToParallel looks at the program's own loads.
    RewritePatternSet programs(&getContext());
    programs.add<ProgramToParallel>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(programs))))
      return signalPassFailure();
    RewritePatternSet accesses(&getContext());
    accesses.add<LoadToPaddedSubview, StoreToClippedSubview>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(accesses))))
      return signalPassFailure();
  }
};

} // namespace
