//===- TorchPickle.h - check the tensors a TorchScript pickle builds -*- C++
//-*-===//
//
// A TorchScript archive describes its tensors in pickles (data.pkl,
// constants.pkl): a persistent id per storage, ('storage', torch.FloatStorage,
// key, location, numel), and a torch._utils._rebuild_tensor_v2 call per view
// of it. LibTorch trusts both: it wraps the record `data/<key>` in a storage
// of numel elements whatever the record's size, and sets a view's sizes and
// strides without a bounds check, so a pickle that claims more than its
// record holds makes every read of that tensor run past the buffer (garbage
// weights, or a crash). dsc checks them itself before LibTorch loads the file.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_RUNTIME_TORCHPICKLE_H
#define DSC_RUNTIME_TORCHPICKLE_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <optional>

namespace dsc::rt {

/// The elements a strided view reaches from the start of its storage:
/// offset + sum((size - 1) * stride) + 1, or 0 when a size is 0; nullopt
/// when a value is negative, the ranks differ or the sum overflows.
std::optional<int64_t> viewStorageElements(llvm::ArrayRef<int64_t> sizes,
                                           llvm::ArrayRef<int64_t> strides,
                                           int64_t offset);

/// The size in bytes of the record that holds storage `key`, or nullopt when
/// the archive has no such record.
using StorageRecordSize =
    llvm::function_ref<std::optional<uint64_t>(llvm::StringRef key)>;

/// Scans the pickle `bytes` (protocol 2-5, the opcodes LibTorch's unpickler
/// reads) and checks that every storage it declares has exactly the bytes of
/// its record, and every tensor view built on a storage stays inside it.
/// Storages used in any other way are refused; so are storages at all when
/// `recordSize` is null (pickles that hold no tensors). Errors start with
/// `name` and give the opcode's byte offset.
llvm::Error checkPickledTensors(llvm::StringRef bytes, llvm::StringRef name,
                                std::optional<StorageRecordSize> recordSize);

/// Checks the TorchScript archive at `path` before LibTorch reads it: every
/// entry's CRC-32, no two entries whose names LibTorch would confuse, and
/// checkPickledTensors on each pickle LibTorch's load reads (data.pkl and
/// constants.pkl against the records under data/ and constants/; the debug
/// information, X.debug_pkl, with no storages). Errors name the file.
llvm::Error checkTorchScriptArchive(llvm::StringRef path);

} // namespace dsc::rt

#endif // DSC_RUNTIME_TORCHPICKLE_H
