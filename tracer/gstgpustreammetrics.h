/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The gpustream tracer's measurements and their rendering: per-element
 * processing time and per-pad buffer counts kept on the objects themselves
 * (qdata, freed with them), and snapshots of every tracked pipeline rendered
 * as Prometheus text and JSON.
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

/* Called from the streaming threads by the tracer's pad-push hooks. */
void gst_gpu_stream_metrics_push_pre (
    GstClockTime ts, GstPad *pad, guint n_buffers);
void gst_gpu_stream_metrics_push_post (GstClockTime ts);

/* Renders every element of @pipelines (a GPtrArray of top-level GstBin,
 * transfer none) into Prometheus text exposition format and JSON. Called
 * from one thread only (the tracer's server thread): pad rates are computed
 * against the previous call. */
void gst_gpu_stream_metrics_render (GPtrArray *pipelines, GstClockTime now,
    guint interval_ms, GBytes **prometheus, GBytes **json);

G_END_DECLS
