/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The KV table's batch kernel: one warp per key, cooperative probing of the
 * key's two candidate buckets (lanes 0-15 the first bucket, 16-31 the
 * second), fingerprint matches by ballot, eviction victim by a warp
 * reduction. Placement, fingerprints, expiry and victim order come from
 * gpu/kvtable/gstgpukvprobe.h, the same code the CPU path and its tests run,
 * so a key lands in the slot the CPU would choose.
 *
 * A warp holds its key's group lock (one word per group) while it probes and
 * writes, so concurrent batches on several streams stay consistent. Table
 * memory is read and written with .cg (L2) accesses: another SM may have
 * written it under the same lock.
 */
#include <stdint.h>

#include "gpu/kvtable/gstgpukvprobe.h"

#define FULL_MASK 0xffffffffu
#define WARPS_PER_BLOCK 8

struct KvTable
{
  uint8_t *fps;
  GstGpuKvSlot *slots;
  uint64_t *born;
  uint8_t *values;
  uint32_t *locks;
};

static __device__ __forceinline__ KvTable
kv_table (const GstGpuKvDeviceTable &t)
{
  KvTable k;

  k.fps = (uint8_t *)t.fps;
  k.slots = (GstGpuKvSlot *)t.slots;
  k.born = (uint64_t *)t.born;
  k.values = (uint8_t *)t.values;
  k.locks = (uint32_t *)t.locks;
  return k;
}

static __device__ __forceinline__ void
kv_lock (uint32_t *lock, int lane)
{
  if (lane == 0) {
    while (atomicCAS (lock, 0u, 1u) != 0u)
      __nanosleep (64);
    __threadfence ();
  }
  __syncwarp ();
}

static __device__ __forceinline__ void
kv_unlock (uint32_t *lock, int lane)
{
  __syncwarp ();
  if (lane == 0) {
    __threadfence ();
    atomicExch (lock, 0u);
  }
}

static __device__ __forceinline__ GstGpuKvKey
kv_load_key (const GstGpuKvKey *p)
{
  GstGpuKvKey k;

  k.lo = __ldcg (&p->lo);
  k.hi = __ldcg (&p->hi);
  return k;
}

/* Copies a value with the whole warp, byte-strided by lane. */
static __device__ __forceinline__ void
kv_copy_value (uint8_t *dst, const uint8_t *src, uint32_t size, int lane)
{
  for (uint32_t b = lane; b < size; b += 32)
    __stcg (dst + b, __ldcg (src + b));
}

/* TRUE when candidate (fa, aa, la) beats (fb, ab, lb): the probe header's
 * order, ties to the lower lane (the CPU's first-seen slot). */
static __device__ __forceinline__ bool
kv_better (int policy, bool va, uint32_t fa, uint64_t aa, int la, bool vb,
    uint32_t fb, uint64_t ab, int lb)
{
  if (va != vb)
    return va;
  if (!va)
    return la < lb;
  if (gst_gpu_kv_victim_before (policy, fa, aa, fb, ab))
    return true;
  if (gst_gpu_kv_victim_before (policy, fb, ab, fa, aa))
    return false;
  return la < lb;
}

/**
 * gst_gpu_kv_batch_kernel:
 * @t: the table
 * @op: GST_GPU_KV_KOP_*
 * @keys: n keys (device memory)
 * @values_in: n * value_size bytes for inserts, or NULL
 * @values_out: n * value_size bytes for found values, or NULL
 * @status: n GstGpuKvStatus bytes
 * @counters: GST_GPU_KV_N_COUNTERS counters the batch adds to
 *
 * Launch with blockDim.x = 32 * WARPS_PER_BLOCK and enough blocks for one
 * warp per key.
 */
extern "C" __global__ void
gst_gpu_kv_batch_kernel (GstGpuKvDeviceTable t, int op, const GstGpuKvKey *keys,
    uint32_t n, const uint8_t *values_in, uint8_t *values_out, uint8_t *status,
    uint64_t tick_base, uint64_t now, unsigned long long *counters)
{
  __shared__ unsigned long long block_counters[GST_GPU_KV_N_COUNTERS];
  KvTable tab = kv_table (t);
  const int lane = threadIdx.x & 31;
  const uint32_t item = blockIdx.x * WARPS_PER_BLOCK + (threadIdx.x >> 5);
  const uint64_t vs = t.value_size;

  if (threadIdx.x < GST_GPU_KV_N_COUNTERS)
    block_counters[threadIdx.x] = 0;
  __syncthreads ();

  /* no early return: every thread must reach the final __syncthreads */
  if (item < n) {
    GstGpuKvKey key = keys[item];
    GstGpuKvLocation loc = gst_gpu_kv_locate (t.geom, key);
    const int nb = loc.bucket[0] == loc.bucket[1] ? 1 : 2;
    const int k = lane >> 4;
    const bool active = k < nb;
    const uint64_t s
        = (uint64_t)loc.bucket[k] * GST_GPU_KV_BUCKET_SLOTS + (lane & 15);
    const uint64_t tick = tick_base + item;
    unsigned long long c[GST_GPU_KV_N_COUNTERS] = {
      0,
    };
    uint8_t st = GST_GPU_KV_STATUS_MISS;
    uint8_t f;
    unsigned hit, free_mask;
    int owner = -1;

    kv_lock (&tab.locks[loc.group], lane);

    f = active ? __ldcg (&tab.fps[s]) : 0xff;
    hit = __ballot_sync (FULL_MASK,
        active && f == loc.fp
            && gst_gpu_kv_key_equal (kv_load_key (&tab.slots[s].key), key));
    if (hit) {
      owner = __ffs (hit) - 1;
      /* an expired entry is reclaimed and counts as absent */
      if (gst_gpu_kv_expired (
              __shfl_sync (FULL_MASK, __ldcg (&tab.born[s]), owner), now,
              t.ttl)) {
        if (lane == owner)
          __stcg (&tab.fps[s], (uint8_t)0);
        c[GST_GPU_KV_COUNTER_EXPIRED]++;
        c[GST_GPU_KV_COUNTER_ENTRIES]--;
        f = lane == owner ? 0 : f;
        owner = -1;
      }
    }

    if (owner >= 0) {
      const uint64_t hs = __shfl_sync (FULL_MASK, s, owner);

      switch (op) {
        case GST_GPU_KV_KOP_FIND:
        case GST_GPU_KV_KOP_FIND_OR_INSERT:
          if (lane == owner) {
            __stcg (&tab.slots[s].access, tick);
            __stcg (&tab.slots[s].freq,
                gst_gpu_kv_freq_bump (__ldcg (&tab.slots[s].freq)));
          }
          if (values_out)
            kv_copy_value (values_out + item * vs, tab.values + hs * vs,
                t.value_size, lane);
          /* fall through */
        case GST_GPU_KV_KOP_CONTAINS:
          c[GST_GPU_KV_COUNTER_HITS]++;
          st = GST_GPU_KV_STATUS_FOUND;
          break;
        case GST_GPU_KV_KOP_INSERT_OR_ASSIGN:
          kv_copy_value (
              tab.values + hs * vs, values_in + item * vs, t.value_size, lane);
          if (lane == owner) {
            __stcg (&tab.born[s], now);
            __stcg (&tab.slots[s].access, tick);
            __stcg (&tab.slots[s].freq,
                gst_gpu_kv_freq_bump (__ldcg (&tab.slots[s].freq)));
          }
          c[GST_GPU_KV_COUNTER_ASSIGNS]++;
          st = GST_GPU_KV_STATUS_ASSIGNED;
          break;
        case GST_GPU_KV_KOP_ERASE:
          if (lane == owner)
            __stcg (&tab.fps[s], (uint8_t)0);
          c[GST_GPU_KV_COUNTER_ERASES]++;
          c[GST_GPU_KV_COUNTER_ENTRIES]--;
          st = GST_GPU_KV_STATUS_FOUND;
          break;
      }
    } else if (op == GST_GPU_KV_KOP_FIND || op == GST_GPU_KV_KOP_CONTAINS
               || op == GST_GPU_KV_KOP_FIND_OR_INSERT) {
      c[GST_GPU_KV_COUNTER_MISSES]++;
    }

    if (owner < 0
        && (op == GST_GPU_KV_KOP_INSERT_OR_ASSIGN
            || op == GST_GPU_KV_KOP_FIND_OR_INSERT)) {
      int slot_lane = -1;

      free_mask = __ballot_sync (FULL_MASK, active && f == 0);
      if (!free_mask && t.ttl != 0) {
        bool exp
            = active && gst_gpu_kv_expired (__ldcg (&tab.born[s]), now, t.ttl);
        unsigned em = __ballot_sync (FULL_MASK, exp);

        if (exp)
          __stcg (&tab.fps[s], (uint8_t)0);
        c[GST_GPU_KV_COUNTER_EXPIRED] += __popc (em);
        c[GST_GPU_KV_COUNTER_ENTRIES] -= __popc (em);
        free_mask = em;
      }

      if (free_mask) {
        int b = gst_gpu_kv_pick_bucket (
            __popc (free_mask & 0xffffu), __popc (free_mask >> 16));
        slot_lane = b * 16 + __ffs ((free_mask >> (b * 16)) & 0xffffu) - 1;
      } else if (t.policy != GST_GPU_KV_POLICY_NONE) {
        /* butterfly reduction to the best victim; every lane ends with the
         * same winner */
        bool bv = active;
        uint32_t bf = active ? __ldcg (&tab.slots[s].freq) : 0;
        uint64_t ba = active ? __ldcg (&tab.slots[s].access) : 0;
        int bl = lane;

        for (int off = 16; off > 0; off >>= 1) {
          bool ov = __shfl_xor_sync (FULL_MASK, bv, off);
          uint32_t of = __shfl_xor_sync (FULL_MASK, bf, off);
          uint64_t oa = __shfl_xor_sync (FULL_MASK, ba, off);
          int ol = __shfl_xor_sync (FULL_MASK, bl, off);

          if (kv_better (t.policy, ov, of, oa, ol, bv, bf, ba, bl)) {
            bv = ov;
            bf = of;
            ba = oa;
            bl = ol;
          }
        }
        slot_lane = bl;
        c[GST_GPU_KV_COUNTER_EVICTIONS]++;
        c[GST_GPU_KV_COUNTER_ENTRIES]--;
      }

      if (slot_lane < 0) {
        c[GST_GPU_KV_COUNTER_FAILED]++;
        st = GST_GPU_KV_STATUS_FAILED;
      } else {
        const uint64_t ns = __shfl_sync (FULL_MASK, s, slot_lane);

        kv_copy_value (
            tab.values + ns * vs, values_in + item * vs, t.value_size, lane);
        if (values_out)
          kv_copy_value (values_out + item * vs, values_in + item * vs,
              t.value_size, lane);
        if (lane == slot_lane) {
          __stcg (&tab.slots[s].key.lo, key.lo);
          __stcg (&tab.slots[s].key.hi, key.hi);
          __stcg (&tab.born[s], now);
          __stcg (&tab.slots[s].access, tick);
          __stcg (&tab.slots[s].freq, 1u);
          __stcg (&tab.fps[s], loc.fp);
        }
        c[GST_GPU_KV_COUNTER_INSERTS]++;
        c[GST_GPU_KV_COUNTER_ENTRIES]++;
        st = GST_GPU_KV_STATUS_INSERTED;
      }
    }

    kv_unlock (&tab.locks[loc.group], lane);

    if (lane == 0) {
      status[item] = st;
      for (int i = 0; i < GST_GPU_KV_N_COUNTERS; i++) {
        if (c[i])
          atomicAdd (&block_counters[i], c[i]);
      }
    }
  }

  __syncthreads ();
  if (threadIdx.x < GST_GPU_KV_N_COUNTERS && block_counters[threadIdx.x])
    atomicAdd (&counters[threadIdx.x], block_counters[threadIdx.x]);
}
