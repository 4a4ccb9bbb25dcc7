//===- Backends.h - the collectives backends --------------------*- C++ -*-===//
//
// The entry points of the backends, for `connectWorld`.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_LIB_RUNTIME_COMM_BACKENDS_H
#define DSC_LIB_RUNTIME_COMM_BACKENDS_H

#include "Rendezvous.h"

namespace dsc::rt::comm {

/// Connects the world communicator over Gloo's TCP transport.
llvm::Expected<std::unique_ptr<World>>
connectGlooWorld(const WorldOptions &options,
                 std::unique_ptr<Rendezvous> rendezvous);

#ifdef DSC_COMM_HAVE_NCCL
/// Connects the world communicator over NCCL on GPU `options.localRank`.
llvm::Expected<std::unique_ptr<World>>
connectNcclWorld(const WorldOptions &options,
                 std::unique_ptr<Rendezvous> rendezvous);
#endif

} // namespace dsc::rt::comm

#endif // DSC_LIB_RUNTIME_COMM_BACKENDS_H
