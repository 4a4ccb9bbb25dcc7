//===- PlaceTransfers.cpp - -ds-place-transfers ---------------------------===//
//
// Overlaps the swap transfers of the scheduled step with its compute: a
// reload starts early enough that the ops before its wait take as long as
// the read and the reads the disk (or host link) serves before it, an
// offload's wait comes where the write is over behind the transfers the
// link serves before it, with the bytes in flight each way bounded.
//
//===----------------------------------------------------------------------===//

#include "dsc/Analysis/OpTime.h"
#include "dsc/Analysis/StepPhases.h"
#include "dsc/Dialect/DS/IR/DSOps.h"
#include "dsc/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace dsc {
#define GEN_PASS_DEF_PLACETRANSFERSPASS
#include "dsc/Transforms/Passes.h.inc"
} // namespace dsc

using namespace mlir;
using namespace mlir::ds;

namespace {

/// One transfer: the op that starts it, its wait, its bytes and the
/// memory space at its other end.
struct Transfer {
  Operation *start;
  WaitOp wait;
  int64_t bytes;
  StringRef space;
};

/// The memory space at the other end of a reload or an offload.
StringRef spaceOf(Operation *transfer) {
  if (auto reload = dyn_cast<ReloadOp>(transfer))
    return reload.getSpace();
  return cast<OffloadOp>(transfer).getSpace();
}

/// How much earlier than its own time each reload must start so that one
/// link serving the reads one at a time, in the order of their waits,
/// finishes each by its wait: the reads after it need the link from
/// their own start (working backwards from the last, each must be over
/// when the next one has to begin). `waitTimes` are the reloads' wait
/// times in that order, `durations` their reads' and `links` which link
/// (the disk or the host) serves each.
SmallVector<double> queueDelays(ArrayRef<double> waitTimes,
                                ArrayRef<double> durations,
                                ArrayRef<StringRef> links) {
  SmallVector<double> delays(waitTimes.size(), 0);
  llvm::StringMap<double> nextBegins;
  for (size_t i = waitTimes.size(); i-- > 0;) {
    double deadline = waitTimes[i];
    if (auto next = nextBegins.find(links[i]); next != nextBegins.end())
      deadline = std::min(deadline, next->second);
    delays[i] = waitTimes[i] - deadline;
    nextBegins[links[i]] = deadline - durations[i];
  }
  return delays;
}

/// Bytes in flight over the step's ops: [first, last] op intervals.
class InFlight {
public:
  explicit InFlight(size_t numOps) : bytes(numOps, 0) {}
  int64_t at(size_t op) const { return bytes[op]; }
  void add(size_t first, size_t last, int64_t amount) {
    for (size_t i = first; i <= last; ++i)
      bytes[i] += amount;
  }

private:
  std::vector<int64_t> bytes;
};

/// Where each offload's wait goes: the step plays on the cost model (its
/// ops in order; a host copy without a copy engine in line; each link
/// serving the transfers that overlap one at a time in the order they
/// start), and a write's wait follows the first op at whose end the write
/// is over (known when it starts, behind the transfers queued before it).
/// A wait stalls the step where it must: before the first reader of what it
/// waits for, at the step's end, and before a write that would take the bytes
/// in flight past `budget` (the oldest writes' waits first). Returns how many
/// waits moved.
unsigned placeOffloadWaits(Block &body, const dsc::Hardware &machine,
                           ArrayRef<Transfer> reloads,
                           ArrayRef<Transfer> offloads, int64_t budget) {
  DenseMap<Operation *, const Transfer *> transferOf;
  for (const Transfer &transfer :
       llvm::concat<const Transfer>(reloads, offloads))
    transferOf[transfer.start] = transferOf[transfer.wait] = &transfer;
  struct Pending {
    const Transfer *write;
    double finish;
  };
  SmallVector<Pending> pending;
  DenseMap<Operation *, double> readFinish;
  llvm::StringMap<double> linkFree;
  int64_t pendingBytes = 0;
  double now = 0;
  unsigned moved = 0;
  // Takes pending write `index` off the queue, its wait going before `op`
  // (or after `*after`, then the wait itself).
  auto place = [&](size_t index, Operation *op, Operation **after) {
    Operation *wait = pending[index].write->wait;
    now = std::max(now, pending[index].finish);
    pendingBytes -= pending[index].write->bytes;
    pending.erase(pending.begin() + index);
    if (after ? (*after)->getNextNode() != wait : wait->getNextNode() != op) {
      if (after)
        wait->moveAfter(*after);
      else
        wait->moveBefore(op);
      ++moved;
    }
    if (after)
      *after = wait;
  };
  // The walk visits the ops in their order before it moves any.
  SmallVector<Operation *> ops = llvm::map_to_vector(
      body.without_terminator(), [](Operation &op) { return &op; });
  for (Operation *op : ops) {
    // Waits that must come before this op: for what it, or an op in its
    // regions, reads.
    for (size_t i = 0; i < pending.size();)
      if (llvm::any_of(pending[i].write->wait->getUsers(),
                       [&](Operation *user) { return op->isAncestor(user); }))
        place(i, op, nullptr);
      else
        ++i;
    const Transfer *transfer = transferOf.lookup(op);
    if (!transfer) {
      if (isa<ReloadOp, OffloadOp>(op))
        now += dsc::transferTime(
            machine, spaceOf(op),
            double(cast<CostOpInterface>(op).getBytesWritten()));
      else if (!isa<WaitOp>(op))
        now += dsc::plannedSeconds(machine, op);
      Operation *after = op;
      for (size_t i = 0; i < pending.size();)
        if (pending[i].finish <= now)
          place(i, op, &after);
        else
          ++i;
      continue;
    }
    bool write = isa<OffloadOp>(transfer->start);
    if (transfer->start == op) {
      // Room for a write: the oldest writes' waits first.
      while (write && !pending.empty() &&
             pendingBytes + transfer->bytes > budget)
        place(0, op, nullptr);
      double &free = linkFree[transfer->space];
      free = std::max(free, now) + dsc::transferTime(machine, transfer->space,
                                                     double(transfer->bytes));
      if (write) {
        pending.push_back({transfer, free});
        pendingBytes += transfer->bytes;
      } else {
        readFinish[op] = free;
      }
      continue;
    }
    // A reload's wait stalls until its read is over; an offload's goes
    // where its write is over.
    if (!write)
      now = std::max(now, readFinish.lookup(transfer->start));
  }
  // The step ends when its writes are over.
  while (!pending.empty())
    place(0, body.getTerminator(), nullptr);
  return moved;
}

struct PlaceTransfersPass
    : dsc::impl::PlaceTransfersPassBase<PlaceTransfersPass> {
  using PlaceTransfersPassBase::PlaceTransfersPassBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto step = module.lookupSymbol<func::FuncOp>(DSDialect::kTrainStepFunc);
    if (!step || !overlap)
      return;
    llvm::Expected<dsc::Hardware> machine = dsc::loadHardware(hardware);
    if (!machine) {
      module.emitError() << "ds-place-transfers: "
                         << llvm::toString(machine.takeError());
      return signalPassFailure();
    }
    // Host copies overlap compute only beside a copy engine; without one
    // (the CPU runtime) they stay where they are.
    Block &body = step.front();
    SmallVector<Transfer> reloads, offloads;
    int64_t largest = 0;
    for (WaitOp wait : body.getOps<WaitOp>()) {
      Operation *start = wait.getInput().getDefiningOp();
      auto reload = dyn_cast<ReloadOp>(start);
      Transfer transfer{
          start, wait,
          static_cast<int64_t>(cast<CostOpInterface>(start).getBytesWritten()),
          spaceOf(start)};
      if (transfer.space == "cpu" && !machine->copyEngine)
        continue;
      largest = std::max(largest, transfer.bytes);
      (reload ? reloads : offloads).push_back(transfer);
    }
    if (reloads.empty() && offloads.empty())
      return;
    int64_t budget = inFlightBytes > 0 ? int64_t(inFlightBytes) : largest;

    // The step's ops in order with their planned times; transfers and
    // waits take none (they only start or end work elsewhere).
    SmallVector<Operation *> ops;
    SmallVector<double> seconds;
    DenseMap<Operation *, size_t> indexOf;
    auto number = [&] {
      ops.clear();
      seconds.clear();
      indexOf.clear();
      for (Operation &op : body.without_terminator()) {
        indexOf[&op] = ops.size();
        ops.push_back(&op);
        seconds.push_back(isa<ReloadOp, OffloadOp, WaitOp>(op)
                              ? 0.0
                              : dsc::plannedSeconds(*machine, &op));
      }
    };
    number();

    // Reloads in the order they are needed: each starts before the ops
    // that hide it, as long as the reads in flight fit the budget, and
    // after what it reads is there (an offloaded activation's wait) and the
    // previous read of its file is over.
    llvm::sort(reloads, [&](const Transfer &a, const Transfer &b) {
      return indexOf[a.wait] < indexOf[b.wait];
    });
    // An offloaded activation comes back in the backward, not before: its
    // buffer would be in memory across the forward it left.
    FailureOr<DenseMap<Operation *, dsc::StepPhase>> phases =
        dsc::computePhases(step);
    if (failed(phases))
      return signalPassFailure();
    size_t backward = ops.size();
    for (auto [index, op] : llvm::enumerate(ops))
      if (phases->lookup(op) == dsc::StepPhase::Backward &&
          !isa<ReloadOp, OffloadOp, WaitOp>(op)) {
        backward = index;
        break;
      }
    // A file has one transfer in flight: an argument reloaded in several
    // phases (a parameter) is read again only after the last read's wait.
    // (A reload after an offload of the same argument, which would read the
    // new value, never occurs: -ds-schedule keeps an update after every
    // reader of what it updates.)
    // The link serves the reads one at a time: a read must also leave
    // room for those after it (queueDelays).
    SmallVector<double> waitTimes, durations;
    SmallVector<StringRef> links;
    double now = 0;
    SmallVector<double> timeAt;
    for (double opSeconds : seconds)
      timeAt.push_back(now), now += opSeconds;
    for (Transfer &reload : reloads) {
      waitTimes.push_back(timeAt[indexOf[reload.wait]]);
      durations.push_back(
          dsc::transferTime(*machine, reload.space, double(reload.bytes)));
      links.push_back(reload.space);
    }
    SmallVector<double> delays = queueDelays(waitTimes, durations, links);
    InFlight reading(ops.size());
    DenseMap<Value, size_t> lastRead;
    llvm::SmallPtrSet<Operation *, 32> moved;
    for (auto [position, reload] : llvm::enumerate(reloads)) {
      size_t wait = indexOf[reload.wait], first = wait, floor = 0;
      Value source = reload.start->getOperand(0);
      if (Operation *def = source.getDefiningOp())
        floor = std::max(indexOf[def] + 1, std::min(backward, wait));
      if (auto it = lastRead.find(source); it != lastRead.end())
        floor = std::max(floor, it->second + 1);
      lastRead[source] = wait;
      double needed = durations[position] + delays[position];
      double hidden = 0;
      while (first > floor && hidden < needed &&
             reading.at(first - 1) + reload.bytes <= budget)
        hidden += seconds[--first];
      if (first >= indexOf[reload.start])
        continue;
      reading.add(first, wait, reload.bytes);
      // ops[] keeps the order before the moves: a reload there may have
      // moved up already, so the read starts before the next other op.
      size_t anchor = first;
      while (moved.contains(ops[anchor]))
        ++anchor;
      reload.start->moveBefore(ops[anchor]);
      moved.insert(reload.start);
      ++numMoved;
    }
    numMoved += placeOffloadWaits(body, *machine, reloads, offloads, budget);
  }
};

} // namespace
