/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * gpukvcache's glue to its Redis tier (gstgpukvredis.h): one warning per
 * outage, read-through with promotion into the table, write-through.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "elements/gpukvcache/gstgpukvcacheprivate.h"

#include <string.h>

#define GST_CAT_DEFAULT gst_gpu_kv_cache_debug

/* The Redis tier's first failure of an outage, from the thread that saw
 * it (streaming or the tier's writer): one warning per outage. */
void
gst_gpu_kv_cache_redis_outage (
    GstGpuRedisFailure failure, const gchar *detail, gpointer user_data)
{
  GstGpuKvCache *self = user_data;
  const gchar *url = self->redis_masked_url;
  guint timeout;

  GST_OBJECT_LOCK (self);
  timeout = self->redis_timeout;
  GST_OBJECT_UNLOCK (self);
  switch (failure) {
    case GST_GPU_REDIS_FAILURE_AUTH:
      GST_ELEMENT_WARNING (self, RESOURCE, NOT_AUTHORIZED,
          ("Redis backing store %s: authentication failed (wrong password, "
           "or the server wants one); set it with the environment variable "
           "GST_GPUSTREAM_REDIS_PASSWORD. Continuing with the local table",
              url),
          ("%s", detail));
      break;
    case GST_GPU_REDIS_FAILURE_TIMEOUT:
      GST_ELEMENT_WARNING (self, RESOURCE, READ,
          ("Redis backing store %s did not answer within redis-timeout "
           "(%u ms); continuing with the local table and retrying with "
           "back-off",
              url, timeout),
          ("%s", detail));
      break;
    case GST_GPU_REDIS_FAILURE_UNREACHABLE:
      GST_ELEMENT_WARNING (self, RESOURCE, OPEN_READ_WRITE,
          ("Redis backing store %s is unreachable; continuing with the "
           "local table and retrying with back-off",
              url),
          ("%s", detail));
      break;
    case GST_GPU_REDIS_FAILURE_REPLY:
      GST_ELEMENT_WARNING (self, RESOURCE, WRITE,
          ("Redis backing store %s answered with an error; continuing with "
           "the local table and retrying with back-off",
              url),
          ("%s", detail));
      break;
  }
}

guint
gst_gpu_kv_cache_redis_read_through (GstGpuKvCache *self, GstGpuKvTable *table,
    const GstGpuKvKey *keys, guint n_missed, guint vs, guint8 *values,
    guint8 *found)
{
  guint n_found = 0, i, n_promote = 0;

  if (!self->redis || n_missed == 0)
    return 0;
  /* a failure is counted and warned about by the tier */
  gst_gpu_kv_redis_mget (
      self->redis, keys, self->idx, n_missed, vs, values, found, &n_found);
  if (n_found == 0)
    return 0;
  /* promote: pack the found keys and values */
  for (i = 0; i < n_missed; i++) {
    guint32 s = self->idx[i];
    if (!found[s])
      continue;
    self->pkeys[n_promote] = keys[s];
    memcpy (self->pvalues + (gsize)n_promote * vs, values + (gsize)s * vs, vs);
    n_promote++;
  }
  gst_gpu_kv_table_insert_or_assign (
      table, self->pkeys, n_promote, self->pvalues, NULL);
  GST_OBJECT_LOCK (self);
  self->redis_hits += n_found;
  GST_OBJECT_UNLOCK (self);
  return n_found;
}

void
gst_gpu_kv_cache_redis_write_through (GstGpuKvCache *self,
    const GstGpuKvKey *keys, const guint32 *idx, guint n, guint vs,
    const guint8 *values)
{
  if (self->redis)
    gst_gpu_kv_redis_queue_set (self->redis, keys, idx, n, vs, values);
}
