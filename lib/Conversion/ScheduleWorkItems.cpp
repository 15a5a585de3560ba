//===- ScheduleWorkItems.cpp - OpenMP schedule of the work-item loops -----===//
//
// Work items reach OpenMP as omp.wsloop without a schedule (static). Sets
// the one asked for, so that threads that run faster than others (a shared
// or noisy host) take more work items instead of waiting at the loop's end.
//
//===----------------------------------------------------------------------===//

#include "cascade/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

namespace cascade {
#define GEN_PASS_DEF_CASCADESCHEDULEWORKITEMS
#include "cascade/Transforms/Passes.h.inc"
} // namespace cascade

using namespace mlir;

namespace {

struct ScheduleWorkItemsPass
    : cascade::impl::CascadeScheduleWorkItemsBase<ScheduleWorkItemsPass> {
  using Base::Base;

  void runOnOperation() override {
    std::optional<omp::ClauseScheduleKind> kind =
        llvm::StringSwitch<std::optional<omp::ClauseScheduleKind>>(schedule)
            .Case("static", omp::ClauseScheduleKind::Static)
            .Case("dynamic", omp::ClauseScheduleKind::Dynamic)
            .Case("guided", omp::ClauseScheduleKind::Guided)
            .Default(std::nullopt);
    if (!kind) {
      emitError(getOperation()->getLoc())
          << "cascade-schedule-work-items: unknown schedule '" << schedule
          << "' (static, dynamic or guided)";
      return signalPassFailure();
    }
    if (chunk < 1) {
      emitError(getOperation()->getLoc())
          << "cascade-schedule-work-items: chunk must be at least 1, got "
          << static_cast<long long>(chunk);
      return signalPassFailure();
    }
    getOperation()->walk([&](omp::WsloopOp loop) {
      if (loop.getScheduleKind())
        return; // chosen by whoever made the loop
      loop.setScheduleKind(*kind);
      if (*kind == omp::ClauseScheduleKind::Static)
        return;
      OpBuilder b(loop);
      loop.getScheduleChunkMutable().assign(arith::ConstantIntOp::create(
          b, loop.getLoc(), b.getI64Type(), chunk));
    });
  }
};

} // namespace
