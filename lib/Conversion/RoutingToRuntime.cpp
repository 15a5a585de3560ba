//===- RoutingToRuntime.cpp - routing ops as runtime kernel calls ---------===//
//
// Data-dependent routing (top-k selection, row gathers, weighted scatter-add)
// is control flow, not dense compute: the CPU target calls the runtime's
// kernels for it (runtime/lib/RoutingKernels.cpp), which also check indices
// and report a bad one as a run-time error instead of reading out of bounds.
// Every operand is passed flattened to 1-D with its row length as an integer,
// so one C signature per element type serves every rank:
//   cascade_rt_<op>_<value type>_<index type>[...](memref<?xT>..., i64...)
// declared with `llvm.emit_c_interface`.
//
//===----------------------------------------------------------------------===//

#include "RuntimeCalls.h"

#include "cascade/Dialect/Cascade.h"
#include "cascade/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace cascade {
#define GEN_PASS_DEF_CASCADECONVERTROUTINGTORUNTIME
#include "cascade/Transforms/Passes.h.inc"
} // namespace cascade

using namespace mlir;
using namespace cascade;

std::string cascade::runtimeTypeSuffix(Type t) {
  if (t.isF32())
    return "f32";
  if (t.isF64())
    return "f64";
  if (t.isF16())
    return "f16";
  if (t.isBF16())
    return "bf16";
  if (t.isInteger(64))
    return "i64";
  if (t.isInteger(32))
    return "i32";
  return "";
}

namespace {

int64_t numElements(Value v) {
  return cast<RankedTensorType>(v.getType()).getNumElements();
}

/// `v` as a 1-D buffer for a kernel argument.
Value flatBuffer(OpBuilder &b, Location loc, Value v) {
  auto type = cast<RankedTensorType>(v.getType());
  auto flatType = RankedTensorType::get({type.getNumElements()},
                                        type.getElementType());
  Value flat = v;
  if (type.getRank() != 1) {
    SmallVector<ReassociationIndices> all(1);
    for (int64_t d = 0; d < type.getRank(); ++d)
      all[0].push_back(d);
    flat = type.getRank() == 0
               ? Value(tensor::ExpandShapeOp::create(
                     b, loc, flatType, v, ArrayRef<ReassociationIndices>{}))
               : Value(tensor::CollapseShapeOp::create(b, loc, flatType, v,
                                                       all));
  }
  return bufferization::ToBufferOp::create(
      b, loc,
      MemRefType::get(flatType.getShape(), flatType.getElementType()), flat,
      /*read_only=*/true);
}

struct KernelOutput {
  Value buffer;
  RankedTensorType type;
};

KernelOutput allocOutput(OpBuilder &b, Location loc, Type resultType) {
  auto type = cast<RankedTensorType>(resultType);
  Value buffer = memref::AllocOp::create(
      b, loc, MemRefType::get({type.getNumElements()}, type.getElementType()),
      b.getI64IntegerAttr(64));
  return {buffer, type};
}

Value outputTensor(OpBuilder &b, Location loc, const KernelOutput &out) {
  auto flatType = RankedTensorType::get({out.type.getNumElements()},
                                        out.type.getElementType());
  Value flat = bufferization::ToTensorOp::create(b, loc, flatType, out.buffer,
                                                 /*restrict=*/true,
                                                 /*writable=*/true);
  if (out.type.getRank() == 1)
    return flat;
  SmallVector<ReassociationIndices> all(1);
  for (int64_t d = 0; d < out.type.getRank(); ++d)
    all[0].push_back(d);
  if (out.type.getRank() == 0)
    all.clear();
  return tensor::ExpandShapeOp::create(b, loc, out.type, flat, all);
}

LogicalResult unsupportedTypes(Operation *op, ArrayRef<Type> types) {
  auto diag = op->emitError() << "the CPU runtime has no kernel for '"
                              << op->getName() << "' on element types";
  for (Type t : types)
    diag << " " << t;
  return diag << " (supported: f32, f64, f16, bf16, i64, i32 values; i64, "
                 "i32 indices)";
}

Type eltOf(Value v) {
  return cast<ShapedType>(v.getType()).getElementType();
}

struct TopKToRuntime : OpRewritePattern<TopKOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(TopKOp op,
                                PatternRewriter &rewriter) const override {
    auto in = cast<RankedTensorType>(op.getInput().getType());
    if (!in.hasStaticShape())
      return op.emitError() << "the CPU target needs static shapes here";
    std::string v = runtimeTypeSuffix(in.getElementType());
    std::string i = runtimeTypeSuffix(eltOf(op.getIndices()));
    if (v.empty() || (i != "i64" && i != "i32") ||
        eltOf(op.getValues()) != in.getElementType())
      return unsupportedTypes(op, {in.getElementType(), eltOf(op.getIndices())});
    Location loc = op.getLoc();
    KernelOutput values = allocOutput(rewriter, loc, op.getValues().getType());
    KernelOutput indices =
        allocOutput(rewriter, loc, op.getIndices().getType());
    Value input = flatBuffer(rewriter, loc, op.getInput());
    int64_t groups = op.getNumGroups() ? int64_t(*op.getNumGroups()) : 0;
    int64_t kept = op.getGroupsKept() ? int64_t(*op.getGroupsKept()) : 0;
    if (failed(callRuntimeKernel(rewriter, op, "cascade_rt_topk_" + v + "_" + i,
                          {input, values.buffer, indices.buffer,
                           i64Const(rewriter, loc, in.getShape().back()),
                           i64Const(rewriter, loc, op.getK()),
                           i64Const(rewriter, loc, groups),
                           i64Const(rewriter, loc, kept)})))
      return failure();
    rewriter.replaceOp(op, {outputTensor(rewriter, loc, values),
                            outputTensor(rewriter, loc, indices)});
    return success();
  }
};

struct GatherToRuntime : OpRewritePattern<GatherOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(GatherOp op,
                                PatternRewriter &rewriter) const override {
    auto src = cast<RankedTensorType>(op.getSource().getType());
    if (!src.hasStaticShape() ||
        !cast<RankedTensorType>(op.getIndices().getType()).hasStaticShape())
      return op.emitError() << "the CPU target needs static shapes here";
    std::string v = runtimeTypeSuffix(src.getElementType());
    std::string i = runtimeTypeSuffix(eltOf(op.getIndices()));
    if (v.empty() || (i != "i64" && i != "i32"))
      return unsupportedTypes(op, {src.getElementType(), eltOf(op.getIndices())});
    Location loc = op.getLoc();
    int64_t rowSize = src.getDimSize(0) ? src.getNumElements() / src.getDimSize(0) : 0;
    KernelOutput out = allocOutput(rewriter, loc, op.getResult().getType());
    if (failed(callRuntimeKernel(
            rewriter, op, "cascade_rt_gather_" + v + "_" + i,
            {flatBuffer(rewriter, loc, op.getSource()),
             flatBuffer(rewriter, loc, op.getIndices()), out.buffer,
             i64Const(rewriter, loc, rowSize),
             i64Const(rewriter, loc, op.getDivisor())})))
      return failure();
    rewriter.replaceOp(op, outputTensor(rewriter, loc, out));
    return success();
  }
};

struct ScatterToRuntime : OpRewritePattern<ScatterOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ScatterOp op,
                                PatternRewriter &rewriter) const override {
    auto result = cast<RankedTensorType>(op.getResult().getType());
    if (!result.hasStaticShape() ||
        !cast<RankedTensorType>(op.getSource().getType()).hasStaticShape() ||
        !cast<RankedTensorType>(op.getIndices().getType()).hasStaticShape())
      return op.emitError() << "the CPU target needs static shapes here";
    std::string v = runtimeTypeSuffix(result.getElementType());
    std::string i = runtimeTypeSuffix(eltOf(op.getIndices()));
    std::string w =
        op.getWeights() ? runtimeTypeSuffix(eltOf(op.getWeights())) : v;
    if (v.empty() || (i != "i64" && i != "i32") ||
        eltOf(op.getSource()) != result.getElementType() || w != v)
      return unsupportedTypes(op, {eltOf(op.getSource()), eltOf(op.getIndices())});
    Location loc = op.getLoc();
    int64_t slots = numElements(op.getIndices());
    int64_t rowSize = slots ? numElements(op.getSource()) / slots : 0;
    KernelOutput out = allocOutput(rewriter, loc, result);
    SmallVector<Value> args{flatBuffer(rewriter, loc, op.getSource()),
                            flatBuffer(rewriter, loc, op.getIndices())};
    if (op.getWeights())
      args.push_back(flatBuffer(rewriter, loc, op.getWeights()));
    args.append({out.buffer, i64Const(rewriter, loc, rowSize),
                 i64Const(rewriter, loc, op.getDivisor())});
    std::string name = op.getWeights() ? "cascade_rt_scatter_weighted_"
                                       : "cascade_rt_scatter_";
    if (failed(callRuntimeKernel(rewriter, op, name + v + "_" + i, args)))
      return failure();
    rewriter.replaceOp(op, outputTensor(rewriter, loc, out));
    return success();
  }
};

/// The message names what is checked: a private constant global of its
/// bytes, passed as memref<?xi8>.
Value messageBuffer(PatternRewriter &rewriter, Operation *op, StringRef text) {
  auto module = op->getParentOfType<ModuleOp>();
  Location loc = op->getLoc();
  auto type = MemRefType::get({static_cast<int64_t>(text.size())},
                              rewriter.getI8Type());
  std::string name;
  for (int i = 0;; ++i) {
    name = "cascade_rt_message_" + std::to_string(i);
    auto existing = module.lookupSymbol<memref::GlobalOp>(name);
    if (!existing)
      break;
    auto value = dyn_cast_or_null<DenseElementsAttr>(existing.getInitialValueAttr());
    if (existing.getType() == type && value &&
        llvm::equal(value.getValues<int8_t>(), text.bytes()))
      return memref::GetGlobalOp::create(rewriter, loc, type, name);
  }
  {
    OpBuilder::InsertionGuard guard(rewriter);
    rewriter.setInsertionPointToStart(module.getBody());
    SmallVector<int8_t> bytes(text.begin(), text.end());
    auto tensorType =
        RankedTensorType::get(type.getShape(), rewriter.getI8Type());
    memref::GlobalOp::create(
        rewriter, loc, name, rewriter.getStringAttr("private"), type,
        DenseElementsAttr::get(tensorType, ArrayRef<int8_t>(bytes)),
        /*constant=*/true, IntegerAttr());
  }
  return memref::GetGlobalOp::create(rewriter, loc, type, name);
}

struct CheckIndicesToRuntime : OpRewritePattern<CheckIndicesOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(CheckIndicesOp op,
                                PatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(op.getInput().getType());
    std::string i = runtimeTypeSuffix(type.getElementType());
    if (!type.hasStaticShape() || (i != "i64" && i != "i32"))
      return op.emitError() << "the CPU target checks statically shaped i64 "
                               "or i32 tensors, got "
                            << type;
    Location loc = op.getLoc();
    int64_t flags = (op.getAllow() ? 1 : 0) | (op.getNondecreasing() ? 2 : 0);
    // The kernel reports a bad entry (the launch then fails with its
    // message) but the work items still run to the end: the result is a
    // copy with every entry forced into range, so that nothing downstream
    // indexes out of bounds before the error is returned.
    KernelOutput out = allocOutput(rewriter, loc, type);
    if (failed(callRuntimeKernel(
            rewriter, op, "cascade_rt_check_" + i,
            {flatBuffer(rewriter, loc, op.getInput()), out.buffer,
             i64Const(rewriter, loc, op.getLower()),
             i64Const(rewriter, loc, op.getUpper()),
             i64Const(rewriter, loc, op.getAllow() ? *op.getAllow() : 0),
             i64Const(rewriter, loc, flags),
             messageBuffer(rewriter, op, op.getWhat())})))
      return failure();
    rewriter.replaceOp(op, outputTensor(rewriter, loc, out));
    return success();
  }
};

struct ConvertRoutingToRuntimePass
    : cascade::impl::CascadeConvertRoutingToRuntimeBase<
          ConvertRoutingToRuntimePass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<TopKToRuntime, GatherToRuntime, ScatterToRuntime,
                 CheckIndicesToRuntime>(
        &getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    WalkResult left = getOperation()->walk([](Operation *op) {
      if (isa<TopKOp, GatherOp, ScatterOp, PermuteOp, CheckIndicesOp>(op)) {
        op->emitError() << "cascade-convert-routing-to-runtime could not "
                           "lower this op"
                        << (isa<PermuteOp>(op)
                                ? " (run cascade-lower-routing first)"
                                : "");
        return WalkResult::interrupt();
      }
      return WalkResult::advance();
    });
    if (left.wasInterrupted())
      signalPassFailure();
  }
};

} // namespace
