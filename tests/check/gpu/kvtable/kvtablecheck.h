/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Helpers shared by the KV table test files (kvtable.c: behaviour of one
 * thread, bad configurations, the probe header; kvtableconcurrency.c:
 * threads racing on one table).
 */
#pragma once

#include <gst/check/gstcheck.h>

#include "gpu/kvtable/gstgpukvtable.h"

/* Key number @id as a table key: odd ids are content keys, even ids
 * integer keys. */
GstGpuKvKey key_for_id (guint64 id);

/* A value that names its key and a version. */
void value_for (guint8 *out, guint value_size, guint64 id, guint64 version);

GstGpuKvTable *make_table (
    guint64 capacity, guint value_size, GstGpuKvEviction eviction);

/* Inserts ids first..first+n-1 with version 0 values. */
void insert_ids (GstGpuKvTable *table, guint64 first, guint n);

gboolean has_id (GstGpuKvTable *table, guint64 id);

/* Finds @id (a hit), which counts as an access for eviction. */
void touch_id (GstGpuKvTable *table, guint64 id);
