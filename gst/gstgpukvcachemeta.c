/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * GstGpuKvCacheMeta: one allocation per meta holding
 * the keyed and hit masks, the keys and the values.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gst/gstgpukvcachemeta.h"

#include <string.h>

typedef struct
{
  GstGpuKvCacheMeta pub;
  gpointer block;
} GstGpuKvCacheMetaImpl;

static void
meta_alloc (GstGpuKvCacheMeta *meta, guint n_slots, guint value_size)
{
  GstGpuKvCacheMetaImpl *impl = (GstGpuKvCacheMetaImpl *)meta;
  gsize keys_off = GST_ROUND_UP_16 ((gsize)n_slots * 2);
  gsize values_off = keys_off + (gsize)n_slots * sizeof (GstGpuKvKey);
  guint8 *block = g_malloc0 (values_off + (gsize)n_slots * value_size + 1);

  impl->block = block;
  meta->n_slots = n_slots;
  meta->value_size = value_size;
  meta->keyed = block;
  meta->hit = block + n_slots;
  meta->keys = (GstGpuKvKey *)(block + keys_off);
  meta->values = block + values_off;
}

static gboolean
meta_init (GstMeta *meta, gpointer params, GstBuffer *buffer)
{
  GstGpuKvCacheMetaImpl *impl = (GstGpuKvCacheMetaImpl *)meta;

  impl->block = NULL;
  impl->pub.n_slots = 0;
  impl->pub.value_size = 0;
  return TRUE;
}

static void
meta_free (GstMeta *meta, GstBuffer *buffer)
{
  GstGpuKvCacheMetaImpl *impl = (GstGpuKvCacheMetaImpl *)meta;

  g_clear_pointer (&impl->block, g_free);
}

static gboolean
meta_transform (GstBuffer *dest, GstMeta *meta, GstBuffer *buffer, GQuark type,
    gpointer data)
{
  GstGpuKvCacheMeta *src = (GstGpuKvCacheMeta *)meta, *dst;
  gsize keys_off, total;

  /* keys and values belong to the whole batch: copies only */
  if (!GST_META_TRANSFORM_IS_COPY (type))
    return FALSE;
  dst = gst_buffer_add_gpu_kv_cache_meta (dest, src->n_slots, src->value_size);
  if (!dst)
    return FALSE;
  keys_off = GST_ROUND_UP_16 ((gsize)src->n_slots * 2);
  total = keys_off + (gsize)src->n_slots * sizeof (GstGpuKvKey)
          + (gsize)src->n_slots * src->value_size;
  memcpy (dst->keyed, src->keyed, total);
  return TRUE;
}

GType
gst_gpu_kv_cache_meta_api_get_type (void)
{
  static GType type = 0;
  static const gchar *tags[] = { NULL };

  if (g_once_init_enter (&type)) {
    GType t = gst_meta_api_type_register ("GstGpuKvCacheMetaAPI", tags);
    g_once_init_leave (&type, t);
  }
  return type;
}

const GstMetaInfo *
gst_gpu_kv_cache_meta_get_info (void)
{
  static const GstMetaInfo *info = NULL;

  if (g_once_init_enter (&info)) {
    const GstMetaInfo *i = gst_meta_register (GST_GPU_KV_CACHE_META_API_TYPE,
        "GstGpuKvCacheMeta", sizeof (GstGpuKvCacheMetaImpl), meta_init,
        meta_free, meta_transform);
    g_once_init_leave (&info, i);
  }
  return info;
}

GstGpuKvCacheMeta *
gst_buffer_add_gpu_kv_cache_meta (
    GstBuffer *buffer, guint n_slots, guint value_size)
{
  GstGpuKvCacheMeta *meta;

  g_return_val_if_fail (GST_IS_BUFFER (buffer), NULL);
  meta = (GstGpuKvCacheMeta *)gst_buffer_add_meta (
      buffer, gst_gpu_kv_cache_meta_get_info (), NULL);
  if (meta)
    meta_alloc (meta, n_slots, value_size);
  return meta;
}
