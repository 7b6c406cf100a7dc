/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The process-wide registry of gpukvcache's shared tables: one entry per
 * cache-name, holding the table once a value size is known. It knows
 * nothing of elements: its failures come back as GErrors that the element
 * turns into messages.
 */
#pragma once

#include <gst/gst.h>
#include "gpu/kvtable/gstgpukvtable.h"

G_BEGIN_DECLS

typedef struct _GstGpuKvCacheEntry GstGpuKvCacheEntry;

#define GST_GPU_KV_CACHE_REGISTRY_ERROR                                        \
  (gst_gpu_kv_cache_registry_error_quark ())
GQuark gst_gpu_kv_cache_registry_error_quark (void);

/**
 * GstGpuKvCacheRegistryError:
 * @GST_GPU_KV_CACHE_REGISTRY_ERROR_CAPACITY: capacity or max-bytes differ
 *   from those of the element that created the entry
 * @GST_GPU_KV_CACHE_REGISTRY_ERROR_VALUE_SIZE: the value size differs from
 *   the shared table's
 *
 * A table that cannot be made reports the table's own error.
 */
typedef enum {
  GST_GPU_KV_CACHE_REGISTRY_ERROR_CAPACITY,
  GST_GPU_KV_CACHE_REGISTRY_ERROR_VALUE_SIZE,
} GstGpuKvCacheRegistryError;

/* Joins the entry of @name, creating it when absent; a NULL @name gets an
 * entry of its own. @creator names the caller in error texts.
 * Returns: (transfer full) (nullable): the entry, or NULL with @error set
 * (CAPACITY) when the entry exists with another @capacity or @max_bytes. */
GstGpuKvCacheEntry *gst_gpu_kv_cache_registry_join (const gchar *name,
    guint64 capacity, guint64 max_bytes, const gchar *creator, GError **error);

/* Gives back a reference from gst_gpu_kv_cache_registry_join (); the last
 * one frees the entry and its table. */
void gst_gpu_kv_cache_registry_leave (GstGpuKvCacheEntry *entry);

/* Returns: (transfer none): the entry's cache-name, or NULL. */
const gchar *gst_gpu_kv_cache_entry_get_name (GstGpuKvCacheEntry *entry);

/* Returns: (transfer full) (nullable): the entry's table, NULL while no
 * value size is known. Any thread. */
GstGpuKvTable *gst_gpu_kv_cache_entry_get_table (GstGpuKvCacheEntry *entry);

/* With @config->value_size 0, the same as gst_gpu_kv_cache_entry_get_table
 * (). Otherwise creates the table from @config when absent (@creator then
 * becomes its creator) and checks an existing one has that value size.
 * Returns: (transfer full) (nullable): the table, or NULL with @error set
 * (VALUE_SIZE, or the table's error when it cannot be made). Any
 * thread. */
GstGpuKvTable *gst_gpu_kv_cache_entry_ensure_table (GstGpuKvCacheEntry *entry,
    const GstGpuKvTableConfig *config, const gchar *creator, GError **error);

G_END_DECLS
