#pragma once
// Every tuning constant in one place, each with the benchmark that justified it.

#include <cstddef>
#include <cstdint>

namespace tandem::tuning {

/// Element-wise ops over fewer elements than this run on the calling thread: entering an
/// OpenMP parallel region costs about 1-3 us on the 2-core CI machine, while one thread
/// adds ~32 K doubles in about that time. bench: BM_Add/threads (docs/performance.md).
inline constexpr std::int64_t kParallelMinElements = 32768;

/// cpu::parallel_for hands out work in chunks of this many elements (a multiple of 16):
/// small enough that a thread slowed by another process leaves the rest of its share to the
/// others, large enough that claiming one (an atomic add) costs nothing next to it (adding
/// 64 K doubles streams 1.5 MB, tens of microseconds). The first value tried, not tuned;
/// bench: scripts/bench_busy_core.sh (docs/performance.md, issue 17).
inline constexpr std::int64_t kParallelChunkElements = std::int64_t{1} << 16;

/// How long an idle worker of tandem's thread pool spins for the next region before it
/// sleeps (src/cpu/thread_pool.cpp): longer than the gap between back-to-back ops, far
/// shorter than OpenMP's default spinning, which took a busy core's time (issue 17).
inline constexpr int kPoolSpinMicroseconds = 50;

/// Binary ops on contiguous runs shorter than this skip the Highway dispatch: the compiler's
/// vectorised loop is as fast there (add measured 1.0x either way, docs/accuracy.md) and the
/// dispatch costs ~120 instructions, a tenth of a 16-element add. bench: add, out=, 16.
inline constexpr std::int64_t kSimdBinaryMinElements = 64;

/// Element-wise results smaller than this are computed at once even with laziness on
/// (docs/lazy.md): building and later evaluating a graph node costs a few hundred
/// nanoseconds, more than a 16-element add, while fusion only pays once the operands
/// leave the cache. The first value tried; bench: BM_LazyAdd16 and the fused chains in
/// bench/lazy_bench.cpp (docs/performance.md).
inline constexpr std::int64_t kLazyMinElements = 4096;

/// The fused element-wise evaluator (src/cpu/fused.cpp) runs each instruction over blocks of
/// this many elements, a multiple of every vector width (16 floats of AVX-512). Measured on
/// the quiet 2-core VM (tandem_bench_lazy chain8/lazy, 2^24 doubles, medians): 256: 25 ms,
/// 512: 17-18 ms, 1024: 16-19 ms, 2048: 19-24 ms, 8192: 26-27 ms, 16384: 27-28 ms: a block
/// of doubles is 8 KiB, so the few live scratch values stay in the 48 KiB L1.
inline constexpr std::int64_t kFusedBlockElements = 1024;

/// The fused evaluator's register tiles (src/cpu/fused_tile.cpp) prefetch their streamed
/// inputs this far ahead. tandem_bench_lazy chain8/lazy, 1 thread, best of 9 in one run
/// (2026-12-06 13:41, load 2.5-3.5): none 18.5 ms, 1 KiB 15.4 ms, 4 KiB 14.7 ms; one copy
/// pass 10.3-11.3 ms.
inline constexpr std::int64_t kFusedPrefetchBytes = 4096;

/// ... but only when the call's arrays (its output and each distinct input, a stencil's
/// shifted views counted once) take more than this fraction of the last-level cache: data
/// the cache holds comes fast enough through the hardware's prefetchers, and the software
/// prefetches (a tile's 8 lines for each stream) only add work. tandem_peer, 2 threads, on
/// the 300 MiB-L3 VM (2026-12-06 23:18-23:22, load 1.0-1.5): with and without, alternating,
/// 6 processes each (min / median): heat 2048^2 x 50 in place 74.4 / 75.8 ms -> 73.0 / 74.3;
/// into a second grid 59.7 / 61.8 -> 58.7 / 59.6; in one earlier minute 80.6-81.8 -> 72.5-74.3,
/// 64.9 -> 58.5-58.7 and stencil3d 160^3 x 20 53.7 -> 51.3-51.5. From memory they still pay
/// (chain8 above; a 5-input program into a 6th array, 2^23 doubles each: 0.84-0.90 ns an
/// element with, 0.94-0.95 without).
inline constexpr double kFusedPrefetchCacheShare = 0.5;

/// The register tiles run a compiled loop (src/cpu/fused_jit.cpp) on AVX2 and AVX-512 in a
/// fused pass of at least this many elements: writing a loop takes 12-22 us the first time
/// a program is seen (4-32 instructions, the mmap and mprotect included; a later lookup 0.1
/// us; Zen 1 VM, 2026-12-07), about what the interpreter spends on 2^14-2^15 elements, so a
/// pass of 2^16 pays for it even if its program never comes back; smaller passes stay
/// interpreted (the same bits).
inline constexpr std::int64_t kFusedJitMinElements = std::int64_t{1} << 16;

/// Fused results of at least this many bytes are written with non-temporal stores (no
/// read of each cache line before it is written: 4 instead of 5 arrays of traffic for
/// a * b + c); smaller ones stay in the cache for their next reader. Beyond the 2-core CI
/// machine's L2 and its share of L3; bench: axpy and chain8 in bench/lazy_bench.cpp.
inline constexpr std::int64_t kFusedStreamMinBytes = std::int64_t{8} << 20;

/// A lazy graph is evaluated once it would hold more instructions or array inputs than
/// this: deeper chains gain nothing more from fusion, and every input stays alive (pinned)
/// until the graph runs. Not measured; bounds memory and the evaluator's scratch.
inline constexpr int kLazyMaxInstructions = 64;
inline constexpr int kLazyMaxInputs = 16;

/// Element-wise outputs of at least this many bytes are written with non-temporal stores on
/// the Highway paths: the output lines are not read before being overwritten (a third less
/// memory traffic for a unary op) and do not evict the inputs. Far above the 2 x 2 MiB of L2
/// here, where the measured gain starts; smaller outputs stay cached for the next op.
/// bench: scripts/bench_compare.py (add and exp, out=, 2^25; docs/performance.md).
inline constexpr std::int64_t kStreamingStoreMinBytes = std::int64_t{32} << 20;

/// The Highway transcendental loops (src/cpu/simd_math.cpp) prefetch their input this far
/// ahead: the hardware's prefetchers stop at page boundaries, so a loop that computes
/// between its loads added its memory time to its compute time. bench/math_overlap.cpp,
/// SLEEF exp over 2^25 doubles with streaming stores, 1 thread, CPU ms per pass (2026-12-06
/// 17:42, load 9.2): none 49.5, 512 B 41.8, 1 KiB 36.7, 2 KiB 32.2, 4 KiB 32.4, 8 KiB 32.6;
/// copy alone 26.8, exp on L1-resident data 31.9. Prefetches never change a value.
inline constexpr std::int64_t kMathPrefetchBytes = 4096;

/// Reductions longer than twice this are cut into subtrees of at most this many elements
/// that the threads evaluate in parallel. The tree itself never depends on it (only on the
/// reduced extent), so changing it cannot change a result. bench: BM_Sum (docs/performance.md).
inline constexpr std::int64_t kReduceChunk = 1 << 15;

/// The contiguous reduction tree (src/cpu/reduce_tree.hpp) prefetches this far ahead of
/// each leaf when it reads an array: one thread reading one stream otherwise waits on the
/// hardware prefetchers, which stop at every 4 KiB page. Sum of 2^25 doubles, one thread,
/// process CPU time (2026-12-06 17:09, load 3.7): 25.7-26.0 ms before (SSE2 leaves, no
/// prefetch), 17.8-18.8 ms with AVX-512 leaves and this; 2 KiB-8 KiB ahead gave the same in a
/// standalone copy of the loop (14-15 GB/s, a vectorised XOR of the bytes' speed).
inline constexpr std::int64_t kReducePrefetchBytes = 4096;

/// Fused reductions (src/cpu/fused_reduce.cpp) evaluate a long row this many elements at a
/// time before the tree reads them back: 32 KiB of doubles stay in the 48 KiB L1 with the
/// evaluator's scratch, where a whole kReduceChunk piece went to L2. sum(f * f), 2^25
/// floats, one thread, process CPU time (2026-12-06 17:17): 15.6 ms -> 12.8 ms.
inline constexpr std::int64_t kFusedReduceStep = 4096;

/// Scans along lines longer than this use a blocked scan: each block is scanned serially
/// and offset by the running total of the blocks before it, which lets the blocks run in
/// parallel. This constant fixes the rounding of long scans (the block structure depends on
/// it and on the line length only, never on the thread count). bench: BM_Cumsum.
inline constexpr std::int64_t kScanBlock = 1 << 16;

/// Host transfers of the CUDA backend of at least this many bytes go through its two
/// pinned staging buffers in chunks of kPinnedStagingChunkBytes, the host's memcpy of one
/// chunk overlapping the DMA of the other (src/cuda/backend.cu); smaller ones are a single
/// cudaMemcpyAsync from pageable memory, which the driver stages itself. Two chunks, since
/// nothing overlaps below that. A guess, never measured: no session has had a GPU yet; to
/// be set from bench/gpu_bench.cpp's transfer benchmarks (staged vs pageable vs pinned)
/// on a GPU machine.
inline constexpr std::size_t kPinnedStagingChunkBytes = std::size_t{2} << 20;
inline constexpr std::size_t kPinnedStagingMinBytes = 2 * kPinnedStagingChunkBytes;

/// Batched matmul and linalg: matrices whose work (m*n*k multiply-adds, n^3 for LAPACK ops)
/// is below this run one per thread, each BLAS/LAPACK call single-threaded; larger ones run
/// one after another, each with all threads inside BLAS. Either way one level of threads.
/// OpenBLAS itself stays single-threaded below 64^3 (its SMP threshold), so batches of
/// such matrices gain only from splitting the batch; 96^3 leaves room for a second thread
/// to pay off inside BLAS. Not yet calibrated per machine. bench: BM_BatchedMatmul
/// (docs/performance.md, linear algebra).
inline constexpr std::int64_t kBatchPerThreadMaxWork = std::int64_t{96} * 96 * 96;

/// Integer and bool matmul split rows into pieces of this many rows across threads when
/// the product has at least kParallelMinElements multiply-adds.
inline constexpr std::int64_t kIntMatmulRowsPerPiece = 16;

/// Sorting: 32-bit keys are sorted as 64-bit ones (float -> double, int32 -> int64, both
/// exact and order-preserving). Highway 1.0.3's vqsort is 4x slower on 32-bit keys than on
/// 64-bit keys on the AMD EPYC CI machine: 2^24 floats 770 ms, widened 190-240 ms, doubles
/// 180 ms (measured with vqsort alone; the cause inside vqsort was not investigated).
/// bench: BM_Sort<float>/16777216 (docs/performance.md, "Sorting and indexing").
inline constexpr bool kSortWiden32BitKeys = true;

/// One line of float32 or int32 at least this long, sorted on 2+ threads, takes the LSD
/// radix sort (src/cpu/radix_sort.cpp) instead of the sample sort. Both cores given to the
/// bench (chrt -f 1; load 5-6 from colleagues), 2 threads, float32 / int32 ms: 2^16 0.75 /
/// 0.78-0.84 against 0.42 / 0.41 (there the line is sorted on one thread, below
/// kSortParallelMinElements); 2^18 1.80-1.85 / 1.78-1.85 against the sample sort's
/// 2.08-2.31 / 2.00-2.26; 2^20 6.0-6.3 / 6.2-6.5 against 8.9 / 5.9-6.7 (the previous radix
/// sort); 2^24 92-122 / 88-105 against 198-211 / 174-212.
/// bench: BM_Sort<float|int32>/* (docs/performance.md, "Sorting and indexing", 2026-12-06, radixspeed).
inline constexpr std::int64_t kSortRadixMinElements = std::int64_t{1} << 18;

/// The same on one thread, against Highway's vqsort of widened keys (same run, float32 /
/// int32 ms): 2^20 11.0-11.6 / 10.1-10.3 against 8.7-9.1 / 8.9-9.8, 2^22 40.0-43.3 /
/// 41.2-42.5 against 46.7-47.8 / 56.1-65.1; 2^24 204-261 / 214-249 against 315-370 / 309-335.
inline constexpr std::int64_t kSortRadixMinElementsOneThread = std::int64_t{1} << 22;

/// A single line at least this long is sorted on every thread (buckets, or chunks and a merge).
/// A placeholder, not tuned: set so that a chunk still amortises an OpenMP region; on a free
/// second core 2^24 floats go from 266 to 182 ms. bench: BM_Sort<*> (docs/performance.md).
inline constexpr std::int64_t kSortParallelMinElements = 1 << 17;

/// One long line is sorted as a sample sort: buckets by value, at least this many per
/// thread (rounded up to a power of two), each sorted by whichever thread is free; and the
/// input is counted and scattered in this many pieces per thread. More buckets than threads
/// is what lets a thread slowed by other work (a shared machine) take fewer; 8 and 4 were
/// the first values tried, not tuned. bench: BM_Sort<*> (docs/performance.md).
inline constexpr int kSortBucketsPerThread = 8;
inline constexpr int kSortPiecesPerThread = 4;

/// CUDA sort and argsort of several lines (src/cuda/sort.cu): they are sorted by one
/// DeviceRadixSort call each, the whole GPU on one line, when there are at most
/// length / kCudaSortLengthPerLineCall of them; otherwise by one DeviceSegmentedSort call,
/// which gives each long line a single thread block and so leaves SMs idle when a few very
/// long lines are all there is. A single line always gets one DeviceRadixSort call. A guess,
/// not measured (no GPU has run it): a DeviceRadixSort call costs a few launches (tens of
/// microseconds), and a block sorts about a key per nanosecond; to be measured on a GPU with
/// gpu_bench's sort over (lines, length) pairs.
inline constexpr std::int64_t kCudaSortLengthPerLineCall = std::int64_t{1} << 16;

/// CUDA cumsum and cumprod of integers and bools (src/cuda/scan.cu): exact (wrapping) integer
/// arithmetic is associative, so CUB's DeviceScan gives the CPU's bits in any order. Lines
/// are scanned by one DeviceScan call each, the whole GPU on one line, when there are at
/// most length / kCudaScanLengthPerLineCall of them; otherwise one thread per (line,
/// kScanBlock block), as floats always are (that keeps their rounding the CPU's). A guess,
/// not measured (no GPU has run it): a DeviceScan call costs about two launches, and one
/// thread scans a block serially; to be measured on a GPU over (lines, length) pairs.
inline constexpr std::int64_t kCudaScanLengthPerLineCall = std::int64_t{1} << 14;

/// take of single elements prefetches the source element this many indices ahead: random
/// gathers are bound by cache misses, and starting them early took 2^24 random float
/// indices from 255 to 188 ms on one thread (32: 191 ms, 64: 233 ms). bench: BM_Take<float>.
inline constexpr std::int64_t kGatherPrefetchDistance = 16;

/// CUDA linalg: a batch of matrices of at most this order is solved by one batched call
/// (cuBLAS getrfBatched / getrsBatched, cuSOLVER potrfBatched: "intended for matrices of
/// small sizes where the launch overhead is a significant factor") instead of one cuSOLVER
/// call per matrix. A guess, not measured: no session has had a GPU yet.
inline constexpr std::int64_t kCudaBatchedLinalgMaxOrder = 32;

}  // namespace tandem::tuning
