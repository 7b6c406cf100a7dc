/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * gpukvcache's memoising modes. mode=lookup keys each live slot of a batch
 * (by its content, or by a key given in a GstGpuKvCacheMeta), finds the
 * keys in the shared table, marks hits in GstGpuBatchMeta so the inference
 * element skips them and attaches keys and found values; mode=store, after
 * the inference element, stores the computed slots under those keys and
 * fills the hit slots with their cached values.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "elements/gpukvcache/gstgpukvcacheprivate.h"

#include <string.h>

#define GST_CAT_DEFAULT gst_gpu_kv_cache_debug

static gboolean
slot_is_live (GstGpuBatchMeta *bmeta, guint s)
{
  if (!bmeta)
    return TRUE;
  return s < bmeta->n_valid && bmeta->slots[s].status == GST_GPU_SLOT_STATUS_OK;
}

/* Content key of slot @s: the slot's bytes of every tensor. */
static GstGpuKvKey
slot_key (GstGpuKvCache *self, const guint8 *data, guint s)
{
  GstGpuKvKey parts[GST_GPU_TENSORS_LIMIT];
  gsize off = 0;
  guint t;

  if (self->config.num_tensors == 1)
    return gst_gpu_kv_key_from_content (
        data + s * self->item[0], self->item[0]);
  for (t = 0; t < self->config.num_tensors; t++) {
    parts[t] = gst_gpu_kv_key_from_content (
        data + off + s * self->item[t], self->item[t]);
    off += self->item[t] * self->n_slots;
  }
  return gst_gpu_kv_key_from_content (
      parts, self->config.num_tensors * sizeof (GstGpuKvKey));
}

/* Copies slot @s of the tensors in @data to/from @value (the slot's bytes
 * of every tensor back to back). */
static void
slot_gather (GstGpuKvCache *self, const guint8 *data, guint s, guint8 *value)
{
  gsize off = 0;
  guint t;

  for (t = 0; t < self->config.num_tensors; t++) {
    memcpy (value, data + off + s * self->item[t], self->item[t]);
    value += self->item[t];
    off += self->item[t] * self->n_slots;
  }
}

static void
slot_scatter (GstGpuKvCache *self, guint8 *data, guint s, const guint8 *value)
{
  gsize off = 0;
  guint t;

  for (t = 0; t < self->config.num_tensors; t++) {
    memcpy (data + off + s * self->item[t], value, self->item[t]);
    value += self->item[t];
    off += self->item[t] * self->n_slots;
  }
}

/* Returns: (transfer full) (nullable): the src caps (the sink caps), or NULL
 * with an error posted. */
GstCaps *
gst_gpu_kv_cache_memo_set_caps (GstGpuKvCache *self, GstCaps *caps)
{
  gsize vs = 0;
  guint t;

  if (self->mode == GST_GPU_KV_CACHE_MODE_LOOKUP) {
    gst_gpu_kv_cache_ensure_scratch (self, self->n_slots, 0);
    return gst_caps_ref (caps);
  }
  /* store: a value is one slot of every output tensor */
  for (t = 0; t < self->config.num_tensors; t++)
    vs += self->item[t];
  if (self->value_size && self->value_size != vs)
    goto wrong_value_size;
  if (!gst_gpu_kv_cache_prepare_values (self, (guint)vs))
    return NULL;
  return gst_caps_ref (caps);

  /* ERRORS */
wrong_value_size:
  GST_ELEMENT_ERROR (self, STREAM, FORMAT,
      ("The value-size property does not match the output of the element "
       "before this store element"),
      ("value-size %u, but the output tensors hold %" G_GSIZE_FORMAT
       " bytes per slot",
          self->value_size, vs));
  return NULL;
}

static GstFlowReturn
do_lookup (GstGpuKvCache *self, GstBuffer *buf)
{
  GstGpuBatchMeta *bmeta;
  GstGpuKvCacheMeta *cmeta, *given;
  GstGpuKvTable *table;
  GstMapInfo map;
  guint vs, n_keyed = 0, n_hit = 0, n_missed = 0, i, s;

  bmeta = gst_buffer_get_gpu_batch_meta (buf);
  if (!gst_gpu_kv_cache_check_batch_meta (self, bmeta))
    return GST_FLOW_ERROR;
  given = gst_buffer_get_gpu_kv_cache_meta (buf);
  if (given && given->n_slots != self->n_slots)
    goto wrong_key_meta;
  table = gst_gpu_kv_cache_entry_get_table (self->entry);
  vs = table ? gst_gpu_kv_table_get_value_size (table) : 0;
  /* grows once, when the shared table first appears */
  gst_gpu_kv_cache_ensure_scratch (self, self->n_slots, vs);
  cmeta = gst_buffer_add_gpu_kv_cache_meta (buf, self->n_slots, vs);
  if (given) {
    /* keys given upstream replace content keys for their slots */
    memcpy (cmeta->keyed, given->keyed, self->n_slots);
    memcpy (cmeta->keys, given->keys, self->n_slots * sizeof (GstGpuKvKey));
    gst_buffer_remove_meta (buf, (GstMeta *)given);
  }

  if (!gst_buffer_map (buf, &map, GST_MAP_READ))
    goto map_failed;
  for (s = 0; s < self->n_slots; s++) {
    gboolean has_key = cmeta->keyed[s];

    cmeta->keyed[s] = slot_is_live (bmeta, s);
    if (!cmeta->keyed[s])
      continue;
    if (!has_key)
      cmeta->keys[s] = slot_key (self, map.data, s);
    n_keyed++;
  }
  gst_buffer_unmap (buf, &map);

  if (table && n_keyed > 0) {
    /* compact the keyed slots, find them, then scatter the results */
    guint n = 0;
    for (s = 0; s < self->n_slots; s++)
      if (cmeta->keyed[s])
        self->keys[n++] = cmeta->keys[s];
    memset (self->found, 0, n);
    gst_gpu_kv_table_find (
        table, self->keys, n, self->values, self->found, self->idx, &n_missed);
    /* idx holds compact indices, like keys and values */
    gst_gpu_kv_cache_redis_read_through (
        self, table, self->keys, n_missed, vs, self->values, self->found);
    i = 0;
    for (s = 0; s < self->n_slots; s++) {
      if (!cmeta->keyed[s])
        continue;
      if (self->found[i]) {
        cmeta->hit[s] = 1;
        memcpy (
            cmeta->values + (gsize)s * vs, self->values + (gsize)i * vs, vs);
        if (bmeta)
          bmeta->slots[s].status = GST_GPU_SLOT_STATUS_CACHE_HIT;
        n_hit++;
      }
      i++;
    }
  }
  g_clear_pointer (&table, gst_gpu_kv_table_unref);

  GST_OBJECT_LOCK (self);
  self->batches++;
  self->items_hit += n_hit;
  self->items_missed += n_keyed - n_hit;
  GST_OBJECT_UNLOCK (self);
  return GST_FLOW_OK;

  /* ERRORS */
wrong_key_meta:
  GST_ELEMENT_ERROR (self, STREAM, FORMAT,
      ("The keys given with the input batch do not fit its batch size"),
      ("the GstGpuKvCacheMeta on the input batch keys %u slots but the "
       "caps' batch dimension is %u",
          given->n_slots, self->n_slots));
  return GST_FLOW_ERROR;
map_failed:
  GST_ELEMENT_ERROR (self, RESOURCE, READ, ("Could not read the input batch"),
      ("gst_buffer_map (READ) failed on %" GST_PTR_FORMAT, buf));
  g_clear_pointer (&table, gst_gpu_kv_table_unref);
  return GST_FLOW_ERROR;
}

static GstFlowReturn
do_store (GstGpuKvCache *self, GstBuffer *buf, GstGpuKvCacheMeta *cmeta)
{
  GstGpuBatchMeta *bmeta = gst_buffer_get_gpu_batch_meta (buf);
  GstGpuKvTable *table = NULL;
  GstMapInfo map;
  guint vs, n = 0, n_filled = 0, s;

  if (!gst_gpu_kv_cache_check_batch_meta (self, bmeta))
    return GST_FLOW_ERROR;
  if (!cmeta) {
    GST_LOG_OBJECT (self, "no keys from a lookup element: passing through");
    return GST_FLOW_OK;
  }
  table = gst_gpu_kv_cache_entry_get_table (self->entry);
  vs = table ? gst_gpu_kv_table_get_value_size (table) : 0;
  if (cmeta->n_slots != self->n_slots
      || (cmeta->value_size != 0 && cmeta->value_size != vs))
    goto wrong_key_meta;
  if (!gst_buffer_map (buf, &map, GST_MAP_READWRITE))
    goto map_failed;
  for (s = 0; s < self->n_slots; s++) {
    if (!cmeta->keyed[s])
      continue;
    if (cmeta->hit[s]) {
      slot_scatter (self, map.data, s, cmeta->values + (gsize)s * vs);
      if (bmeta && s < bmeta->n_valid
          && bmeta->slots[s].status == GST_GPU_SLOT_STATUS_CACHE_HIT)
        bmeta->slots[s].status = GST_GPU_SLOT_STATUS_OK;
      n_filled++;
    } else if (slot_is_live (bmeta, s)) {
      /* computed by the element in between (a failed slot is not stored) */
      self->pkeys[n] = cmeta->keys[s];
      slot_gather (self, map.data, s, self->pvalues + (gsize)n * vs);
      self->idx[n] = n;
      n++;
    }
  }
  gst_buffer_unmap (buf, &map);
  if (table && n > 0) {
    gst_gpu_kv_table_insert_or_assign (
        table, self->pkeys, n, self->pvalues, NULL);
    gst_gpu_kv_cache_redis_write_through (
        self, self->pkeys, self->idx, n, vs, self->pvalues);
  }
  g_clear_pointer (&table, gst_gpu_kv_table_unref);
  GST_OBJECT_LOCK (self);
  self->batches++;
  self->items_stored += n;
  self->items_filled += n_filled;
  GST_OBJECT_UNLOCK (self);
  return GST_FLOW_OK;

  /* ERRORS */
wrong_key_meta:
  GST_ELEMENT_ERROR (self, STREAM, FORMAT,
      ("The lookup and store elements do not share a cache-name and batch "
       "size"),
      ("the lookup element keyed %u slots of %u-byte values but this store "
       "element has %u slots of %u bytes",
          cmeta->n_slots, cmeta->value_size, self->n_slots, vs));
  g_clear_pointer (&table, gst_gpu_kv_table_unref);
  return GST_FLOW_ERROR;
map_failed:
  GST_ELEMENT_ERROR (self, RESOURCE, WRITE,
      ("Could not write the output batch"),
      ("gst_buffer_map (READWRITE) failed on %" GST_PTR_FORMAT, buf));
  g_clear_pointer (&table, gst_gpu_kv_table_unref);
  return GST_FLOW_ERROR;
}

/* Takes @buf; @out is the (writable) batch to push, also on error. */
GstFlowReturn
gst_gpu_kv_cache_memo_process (
    GstGpuKvCache *self, GstBuffer *buf, GstBuffer **out)
{
  GstGpuKvCacheMeta *cmeta;
  GstFlowReturn flow;

  buf = gst_buffer_make_writable (buf);
  *out = buf;
  if (self->mode == GST_GPU_KV_CACHE_MODE_LOOKUP)
    return do_lookup (self, buf);
  /* the keys end here, whatever happens to the batch */
  cmeta = gst_buffer_get_gpu_kv_cache_meta (buf);
  flow = do_store (self, buf, cmeta);
  if (cmeta)
    gst_buffer_remove_meta (buf, (GstMeta *)cmeta);
  return flow;
}
