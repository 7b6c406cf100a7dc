/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Helpers shared by the KV table test files.
 */
#include "tests/check/gpu/kvtable/kvtablecheck.h"

/* Key number @id as a table key: odd ids are content keys (XXH3-128 of the
 * id's bytes), even ids integer keys, so both kinds are exercised. */
GstGpuKvKey
key_for_id (guint64 id)
{
  if (id & 1)
    return gst_gpu_kv_key_from_content (&id, sizeof (id));
  return gst_gpu_kv_key_from_uint64 (id);
}

/* A value that names its key and a version, so a value stored for another
 * key or an older version is detected. */
void
value_for (guint8 *out, guint value_size, guint64 id, guint64 version)
{
  guint64 words[2] = { id, version };
  guint i;

  for (i = 0; i < value_size; i++)
    out[i] = ((const guint8 *)words)[i % sizeof (words)] ^ (guint8)(i / 16);
}

GstGpuKvTable *
make_table (guint64 capacity, guint value_size, GstGpuKvEviction eviction)
{
  GstGpuKvTableConfig config;
  GstGpuKvTable *table;
  GError *err = NULL;

  gst_gpu_kv_table_config_init (&config);
  config.capacity = capacity;
  config.value_size = value_size;
  config.eviction = eviction;
  table = gst_gpu_kv_table_new (&config, &err);
  fail_unless (table != NULL, "table: %s", err ? err->message : "?");
  return table;
}

void
insert_ids (GstGpuKvTable *table, guint64 first, guint n)
{
  guint vs = gst_gpu_kv_table_get_value_size (table);
  GstGpuKvKey *keys = g_new (GstGpuKvKey, n);
  guint8 *values = g_malloc (n * vs);
  guint i;

  for (i = 0; i < n; i++) {
    keys[i] = key_for_id (first + i);
    value_for (values + i * vs, vs, first + i, 0);
  }
  fail_unless_equals_int (
      gst_gpu_kv_table_insert_or_assign (table, keys, n, values, NULL), n);
  g_free (keys);
  g_free (values);
}

gboolean
has_id (GstGpuKvTable *table, guint64 id)
{
  GstGpuKvKey key = key_for_id (id);
  guint8 found = 0xaa;

  gst_gpu_kv_table_contains (table, &key, 1, &found);
  fail_unless (found == 0 || found == 1);
  return found;
}

void
touch_id (GstGpuKvTable *table, guint64 id)
{
  GstGpuKvKey key = key_for_id (id);

  fail_unless_equals_int (
      gst_gpu_kv_table_find (table, &key, 1, NULL, NULL, NULL, NULL), 1);
}

/* --- property tests ------------------------------------------------------ */
