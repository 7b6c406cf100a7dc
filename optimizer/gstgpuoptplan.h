/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * gpuoptbin internals shared by its parts: the graph of the children, the
 * plan computed from it, and the priority, fusion and profiling parts that
 * apply it. Not installed; tests link the static library to plan bins
 * without running them.
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

/* ---- shared by the parts (gstgpuoptcommon.c) ---- */

GST_DEBUG_CATEGORY_EXTERN (gst_gpu_opt_debug);

/* Initialises the gpuoptbin debug category (idempotent). */
void gst_gpu_opt_debug_init (void);

/* Calls @func on every item of @it, from the first item again when the
 * iterated set changed meanwhile (items are then seen twice), and frees @it. */
void gst_gpu_opt_iterate (
    GstIterator *it, GstIteratorForeachFunction func, gpointer user_data);

/* Scheduling classes, lowest first. NONE is for decoupling elements (queue)
 * that take no part in deciding their thread's class. */
typedef enum {
  GST_GPU_OPT_CLASS_NONE = -1,
  GST_GPU_OPT_CLASS_LOW = 0,
  GST_GPU_OPT_CLASS_NORMAL,
  GST_GPU_OPT_CLASS_HIGH,
  GST_GPU_OPT_CLASS_REALTIME,
} GstGpuOptClass;

const gchar *gst_gpu_opt_class_name (GstGpuOptClass cls);

/* Fusion threshold: measured time per buffer under which an element counts
 * as lightweight (µs). */
#define GST_GPU_OPT_LIGHT_US 500.0

typedef struct
{
  gboolean enable_priorities;
  gboolean enable_fusion;
  gboolean enable_profiling;
  gchar **fusion_whitelist; /* factory names */
  gchar **force_dedicated;  /* factory or element names */
  gchar **background;       /* element or factory names */
  gint realtime_priority;   /* SCHED_FIFO priority, 0 = never FIFO */
} GstGpuOptConfig;

void gst_gpu_opt_config_init (GstGpuOptConfig *cfg);
void gst_gpu_opt_config_copy (GstGpuOptConfig *dst, const GstGpuOptConfig *src);
void gst_gpu_opt_config_clear (GstGpuOptConfig *cfg);
gboolean gst_gpu_opt_strv_has (gchar **strv, const gchar *s);

/* ---- graph (gstgpuoptgraph.c) ------------------------------------------ */

typedef struct _GstGpuOptNode GstGpuOptNode;

struct _GstGpuOptNode
{
  GstElement *element;  /* ref */
  gchar *name;          /* element name */
  gchar *path;          /* path string, key of profile results */
  const gchar *factory; /* factory name, or type name */
  GstGpuOptClass cls;
  gchar *class_reason;
  gboolean is_source;    /* src pads only: owns a task */
  gboolean is_decoupler; /* queue, queue2, multiqueue, aggregator */
  guint n_sink_linked;
  guint n_src_linked;
  GPtrArray *downstream; /* GstGpuOptNode *, inside the graph */
  GPtrArray *upstream;
  gboolean removed; /* a queue planned to be fused away */
};

typedef struct
{
  GstGpuOptNode *root; /* element whose pad task runs the thread */
  GPtrArray *members;  /* GstGpuOptNode *, root first */
  GstGpuOptClass cls;
  GstGpuOptNode *cls_from; /* member that set the class, or NULL */
} GstGpuOptDomain;

typedef struct
{
  GstBin *top;            /* the planned bin (not a ref) */
  GPtrArray *nodes;       /* GstGpuOptNode *, owned */
  GHashTable *by_element; /* GstElement * -> GstGpuOptNode * */
  GPtrArray *domains;     /* GstGpuOptDomain *, owned */
} GstGpuOptGraph;

/* Builds the graph of the non-bin elements inside @bin, recursing into
 * sub-bins and looking through ghost pads; classifies each element with
 * @cfg. Safe in any state; does not change the pipeline. (transfer full) */
GstGpuOptGraph *gst_gpu_opt_graph_build (
    GstBin *bin, const GstGpuOptConfig *cfg);
void gst_gpu_opt_graph_free (GstGpuOptGraph *graph);
GstGpuOptNode *gst_gpu_opt_graph_lookup (
    GstGpuOptGraph *graph, GstElement *element);
/* (Re)computes the thread domains, looking through removed queues. */
void gst_gpu_opt_graph_compute_domains (GstGpuOptGraph *graph);
GstGpuOptDomain *gst_gpu_opt_graph_domain_of_root (
    GstGpuOptGraph *graph, GstElement *root);
/* Classifies the thread that @owner's pad task runs by walking its live
 * links now (used for threads that the plan does not know). Elements known
 * to @graph keep their planned class. */
GstGpuOptClass gst_gpu_opt_graph_live_class (
    GstGpuOptGraph *graph, GstElement *owner, const GstGpuOptConfig *cfg);
/* The pad on a real element that @pad is linked to, looking through ghost
 * and proxy pads; NULL when unlinked. (transfer full) */
GstPad *gst_gpu_opt_resolve_peer (GstPad *pad);

/* ---- classification and thread priorities (gstgpuoptpriority.c) ------- */

GstGpuOptClass gst_gpu_opt_priority_classify (GstElement *element,
    const GstGpuOptConfig *cfg, gboolean query_caps, gchar **reason);
/* As _classify (), but an element inside a sub-bin of @top with a role of
 * its own (autoaudiosink, fakevideosink…) takes that bin's class. */
GstGpuOptClass gst_gpu_opt_priority_classify_in (GstElement *element,
    GstBin *top, const GstGpuOptConfig *cfg, gboolean query_caps,
    gchar **reason);
/* The class of a thread from the classes of the elements it drives: the
 * highest role; low when a background element and no role is there. */
GstGpuOptClass gst_gpu_opt_priority_combine (
    GstGpuOptClass acc, GstGpuOptClass cls);

typedef struct
{
  GstGpuOptClass cls;
  const gchar *how; /* sched-fifo, nice, unchanged, failed */
  gint value;       /* FIFO priority or nice value */
  gint policy;      /* policy read back after applying */
  gint error;       /* errno of the last refused attempt */
} GstGpuOptApplied;

/* Applies @cls to the calling thread and remembers how to undo it. */
void gst_gpu_opt_priority_enter (
    GstGpuOptClass cls, gint rt_priority, GstGpuOptApplied *out);
/* Restores the calling thread's scheduling saved by _enter (). */
void gst_gpu_opt_priority_leave (void);
/* Queue size (buffers) for an edge from a thread of class @up into a thread
 * of class @down (the seed table). */
guint gst_gpu_opt_priority_queue_size (GstGpuOptClass up, GstGpuOptClass down);

/* ---- plan (gstgpuoptplan.c) -------------------------------------------- */

typedef struct
{
  GstGpuOptNode *queue;
  GstGpuOptClass up_cls;
  GstGpuOptClass down_cls;
  const gchar *action; /* resized, removed, user-set, leaky, … */
  gchar *reason;
  guint size; /* planned max-size-buffers */
  /* what _apply () changed, for _restore () */
  gboolean resized;
  guint old_buffers;
  guint old_bytes;
  guint64 old_time;
} GstGpuOptQueuePlan;

typedef struct
{
  GstGpuOptNode *queue;
  GstGpuOptNode *up;   /* element feeding the queue */
  GstGpuOptNode *down; /* the lightweight element fused */
  /* set by gst_gpu_opt_fusion_apply (), for _restore () */
  gboolean applied;
  GstBin *parent;
  GstPad *up_pad;   /* raw peer of the queue's sink pad */
  GstPad *down_pad; /* raw peer of the queue's src pad */
} GstGpuOptFusion;

typedef struct
{
  GstElement *element; /* ref */
  GstGpuOptClass cls;
  GstGpuOptApplied applied;
  guint entered;
  gboolean planned;
} GstGpuOptThreadRecord;

typedef struct
{
  guint generation;
  GstGpuOptConfig cfg;
  GstGpuOptGraph *graph;
  GPtrArray *queues;    /* GstGpuOptQueuePlan * */
  GPtrArray *fusions;   /* GstGpuOptFusion * */
  GPtrArray *decisions; /* gchar *, "element: decision (reason)" */
  GMutex lock;          /* guards threads */
  GPtrArray *threads;   /* GstGpuOptThreadRecord * */
} GstGpuOptPlan;

/* Computes the plan for the children of @bin without changing anything.
 * @profile maps element paths to measured average µs per buffer (gdouble *)
 * and may be NULL. (transfer full) */
GstGpuOptPlan *gst_gpu_opt_plan_compute (GstBin *bin,
    const GstGpuOptConfig *cfg, GHashTable *profile, guint generation);
void gst_gpu_opt_plan_free (GstGpuOptPlan *plan);
/* Resizes the planned queues (records their old limits). */
void gst_gpu_opt_plan_apply_queue_sizes (GstGpuOptPlan *plan);
void gst_gpu_opt_plan_restore_queue_sizes (GstGpuOptPlan *plan);
/* Records what a thread entering at run time got; returns its class. Called
 * from that streaming thread. */
GstGpuOptClass gst_gpu_opt_plan_thread_class (
    GstGpuOptPlan *plan, GstElement *owner);
void gst_gpu_opt_plan_thread_applied (GstGpuOptPlan *plan, GstElement *owner,
    GstGpuOptClass cls, const GstGpuOptApplied *applied);
/* The plan as a "gpuoptbin-plan" structure. (transfer full) */
GstStructure *gst_gpu_opt_plan_to_structure (GstGpuOptPlan *plan);

/* ---- shared by the parts (gstgpuoptcommon.c, with the debug category,
 * class names and configuration above) ---- */

/* Logs and records one decision of @plan. */
void gst_gpu_opt_plan_decide (GstGpuOptPlan *plan, const gchar *format, ...)
    G_GNUC_PRINTF (2, 3);

/* TRUE when any limit or threshold of @queue differs from its default:
 * the user set it, so gpuoptbin leaves the queue alone. @which names the
 * first such property. */
gboolean gst_gpu_opt_queue_has_user_limits (
    GstElement *queue, const gchar **which);

/* ---- fusion (gstgpuoptfusion.c) ---------------------------------------- */

/* Decides which queues go, marks them removed in the graph. */
void gst_gpu_opt_fusion_plan (GstGpuOptPlan *plan, GHashTable *profile);
/* Removes the planned queues and relinks their neighbours; the pipeline
 * must not be streaming. Returns the number of queues removed. */
guint gst_gpu_opt_fusion_apply (GstGpuOptPlan *plan);
/* Puts removed queues back where they were (not streaming). */
void gst_gpu_opt_fusion_restore (GstGpuOptPlan *plan);
/* Frees @fusion; a queue still out of its bin is set to NULL and dropped. */
void gst_gpu_opt_fusion_free (GstGpuOptFusion *fusion);

/* ---- profiling (gstgpuoptprofile.c) ------------------------------------ */

typedef struct _GstGpuOptProfiler GstGpuOptProfiler;

/* Installs pad probes on the graph's elements; results are posted from
 * @bin as "gpuoptbin-profile" every @interval (0: only at stop). */
GstGpuOptProfiler *gst_gpu_opt_profiler_start (
    GstElement *bin, GstGpuOptGraph *graph, GstClockTime interval);
/* Removes the probes, stores average µs per element in @results (path ->
 * gdouble *), posts the final report and frees @profiler. */
void gst_gpu_opt_profiler_stop (
    GstGpuOptProfiler *profiler, GHashTable *results);
/* The current report as a "gpuoptbin-profile" structure. (transfer full) */
GstStructure *gst_gpu_opt_profiler_report (GstGpuOptProfiler *profiler);

G_END_DECLS
