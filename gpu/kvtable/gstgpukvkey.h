/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * GstGpuKvKey, the 128-bit key of the KV table, on its own: the probe
 * logic (C and nvcc), the table and gst/gstgpukvcachemeta.h include it
 * without the table's API. No dependency on GLib here.
 */
#pragma once

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* hi word of a key made from a caller's 64-bit integer. Content keys always
 * have the top bit of hi clear, so the two kinds never collide. */
#define GST_GPU_KV_INT_KEY_MARKER 0xC0FFEE5EEDC0FFEEull
#define GST_GPU_KV_CONTENT_HI_MASK 0x7FFFFFFFFFFFFFFFull

/**
 * GstGpuKvKey:
 * @lo: low 64 bits (the integer for integer keys)
 * @hi: high 64 bits (GST_GPU_KV_INT_KEY_MARKER for integer keys)
 *
 * A 128-bit key: XXH3-128 of some content
 * (gst_gpu_kv_key_from_content() in gstgpukvtable.h), or a caller's 64-bit
 * integer (gst_gpu_kv_key_from_uint64()).
 */
typedef struct
{
  uint64_t lo;
  uint64_t hi;
} GstGpuKvKey;

/* The key of a caller's 64-bit integer. */
static inline GstGpuKvKey
gst_gpu_kv_key_from_uint64 (uint64_t value)
{
  GstGpuKvKey key = { value, GST_GPU_KV_INT_KEY_MARKER };
  return key;
}

#ifdef __cplusplus
}
#endif
