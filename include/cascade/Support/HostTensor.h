//===- HostTensor.h - tensors on the host, as the reference sees them -*- C++
//-*-===//

#ifndef CASCADE_SUPPORT_HOSTTENSOR_H
#define CASCADE_SUPPORT_HOSTTENSOR_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <string>
#include <vector>

namespace cascade {

/// Element types that cross the tool boundary (.npy files, entry points).
enum class DType { f64, f32, f16, bf16, i64, i32, i1 };

llvm::StringRef dtypeName(DType dtype);
bool isFloatDType(DType dtype);

/// A dense row-major tensor whose values are held in float64, whatever its
/// dtype: the reference interpreter computes in float64 and rounds to the
/// dtype only when values leave it. Integers are exact up to 2^53.
struct HostTensor {
  llvm::SmallVector<int64_t> shape;
  std::vector<double> data;
  DType dtype = DType::f64;

  HostTensor() = default;
  HostTensor(llvm::ArrayRef<int64_t> shape, DType dtype)
      : shape(shape), data(numElements(shape), 0.0), dtype(dtype) {}

  static int64_t numElements(llvm::ArrayRef<int64_t> shape) {
    int64_t n = 1;
    for (int64_t d : shape)
      n *= d;
    return n;
  }
  int64_t size() const { return static_cast<int64_t>(data.size()); }
  int64_t rank() const { return static_cast<int64_t>(shape.size()); }
  /// "2x8x16xf32"
  std::string describe() const;
};

/// Rounds `value` to what `dtype` can hold (round to nearest even for
/// floats, truncation toward zero for integers, != 0 for i1).
double roundToDType(double value, DType dtype);

} // namespace cascade

#endif // CASCADE_SUPPORT_HOSTTENSOR_H
