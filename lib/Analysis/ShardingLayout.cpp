//===- ShardingLayout.cpp - how a tensor is split over mesh axes ----------===//

#include "dsc/Analysis/ShardingLayout.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/raw_ostream.h"

using namespace dsc;

Layout Layout::replicated(llvm::ArrayRef<int64_t> shape) {
  Layout layout;
  for (int64_t size : shape)
    layout.dims.push_back({Atom{size, -1}});
  return layout;
}

bool Layout::isReplicated() const {
  return llvm::all_of(dims, [](const DimLayout &dim) {
    return llvm::all_of(dim, [](const Atom &a) { return a.axis < 0; });
  });
}

llvm::SmallVector<int64_t>
Layout::localShape(llvm::ArrayRef<int64_t> axisSizes) const {
  llvm::SmallVector<int64_t> shape;
  for (const DimLayout &dim : dims) {
    int64_t size = 1;
    for (const Atom &atom : dim)
      size *= atom.axis < 0 ? atom.size : atom.size / axisSizes[atom.axis];
    shape.push_back(size);
  }
  return shape;
}

void Layout::normalize() {
  for (DimLayout &dim : dims) {
    DimLayout merged;
    for (const Atom &atom : dim) {
      if (atom.size == 1 && atom.axis < 0)
        continue;
      if (!merged.empty() && merged.back().axis < 0 && atom.axis < 0)
        merged.back().size *= atom.size;
      else
        merged.push_back(atom);
    }
    if (merged.empty())
      merged.push_back(Atom{1, -1});
    dim = std::move(merged);
  }
}

std::string Layout::str(llvm::ArrayRef<std::string> axisNames) const {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << "[";
  llvm::interleaveComma(dims, os, [&](const DimLayout &dim) {
    llvm::interleave(
        dim, os,
        [&](const Atom &a) {
          os << a.size;
          if (a.axis >= 0)
            os << "{" << axisNames[a.axis] << "}";
        },
        "*");
  });
  os << "]";
  return text;
}

std::optional<llvm::SmallVector<int64_t>>
dsc::refineSizes(llvm::ArrayRef<int64_t> a, llvm::ArrayRef<int64_t> b) {
  llvm::SmallVector<int64_t> out;
  size_t i = 0, j = 0;
  int64_t x = a.empty() ? 1 : a[0], y = b.empty() ? 1 : b[0];
  // Size-1 entries carry no boundary that matters.
  auto advanceA = [&] { x = ++i < a.size() ? a[i] : 1; };
  auto advanceB = [&] { y = ++j < b.size() ? b[j] : 1; };
  while (i < a.size() || j < b.size()) {
    if (i < a.size() && x == 1) {
      advanceA();
      continue;
    }
    if (j < b.size() && y == 1) {
      advanceB();
      continue;
    }
    if (i >= a.size() || j >= b.size())
      return std::nullopt;
    if (x == y) {
      out.push_back(x);
      advanceA();
      advanceB();
    } else if (y % x == 0) {
      out.push_back(x);
      y /= x;
      advanceA();
    } else if (x % y == 0) {
      out.push_back(y);
      x /= y;
      advanceB();
    } else {
      return std::nullopt;
    }
  }
  if (out.empty())
    out.push_back(1);
  return out;
}

bool dsc::axesUsedOnce(llvm::ArrayRef<Atom> atoms) {
  llvm::SmallVector<int, 4> axes;
  for (const Atom &a : atoms) {
    if (a.axis < 0)
      continue;
    if (llvm::is_contained(axes, a.axis))
      return false;
    axes.push_back(a.axis);
  }
  return true;
}

std::optional<DimLayout> dsc::splitAtoms(const DimLayout &dim,
                                         llvm::ArrayRef<int64_t> sizes,
                                         llvm::ArrayRef<int64_t> axisSizes) {
  DimLayout out;
  size_t atomIndex = 0;
  int64_t remaining = dim.empty() ? 1 : dim[0].size;
  bool atomStarted = false;
  for (int64_t size : sizes) {
    while (atomIndex < dim.size() && remaining == 1 && !atomStarted &&
           dim[atomIndex].size == 1) {
      ++atomIndex;
      remaining = atomIndex < dim.size() ? dim[atomIndex].size : 1;
    }
    if (size == 1) {
      out.push_back(Atom{1, -1});
      continue;
    }
    if (atomIndex >= dim.size() || remaining % size != 0)
      return std::nullopt;
    const Atom &atom = dim[atomIndex];
    // The major piece of a split atom carries the split (it must divide
    // evenly, so that each rank's block stays contiguous); the minor pieces
    // are whole within each rank's block.
    int axis = -1;
    if (atom.axis >= 0 && !atomStarted) {
      if (size % axisSizes[atom.axis] != 0)
        return std::nullopt;
      axis = atom.axis;
    }
    out.push_back(Atom{size, axis});
    remaining /= size;
    atomStarted = true;
    if (remaining == 1) {
      ++atomIndex;
      remaining = atomIndex < dim.size() ? dim[atomIndex].size : 1;
      atomStarted = false;
    }
  }
  return out;
}

llvm::SmallVector<int64_t> dsc::atomSizes(const DimLayout &dim) {
  llvm::SmallVector<int64_t> sizes;
  for (const Atom &a : dim)
    sizes.push_back(a.size);
  return sizes;
}

std::optional<std::pair<DimLayout, DimLayout>>
dsc::alignAtoms(const DimLayout &a, const DimLayout &b,
                llvm::ArrayRef<int64_t> axisSizes) {
  auto refined = refineSizes(atomSizes(a), atomSizes(b));
  if (!refined)
    return std::nullopt;
  auto pa = splitAtoms(a, *refined, axisSizes);
  auto pb = splitAtoms(b, *refined, axisSizes);
  if (!pa || !pb)
    return std::nullopt;
  return std::make_pair(std::move(*pa), std::move(*pb));
}
