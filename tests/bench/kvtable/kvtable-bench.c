/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Benchmark of the KV table core (CPU path): batched find and insert
 * throughput at 1M and 16M entries with 64-byte values and hit ratios of 0,
 * 50 and 100 %, printed as absolute figures and as ratios against two
 * baselines measured in the same run:
 *   (a) Redis on loopback (a redis-server this program starts on a free
 *       port and stops), pipelined GET/SET through hiredis, batch = pipeline
 *       depth;
 *   (b) GLib's GHashTable (64-bit integer keys stored in the pointer,
 *       values in a preallocated arena), one lookup/insert per key.
 * Each size runs twice against GHashTable: with sequential integer keys
 * (entries 0..n-1: GHashTable's most favourable case, its hash is the key
 * and loaded keys never collide) and with random 64-bit keys (the same ids
 * through a bijective mix, as content-hash keys look). The table hashes
 * every key itself, so the key pattern should not matter to it.
 *
 * Usage: kvtable-bench [redis-server path] [--quick]
 * Not a test: prints figures, fails only when a run could not be made.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <glib.h>
#include <gst/gst.h>
#include <hiredis/hiredis.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "gpu/kvtable/gstgpukvtable.h"

#define VALUE_SIZE 64
#define BATCH 1024
/* keys absent from every store start here */
#define ABSENT_BASE (G_GUINT64_CONSTANT (1) << 40)

typedef struct
{
  gboolean random;   /* keys are bench_key(id, TRUE): random 64-bit */
  guint64 n_entries; /* ids 0..n-1 are loaded */
  guint n_ops;       /* ops per measurement */
  guint64 *keys[3];  /* per hit ratio 0/50/100 %: n_ops keys */
} Workload;

static const guint hit_ratios[3] = { 0, 50, 100 };

static guint64
splitmix (guint64 *state)
{
  guint64 z = (*state += G_GUINT64_CONSTANT (0x9e3779b97f4a7c15));
  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94d049bb133111eb);
  return z ^ (z >> 31);
}

/* Keys for a run: with probability hit% a loaded key (uniform in
 * [0, n_loaded)), else a fresh key never loaded (distinct, scattered: an odd
 * multiplier permutes the 32-bit range, so no store sees them in order).
 * The insert runs make the fresh keys present, so each insert run gets its
 * own fresh range. */
static guint64 *
make_keys (
    guint n_ops, guint64 n_loaded, guint hit, guint64 fresh_base, guint64 seed)
{
  guint64 *keys = g_new (guint64, n_ops);
  guint64 state = seed;
  guint i;

  for (i = 0; i < n_ops; i++) {
    guint64 r = splitmix (&state);
    if (r % 100 < hit)
      keys[i] = (r >> 8) % n_loaded;
    else
      keys[i] = fresh_base + ((i * 0x9E3779B1u) & 0xffffffffu);
  }
  return keys;
}

/* The key of id @id: the id itself, or with @random the id through
 * murmur3's 64-bit finaliser, a bijection, so distinct ids stay distinct
 * keys that look random. */
static guint64
bench_key (guint64 id, gboolean random)
{
  if (!random)
    return id;
  id ^= id >> 33;
  id *= G_GUINT64_CONSTANT (0xff51afd7ed558ccd);
  id ^= id >> 33;
  id *= G_GUINT64_CONSTANT (0xc4ceb9fe1a85ec53);
  id ^= id >> 33;
  return id;
}

static gdouble
now_s (void)
{
  return g_get_monotonic_time () / 1e6;
}

/* CPU time of this thread: the in-process runs are also reported per CPU
 * second, which the other load on a shared machine disturbs less. */
static gdouble
cpu_s (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static gdouble last_cpu_rate;

/* --- our table ------------------------------------------------------------ */

typedef struct
{
  gdouble find[3], insert[3];         /* ops/s per hit ratio */
  gdouble find_cpu[3], insert_cpu[3]; /* ops per CPU second */
  gdouble find_hits[3];               /* measured hit ratio of the find runs */
  gdouble fill;                       /* ops/s loading n entries */
  gdouble load_factor;
  guint64 capacity, bytes, evictions;
} Results;

static void
table_load (
    GstGpuKvTable *table, guint64 first, guint64 n, gboolean random, Results *r)
{
  GstGpuKvKey keys[BATCH];
  static guint8 values[BATCH * VALUE_SIZE];
  guint64 k;
  gdouble t0 = now_s ();

  for (k = 0; k < n; k += BATCH) {
    guint i, m = (guint)MIN (BATCH, n - k);
    for (i = 0; i < m; i++) {
      keys[i] = gst_gpu_kv_key_from_uint64 (bench_key (first + k + i, random));
      memcpy (values + i * VALUE_SIZE, &keys[i].lo, 8);
    }
    gst_gpu_kv_table_insert_or_assign (table, keys, m, values, NULL);
  }
  if (r)
    r->fill = n / (now_s () - t0);
}

static gdouble
table_run (GstGpuKvTable *table, const guint64 *ids, guint n_ops,
    gboolean insert, guint *hits)
{
  GstGpuKvKey keys[BATCH];
  static guint8 values[BATCH * VALUE_SIZE], found[BATCH];
  guint k, i, h = 0;
  gdouble t0 = now_s (), c0 = cpu_s ();

  for (k = 0; k < n_ops; k += BATCH) {
    guint m = MIN (BATCH, n_ops - k);
    for (i = 0; i < m; i++)
      keys[i] = gst_gpu_kv_key_from_uint64 (ids[k + i]);
    if (insert)
      gst_gpu_kv_table_insert_or_assign (table, keys, m, values, NULL);
    else
      h += gst_gpu_kv_table_find (table, keys, m, values, found, NULL, NULL);
  }
  if (hits)
    *hits = h;
  last_cpu_rate = n_ops / (cpu_s () - c0);
  return n_ops / (now_s () - t0);
}

static gboolean
bench_table (const Workload *w, Results *r)
{
  GstGpuKvTableConfig config;
  GstGpuKvTable *table;
  GstGpuKvStats stats;
  GError *err = NULL;
  guint j, hits;

  gst_gpu_kv_table_config_init (&config);
  /* sized for ~80 % load once the n entries are in */
  config.capacity = w->n_entries + w->n_entries / 4;
  config.value_size = VALUE_SIZE;
  config.eviction = GST_GPU_KV_EVICTION_LRU;
  table = gst_gpu_kv_table_new (&config, &err);
  if (!table) {
    g_printerr ("kvtable: %s\n", err->message);
    g_error_free (err);
    return FALSE;
  }
  table_load (table, 0, w->n_entries, w->random, r);
  gst_gpu_kv_table_get_stats (table, &stats);
  r->load_factor = stats.load_factor;
  r->capacity = stats.capacity;
  r->bytes = gst_gpu_kv_table_get_bytes (table);
  r->evictions = stats.evictions;

  for (j = 0; j < 3; j++) {
    r->find[j] = table_run (table, w->keys[j], w->n_ops, FALSE, &hits);
    r->find_cpu[j] = last_cpu_rate;
    r->find_hits[j] = 100.0 * hits / w->n_ops;
  }
  /* 100 % first: every key is assigned in place; then 50 and 0 % insert
   * fresh keys, evicting by LRU */
  for (j = 3; j-- > 0;) {
    r->insert[j] = table_run (table, w->keys[j], w->n_ops, TRUE, NULL);
    r->insert_cpu[j] = last_cpu_rate;
  }
  gst_gpu_kv_table_unref (table);
  return TRUE;
}

/* --- GHashTable baseline ------------------------------------------------ */

typedef struct
{
  GHashTable *ht;
  guint8 *arena; /* values, one VALUE_SIZE block per entry */
  guint64 used, size;
} GhBase;

static void
gh_insert (GhBase *g, guint64 key, const guint8 *value)
{
  guint8 *v = g_hash_table_lookup (g->ht, GSIZE_TO_POINTER (key));

  if (!v) {
    if (g->used == g->size)
      return; /* arena sized for the whole run */
    v = g->arena + g->used++ * VALUE_SIZE;
    g_hash_table_insert (g->ht, GSIZE_TO_POINTER (key), v);
  }
  memcpy (v, value, VALUE_SIZE);
}

static gdouble
gh_run (GhBase *g, const guint64 *ids, guint n_ops, gboolean insert)
{
  static guint8 values[BATCH * VALUE_SIZE];
  guint k, i, h = 0;
  gdouble t0 = now_s (), c0 = cpu_s ();

  for (k = 0; k < n_ops; k += BATCH) {
    guint m = MIN (BATCH, n_ops - k);
    for (i = 0; i < m; i++) {
      if (insert) {
        gh_insert (g, ids[k + i], values + i * VALUE_SIZE);
      } else {
        const guint8 *v
            = g_hash_table_lookup (g->ht, GSIZE_TO_POINTER (ids[k + i]));
        if (v) {
          memcpy (values + i * VALUE_SIZE, v, VALUE_SIZE);
          h++;
        }
      }
    }
  }
  if (!insert && h == G_MAXUINT)
    g_print ("%u\n", h); /* keep the lookups observable */
  last_cpu_rate = n_ops / (cpu_s () - c0);
  return n_ops / (now_s () - t0);
}

static void
bench_ghash (const Workload *w, Results *r)
{
  GhBase g;
  guint8 value[VALUE_SIZE] = {
    0,
  };
  guint64 k;
  guint j;
  gdouble t0;

  g.ht = g_hash_table_new (g_direct_hash, g_direct_equal);
  g.size = w->n_entries + 2 * (guint64)w->n_ops;
  g.arena = g_malloc (g.size * VALUE_SIZE);
  g.used = 0;

  t0 = now_s ();
  for (k = 0; k < w->n_entries; k++) {
    memcpy (value, &k, 8);
    gh_insert (&g, bench_key (k, w->random), value);
  }
  r->fill = w->n_entries / (now_s () - t0);

  for (j = 0; j < 3; j++) {
    r->find[j] = gh_run (&g, w->keys[j], w->n_ops, FALSE);
    r->find_cpu[j] = last_cpu_rate;
  }
  for (j = 3; j-- > 0;) {
    r->insert[j] = gh_run (&g, w->keys[j], w->n_ops, TRUE);
    r->insert_cpu[j] = last_cpu_rate;
  }

  g_hash_table_unref (g.ht);
  g_free (g.arena);
}

/* --- Redis baseline ----------------------------------------------------- */

typedef struct
{
  GPid pid;
  guint port;
  redisContext *c;
} RedisServer;

static guint
free_port (void)
{
  struct sockaddr_in addr;
  socklen_t len = sizeof (addr);
  gint fd = socket (AF_INET, SOCK_STREAM, 0);
  guint port = 0;

  if (fd < 0)
    return 0;
  memset (&addr, 0, sizeof (addr));
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  if (bind (fd, (struct sockaddr *)&addr, sizeof (addr)) == 0
      && getsockname (fd, (struct sockaddr *)&addr, &len) == 0)
    port = ntohs (addr.sin_port);
  close (fd);
  return port;
}

static gboolean
redis_start (RedisServer *rs, const gchar *server_path)
{
  gchar port_str[16];
  const gchar *argv[]
      = { server_path, "--port", port_str, "--bind", "127.0.0.1", "--save", "",
          "--appendonly", "no", "--loglevel", "warning", NULL };
  GError *err = NULL;
  gint tries;

  rs->port = free_port ();
  if (rs->port == 0)
    return FALSE;
  g_snprintf (port_str, sizeof (port_str), "%u", rs->port);
  if (!g_spawn_async (NULL, (gchar **)argv, NULL,
          G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
          &rs->pid, &err)) {
    g_printerr ("cannot start %s: %s\n", server_path, err->message);
    g_error_free (err);
    return FALSE;
  }
  for (tries = 0; tries < 100; tries++) {
    rs->c = redisConnect ("127.0.0.1", rs->port);
    if (rs->c && !rs->c->err)
      return TRUE;
    if (rs->c)
      redisFree (rs->c);
    rs->c = NULL;
    g_usleep (50000);
  }
  g_printerr ("redis-server did not accept connections on port %u\n", rs->port);
  kill (rs->pid, SIGTERM);
  waitpid (rs->pid, NULL, 0);
  return FALSE;
}

static void
redis_stop (RedisServer *rs)
{
  if (rs->c)
    redisFree (rs->c);
  kill (rs->pid, SIGTERM);
  waitpid (rs->pid, NULL, 0);
  g_spawn_close_pid (rs->pid);
}

/* One pipeline per batch: append BATCH commands, then read BATCH replies. */
static gdouble
redis_run (RedisServer *rs, const guint64 *ids, guint n_ops, gboolean insert,
    guint *hits)
{
  static guint8 value[VALUE_SIZE];
  guint k, i, h = 0;
  gdouble t0 = now_s ();

  for (k = 0; k < n_ops; k += BATCH) {
    guint m = MIN (BATCH, n_ops - k);

    for (i = 0; i < m; i++) {
      guint64 key = ids[k + i];
      if (insert)
        redisAppendCommand (
            rs->c, "SET %b %b", &key, sizeof (key), value, sizeof (value));
      else
        redisAppendCommand (rs->c, "GET %b", &key, sizeof (key));
    }
    for (i = 0; i < m; i++) {
      redisReply *reply = NULL;

      if (redisGetReply (rs->c, (void **)&reply) != REDIS_OK || !reply)
        return -1;
      if (reply->type == REDIS_REPLY_STRING && reply->len == VALUE_SIZE)
        h++;
      freeReplyObject (reply);
    }
  }
  if (hits)
    *hits = h;
  return n_ops / (now_s () - t0);
}

/* --- report ------------------------------------------------------------- */

static void
print_row (
    const gchar *what, guint hit, gdouble ours, gdouble redis, gdouble ghash)
{
  gchar r[32], vr[32];

  if (redis > 0) {
    g_snprintf (r, sizeof (r), "%9.2f", redis / 1e6);
    g_snprintf (vr, sizeof (vr), "x%-8.1f", ours / redis);
  } else {
    g_snprintf (r, sizeof (r), "%9s", "n/a");
    g_snprintf (vr, sizeof (vr), "%-9s", "n/a");
  }
  g_print ("  %-6s %3u%%  %10.2f  %s  %9.2f   %s x%-6.2f\n", what, hit,
      ours / 1e6, r, ghash / 1e6, vr, ours / ghash);
}

int
main (int argc, char **argv)
{
  static const guint64 sizes[] = { 1 << 20, 16 << 20 };
  const gchar *redis_path = NULL;
  gboolean quick = FALSE, have_redis = FALSE;
  RedisServer rs = {
    0,
  };
  guint redis_keys = 1 << 20, redis_ops = 200000;
  gdouble redis_find[3] = { -1, -1, -1 }, redis_set[3] = { -1, -1, -1 };
  gdouble redis_hits[3] = { 0, 0, 0 };
  guint s, j, i, run;
  gint ret = 0;

  gst_init (&argc, &argv);
  for (i = 1; i < (guint)argc; i++) {
    if (g_str_equal (argv[i], "--quick"))
      quick = TRUE;
    else
      redis_path = argv[i];
  }
  if (quick) {
    redis_keys = 1 << 16;
    redis_ops = 20000;
  }

  {
    gchar *load = NULL;

    g_file_get_contents ("/proc/loadavg", &load, NULL, NULL);
    g_print ("kvtable benchmark: batches of %d, %d-byte values, CPU path "
             "(this machine has no GPU), 1 thread; %u CPUs, load average %s",
        BATCH, VALUE_SIZE, g_get_num_processors (), load ? load : "?\n");
    g_free (load);
  }

  /* Redis once: its throughput is bound by the loopback round trips and
   * command parsing, not by the key count, so it gets a smaller key space
   * (preloading 16M keys would take minutes) */
  if (redis_path && redis_start (&rs, redis_path)) {
    guint64 *keys;
    guint hits;

    have_redis = TRUE;
    keys = g_new (guint64, redis_keys);
    for (i = 0; i < redis_keys; i++)
      keys[i] = i;
    if (redis_run (&rs, keys, redis_keys, TRUE, NULL) < 0)
      have_redis = FALSE;
    g_free (keys);
    for (j = 0; j < 3 && have_redis; j++) {
      keys = make_keys (
          redis_ops, redis_keys, hit_ratios[j], ABSENT_BASE, 100 + j);
      redis_find[j] = redis_run (&rs, keys, redis_ops, FALSE, &hits);
      redis_hits[j] = 100.0 * hits / redis_ops;
      g_free (keys);
    }
    for (j = 3; j-- > 0 && have_redis;) {
      keys = make_keys (
          redis_ops, redis_keys, hit_ratios[j], ABSENT_BASE * (2 + j), 200 + j);
      redis_set[j] = redis_run (&rs, keys, redis_ops, TRUE, NULL);
      g_free (keys);
    }
    redis_stop (&rs);
    g_print (
        "redis-server on 127.0.0.1:%u (--save '' --appendonly no): "
        "%u keys preloaded, %u requests per run, pipelined by %d; measured "
        "GET hit ratios %.0f/%.0f/%.0f %%\n",
        rs.port, redis_keys, redis_ops, BATCH, redis_hits[0], redis_hits[1],
        redis_hits[2]);
    if (!have_redis)
      g_print ("redis: a request failed; its figures are left out\n");
  } else {
    g_print ("redis: no redis-server given or it did not start; Redis "
             "ratios are left out\n");
  }

  for (run = 0; run < 2 * G_N_ELEMENTS (sizes); run++) {
    Workload w;
    Results ours, gh;
    gdouble no_redis[3] = { -1, -1, -1 };
    const gdouble *rfind = redis_find, *rset = redis_set;

    /* each size with sequential keys, then with random keys */
    s = run / 2;
    w.random = run % 2;
    w.n_entries = quick ? sizes[s] / 16 : sizes[s];
    w.n_ops = quick ? 200000 : 2000000;
    for (j = 0; j < 3; j++) {
      w.keys[j] = make_keys (w.n_ops, w.n_entries, hit_ratios[j],
          ABSENT_BASE * (2 + j), 10 * s + j);
      for (i = 0; i < w.n_ops; i++)
        w.keys[j][i] = bench_key (w.keys[j][i], w.random);
    }
    /* Redis was measured once, with its own key set: shown with the
     * sequential runs only */
    if (w.random)
      rfind = rset = no_redis;

    memset (&ours, 0, sizeof (ours));
    memset (&gh, 0, sizeof (gh));
    if (!bench_table (&w, &ours)) {
      ret = 1;
      goto next;
    }
    bench_ghash (&w, &gh);

    g_print ("\n%" G_GUINT64_FORMAT
             " entries, %s keys (table: %" G_GUINT64_FORMAT
             " slots, load %.2f after loading, %" G_GUINT64_FORMAT " evictions "
             "while loading, %.0f MiB); %u ops per run\n",
        w.n_entries, w.random ? "random 64-bit" : "sequential integer",
        ours.capacity, ours.load_factor, ours.evictions, ours.bytes / 1048576.0,
        w.n_ops);
    g_print ("  load   %10.2f Mops/s  (GHashTable %.2f Mops/s, x%.2f)\n",
        ours.fill / 1e6, gh.fill / 1e6, ours.fill / gh.fill);
    g_print ("  op     hit   kvtable    redis     ghash      vs-redis  "
             "vs-ghash   (Mops/s)\n");
    for (j = 0; j < 3; j++)
      print_row ("find", hit_ratios[j], ours.find[j], rfind[j], gh.find[j]);
    for (j = 0; j < 3; j++)
      print_row (
          "insert", hit_ratios[j], ours.insert[j], rset[j], gh.insert[j]);
    g_print ("  per CPU second (thread CPU time; kvtable vs GHashTable, "
             "Mops/CPU-s):\n");
    for (j = 0; j < 3; j++)
      g_print ("  find   %3u%%  %10.2f  %9.2f   x%.2f\n", hit_ratios[j],
          ours.find_cpu[j] / 1e6, gh.find_cpu[j] / 1e6,
          ours.find_cpu[j] / gh.find_cpu[j]);
    for (j = 0; j < 3; j++)
      g_print ("  insert %3u%%  %10.2f  %9.2f   x%.2f\n", hit_ratios[j],
          ours.insert_cpu[j] / 1e6, gh.insert_cpu[j] / 1e6,
          ours.insert_cpu[j] / gh.insert_cpu[j]);
    g_print ("  measured find hit ratios: %.1f/%.1f/%.1f %%\n",
        ours.find_hits[0], ours.find_hits[1], ours.find_hits[2]);
  next:
    for (j = 0; j < 3; j++)
      g_free (w.keys[j]);
  }

  g_print ("\ninsert hit%% = share of keys already present (assigned in "
           "place); the rest are new and evict by LRU in kvtable; GHashTable "
           "grows instead.\n");
  return ret;
}
