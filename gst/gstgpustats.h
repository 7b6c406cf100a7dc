/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Stats helpers shared by every element: latency histogram, sliding-window
 * throughput, and the standard field names of the `stats` structure.
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

/* Field names shared across elements (docs/architecture.md). */
#define GST_GPU_STATS_ITEMS_IN "items-in"
#define GST_GPU_STATS_ITEMS_OUT "items-out"
#define GST_GPU_STATS_ITEMS_DROPPED "items-dropped"
#define GST_GPU_STATS_ITEMS_FAILED "items-failed"
#define GST_GPU_STATS_BATCHES "batches"
#define GST_GPU_STATS_LATENCY_P50 "latency-p50-us"
#define GST_GPU_STATS_LATENCY_P99 "latency-p99-us"
#define GST_GPU_STATS_THROUGHPUT "throughput"
#define GST_GPU_STATS_PEAK_THROUGHPUT "peak-throughput"
#define GST_GPU_STATS_DEVICE "device"
#define GST_GPU_STATS_DEVICE_NAME "device-name"

/* Log-linear histogram of durations from 1 µs to ~1 h: relative error of a
 * percentile is below 1/GST_GPU_HISTOGRAM_SUB_BUCKETS. Not thread-safe: the
 * owner serialises access. No allocation after init. */
#define GST_GPU_HISTOGRAM_SUB_BUCKETS 16
#define GST_GPU_HISTOGRAM_OCTAVES 32

typedef struct
{
  guint64 counts[GST_GPU_HISTOGRAM_OCTAVES * GST_GPU_HISTOGRAM_SUB_BUCKETS];
  guint64 total;
  GstClockTime max;
} GstGpuLatencyHistogram;

void gst_gpu_latency_histogram_reset (GstGpuLatencyHistogram *hist);
void gst_gpu_latency_histogram_record (
    GstGpuLatencyHistogram *hist, GstClockTime latency);
/* @q in [0, 1]; returns 0 when empty. */
GstClockTime gst_gpu_latency_histogram_percentile (
    const GstGpuLatencyHistogram *hist, gdouble q);

/* Items per second over a sliding window made of 1 s buckets (10 s by
 * default), and the peak of completed 1 s buckets. Timestamps are
 * monotonic-clock nanoseconds (g_get_monotonic_time () * 1000 or a test
 * value). Not thread-safe. */
#define GST_GPU_THROUGHPUT_MAX_BUCKETS 64

typedef struct
{
  guint n_buckets;
  GstClockTime start; /* time of the first record, or NONE */
  gint64 current;     /* index of the newest bucket (seconds) */
  guint64 items[GST_GPU_THROUGHPUT_MAX_BUCKETS];
  gdouble peak;
} GstGpuThroughputMeter;

void gst_gpu_throughput_meter_reset (
    GstGpuThroughputMeter *meter, guint window_seconds);
void gst_gpu_throughput_meter_record (
    GstGpuThroughputMeter *meter, GstClockTime now, guint64 items);
/* Items/s over the window ending at @now (shorter while the window fills). */
gdouble gst_gpu_throughput_meter_current (
    GstGpuThroughputMeter *meter, GstClockTime now);
gdouble gst_gpu_throughput_meter_peak (const GstGpuThroughputMeter *meter);

/* Monotonic clock in nanoseconds. */
GstClockTime gst_gpu_stats_now (void);

/* Appends latency-p50-us / latency-p99-us (as gdouble) from @hist. */
void gst_gpu_stats_set_latency (
    GstStructure *s, const GstGpuLatencyHistogram *hist);
/* Appends throughput / peak-throughput (items/s, gdouble). */
void gst_gpu_stats_set_throughput (
    GstStructure *s, GstGpuThroughputMeter *meter, GstClockTime now);

/* Posts @stats (transfer full) as an element message from @element; the
 * structure's name is the message name (e.g. "gpubatch-stats"). */
void gst_gpu_stats_post (GstElement *element, GstStructure *stats);

/* Periodic stats posting on the system clock: @func is called every
 * @interval from a clock thread; 0 disables. */

/* The shortest stats-interval: shorter ones are raised to it. */
#define GST_GPU_STATS_MIN_INTERVAL (10 * GST_MSECOND)
typedef GstStructure *(*GstGpuStatsFunc) (GstElement *element);

/* Embed zero-initialised; @priv is private state shared with the clock
 * callback, NULL while stopped. */
typedef struct
{
  gpointer priv;
} GstGpuStatsTimer;

void gst_gpu_stats_timer_start (GstGpuStatsTimer *timer, GstElement *element,
    GstClockTime interval, GstGpuStatsFunc func);
/* Installs the `stats-interval` property (guint64 ns, default 0 = off,
 * shorter than GST_GPU_STATS_MIN_INTERVAL raised to it) whose value
 * elements pass to gst_gpu_stats_timer_start(). */
void gst_gpu_stats_install_interval_property (
    GObjectClass *klass, guint prop_id);
void gst_gpu_stats_timer_stop (GstGpuStatsTimer *timer);

G_END_DECLS
