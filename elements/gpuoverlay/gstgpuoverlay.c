/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * gpuoverlay: draws results on video.
 */

/**
 * SECTION:element-gpuoverlay
 * @title: gpuoverlay
 *
 * Draws the #GstVideoRegionOfInterestMeta of each frame on raw video: a box
 * outline per region, a label with the region's name and confidence above
 * it, and its keypoints as dots. Regions that carry a "detection" param
 * structure (what gpuunbatch output=frames attaches) give the label
 * (`label`), the confidence (`confidence`), the colour (`class-id`, through
 * #GstGpuOverlay:palette) and the keypoints (`keypoints`, x, y, x, y, ... in
 * frame pixels). Regions with a "classification" structure are whole-frame
 * classes: each becomes one line of text at the top-left corner instead of a
 * box. Regions from other elements, without params, get a box and their
 * roi_type as label.
 *
 * Drawing goes through cairo and pango into one ARGB rectangle covering what
 * was drawn, wrapped in a #GstVideoOverlayComposition. When downstream
 * accepts the `meta:GstVideoOverlayComposition` caps feature and lists the
 * composition meta in its ALLOCATION answer, the composition is attached to
 * the frame (the pixels stay untouched and downstream, e.g. a GL sink,
 * blends it); otherwise it is blended into the frame. Frames without
 * region-of-interest metas pass through as they are.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 gpubatch name=b keep-frames=true ! gpuinfer model=m.onnx \
 *     ! gpudecode ! gpuunbatch name=u output=frames \
 *     filesrc location=in.mp4 ! decodebin ! b.sink_0 \
 *     u.src_0 ! gpuoverlay line-width=3 ! videoconvert ! autovideosink
 * ]|
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <math.h>
#include <string.h>

#include <cairo.h>
#include <gst/video/video.h>
#include <pango/pangocairo.h>

#include "elements/gpuoverlay/gstgpuoverlay.h"

GST_DEBUG_CATEGORY_STATIC (gst_gpu_overlay_debug);
#define GST_CAT_DEFAULT gst_gpu_overlay_debug

enum {
  PROP_0,
  PROP_LINE_WIDTH,
  PROP_FONT_DESC,
  PROP_SHOW_LABELS,
  PROP_SHOW_CONFIDENCE,
  PROP_SHOW_KEYPOINTS,
  PROP_COLOR,
  PROP_PALETTE,
};

#define DEFAULT_LINE_WIDTH 2.0
#define DEFAULT_FONT_DESC "Sans 12"
#define DEFAULT_SHOW_LABELS TRUE
#define DEFAULT_SHOW_CONFIDENCE TRUE
#define DEFAULT_SHOW_KEYPOINTS TRUE
#define DEFAULT_COLOR 0

/* Tableau's ten categorical colours, opaque, 0xAARRGGBB */
static const guint32 default_palette[]
    = { 0xff1f77b4, 0xffff7f0e, 0xff2ca02c, 0xffd62728, 0xff9467bd, 0xff8c564b,
        0xffe377c2, 0xff7f7f7f, 0xffbcbd22, 0xff17becf };

/* space between a label's text and the edge of its background, pixels */
#define LABEL_PADDING 2.0

/* gst_video_overlay_composition_blend () handles all of these */
#define OVERLAY_FORMATS                                                        \
  "{ RGB, BGR, RGBA, BGRA, ARGB, ABGR, RGBx, BGRx, xRGB, xBGR, I420, YV12, "   \
  "NV12, NV21, Y444, Y42B, YUY2, UYVY, AYUV }"

#define META_FEATURES                                                          \
  GST_CAPS_FEATURE_MEMORY_SYSTEM_MEMORY                                        \
  ", " GST_CAPS_FEATURE_META_GST_VIDEO_OVERLAY_COMPOSITION

static GstStaticPadTemplate sink_template
    = GST_STATIC_PAD_TEMPLATE ("sink", GST_PAD_SINK, GST_PAD_ALWAYS,
        GST_STATIC_CAPS (GST_VIDEO_CAPS_MAKE (OVERLAY_FORMATS)));

static GstStaticPadTemplate src_template
    = GST_STATIC_PAD_TEMPLATE ("src", GST_PAD_SRC, GST_PAD_ALWAYS,
        GST_STATIC_CAPS (GST_VIDEO_CAPS_MAKE_WITH_FEATURES (META_FEATURES,
            OVERLAY_FORMATS) ";" GST_VIDEO_CAPS_MAKE (OVERLAY_FORMATS)));

struct _GstGpuOverlay
{
  GstBaseTransform parent;

  /* properties, under the object lock */
  gdouble line_width;
  gchar *font_desc;
  gboolean font_changed;
  gboolean show_labels;
  gboolean show_confidence;
  gboolean show_keypoints;
  guint32 color;
  GArray *palette; /* guint32 ARGB, never empty */

  /* set once downstream refused the composition meta: caps without the
   * feature are offered from then on, until the next start (atomic: caps
   * queries come from any thread) */
  gint blend_only;

  /* streaming thread */
  GstVideoInfo info;
  gboolean check_allocation;
  gboolean attach;
  PangoContext *context;
  PangoLayout *layout;
};

G_DEFINE_TYPE (GstGpuOverlay, gst_gpu_overlay, GST_TYPE_BASE_TRANSFORM);
GST_ELEMENT_REGISTER_DEFINE_WITH_CODE (gpuoverlay, "gpuoverlay", GST_RANK_NONE,
    GST_TYPE_GPU_OVERLAY,
    GST_DEBUG_CATEGORY_INIT (
        gst_gpu_overlay_debug, "gpuoverlay", 0, "draws results on video"));

static void gst_gpu_overlay_set_property (
    GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec);
static void gst_gpu_overlay_get_property (
    GObject *object, guint prop_id, GValue *value, GParamSpec *pspec);
static void gst_gpu_overlay_finalize (GObject *object);
static gboolean gst_gpu_overlay_start (GstBaseTransform *trans);
static gboolean gst_gpu_overlay_stop (GstBaseTransform *trans);
static GstCaps *gst_gpu_overlay_transform_caps (GstBaseTransform *trans,
    GstPadDirection direction, GstCaps *caps, GstCaps *filter);
static gboolean gst_gpu_overlay_set_caps (
    GstBaseTransform *trans, GstCaps *incaps, GstCaps *outcaps);
static GstFlowReturn gst_gpu_overlay_prepare_output_buffer (
    GstBaseTransform *trans, GstBuffer *inbuf, GstBuffer **outbuf);
static GstFlowReturn gst_gpu_overlay_transform_ip (
    GstBaseTransform *trans, GstBuffer *buf);

static void
gst_gpu_overlay_class_init (GstGpuOverlayClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);

  gobject_class->set_property = gst_gpu_overlay_set_property;
  gobject_class->get_property = gst_gpu_overlay_get_property;
  gobject_class->finalize = gst_gpu_overlay_finalize;

  /**
   * GstGpuOverlay:line-width:
   *
   * Width of the box outlines, in pixels; keypoint dots have this radius
   * (at least 2 pixels). Default 2.
   */
  g_object_class_install_property (gobject_class, PROP_LINE_WIDTH,
      g_param_spec_double ("line-width", "Line width",
          "Width of box outlines in pixels; also the radius of keypoint dots "
          "(at least 2 pixels) (default: 2)",
          0.5, 64.0, DEFAULT_LINE_WIDTH,
          G_PARAM_READWRITE | GST_PARAM_MUTABLE_PLAYING
              | G_PARAM_STATIC_STRINGS));

  /**
   * GstGpuOverlay:font-desc:
   *
   * Pango font description of the labels, e.g. "Sans Bold 16"; the size is
   * in points at 72 dpi, i.e. in pixels of the frame. Default "Sans 12".
   */
  g_object_class_install_property (gobject_class, PROP_FONT_DESC,
      g_param_spec_string ("font-desc", "Font description",
          "Pango font description of the labels, e.g. \"Sans Bold 16\"; the "
          "size is in pixels of the frame (default: \"Sans 12\")",
          DEFAULT_FONT_DESC,
          G_PARAM_READWRITE | GST_PARAM_MUTABLE_PLAYING
              | G_PARAM_STATIC_STRINGS));

  /**
   * GstGpuOverlay:show-labels:
   *
   * Write each region's label (or roi_type). Default TRUE.
   */
  g_object_class_install_property (gobject_class, PROP_SHOW_LABELS,
      g_param_spec_boolean ("show-labels", "Show labels",
          "Write each region's label (its roi_type without a label) "
          "(default: true)",
          DEFAULT_SHOW_LABELS,
          G_PARAM_READWRITE | GST_PARAM_MUTABLE_PLAYING
              | G_PARAM_STATIC_STRINGS));

  /**
   * GstGpuOverlay:show-confidence:
   *
   * Write each region's confidence (two decimals) after its label. Default
   * TRUE.
   */
  g_object_class_install_property (gobject_class, PROP_SHOW_CONFIDENCE,
      g_param_spec_boolean ("show-confidence", "Show confidence",
          "Write each region's confidence (0 to 1, two decimals) after its "
          "label (default: true)",
          DEFAULT_SHOW_CONFIDENCE,
          G_PARAM_READWRITE | GST_PARAM_MUTABLE_PLAYING
              | G_PARAM_STATIC_STRINGS));

  /**
   * GstGpuOverlay:show-keypoints:
   *
   * Draw the keypoints of "detection" regions as dots. Default TRUE.
   */
  g_object_class_install_property (gobject_class, PROP_SHOW_KEYPOINTS,
      g_param_spec_boolean ("show-keypoints", "Show keypoints",
          "Draw the keypoints of detections as dots (default: true)",
          DEFAULT_SHOW_KEYPOINTS,
          G_PARAM_READWRITE | GST_PARAM_MUTABLE_PLAYING
              | G_PARAM_STATIC_STRINGS));

  /**
   * GstGpuOverlay:color:
   *
   * One colour for everything, as 0xAARRGGBB; 0 (the default) colours each
   * region by its class through #GstGpuOverlay:palette.
   */
  g_object_class_install_property (gobject_class, PROP_COLOR,
      g_param_spec_uint ("color", "Color",
          "One colour for every region as 0xAARRGGBB; 0 colours each region "
          "by class id from the palette (default: 0)",
          0, G_MAXUINT32, DEFAULT_COLOR,
          G_PARAM_READWRITE | GST_PARAM_MUTABLE_PLAYING
              | G_PARAM_STATIC_STRINGS));

  /**
   * GstGpuOverlay:palette:
   *
   * Colours by class, 0xAARRGGBB each: class id N is drawn in entry N modulo
   * the palette's length; regions without a class id pick an entry from a
   * hash of their roi_type. Default: ten opaque categorical colours; an
   * empty array restores them.
   */
  g_object_class_install_property (gobject_class, PROP_PALETTE,
      gst_param_spec_array ("palette", "Palette",
          "Colours by class as 0xAARRGGBB: class id N uses entry N modulo "
          "the length (default: ten categorical colours; empty restores "
          "them)",
          g_param_spec_uint ("color", "Color", "A colour as 0xAARRGGBB", 0,
              G_MAXUINT32, 0, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS),
          G_PARAM_READWRITE | GST_PARAM_MUTABLE_PLAYING
              | G_PARAM_STATIC_STRINGS));

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class, "Result overlay",
      "Filter/Editor/Video",
      "Draws the boxes, labels, scores and keypoints of region-of-interest "
      "metadata on raw video",
      "gst-gpustream");

  trans_class->start = GST_DEBUG_FUNCPTR (gst_gpu_overlay_start);
  trans_class->stop = GST_DEBUG_FUNCPTR (gst_gpu_overlay_stop);
  trans_class->transform_caps
      = GST_DEBUG_FUNCPTR (gst_gpu_overlay_transform_caps);
  trans_class->set_caps = GST_DEBUG_FUNCPTR (gst_gpu_overlay_set_caps);
  trans_class->prepare_output_buffer
      = GST_DEBUG_FUNCPTR (gst_gpu_overlay_prepare_output_buffer);
  trans_class->transform_ip = GST_DEBUG_FUNCPTR (gst_gpu_overlay_transform_ip);
  trans_class->passthrough_on_same_caps = FALSE;
}

static void
set_default_palette (GstGpuOverlay *self)
{
  g_array_set_size (self->palette, 0);
  g_array_append_vals (
      self->palette, default_palette, G_N_ELEMENTS (default_palette));
}

static void
gst_gpu_overlay_init (GstGpuOverlay *self)
{
  self->line_width = DEFAULT_LINE_WIDTH;
  self->font_desc = g_strdup (DEFAULT_FONT_DESC);
  self->font_changed = TRUE;
  self->show_labels = DEFAULT_SHOW_LABELS;
  self->show_confidence = DEFAULT_SHOW_CONFIDENCE;
  self->show_keypoints = DEFAULT_SHOW_KEYPOINTS;
  self->color = DEFAULT_COLOR;
  self->palette = g_array_new (FALSE, FALSE, sizeof (guint32));
  set_default_palette (self);
  gst_video_info_init (&self->info);
  gst_base_transform_set_in_place (GST_BASE_TRANSFORM (self), TRUE);
}

/* application thread; takes the object lock */
static void
gst_gpu_overlay_set_property (
    GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  GstGpuOverlay *self = GST_GPU_OVERLAY (object);
  guint i;

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_LINE_WIDTH:
      self->line_width = g_value_get_double (value);
      break;
    case PROP_FONT_DESC:
      g_free (self->font_desc);
      self->font_desc = g_value_dup_string (value);
      if (self->font_desc == NULL)
        self->font_desc = g_strdup (DEFAULT_FONT_DESC);
      self->font_changed = TRUE;
      break;
    case PROP_SHOW_LABELS:
      self->show_labels = g_value_get_boolean (value);
      break;
    case PROP_SHOW_CONFIDENCE:
      self->show_confidence = g_value_get_boolean (value);
      break;
    case PROP_SHOW_KEYPOINTS:
      self->show_keypoints = g_value_get_boolean (value);
      break;
    case PROP_COLOR:
      self->color = g_value_get_uint (value);
      break;
    case PROP_PALETTE:
      g_array_set_size (self->palette, 0);
      for (i = 0; i < gst_value_array_get_size (value); i++) {
        guint32 c = g_value_get_uint (gst_value_array_get_value (value, i));
        g_array_append_val (self->palette, c);
      }
      if (self->palette->len == 0)
        set_default_palette (self);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

/* application thread; takes the object lock */
static void
gst_gpu_overlay_get_property (
    GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  GstGpuOverlay *self = GST_GPU_OVERLAY (object);
  GValue v = G_VALUE_INIT;
  guint i;

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_LINE_WIDTH:
      g_value_set_double (value, self->line_width);
      break;
    case PROP_FONT_DESC:
      g_value_set_string (value, self->font_desc);
      break;
    case PROP_SHOW_LABELS:
      g_value_set_boolean (value, self->show_labels);
      break;
    case PROP_SHOW_CONFIDENCE:
      g_value_set_boolean (value, self->show_confidence);
      break;
    case PROP_SHOW_KEYPOINTS:
      g_value_set_boolean (value, self->show_keypoints);
      break;
    case PROP_COLOR:
      g_value_set_uint (value, self->color);
      break;
    case PROP_PALETTE:
      g_value_init (&v, G_TYPE_UINT);
      for (i = 0; i < self->palette->len; i++) {
        g_value_set_uint (&v, g_array_index (self->palette, guint32, i));
        gst_value_array_append_value (value, &v);
      }
      g_value_unset (&v);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_gpu_overlay_finalize (GObject *object)
{
  GstGpuOverlay *self = GST_GPU_OVERLAY (object);

  g_free (self->font_desc);
  g_array_unref (self->palette);

  G_OBJECT_CLASS (gst_gpu_overlay_parent_class)->finalize (object);
}

/* streaming off (state change thread) */
static gboolean
gst_gpu_overlay_start (GstBaseTransform *trans)
{
  GstGpuOverlay *self = GST_GPU_OVERLAY (trans);
  PangoFontMap *fontmap;

  fontmap = pango_cairo_font_map_new ();
  self->context = pango_font_map_create_context (fontmap);
  g_object_unref (fontmap);
  /* 72 dpi: a font size in points is a size in frame pixels */
  pango_cairo_context_set_resolution (self->context, 72.0);
  self->layout = pango_layout_new (self->context);

  GST_OBJECT_LOCK (self);
  self->font_changed = TRUE;
  GST_OBJECT_UNLOCK (self);
  g_atomic_int_set (&self->blend_only, FALSE);
  self->check_allocation = FALSE;
  self->attach = FALSE;
  return TRUE;
}

/* streaming off (state change thread) */
static gboolean
gst_gpu_overlay_stop (GstBaseTransform *trans)
{
  GstGpuOverlay *self = GST_GPU_OVERLAY (trans);

  g_clear_object (&self->layout);
  g_clear_object (&self->context);
  return TRUE;
}

/* TRUE when @features are in system memory (no memory feature, or
 * memory:SystemMemory), whatever meta features they carry */
static gboolean
features_are_system_memory (GstCapsFeatures *features)
{
  guint i;

  if (gst_caps_features_is_any (features))
    return TRUE;
  for (i = 0; i < gst_caps_features_get_size (features); i++) {
    const gchar *f = gst_caps_features_get_nth (features, i);

    if (g_str_has_prefix (f, "memory:")
        && strcmp (f, GST_CAPS_FEATURE_MEMORY_SYSTEM_MEMORY) != 0)
      return FALSE;
  }
  return TRUE;
}

/* any thread (caps queries); sink caps map to the same caps with the
 * composition feature first, then without; src caps map to the same
 * caps without it */
static GstCaps *
gst_gpu_overlay_transform_caps (GstBaseTransform *trans,
    GstPadDirection direction, GstCaps *caps, GstCaps *filter)
{
  GstGpuOverlay *self = GST_GPU_OVERLAY (trans);
  gboolean offer_meta
      = direction == GST_PAD_SINK && !g_atomic_int_get (&self->blend_only);
  GstCaps *ret = gst_caps_new_empty ();
  guint i;

  for (i = 0; i < gst_caps_get_size (caps); i++) {
    const GstStructure *s = gst_caps_get_structure (caps, i);

    if (!features_are_system_memory (gst_caps_get_features (caps, i)))
      continue;
    if (offer_meta)
      ret = gst_caps_merge_structure_full (ret, gst_structure_copy (s),
          gst_caps_features_from_string (META_FEATURES));
    ret = gst_caps_merge_structure_full (ret, gst_structure_copy (s),
        gst_caps_features_new (GST_CAPS_FEATURE_MEMORY_SYSTEM_MEMORY, NULL));
  }

  if (filter != NULL) {
    GstCaps *tmp
        = gst_caps_intersect_full (filter, ret, GST_CAPS_INTERSECT_FIRST);

    gst_caps_unref (ret);
    ret = tmp;
  }
  GST_DEBUG_OBJECT (self, "%s %" GST_PTR_FORMAT " -> %" GST_PTR_FORMAT,
      direction == GST_PAD_SINK ? "sink" : "src", caps, ret);
  return ret;
}

/* streaming thread (CAPS event) */
static gboolean
gst_gpu_overlay_set_caps (
    GstBaseTransform *trans, GstCaps *incaps, GstCaps *outcaps)
{
  GstGpuOverlay *self = GST_GPU_OVERLAY (trans);

  if (!gst_video_info_from_caps (&self->info, incaps))
    goto invalid_caps;

  /* in place, GstBaseTransform sends no ALLOCATION query: whether
   * downstream takes the meta is asked before the first frame, once the
   * output caps are set */
  self->attach = FALSE;
  self->check_allocation
      = gst_caps_features_contains (gst_caps_get_features (outcaps, 0),
          GST_CAPS_FEATURE_META_GST_VIDEO_OVERLAY_COMPOSITION);
  return TRUE;

  /* ERRORS */
invalid_caps:
  GST_WARNING_OBJECT (self, "not video caps: %" GST_PTR_FORMAT, incaps);
  return FALSE;
}

/* streaming thread: TRUE when the peer of the source pad lists the
 * composition meta in its answer to an ALLOCATION query for the current
 * output caps */
static gboolean
downstream_takes_meta (GstGpuOverlay *self)
{
  GstPad *srcpad = GST_BASE_TRANSFORM_SRC_PAD (self);
  GstCaps *caps = gst_pad_get_current_caps (srcpad);
  GstQuery *query;
  gboolean ret;

  if (caps == NULL)
    return FALSE;
  query = gst_query_new_allocation (caps, FALSE);
  ret = gst_pad_peer_query (srcpad, query)
        && gst_query_find_allocation_meta (
            query, GST_VIDEO_OVERLAY_COMPOSITION_META_API_TYPE, NULL);
  gst_query_unref (query);
  gst_caps_unref (caps);
  return ret;
}

/* streaming thread: frames with nothing to draw are passed on as they
 * are, not made writable */
static GstFlowReturn
gst_gpu_overlay_prepare_output_buffer (
    GstBaseTransform *trans, GstBuffer *inbuf, GstBuffer **outbuf)
{
  if (gst_buffer_get_video_region_of_interest_meta (inbuf) == NULL) {
    *outbuf = inbuf;
    return GST_FLOW_OK;
  }
  return GST_BASE_TRANSFORM_CLASS (gst_gpu_overlay_parent_class)
      ->prepare_output_buffer (trans, inbuf, outbuf);
}

static void
set_source_argb (cairo_t *cr, guint32 argb)
{
  cairo_set_source_rgba (cr, ((argb >> 16) & 0xff) / 255.0,
      ((argb >> 8) & 0xff) / 255.0, (argb & 0xff) / 255.0,
      ((argb >> 24) & 0xff) / 255.0);
}

/* the colour of a region, with the object lock held */
static guint32
roi_color (GstGpuOverlay *self, const GstVideoRegionOfInterestMeta *roi,
    const GstStructure *params)
{
  gint class_id;
  guint index;

  if (self->color != 0)
    return self->color;
  if (params != NULL && gst_structure_get_int (params, "class-id", &class_id))
    index = (guint)class_id; /* a negative id still picks an entry */
  else
    index = g_str_hash (g_quark_to_string (roi->roi_type));
  return g_array_index (self->palette, guint32, index % self->palette->len);
}

/* the text of a region's label, NULL for none; with the object lock held.
 * Returns (transfer full). */
static gchar *
roi_text (GstGpuOverlay *self, const GstVideoRegionOfInterestMeta *roi,
    const GstStructure *params)
{
  GString *text = g_string_new (NULL);
  const gchar *label = NULL;
  gdouble confidence;

  if (self->show_labels) {
    if (params != NULL)
      label = gst_structure_get_string (params, "label");
    if (label == NULL)
      label = g_quark_to_string (roi->roi_type);
    if (label != NULL) {
      /* upstream's bytes: pango takes only valid UTF-8 */
      gchar *valid = g_utf8_make_valid (label, -1);

      g_string_append (text, valid);
      g_free (valid);
    }
  }
  if (self->show_confidence && params != NULL
      && gst_structure_get_double (params, "confidence", &confidence))
    g_string_append_printf (
        text, "%s%.2f", text->len > 0 ? " " : "", confidence);

  if (text->len == 0) {
    g_string_free (text, TRUE);
    return NULL;
  }
  return g_string_free (text, FALSE);
}

/* Draws @text on a background of @color with its top-left corner at
 * (@x, @y), or with its bottom at @y when @above; a label that would leave
 * the top of the frame goes below @y instead. Returns the label's height. */
static gdouble
draw_label (GstGpuOverlay *self, cairo_t *cr, const gchar *text, gdouble x,
    gdouble y, gboolean above, guint32 color)
{
  PangoRectangle logical;
  gdouble w, h, luma;

  pango_layout_set_text (self->layout, text, -1);
  pango_layout_get_pixel_extents (self->layout, NULL, &logical);
  w = logical.width + 2 * LABEL_PADDING;
  h = logical.height + 2 * LABEL_PADDING;
  if (above && y - h >= 0)
    y -= h;

  set_source_argb (cr, color);
  cairo_rectangle (cr, x, y, w, h);
  cairo_fill (cr);

  /* black on light colours, white on dark ones */
  luma = 0.299 * ((color >> 16) & 0xff) + 0.587 * ((color >> 8) & 0xff)
         + 0.114 * (color & 0xff);
  if (luma > 140)
    cairo_set_source_rgb (cr, 0, 0, 0);
  else
    cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_move_to (
      cr, x + LABEL_PADDING - logical.x, y + LABEL_PADDING - logical.y);
  pango_cairo_show_layout (cr, self->layout);
  return h;
}

/* cairo's 24.8 fixed point wraps around far from the frame: coordinates
 * are kept within this many pixels of it, which changes nothing visible */
#define FAR_OUTSIDE 65536.0

static gdouble
near_frame (gdouble v, gint size)
{
  return CLAMP (v, -FAR_OUTSIDE, size + FAR_OUTSIDE);
}

/* dots at the (x, y) pairs of a "keypoints" array; anything but finite
 * doubles is skipped */
static void
draw_keypoints (
    cairo_t *cr, const GValue *points, gdouble radius, const GstVideoInfo *info)
{
  guint i, n;

  if (points == NULL || !GST_VALUE_HOLDS_ARRAY (points))
    return;
  n = gst_value_array_get_size (points);
  for (i = 0; i + 1 < n; i += 2) {
    const GValue *x = gst_value_array_get_value (points, i);
    const GValue *y = gst_value_array_get_value (points, i + 1);

    if (!G_VALUE_HOLDS_DOUBLE (x) || !G_VALUE_HOLDS_DOUBLE (y)
        || !isfinite (g_value_get_double (x))
        || !isfinite (g_value_get_double (y)))
      continue;
    cairo_new_sub_path (cr);
    cairo_arc (cr,
        near_frame (g_value_get_double (x), GST_VIDEO_INFO_WIDTH (info)),
        near_frame (g_value_get_double (y), GST_VIDEO_INFO_HEIGHT (info)),
        radius, 0, 2 * G_PI);
  }
  cairo_fill (cr);
}

/* Draws one region; @class_y is where the next whole-frame class line
 * goes. With the object lock held. */
static void
draw_roi (GstGpuOverlay *self, cairo_t *cr,
    const GstVideoRegionOfInterestMeta *roi, gdouble *class_y)
{
  const GstStructure *params;
  gboolean whole_frame = FALSE;
  gint width = GST_VIDEO_INFO_WIDTH (&self->info);
  gint height = GST_VIDEO_INFO_HEIGHT (&self->info);
  gdouble lw = self->line_width, x0, y0, x1, y1;
  guint32 color;
  gchar *text;

  params = gst_video_region_of_interest_meta_get_param (
      (GstVideoRegionOfInterestMeta *)roi, "detection");
  if (params == NULL) {
    params = gst_video_region_of_interest_meta_get_param (
        (GstVideoRegionOfInterestMeta *)roi, "classification");
    whole_frame = params != NULL;
  }
  color = roi_color (self, roi, params);
  text = roi_text (self, roi, params);

  if (whole_frame) {
    if (text != NULL)
      *class_y += draw_label (self, cr, text, 0, *class_y, FALSE, color);
    g_free (text);
    return;
  }

  x0 = near_frame (roi->x, width);
  y0 = near_frame (roi->y, height);
  x1 = near_frame ((gdouble)roi->x + roi->w, width);
  y1 = near_frame ((gdouble)roi->y + roi->h, height);
  set_source_argb (cr, color);
  cairo_set_line_width (cr, lw);
  cairo_rectangle (cr, x0, y0, x1 - x0, y1 - y0);
  cairo_stroke (cr);
  if (self->show_keypoints && params != NULL)
    draw_keypoints (cr, gst_structure_get_value (params, "keypoints"),
        MAX (2.0, lw), &self->info);
  if (text != NULL)
    draw_label (self, cr, text, x0 - lw / 2, y0 - lw / 2, TRUE, color);
  g_free (text);
}

/* The drawing of @recording as a rectangle covering only what was drawn,
 * NULL when nothing visible was. Returns (transfer full). */
static GstVideoOverlayRectangle *
recording_to_rectangle (cairo_surface_t *recording, const GstVideoInfo *info)
{
  gint width = GST_VIDEO_INFO_WIDTH (info);
  gint height = GST_VIDEO_INFO_HEIGHT (info);
  GstVideoOverlayRectangle *rect;
  cairo_surface_t *image;
  gdouble ex, ey, ew, eh;
  gint x0, y0, x1, y1;
  GstBuffer *pixels;
  GstMapInfo map;
  cairo_t *cr;

  cairo_recording_surface_ink_extents (recording, &ex, &ey, &ew, &eh);
  x0 = CLAMP ((gint)floor (ex), 0, width);
  y0 = CLAMP ((gint)floor (ey), 0, height);
  x1 = CLAMP ((gint)ceil (ex + ew), 0, width);
  y1 = CLAMP ((gint)ceil (ey + eh), 0, height);
  if (x1 <= x0 || y1 <= y0)
    return NULL;

  pixels
      = gst_buffer_new_allocate (NULL, (gsize)(x1 - x0) * (y1 - y0) * 4, NULL);
  gst_buffer_map (pixels, &map, GST_MAP_WRITE);
  memset (map.data, 0, map.size);
  image = cairo_image_surface_create_for_data (
      map.data, CAIRO_FORMAT_ARGB32, x1 - x0, y1 - y0, (x1 - x0) * 4);
  cr = cairo_create (image);
  cairo_set_source_surface (cr, recording, -x0, -y0);
  cairo_paint (cr);
  cairo_destroy (cr);
  cairo_surface_flush (image);
  cairo_surface_destroy (image);
  gst_buffer_unmap (pixels, &map);

  /* cairo's ARGB32 is premultiplied, native-endian: what the composition
   * calls its RGB format */
  gst_buffer_add_video_meta (pixels, GST_VIDEO_FRAME_FLAG_NONE,
      GST_VIDEO_OVERLAY_COMPOSITION_FORMAT_RGB, x1 - x0, y1 - y0);
  rect = gst_video_overlay_rectangle_new_raw (pixels, x0, y0, x1 - x0, y1 - y0,
      GST_VIDEO_OVERLAY_FORMAT_FLAG_PREMULTIPLIED_ALPHA);
  gst_buffer_unref (pixels);
  return rect;
}

/* Draws every region of @buf, one rectangle each (so that regions far
 * apart do not make one large rectangle to render and blend), after the
 * rectangles of @upstream when not NULL. Returns (transfer full): the
 * composition, NULL when nothing was drawn. Streaming thread; takes the
 * object lock. */
static GstVideoOverlayComposition *
render (
    GstGpuOverlay *self, GstBuffer *buf, GstVideoOverlayComposition *upstream)
{
  cairo_rectangle_t frame = { 0, 0, GST_VIDEO_INFO_WIDTH (&self->info),
    GST_VIDEO_INFO_HEIGHT (&self->info) };
  GstVideoOverlayComposition *comp = NULL;
  GstVideoRegionOfInterestMeta *roi;
  GstVideoOverlayRectangle *rect;
  gdouble class_y = 0;
  gpointer state = NULL;
  guint i;

  GST_OBJECT_LOCK (self);
  if (self->font_changed) {
    PangoFontDescription *desc
        = pango_font_description_from_string (self->font_desc);

    pango_layout_set_font_description (self->layout, desc);
    pango_font_description_free (desc);
    self->font_changed = FALSE;
  }
  while (
      (roi = (GstVideoRegionOfInterestMeta *)gst_buffer_iterate_meta_filtered (
           buf, &state, GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))) {
    /* record first: the image needs to cover only what was drawn */
    cairo_surface_t *recording
        = cairo_recording_surface_create (CAIRO_CONTENT_COLOR_ALPHA, &frame);
    cairo_t *cr = cairo_create (recording);

    pango_cairo_update_layout (cr, self->layout);
    draw_roi (self, cr, roi, &class_y);
    cairo_destroy (cr);
    rect = recording_to_rectangle (recording, &self->info);
    cairo_surface_destroy (recording);
    if (rect == NULL)
      continue;

    if (comp == NULL) {
      comp = gst_video_overlay_composition_new (NULL);
      for (i = 0; upstream != NULL
                  && i < gst_video_overlay_composition_n_rectangles (upstream);
           i++)
        gst_video_overlay_composition_add_rectangle (
            comp, gst_video_overlay_composition_get_rectangle (upstream, i));
    }
    gst_video_overlay_composition_add_rectangle (comp, rect);
    gst_video_overlay_rectangle_unref (rect);
  }
  GST_OBJECT_UNLOCK (self);
  return comp;
}

/* streaming thread */
static GstFlowReturn
gst_gpu_overlay_transform_ip (GstBaseTransform *trans, GstBuffer *buf)
{
  GstGpuOverlay *self = GST_GPU_OVERLAY (trans);
  GstVideoOverlayCompositionMeta *upstream;
  GstVideoOverlayComposition *comp;
  GstVideoFrame frame;

  if (gst_buffer_get_video_region_of_interest_meta (buf) == NULL)
    return GST_FLOW_OK;

  if (self->check_allocation) {
    self->check_allocation = FALSE;
    self->attach = downstream_takes_meta (self);
    if (!self->attach) {
      /* accepted the caps feature but not the meta (fakesink, appsink):
       * blend, and negotiate caps without the feature from the next frame */
      GST_DEBUG_OBJECT (self, "downstream does not take the meta: blending");
      g_atomic_int_set (&self->blend_only, TRUE);
      gst_base_transform_reconfigure_src (trans);
    }
  }

  if (self->attach) {
    /* upstream's composition keeps its rectangles (the same objects),
     * ours go after them */
    upstream = gst_buffer_get_video_overlay_composition_meta (buf);
    comp = render (self, buf, upstream ? upstream->overlay : NULL);
    if (comp == NULL)
      return GST_FLOW_OK;
    if (upstream != NULL)
      gst_buffer_remove_video_overlay_composition_meta (buf, upstream);
    gst_buffer_add_video_overlay_composition_meta (buf, comp);
    gst_video_overlay_composition_unref (comp);
    return GST_FLOW_OK;
  }

  comp = render (self, buf, NULL);
  if (comp == NULL)
    return GST_FLOW_OK;
  if (!gst_video_frame_map (&frame, &self->info, buf, GST_MAP_READWRITE))
    goto map_failed;
  gst_video_overlay_composition_blend (comp, &frame);
  gst_video_frame_unmap (&frame);
  gst_video_overlay_composition_unref (comp);
  return GST_FLOW_OK;

  /* ERRORS */
map_failed:
  gst_video_overlay_composition_unref (comp);
  GST_ELEMENT_ERROR (self, STREAM, FAILED,
      ("Could not write the drawing into a video frame."),
      ("mapping a %s %dx%d frame of %" G_GSIZE_FORMAT " bytes for writing "
       "failed",
          GST_VIDEO_INFO_NAME (&self->info), GST_VIDEO_INFO_WIDTH (&self->info),
          GST_VIDEO_INFO_HEIGHT (&self->info), gst_buffer_get_size (buf)));
  return GST_FLOW_ERROR;
}
