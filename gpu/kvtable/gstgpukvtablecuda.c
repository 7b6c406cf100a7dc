/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The KV table's CUDA path: arrays in device memory, batches staged through
 * one pinned host buffer and run by gst_gpu_kv_batch_kernel
 * (gpu/kernels/kvtable.cu) on the device's stream. Compiled only with
 * GST_GPU_KV_WITH_CUDA; never executed on a machine without a GPU.
 *
 * Callers hold the table's cuda_lock: the staging buffers are shared.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gpu/kvtable/gstgpukvtableprivate.h"
#include "gpu/device/gstgpudevice.h"
#include "gpu/device/gstgpucudaloader.h"
#include "gpu/kernels/gstgpukernels.h"

#include <gst/cuda/cuda-gst.h>
#include <string.h>

GST_DEBUG_CATEGORY_STATIC (gst_gpu_kv_cuda_debug);
#define GST_CAT_DEFAULT gst_gpu_kv_cuda_debug

#define KV_WARPS_PER_BLOCK 8 /* WARPS_PER_BLOCK in kvtable.cu */
#define KV_STAGE_MAX_ITEMS 65536
#define KV_STAGE_MAX_BYTES (64 * 1024 * 1024)

struct _GstGpuKvCuda
{
  GstGpuDevice *device;
  GstGpuKvDeviceTable dt;
  guint64 n_slots;
  guint n_groups;
  CUfunction kernel;

  /* staging: device and pinned host copies of one chunk of a batch */
  guint stage_items;
  CUdeviceptr d_keys, d_values_in, d_values_out, d_status, d_counters;
  guint8 *h_stage;
  GstGpuKvKey *h_keys;
  guint8 *h_values_in, *h_values_out, *h_status;
  guint64 *h_counters;
};

static void
gst_gpu_kv_cuda_free_device (CUdeviceptr *ptr)
{
  if (*ptr)
    GST_GPU_CU_CHECK (CuMemFree (*ptr));
  *ptr = 0;
}

void
gst_gpu_kv_cuda_free (GstGpuKvCuda *cuda)
{
  if (!cuda)
    return;

  if (gst_gpu_device_push (cuda->device)) {
    gst_gpu_device_synchronize (cuda->device);
    gst_gpu_kv_cuda_free_device ((CUdeviceptr *)&cuda->dt.fps);
    gst_gpu_kv_cuda_free_device ((CUdeviceptr *)&cuda->dt.slots);
    gst_gpu_kv_cuda_free_device ((CUdeviceptr *)&cuda->dt.born);
    gst_gpu_kv_cuda_free_device ((CUdeviceptr *)&cuda->dt.values);
    gst_gpu_kv_cuda_free_device ((CUdeviceptr *)&cuda->dt.locks);
    gst_gpu_kv_cuda_free_device (&cuda->d_keys);
    gst_gpu_kv_cuda_free_device (&cuda->d_values_in);
    gst_gpu_kv_cuda_free_device (&cuda->d_values_out);
    gst_gpu_kv_cuda_free_device (&cuda->d_status);
    gst_gpu_kv_cuda_free_device (&cuda->d_counters);
    if (cuda->h_stage)
      GST_GPU_CU_CHECK (CuMemFreeHost (cuda->h_stage));
    gst_gpu_device_pop (cuda->device);
  }
  gst_clear_object (&cuda->device);
  g_free (cuda);
}

static gboolean
gst_gpu_kv_cuda_alloc (CUdeviceptr *ptr, gsize size)
{
  return GST_GPU_CU_CHECK (CuMemAlloc (ptr, MAX (size, 1)));
}

/* Zeroes fingerprints and group locks: every slot empty, every group
 * unlocked. Context pushed by the caller. */
static gboolean
gst_gpu_kv_cuda_zero (GstGpuKvCuda *cuda)
{
  CUstream stream = gst_gpu_device_get_stream (cuda->device);

  return GST_GPU_CU_CHECK (
             GstGpuCuMemsetD8Async (cuda->dt.fps, 0, cuda->n_slots, stream))
         && GST_GPU_CU_CHECK (GstGpuCuMemsetD8Async (cuda->dt.locks, 0,
             (gsize)cuda->n_groups * sizeof (guint32), stream))
         && GST_GPU_CU_CHECK (CuStreamSynchronize (stream));
}

GstGpuKvCuda *
gst_gpu_kv_cuda_new (GstObject *device, GstGpuKvGeometry geom, guint value_size,
    gint policy, guint64 ttl, GError **error)
{
  GstGpuKvCuda *cuda;
  gsize per_item, stage_bytes;
  guint64 n_slots;
  gboolean ok;
  CUdeviceptr p;

  GST_DEBUG_CATEGORY_INIT (gst_gpu_kv_cuda_debug, "gpukvtable-cuda", 0,
      "GPU key-value table, CUDA path");

  cuda = g_new0 (GstGpuKvCuda, 1);
  cuda->device = GST_GPU_DEVICE (gst_object_ref (device));
  n_slots
      = (guint64)geom.n_groups * geom.group_buckets * GST_GPU_KV_BUCKET_SLOTS;
  cuda->n_slots = n_slots;
  cuda->n_groups = geom.n_groups;
  cuda->dt.geom = geom;
  cuda->dt.value_size = value_size;
  cuda->dt.policy = policy;
  cuda->dt.ttl = ttl;

  per_item = sizeof (GstGpuKvKey) + 2 * (gsize)value_size + 1;
  cuda->stage_items
      = CLAMP (KV_STAGE_MAX_BYTES / per_item, 256, KV_STAGE_MAX_ITEMS);
  stage_bytes = cuda->stage_items * per_item
                + GST_GPU_KV_N_COUNTERS * sizeof (guint64) + 64;

  cuda->kernel = gst_gpu_device_get_kernel (
      cuda->device, gst_gpu_kernels_kvtable_fatbin, "gst_gpu_kv_batch_kernel");
  if (!cuda->kernel)
    goto out_device_error;
  if (!gst_gpu_device_push (cuda->device))
    goto out_device_error;

  ok = gst_gpu_kv_cuda_alloc (&p, n_slots);
  cuda->dt.fps = p;
  ok = ok && gst_gpu_kv_cuda_alloc (&p, n_slots * sizeof (GstGpuKvSlot));
  cuda->dt.slots = ok ? p : 0;
  ok = ok && gst_gpu_kv_cuda_alloc (&p, n_slots * sizeof (guint64));
  cuda->dt.born = ok ? p : 0;
  ok = ok && gst_gpu_kv_cuda_alloc (&p, n_slots * value_size);
  cuda->dt.values = ok ? p : 0;
  ok = ok && gst_gpu_kv_cuda_alloc (&p, geom.n_groups * sizeof (guint32));
  cuda->dt.locks = ok ? p : 0;
  ok = ok
       && gst_gpu_kv_cuda_alloc (
           &cuda->d_keys, cuda->stage_items * sizeof (GstGpuKvKey));
  ok = ok
       && gst_gpu_kv_cuda_alloc (
           &cuda->d_values_in, cuda->stage_items * (gsize)value_size);
  ok = ok
       && gst_gpu_kv_cuda_alloc (
           &cuda->d_values_out, cuda->stage_items * (gsize)value_size);
  ok = ok && gst_gpu_kv_cuda_alloc (&cuda->d_status, cuda->stage_items);
  ok = ok
       && gst_gpu_kv_cuda_alloc (
           &cuda->d_counters, GST_GPU_KV_N_COUNTERS * sizeof (guint64));
  ok = ok
       && GST_GPU_CU_CHECK (
           CuMemAllocHost ((void **)&cuda->h_stage, stage_bytes));
  ok = ok && gst_gpu_kv_cuda_zero (cuda);
  gst_gpu_device_pop (cuda->device);
  if (!ok)
    goto out_no_memory;

  /* pinned layout: counters first (8-byte aligned), keys, values, status */
  cuda->h_counters = (guint64 *)cuda->h_stage;
  cuda->h_keys = (GstGpuKvKey *)(cuda->h_stage + 64);
  cuda->h_values_in = (guint8 *)(cuda->h_keys + cuda->stage_items);
  cuda->h_values_out
      = cuda->h_values_in + cuda->stage_items * (gsize)value_size;
  cuda->h_status = cuda->h_values_out + cuda->stage_items * (gsize)value_size;
  return cuda;

  /* ERRORS */
out_device_error:
  g_set_error (error, GST_GPU_KV_TABLE_ERROR, GST_GPU_KV_TABLE_ERROR_DEVICE,
      "Cannot use the CUDA device %s for the key-value table (kernel image "
      "or context unavailable); use device=cpu",
      gst_gpu_device_get_name (cuda->device));
  gst_gpu_kv_cuda_free (cuda);
  return NULL;

out_no_memory:
  g_set_error (error, GST_GPU_KV_TABLE_ERROR, GST_GPU_KV_TABLE_ERROR_NO_MEMORY,
      "Not enough memory on %s for a key-value table of %" G_GUINT64_FORMAT
      " entries of %u bytes; lower capacity or max-bytes",
      gst_gpu_device_get_name (cuda->device), n_slots, value_size);
  gst_gpu_kv_cuda_free (cuda);
  return NULL;
}

/* Queues one chunk: upload, kernel, download. Context pushed. */
static gboolean
gst_gpu_kv_cuda_chunk (GstGpuKvCuda *cuda, GstGpuKvOp op, guint n,
    gboolean with_values_in, gboolean with_values_out, guint64 tick_base,
    guint64 now)
{
  CUstream stream = gst_gpu_device_get_stream (cuda->device);
  gsize vs = cuda->dt.value_size;
  CUdeviceptr vin = with_values_in ? cuda->d_values_in : 0;
  CUdeviceptr vout = with_values_out ? cuda->d_values_out : 0;
  gint iop = op;
  guint32 n32 = n;
  gpointer args[] = { &cuda->dt, &iop, &cuda->d_keys, &n32, &vin, &vout,
    &cuda->d_status, &tick_base, &now, &cuda->d_counters };
  guint blocks = (n + KV_WARPS_PER_BLOCK - 1) / KV_WARPS_PER_BLOCK;

  if (!GST_GPU_CU_CHECK (GstGpuCuMemcpyHtoDAsync (
          cuda->d_keys, cuda->h_keys, n * sizeof (GstGpuKvKey), stream)))
    return FALSE;
  if (with_values_in
      && !GST_GPU_CU_CHECK (GstGpuCuMemcpyHtoDAsync (
          cuda->d_values_in, cuda->h_values_in, n * vs, stream)))
    return FALSE;
  if (!GST_GPU_CU_CHECK (GstGpuCuMemsetD8Async (cuda->d_counters, 0,
          GST_GPU_KV_N_COUNTERS * sizeof (guint64), stream)))
    return FALSE;
  if (!GST_GPU_CU_CHECK (CuLaunchKernel (cuda->kernel, blocks, 1, 1,
          32 * KV_WARPS_PER_BLOCK, 1, 1, 0, stream, args, NULL)))
    return FALSE;
  if (!GST_GPU_CU_CHECK (
          GstGpuCuMemcpyDtoHAsync (cuda->h_status, cuda->d_status, n, stream)))
    return FALSE;
  if (with_values_out
      && !GST_GPU_CU_CHECK (GstGpuCuMemcpyDtoHAsync (
          cuda->h_values_out, cuda->d_values_out, n * vs, stream)))
    return FALSE;
  if (!GST_GPU_CU_CHECK (GstGpuCuMemcpyDtoHAsync (cuda->h_counters,
          cuda->d_counters, GST_GPU_KV_N_COUNTERS * sizeof (guint64), stream)))
    return FALSE;
  return GST_GPU_CU_CHECK (CuStreamSynchronize (stream));
}

gboolean
gst_gpu_kv_cuda_run (GstGpuKvCuda *cuda, GstGpuKvOp op, const GstGpuKvKey *keys,
    guint n_keys, const guint8 *values_in, guint8 *values_out, guint8 *status,
    guint64 tick_base, guint64 now, gint64 counters[GST_GPU_KV_N_COUNTERS])
{
  gsize vs = cuda->dt.value_size;
  gboolean ret = TRUE;
  guint start = 0, n, i;

  if (!gst_gpu_device_push (cuda->device))
    goto out_fail_all;

  for (start = 0; start < n_keys && ret; start += n) {
    n = MIN (cuda->stage_items, n_keys - start);
    memcpy (cuda->h_keys, keys + start, n * sizeof (GstGpuKvKey));
    if (values_in)
      memcpy (cuda->h_values_in, values_in + start * vs, n * vs);
    ret = gst_gpu_kv_cuda_chunk (cuda, op, n, values_in != NULL,
        values_out != NULL, tick_base + start, now);
    if (!ret)
      break;
    memcpy (status + start, cuda->h_status, n);
    /* a miss leaves the caller's value untouched, as on the CPU */
    for (i = 0; values_out && i < n; i++) {
      if (cuda->h_status[i] == GST_GPU_KV_STATUS_FOUND
          || cuda->h_status[i] == GST_GPU_KV_STATUS_INSERTED)
        memcpy (values_out + (start + i) * vs, cuda->h_values_out + i * vs, vs);
    }
    for (i = 0; i < GST_GPU_KV_N_COUNTERS; i++)
      counters[i] += (gint64)cuda->h_counters[i];
  }
  gst_gpu_device_pop (cuda->device);
  if (ret)
    return TRUE;

  /* ERRORS */
out_fail_all:
  /* report the items not run as misses (lookups) or failures (stores) */
  for (i = start; i < n_keys; i++)
    status[i] = (op == GST_GPU_KV_OP_INSERT_OR_ASSIGN
                    || op == GST_GPU_KV_OP_FIND_OR_INSERT)
                    ? GST_GPU_KV_STATUS_FAILED
                    : GST_GPU_KV_STATUS_MISS;
  return FALSE;
}

gboolean
gst_gpu_kv_cuda_clear (GstGpuKvCuda *cuda)
{
  gboolean ret;

  if (!gst_gpu_device_push (cuda->device))
    return FALSE;
  ret = gst_gpu_kv_cuda_zero (cuda);
  gst_gpu_device_pop (cuda->device);
  return ret;
}
