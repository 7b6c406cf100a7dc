/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * gpukvcache's key/value stream modes: mode=get (a key tensor in; the
 * values and a found mask out), mode=put (a key tensor and a value tensor
 * in, stored, passed on), mode=erase (a key tensor in, removed, passed on).
 * Keys are uint64 (N or 1:N) or 16 bytes each (uint8 16:N).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "elements/gpukvcache/gstgpukvcacheprivate.h"

#include <string.h>

#define GST_CAT_DEFAULT gst_gpu_kv_cache_debug

/* Checks a key tensor: uint64 with dims N or 1:N, or uint8 16:N. */
static gboolean
parse_key_tensor (GstGpuKvCache *self, const GstGpuTensorInfo *ti)
{
  gchar *dims;

  if (ti->dtype == GST_GPU_DTYPE_UINT64
      && (ti->rank == 1 || (ti->rank == 2 && ti->dims[0] == 1))) {
    self->int_keys = TRUE;
    return TRUE;
  }
  if (ti->dtype == GST_GPU_DTYPE_UINT8 && ti->rank == 2 && ti->dims[0] == 16) {
    self->int_keys = FALSE;
    return TRUE;
  }

  /* ERRORS */
  dims = gst_gpu_tensor_info_dimensions_to_string (ti);
  GST_ELEMENT_ERROR (self, STREAM, FORMAT,
      ("The first input tensor does not hold keys: expected uint64 (N or "
       "1:N) or uint8 16-byte keys (16:N)"),
      ("Key tensor is %s with dimensions %s in mode %s",
          gst_gpu_dtype_to_string (ti->dtype), dims,
          self->mode == GST_GPU_KV_CACHE_MODE_GET   ? "get"
          : self->mode == GST_GPU_KV_CACHE_MODE_PUT ? "put"
                                                    : "erase"));
  g_free (dims);
  return FALSE;
}

/* Output caps of mode get: the values (uint8 value-size:N) and the found
 * mask (uint8 1:N). */
static GstCaps *
get_output_caps (GstGpuKvCache *self, guint vs)
{
  GstGpuTensorsConfig oc;

  gst_gpu_tensors_config_init (&oc);
  oc.num_tensors = 2;
  oc.info[0].dtype = GST_GPU_DTYPE_UINT8;
  oc.info[0].rank = 2;
  oc.info[0].dims[0] = vs;
  oc.info[0].dims[1] = self->n_slots;
  oc.info[1].dtype = GST_GPU_DTYPE_UINT8;
  oc.info[1].rank = 2;
  oc.info[1].dims[0] = 1;
  oc.info[1].dims[1] = self->n_slots;
  oc.fps_n = self->config.fps_n;
  oc.fps_d = self->config.fps_d;
  return gst_gpu_tensors_config_to_caps (&oc, NULL);
}

/* Returns: (transfer full) (nullable): the src caps for @caps, or NULL with
 * an error posted. */
GstCaps *
gst_gpu_kv_cache_stream_set_caps (GstGpuKvCache *self, GstCaps *caps)
{
  const GstGpuTensorInfo *vi = &self->config.info[1];
  GstGpuKvTable *table;
  gboolean failed;
  gchar *dims;
  gsize vs;

  if (self->mode == GST_GPU_KV_CACHE_MODE_PUT && self->config.num_tensors != 2)
    goto not_key_value;
  if (!parse_key_tensor (self, &self->config.info[0]))
    return NULL;
  switch (self->mode) {
    case GST_GPU_KV_CACHE_MODE_ERASE:
      gst_gpu_kv_cache_ensure_scratch (self, self->n_slots, 0);
      return gst_caps_ref (caps);
    case GST_GPU_KV_CACHE_MODE_PUT:
      vs = gst_gpu_tensor_info_get_size (vi) / self->n_slots;
      if (self->value_size && self->value_size != vs)
        goto wrong_value_size;
      if (!gst_gpu_kv_cache_prepare_values (self, (guint)vs))
        return NULL;
      return gst_caps_ref (caps);
    default:
      table = gst_gpu_kv_cache_get_table (self, self->value_size, &failed);
      if (failed)
        return NULL;
      if (!table)
        goto no_value_size;
      vs = gst_gpu_kv_table_get_value_size (table);
      gst_gpu_kv_table_unref (table);
      gst_gpu_kv_cache_ensure_scratch (self, self->n_slots, (guint)vs);
      return get_output_caps (self, (guint)vs);
  }

  /* ERRORS */
not_key_value:
  GST_ELEMENT_ERROR (self, STREAM, FORMAT,
      ("mode put needs two input tensors: keys, then values"),
      ("got %u tensors", self->config.num_tensors));
  return NULL;
wrong_value_size:
  dims = gst_gpu_tensor_info_dimensions_to_string (vi);
  GST_ELEMENT_ERROR (self, STREAM, FORMAT,
      ("The value-size property does not match the value tensor"),
      ("Value tensor %s holds %" G_GSIZE_FORMAT " bytes per key but "
       "value-size is %u",
          dims, vs, self->value_size));
  g_free (dims);
  return NULL;
no_value_size:
  GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
      ("mode get needs the value-size property, or a cache-name shared with "
       "an element whose table exists"),
      ("cache-name '%s' has no table yet",
          GST_STR_NULL (gst_gpu_kv_cache_entry_get_name (self->entry))));
  return NULL;
}

/* Keys of the first @n slots of the key tensor at @data. */
static void
read_keys (GstGpuKvCache *self, const guint8 *data, guint n)
{
  guint i;

  for (i = 0; i < n; i++) {
    if (self->int_keys) {
      guint64 v;
      memcpy (&v, data + (gsize)i * 8, 8);
      self->keys[i] = gst_gpu_kv_key_from_uint64 (v);
    } else {
      GstGpuKvKey k;
      memcpy (&k, data + (gsize)i * 16, 16);
      /* caller keys live in the content key space */
      k.hi &= GST_GPU_KV_CONTENT_HI_MASK;
      self->keys[i] = k;
    }
  }
}

/* mode get: values and found mask of the @n keys, as two memories (one per
 * output tensor) with @buf's flags, timestamps and metas. */
static GstBuffer *
get_values (GstGpuKvCache *self, GstGpuKvTable *table, GstBuffer *buf, guint n,
    guint *n_hit)
{
  guint vs = gst_gpu_kv_table_get_value_size (table), n_missed = 0;
  gsize vbytes = (gsize)self->n_slots * vs;
  GstBuffer *outbuf
      = gst_buffer_new_allocate (NULL, vbytes + self->n_slots, NULL);
  GstMemory *all;
  GstMapInfo omap;

  gst_buffer_map (outbuf, &omap, GST_MAP_WRITE);
  memset (omap.data, 0, omap.size);
  *n_hit = gst_gpu_kv_table_find (table, self->keys, n, omap.data,
      omap.data + vbytes, self->idx, &n_missed);
  *n_hit += gst_gpu_kv_cache_redis_read_through (
      self, table, self->keys, n_missed, vs, omap.data, omap.data + vbytes);
  gst_buffer_unmap (outbuf, &omap);
  all = gst_buffer_get_all_memory (outbuf);
  gst_buffer_remove_all_memory (outbuf);
  gst_buffer_append_memory (outbuf, gst_memory_share (all, 0, vbytes));
  gst_buffer_append_memory (
      outbuf, gst_memory_share (all, vbytes, self->n_slots));
  gst_memory_unref (all);
  gst_buffer_copy_into (outbuf, buf,
      GST_BUFFER_COPY_FLAGS | GST_BUFFER_COPY_TIMESTAMPS
          | GST_BUFFER_COPY_METADATA,
      0, -1);
  return outbuf;
}

/* Takes @buf; @out is the buffer to push (in mode get a new one), also on
 * error. */
GstFlowReturn
gst_gpu_kv_cache_stream_process (
    GstGpuKvCache *self, GstBuffer *buf, GstBuffer **out)
{
  GstGpuBatchMeta *bmeta = gst_buffer_get_gpu_batch_meta (buf);
  GstGpuKvTable *table;
  GstMapInfo map;
  guint n, vs, n_hit = 0, i;
  const guint8 *v;

  *out = buf;
  if (!gst_gpu_kv_cache_check_batch_meta (self, bmeta))
    return GST_FLOW_ERROR;
  n = bmeta ? bmeta->n_valid : self->n_slots;
  table = gst_gpu_kv_cache_entry_get_table (self->entry);
  if (!table) {
    /* erase before anything was stored: nothing to do */
    if (self->mode == GST_GPU_KV_CACHE_MODE_ERASE)
      return GST_FLOW_OK;
    goto no_table;
  }
  vs = gst_gpu_kv_table_get_value_size (table);
  if (!gst_buffer_map (buf, &map, GST_MAP_READ))
    goto map_failed;
  read_keys (self, map.data, n);

  switch (self->mode) {
    case GST_GPU_KV_CACHE_MODE_GET:
      *out = get_values (self, table, buf, n, &n_hit);
      break;
    case GST_GPU_KV_CACHE_MODE_PUT:
      v = map.data + self->item[0] * self->n_slots;
      gst_gpu_kv_table_insert_or_assign (table, self->keys, n, v, NULL);
      for (i = 0; i < n; i++)
        self->idx[i] = i;
      gst_gpu_kv_cache_redis_write_through (
          self, self->keys, self->idx, n, vs, v);
      break;
    default:
      n_hit = gst_gpu_kv_table_erase (table, self->keys, n, NULL);
      break;
  }
  gst_buffer_unmap (buf, &map);
  gst_gpu_kv_table_unref (table);
  if (*out != buf)
    gst_buffer_unref (buf);
  GST_OBJECT_LOCK (self);
  self->batches++;
  if (self->mode == GST_GPU_KV_CACHE_MODE_GET) {
    self->items_hit += n_hit;
    self->items_missed += n - n_hit;
  } else if (self->mode == GST_GPU_KV_CACHE_MODE_PUT) {
    self->items_stored += n;
  }
  GST_OBJECT_UNLOCK (self);
  return GST_FLOW_OK;

  /* ERRORS */
no_table:
  GST_ELEMENT_ERROR (self, STREAM, FAILED,
      ("The cache table of this cache-name is gone"),
      ("cache-name '%s' has no table in mode %s",
          GST_STR_NULL (gst_gpu_kv_cache_entry_get_name (self->entry)),
          self->mode == GST_GPU_KV_CACHE_MODE_GET ? "get" : "put"));
  return GST_FLOW_ERROR;
map_failed:
  GST_ELEMENT_ERROR (self, RESOURCE, READ, ("Could not read the key batch"),
      ("gst_buffer_map (READ) failed on %" GST_PTR_FORMAT, buf));
  gst_gpu_kv_table_unref (table);
  return GST_FLOW_ERROR;
}
