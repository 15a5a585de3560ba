//===- Npy.h - NumPy .npy files ---------------------------------*- C++ -*-===//
//
// Reads and writes NumPy format 1.0-3.0 files (little-endian, C order).
// dtypes: <f8 <f4 <f2 <i8 <i4 |b1, and bf16, which NumPy lacks: it is stored
// as the raw 16-bit patterns, descr '<u2' (or '<V2' as ml_dtypes writes it).
//
//===----------------------------------------------------------------------===//

#ifndef CASCADE_SUPPORT_NPY_H
#define CASCADE_SUPPORT_NPY_H

#include "cascade/Support/HostTensor.h"

#include "llvm/Support/Error.h"

namespace cascade {

llvm::Expected<HostTensor> readNpy(llvm::StringRef path);
llvm::Expected<HostTensor> parseNpy(llvm::StringRef bytes,
                                    llvm::StringRef name = "<buffer>");
llvm::Error writeNpy(llvm::StringRef path, const HostTensor &tensor);
std::string serializeNpy(const HostTensor &tensor);

} // namespace cascade

#endif // CASCADE_SUPPORT_NPY_H
