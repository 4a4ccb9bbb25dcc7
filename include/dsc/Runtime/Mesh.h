//===- Mesh.h - ranks, mesh coordinates and split inputs --------*- C++ -*-===//
//
// A plan names its device mesh (Plan::mesh) and says how inputs are split
// over it (TensorDesc::shardAxes, TensorDesc::dataShape). These helpers turn
// that into what a rank needs: its mesh coordinates, the group of a
// collective's axes, and its block of a global input. No ATen and no sockets
// here.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_RUNTIME_MESH_H
#define DSC_RUNTIME_MESH_H

#include "dsc/Runtime/Plan.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>
#include <vector>

namespace dsc::rt {

/// Returns the number of ranks the plan runs on: the product of the mesh
/// sizes, 1 for an empty mesh.
int64_t meshRanks(const Plan &plan);

/// Returns the mesh for messages: "dp=2, sp=2", or "no mesh".
std::string describeMesh(const Plan &plan);

/// Returns the sizes of the mesh axes, major to minor.
std::vector<int64_t> meshShape(const Plan &plan);

/// Returns the mesh coordinates of `rank` (row-major numbering), one per
/// mesh axis. `rank` must lie in [0, meshRanks(plan)).
std::vector<int64_t> meshCoordinates(const Plan &plan, int rank);

/// Parses a collective's `axes` attribute ("dp" or "dp,sp") into mesh axis
/// indices, in the order named; an unknown, repeated or empty axis name is
/// an error that lists the mesh.
llvm::Expected<std::vector<int>> parseMeshAxes(const Plan &plan,
                                               llvm::StringRef axes);

/// Returns the global shape of `desc`: each dimension split over a mesh axis
/// is the local size times that axis's size; other dimensions as they are.
std::vector<int64_t> globalShape(const Plan &plan, const TensorDesc &desc);

/// Returns the global shape of the data the user supplies for `desc`:
/// desc.dataShape where the compiler padded the input, else
/// globalShape(plan, desc).
std::vector<int64_t> dataShape(const Plan &plan, const TensorDesc &desc);

/// Copies the block of the user's row-major data (`global`, of
/// dataShape(plan, desc)) that the rank at `coordinates` holds into `local`
/// (desc.numBytes() bytes): along each split dimension the block with the
/// rank's coordinate on that dimension's axis. Elements of the block that
/// lie only in the padded global tensor (an index at or beyond the data's
/// size) are zero bytes.
void copyLocalBlock(const Plan &plan, const TensorDesc &desc,
                    llvm::ArrayRef<int64_t> coordinates,
                    llvm::ArrayRef<uint8_t> global,
                    llvm::MutableArrayRef<uint8_t> local);

} // namespace dsc::rt

#endif // DSC_RUNTIME_MESH_H
