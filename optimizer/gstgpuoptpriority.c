/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Classification of elements into scheduling classes, the seed's queue size
 * table, and applying a class to the calling streaming thread.
 *
 * realtime: SCHED_FIFO at the configured priority, else nice REALTIME_NICE
 * high:     nice HIGH_NICE
 * normal:   left as it is
 * low:      nice LOW_NICE
 * Every change is undone when the thread leaves the task, because GStreamer
 * task threads come from a pool and may later run another element.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "optimizer/gstgpuoptplan.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#define GST_CAT_DEFAULT gst_gpu_opt_debug

#define REALTIME_NICE (-15)
#define HIGH_NICE (-8)
#define LOW_NICE 10

typedef enum {
  MEDIA_UNKNOWN,
  MEDIA_AUDIO,
  MEDIA_VIDEO,
} Media;

static Media
media_of_caps (GstCaps *caps)
{
  Media media = MEDIA_UNKNOWN;
  guint i, n;

  if (caps == NULL || gst_caps_is_any (caps) || gst_caps_is_empty (caps))
    return MEDIA_UNKNOWN;
  n = gst_caps_get_size (caps);
  for (i = 0; i < n; i++) {
    const gchar *name
        = gst_structure_get_name (gst_caps_get_structure (caps, i));
    Media m = MEDIA_UNKNOWN;

    if (g_str_has_prefix (name, "audio/"))
      m = MEDIA_AUDIO;
    else if (g_str_has_prefix (name, "video/")
             || g_str_has_prefix (name, "image/"))
      m = MEDIA_VIDEO;
    /* mixed or other media: no role can be inferred */
    if (m == MEDIA_UNKNOWN || (i > 0 && m != media))
      return MEDIA_UNKNOWN;
    media = m;
  }
  return media;
}

/* The media a generic source or sink handles, from the caps its peers
 * offer (sinks) or it offers (sources). */
static Media
media_of_pads (GstElement *element, gboolean is_sink)
{
  GstIterator *it = is_sink ? gst_element_iterate_sink_pads (element)
                            : gst_element_iterate_src_pads (element);
  GValue item = G_VALUE_INIT;
  Media media = MEDIA_UNKNOWN;
  gboolean done = FALSE;

  while (!done && gst_iterator_next (it, &item) == GST_ITERATOR_OK) {
    GstPad *pad = g_value_get_object (&item);
    GstCaps *caps = is_sink ? gst_pad_peer_query_caps (pad, NULL)
                            : gst_pad_query_caps (pad, NULL);

    media = media_of_caps (caps);
    gst_clear_caps (&caps);
    done = media != MEDIA_UNKNOWN;
    g_value_reset (&item);
  }
  g_value_unset (&item);
  gst_iterator_free (it);
  return media;
}

GstGpuOptClass
gst_gpu_opt_priority_classify (GstElement *element, const GstGpuOptConfig *cfg,
    gboolean query_caps, gchar **reason)
{
  GstElementFactory *factory = gst_element_get_factory (element);
  const gchar *klass
      = gst_element_get_metadata (element, GST_ELEMENT_METADATA_KLASS);
  gchar *name = gst_object_get_name (GST_OBJECT (element));
  gchar **tokens = g_strsplit (klass ? klass : "", "/", -1);
  gboolean source = gst_gpu_opt_strv_has (tokens, "Source");
  gboolean sink = gst_gpu_opt_strv_has (tokens, "Sink");
  Media media = MEDIA_UNKNOWN;
  const gchar *from = "klass";
  GstGpuOptClass cls = GST_GPU_OPT_CLASS_NORMAL;

  if (gst_gpu_opt_strv_has (cfg->background, name)
      || (factory != NULL
          && gst_gpu_opt_strv_has (cfg->background,
              gst_plugin_feature_get_name (GST_PLUGIN_FEATURE (factory))))) {
    cls = GST_GPU_OPT_CLASS_LOW;
    *reason = g_strdup ("named in the background property");
    goto out;
  }
  if (!source && !sink) {
    *reason = g_strdup_printf (
        "processing element (klass %s)", klass ? klass : "none");
    goto out;
  }

  if (gst_gpu_opt_strv_has (tokens, "Audio"))
    media = MEDIA_AUDIO;
  else if (gst_gpu_opt_strv_has (tokens, "Video")
           || gst_gpu_opt_strv_has (tokens, "Image"))
    media = MEDIA_VIDEO;
  else if (query_caps) {
    media = media_of_pads (element, sink);
    from = "caps";
  }

  if (media == MEDIA_AUDIO) {
    cls = GST_GPU_OPT_CLASS_REALTIME;
    *reason = g_strdup_printf ("audio %s (from %s, klass %s)",
        source ? "capture" : "playback", from, klass);
  } else if (media == MEDIA_VIDEO) {
    cls = GST_GPU_OPT_CLASS_HIGH;
    *reason = g_strdup_printf ("video %s (from %s, klass %s)",
        source ? "capture" : "display", from, klass);
  } else {
    *reason = g_strdup_printf (
        "%s of unknown media (klass %s)", source ? "source" : "sink", klass);
  }

out:
  g_strfreev (tokens);
  g_free (name);
  return cls;
}

GstGpuOptClass
gst_gpu_opt_priority_classify_in (GstElement *element, GstBin *top,
    const GstGpuOptConfig *cfg, gboolean query_caps, gchar **reason)
{
  GstGpuOptClass cls
      = gst_gpu_opt_priority_classify (element, cfg, query_caps, reason);
  GstObject *parent = gst_object_get_parent (GST_OBJECT (element));

  while (
      parent != NULL && GST_IS_ELEMENT (parent) && parent != GST_OBJECT (top)) {
    GstObject *next;
    gchar *why = NULL;
    GstGpuOptClass pcls = gst_gpu_opt_priority_classify (
        GST_ELEMENT (parent), cfg, FALSE, &why);

    /* a plain bin (normal) says nothing about what is inside it */
    if ((pcls >= GST_GPU_OPT_CLASS_HIGH && pcls > cls)
        || (pcls == GST_GPU_OPT_CLASS_LOW && cls == GST_GPU_OPT_CLASS_NORMAL)) {
      cls = pcls;
      g_free (*reason);
      *reason
          = g_strdup_printf ("inside %s: %s", GST_OBJECT_NAME (parent), why);
    }
    g_free (why);
    next = gst_object_get_parent (parent);
    gst_object_unref (parent);
    parent = next;
  }
  gst_clear_object (&parent);
  return cls;
}

GstGpuOptClass
gst_gpu_opt_priority_combine (GstGpuOptClass acc, GstGpuOptClass cls)
{
  if (acc == GST_GPU_OPT_CLASS_NONE)
    return cls;
  if (cls == GST_GPU_OPT_CLASS_NONE)
    return acc;
  /* background work stays low next to plain processing */
  if ((acc == GST_GPU_OPT_CLASS_LOW && cls == GST_GPU_OPT_CLASS_NORMAL)
      || (cls == GST_GPU_OPT_CLASS_LOW && acc == GST_GPU_OPT_CLASS_NORMAL))
    return GST_GPU_OPT_CLASS_LOW;
  return MAX (acc, cls);
}

/* The seed table; the pairs it leaves out follow the nearest entry (high to
 * realtime as high to high, low as normal). */
guint
gst_gpu_opt_priority_queue_size (GstGpuOptClass up, GstGpuOptClass down)
{
  static const guint table[3][3] = {
    /* down:     normal high realtime */
    /* normal */ { 16, 4, 4 },
    /* high */ { 8, 3, 3 },
    /* realtime */ { 4, 3, 2 },
  };
  gint u = CLAMP ((gint)up - GST_GPU_OPT_CLASS_NORMAL, 0, 2);
  gint d = CLAMP ((gint)down - GST_GPU_OPT_CLASS_NORMAL, 0, 2);

  return table[u][d];
}

/* What the calling thread had before _enter () changed it. */
typedef struct
{
  gboolean saved;
  gint policy;
  struct sched_param param;
  gint nice;
} SavedSched;

static __thread SavedSched saved_sched;

static pid_t
thread_id (void)
{
  return (pid_t)syscall (SYS_gettid);
}

static gboolean
try_nice (gint nice, GstGpuOptApplied *out)
{
  if (setpriority (PRIO_PROCESS, thread_id (), nice) == 0) {
    out->how = "nice";
    out->value = nice;
    return TRUE;
  }
  out->error = errno;
  return FALSE;
}

/* Streaming thread (STREAM_STATUS ENTER), no lock. */
void
gst_gpu_opt_priority_enter (
    GstGpuOptClass cls, gint rt_priority, GstGpuOptApplied *out)
{
  pthread_t self = pthread_self ();
  gboolean ok = FALSE;

  memset (out, 0, sizeof (*out));
  out->cls = cls;
  out->how = "unchanged";

  if (!saved_sched.saved) {
    errno = 0;
    saved_sched.nice = getpriority (PRIO_PROCESS, thread_id ());
    if (pthread_getschedparam (self, &saved_sched.policy, &saved_sched.param)
            == 0
        && errno == 0)
      saved_sched.saved = TRUE;
  }

  switch (cls) {
    case GST_GPU_OPT_CLASS_REALTIME: {
      struct sched_param param = { .sched_priority = rt_priority };

      if (rt_priority > 0) {
        gint res = pthread_setschedparam (self, SCHED_FIFO, &param);

        if (res == 0) {
          out->how = "sched-fifo";
          out->value = rt_priority;
          ok = TRUE;
        } else {
          out->error = res;
        }
      }
      if (!ok)
        ok = try_nice (REALTIME_NICE, out);
      break;
    }
    case GST_GPU_OPT_CLASS_HIGH:
      ok = try_nice (HIGH_NICE, out);
      break;
    case GST_GPU_OPT_CLASS_LOW:
      ok = try_nice (LOW_NICE, out);
      break;
    default:
      ok = TRUE;
      break;
  }
  if (!ok)
    out->how = "failed";
  {
    struct sched_param param;

    if (pthread_getschedparam (self, &out->policy, &param) != 0)
      out->policy = -1;
  }
}

/* Streaming thread (STREAM_STATUS LEAVE), no lock. */
void
gst_gpu_opt_priority_leave (void)
{
  if (!saved_sched.saved)
    return;
  if (pthread_setschedparam (
          pthread_self (), saved_sched.policy, &saved_sched.param)
      != 0)
    GST_DEBUG ("could not restore the scheduling policy of a task thread");
  if (setpriority (PRIO_PROCESS, thread_id (), saved_sched.nice) != 0)
    GST_DEBUG ("could not restore nice %d of a task thread: %s",
        saved_sched.nice, g_strerror (errno));
  saved_sched.saved = FALSE;
}
