/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The KV table core (CPU path) under threads: concurrent finds and inserts
 * from 4 threads keep every value, and lock-free finds racing with writers
 * never see a torn value.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include "tests/check/gpu/kvtable/kvtablecheck.h"

#define CONC_THREADS 4
#define CONC_PER_THREAD 40000
#define CONC_BATCH 32
#define CONC_VALUE_SIZE 32

typedef struct
{
  GstGpuKvTable *table;
  guint index;
  gint *inserted; /* per thread, atomic: ids written so far */
  gint failures;
} ConcThread;

static gpointer
conc_thread (gpointer data)
{
  ConcThread *ct = data;
  GRand *rand = g_rand_new_with_seed (ct->index + 1);
  GstGpuKvKey keys[CONC_BATCH];
  guint8 values[CONC_BATCH * CONC_VALUE_SIZE], found[CONC_BATCH];
  guint8 expect[CONC_VALUE_SIZE];
  guint64 ids[CONC_BATCH];
  guint done, i;

  for (done = 0; done < CONC_PER_THREAD; done += CONC_BATCH) {
    guint64 base = (guint64)ct->index * CONC_PER_THREAD + done;

    for (i = 0; i < CONC_BATCH; i++) {
      keys[i] = key_for_id (base + i);
      value_for (values + i * CONC_VALUE_SIZE, CONC_VALUE_SIZE, base + i, 0);
    }
    if (gst_gpu_kv_table_insert_or_assign (
            ct->table, keys, CONC_BATCH, values, NULL)
        != CONC_BATCH)
      ct->failures++;
    g_atomic_int_set (&ct->inserted[ct->index], done + CONC_BATCH);

    /* read ids other threads have already published: each must be there
     * with its own value */
    for (i = 0; i < CONC_BATCH; i++) {
      guint t = g_rand_int_range (rand, 0, CONC_THREADS);
      gint n = g_atomic_int_get (&ct->inserted[t]);

      ids[i] = (guint64)t * CONC_PER_THREAD
               + (n > 0 ? g_rand_int_range (rand, 0, n) : 0);
      keys[i] = key_for_id (ids[i]);
      if (n == 0)
        ids[i] = G_MAXUINT64;
    }
    gst_gpu_kv_table_find (
        ct->table, keys, CONC_BATCH, values, found, NULL, NULL);
    for (i = 0; i < CONC_BATCH; i++) {
      if (ids[i] == G_MAXUINT64)
        continue;
      value_for (expect, CONC_VALUE_SIZE, ids[i], 0);
      if (!found[i]
          || memcmp (values + i * CONC_VALUE_SIZE, expect, CONC_VALUE_SIZE)
                 != 0)
        ct->failures++;
    }
  }
  g_rand_free (rand);
  return NULL;
}

GST_START_TEST (test_concurrent_find_insert_keeps_every_value)
{
  GstGpuKvTable *table = make_table (8 * CONC_THREADS * CONC_PER_THREAD,
      CONC_VALUE_SIZE, GST_GPU_KV_EVICTION_NONE);
  ConcThread ct[CONC_THREADS];
  GThread *threads[CONC_THREADS];
  gint inserted[CONC_THREADS] = {
    0,
  };
  guint8 value[CONC_VALUE_SIZE], expect[CONC_VALUE_SIZE], found;
  GstGpuKvStats stats;
  guint i;
  guint64 id;

  for (i = 0; i < CONC_THREADS; i++) {
    ct[i].table = table;
    ct[i].index = i;
    ct[i].inserted = inserted;
    ct[i].failures = 0;
    threads[i] = g_thread_new ("kv-conc", conc_thread, &ct[i]);
  }
  for (i = 0; i < CONC_THREADS; i++) {
    g_thread_join (threads[i]);
    fail_unless_equals_int (ct[i].failures, 0);
  }

  for (id = 0; id < CONC_THREADS * CONC_PER_THREAD; id++) {
    GstGpuKvKey key = key_for_id (id);

    gst_gpu_kv_table_find (table, &key, 1, value, &found, NULL, NULL);
    fail_unless (found, "id %" G_GUINT64_FORMAT " lost", id);
    value_for (expect, CONC_VALUE_SIZE, id, 0);
    fail_unless (memcmp (value, expect, CONC_VALUE_SIZE) == 0,
        "id %" G_GUINT64_FORMAT " corrupted", id);
  }
  gst_gpu_kv_table_get_stats (table, &stats);
  fail_unless_equals_uint64 (stats.entries, CONC_THREADS * CONC_PER_THREAD);
  fail_unless_equals_uint64 (stats.inserts, CONC_THREADS * CONC_PER_THREAD);
  gst_gpu_kv_table_unref (table);
}

GST_END_TEST;

/* Readers find a few hot keys without the lock while writers keep
 * overwriting them and one thread erases and re-inserts them, so slots
 * change keys under the readers. Every byte of a value written for key k
 * equals the write's counter, and counters of key k are k modulo
 * TORN_KEYS: a torn value (mixed bytes) or a value of another key shows. */
#define TORN_KEYS 8
#define TORN_WRITERS 2
#define TORN_READERS 2
/* each reader reads at least TORN_READS values and goes on until the
 * writers have made TORN_WRITES rounds between them, so both overlap
 * however the threads are scheduled */
#define TORN_READS 100000
#define TORN_WRITES 20000
/* not a multiple of 8, so the value copy's unaligned head and tail run
 * too; long, so a reader often overlaps a write */
#define TORN_VALUE_SIZE 500

typedef struct
{
  GstGpuKvTable *table;
  guint index;
  gint *stop;       /* atomic */
  gint *rounds;     /* atomic: writer rounds so far */
  gint torn;        /* readers: values with mixed bytes or of another key */
  guint hits;       /* readers: values read */
  guint8 seen[256]; /* readers: counters seen */
} TornThread;

static void
torn_keys (GstGpuKvKey *keys)
{
  guint k;

  for (k = 0; k < TORN_KEYS; k++)
    keys[k] = key_for_id (k);
}

static gpointer
torn_writer (gpointer data)
{
  TornThread *tt = data;
  GstGpuKvKey keys[TORN_KEYS];
  guint8 values[TORN_KEYS * TORN_VALUE_SIZE];
  guint round = tt->index, k;

  torn_keys (keys);
  while (!g_atomic_int_get (tt->stop)) {
    for (k = 0; k < TORN_KEYS; k++)
      memset (values + k * TORN_VALUE_SIZE, (round * TORN_KEYS + k) & 0xff,
          TORN_VALUE_SIZE);
    if (tt->index == TORN_WRITERS) {
      /* the eraser: empties the slots, then refills them in reverse order
       * so keys land in slots other keys held before */
      gst_gpu_kv_table_erase (tt->table, keys, TORN_KEYS, NULL);
      for (k = TORN_KEYS; k-- > 0;)
        gst_gpu_kv_table_insert_or_assign (
            tt->table, &keys[k], 1, values + k * TORN_VALUE_SIZE, NULL);
    } else {
      gst_gpu_kv_table_insert_or_assign (
          tt->table, keys, TORN_KEYS, values, NULL);
    }
    round += TORN_WRITERS + 1;
    g_atomic_int_inc (tt->rounds);
  }
  return NULL;
}

static gpointer
torn_reader (gpointer data)
{
  TornThread *tt = data;
  GstGpuKvKey keys[TORN_KEYS];
  guint8 values[TORN_KEYS * TORN_VALUE_SIZE], found[TORN_KEYS];
  guint n, k, i;

  torn_keys (keys);
  for (n = 0; n < TORN_READS || g_atomic_int_get (tt->rounds) < TORN_WRITES;
       n += TORN_KEYS) {
    memset (values, 0xee, sizeof (values));
    gst_gpu_kv_table_find (
        tt->table, keys, TORN_KEYS, values, found, NULL, NULL);
    for (k = 0; k < TORN_KEYS; k++) {
      const guint8 *v = values + k * TORN_VALUE_SIZE;

      if (!found[k]) {
        /* a miss (the eraser was between erase and insert) leaves the
         * caller's bytes alone */
        if (v[0] != 0xee)
          tt->torn++;
        continue;
      }
      tt->hits++;
      tt->seen[v[0]] = 1;
      if (v[0] % TORN_KEYS != k)
        tt->torn++;
      for (i = 1; i < TORN_VALUE_SIZE; i++) {
        if (v[i] != v[0]) {
          tt->torn++;
          break;
        }
      }
    }
  }
  return NULL;
}

GST_START_TEST (test_concurrent_finds_never_see_torn_values)
{
  GstGpuKvTable *table
      = make_table (256, TORN_VALUE_SIZE, GST_GPU_KV_EVICTION_LRU);
  TornThread writers[TORN_WRITERS + 1], readers[TORN_READERS];
  GThread *writer_threads[TORN_WRITERS + 1], *reader_threads[TORN_READERS];
  gint stop = 0, rounds = 0;
  guint i, c, distinct = 0;

  memset (writers, 0, sizeof (writers));
  memset (readers, 0, sizeof (readers));
  for (i = 0; i <= TORN_WRITERS; i++) {
    writers[i].table = table;
    writers[i].index = i;
    writers[i].stop = &stop;
    writers[i].rounds = &rounds;
    writer_threads[i] = g_thread_new ("kv-torn-w", torn_writer, &writers[i]);
  }
  for (i = 0; i < TORN_READERS; i++) {
    readers[i].table = table;
    readers[i].index = i;
    readers[i].rounds = &rounds;
    reader_threads[i] = g_thread_new ("kv-torn-r", torn_reader, &readers[i]);
  }
  for (i = 0; i < TORN_READERS; i++)
    g_thread_join (reader_threads[i]);
  g_atomic_int_set (&stop, 1);
  for (i = 0; i <= TORN_WRITERS; i++)
    g_thread_join (writer_threads[i]);

  for (i = 0; i < TORN_READERS; i++) {
    fail_unless_equals_int (readers[i].torn, 0);
    fail_unless (readers[i].hits > 0, "reader %u found nothing", i);
    for (c = 0; c < 256; c++)
      distinct += readers[i].seen[c];
  }
  /* the readers really ran while the values changed */
  fail_unless (distinct > TORN_KEYS, "only %u distinct values seen", distinct);
  gst_gpu_kv_table_unref (table);
}

GST_END_TEST;

static Suite *
kvtableconcurrency_suite (void)
{
  Suite *s = suite_create ("kvtable-concurrency");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_concurrent_find_insert_keeps_every_value);
  tcase_add_test (tc, test_concurrent_finds_never_see_torn_values);
  return s;
}

GST_CHECK_MAIN (kvtableconcurrency);
