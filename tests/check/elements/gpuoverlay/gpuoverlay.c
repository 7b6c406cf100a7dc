/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * gpuoverlay: frames with known region-of-interest metas go in; pixels may
 * change only on the boxes' outlines, their labels and keypoints, and do on
 * every outline; the composition meta path, caps and clipping.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <math.h>
#include <string.h>

#include <glib/gstdio.h>
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/video/video.h>
#include <pango/pangocairo.h>

#include "gst/gstgpuresultsmeta.h"

#define WIDTH 160
#define HEIGHT 120
#define FILL 40
/* the element's defaults: 2-pixel lines, "Sans 12" at 72 dpi, labels
 * padded by 2 pixels */
#define LINE_WIDTH 2
#define FONT "Sans 12"
#define PADDING 2
/* antialiasing and chroma subsampling reach this far past a shape */
#define SLACK 3

typedef struct
{
  gint x, y, w, h;
} Rect;

/* what frames carry: a detection with keypoints, a plain region from some
 * other element, a whole-frame class */
static const Rect face = { 30, 40, 50, 40 };
static const gdouble face_keypoints[] = { 45, 55, 65, 55 };
static const Rect car = { 100, 70, 40, 30 };

static const gchar *formats[] = { "RGB", "BGR", "RGBA", "BGRA", "ARGB", "ABGR",
  "RGBx", "BGRx", "xRGB", "xBGR", "I420", "YV12", "NV12", "NV21", "Y444",
  "Y42B", "YUY2", "UYVY", "AYUV" };

static gchar *
caps_string (const gchar *features, const gchar *format)
{
  return g_strdup_printf ("video/x-raw%s%s%s, format=%s, width=%d, "
                          "height=%d, framerate=30/1",
      features ? "(" : "", features ? features : "", features ? ")" : "",
      format, WIDTH, HEIGHT);
}

static void
set_caps (GstHarness *h, const gchar *format, const gchar *out_features)
{
  gchar *in = caps_string (NULL, format);
  gchar *out = caps_string (out_features, format);

  gst_harness_set_caps_str (h, in, out);
  g_free (in);
  g_free (out);
}

static GstBuffer *
make_frame (const gchar *format, gboolean random)
{
  GstVideoInfo info;
  GstBuffer *buf;
  GstMapInfo map;
  GRand *rand = g_rand_new_with_seed (7);
  gsize i;

  gst_video_info_set_format (
      &info, gst_video_format_from_string (format), WIDTH, HEIGHT);
  buf = gst_buffer_new_allocate (NULL, info.size, NULL);
  gst_buffer_add_video_meta_full (buf, GST_VIDEO_FRAME_FLAG_NONE,
      GST_VIDEO_INFO_FORMAT (&info), WIDTH, HEIGHT,
      GST_VIDEO_INFO_N_PLANES (&info), info.offset, info.stride);
  gst_buffer_map (buf, &map, GST_MAP_WRITE);
  for (i = 0; i < map.size; i++)
    map.data[i] = random ? g_rand_int_range (rand, 0, 256) : FILL;
  gst_buffer_unmap (buf, &map);
  g_rand_free (rand);
  return buf;
}

static void
add_detection (GstBuffer *buf, const Rect *r, const gchar *label, gint class_id,
    gdouble confidence, const gdouble *keypoints, guint n_keypoints)
{
  GstVideoRegionOfInterestMeta *roi;
  GstStructure *s;
  GValue points = G_VALUE_INIT, v = G_VALUE_INIT;
  guint i;

  roi = gst_buffer_add_video_region_of_interest_meta (
      buf, label, r->x, r->y, r->w, r->h);
  s = gst_structure_new ("detection", "confidence", G_TYPE_DOUBLE, confidence,
      "class-id", G_TYPE_INT, class_id, "label", G_TYPE_STRING, label, NULL);
  if (n_keypoints > 0) {
    g_value_init (&points, GST_TYPE_ARRAY);
    g_value_init (&v, G_TYPE_DOUBLE);
    for (i = 0; i < 2 * n_keypoints; i++) {
      g_value_set_double (&v, keypoints[i]);
      gst_value_array_append_value (&points, &v);
    }
    g_value_unset (&v);
    gst_structure_take_value (s, "keypoints", &points);
  }
  gst_video_region_of_interest_meta_add_param (roi, s);
}

static void
add_classification (GstBuffer *buf, const gchar *label, gdouble confidence)
{
  GstVideoRegionOfInterestMeta *roi;

  roi = gst_buffer_add_video_region_of_interest_meta (
      buf, label, 0, 0, WIDTH, HEIGHT);
  gst_video_region_of_interest_meta_add_param (
      roi, gst_structure_new ("classification", "confidence", G_TYPE_DOUBLE,
               confidence, "class-id", G_TYPE_INT, 3, "label", G_TYPE_STRING,
               label, NULL));
}

/* the frame every drawing test sends: face (detection, 2 keypoints), car
 * (plain region), cat (whole-frame class) */
static GstBuffer *
make_annotated_frame (const gchar *format)
{
  GstBuffer *buf = make_frame (format, FALSE);

  add_detection (buf, &face, "face", 1, 0.87, face_keypoints, 2);
  gst_buffer_add_video_region_of_interest_meta (
      buf, "car", car.x, car.y, car.w, car.h);
  add_classification (buf, "cat", 0.5);
  return buf;
}

/* The size of a label's background: text measured with pango as the
 * element lays it out, plus padding. */
static void
label_size (const gchar *text, gint *w, gint *h)
{
  PangoFontMap *fontmap = pango_cairo_font_map_new ();
  PangoContext *context = pango_font_map_create_context (fontmap);
  PangoLayout *layout;
  PangoFontDescription *desc = pango_font_description_from_string (FONT);
  PangoRectangle logical;

  pango_cairo_context_set_resolution (context, 72.0);
  layout = pango_layout_new (context);
  pango_layout_set_font_description (layout, desc);
  pango_layout_set_text (layout, text, -1);
  pango_layout_get_pixel_extents (layout, NULL, &logical);
  *w = logical.width + 2 * PADDING;
  *h = logical.height + 2 * PADDING;
  pango_font_description_free (desc);
  g_object_unref (layout);
  g_object_unref (context);
  g_object_unref (fontmap);
}

/* where the annotated frame may change */
typedef struct
{
  Rect r[16];
  guint n;
} Allowed;

static void
allow (Allowed *a, gint x0, gint y0, gint x1, gint y1)
{
  Rect r = { x0 - SLACK, y0 - SLACK, x1 - x0 + 2 * SLACK, y1 - y0 + 2 * SLACK };

  g_assert (a->n < G_N_ELEMENTS (a->r));
  a->r[a->n++] = r;
}

/* a box's outline (stroked on its edges) and its label above it */
static void
allow_box (Allowed *a, const Rect *b, const gchar *text)
{
  gint m = LINE_WIDTH / 2, w, h;

  allow (a, b->x - m, b->y - m, b->x + b->w + m, b->y + m);
  allow (a, b->x - m, b->y + b->h - m, b->x + b->w + m, b->y + b->h + m);
  allow (a, b->x - m, b->y - m, b->x + m, b->y + b->h + m);
  allow (a, b->x + b->w - m, b->y - m, b->x + b->w + m, b->y + b->h + m);
  if (text != NULL) {
    label_size (text, &w, &h);
    allow (a, b->x - m, b->y - m - h, b->x - m + w, b->y - m);
  }
}

static void
allow_keypoints (Allowed *a, const gdouble *points, guint n)
{
  gint r = MAX (2, LINE_WIDTH);
  guint i;

  for (i = 0; i < n; i++)
    allow (a, points[2 * i] - r, points[2 * i + 1] - r, points[2 * i] + r,
        points[2 * i + 1] + r);
}

static gboolean
is_allowed (const Allowed *a, gint x, gint y)
{
  guint i;

  for (i = 0; i < a->n; i++)
    if (x >= a->r[i].x && x < a->r[i].x + a->r[i].w && y >= a->r[i].y
        && y < a->r[i].y + a->r[i].h)
      return TRUE;
  return FALSE;
}

/* Compares two frames component by component. Returns how many samples
 * differ outside @allowed (NULL: anywhere). */
static guint
compare (GstVideoFrame *in, GstVideoFrame *out, const Allowed *allowed)
{
  const GstVideoFormatInfo *finfo = in->info.finfo;
  guint c, bad = 0;
  gint i, j;

  for (c = 0; c < GST_VIDEO_FORMAT_INFO_N_COMPONENTS (finfo); c++) {
    gint ps = GST_VIDEO_FRAME_COMP_PSTRIDE (in, c);
    gint ws = GST_VIDEO_FORMAT_INFO_W_SUB (finfo, c);
    gint hs = GST_VIDEO_FORMAT_INFO_H_SUB (finfo, c);

    for (j = 0; j < GST_VIDEO_FRAME_COMP_HEIGHT (in, c); j++) {
      const guint8 *a = (const guint8 *)GST_VIDEO_FRAME_COMP_DATA (in, c)
                        + j * GST_VIDEO_FRAME_COMP_STRIDE (in, c);
      const guint8 *b = (const guint8 *)GST_VIDEO_FRAME_COMP_DATA (out, c)
                        + j * GST_VIDEO_FRAME_COMP_STRIDE (out, c);

      for (i = 0; i < GST_VIDEO_FRAME_COMP_WIDTH (in, c); i++) {
        if (a[i * ps] == b[i * ps])
          continue;
        if (allowed == NULL || !is_allowed (allowed, i << ws, j << hs))
          bad++;
      }
    }
  }
  return bad;
}

/* TRUE when some component of frame pixel (@x, @y) differs */
static gboolean
changed_at (GstVideoFrame *in, GstVideoFrame *out, gint x, gint y)
{
  const GstVideoFormatInfo *finfo = in->info.finfo;
  guint c;

  for (c = 0; c < GST_VIDEO_FORMAT_INFO_N_COMPONENTS (finfo); c++) {
    gint i = x >> GST_VIDEO_FORMAT_INFO_W_SUB (finfo, c);
    gint j = y >> GST_VIDEO_FORMAT_INFO_H_SUB (finfo, c);
    gint ps = GST_VIDEO_FRAME_COMP_PSTRIDE (in, c);
    gsize off = j * GST_VIDEO_FRAME_COMP_STRIDE (in, c) + i * ps;

    if (((const guint8 *)GST_VIDEO_FRAME_COMP_DATA (in, c))[off]
        != ((const guint8 *)GST_VIDEO_FRAME_COMP_DATA (out, c))[off])
      return TRUE;
  }
  return FALSE;
}

static void
check_edges_drawn (
    GstVideoFrame *in, GstVideoFrame *out, const Rect *b, const gchar *what)
{
  fail_unless (changed_at (in, out, b->x + b->w / 2, b->y), "%s: top", what);
  fail_unless (
      changed_at (in, out, b->x + b->w / 2, b->y + b->h), "%s: bottom", what);
  fail_unless (changed_at (in, out, b->x, b->y + b->h / 2), "%s: left", what);
  fail_unless (
      changed_at (in, out, b->x + b->w, b->y + b->h / 2), "%s: right", what);
}

static void
map_pair (GstBuffer *in, GstBuffer *out, const gchar *format,
    GstVideoFrame *fin, GstVideoFrame *fout)
{
  GstVideoInfo info;

  gst_video_info_set_format (
      &info, gst_video_format_from_string (format), WIDTH, HEIGHT);
  fail_unless (gst_video_frame_map (fin, &info, in, GST_MAP_READ));
  fail_unless (gst_video_frame_map (fout, &info, out, GST_MAP_READ));
}

/* Unmaps the frames of map_pair () and drops the caller's references to
 * both buffers. */
static void
release_pair (GstVideoFrame *fin, GstVideoFrame *fout)
{
  GstBuffer *in = fin->buffer, *out = fout->buffer;

  gst_video_frame_unmap (fin);
  gst_video_frame_unmap (fout);
  gst_buffer_unref (in);
  gst_buffer_unref (out);
}

/* Runs the annotated frame through gpuoverlay set up by @props (a
 * gst-launch description of the element) in @format, downstream taking
 * plain caps. Returns the input (a copy) and output frames. */
static void
run_annotated (
    const gchar *props, const gchar *format, GstBuffer **in, GstBuffer **out)
{
  GstHarness *h = gst_harness_new_parse (props);
  GstBuffer *buf = make_annotated_frame (format);

  set_caps (h, format, NULL);
  *in = gst_buffer_copy_deep (buf);
  fail_unless_equals_int (gst_harness_push (h, buf), GST_FLOW_OK);
  *out = gst_harness_pull (h);
  fail_unless (*out != NULL);
  gst_harness_teardown (h);
}

GST_START_TEST (test_draws_only_near_results_in_every_format)
{
  Allowed allowed = { 0 };
  gint cw, ch;
  guint f, bad;

  allow_box (&allowed, &face, "face 0.87");
  allow_box (&allowed, &car, "car");
  allow_keypoints (&allowed, face_keypoints, 2);
  label_size ("cat 0.50", &cw, &ch);
  allow (&allowed, 0, 0, cw, ch);

  for (f = 0; f < G_N_ELEMENTS (formats); f++) {
    GstBuffer *in, *out;
    GstVideoFrame fin, fout;

    run_annotated ("gpuoverlay", formats[f], &in, &out);
    map_pair (in, out, formats[f], &fin, &fout);
    bad = compare (&fin, &fout, &allowed);
    fail_unless (bad == 0, "%s: %u samples changed away from what was drawn",
        formats[f], bad);
    check_edges_drawn (&fin, &fout, &face, formats[f]);
    check_edges_drawn (&fin, &fout, &car, formats[f]);
    fail_unless (changed_at (&fin, &fout, face_keypoints[0], face_keypoints[1]),
        "%s: keypoint", formats[f]);
    fail_unless (
        changed_at (&fin, &fout, cw / 2, ch / 2), "%s: class line", formats[f]);
    /* the inside of a box is left alone away from keypoints */
    fail_if (changed_at (&fin, &fout, face.x + 8, face.y + face.h - 8));
    fail_if (changed_at (&fin, &fout, car.x + car.w / 2, car.y + car.h / 2));
    release_pair (&fin, &fout);
  }
}
GST_END_TEST;

GST_START_TEST (test_frame_without_metas_is_untouched)
{
  GstHarness *h = gst_harness_new ("gpuoverlay");
  GstBuffer *in = make_frame ("I420", TRUE), *copy, *out;
  GstVideoFrame fin, fout;

  set_caps (h, "I420", NULL);
  copy = gst_buffer_copy_deep (in);
  gst_buffer_ref (in);
  fail_unless_equals_int (gst_harness_push (h, in), GST_FLOW_OK);
  out = gst_harness_pull (h);
  /* the very buffer, not a writable copy of it */
  fail_unless (out == in);
  map_pair (copy, out, "I420", &fin, &fout);
  fail_unless_equals_int (compare (&fin, &fout, NULL), 0);
  release_pair (&fin, &fout);
  gst_buffer_unref (in);
  gst_harness_teardown (h);
}
GST_END_TEST;

/* the render rectangle of the @i-th rectangle of @comp */
static Rect
render_rect (GstVideoOverlayComposition *comp, guint i)
{
  Rect r;
  guint w, h;

  gst_video_overlay_rectangle_get_render_rectangle (
      gst_video_overlay_composition_get_rectangle (comp, i), &r.x, &r.y, &w,
      &h);
  r.w = w;
  r.h = h;
  return r;
}

GST_START_TEST (test_attaches_composition_when_downstream_takes_it)
{
  GstHarness *h = gst_harness_new ("gpuoverlay");
  GstBuffer *in = make_annotated_frame ("NV12"), *copy, *out;
  GstVideoOverlayCompositionMeta *meta;
  GstVideoFrame fin, fout;
  GstCaps *caps;
  gint lw, lh;
  Rect r;

  set_caps (h, "NV12",
      GST_CAPS_FEATURE_MEMORY_SYSTEM_MEMORY
      ", " GST_CAPS_FEATURE_META_GST_VIDEO_OVERLAY_COMPOSITION);
  gst_harness_add_propose_allocation_meta (
      h, GST_VIDEO_OVERLAY_COMPOSITION_META_API_TYPE, NULL);
  copy = gst_buffer_copy_deep (in);
  fail_unless_equals_int (gst_harness_push (h, in), GST_FLOW_OK);
  out = gst_harness_pull (h);

  caps = gst_pad_get_current_caps (h->sinkpad);
  fail_unless (gst_caps_features_contains (gst_caps_get_features (caps, 0),
      GST_CAPS_FEATURE_META_GST_VIDEO_OVERLAY_COMPOSITION));
  gst_caps_unref (caps);

  meta = gst_buffer_get_video_overlay_composition_meta (out);
  fail_unless (meta != NULL);
  /* one rectangle per region, in their order, each just around what was
   * drawn for it */
  fail_unless_equals_int (
      gst_video_overlay_composition_n_rectangles (meta->overlay), 3);
  r = render_rect (meta->overlay, 0);
  label_size ("face 0.87", &lw, &lh);
  fail_unless (r.x <= face.x - 1 && r.x >= face.x - 1 - SLACK);
  fail_unless (r.y <= face.y - 1 - lh && r.y >= face.y - 1 - lh - SLACK);
  fail_unless (r.x + r.w >= face.x + face.w + 1 && r.x + r.w < car.x);
  fail_unless (r.y + r.h >= face.y + face.h + 1
               && r.y + r.h <= face.y + face.h + 1 + SLACK);
  r = render_rect (meta->overlay, 1);
  fail_unless (r.x <= car.x - 1 && r.x >= face.x + face.w);
  fail_unless (r.x + r.w >= car.x + car.w + 1 && r.x + r.w < WIDTH);
  label_size ("cat 0.50", &lw, &lh);
  r = render_rect (meta->overlay, 2);
  fail_unless (r.x == 0 && r.y == 0 && r.w <= lw && r.h <= lh);

  map_pair (copy, out, "NV12", &fin, &fout);
  fail_unless_equals_int (compare (&fin, &fout, NULL), 0);
  release_pair (&fin, &fout);
  gst_harness_teardown (h);
}
GST_END_TEST;

/* what gpuunbatch attaches: metas made by gst_gpu_result_to_roi_meta () */
GST_START_TEST (test_draws_results_meta_regions)
{
  GstHarness *h = gst_harness_new ("gpuoverlay");
  GstGpuResult box = { 0 }, cls = { 0 };
  GstBuffer *in = make_frame ("NV12", FALSE), *copy, *out;
  GstVideoFrame fin, fout;
  gint w, hgt;

  set_caps (h, "NV12", NULL);
  box.kind = GST_GPU_RESULT_BOX;
  box.class_id = 0;
  box.label = g_quark_from_static_string ("face");
  box.confidence = 0.75f;
  box.x = face.x;
  box.y = face.y;
  box.width = face.w;
  box.height = face.h;
  box.n_keypoints = 2;
  memcpy (box.keypoints, (gfloat[]){ 45, 55, 65, 55 }, 4 * sizeof (gfloat));
  cls.kind = GST_GPU_RESULT_CLASS;
  cls.class_id = 7;
  cls.confidence = 0.5f;
  fail_unless (gst_gpu_result_to_roi_meta (&box, in, WIDTH, HEIGHT));
  fail_unless (gst_gpu_result_to_roi_meta (&cls, in, WIDTH, HEIGHT));
  copy = gst_buffer_copy_deep (in);
  fail_unless_equals_int (gst_harness_push (h, in), GST_FLOW_OK);
  out = gst_harness_pull (h);

  map_pair (copy, out, "NV12", &fin, &fout);
  check_edges_drawn (&fin, &fout, &face, "face");
  fail_unless (changed_at (&fin, &fout, 45, 55));
  fail_unless (changed_at (&fin, &fout, 65, 55));
  /* the class has no label: "class-7 0.50" at the top-left, no box */
  label_size ("class-7 0.50", &w, &hgt);
  fail_unless (changed_at (&fin, &fout, w / 2, hgt / 2));
  fail_if (changed_at (&fin, &fout, WIDTH / 2, HEIGHT - 1));
  fail_if (changed_at (&fin, &fout, WIDTH - 1, HEIGHT / 2));
  release_pair (&fin, &fout);
  gst_harness_teardown (h);
}
GST_END_TEST;

static guint pango_warnings;

/* counts pango's warnings (it logs structured, so a g_log handler does not
 * see them), then writes every message as GLib would */
static GLogWriterOutput
count_pango_warnings (GLogLevelFlags level, const GLogField *fields,
    gsize n_fields, gpointer user_data)
{
  gsize i;

  for (i = 0; i < n_fields; i++)
    if (strcmp (fields[i].key, "GLIB_DOMAIN") == 0 && fields[i].length < 0
        && strcmp (fields[i].value, "Pango") == 0
        && (level & G_LOG_LEVEL_WARNING))
      pango_warnings++;
  return g_log_writer_default (level, fields, n_fields, user_data);
}

/* metas are upstream's: wrong types, odd keypoint counts, a roi_type that
 * is not UTF-8 (a label comes from it without a "label" field) and extreme
 * class ids are drawn around, not trusted */
GST_START_TEST (test_survives_odd_params)
{
  GstHarness *h = gst_harness_new ("gpuoverlay");
  GstBuffer *in = make_frame ("RGB", FALSE), *copy, *out;
  GstVideoRegionOfInterestMeta *roi;
  GstVideoFrame fin, fout;
  GValue points = G_VALUE_INIT, v = G_VALUE_INIT;

  set_caps (h, "RGB", NULL);
  roi = gst_buffer_add_video_region_of_interest_meta (
      in, "bad \xff\xfe type", face.x, face.y, face.w, face.h);
  g_value_init (&points, GST_TYPE_ARRAY);
  /* ints, not doubles, and an odd count */
  g_value_init (&v, G_TYPE_INT);
  g_value_set_int (&v, 10);
  gst_value_array_append_value (&points, &v);
  gst_value_array_append_value (&points, &v);
  gst_value_array_append_value (&points, &v);
  g_value_unset (&v);
  gst_video_region_of_interest_meta_add_param (
      roi, gst_structure_new ("detection", "confidence", G_TYPE_STRING, "high",
               "class-id", G_TYPE_INT, G_MININT, NULL));
  gst_structure_take_value (
      gst_video_region_of_interest_meta_get_param (roi, "detection"),
      "keypoints", &points);
  copy = gst_buffer_copy_deep (in);
  /* pango only warns about text that is not UTF-8 */
  g_log_set_writer_func (count_pango_warnings, NULL, NULL);
  fail_unless_equals_int (gst_harness_push (h, in), GST_FLOW_OK);
  fail_unless_equals_int (pango_warnings, 0);
  out = gst_harness_pull (h);
  map_pair (copy, out, "RGB", &fin, &fout);
  check_edges_drawn (&fin, &fout, &face, "odd");
  release_pair (&fin, &fout);
  gst_harness_teardown (h);
}
GST_END_TEST;

/* a composition upstream attached stays, ours goes on top of it */
GST_START_TEST (test_keeps_upstream_composition)
{
  GstHarness *h = gst_harness_new ("gpuoverlay");
  GstBuffer *in = make_annotated_frame ("I420"), *pixels, *out;
  GstVideoOverlayComposition *upstream;
  GstVideoOverlayRectangle *rect;
  GstVideoOverlayCompositionMeta *meta;

  set_caps (h, "I420",
      GST_CAPS_FEATURE_MEMORY_SYSTEM_MEMORY
      ", " GST_CAPS_FEATURE_META_GST_VIDEO_OVERLAY_COMPOSITION);
  gst_harness_add_propose_allocation_meta (
      h, GST_VIDEO_OVERLAY_COMPOSITION_META_API_TYPE, NULL);
  pixels = gst_buffer_new_allocate (NULL, 8 * 8 * 4, NULL);
  gst_buffer_memset (pixels, 0, 0xff, 8 * 8 * 4);
  gst_buffer_add_video_meta (pixels, GST_VIDEO_FRAME_FLAG_NONE,
      GST_VIDEO_OVERLAY_COMPOSITION_FORMAT_RGB, 8, 8);
  rect = gst_video_overlay_rectangle_new_raw (
      pixels, 150, 110, 8, 8, GST_VIDEO_OVERLAY_FORMAT_FLAG_NONE);
  upstream = gst_video_overlay_composition_new (rect);
  gst_buffer_add_video_overlay_composition_meta (in, upstream);

  fail_unless_equals_int (gst_harness_push (h, in), GST_FLOW_OK);
  out = gst_harness_pull (h);
  fail_unless_equals_int (
      gst_buffer_get_n_meta (out, GST_VIDEO_OVERLAY_COMPOSITION_META_API_TYPE),
      1);
  meta = gst_buffer_get_video_overlay_composition_meta (out);
  fail_unless_equals_int (
      gst_video_overlay_composition_n_rectangles (meta->overlay), 1 + 3);
  fail_unless (
      gst_video_overlay_composition_get_rectangle (meta->overlay, 0) == rect);

  gst_video_overlay_composition_unref (upstream);
  gst_video_overlay_rectangle_unref (rect);
  gst_buffer_unref (pixels);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}
GST_END_TEST;

/* fakesink and appsink accept any caps feature but take no meta: the
 * drawing must land in the pixels, and caps drop the feature */
GST_START_TEST (test_blends_when_downstream_lacks_the_meta)
{
  GstHarness *h = gst_harness_new ("gpuoverlay");
  gchar *in_caps = caps_string (NULL, "RGBx");
  GstCaps *caps;
  guint i;

  gst_harness_set_src_caps_str (h, in_caps);
  g_free (in_caps);
  for (i = 0; i < 2; i++) {
    GstBuffer *in = make_annotated_frame ("RGBx"), *copy, *out;
    GstVideoFrame fin, fout;

    copy = gst_buffer_copy_deep (in);
    fail_unless_equals_int (gst_harness_push (h, in), GST_FLOW_OK);
    out = gst_harness_pull (h);
    fail_unless (gst_buffer_get_video_overlay_composition_meta (out) == NULL);
    map_pair (copy, out, "RGBx", &fin, &fout);
    check_edges_drawn (&fin, &fout, &face, "face");
    release_pair (&fin, &fout);
  }
  caps = gst_pad_get_current_caps (h->sinkpad);
  fail_if (gst_caps_features_contains (gst_caps_get_features (caps, 0),
      GST_CAPS_FEATURE_META_GST_VIDEO_OVERLAY_COMPOSITION));
  gst_caps_unref (caps);
  gst_harness_teardown (h);
}
GST_END_TEST;

GST_START_TEST (test_caps_keep_format_and_size)
{
  GstHarness *h = gst_harness_new ("gpuoverlay");
  GstCaps *caps, *expected;
  GstBuffer *out;

  set_caps (h, "NV12", NULL);
  fail_unless_equals_int (
      gst_harness_push (h, make_annotated_frame ("NV12")), GST_FLOW_OK);
  out = gst_harness_pull (h);
  caps = gst_pad_get_current_caps (h->sinkpad);
  expected = gst_caps_from_string ("video/x-raw, format=NV12, width=160, "
                                   "height=120, framerate=30/1");
  fail_unless (
      gst_caps_is_equal (caps, expected), "got %" GST_PTR_FORMAT, caps);
  gst_caps_unref (expected);
  gst_caps_unref (caps);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}
GST_END_TEST;

GST_START_TEST (test_rejects_unsupported_format)
{
  GstHarness *h = gst_harness_new ("gpuoverlay");
  gchar *in = caps_string (NULL, "GRAY16_LE");

  gst_harness_set_src_caps_str (h, in);
  g_free (in);
  fail_unless_equals_int (gst_harness_push (h, gst_buffer_new_allocate (NULL,
                                                   WIDTH * HEIGHT * 2, NULL)),
      GST_FLOW_NOT_NEGOTIATED);
  gst_harness_teardown (h);
}
GST_END_TEST;

GST_START_TEST (test_clips_boxes_partly_outside)
{
  GstHarness *h = gst_harness_new ("gpuoverlay");
  const Rect edge = { WIDTH - 10, HEIGHT - 20, 100, 50 };
  const Rect away = { WIDTH + 50, HEIGHT + 50, 20, 20 };
  /* far past what cairo's 24.8 fixed point holds */
  const Rect huge = { 20, 30, G_MAXINT / 2, G_MAXINT / 2 };
  /* keypoints outside, not a number, or beyond cairo's range */
  const gdouble outside[]
      = { -30, -30, WIDTH + 40, 10, NAN, 5, INFINITY, 5, 1e12, -1e12 };
  GstBuffer *in = make_frame ("I420", FALSE), *copy, *out;
  GstVideoFrame fin, fout;
  Allowed allowed = { 0 };
  guint bad;

  set_caps (h, "I420", NULL);
  add_detection (in, &edge, "edge", 2, 0.9, outside, 5);
  add_detection (in, &away, "away", 4, 0.9, NULL, 0);
  add_detection (in, &huge, "huge", 5, 0.9, NULL, 0);
  allow_box (&allowed, &edge, "edge 0.90");
  allow_box (&allowed, &huge, "huge 0.90");
  copy = gst_buffer_copy_deep (in);
  fail_unless_equals_int (gst_harness_push (h, in), GST_FLOW_OK);
  out = gst_harness_pull (h);
  fail_unless_equals_int (
      gst_buffer_get_size (out), gst_buffer_get_size (copy));
  map_pair (copy, out, "I420", &fin, &fout);
  bad = compare (&fin, &fout, &allowed);
  fail_unless (bad == 0, "%u samples changed away from the boxes", bad);
  /* the visible left and top edges are drawn */
  fail_unless (changed_at (&fin, &fout, edge.x, HEIGHT - 5));
  fail_unless (changed_at (&fin, &fout, WIDTH - 5, edge.y));
  fail_unless (changed_at (&fin, &fout, huge.x, HEIGHT - 5));
  fail_unless (changed_at (&fin, &fout, WIDTH / 2, huge.y));
  release_pair (&fin, &fout);
  gst_harness_teardown (h);
}
GST_END_TEST;

/* Draws the annotated RGB frame with gpuoverlay @props and checks the
 * colour of the middle of the left edge of box @b. */
static void
check_left_edge_color (
    const gchar *props, const Rect *b, guint8 red, guint8 green, guint8 blue)
{
  GstBuffer *in, *out;
  GstVideoFrame fin, fout;
  const guint8 *p;

  run_annotated (props, "RGB", &in, &out);
  map_pair (in, out, "RGB", &fin, &fout);
  p = (const guint8 *)GST_VIDEO_FRAME_PLANE_DATA (&fout, 0)
      + (b->y + b->h / 2) * GST_VIDEO_FRAME_PLANE_STRIDE (&fout, 0) + b->x * 3;
  fail_unless (p[0] == red && p[1] == green && p[2] == blue, "%s: got %u,%u,%u",
      props, p[0], p[1], p[2]);
  release_pair (&fin, &fout);
}

GST_START_TEST (test_fixed_color_and_palette)
{
  /* the face is class 1: palette entry 1 */
  check_left_edge_color (
      "gpuoverlay palette=\"<0xffff0000, 0xff0000ff>\"", &face, 0, 0, 255);
  check_left_edge_color ("gpuoverlay color=0xff00ff00", &car, 0, 255, 0);
}
GST_END_TEST;

GST_START_TEST (test_show_properties_turn_parts_off)
{
  GstBuffer *in, *out;
  GstVideoFrame fin, fout;
  gint w, h;

  run_annotated ("gpuoverlay show-labels=false show-confidence=false "
                 "show-keypoints=false",
      "RGBA", &in, &out);
  map_pair (in, out, "RGBA", &fin, &fout);
  check_edges_drawn (&fin, &fout, &face, "face");
  label_size ("face 0.87", &w, &h);
  fail_if (changed_at (&fin, &fout, face.x + w / 2, face.y - 1 - h / 2));
  fail_if (changed_at (&fin, &fout, face_keypoints[0], face_keypoints[1]));
  label_size ("cat 0.50", &w, &h);
  fail_if (changed_at (&fin, &fout, w / 2, h / 2));
  release_pair (&fin, &fout);
}
GST_END_TEST;

GST_START_TEST (test_font_desc_sizes_labels)
{
  GstBuffer *in, *out;
  GstVideoFrame fin, fout;
  gint w, h;

  /* the default label of the car is h tall: twice that above the box only
   * a label in a font 2.5 times larger reaches */
  label_size ("car", &w, &h);
  fail_unless (2 * h + LINE_WIDTH < car.y);
  run_annotated ("gpuoverlay font-desc=\"Sans 30\"", "RGB", &in, &out);
  map_pair (in, out, "RGB", &fin, &fout);
  fail_unless (
      changed_at (&fin, &fout, car.x + w / 2, car.y - LINE_WIDTH - 2 * h));
  release_pair (&fin, &fout);
}
GST_END_TEST;

static GstPadProbeReturn
annotate_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  GstBuffer *buf = gst_buffer_make_writable (GST_PAD_PROBE_INFO_BUFFER (info));

  add_detection (buf, &face, "face", 1, 0.87, face_keypoints, 2);
  gst_buffer_add_video_region_of_interest_meta (
      buf, "car", car.x, car.y, car.w, car.h);
  add_classification (buf, "cat", 0.5);
  GST_PAD_PROBE_INFO_DATA (info) = buf;
  return GST_PAD_PROBE_OK;
}

/* a real pipeline down to a PNG, kept in the build tree to look at */
GST_START_TEST (test_pipeline_writes_png)
{
  const gchar *root = g_getenv ("GST_GPUSTREAM_BUILD_ROOT");
  gchar *path, *desc;
  GstElement *pipeline, *tag;
  GstPad *pad;
  GstMessage *msg;
  GStatBuf st;

  path = g_build_filename (root ? root : ".", "tests", "check", "elements",
      "gpuoverlay", "gpuoverlay-drawn.png", NULL);
  desc = g_strdup_printf (
      "videotestsrc num-buffers=1 pattern=smpte ! video/x-raw, format=RGB, "
      "width=%d, height=%d ! identity name=tag ! gpuoverlay ! videoconvert "
      "! pngenc ! filesink location=\"%s\"",
      WIDTH, HEIGHT, path);
  pipeline = gst_parse_launch (desc, NULL);
  fail_unless (pipeline != NULL);
  tag = gst_bin_get_by_name (GST_BIN (pipeline), "tag");
  pad = gst_element_get_static_pad (tag, "src");
  gst_pad_add_probe (
      pad, GST_PAD_PROBE_TYPE_BUFFER, annotate_probe, NULL, NULL);
  gst_object_unref (pad);
  gst_object_unref (tag);

  g_unlink (path);
  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING)
               != GST_STATE_CHANGE_FAILURE);
  msg = gst_bus_timed_pop_filtered (GST_ELEMENT_BUS (pipeline), 10 * GST_SECOND,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  fail_unless (msg != NULL && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS);
  gst_message_unref (msg);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);

  fail_unless (g_stat (path, &st) == 0 && st.st_size > 0, "no %s", path);
  g_free (desc);
  g_free (path);
}
GST_END_TEST;

static Suite *
gpuoverlay_suite (void)
{
  Suite *s = suite_create ("gpuoverlay");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_draws_only_near_results_in_every_format);
  tcase_add_test (tc, test_frame_without_metas_is_untouched);
  tcase_add_test (tc, test_attaches_composition_when_downstream_takes_it);
  tcase_add_test (tc, test_draws_results_meta_regions);
  tcase_add_test (tc, test_survives_odd_params);
  tcase_add_test (tc, test_keeps_upstream_composition);
  tcase_add_test (tc, test_blends_when_downstream_lacks_the_meta);
  tcase_add_test (tc, test_caps_keep_format_and_size);
  tcase_add_test (tc, test_rejects_unsupported_format);
  tcase_add_test (tc, test_clips_boxes_partly_outside);
  tcase_add_test (tc, test_fixed_color_and_palette);
  tcase_add_test (tc, test_show_properties_turn_parts_off);
  tcase_add_test (tc, test_font_desc_sizes_labels);
  tcase_add_test (tc, test_pipeline_writes_png);
  return s;
}

GST_CHECK_MAIN (gpuoverlay);
