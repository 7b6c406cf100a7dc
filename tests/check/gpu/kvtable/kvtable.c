/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Tests of the KV table core (CPU path): a property test against a
 * GHashTable model, eviction order, ttl with an injected clock, per-item
 * failure, bad configurations, and the probe header the CUDA kernels
 * share. Threads racing on one table are in kvtableconcurrency.c.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include "tests/check/gpu/kvtable/kvtablecheck.h"

#define MODEL_VALUE_SIZE 16

#define PROP_OPS 200000
#define PROP_KEYSPACE 20000
#define PROP_MAX_BATCH 48

typedef enum {
  PROP_FIND,
  PROP_INSERT,
  PROP_FIND_OR_INSERT,
  PROP_ERASE,
  PROP_CONTAINS,
  PROP_CLEAR,
} PropOp;

/* The model: id -> version stored last; absent ids read as 0. */
static guint64
model_get (GHashTable *model, guint64 id)
{
  return GPOINTER_TO_SIZE (
      g_hash_table_lookup (model, GSIZE_TO_POINTER (id + 1)));
}

static void
model_set (GHashTable *model, guint64 id, guint64 version)
{
  g_hash_table_insert (
      model, GSIZE_TO_POINTER (id + 1), GSIZE_TO_POINTER (version));
}

static PropOp
prop_pick_op (GRand *rand)
{
  gint r = g_rand_int_range (rand, 0, 1000);

  if (r < 1)
    return PROP_CLEAR;
  if (r < 300)
    return PROP_FIND;
  if (r < 600)
    return PROP_INSERT;
  if (r < 750)
    return PROP_FIND_OR_INSERT;
  if (r < 900)
    return PROP_ERASE;
  return PROP_CONTAINS;
}

/* Runs PROP_OPS random operations in random batches on @table and on a
 * GHashTable id -> version model. With @exact, every answer must match the
 * model; otherwise (an evicting table) every value found must be the last
 * one stored for its key and every key the model does not hold must miss. */
static void
run_property (GstGpuKvTable *table, guint32 seed, gboolean exact)
{
  GRand *rand = g_rand_new_with_seed (seed);
  GHashTable *model = g_hash_table_new (g_direct_hash, g_direct_equal);
  GstGpuKvKey keys[PROP_MAX_BATCH];
  guint64 ids[PROP_MAX_BATCH];
  guint8 values_in[PROP_MAX_BATCH * MODEL_VALUE_SIZE];
  guint8 values_out[PROP_MAX_BATCH * MODEL_VALUE_SIZE];
  guint8 status[PROP_MAX_BATCH];
  guint32 missed[PROP_MAX_BATCH];
  guint8 expect[MODEL_VALUE_SIZE];
  guint64 version = 1;
  guint done = 0, i, n_hits = 0;
  GstGpuKvStats stats;

  while (done < PROP_OPS) {
    PropOp op = prop_pick_op (rand);
    guint n = g_rand_int_range (rand, 1, PROP_MAX_BATCH + 1);
    guint ret, n_missed = 0, expect_ret = 0, mi = 0;

    if (op == PROP_CLEAR) {
      gst_gpu_kv_table_clear (table);
      g_hash_table_remove_all (model);
      done++;
      continue;
    }

    for (i = 0; i < n; i++) {
      ids[i] = g_rand_int_range (rand, 0, PROP_KEYSPACE);
      keys[i] = key_for_id (ids[i]);
      value_for (values_in + i * MODEL_VALUE_SIZE, MODEL_VALUE_SIZE, ids[i],
          version + i);
    }
    memset (values_out, 0xee, sizeof (values_out));
    memset (status, 0xee, sizeof (status));

    switch (op) {
      case PROP_FIND:
        ret = gst_gpu_kv_table_find (
            table, keys, n, values_out, status, missed, &n_missed);
        for (i = 0; i < n; i++) {
          guint64 v = model_get (model, ids[i]);

          if (status[i]) {
            fail_unless (v != 0,
                "seed %u: found id %" G_GUINT64_FORMAT
                " the model does not hold",
                seed, ids[i]);
            value_for (expect, MODEL_VALUE_SIZE, ids[i], v);
            fail_unless (memcmp (values_out + i * MODEL_VALUE_SIZE, expect,
                             MODEL_VALUE_SIZE)
                             == 0,
                "seed %u: stale or foreign value "
                "for id %" G_GUINT64_FORMAT,
                seed, ids[i]);
            expect_ret++;
          } else {
            if (exact)
              fail_unless (v == 0,
                  "seed %u: missed id %" G_GUINT64_FORMAT " the model holds",
                  seed, ids[i]);
            fail_unless_equals_int (missed[mi], i);
            mi++;
          }
        }
        fail_unless_equals_int (ret, expect_ret);
        fail_unless_equals_int (n_missed, n - expect_ret);
        fail_unless_equals_int (mi, n_missed);
        n_hits += ret;
        break;
      case PROP_CONTAINS:
        ret = gst_gpu_kv_table_contains (table, keys, n, status);
        for (i = 0; i < n; i++) {
          fail_unless (status[i] <= 1);
          if (exact) {
            fail_unless_equals_int (status[i], model_get (model, ids[i]) != 0);
          } else if (status[i]) {
            fail_unless (model_get (model, ids[i]) != 0);
          }
          expect_ret += status[i];
        }
        fail_unless_equals_int (ret, expect_ret);
        break;
      case PROP_INSERT:
        ret = gst_gpu_kv_table_insert_or_assign (
            table, keys, n, values_in, status);
        for (i = 0; i < n; i++) {
          if (exact) {
            guint8 expect_st = model_get (model, ids[i])
                                   ? GST_GPU_KV_STATUS_ASSIGNED
                                   : GST_GPU_KV_STATUS_INSERTED;
            fail_unless_equals_int (status[i], expect_st);
          } else {
            fail_unless (status[i] == GST_GPU_KV_STATUS_ASSIGNED
                         || status[i] == GST_GPU_KV_STATUS_INSERTED);
          }
          model_set (model, ids[i], version + i);
        }
        fail_unless_equals_int (ret, n);
        break;
      case PROP_FIND_OR_INSERT:
        ret = gst_gpu_kv_table_find_or_insert (
            table, keys, n, values_in, values_out, status);
        for (i = 0; i < n; i++) {
          guint64 v = model_get (model, ids[i]);

          if (status[i] == GST_GPU_KV_STATUS_FOUND) {
            fail_unless (v != 0);
            expect_ret++;
          } else {
            fail_unless_equals_int (status[i], GST_GPU_KV_STATUS_INSERTED);
            if (exact)
              fail_unless (v == 0);
            v = version + i;
            model_set (model, ids[i], v);
          }
          value_for (expect, MODEL_VALUE_SIZE, ids[i], v);
          fail_unless (memcmp (values_out + i * MODEL_VALUE_SIZE, expect,
                           MODEL_VALUE_SIZE)
                       == 0);
        }
        fail_unless_equals_int (ret, expect_ret);
        break;
      case PROP_ERASE:
        ret = gst_gpu_kv_table_erase (table, keys, n, status);
        for (i = 0; i < n; i++) {
          if (exact)
            fail_unless_equals_int (status[i], model_get (model, ids[i]) != 0);
          expect_ret += status[i];
          g_hash_table_remove (model, GSIZE_TO_POINTER (ids[i] + 1));
        }
        fail_unless_equals_int (ret, expect_ret);
        break;
      case PROP_CLEAR:
        break;
    }
    version += n;
    done += n;
  }

  gst_gpu_kv_table_get_stats (table, &stats);
  if (exact) {
    fail_unless_equals_uint64 (stats.entries, g_hash_table_size (model));
    fail_unless_equals_uint64 (stats.evictions, 0);
    fail_unless_equals_uint64 (stats.failed_inserts, 0);
  } else {
    fail_unless (stats.evictions > 0,
        "seed %u: the table never evicted, the "
        "test does not exercise eviction",
        seed);
    fail_unless (stats.entries <= stats.capacity);
  }
  fail_unless (n_hits > 0);

  g_hash_table_unref (model);
  g_rand_free (rand);
}

GST_START_TEST (test_property_matches_model_without_eviction)
{
  static const guint32 seeds[] = { 1, 42, 20240601 };
  guint s;

  for (s = 0; s < G_N_ELEMENTS (seeds); s++) {
    /* 8x the key space: no bucket pair overflows, and eviction "none"
     * would report any overflow as a failed insert */
    GstGpuKvTable *table = make_table (
        8 * PROP_KEYSPACE, MODEL_VALUE_SIZE, GST_GPU_KV_EVICTION_NONE);

    run_property (table, seeds[s], TRUE);
    gst_gpu_kv_table_unref (table);
  }
}

GST_END_TEST;

GST_START_TEST (test_property_eviction_returns_last_value)
{
  static const guint32 seeds[] = { 7, 99 };
  static const GstGpuKvEviction policies[]
      = { GST_GPU_KV_EVICTION_LRU, GST_GPU_KV_EVICTION_LFU };
  guint s, p;

  for (p = 0; p < G_N_ELEMENTS (policies); p++) {
    for (s = 0; s < G_N_ELEMENTS (seeds); s++) {
      /* far smaller than the key space: evicts all the time */
      GstGpuKvTable *table
          = make_table (PROP_KEYSPACE / 16, MODEL_VALUE_SIZE, policies[p]);

      run_property (table, seeds[s], FALSE);
      gst_gpu_kv_table_unref (table);
    }
  }
}

GST_END_TEST;

/* --- eviction order, ttl, failures --------------------------------------- */

/* Reads ids 0 .. @n - 1 but @skip, each @times in a row, in id order. */
static void
touch_all_but (GstGpuKvTable *table, guint n, guint skip, guint times)
{
  guint i, t;

  for (i = 0; i < n; i++) {
    for (t = 0; t < times && i != skip; t++)
      touch_id (table, i);
  }
}

/* Of ids 0 .. @n - 1, @victim alone is gone. */
static void
check_only_evicted (GstGpuKvTable *table, guint n, guint victim)
{
  guint i;

  fail_if (has_id (table, victim), "id %u not evicted", victim);
  for (i = 0; i < n; i++) {
    if (i != victim)
      fail_unless (has_id (table, i), "id %u evicted instead of %u", i, victim);
  }
}

GST_START_TEST (test_lru_evicts_least_recently_used)
{
  /* 16 entries: a single bucket, so the victim is fully determined */
  GstGpuKvTable *table = make_table (16, 8, GST_GPU_KV_EVICTION_LRU);
  GstGpuKvStats stats;

  fail_unless_equals_uint64 (gst_gpu_kv_table_get_capacity (table), 16);
  insert_ids (table, 0, 16);
  /* refresh all but id 5, oldest first: 5 is the least recently used */
  touch_all_but (table, 16, 5, 1);
  insert_ids (table, 100, 1);

  check_only_evicted (table, 16, 5);
  fail_unless (has_id (table, 100));

  /* then the next least recently used is 0 (touched first above) */
  insert_ids (table, 101, 1);
  fail_if (has_id (table, 0));
  fail_unless (has_id (table, 1));

  gst_gpu_kv_table_get_stats (table, &stats);
  fail_unless_equals_uint64 (stats.evictions, 2);
  fail_unless_equals_uint64 (stats.entries, 16);
  gst_gpu_kv_table_unref (table);
}

GST_END_TEST;

GST_START_TEST (test_lfu_evicts_least_frequently_used)
{
  GstGpuKvTable *table = make_table (16, 8, GST_GPU_KV_EVICTION_LFU);

  insert_ids (table, 0, 16);
  /* every id but 9 read twice; 9 is read once, most recently of all: LRU
   * would keep it, LFU must evict it */
  touch_all_but (table, 16, 9, 2);
  touch_id (table, 9);
  insert_ids (table, 100, 1);

  check_only_evicted (table, 16, 9);
  gst_gpu_kv_table_unref (table);
}

GST_END_TEST;

GST_START_TEST (test_lfu_breaks_ties_by_age)
{
  GstGpuKvTable *table = make_table (16, 8, GST_GPU_KV_EVICTION_LFU);

  insert_ids (table, 0, 16);
  /* all counts equal (2); id 3 was accessed longest ago */
  touch_id (table, 3);
  touch_all_but (table, 16, 3, 1);
  insert_ids (table, 100, 1);
  fail_if (has_id (table, 3));
  fail_unless (has_id (table, 4));
  gst_gpu_kv_table_unref (table);
}

GST_END_TEST;

typedef struct
{
  guint64 now;
} TestClock;

static guint64
test_clock_now (gpointer user_data)
{
  return ((TestClock *)user_data)->now;
}

static GstGpuKvTable *
make_ttl_table (TestClock *clock, guint64 ttl, GstGpuKvEviction eviction)
{
  GstGpuKvTableConfig config;
  GstGpuKvTable *table;

  gst_gpu_kv_table_config_init (&config);
  config.capacity = 16;
  config.value_size = 8;
  config.eviction = eviction;
  config.ttl = ttl;
  config.clock = test_clock_now;
  config.clock_data = clock;
  table = gst_gpu_kv_table_new (&config, NULL);
  fail_unless (table != NULL);
  return table;
}

GST_START_TEST (test_ttl_expired_entry_misses)
{
  TestClock clock = { 1000 };
  GstGpuKvTable *table = make_ttl_table (&clock, 100, GST_GPU_KV_EVICTION_LRU);
  GstGpuKvStats stats;

  insert_ids (table, 0, 2);
  clock.now = 1050;
  /* rewriting id 1 restarts its age */
  insert_ids (table, 1, 1);
  clock.now = 1099;
  fail_unless (has_id (table, 0));
  clock.now = 1100;
  fail_if (has_id (table, 0));
  fail_unless (has_id (table, 1));
  clock.now = 1150;
  fail_if (has_id (table, 1));

  gst_gpu_kv_table_get_stats (table, &stats);
  fail_unless_equals_uint64 (stats.expired, 2);
  fail_unless_equals_uint64 (stats.entries, 0);
  gst_gpu_kv_table_unref (table);
}

GST_END_TEST;

GST_START_TEST (test_ttl_reclaims_full_bucket_before_evicting)
{
  TestClock clock = { 0 };
  /* eviction none: without reclaiming expired entries the insert would
   * fail */
  GstGpuKvTable *table = make_ttl_table (&clock, 100, GST_GPU_KV_EVICTION_NONE);
  GstGpuKvStats stats;

  insert_ids (table, 0, 16);
  clock.now = 10;
  insert_ids (table, 0, 1); /* id 0 rewritten: young again */
  clock.now = 105;
  insert_ids (table, 100, 1);
  fail_unless (has_id (table, 100));
  fail_unless (has_id (table, 0));
  fail_if (has_id (table, 1));

  gst_gpu_kv_table_get_stats (table, &stats);
  fail_unless_equals_uint64 (stats.expired, 15);
  fail_unless_equals_uint64 (stats.evictions, 0);
  fail_unless_equals_uint64 (stats.entries, 2);
  gst_gpu_kv_table_unref (table);
}

GST_END_TEST;

GST_START_TEST (test_insert_into_full_bucket_fails_per_item)
{
  GstGpuKvTable *table = make_table (16, 8, GST_GPU_KV_EVICTION_NONE);
  GstGpuKvKey keys[20];
  guint8 values[20 * 8], status[20];
  GstGpuKvStats stats;
  guint i;

  for (i = 0; i < 20; i++) {
    keys[i] = key_for_id (i);
    value_for (values + i * 8, 8, i, 0);
  }
  fail_unless_equals_int (
      gst_gpu_kv_table_insert_or_assign (table, keys, 20, values, status), 16);
  for (i = 0; i < 16; i++)
    fail_unless_equals_int (status[i], GST_GPU_KV_STATUS_INSERTED);
  for (i = 16; i < 20; i++)
    fail_unless_equals_int (status[i], GST_GPU_KV_STATUS_FAILED);
  /* the failed items did not disturb the stored ones */
  for (i = 0; i < 16; i++)
    fail_unless (has_id (table, i));
  fail_if (has_id (table, 17));

  gst_gpu_kv_table_get_stats (table, &stats);
  fail_unless_equals_uint64 (stats.failed_inserts, 4);
  fail_unless_equals_uint64 (stats.entries, 16);
  gst_gpu_kv_table_unref (table);
}

GST_END_TEST;

/* --- batch API ------------------------------------------------------------ */

GST_START_TEST (test_find_mixed_batch_reports_missed_indices)
{
  GstGpuKvTable *table = make_table (1024, 24, GST_GPU_KV_EVICTION_LRU);
  GstGpuKvKey keys[6];
  guint8 values[6 * 24], found[6], expect[24];
  guint32 missed[6];
  guint n_missed = 99, i;

  insert_ids (table, 10, 3);
  /* hits at 1, 2, 4; misses at 0, 3, 5 */
  keys[0] = key_for_id (1);
  keys[1] = key_for_id (10);
  keys[2] = key_for_id (12);
  keys[3] = key_for_id (13);
  keys[4] = key_for_id (11);
  keys[5] = key_for_id (14);
  memset (values, 0x5a, sizeof (values));
  fail_unless_equals_int (
      gst_gpu_kv_table_find (table, keys, 6, values, found, missed, &n_missed),
      3);
  fail_unless_equals_int (n_missed, 3);
  fail_unless_equals_int (missed[0], 0);
  fail_unless_equals_int (missed[1], 3);
  fail_unless_equals_int (missed[2], 5);
  fail_unless (found[0] == 0 && found[1] == 1 && found[2] == 1 && found[3] == 0
               && found[4] == 1 && found[5] == 0);
  value_for (expect, 24, 12, 0);
  fail_unless (memcmp (values + 2 * 24, expect, 24) == 0);
  /* a missed item's value is left alone */
  for (i = 0; i < 24; i++)
    fail_unless_equals_int (values[3 * 24 + i], 0x5a);
  gst_gpu_kv_table_unref (table);
}

GST_END_TEST;

GST_START_TEST (test_find_or_insert_keeps_existing_value)
{
  GstGpuKvTable *table = make_table (1024, 8, GST_GPU_KV_EVICTION_LRU);
  GstGpuKvKey keys[2] = { key_for_id (1), key_for_id (2) };
  guint8 in[16], out[16], status[2], expect[8];

  insert_ids (table, 1, 1);
  value_for (in, 8, 1, 77);
  value_for (in + 8, 8, 2, 77);
  fail_unless_equals_int (
      gst_gpu_kv_table_find_or_insert (table, keys, 2, in, out, status), 1);
  fail_unless_equals_int (status[0], GST_GPU_KV_STATUS_FOUND);
  fail_unless_equals_int (status[1], GST_GPU_KV_STATUS_INSERTED);
  value_for (expect, 8, 1, 0);
  fail_unless (memcmp (out, expect, 8) == 0);
  fail_unless (memcmp (out + 8, in + 8, 8) == 0);
  gst_gpu_kv_table_unref (table);
}

GST_END_TEST;

GST_START_TEST (test_erase_and_clear_remove_entries)
{
  GstGpuKvTable *table = make_table (4096, 8, GST_GPU_KV_EVICTION_LRU);
  GstGpuKvKey keys[3] = { key_for_id (3), key_for_id (999), key_for_id (4) };
  guint8 erased[3];
  GstGpuKvStats stats;

  insert_ids (table, 0, 100);
  fail_unless_equals_int (gst_gpu_kv_table_erase (table, keys, 3, erased), 2);
  fail_unless (erased[0] == 1 && erased[1] == 0 && erased[2] == 1);
  fail_if (has_id (table, 3));
  fail_unless (has_id (table, 5));
  gst_gpu_kv_table_get_stats (table, &stats);
  fail_unless_equals_uint64 (stats.entries, 98);

  gst_gpu_kv_table_clear (table);
  fail_if (has_id (table, 5));
  gst_gpu_kv_table_get_stats (table, &stats);
  fail_unless_equals_uint64 (stats.entries, 0);
  gst_gpu_kv_table_unref (table);
}

GST_END_TEST;

GST_START_TEST (test_stats_structure_has_counters)
{
  GstGpuKvTable *table = make_table (1024, 8, GST_GPU_KV_EVICTION_LRU);
  GstGpuKvKey keys[2] = { key_for_id (1), key_for_id (2) };
  GstGpuKvStats stats;
  GstStructure *s;
  guint64 v;
  gdouble d;

  insert_ids (table, 1, 1);
  gst_gpu_kv_table_find (table, keys, 2, NULL, NULL, NULL, NULL);
  gst_gpu_kv_table_get_stats (table, &stats);
  s = gst_gpu_kv_stats_to_structure (&stats, "gpukvcache-stats");
  fail_unless (gst_structure_get_uint64 (s, "hits", &v));
  fail_unless_equals_uint64 (v, 1);
  fail_unless (gst_structure_get_uint64 (s, "misses", &v));
  fail_unless_equals_uint64 (v, 1);
  fail_unless (gst_structure_get_uint64 (s, "inserts", &v));
  fail_unless_equals_uint64 (v, 1);
  fail_unless (gst_structure_get_uint64 (s, "entries", &v));
  fail_unless_equals_uint64 (v, 1);
  fail_unless (gst_structure_get_double (s, "hit-ratio", &d));
  fail_unless (d > 0.49 && d < 0.51);
  fail_unless (gst_structure_get_double (s, "load-factor", &d));
  fail_unless (d > 0 && d < 0.01);
  fail_unless (gst_structure_has_field (s, "evictions"));
  fail_unless (gst_structure_has_field (s, "expired"));
  fail_unless (gst_structure_has_field (s, "failed-inserts"));
  gst_structure_free (s);
  gst_gpu_kv_table_unref (table);
}

GST_END_TEST;

/* --- configuration errors ------------------------------------------------- */

static void
check_new_fails (guint64 capacity, guint64 max_bytes, guint value_size,
    const gchar *expected_word)
{
  GstGpuKvTableConfig config;
  GError *err = NULL;

  gst_gpu_kv_table_config_init (&config);
  config.capacity = capacity;
  config.max_bytes = max_bytes;
  config.value_size = value_size;
  fail_unless (gst_gpu_kv_table_new (&config, &err) == NULL);
  fail_unless (err != NULL);
  fail_unless (g_error_matches (
      err, GST_GPU_KV_TABLE_ERROR, GST_GPU_KV_TABLE_ERROR_CONFIG));
  fail_unless (strstr (err->message, expected_word) != NULL,
      "message '%s' does not mention %s", err->message, expected_word);
  g_error_free (err);
}

/* Configurations gst_gpu_kv_table_new () refuses, and the word its error
 * names. */
typedef struct
{
  guint64 capacity, max_bytes;
  guint value_size;
  const gchar *word;
} BadConfig;

static const BadConfig bad_configs[] = {
  { 0, 0, 64, "capacity" },
  { 1024, 0, 0, "value-size" },
  /* max-bytes below one bucket */
  { 0, 100, 64, "max-bytes" },
};

GST_START_TEST (test_new_rejects_bad_config)
{
  const BadConfig *c = &bad_configs[__i__];

  check_new_fails (c->capacity, c->max_bytes, c->value_size, c->word);
}

GST_END_TEST;

GST_START_TEST (test_max_bytes_bounds_table_size)
{
  GstGpuKvTableConfig config;
  GstGpuKvTable *table;

  gst_gpu_kv_table_config_init (&config);
  config.max_bytes = 10 * 1024 * 1024;
  config.value_size = 64;
  table = gst_gpu_kv_table_new (&config, NULL);
  fail_unless (table != NULL);
  fail_unless (gst_gpu_kv_table_get_bytes (table) <= config.max_bytes);
  /* rounding down to whole groups loses less than a group */
  fail_unless (
      gst_gpu_kv_table_get_bytes (table)
      > config.max_bytes
            - GST_GPU_KV_GROUP_BUCKETS * GST_GPU_KV_BUCKET_SLOTS * (64 + 64));
  gst_gpu_kv_table_unref (table);
}

GST_END_TEST;

/* --- keys and the shared probe header ------------------------------------ */

GST_START_TEST (test_content_keys_are_stable_and_distinct)
{
  const gchar a[] = "frame-a", b[] = "frame-b";
  GstGpuKvKey ka = gst_gpu_kv_key_from_content (a, sizeof (a));
  GstGpuKvKey ka2 = gst_gpu_kv_key_from_content (a, sizeof (a));
  GstGpuKvKey kb = gst_gpu_kv_key_from_content (b, sizeof (b));
  GstGpuKvKey ki = gst_gpu_kv_key_from_uint64 (ka.lo);

  fail_unless (gst_gpu_kv_key_equal (ka, ka2));
  fail_if (gst_gpu_kv_key_equal (ka, kb));
  /* an integer key never equals a content key, even with the same low
   * word */
  fail_if (gst_gpu_kv_key_equal (ka, ki));
  fail_unless ((ka.hi >> 63) == 0);
}

GST_END_TEST;

GST_START_TEST (test_locate_stays_in_group)
{
  GstGpuKvGeometry geoms[] = { { 1, 1 }, { 1, 4 }, { 3, 16 }, { 1000, 16 } };
  guint g, i;

  for (g = 0; g < G_N_ELEMENTS (geoms); g++) {
    guint hist[2] = { 0, 0 };

    for (i = 0; i < 5000; i++) {
      GstGpuKvLocation loc = gst_gpu_kv_locate (geoms[g], key_for_id (i));
      guint lo = loc.group * geoms[g].group_buckets;

      fail_unless (loc.group < geoms[g].n_groups);
      fail_unless (
          loc.bucket[0] >= lo && loc.bucket[0] < lo + geoms[g].group_buckets);
      fail_unless (
          loc.bucket[1] >= lo && loc.bucket[1] < lo + geoms[g].group_buckets);
      fail_unless (loc.fp != 0);
      hist[loc.group % 2]++;
    }
    /* groups are used evenly (both halves of a 2+ group table see keys) */
    if (geoms[g].n_groups > 1)
      fail_unless (hist[0] > 1000 && hist[1] > 1000);
  }
}

GST_END_TEST;

GST_START_TEST (test_match_finds_every_equal_fingerprint)
{
  guint8 fps[GST_GPU_KV_BUCKET_SLOTS];
  GRand *rand = g_rand_new_with_seed (5);
  guint round, i;

  for (round = 0; round < 1000; round++) {
    guint8 fp = g_rand_int_range (rand, 0, 4);
    guint32 m, expect = 0;

    for (i = 0; i < GST_GPU_KV_BUCKET_SLOTS; i++) {
      fps[i] = g_rand_int_range (rand, 0, 4);
      if (fps[i] == fp)
        expect |= 1u << i;
    }
    m = gst_gpu_kv_match_scalar (fps, fp);
    fail_unless_equals_int (m, expect);
    /* the CPU path's vector compare gives the same mask */
    fail_unless_equals_int (gst_gpu_kv_match_host (fps, fp), expect);
  }
  g_rand_free (rand);
}

GST_END_TEST;

GST_START_TEST (test_victim_order_follows_policy)
{
  /* LRU: older access first regardless of counts */
  fail_unless (gst_gpu_kv_victim_before (GST_GPU_KV_POLICY_LRU, 9, 1, 1, 2));
  fail_if (gst_gpu_kv_victim_before (GST_GPU_KV_POLICY_LRU, 1, 2, 9, 1));
  /* LFU: fewer accesses first, then older */
  fail_unless (gst_gpu_kv_victim_before (GST_GPU_KV_POLICY_LFU, 1, 9, 2, 1));
  fail_unless (gst_gpu_kv_victim_before (GST_GPU_KV_POLICY_LFU, 2, 1, 2, 9));
  fail_if (gst_gpu_kv_victim_before (GST_GPU_KV_POLICY_LFU, 2, 9, 2, 9));
  fail_unless_equals_int (gst_gpu_kv_pick_bucket (3, 5), 1);
  fail_unless_equals_int (gst_gpu_kv_pick_bucket (5, 5), 0);
}

GST_END_TEST;

static Suite *
kvtable_suite (void)
{
  Suite *s = suite_create ("kvtable");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_property_matches_model_without_eviction);
  tcase_add_test (tc, test_property_eviction_returns_last_value);
  tcase_add_test (tc, test_lru_evicts_least_recently_used);
  tcase_add_test (tc, test_lfu_evicts_least_frequently_used);
  tcase_add_test (tc, test_lfu_breaks_ties_by_age);
  tcase_add_test (tc, test_ttl_expired_entry_misses);
  tcase_add_test (tc, test_ttl_reclaims_full_bucket_before_evicting);
  tcase_add_test (tc, test_insert_into_full_bucket_fails_per_item);
  tcase_add_test (tc, test_find_mixed_batch_reports_missed_indices);
  tcase_add_test (tc, test_find_or_insert_keeps_existing_value);
  tcase_add_test (tc, test_erase_and_clear_remove_entries);
  tcase_add_test (tc, test_stats_structure_has_counters);
  tcase_add_loop_test (
      tc, test_new_rejects_bad_config, 0, G_N_ELEMENTS (bad_configs));
  tcase_add_test (tc, test_max_bytes_bounds_table_size);
  tcase_add_test (tc, test_content_keys_are_stable_and_distinct);
  tcase_add_test (tc, test_locate_stays_in_group);
  tcase_add_test (tc, test_match_finds_every_equal_fingerprint);
  tcase_add_test (tc, test_victim_order_follows_policy);
  return s;
}

GST_CHECK_MAIN (kvtable);
