// Halo exchange: each rank sends the layers of its interior next to a neighbour and
// receives its ghost layers, at most two messages per axis. star posts every axis at
// once; box goes axis after axis, each axis' slabs spanning the ghosts of the axes before
// it, which carries edges and corners without diagonal messages.

#include <optional>
#include <vector>

#include "dist/message.hpp"
#include "dist/mpi_support.hpp"
#include "tandem/dist/array.hpp"

namespace tandem::dist::detail {

struct Halo {
  bool in_flight = false;
  Stencil stencil = Stencil::box;
  int next_axis = 0;  // box: the next axis to exchange
  UntypedArray block;
  std::optional<Layout> layout;
  std::vector<MPI_Request> requests;
  std::vector<OutgoingMessage> sends;     // packed interior layers, kept alive until sent
  std::vector<IncomingMessage> receives;  // arriving ghost layers (on the block's device)
  std::vector<UntypedArray> ghosts;       // where each receive goes

  Halo() = default;
  Halo(const Halo&) = delete;
  Halo& operator=(const Halo&) = delete;
  ~Halo() {
    // An array dropped mid-exchange: complete the messages so that MPI never writes into
    // freed memory (nothing can be thrown from here).
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (in_flight && !finalized && !requests.empty())
      MPI_Waitall(static_cast<int>(requests.size()), requests.data(), MPI_STATUSES_IGNORE);
  }
};

namespace {

constexpr const char* kBegin = "dist::exchange_begin";

/// The neighbour one block below (dir = -1) or above (+1) along axis, or MPI_PROC_NULL.
int neighbour(const Layout& layout, const Dims& coords, int axis, int dir) {
  const std::int64_t n = layout.grid()[axis];
  std::int64_t c = coords[axis] + dir;
  if (c < 0 || c >= n) {
    if (!layout.periodic(axis)) return MPI_PROC_NULL;
    c = (c + n) % n;
  }
  Dims other = coords;
  other[axis] = c;
  return layout.rank_at(other);
}

/// The block's slab along `axis`: ghost (receive) or interior (send) layers on side dir.
UntypedArray slab(const Halo& h, int axis, int dir, bool ghost_layers) {
  const Layout& layout = *h.layout;
  const Shape local = layout.local_shape();
  std::vector<Index> index;
  for (int b = 0; b < layout.ndim(); ++b) {
    const std::int64_t g = layout.ghost()[b];
    const std::int64_t s = local[b];
    if (b == axis) {
      std::int64_t first = 0;
      if (dir < 0)
        first = ghost_layers ? 0 : g;
      else
        first = ghost_layers ? g + s : s;
      index.emplace_back(slice(first, first + g));
    } else if (h.stencil == Stencil::box && b < axis) {
      index.emplace_back(slice());
    } else {
      index.emplace_back(slice(g, g + s));
    }
  }
  return untyped::index(h.block, index.data(), static_cast<int>(index.size()));
}

void post_axis(Halo& h, int axis) {
  const Layout& layout = *h.layout;
  if (layout.ghost()[axis] == 0) return;
  const Dims coords = layout.coords(layout.rank());
  const MPI_Datatype type = mpi_type(h.block.dtype());
  for (int dir : {-1, 1}) {
    const int peer = neighbour(layout, coords, axis, dir);
    if (peer == MPI_PROC_NULL) continue;
    // Tags name the direction of travel, so that two messages between the same pair of
    // ranks (a periodic axis of two blocks) are told apart: what travels down arrives in
    // the receiver's upper ghosts.
    const int send_tag = kHaloTagBase + 2 * axis + (dir < 0 ? 0 : 1);
    const int recv_tag = kHaloTagBase + 2 * axis + (dir < 0 ? 1 : 0);
    UntypedArray ghost = slab(h, axis, dir, true);
    IncomingMessage receive(ghost.dtype(), ghost.shape(), h.block.device(), kBegin);
    OutgoingMessage send(slab(h, axis, dir, false), kBegin);
    const int count = mpi_count(send.packed().size(), kBegin);
    h.requests.emplace_back();
    TANDEM_MPI_CHECK(MPI_Irecv(receive.ptr(), count, type, peer, recv_tag, layout.comm(), &h.requests.back()), kBegin);
    h.requests.emplace_back();
    TANDEM_MPI_CHECK(MPI_Isend(send.ptr(), count, type, peer, send_tag, layout.comm(), &h.requests.back()), kBegin);
    h.sends.push_back(std::move(send));
    h.receives.push_back(std::move(receive));
    h.ghosts.push_back(std::move(ghost));
  }
}

/// Waits for every posted message and writes the received layers into the ghosts.
void complete(Halo& h) {
  if (!h.requests.empty())
    TANDEM_MPI_CHECK(MPI_Waitall(static_cast<int>(h.requests.size()), h.requests.data(), MPI_STATUSES_IGNORE),
                     "dist::exchange_end");
  for (std::size_t i = 0; i < h.ghosts.size(); ++i) untyped::assign(h.ghosts[i], h.receives[i].arrived());
  h.requests.clear();
  h.sends.clear();
  h.receives.clear();
  h.ghosts.clear();
}

/// box: posts the next axis that has ghosts, if any; returns whether it posted one.
bool post_next_box_axis(Halo& h) {
  const Layout& layout = *h.layout;
  while (h.next_axis < layout.ndim() && layout.ghost()[h.next_axis] == 0) ++h.next_axis;
  if (h.next_axis == layout.ndim()) return false;
  post_axis(h, h.next_axis++);
  return true;
}

}  // namespace

std::shared_ptr<Halo> new_halo() { return std::make_shared<Halo>(); }

void exchange_begin(Halo& h, const UntypedArray& block, const Layout& layout, Stencil stencil) {
  TANDEM_CHECK(!h.in_flight, ValueError, kBegin,
               "an exchange of this array is already in flight; call exchange_end() first");
  h.block = block;
  h.layout = layout;
  h.stencil = stencil;
  h.next_axis = 0;
  h.in_flight = true;
  if (stencil == Stencil::star) {
    for (int a = 0; a < layout.ndim(); ++a) post_axis(h, a);
  } else {
    post_next_box_axis(h);
  }
}

void exchange_end(Halo& h) {
  TANDEM_CHECK(h.in_flight, ValueError, "dist::exchange_end", "no exchange in flight (call exchange_begin() first)");
  complete(h);
  if (h.stencil == Stencil::box)
    while (post_next_box_axis(h)) complete(h);
  h.in_flight = false;
  h.block = UntypedArray();
}

bool exchange_in_flight(const Halo& h) { return h.in_flight; }

void require_no_exchange(const Halo& h, const char* op) {
  TANDEM_CHECK(!h.in_flight, ValueError, op,
               "an exchange of this array is in flight: call exchange_end() before using the array");
}

}  // namespace tandem::dist::detail
