/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "elements/gpukvcache/gstgpukvcacheregistry.h"

/* One shared table per cache-name. The table is made by the first element
 * that knows the value size (a property, or caps in store/put mode). */
struct _GstGpuKvCacheEntry
{
  gchar *name;
  gint refs;
  guint64 capacity;
  guint64 max_bytes;
  gchar *creator;
  GstGpuKvTable *table; /* NULL until a value size is known */
};

static GMutex registry_lock;
static GHashTable *registry; /* name -> GstGpuKvCacheEntry, registry_lock */

GST_DEBUG_CATEGORY_EXTERN (gst_gpu_kv_cache_debug);
#define GST_CAT_DEFAULT gst_gpu_kv_cache_debug

GQuark
gst_gpu_kv_cache_registry_error_quark (void)
{
  return g_quark_from_static_string ("gst-gpu-kv-cache-registry-error-quark");
}

GstGpuKvCacheEntry *
gst_gpu_kv_cache_registry_join (const gchar *name, guint64 capacity,
    guint64 max_bytes, const gchar *creator, GError **error)
{
  GstGpuKvCacheEntry *entry = NULL;

  g_mutex_lock (&registry_lock);
  if (!registry)
    registry = g_hash_table_new (g_str_hash, g_str_equal);
  if (name)
    entry = g_hash_table_lookup (registry, name);
  if (entry) {
    if (entry->capacity != capacity || entry->max_bytes != max_bytes)
      goto mismatch;
    entry->refs++;
  } else {
    entry = g_new0 (GstGpuKvCacheEntry, 1);
    entry->name = g_strdup (name);
    entry->refs = 1;
    entry->capacity = capacity;
    entry->max_bytes = max_bytes;
    entry->creator = g_strdup (creator);
    if (entry->name)
      g_hash_table_insert (registry, entry->name, entry);
  }
  g_mutex_unlock (&registry_lock);
  return entry;

  /* ERRORS */
mismatch:
  g_set_error (error, GST_GPU_KV_CACHE_REGISTRY_ERROR,
      GST_GPU_KV_CACHE_REGISTRY_ERROR_CAPACITY,
      "capacity %" G_GUINT64_FORMAT " / max-bytes %" G_GUINT64_FORMAT
      " of %s differ from capacity %" G_GUINT64_FORMAT
      " / max-bytes %" G_GUINT64_FORMAT " of %s, which created it",
      capacity, max_bytes, creator, entry->capacity, entry->max_bytes,
      entry->creator);
  g_mutex_unlock (&registry_lock);
  return NULL;
}

void
gst_gpu_kv_cache_registry_leave (GstGpuKvCacheEntry *entry)
{
  g_mutex_lock (&registry_lock);
  if (--entry->refs == 0) {
    if (entry->name)
      g_hash_table_remove (registry, entry->name);
    g_clear_pointer (&entry->table, gst_gpu_kv_table_unref);
    g_free (entry->name);
    g_free (entry->creator);
    g_free (entry);
  }
  g_mutex_unlock (&registry_lock);
}

const gchar *
gst_gpu_kv_cache_entry_get_name (GstGpuKvCacheEntry *entry)
{
  /* set once at creation */
  return entry->name;
}

GstGpuKvTable *
gst_gpu_kv_cache_entry_get_table (GstGpuKvCacheEntry *entry)
{
  GstGpuKvTable *table = NULL;

  g_mutex_lock (&registry_lock);
  if (entry->table)
    table = gst_gpu_kv_table_ref (entry->table);
  g_mutex_unlock (&registry_lock);
  return table;
}

GstGpuKvTable *
gst_gpu_kv_cache_entry_ensure_table (GstGpuKvCacheEntry *entry,
    const GstGpuKvTableConfig *config, const gchar *creator, GError **error)
{
  GstGpuKvTable *table = NULL;
  guint table_vs;

  g_mutex_lock (&registry_lock);
  if (!entry->table && config->value_size > 0) {
    entry->table = gst_gpu_kv_table_new (config, error);
    if (!entry->table)
      goto no_table;
    g_free (entry->creator);
    entry->creator = g_strdup (creator);
    GST_INFO ("created table '%s': %" G_GUINT64_FORMAT
              " entries of %u bytes for %s",
        GST_STR_NULL (entry->name),
        gst_gpu_kv_table_get_capacity (entry->table), config->value_size,
        creator);
  }
  if (entry->table) {
    table_vs = gst_gpu_kv_table_get_value_size (entry->table);
    if (config->value_size > 0 && table_vs != config->value_size)
      goto wrong_value_size;
    table = gst_gpu_kv_table_ref (entry->table);
  }
  g_mutex_unlock (&registry_lock);
  return table;

  /* ERRORS */
no_table:
  /* @error is set by the table */
  g_mutex_unlock (&registry_lock);
  return NULL;
wrong_value_size:
  g_set_error (error, GST_GPU_KV_CACHE_REGISTRY_ERROR,
      GST_GPU_KV_CACHE_REGISTRY_ERROR_VALUE_SIZE,
      "value-size %u of %s differs from value-size %u of the shared table "
      "created by %s",
      config->value_size, creator, table_vs, entry->creator);
  g_mutex_unlock (&registry_lock);
  return NULL;
}
