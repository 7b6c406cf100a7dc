/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The probe logic of the KV table, shared by the CPU path (C compiler) and
 * the CUDA kernels (nvcc): how a 128-bit key becomes a lock group, two
 * candidate buckets and an 8-bit fingerprint, how fingerprints are matched,
 * which slot is the eviction victim and when an entry has expired. The CPU
 * tests run exactly these functions, so the GPU places and finds keys where
 * the CPU would.
 *
 * Layout (structure of arrays, identical on host and device):
 *   fps[n_buckets * GST_GPU_KV_BUCKET_SLOTS]   uint8_t, 0 = empty slot
 *   slots[n_slots]                             GstGpuKvSlot: key, last
 *                                              access tick, access count
 *   born[n_slots]                              uint64_t, write time (ns),
 *                                              read and written only with a ttl
 *   values[n_slots * value_size]               the value arena
 * A hit touches three lines: the bucket's fingerprints, the 32-byte slot
 * record and the value.
 * Slot s of bucket b is index b * GST_GPU_KV_BUCKET_SLOTS + s in every array.
 *
 * Buckets are grouped by GST_GPU_KV_GROUP_BUCKETS; a key hashes to one group
 * and to two buckets inside it (two-choice hashing: inserts go to the emptier
 * bucket, so buckets fill evenly and eviction starts only near capacity).
 * Keeping both buckets in one group means one lock (CPU) or one warp (CUDA,
 * 2 x 16 lanes) covers every slot a key can occupy.
 *
 * No dependency on GLib here: nvcc compiles this without it.
 */
#pragma once

#include <stdint.h>
#include "gpu/kvtable/gstgpukvkey.h"
#if !defined(__CUDACC__) && defined(__SSE2__)
#include <emmintrin.h>
#endif

#if defined(__CUDACC__)
#define GST_GPU_KV_FUNC static __host__ __device__ __forceinline__
#else
#define GST_GPU_KV_FUNC static inline
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Slots per bucket: 16 fingerprints are compared at once (one SSE2 vector
 * on the CPU, half a warp on the GPU). */
#define GST_GPU_KV_BUCKET_SLOTS 16
/* Buckets per lock group (a power of two, at most 16: 4 hash bits each). */
#define GST_GPU_KV_GROUP_BUCKETS 16

/**
 * GstGpuKvStatus:
 * @GST_GPU_KV_STATUS_MISS: key absent (or expired)
 * @GST_GPU_KV_STATUS_FOUND: key present; its value was read
 * @GST_GPU_KV_STATUS_INSERTED: key was absent and is now stored
 * @GST_GPU_KV_STATUS_ASSIGNED: key was present and its value replaced
 * @GST_GPU_KV_STATUS_FAILED: no room for the key (eviction "none" and both
 *   candidate buckets full)
 *
 * Per-item outcome of a batched operation (one byte per item).
 */
typedef enum {
  GST_GPU_KV_STATUS_MISS = 0,
  GST_GPU_KV_STATUS_FOUND = 1,
  GST_GPU_KV_STATUS_INSERTED = 2,
  GST_GPU_KV_STATUS_ASSIGNED = 3,
  GST_GPU_KV_STATUS_FAILED = 4,
} GstGpuKvStatus;

/**
 * GstGpuKvSlot:
 * @key: the stored key
 * @access: access tick of the last read or write (LRU, LFU tie-break)
 * @freq: number of accesses, saturating (LFU)
 *
 * The metadata of an occupied slot; 32 bytes, two per cache line.
 */
typedef struct
{
  GstGpuKvKey key;
  uint64_t access;
  uint32_t freq;
  uint32_t reserved;
} GstGpuKvSlot;

/* Eviction policies (GstGpuKvEviction in gstgpukvtable.h uses the same
 * values). */
#define GST_GPU_KV_POLICY_NONE 0
#define GST_GPU_KV_POLICY_LRU 1
#define GST_GPU_KV_POLICY_LFU 2

/**
 * GstGpuKvGeometry:
 * @n_groups: number of lock groups
 * @group_buckets: buckets per group (power of two, <= 16)
 *
 * The shape of a table; n_buckets = n_groups * group_buckets.
 */
typedef struct
{
  uint32_t n_groups;
  uint32_t group_buckets;
} GstGpuKvGeometry;

/**
 * GstGpuKvLocation:
 * @group: the lock group
 * @bucket: the two candidate buckets (absolute indices; equal when a group
 *   has a single bucket)
 * @fp: fingerprint, never 0
 */
typedef struct
{
  uint32_t group;
  uint32_t bucket[2];
  uint8_t fp;
} GstGpuKvLocation;

/**
 * GstGpuKvDeviceTable:
 *
 * A table in device memory as the kernels see it: the addresses of the
 * arrays described above (CUdeviceptr values), one lock word (uint32_t) per
 * group, and the table's shape and policy. Passed to kernels by value.
 */
typedef struct
{
  uint64_t fps;
  uint64_t slots;
  uint64_t born;
  uint64_t values;
  uint64_t locks;
  GstGpuKvGeometry geom;
  uint32_t value_size;
  int32_t policy;
  uint64_t ttl;
} GstGpuKvDeviceTable;

/* Operation codes of the batch kernel. */
#define GST_GPU_KV_KOP_FIND 0
#define GST_GPU_KV_KOP_CONTAINS 1
#define GST_GPU_KV_KOP_INSERT_OR_ASSIGN 2
#define GST_GPU_KV_KOP_FIND_OR_INSERT 3
#define GST_GPU_KV_KOP_ERASE 4

/* Per-batch counters (CPU batch and the kernels' counter array); ENTRIES
 * is the change in the number of entries. */
enum {
  GST_GPU_KV_COUNTER_HITS,
  GST_GPU_KV_COUNTER_MISSES,
  GST_GPU_KV_COUNTER_INSERTS,
  GST_GPU_KV_COUNTER_ASSIGNS,
  GST_GPU_KV_COUNTER_ERASES,
  GST_GPU_KV_COUNTER_EVICTIONS,
  GST_GPU_KV_COUNTER_EXPIRED,
  GST_GPU_KV_COUNTER_FAILED,
  GST_GPU_KV_COUNTER_ENTRIES,
  GST_GPU_KV_N_COUNTERS
};

/* murmur3's 64-bit finaliser: every output bit depends on every input bit,
 * so sequential integer keys spread as well as content hashes. */
GST_GPU_KV_FUNC uint64_t
gst_gpu_kv_mix64 (uint64_t x)
{
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdull;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ull;
  x ^= x >> 33;
  return x;
}

GST_GPU_KV_FUNC uint64_t
gst_gpu_kv_key_hash (GstGpuKvKey key)
{
  return gst_gpu_kv_mix64 (key.lo ^ gst_gpu_kv_mix64 (key.hi + key.lo));
}

GST_GPU_KV_FUNC int
gst_gpu_kv_key_equal (GstGpuKvKey a, GstGpuKvKey b)
{
  return a.lo == b.lo && a.hi == b.hi;
}

/* Hash bits: 0..31 pick the group (multiply-shift, no power-of-two group
 * count needed), 32..35 and 40..43 the two buckets inside it, 56..63 the
 * fingerprint. */
GST_GPU_KV_FUNC GstGpuKvLocation
gst_gpu_kv_locate (GstGpuKvGeometry geom, GstGpuKvKey key)
{
  GstGpuKvLocation loc;
  uint64_t h = gst_gpu_kv_key_hash (key);
  uint32_t mask = geom.group_buckets - 1;
  uint32_t base;

  loc.group = (uint32_t)(((h & 0xffffffffull) * geom.n_groups) >> 32);
  base = loc.group * geom.group_buckets;
  loc.bucket[0] = base + ((uint32_t)(h >> 32) & mask);
  loc.bucket[1] = base + ((uint32_t)(h >> 40) & mask);
  loc.fp = (uint8_t)(h >> 56);
  if (loc.fp == 0)
    loc.fp = 1;
  return loc;
}

/* Bit i set when fps[i] == fp, over one bucket (portable form; the CPU path
 * uses SSE2 when available and the GPU a ballot, with the same result). */
GST_GPU_KV_FUNC uint32_t
gst_gpu_kv_match_scalar (const uint8_t *fps, uint8_t fp)
{
  uint32_t m = 0;
  int i;

  for (i = 0; i < GST_GPU_KV_BUCKET_SLOTS; i++)
    m |= (uint32_t)(fps[i] == fp) << i;
  return m;
}

#if !defined(__CUDACC__)
/* The CPU path's form of gst_gpu_kv_match_scalar(): one SSE2 compare over
 * the 16 fingerprints when the compiler targets SSE2. */
static inline uint32_t
gst_gpu_kv_match_host (const uint8_t *fps, uint8_t fp)
{
#if defined(__SSE2__)
  __m128i v = _mm_loadu_si128 ((const __m128i *)fps);
  __m128i eq = _mm_cmpeq_epi8 (v, _mm_set1_epi8 ((char)fp));
  return (uint32_t)_mm_movemask_epi8 (eq);
#else
  return gst_gpu_kv_match_scalar (fps, fp);
#endif
}
#endif

/* Index of the lowest set bit of a non-zero mask. */
GST_GPU_KV_FUNC int
gst_gpu_kv_first_bit (uint32_t m)
{
#if defined(__CUDA_ARCH__)
  return __ffs (m) - 1;
#else
  return __builtin_ctz (m);
#endif
}

GST_GPU_KV_FUNC int
gst_gpu_kv_popcount (uint32_t m)
{
#if defined(__CUDA_ARCH__)
  return __popc (m);
#else
  return __builtin_popcount (m);
#endif
}

/* An entry written at @born is expired at @now when a ttl is set and at
 * least @ttl ns have passed. */
GST_GPU_KV_FUNC int
gst_gpu_kv_expired (uint64_t born, uint64_t now, uint64_t ttl)
{
  return ttl != 0 && now >= born && now - born >= ttl;
}

/* TRUE when slot A is a better eviction victim than slot B: LRU evicts the
 * least recently accessed; LFU the least frequently accessed and, among
 * equal counts, the least recently accessed (the older one). */
GST_GPU_KV_FUNC int
gst_gpu_kv_victim_before (int policy, uint32_t freq_a, uint64_t access_a,
    uint32_t freq_b, uint64_t access_b)
{
  if (policy == GST_GPU_KV_POLICY_LFU && freq_a != freq_b)
    return freq_a < freq_b;
  return access_a < access_b;
}

/* Where an insert of a key not present goes: the emptier of the two buckets
 * (the first on a tie). @free0/@free1 are the empty-slot counts. */
GST_GPU_KV_FUNC int
gst_gpu_kv_pick_bucket (int free0, int free1)
{
  return free1 > free0 ? 1 : 0;
}

/* Saturating access count for LFU. */
GST_GPU_KV_FUNC uint32_t
gst_gpu_kv_freq_bump (uint32_t f)
{
  return f == 0xffffffffu ? f : f + 1;
}

#ifdef __cplusplus
}
#endif
