/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Stats helpers shared by every element: latency histogram, sliding-window
 * throughput, standard fields and periodic posting.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gst/gstgpustats.h"

#include <math.h>
#include <string.h>
#include <time.h>

#define N_BUCKETS (GST_GPU_HISTOGRAM_OCTAVES * GST_GPU_HISTOGRAM_SUB_BUCKETS)
#define SUB_BITS 4
G_STATIC_ASSERT ((1 << SUB_BITS) == GST_GPU_HISTOGRAM_SUB_BUCKETS);

/* Durations are counted in units of 1 µs / SUB_BUCKETS = 62.5 ns, so octave
 * k holds [2^k, 2^(k+1)) µs split into SUB_BUCKETS equal sub-buckets: in
 * units, [16 << k, 32 << k) with sub-bucket width 1 << k. The upper end of the
 * range is 2^OCTAVES µs (about 71 minutes); later values land in the last
 * bucket, earlier ones (below 1 µs) in the first. */
#define NS_PER_UNIT_NUM 125 /* 62.5 ns = 125 / 2 */
#define NS_PER_UNIT_DEN 2
#define RANGE_END_NS (((guint64)1 << GST_GPU_HISTOGRAM_OCTAVES) * GST_USECOND)

static inline guint
msb64 (guint64 v)
{
#if defined(__GNUC__) || defined(__clang__)
  return 63 - __builtin_clzll (v);
#else
  guint r = 0;

  while (v >>= 1)
    r++;
  return r;
#endif
}

static inline guint
histogram_index (GstClockTime ns)
{
  guint64 units;
  guint octave, index;

  if (ns >= RANGE_END_NS) {
    index = N_BUCKETS - 1;
  } else {
    units = ns * NS_PER_UNIT_DEN / NS_PER_UNIT_NUM;
    if (units < GST_GPU_HISTOGRAM_SUB_BUCKETS) {
      index = 0;
    } else {
      octave = msb64 (units) - SUB_BITS;
      index = octave * GST_GPU_HISTOGRAM_SUB_BUCKETS
              + (guint)((units >> octave) - GST_GPU_HISTOGRAM_SUB_BUCKETS);
    }
  }
  return index;
}

/* Midpoint of bucket @index in ns. */
static GstClockTime
histogram_bucket_mid (guint index)
{
  guint octave = index / GST_GPU_HISTOGRAM_SUB_BUCKETS;
  guint sub = index % GST_GPU_HISTOGRAM_SUB_BUCKETS;
  gdouble units;

  units = ldexp (GST_GPU_HISTOGRAM_SUB_BUCKETS + sub + 0.5, octave);
  return (GstClockTime)(units * NS_PER_UNIT_NUM / NS_PER_UNIT_DEN + 0.5);
}

/**
 * gst_gpu_latency_histogram_reset:
 * @hist: a histogram
 *
 * Empties @hist (also serves as initialisation).
 */
void
gst_gpu_latency_histogram_reset (GstGpuLatencyHistogram *hist)
{
  g_return_if_fail (hist != NULL);

  memset (hist, 0, sizeof (*hist));
}

/**
 * gst_gpu_latency_histogram_record:
 * @hist: a histogram
 * @latency: a duration in ns; GST_CLOCK_TIME_NONE is ignored
 *
 * O(1), no allocation: safe on per-item paths.
 */
void
gst_gpu_latency_histogram_record (
    GstGpuLatencyHistogram *hist, GstClockTime latency)
{
  if (G_LIKELY (hist != NULL && GST_CLOCK_TIME_IS_VALID (latency))) {
    hist->counts[histogram_index (latency)]++;
    hist->total++;
    if (latency > hist->max)
      hist->max = latency;
  }
}

/**
 * gst_gpu_latency_histogram_percentile:
 * @hist: a histogram
 * @q: the quantile in [0, 1] (0.5 for the median); clamped
 *
 * Nearest-rank percentile: the value of the ceil(q × total)-th smallest
 * sample, within a relative error of 1 / (2 × SUB_BUCKETS) for samples
 * between 1 µs and about 71 minutes. Never above the largest sample.
 *
 * Returns: the percentile in ns, 0 when @hist is empty.
 */
GstClockTime
gst_gpu_latency_histogram_percentile (
    const GstGpuLatencyHistogram *hist, gdouble q)
{
  guint64 rank, cumulated = 0;
  guint i;

  g_return_val_if_fail (hist != NULL, 0);

  if (hist->total == 0)
    return 0;

  if (!(q > 0.0)) /* also catches NaN */
    q = 0.0;
  if (q > 1.0)
    q = 1.0;

  rank = (guint64)ceil (q * (gdouble)hist->total);
  rank = CLAMP (rank, 1, hist->total);

  for (i = 0; i < N_BUCKETS; i++) {
    cumulated += hist->counts[i];
    if (cumulated >= rank)
      return MIN (histogram_bucket_mid (i), hist->max);
  }
  return 0;
}

/**
 * gst_gpu_throughput_meter_reset:
 * @meter: a meter
 * @window_seconds: window length in seconds, 1..GST_GPU_THROUGHPUT_MAX_BUCKETS
 *   (0 means 10; larger values are clamped)
 *
 * Empties @meter (also serves as initialisation).
 */
void
gst_gpu_throughput_meter_reset (
    GstGpuThroughputMeter *meter, guint window_seconds)
{
  g_return_if_fail (meter != NULL);

  memset (meter, 0, sizeof (*meter));
  if (window_seconds == 0)
    window_seconds = 10;
  meter->n_buckets = MIN (window_seconds, GST_GPU_THROUGHPUT_MAX_BUCKETS);
  meter->start = GST_CLOCK_TIME_NONE;
  meter->current = 0;
  meter->peak = 0.0;
}

/* Index of the 1 s bucket holding @now; times before the first record count
 * as the first bucket. */
static inline gint64
throughput_bucket_of (const GstGpuThroughputMeter *meter, GstClockTime now)
{
  return now <= meter->start ? 0 : (gint64)((now - meter->start) / GST_SECOND);
}

/* Moves the newest bucket to @index: the buckets in between complete (and
 * count for the peak) and the new ones start empty. At most n_buckets steps. */
static void
throughput_advance (GstGpuThroughputMeter *meter, gint64 index)
{
  guint n = meter->n_buckets;
  gint64 i, first;

  if (index <= meter->current)
    return;

  /* the newest bucket completes; any skipped one completed with 0 items */
  meter->peak = MAX (meter->peak, (gdouble)meter->items[meter->current % n]);

  first = MAX (meter->current + 1, index - (gint64)n + 1);
  for (i = first; i <= index; i++)
    meter->items[i % n] = 0;
  meter->current = index;
}

static gboolean
throughput_is_ready (GstGpuThroughputMeter *meter)
{
  if (meter->n_buckets == 0
      || meter->n_buckets > GST_GPU_THROUGHPUT_MAX_BUCKETS)
    gst_gpu_throughput_meter_reset (meter, 0);
  return GST_CLOCK_TIME_IS_VALID (meter->start);
}

/**
 * gst_gpu_throughput_meter_record:
 * @meter: a meter
 * @now: monotonic time in ns (gst_gpu_stats_now () or a test value)
 * @items: number of items completed at @now
 *
 * O(window) at worst, no allocation. Records older than the window are
 * ignored.
 */
void
gst_gpu_throughput_meter_record (
    GstGpuThroughputMeter *meter, GstClockTime now, guint64 items)
{
  gint64 index;

  g_return_if_fail (meter != NULL);

  if (!GST_CLOCK_TIME_IS_VALID (now))
    return;

  if (!throughput_is_ready (meter)) {
    meter->start = now;
    meter->current = 0;
    memset (meter->items, 0, sizeof (meter->items));
  }

  index = throughput_bucket_of (meter, now);
  throughput_advance (meter, index);
  if (meter->current - index < meter->n_buckets)
    meter->items[index % meter->n_buckets] += items;
}

/**
 * gst_gpu_throughput_meter_current:
 * @meter: a meter
 * @now: monotonic time in ns, normally not before the last record (an
 *   earlier @now is treated as the start of the newest bucket)
 *
 * Items per second over the last n_buckets seconds ending at @now: from the
 * start of the oldest bucket still in the window (or the first record while
 * the window fills) to @now. Buckets that @now completes count for the peak.
 *
 * Returns: items/s, 0 before the first record or when no time has passed.
 */
gdouble
gst_gpu_throughput_meter_current (
    GstGpuThroughputMeter *meter, GstClockTime now)
{
  gdouble ret = 0.0;
  gint64 index, oldest, i;
  GstClockTime window_start;
  guint64 sum = 0;

  g_return_val_if_fail (meter != NULL, 0.0);

  if (!throughput_is_ready (meter) || !GST_CLOCK_TIME_IS_VALID (now))
    return 0.0;

  index = throughput_bucket_of (meter, now);
  throughput_advance (meter, index);
  /* a reader that took @now just before a writer recorded a later time: end
   * the window at the start of the newest bucket instead of reporting 0 */
  if (index < meter->current)
    now = meter->start + (GstClockTime)meter->current * GST_SECOND;
  index = meter->current;

  oldest = MAX (0, index - (gint64)meter->n_buckets + 1);
  for (i = oldest; i <= index; i++)
    sum += meter->items[i % meter->n_buckets];

  window_start = meter->start + (GstClockTime)oldest * GST_SECOND;
  if (now > window_start)
    ret = (gdouble)sum * GST_SECOND / (gdouble)(now - window_start);
  return ret;
}

/**
 * gst_gpu_throughput_meter_peak:
 * @meter: a meter
 *
 * Returns: the largest number of items in a completed 1 s bucket (items/s),
 *   0 before the first bucket completes.
 */
gdouble
gst_gpu_throughput_meter_peak (const GstGpuThroughputMeter *meter)
{
  g_return_val_if_fail (meter != NULL, 0.0);

  return meter->peak;
}

/**
 * gst_gpu_stats_now:
 *
 * Returns: the monotonic clock in ns (same origin as
 *   g_get_monotonic_time ()).
 */
GstClockTime
gst_gpu_stats_now (void)
{
  GstClockTime now = GST_CLOCK_TIME_NONE;
#if defined(CLOCK_MONOTONIC) && !defined(G_OS_WIN32)
  struct timespec ts;

  if (clock_gettime (CLOCK_MONOTONIC, &ts) == 0)
    now = GST_TIMESPEC_TO_TIME (ts);
#endif
  if (!GST_CLOCK_TIME_IS_VALID (now))
    now = (GstClockTime)g_get_monotonic_time () * GST_USECOND;
  return now;
}

/**
 * gst_gpu_stats_set_latency:
 * @s: a writable structure
 * @hist: a histogram
 *
 * Sets latency-p50-us and latency-p99-us (gdouble, µs; 0 when empty).
 */
void
gst_gpu_stats_set_latency (GstStructure *s, const GstGpuLatencyHistogram *hist)
{
  GstClockTime p50, p99;

  g_return_if_fail (s != NULL && hist != NULL);

  p50 = gst_gpu_latency_histogram_percentile (hist, 0.5);
  p99 = gst_gpu_latency_histogram_percentile (hist, 0.99);
  gst_structure_set (s, GST_GPU_STATS_LATENCY_P50, G_TYPE_DOUBLE,
      (gdouble)p50 / GST_USECOND, GST_GPU_STATS_LATENCY_P99, G_TYPE_DOUBLE,
      (gdouble)p99 / GST_USECOND, NULL);
}

/**
 * gst_gpu_stats_set_throughput:
 * @s: a writable structure
 * @meter: a meter
 * @now: monotonic time in ns
 *
 * Sets throughput and peak-throughput (gdouble, items/s).
 */
void
gst_gpu_stats_set_throughput (
    GstStructure *s, GstGpuThroughputMeter *meter, GstClockTime now)
{
  gdouble current;

  g_return_if_fail (s != NULL && meter != NULL);

  current = gst_gpu_throughput_meter_current (meter, now);
  gst_structure_set (s, GST_GPU_STATS_THROUGHPUT, G_TYPE_DOUBLE, current,
      GST_GPU_STATS_PEAK_THROUGHPUT, G_TYPE_DOUBLE,
      gst_gpu_throughput_meter_peak (meter), NULL);
}

/**
 * gst_gpu_stats_post:
 * @element: the element posting
 * @stats: (transfer full): the structure; its name is the message's
 *
 * Posts @stats as an element message on @element's bus (dropped when the
 * element has no bus yet).
 */
void
gst_gpu_stats_post (GstElement *element, GstStructure *stats)
{
  g_return_if_fail (GST_IS_ELEMENT (element));
  g_return_if_fail (stats != NULL);

  gst_element_post_message (
      element, gst_message_new_element (GST_OBJECT_CAST (element), stats));
}

/* State shared by a timer and its clock callbacks. Referenced by the timer
 * while started and by each scheduled clock entry until the clock frees it,
 * which may be after gst_gpu_stats_timer_stop () returned.
 *
 * Each tick is a single-shot entry that the previous tick schedules one
 * interval later (never in the past): a periodic entry that falls behind
 * catches up one interval at a time, and since every element's timer shares
 * the system clock's one thread, a timer behind schedule took every turn
 * and starved the others. */
typedef struct
{
  gint refcount;
  GMutex lock;
  GCond cond;
  GstClock *clock;
  GstClockTime interval;
  GstClockID id;       /* the next tick; under lock */
  GstElement *element; /* strong ref; cleared by stop */
  GstGpuStatsFunc func;
  gboolean stopped;
  GThread *running; /* thread inside func, or NULL */
} TimerState;

static TimerState *
timer_state_ref (TimerState *state)
{
  g_atomic_int_inc (&state->refcount);
  return state;
}

static void
timer_state_unref (gpointer data)
{
  TimerState *state = data;

  if (g_atomic_int_dec_and_test (&state->refcount)) {
    gst_clear_object (&state->element);
    gst_clear_object (&state->clock);
    g_mutex_clear (&state->lock);
    g_cond_clear (&state->cond);
    g_free (state);
  }
}

static gboolean timer_tick (
    GstClock *clock, GstClockTime time, GstClockID id, gpointer user_data);

/* Schedules the tick after the one due at @last: one interval later, or one
 * interval from now when that is already past (missed ticks are skipped).
 * Called with state->lock held. */
static gboolean
timer_schedule (TimerState *state, GstClockTime last)
{
  GstClockTime now = gst_clock_get_time (state->clock);
  GstClockTime next = last + state->interval;
  GstClockReturn res;

  if (next <= now)
    next = now + state->interval;
  if (state->id != NULL)
    gst_clock_id_unref (state->id);
  state->id = gst_clock_new_single_shot_id (state->clock, next);
  /* the clock entry owns one reference, released by the clock */
  res = gst_clock_id_wait_async (
      state->id, timer_tick, timer_state_ref (state), timer_state_unref);
  if (res != GST_CLOCK_OK) {
    GST_WARNING_OBJECT (
        state->element, "could not schedule stats posting: %d", res);
    /* wait_async does not take the data on failure */
    timer_state_unref (state);
    gst_clock_id_unref (state->id);
    state->id = NULL;
    return FALSE;
  }
  return TRUE;
}

/* Called from the system clock's thread at every tick; takes state->lock
 * around the stopped check and the next scheduling, not while calling
 * func. */
static gboolean
timer_tick (
    GstClock *clock, GstClockTime time, GstClockID id, gpointer user_data)
{
  TimerState *state = user_data;
  GstElement *element;
  GstStructure *s;

  g_mutex_lock (&state->lock);
  if (state->stopped) {
    g_mutex_unlock (&state->lock);
    return TRUE;
  }
  state->running = g_thread_self ();
  /* our own ref: func may stop the timer, which drops the timer's */
  element = gst_object_ref (state->element);
  g_mutex_unlock (&state->lock);

  s = state->func (element);
  if (s != NULL)
    gst_gpu_stats_post (element, s);
  gst_object_unref (element);

  g_mutex_lock (&state->lock);
  state->running = NULL;
  g_cond_broadcast (&state->cond);
  if (!state->stopped)
    timer_schedule (state, time);
  g_mutex_unlock (&state->lock);
  return TRUE;
}

/**
 * gst_gpu_stats_timer_start:
 * @timer: a zero-initialised or stopped timer
 * @element: the element whose stats are posted; referenced until stop
 * @interval: period in ns; 0 (or NONE) leaves the timer stopped; below
 *   GST_GPU_STATS_MIN_INTERVAL it is raised to that, with a warning on
 *   @element's bus naming its stats-interval property
 * @func: builds the structure to post (transfer full), or returns NULL to
 *   skip a tick; called from a clock thread, without any lock of ours held
 *
 * Restarts the timer when it was running. The first call of @func is one
 * interval after this call; a tick that runs late delays the next one
 * instead of being caught up.
 */
void
gst_gpu_stats_timer_start (GstGpuStatsTimer *timer, GstElement *element,
    GstClockTime interval, GstGpuStatsFunc func)
{
  TimerState *state;
  gboolean scheduled;

  g_return_if_fail (timer != NULL);
  g_return_if_fail (GST_IS_ELEMENT (element));
  g_return_if_fail (func != NULL);

  gst_gpu_stats_timer_stop (timer);

  if (interval == 0 || !GST_CLOCK_TIME_IS_VALID (interval))
    return;
  if (interval < GST_GPU_STATS_MIN_INTERVAL) {
    GST_ELEMENT_WARNING (element, RESOURCE, SETTINGS,
        ("stats-interval %" G_GUINT64_FORMAT " ns is below the minimum of "
         "10 ms; posting stats every 10 ms",
            interval),
        ("stats-interval %" G_GUINT64_FORMAT " < %" G_GUINT64_FORMAT " ns",
            interval, (guint64)GST_GPU_STATS_MIN_INTERVAL));
    interval = GST_GPU_STATS_MIN_INTERVAL;
  }

  state = g_new0 (TimerState, 1);
  state->refcount = 1;
  g_mutex_init (&state->lock);
  g_cond_init (&state->cond);
  state->clock = gst_system_clock_obtain ();
  state->interval = interval;
  state->element = gst_object_ref (element);
  state->func = func;
  timer->priv = state;

  g_mutex_lock (&state->lock);
  scheduled = timer_schedule (state, gst_clock_get_time (state->clock));
  g_mutex_unlock (&state->lock);
  if (!scheduled)
    gst_gpu_stats_timer_stop (timer);
}

/**
 * gst_gpu_stats_timer_stop:
 * @timer: a timer, started, stopped or zero-initialised
 *
 * When this returns the callback is not running and will not run again, and
 * the element reference is dropped. Safe to call twice. Start and stop are
 * not reentrant: call them from one thread at a time (normally the state
 * change thread). Must not be called while holding a lock the callback
 * takes. Called from inside the callback it does not wait, it only prevents
 * later ticks.
 */
void
gst_gpu_stats_timer_stop (GstGpuStatsTimer *timer)
{
  TimerState *state;
  GstElement *element = NULL;
  GstClockID id;

  g_return_if_fail (timer != NULL);

  state = timer->priv;
  if (state == NULL)
    return;

  g_mutex_lock (&state->lock);
  state->stopped = TRUE;
  while (state->running != NULL && state->running != g_thread_self ())
    g_cond_wait (&state->cond, &state->lock);
  /* the callback reads state->element and schedules only when not
   * stopped */
  element = state->element;
  state->element = NULL;
  id = state->id;
  state->id = NULL;
  g_mutex_unlock (&state->lock);

  if (id != NULL) {
    gst_clock_id_unschedule (id);
    gst_clock_id_unref (id);
  }
  timer->priv = NULL;
  timer_state_unref (state);
  gst_clear_object (&element);
}

/**
 * gst_gpu_stats_install_interval_property:
 * @klass: the element class
 * @prop_id: the element's id for the property
 *
 * <element>:stats-interval: post the `stats` structure as an element message
 * (named "<element>-stats") every this many nanoseconds; 0 (the default)
 * posts nothing; values from 1 to 9,999,999 are raised to the 10 ms
 * minimum (GST_GPU_STATS_MIN_INTERVAL) with a warning. Takes effect at the
 * next READY->PAUSED.
 */
void
gst_gpu_stats_install_interval_property (GObjectClass *klass, guint prop_id)
{
  g_object_class_install_property (klass, prop_id,
      g_param_spec_uint64 ("stats-interval", "Stats interval",
          "Post the stats as an element message (named <element>-stats) "
          "every this many nanoseconds; 0 = off; values below 10000000 "
          "(10 ms) are raised to 10 ms with a warning (default: 0)",
          0, G_MAXUINT64, 0,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
              | GST_PARAM_MUTABLE_READY));
}
