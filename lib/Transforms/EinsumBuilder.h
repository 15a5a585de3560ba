//===- EinsumBuilder.h - building cascades of einsums --------*- C++ -*-===//
//
// Shared by the transforms that emit einsum cascades: result shapes are
// inferred from the spec, map regions are given as C++ callbacks.
//
//===----------------------------------------------------------------------===//

#ifndef CASCADE_LIB_TRANSFORMS_EINSUMBUILDER_H
#define CASCADE_LIB_TRANSFORMS_EINSUMBUILDER_H

#include "cascade/Dialect/Cascade.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/Builders.h"

namespace cascade {

// Private to lib/Transforms.
using namespace mlir;

using BodyFn = llvm::function_ref<Value(OpBuilder &, Location, ValueRange)>;

/// Element type the decomposed cascade computes in: f16/bf16 widen to f32 so
/// that the row max, row sum and accumulations keep precision.
inline Type computeType(Type element) {
  if (element.isF16() || element.isBF16())
    return Float32Type::get(element.getContext());
  return element;
}

inline Type elementOf(Value v) {
  return cast<RankedTensorType>(v.getType()).getElementType();
}

/// Scalar conversion inside a map region.
inline Value convertScalar(OpBuilder &b, Location loc, Value v, Type to) {
  Type from = v.getType();
  if (from == to)
    return v;
  if (from.getIntOrFloatBitWidth() < to.getIntOrFloatBitWidth())
    return arith::ExtFOp::create(b, loc, to, v);
  return arith::TruncFOp::create(b, loc, to, v);
}

inline Value floatConst(OpBuilder &b, Location loc, Type type, double value) {
  return arith::ConstantOp::create(b, loc, type, b.getFloatAttr(type, value));
}

/// Dimension `d` of `v`, a run-time one read from the einsums' leaves: a
/// tensor.dim of an einsum's result would keep the einsum alive after a
/// rewrite replaced it.
inline OpFoldResult leafDimOf(OpBuilder &b, Location loc, Value v, int64_t d) {
  auto e = v.getDefiningOp<EinsumOp>();
  if (e && cast<RankedTensorType>(v.getType()).isDynamicDim(d))
    if (auto source = e.getSizeSource(d))
      return leafDimOf(b, loc, e.getInputs()[source->first], source->second);
  return tensor::getMixedSize(b, loc, v, d);
}

/// Slice [offset, offset + size) of `dim`; with drop, a single entry and the
/// dimension removed. Offset and size may be run-time values.
inline Value sliceAlong(OpBuilder &b, Location loc, Value v, unsigned dim,
                        OpFoldResult offset, OpFoldResult size, bool drop) {
  auto type = cast<RankedTensorType>(v.getType());
  SmallVector<OpFoldResult> offsets, sizes, strides;
  SmallVector<int64_t> shape;
  for (int64_t d = 0; d < type.getRank(); ++d) {
    bool isDim = d == static_cast<int64_t>(dim);
    offsets.push_back(isDim ? offset : b.getIndexAttr(0));
    sizes.push_back(isDim ? size : leafDimOf(b, loc, v, d));
    strides.push_back(b.getIndexAttr(1));
    if (!isDim)
      shape.push_back(type.getDimSize(d));
    else if (!drop)
      shape.push_back(getConstantIntValue(size).value_or(ShapedType::kDynamic));
  }
  auto resultType = RankedTensorType::get(shape, type.getElementType());
  return tensor::ExtractSliceOp::create(b, loc, resultType, v, offsets, sizes,
                                        strides);
}

inline Value sliceAlong(OpBuilder &b, Location loc, Value v, unsigned dim,
                        int64_t offset, int64_t size, bool drop) {
  return sliceAlong(b, loc, v, dim, b.getIndexAttr(offset),
                    b.getIndexAttr(size), drop);
}

/// Emits einsums with result shapes inferred from the spec.
struct EinsumBuilder {
  OpBuilder &rewriter;
  Location loc;

  RankedTensorType resultType(StringRef spec, ValueRange inputs, Type elt) {
    EinsumOp::Indices indices = *EinsumOp::parseSpec(spec);
    llvm::DenseMap<char, int64_t> sizes;
    for (auto [names, input] : llvm::zip(indices.inputs, inputs))
      for (auto [d, c] : llvm::enumerate(names))
        sizes.try_emplace(
            c, cast<RankedTensorType>(input.getType()).getDimSize(d));
    SmallVector<int64_t> shape;
    for (char c : indices.result)
      shape.push_back(sizes.lookup(c));
    return RankedTensorType::get(shape, elt);
  }

  EinsumOp einsum(StringRef spec, ValueRange inputs, Type elt,
                  std::optional<MapKind> map,
                  std::optional<ReduceKind> reduce = std::nullopt) {
    return EinsumOp::create(rewriter, loc, resultType(spec, inputs, elt), spec,
                            inputs, map, reduce);
  }

  /// An einsum whose map is `body`, applied to the inputs' scalars.
  EinsumOp mapped(StringRef spec, ValueRange inputs, Type elt, BodyFn body,
                  std::optional<ReduceKind> reduce = std::nullopt) {
    EinsumOp op = einsum(spec, inputs, elt, std::nullopt, reduce);
    OpBuilder::InsertionGuard guard(rewriter);
    Block &block = op.addMapBlock(rewriter);
    Value result = body(rewriter, loc, block.getArguments());
    YieldOp::create(rewriter, loc, ValueRange{result});
    return op;
  }

  /// Iterative einsum along `iterLetter`: result[0] = init,
  /// result[n + 1] = body(result[n], inputs[n]).
  EinsumOp iterative(StringRef spec, char iterLetter, ValueRange inputs,
                     Value init, BodyFn body) {
    Type elt = elementOf(init);
    RankedTensorType type = resultType(spec, inputs, elt);
    EinsumOp::Indices indices = *EinsumOp::parseSpec(spec);
    SmallVector<int64_t> shape(type.getShape());
    if (int64_t &steps = shape[indices.result.find(iterLetter)];
        !ShapedType::isDynamic(steps))
      steps += 1;
    auto op = EinsumOp::create(rewriter, loc, RankedTensorType::get(shape, elt),
                               spec, inputs, std::nullopt, std::nullopt);
    op.setIterateAttr(rewriter.getStringAttr(std::string(1, iterLetter)));
    op.getInitMutable().assign(init);
    OpBuilder::InsertionGuard guard(rewriter);
    Block &block = op.addMapBlock(rewriter);
    Value result = body(rewriter, loc, block.getArguments());
    YieldOp::create(rewriter, loc, ValueRange{result});
    return op;
  }

  /// A tensor of `shape` filled with `value`.
  Value splat(ArrayRef<int64_t> shape, Type elt, double value) {
    auto type = RankedTensorType::get(shape, elt);
    return arith::ConstantOp::create(
        rewriter, loc, type,
        DenseElementsAttr::get(type, rewriter.getFloatAttr(elt, value)));
  }

  /// A tensor of `sizes` (run-time ones included) filled with `value`.
  Value splat(ArrayRef<OpFoldResult> sizes, Type elt, double value) {
    SmallVector<int64_t> shape;
    SmallVector<Value> dynamicSizes;
    dispatchIndexOpFoldResults(sizes, dynamicSizes, shape);
    if (dynamicSizes.empty())
      return splat(shape, elt, value);
    return tensor::SplatOp::create(
        rewriter, loc, floatConst(rewriter, loc, elt, value), sizes);
  }

  /// Identity einsum converting the element type (no-op when equal).
  Value convert(Value v, Type elt, StringRef indices) {
    if (elementOf(v) == elt)
      return v;
    return einsum((indices + "->" + indices).str(), v, elt, std::nullopt);
  }

  /// softmax over the last index of `indices` (no masking).
  Value softmax(Value logits, StringRef indices) {
    std::string rows = indices.drop_back().str(), all = indices.str();
    Type elt = elementOf(logits);
    Value rowMax =
        einsum(all + "->" + rows, logits, elt, std::nullopt, ReduceKind::max);
    Value exps = mapped(all + "," + rows + "->" + all, {logits, rowMax}, elt,
                        [&](OpBuilder &b, Location l, ValueRange a) {
                          Value d = arith::SubFOp::create(b, l, a[0], a[1]);
                          return math::ExpOp::create(b, l, d).getResult();
                        });
    return normalize(exps, indices);
  }

  /// x / sum(x) over the last index of `indices`.
  Value normalize(Value x, StringRef indices) {
    std::string rows = indices.drop_back().str(), all = indices.str();
    Type elt = elementOf(x);
    Value sum =
        einsum(all + "->" + rows, x, elt, std::nullopt, ReduceKind::add);
    return einsum(all + "," + rows + "->" + all, {x, sum}, elt, MapKind::div);
  }

  Value scale(Value x, StringRef indices, double factor) {
    return mapped((indices + "->" + indices).str(), x, elementOf(x),
                  [&](OpBuilder &b, Location l, ValueRange a) {
                    Value c = floatConst(b, l, a[0].getType(), factor);
                    return arith::MulFOp::create(b, l, a[0], c).getResult();
                  });
  }

  Value expandShape(Value v, ArrayRef<int64_t> shape,
                    ArrayRef<ReassociationIndices> reassociation) {
    auto type = RankedTensorType::get(shape, elementOf(v));
    return tensor::ExpandShapeOp::create(rewriter, loc, type, v, reassociation);
  }

  Value collapseShape(Value v, ArrayRef<ReassociationIndices> reassociation) {
    return tensor::CollapseShapeOp::create(rewriter, loc, v, reassociation);
  }
};

} // namespace cascade

#endif // CASCADE_LIB_TRANSFORMS_EINSUMBUILDER_H
