/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Memoised gpuinfer, end to end (CPU, libtorch), printed in one run:
 *
 *   baseline:   appsrc ! gpubatch ! gpuinfer ! fakesink     (batches of 8)
 *   cached:     appsrc ! gpubatch ! gpukvcache mode=lookup ! gpuinfer
 *                 ! gpukvcache mode=store ! fakesink         (batches of 8)
 *   baseline/4: the baseline in batches of 4, the engine batch size of most
 *               cached batches (4 misses of 8), to show how much of the
 *               speed-up comes from the engine's smaller batches
 *
 * on the same stream of RGB 224x224 frames, half of which repeat the content
 * of an earlier frame (the schedule is below and printed). After one
 * uncounted warm-up run, the pipelines take turns, ROUNDS times each, so that
 * load from other processes hits them alike; the best items/s of each is
 * compared, and so is each round's ratio (wall clock, and the process's CPU
 * time as a second view less sensitive to other processes). The ideal
 * speed-up, engine items of the baseline over those of the cached run, is
 * printed next to it. Every frame's output tensor is kept and compared byte for byte
 * between every run and the first baseline run: memoisation must not change
 * results (exit status 1 if it does).
 *
 *   bench-gpukvcache MODELS_DIR
 */
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>

#include <malloc.h>
#include <math.h>
#include <string.h>
#include <sys/resource.h>

#include "gst/gstgpubatchmeta.h"

#define ROUNDS 3
#define WIDTH 224
#define PICTURE_BYTES (WIDTH * WIDTH * 3)
#define BATCH 8
#define N_CLASSES 1000
#define SEED 20261125u

typedef struct
{
  const gchar *name;
  guint n_batches; /* frames = n_batches * BATCH */
} ModelCase;

static const ModelCase models[] = {
  { "mobilenet_v3_small", 24 },
  { "resnet18", 12 },
};

/* Which picture each frame shows. A frame is a repeat when its picture was
 * first shown by an earlier frame. */
typedef struct
{
  guint n_frames;
  guint n_pictures;
  guint *picture;   /* [n_frames] */
  gboolean *repeat; /* [n_frames] */
  guint8 **pixels;  /* [n_pictures] RGB, PICTURE_BYTES each */
} Stream;

/* One pipeline run. */
typedef struct
{
  gboolean ok;
  gdouble items_per_s;     /* frames after batch 0 / time after batch 0 */
  gdouble items_per_cpu_s; /* the same over the process's CPU time */
  gdouble wall_s;          /* first push to EOS */
  guint window_hits;       /* cache hits after batch 0 (timed window) */
  guint total_hits;        /* cache-hit slots seen by the store element */
  guint64 computed;        /* gpuinfer items-computed */
  guint64 skipped;         /* gpuinfer items-cached */
  guint64 items_hit;       /* lookup items-hit */
  guint64 items_missed;    /* lookup items-missed */
  guint64 items_stored;    /* store items-stored */
  guint64 items_filled;    /* store items-filled */
  gfloat *outputs;         /* [n_frames * N_CLASSES], frame order */
  guint n_frames;          /* frames pushed */
  /* probe state */
  guint frames_out;
  guint first_frames; /* frames of the first output batch */
  guint batches_out;
  guint batches_hit;
  gdouble t_first;
  gdouble t_last;
  gdouble cpu_first;
  gdouble cpu_last;
  gsize bad_buffers;
} Run;

static gdouble
now_s (void)
{
  return g_get_monotonic_time () / 1e6;
}

/* User + system CPU time of the whole process: less sensitive than the
 * wall clock to other processes on the machine. */
static gdouble
cpu_s (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec
         + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static guint32
xorshift32 (guint32 *state)
{
  guint32 x = *state;

  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  *state = x;
  return x;
}

/* Picture @p: a diagonal gradient with a per-picture offset plus noise, all
 * from a generator seeded with @p, so that every picture differs from every
 * other in most pixels. */
static void
fill_picture (guint8 *pixels, guint p)
{
  guint32 state = SEED ^ (0x9e3779b9u * (p + 1));
  guint offset = xorshift32 (&state) & 0xff;
  guint x, y, c;

  for (y = 0; y < WIDTH; y++) {
    for (x = 0; x < WIDTH; x++) {
      guint32 noise = xorshift32 (&state);

      for (c = 0; c < 3; c++)
        pixels[(y * WIDTH + x) * 3 + c]
            = (guint8)(offset + x + 2 * y + c * 85 + ((noise >> (8 * c)) & 31));
    }
  }
}

/* The schedule, for n_batches >= 4 batches of BATCH frames:
 *  - batches 0 and 1: 8 new pictures each;
 *  - batches 2 .. n-3: 4 new pictures and 4 repeats each, at positions
 *    shuffled within the batch;
 *  - batches n-2 and n-1: 8 repeats each.
 * That is 4 * n_batches new pictures and as many repeats: exactly half of
 * the frames repeat. Each picture is repeated exactly once, by a frame at
 * least two batches after the picture's first frame (drawn at random from
 * the pictures first shown in batches <= b-2 and not yet repeated), so the
 * store element has written it before the repeat's lookup even if the two
 * ran in different threads. All draws come from one generator with a fixed
 * seed: the schedule is the same on every run. */
static void
stream_init (Stream *s, guint n_batches)
{
  guint32 state = SEED;
  guint *pool = g_new (guint, n_batches * BATCH);
  guint *first_batch = g_new (guint, n_batches * BATCH);
  guint n_pool = 0, next_eligible = 0, next_picture = 0;
  guint b, i;

  s->n_frames = n_batches * BATCH;
  s->picture = g_new (guint, s->n_frames);
  s->repeat = g_new0 (gboolean, s->n_frames);
  s->pixels = g_new (guint8 *, s->n_frames);

  for (b = 0; b < n_batches; b++) {
    gboolean kind[BATCH];
    guint n_new = b < 2 ? BATCH : b + 2 >= n_batches ? 0 : BATCH / 2;

    /* pictures are numbered in order of first appearance */
    while (next_eligible < next_picture && first_batch[next_eligible] + 2 <= b)
      pool[n_pool++] = next_eligible++;
    for (i = 0; i < BATCH; i++)
      kind[i] = i >= n_new; /* TRUE: repeat */
    for (i = BATCH - 1; i > 0; i--) {
      guint j = xorshift32 (&state) % (i + 1);
      gboolean t = kind[i];

      kind[i] = kind[j];
      kind[j] = t;
    }
    for (i = 0; i < BATCH; i++) {
      guint f = b * BATCH + i;

      if (kind[i] && n_pool > 0) {
        guint k = xorshift32 (&state) % n_pool;

        s->picture[f] = pool[k];
        s->repeat[f] = TRUE;
        pool[k] = pool[--n_pool];
      } else {
        /* (the counts above never leave the pool empty at a repeat) */
        first_batch[next_picture] = b;
        s->picture[f] = next_picture++;
      }
    }
  }
  s->n_pictures = next_picture;
  g_free (first_batch);
  g_free (pool);

  for (i = 0; i < s->n_pictures; i++) {
    s->pixels[i] = g_malloc (PICTURE_BYTES);
    fill_picture (s->pixels[i], i);
  }
}

static void
stream_clear (Stream *s)
{
  guint i;

  for (i = 0; i < s->n_pictures; i++)
    g_free (s->pixels[i]);
  g_free (s->pixels);
  g_free (s->picture);
  g_free (s->repeat);
}

/* fakesink's sink pad, streaming thread (gpubatch's task); no lock: the
 * main thread reads @run only after EOS. Keeps each frame's output. */
static GstPadProbeReturn
output_probe (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  Run *run = data;
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
  GstGpuBatchMeta *meta = gst_buffer_get_gpu_batch_meta (buf);
  gdouble t = now_s (), cpu = cpu_s ();
  GstMapInfo map;
  guint n_slots, n_valid, s;

  n_slots = meta ? meta->n_slots : BATCH;
  n_valid = meta ? meta->n_valid : BATCH;
  if (run->batches_out++ == 0) {
    run->t_first = t;
    run->cpu_first = cpu;
    run->first_frames = n_valid;
  }
  run->t_last = t;
  run->cpu_last = cpu;
  if (!gst_buffer_map (buf, &map, GST_MAP_READ)) {
    run->bad_buffers++;
    goto out;
  }
  if (map.size != (gsize)n_slots * N_CLASSES * sizeof (gfloat)
      || run->frames_out + n_valid > run->n_frames) {
    run->bad_buffers++;
    goto out_unmap;
  }
  for (s = 0; s < n_valid; s++)
    memcpy (run->outputs + (gsize)(run->frames_out + s) * N_CLASSES,
        map.data + (gsize)s * N_CLASSES * sizeof (gfloat),
        N_CLASSES * sizeof (gfloat));
  run->frames_out += n_valid;

out_unmap:
  gst_buffer_unmap (buf, &map);
out:
  return GST_PAD_PROBE_OK;
}

/* The store element's sink pad, streaming thread; no lock (as above).
 * Counts the slots gpuinfer skipped as cache hits, per batch. */
static GstPadProbeReturn
hit_probe (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  Run *run = data;
  GstGpuBatchMeta *meta
      = gst_buffer_get_gpu_batch_meta (GST_PAD_PROBE_INFO_BUFFER (info));
  guint hits = meta ? gst_gpu_batch_meta_count_status (
                   meta, GST_GPU_SLOT_STATUS_CACHE_HIT)
                    : 0;

  if (run->batches_hit++ > 0)
    run->window_hits += hits;
  run->total_hits += hits;
  return GST_PAD_PROBE_OK;
}

static guint64
stats_u64 (GstElement *element, const gchar *field)
{
  GstStructure *stats = NULL;
  guint64 v = 0;

  g_object_get (element, "stats", &stats, NULL);
  if (stats) {
    gst_structure_get_uint64 (stats, field, &v);
    gst_structure_free (stats);
  }
  return v;
}

/* Pushes @stream through the baseline pipeline in batches of @batch, or
 * through the cached one when @cache_name is set (a name no other run uses,
 * so runs do not share tables). */
static void
run_pipeline (Run *run, const Stream *stream, const gchar *model, guint batch,
    const gchar *cache_name)
{
  gchar *lookup, *store, *desc;
  GError *error = NULL;
  GstElement *pipeline, *src = NULL, *inf = NULL, *sink = NULL;
  GstElement *lk = NULL, *st = NULL;
  GstPad *pad;
  GstBus *bus = NULL;
  GstMessage *msg = NULL;
  gdouble t0;
  guint f;

  if (cache_name) {
    lookup = g_strdup_printf ("gpukvcache name=lk mode=lookup cache-name=%s "
                              "capacity=1024 ! ",
        cache_name);
    store = g_strdup_printf ("gpukvcache name=st mode=store cache-name=%s "
                             "capacity=1024 ! ",
        cache_name);
  } else {
    lookup = g_strdup ("");
    store = g_strdup ("");
  }
  desc = g_strdup_printf (
      "appsrc name=src format=time block=true "
      "caps=\"video/x-raw,format=RGB,width=%u,height=%u,framerate=30/1\" "
      "! gpubatch device=cpu width=%u height=%u "
      "mean=\"<0.485,0.456,0.406>\" std=\"<0.229,0.224,0.225>\" "
      "max-batch-size=%u adaptive=false max-latency=0 "
      "! %sgpuinfer name=inf model=\"%s\" ! %sfakesink name=sink sync=false",
      WIDTH, WIDTH, WIDTH, WIDTH, batch, lookup, model, store);
  memset (run, 0, sizeof (*run));
  run->n_frames = stream->n_frames;
  run->outputs = g_new0 (gfloat, (gsize)stream->n_frames * N_CLASSES);
  /* a missing element (plugin not found) is a recoverable parse error */
  pipeline
      = gst_parse_launch_full (desc, NULL, GST_PARSE_FLAG_FATAL_ERRORS, &error);
  if (!pipeline) {
    g_printerr ("cannot build '%s': %s\n", desc, error->message);
    g_clear_error (&error);
    goto out;
  }
  src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  inf = gst_bin_get_by_name (GST_BIN (pipeline), "inf");
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  pad = gst_element_get_static_pad (sink, "sink");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, output_probe, run, NULL);
  gst_object_unref (pad);
  if (cache_name) {
    lk = gst_bin_get_by_name (GST_BIN (pipeline), "lk");
    st = gst_bin_get_by_name (GST_BIN (pipeline), "st");
    pad = gst_element_get_static_pad (st, "sink");
    gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, hit_probe, run, NULL);
    gst_object_unref (pad);
  }
  bus = gst_element_get_bus (pipeline);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);

  t0 = now_s ();
  for (f = 0; f < stream->n_frames; f++) {
    GstBuffer *buf = gst_buffer_new_wrapped_full (GST_MEMORY_FLAG_READONLY,
        stream->pixels[stream->picture[f]], PICTURE_BYTES, 0, PICTURE_BYTES,
        NULL, NULL);

    GST_BUFFER_PTS (buf) = gst_util_uint64_scale (f, GST_SECOND, 30);
    GST_BUFFER_DURATION (buf) = GST_SECOND / 30;
    if (gst_app_src_push_buffer (GST_APP_SRC (src), buf) != GST_FLOW_OK)
      break;
  }
  gst_app_src_end_of_stream (GST_APP_SRC (src));
  msg = gst_bus_timed_pop_filtered (
      bus, 600 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  run->wall_s = now_s () - t0;
  if (!msg || GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
    gchar *debug = NULL;

    if (msg)
      gst_message_parse_error (msg, &error, &debug);
    g_printerr ("'%s' failed: %s (%s)\n", desc,
        error ? error->message : "timeout", debug ? debug : "");
    g_clear_error (&error);
    g_free (debug);
    goto out_stop;
  }
  if (run->bad_buffers || run->frames_out != stream->n_frames
      || run->batches_out < 2) {
    g_printerr ("'%s': %u of %u frames out, %" G_GSIZE_FORMAT
                " unexpected output buffers\n",
        desc, run->frames_out, stream->n_frames, run->bad_buffers);
    goto out_stop;
  }
  run->computed = stats_u64 (inf, "items-computed");
  run->skipped = stats_u64 (inf, "items-cached");
  if (cache_name) {
    run->items_hit = stats_u64 (lk, "items-hit");
    run->items_missed = stats_u64 (lk, "items-missed");
    run->items_stored = stats_u64 (st, "items-stored");
    run->items_filled = stats_u64 (st, "items-filled");
  }
  /* batch 0 holds the model's first, slow forward pass: time the rest */
  run->items_per_s
      = (run->frames_out - run->first_frames) / (run->t_last - run->t_first);
  run->items_per_cpu_s = (run->frames_out - run->first_frames)
                         / (run->cpu_last - run->cpu_first);
  run->ok = TRUE;

out_stop:
  gst_element_set_state (pipeline, GST_STATE_NULL);
  if (msg)
    gst_message_unref (msg);
  gst_clear_object (&bus);
  gst_clear_object (&st);
  gst_clear_object (&lk);
  gst_clear_object (&sink);
  gst_clear_object (&inf);
  gst_clear_object (&src);
  gst_object_unref (pipeline);
out:
  g_free (desc);
  g_free (store);
  g_free (lookup);
}

static void
run_clear (Run *run)
{
  g_clear_pointer (&run->outputs, g_free);
}

/* Frames whose output differs from @ref's; @max_diff gets the largest
 * absolute difference of one value. */
static guint
compare_outputs (
    const Run *run, const Run *ref, guint n_frames, gdouble *max_diff)
{
  guint f, k, differ = 0;

  *max_diff = 0;
  for (f = 0; f < n_frames; f++) {
    const gfloat *a = run->outputs + (gsize)f * N_CLASSES;
    const gfloat *b = ref->outputs + (gsize)f * N_CLASSES;

    if (memcmp (a, b, N_CLASSES * sizeof (gfloat)) == 0)
      continue;
    differ++;
    for (k = 0; k < N_CLASSES; k++)
      *max_diff = MAX (*max_diff, fabs ((gdouble)a[k] - b[k]));
  }
  return differ;
}

/* The smallest largest-difference between the outputs of two different
 * pictures in @ref: a cache that served a wrong entry would be off by at
 * least this much. */
static gdouble
picture_spread (const Run *ref, const Stream *s)
{
  gdouble spread = G_MAXDOUBLE, d;
  guint f, g, k;

  for (f = 0; f < s->n_frames; f++) {
    for (g = f + 1; g < s->n_frames; g++) {
      const gfloat *a = ref->outputs + (gsize)f * N_CLASSES;
      const gfloat *b = ref->outputs + (gsize)g * N_CLASSES;

      if (s->repeat[f] || s->repeat[g])
        continue;
      for (d = 0, k = 0; k < N_CLASSES; k++)
        d = MAX (d, fabs ((gdouble)a[k] - b[k]));
      spread = MIN (spread, d);
    }
  }
  return spread;
}

static int
compare_doubles (const void *a, const void *b)
{
  gdouble x = *(const gdouble *)a, y = *(const gdouble *)b;

  return x < y ? -1 : x > y;
}

static void
print_schedule (const Stream *s)
{
  guint f;

  g_print ("  frames in batches of %u: picture number, '*' = repeat "
           "(of that picture's first frame)\n",
      BATCH);
  for (f = 0; f < s->n_frames; f++) {
    if (f % BATCH == 0)
      g_print ("    batch %2u:", f / BATCH);
    g_print (" %3u%s", s->picture[f], s->repeat[f] ? "*" : " ");
    if (f % BATCH == BATCH - 1)
      g_print ("\n");
  }
}

/* The pipelines of one round, in the order of round 0; round r starts at
 * variant r (mod N_VARIANTS) so that none always runs first. */
enum {
  BASELINE,  /* batches of BATCH */
  CACHED,    /* batches of BATCH, lookup/store around gpuinfer */
  BASELINE4, /* batches of BATCH / 2: the engine batch of most cached runs */
  N_VARIANTS
};

static const gchar *variant_names[N_VARIANTS] = {
  "baseline",
  "cached",
  "baseline/4",
};

/* Prints cached/@v of each round (the runs of one round are close in time,
 * so they saw similar load) and their median. */
static void
print_round_ratios (Run runs[ROUNDS][N_VARIANTS], guint v, const gchar *label)
{
  gdouble ratios[ROUNDS];
  guint r;

  g_print ("  per round, cached/%s (wall clock):", label);
  for (r = 0; r < ROUNDS; r++) {
    ratios[r] = runs[r][CACHED].items_per_s / runs[r][v].items_per_s;
    g_print (" %.2f", ratios[r]);
  }
  qsort (ratios, ROUNDS, sizeof (gdouble), compare_doubles);
  g_print ("; median %.2f\n", ratios[ROUNDS / 2]);
}

/* One model: ROUNDS rounds of every variant. Returns FALSE on a failure or
 * when an output differs from baseline round 0. */
static gboolean
bench_model (const ModelCase *m, const gchar *models_dir, guint *cache_serial)
{
  gchar *model = g_strdup_printf ("%s/%s.pt", models_dir, m->name);
  Run runs[ROUNDS][N_VARIANTS];
  gdouble best[N_VARIANTS] = { 0 }, best_cpu[N_VARIANTS] = { 0 };
  gdouble max_diff = 0, cached_diff = 0, base_diff = 0, spread, diff;
  guint r, v, i, f, repeats = 0, differ = 0, base_differ = 0;
  const Run *c, *b;
  guint window, window_computed;
  Run warmup;
  Stream stream;
  gboolean ok = FALSE;

  memset (runs, 0, sizeof (runs));
  memset (&warmup, 0, sizeof (warmup));
  stream_init (&stream, m->n_batches);
  for (f = 0; f < stream.n_frames; f++)
    repeats += stream.repeat[f];
  g_print ("\n%s: %u frames, %u distinct pictures, %u repeats (%.0f %%)\n",
      m->name, stream.n_frames, stream.n_pictures, repeats,
      100.0 * repeats / stream.n_frames);
  print_schedule (&stream);
  if (repeats * 2 != stream.n_frames) {
    g_printerr (
        "schedule error: %u repeats in %u frames\n", repeats, stream.n_frames);
    goto out;
  }

  /* The first run of a model in the process is up to 2x slower than the
   * next ones (first touch of libtorch's and malloc's memory, thread pool
   * start-up): warm up so that whichever variant runs first is not
   * penalised. */
  run_pipeline (&warmup, &stream, model, BATCH, NULL);
  if (!warmup.ok)
    goto out;
  g_print (
      "  warm-up (baseline, not counted): %.1f items/s\n", warmup.items_per_s);
  g_print ("  round  pipeline     batch  items/s  items/CPU-s  wall s  "
           "engine items  cache hits (after batch 0)\n");
  for (r = 0; r < ROUNDS; r++) {
    gchar *name = g_strdup_printf ("bench-memo-%u", (*cache_serial)++);

    for (i = 0; i < N_VARIANTS; i++) {
      v = (r + i) % N_VARIANTS;
      run_pipeline (&runs[r][v], &stream, model,
          v == BASELINE4 ? BATCH / 2 : BATCH, v == CACHED ? name : NULL);
      if (!runs[r][v].ok) {
        g_free (name);
        goto out;
      }
    }
    g_free (name);
    for (v = 0; v < N_VARIANTS; v++) {
      const Run *run = &runs[r][v];

      g_print ("  %5u  %-11s  %5u  %7.1f  %11.1f  %6.2f  %12" G_GUINT64_FORMAT,
          r, variant_names[v], v == BASELINE4 ? BATCH / 2 : BATCH,
          run->items_per_s, run->items_per_cpu_s, run->wall_s, run->computed);
      if (v == CACHED)
        g_print ("  %10u (%u)\n", run->total_hits, run->window_hits);
      else
        g_print ("           -\n");
      best[v] = MAX (best[v], run->items_per_s);
      best_cpu[v] = MAX (best_cpu[v], run->items_per_cpu_s);
    }
  }

  for (r = 0; r < ROUNDS; r++) {
    for (v = 0; v < N_VARIANTS; v++) {
      if (r == 0 && v == BASELINE)
        continue;
      i = compare_outputs (
          &runs[r][v], &runs[0][BASELINE], stream.n_frames, &diff);
      if (v == CACHED) {
        differ += i;
        cached_diff = MAX (cached_diff, diff);
      } else {
        base_differ += i;
        base_diff = MAX (base_diff, diff);
      }
      max_diff = MAX (max_diff, diff);
    }
  }

  c = &runs[ROUNDS - 1][CACHED];
  b = &runs[ROUNDS - 1][BASELINE];
  window = stream.n_frames - BATCH;
  window_computed = window - c->window_hits;
  g_print ("  best of %u: baseline %.1f items/s (%.1f per CPU-s), cached "
           "%.1f items/s (%.1f), baseline/4 %.1f items/s (%.1f)\n",
      ROUNDS, best[BASELINE], best_cpu[BASELINE], best[CACHED],
      best_cpu[CACHED], best[BASELINE4], best_cpu[BASELINE4]);
  g_print ("  ideal speed-up for these hits: %.2f (engine items after batch "
           "0: %u baseline / %u cached)\n",
      (gdouble)window / window_computed, window, window_computed);
  g_print ("  speed-up cached/baseline:   %.2f wall clock, %.2f CPU time\n",
      best[CACHED] / best[BASELINE], best_cpu[CACHED] / best_cpu[BASELINE]);
  g_print ("  speed-up cached/baseline/4: %.2f wall clock, %.2f CPU time "
           "(baseline/4 runs the engine in batches of 4, as most cached "
           "batches do)\n",
      best[CACHED] / best[BASELINE4], best_cpu[CACHED] / best_cpu[BASELINE4]);
  print_round_ratios (runs, BASELINE, "baseline");
  print_round_ratios (runs, BASELINE4, "baseline/4");
  g_print ("  whole stream: engine items baseline %" G_GUINT64_FORMAT
           ", cached %" G_GUINT64_FORMAT " (gpuinfer items-computed), ideal "
           "%.2f\n",
      b->computed, c->computed, (gdouble)b->computed / c->computed);
  g_print ("  cache (last round): lookup items-hit %" G_GUINT64_FORMAT
           ", items-missed %" G_GUINT64_FORMAT ", hit ratio %.3f; store "
           "items-stored %" G_GUINT64_FORMAT ", items-filled %" G_GUINT64_FORMAT
           "; gpuinfer items-cached %" G_GUINT64_FORMAT
           "; repeats in the stream %u\n",
      c->items_hit, c->items_missed,
      (gdouble)c->items_hit / (c->items_hit + c->items_missed), c->items_stored,
      c->items_filled, c->skipped, repeats);
  g_print ("  outputs identical: %s (every frame of %u cached runs against "
           "baseline round 0; frames differing in the other baseline runs: "
           "%u)\n",
      differ ? "no" : "yes", ROUNDS, base_differ);
  /* libtorch's kernels differ between batch sizes and thread splits, so
   * the baseline runs (at 8 and at 4) may differ in the last bits; a cached
   * result is right when it is within that noise: byte for byte when the
   * baseline runs agree. A model whose pictures differ by no more than
   * that noise (random weights can do that) cannot show a wrong entry, and
   * says so. */
  spread = picture_spread (&runs[0][BASELINE], &stream);
  if (differ || base_differ)
    g_print ("  %u cached / %u baseline frame outputs differ, largest "
             "difference %g (cached runs %g, baseline runs %g); two "
             "different pictures differ by at least %g\n",
        differ, base_differ, max_diff, cached_diff, base_diff, spread);
  if (spread <= 10 * base_diff) {
    g_print ("  outputs not checked: this model's outputs for different "
             "pictures differ by no more than 10x its run-to-run noise\n");
    ok = TRUE;
  } else {
    ok = cached_diff <= base_diff;
  }
  if (!ok)
    g_printerr ("%s: a cached output differs from the baseline by %g, more "
                "than the baseline runs differ from each other (%g)\n",
        m->name, cached_diff, base_diff);

out:
  for (r = 0; r < ROUNDS; r++)
    for (v = 0; v < N_VARIANTS; v++)
      run_clear (&runs[r][v]);
  run_clear (&warmup);
  stream_clear (&stream);
  g_free (model);
  return ok;
}

int
main (int argc, char **argv)
{
  guint cache_serial = 0, m;
  gdouble t0 = now_s ();
  int ret = 0;

  /* One malloc arena for every thread, as in the gpuinfer benchmark: with
   * per-thread arenas libtorch's activations are served differently from
   * run to run, which moves the per-batch time far more than the cache. */
  mallopt (M_ARENA_MAX, 1);
  gst_init (&argc, &argv);
  if (argc < 2) {
    g_printerr ("usage: %s MODELS_DIR\n", argv[0]);
    return 2;
  }
  g_print ("memoised gpuinfer: appsrc ! gpubatch (batches of %u, RGB "
           "%ux%u) ! [gpukvcache mode=lookup !] gpuinfer ! [gpukvcache "
           "mode=store !] fakesink\n",
      BATCH, WIDTH, WIDTH);
  g_print ("items/s from the arrival of batch 0 at the sink to the last "
           "batch (batch 0 holds the model's first pass); best of %u rounds "
           "after a warm-up run, the variants taking turns\n",
      ROUNDS);
  for (m = 0; m < G_N_ELEMENTS (models); m++) {
    if (!bench_model (&models[m], argv[1], &cache_serial))
      ret = 1;
  }
  g_print ("\ntotal %.0f s\n", now_s () - t0);
  return ret;
}
