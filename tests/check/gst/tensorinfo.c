/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Unit tests of other/tensors caps parsing, validation and serialisation.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>

#include "gst/gstgputensorinfo.h"

#define NO_NUM (-1)

/* Builds other/tensors caps field by field, so that malformed strings reach
 * the parser unchanged (the caps string syntax would split them at ','). */
static GstCaps *
make_caps (const gchar *format, gint num_tensors, const gchar *dims,
    const gchar *types)
{
  GstStructure *s = gst_structure_new_empty (GST_GPU_TENSORS_MEDIA_TYPE);

  if (format != NULL)
    gst_structure_set (s, "format", G_TYPE_STRING, format, NULL);
  if (num_tensors != NO_NUM)
    gst_structure_set (s, "num_tensors", G_TYPE_INT, num_tensors, NULL);
  if (dims != NULL)
    gst_structure_set (s, "dimensions", G_TYPE_STRING, dims, NULL);
  if (types != NULL)
    gst_structure_set (s, "types", G_TYPE_STRING, types, NULL);
  return gst_caps_new_full (s, NULL);
}

/* Asserts that @caps (transfer full) is rejected with @code and that the
 * message quotes @needle, the offending field or value. */
static void
assert_caps_rejected (
    GstCaps *caps, GstGpuTensorErrorCode code, const gchar *needle)
{
  GstGpuTensorsConfig config;
  GError *err = NULL;

  fail_if (gst_gpu_tensors_config_from_caps (&config, caps, &err));
  fail_unless (err != NULL);
  fail_unless (g_error_matches (err, GST_GPU_TENSOR_ERROR, code),
      "expected code %d, got %s %d: %s", code, g_quark_to_string (err->domain),
      err->code, err->message);
  fail_unless (strstr (err->message, needle) != NULL,
      "message \"%s\" does not mention \"%s\"", err->message, needle);
  GST_INFO ("rejected as expected: %s", err->message);
  g_error_free (err);
  gst_caps_unref (caps);
}

static void
assert_dims_rejected (const gchar *dims, const gchar *needle)
{
  GstGpuTensorInfo info = { GST_GPU_DTYPE_FLOAT32, 2, { 7, 9 } };
  GError *err = NULL;

  fail_if (gst_gpu_tensor_info_parse_dimensions (&info, dims, &err));
  fail_unless (g_error_matches (
      err, GST_GPU_TENSOR_ERROR, GST_GPU_TENSOR_ERROR_DIMENSIONS));
  fail_unless (strstr (err->message, needle) != NULL,
      "message \"%s\" does not mention \"%s\"", err->message, needle);
  g_error_free (err);
  /* untouched on failure */
  fail_unless_equals_int (info.rank, 2);
  fail_unless_equals_uint64 (info.dims[0], 7);
  fail_unless_equals_uint64 (info.dims[1], 9);

  assert_caps_rejected (make_caps ("static", 1, dims, "float32"),
      GST_GPU_TENSOR_ERROR_DIMENSIONS, needle);
}

GST_START_TEST (test_dtype_names_and_sizes)
{
  static const struct
  {
    GstGpuDType dtype;
    const gchar *name;
    gsize size;
  } table[] = {
    { GST_GPU_DTYPE_INT8, "int8", 1 },
    { GST_GPU_DTYPE_UINT8, "uint8", 1 },
    { GST_GPU_DTYPE_INT16, "int16", 2 },
    { GST_GPU_DTYPE_UINT16, "uint16", 2 },
    { GST_GPU_DTYPE_INT32, "int32", 4 },
    { GST_GPU_DTYPE_UINT32, "uint32", 4 },
    { GST_GPU_DTYPE_INT64, "int64", 8 },
    { GST_GPU_DTYPE_UINT64, "uint64", 8 },
    { GST_GPU_DTYPE_FLOAT16, "float16", 2 },
    { GST_GPU_DTYPE_FLOAT32, "float32", 4 },
    { GST_GPU_DTYPE_FLOAT64, "float64", 8 },
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (table); i++) {
    fail_unless_equals_string (
        gst_gpu_dtype_to_string (table[i].dtype), table[i].name);
    fail_unless_equals_int (
        gst_gpu_dtype_from_string (table[i].name), table[i].dtype);
    fail_unless_equals_uint64 (
        gst_gpu_dtype_size (table[i].dtype), table[i].size);
  }
  fail_unless_equals_int (
      gst_gpu_dtype_from_string ("FLOAT32"), GST_GPU_DTYPE_FLOAT32);
  fail_unless (gst_gpu_dtype_to_string (GST_GPU_DTYPE_INVALID) == NULL);
  fail_unless_equals_uint64 (gst_gpu_dtype_size (GST_GPU_DTYPE_INVALID), 0);
}

GST_END_TEST;

GST_START_TEST (test_parse_dimensions_valid)
{
  GstGpuTensorInfo info = { GST_GPU_DTYPE_FLOAT32, 0, { 0 } };
  GError *err = NULL;
  gchar *str;

  fail_unless (
      gst_gpu_tensor_info_parse_dimensions (&info, "3:224:224:8", &err));
  fail_unless (err == NULL);
  fail_unless_equals_int (info.rank, 4);
  fail_unless_equals_uint64 (info.dims[0], 3);
  fail_unless_equals_uint64 (info.dims[1], 224);
  fail_unless_equals_uint64 (info.dims[2], 224);
  fail_unless_equals_uint64 (info.dims[3], 8);
  fail_unless_equals_int (info.dtype, GST_GPU_DTYPE_FLOAT32);
  fail_unless_equals_uint64 (
      gst_gpu_tensor_info_get_n_elements (&info), 3 * 224 * 224 * 8);
  fail_unless_equals_uint64 (
      gst_gpu_tensor_info_get_size (&info), 3 * 224 * 224 * 8 * 4);

  str = gst_gpu_tensor_info_dimensions_to_string (&info);
  fail_unless_equals_string (str, "3:224:224:8");
  g_free (str);
}

GST_END_TEST;

GST_START_TEST (test_parse_dimensions_keeps_trailing_ones)
{
  GstGpuTensorInfo a = { GST_GPU_DTYPE_UINT8, 0, { 0 } };
  GstGpuTensorInfo b = { GST_GPU_DTYPE_UINT8, 0, { 0 } };

  fail_unless (gst_gpu_tensor_info_parse_dimensions (&a, "3:4:1", NULL));
  fail_unless (gst_gpu_tensor_info_parse_dimensions (&b, "3:4", NULL));
  fail_unless_equals_int (a.rank, 3);
  fail_unless_equals_int (b.rank, 2);
  fail_if (gst_gpu_tensor_info_is_equal (&a, &b));
  fail_unless_equals_uint64 (
      gst_gpu_tensor_info_get_size (&a), gst_gpu_tensor_info_get_size (&b));
}

GST_END_TEST;

GST_START_TEST (test_parse_dimensions_rank_limit)
{
  GstGpuTensorInfo info = { GST_GPU_DTYPE_UINT8, 0, { 0 } };

  fail_unless (
      gst_gpu_tensor_info_parse_dimensions (&info, "1:2:3:4:5:6:7:8", NULL));
  fail_unless_equals_int (info.rank, GST_GPU_TENSOR_RANK_LIMIT);
  fail_unless_equals_uint64 (info.dims[7], 8);
}

GST_END_TEST;

GST_START_TEST (test_caps_single_tensor)
{
  GstGpuTensorsConfig config;
  GError *err = NULL;
  GstCaps *caps = gst_caps_from_string (
      "other/tensors, format=static, "
      "num_tensors=1, dimensions=3:224:224:8, types=float32, "
      "framerate=30/1");

  fail_unless (gst_gpu_tensors_config_from_caps (&config, caps, &err), "%s",
      err ? err->message : "");
  fail_unless_equals_int (config.num_tensors, 1);
  fail_unless_equals_int (config.info[0].dtype, GST_GPU_DTYPE_FLOAT32);
  fail_unless_equals_int (config.info[0].rank, 4);
  fail_unless_equals_uint64 (config.info[0].dims[3], 8);
  fail_unless_equals_int (config.fps_n, 30);
  fail_unless_equals_int (config.fps_d, 1);
  fail_unless_equals_uint64 (
      gst_gpu_tensors_config_get_size (&config), 3 * 224 * 224 * 8 * 4);
  gst_caps_unref (caps);
}

GST_END_TEST;

GST_START_TEST (test_caps_multi_tensor)
{
  GstGpuTensorsConfig config;
  GError *err = NULL;
  GstCaps *caps = make_caps ("static", 2, "3:4,10:1", "float32,uint8");

  fail_unless (gst_gpu_tensors_config_from_caps (&config, caps, &err), "%s",
      err ? err->message : "");
  fail_unless_equals_int (config.num_tensors, 2);
  fail_unless_equals_int (config.info[0].dtype, GST_GPU_DTYPE_FLOAT32);
  fail_unless_equals_int (config.info[0].rank, 2);
  fail_unless_equals_uint64 (config.info[0].dims[0], 3);
  fail_unless_equals_uint64 (config.info[0].dims[1], 4);
  fail_unless_equals_int (config.info[1].dtype, GST_GPU_DTYPE_UINT8);
  fail_unless_equals_int (config.info[1].rank, 2);
  fail_unless_equals_uint64 (config.info[1].dims[0], 10);
  fail_unless_equals_uint64 (config.info[1].dims[1], 1);
  fail_unless_equals_uint64 (
      gst_gpu_tensor_info_get_size (&config.info[0]), 48);
  fail_unless_equals_uint64 (
      gst_gpu_tensor_info_get_size (&config.info[1]), 10);
  fail_unless_equals_uint64 (gst_gpu_tensors_config_get_size (&config), 58);
  /* no framerate field: 0/1 */
  fail_unless_equals_int (config.fps_n, 0);
  fail_unless_equals_int (config.fps_d, 1);
  gst_caps_unref (caps);
}

GST_END_TEST;

GST_START_TEST (test_caps_blanks_around_entries)
{
  GstGpuTensorsConfig config, expected;
  GstCaps *caps = make_caps ("static", 2, " 3:4 , 10:1", "float32 , uint8 ");
  GstCaps *ref = make_caps ("static", 2, "3:4,10:1", "float32,uint8");

  fail_unless (gst_gpu_tensors_config_from_caps (&config, caps, NULL));
  fail_unless (gst_gpu_tensors_config_from_caps (&expected, ref, NULL));
  fail_unless (gst_gpu_tensors_config_is_equal (&config, &expected));
  gst_caps_unref (caps);
  gst_caps_unref (ref);
}

GST_END_TEST;

GST_START_TEST (test_caps_defaults_format_and_num_tensors)
{
  GstGpuTensorsConfig config;
  GstCaps *caps
      = make_caps (NULL, NO_NUM, "3:4,5,6:7:8", "uint8,int16,float64");

  fail_unless (gst_gpu_tensors_config_from_caps (&config, caps, NULL));
  fail_unless_equals_int (config.num_tensors, 3);
  fail_unless_equals_int (config.info[1].rank, 1);
  fail_unless_equals_int (config.info[2].dtype, GST_GPU_DTYPE_FLOAT64);
  fail_unless_equals_uint64 (
      gst_gpu_tensors_config_get_size (&config), 12 + 5 * 2 + 6 * 7 * 8 * 8);
  gst_caps_unref (caps);
}

GST_END_TEST;

GST_START_TEST (test_caps_sixteen_tensors)
{
  GstGpuTensorsConfig config;
  GString *dims = g_string_new (NULL), *types = g_string_new (NULL);
  GstCaps *caps;
  guint i;

  for (i = 0; i < GST_GPU_TENSORS_LIMIT; i++) {
    g_string_append_printf (dims, "%s%u:2", i ? "," : "", i + 1);
    g_string_append_printf (types, "%suint8", i ? "," : "");
  }
  caps = make_caps ("static", GST_GPU_TENSORS_LIMIT, dims->str, types->str);
  fail_unless (gst_gpu_tensors_config_from_caps (&config, caps, NULL));
  fail_unless_equals_int (config.num_tensors, GST_GPU_TENSORS_LIMIT);
  fail_unless_equals_uint64 (config.info[15].dims[0], 16);
  gst_caps_unref (caps);
  g_string_free (dims, TRUE);
  g_string_free (types, TRUE);
}

GST_END_TEST;

static void
fill_config (GstGpuTensorsConfig *config, guint n, gint fps_n, gint fps_d)
{
  guint i, j;

  gst_gpu_tensors_config_init (config);
  config->num_tensors = n;
  config->fps_n = fps_n;
  config->fps_d = fps_d;
  for (i = 0; i < n; i++) {
    config->info[i].dtype = GST_GPU_DTYPE_INT8 + (i % 11);
    config->info[i].rank = 1 + (i % GST_GPU_TENSOR_RANK_LIMIT);
    for (j = 0; j < config->info[i].rank; j++)
      config->info[i].dims[j] = 1 + ((i * 7 + j * 3) % 300);
  }
}

static void
check_round_trip (const GstGpuTensorsConfig *config, const gchar *feature)
{
  GstGpuTensorsConfig parsed;
  GError *err = NULL;
  GstCaps *caps, *again;

  caps = gst_gpu_tensors_config_to_caps (config, feature);
  fail_unless (caps != NULL);
  fail_unless (gst_caps_is_fixed (caps));
  if (feature != NULL)
    fail_unless (
        gst_caps_features_contains (gst_caps_get_features (caps, 0), feature));
  fail_unless (gst_gpu_tensors_config_from_caps (&parsed, caps, &err), "%s",
      err ? err->message : "");
  fail_unless (gst_gpu_tensors_config_is_equal (config, &parsed));

  again = gst_gpu_tensors_config_to_caps (&parsed, feature);
  fail_unless (gst_caps_is_equal (caps, again));
  gst_caps_unref (again);
  gst_caps_unref (caps);
}

GST_START_TEST (test_round_trip)
{
  GstGpuTensorsConfig config;
  guint n;

  for (n = 1; n <= GST_GPU_TENSORS_LIMIT; n++) {
    fill_config (&config, n, 30000, 1001);
    check_round_trip (&config, NULL);
    check_round_trip (&config, GST_CAPS_FEATURE_MEMORY_GPU_TENSOR);
  }
  fill_config (&config, 2, 0, 1);
  check_round_trip (&config, NULL);
}

GST_END_TEST;

GST_START_TEST (test_to_caps_nnstreamer_fields)
{
  GstGpuTensorsConfig config;
  GstCaps *caps, *expected;

  gst_gpu_tensors_config_init (&config);
  config.num_tensors = 2;
  config.info[0].dtype = GST_GPU_DTYPE_FLOAT32;
  config.info[0].rank = 2;
  config.info[0].dims[0] = 3;
  config.info[0].dims[1] = 4;
  config.info[1].dtype = GST_GPU_DTYPE_UINT8;
  config.info[1].rank = 2;
  config.info[1].dims[0] = 10;
  config.info[1].dims[1] = 1;
  config.fps_n = 25;
  config.fps_d = 1;

  caps = gst_gpu_tensors_config_to_caps (&config, NULL);
  expected = gst_caps_from_string (
      "other/tensors, format=(string)static, "
      "num_tensors=(int)2, dimensions=(string)\"3:4,10:1\", "
      "types=(string)\"float32,uint8\", framerate=(fraction)25/1");
  fail_unless (gst_caps_is_equal (caps, expected), "%" GST_PTR_FORMAT, caps);
  gst_caps_unref (expected);
  gst_caps_unref (caps);
}

GST_END_TEST;

GST_START_TEST (test_config_is_equal_framerate)
{
  GstGpuTensorsConfig a, b;

  fill_config (&a, 2, 30, 1);
  fill_config (&b, 2, 60, 2);
  fail_unless (gst_gpu_tensors_config_is_equal (&a, &b));
  b.fps_n = 31;
  fail_if (gst_gpu_tensors_config_is_equal (&a, &b));
  fill_config (&b, 2, 30, 1);
  b.info[1].dims[0]++;
  fail_if (gst_gpu_tensors_config_is_equal (&a, &b));
}

GST_END_TEST;

GST_START_TEST (test_sizes_reject_overflow)
{
  GstGpuTensorInfo info = { GST_GPU_DTYPE_FLOAT32, 2, { G_MAXUINT32, 16 } };
  GstGpuTensorsConfig config;

  fail_unless_equals_uint64 (
      gst_gpu_tensor_info_get_size (&info), (guint64)G_MAXUINT32 * 16 * 4);
  info.dims[1] = (G_GUINT64_CONSTANT (1) << 32) + 2;
  fail_unless_equals_uint64 (gst_gpu_tensor_info_get_n_elements (&info), 0);
  fail_unless_equals_uint64 (gst_gpu_tensor_info_get_size (&info), 0);
  info.dims[1] = 0;
  fail_unless_equals_uint64 (gst_gpu_tensor_info_get_size (&info), 0);
  info.rank = 0;
  fail_unless_equals_uint64 (gst_gpu_tensor_info_get_size (&info), 0);

  gst_gpu_tensors_config_init (&config);
  fail_unless_equals_uint64 (gst_gpu_tensors_config_get_size (&config), 0);
  config.num_tensors = 2;
  config.info[0].dtype = config.info[1].dtype = GST_GPU_DTYPE_UINT8;
  config.info[0].rank = config.info[1].rank = 1;
  config.info[0].dims[0] = config.info[1].dims[0] = G_MAXSIZE / 2 + 1;
  fail_unless_equals_uint64 (gst_gpu_tensors_config_get_size (&config), 0);
}

GST_END_TEST;

/* --- malformed dimensions ------------------------------------------------ */

/* Dimension strings the parser refuses, and what its message quotes. */
static const struct
{
  const gchar *dims, *needle;
} bad_dims[] = {
  { "", "empty" },
  { "  ", "empty" },
  { "3::4", "3::4" },
  { ":3:4", ":3:4" },
  { "3:4:", "3:4:" },
  { "3:a:4", "\"a\"" },
  { "3:224:224x", "224x" },
  { "3:-4", "-4" },
  { "+3:4", "+3" },
  { "3: 4", " 4" },
  { "3.5:4", "3.5" },
  { "1:2:3:4:5:6:7:8:9", "rank" },
  { "3:0:4", "zero" },
  { "3:18446744073709551616", "18446744073709551616" },
  { "4294967296:4294967296", "overflows" },
};

GST_START_TEST (test_dims_rejected)
{
  assert_dims_rejected (bad_dims[__i__].dims, bad_dims[__i__].needle);
}

GST_END_TEST;

GST_START_TEST (test_dims_rejects_null)
{
  GstGpuTensorInfo info = { GST_GPU_DTYPE_UINT8, 0, { 0 } };
  GError *err = NULL;

  fail_if (gst_gpu_tensor_info_parse_dimensions (&info, NULL, &err));
  fail_unless (g_error_matches (
      err, GST_GPU_TENSOR_ERROR, GST_GPU_TENSOR_ERROR_DIMENSIONS));
  g_error_free (err);
}

GST_END_TEST;

/* --- malformed caps ------------------------------------------------------ */

/* Caps built field by field that are refused: format, num_tensors (or
 * NO_NUM), dimensions, types (NULL: field absent), the error code, and
 * what the message quotes. */
static const struct
{
  const gchar *format;
  gint num_tensors;
  const gchar *dims, *types;
  GstGpuTensorErrorCode code;
  const gchar *needle;
} bad_fields[] = {
  { "static", 2, "3:4,", "uint8,uint8", GST_GPU_TENSOR_ERROR_DIMENSIONS,
      "3:4," },
  /* 2^62 elements fit in 64 bits, 2^64 bytes do not */
  { "static", 1, "4611686018427387904", "float32",
      GST_GPU_TENSOR_ERROR_DIMENSIONS, "4611686018427387904" },
  { "static", 2, "9223372036854775808,9223372036854775808", "uint8,uint8",
      GST_GPU_TENSOR_ERROR_DIMENSIONS, "total size" },
  { "static", 2, "3:4,5", "float32,float33", GST_GPU_TENSOR_ERROR_TYPE,
      "float33" },
  { "static", 2, "3:4,5", "float32,", GST_GPU_TENSOR_ERROR_TYPE, "entry 2" },
  { "static", 1, "3:4", NULL, GST_GPU_TENSOR_ERROR_TYPE, "types" },
  { "static", 1, NULL, "uint8", GST_GPU_TENSOR_ERROR_DIMENSIONS, "dimensions" },
  { "static", 3, "3:4,5", "uint8,uint8,uint8", GST_GPU_TENSOR_ERROR_COUNT,
      "num_tensors is 3" },
  { "static", 1, "3:4", "uint8,uint8", GST_GPU_TENSOR_ERROR_COUNT,
      "uint8,uint8" },
  { "static", 0, "3", "uint8", GST_GPU_TENSOR_ERROR_COUNT, "num_tensors 0" },
  { "flexible", 1, "3", "uint8", GST_GPU_TENSOR_ERROR_FORMAT, "flexible" },
};

GST_START_TEST (test_caps_fields_rejected)
{
  assert_caps_rejected (
      make_caps (bad_fields[__i__].format, bad_fields[__i__].num_tensors,
          bad_fields[__i__].dims, bad_fields[__i__].types),
      bad_fields[__i__].code, bad_fields[__i__].needle);
}

GST_END_TEST;

GST_START_TEST (test_caps_rejects_num_tensors_above_limit)
{
  GString *dims = g_string_new (NULL), *types = g_string_new (NULL);
  guint i;

  for (i = 0; i < GST_GPU_TENSORS_LIMIT + 1; i++) {
    g_string_append_printf (dims, "%s2", i ? "," : "");
    g_string_append_printf (types, "%suint8", i ? "," : "");
  }
  assert_caps_rejected (
      make_caps ("static", GST_GPU_TENSORS_LIMIT + 1, dims->str, types->str),
      GST_GPU_TENSOR_ERROR_COUNT, "17");
  /* inferred from the dimensions, the count is still too high */
  assert_caps_rejected (make_caps ("static", NO_NUM, dims->str, types->str),
      GST_GPU_TENSOR_ERROR_COUNT, "more than 16");
  g_string_free (dims, TRUE);
  g_string_free (types, TRUE);
}

GST_END_TEST;

/* Caps strings that are refused, the error code and what the message
 * quotes. */
static const struct
{
  const gchar *caps;
  GstGpuTensorErrorCode code;
  const gchar *needle;
} bad_caps[] = {
  { "other/tensors, format=static, "
    "num_tensors=[1,4], dimensions=3:4, types=uint8",
      GST_GPU_TENSOR_ERROR_CAPS, "not fixed" },
  { "other/tensors, "
    "format={static,flexible}, num_tensors=1, dimensions=3:4, types=uint8",
      GST_GPU_TENSOR_ERROR_CAPS, "not fixed" },
  { "other/tensors, format=static, "
    "num_tensors=1, dimensions=3:4, types=uint8; other/tensors, "
    "format=static, num_tensors=1, dimensions=5, types=uint8",
      GST_GPU_TENSOR_ERROR_CAPS, "not fixed" },
  { "video/x-raw, format=RGB, width=4, "
    "height=4, framerate=30/1",
      GST_GPU_TENSOR_ERROR_CAPS, "video/x-raw" },
};

GST_START_TEST (test_caps_string_rejected)
{
  assert_caps_rejected (gst_caps_from_string (bad_caps[__i__].caps),
      bad_caps[__i__].code, bad_caps[__i__].needle);
}

GST_END_TEST;

GST_START_TEST (test_caps_rejects_any)
{
  assert_caps_rejected (gst_caps_new_any (), GST_GPU_TENSOR_ERROR_CAPS, "ANY");
}

GST_END_TEST;

GST_START_TEST (test_structure_rejects_dimensions_of_wrong_type)
{
  GstStructure *s = gst_structure_new (GST_GPU_TENSORS_MEDIA_TYPE, "format",
      G_TYPE_STRING, "static", "num_tensors", G_TYPE_INT, 1, "dimensions",
      G_TYPE_INT, 3, "types", G_TYPE_STRING, "uint8", NULL);
  GstGpuTensorsConfig config;
  GError *err = NULL;

  fail_if (gst_gpu_tensors_config_from_structure (&config, s, &err));
  fail_unless (
      g_error_matches (err, GST_GPU_TENSOR_ERROR, GST_GPU_TENSOR_ERROR_CAPS));
  fail_unless (strstr (err->message, "dimensions") != NULL);
  g_error_free (err);
  gst_structure_free (s);
}

GST_END_TEST;

GST_START_TEST (test_caps_rejects_negative_framerate)
{
  GstCaps *caps = make_caps ("static", 1, "3", "uint8");

  gst_caps_set_simple (caps, "framerate", GST_TYPE_FRACTION, -30, 1, NULL);
  assert_caps_rejected (caps, GST_GPU_TENSOR_ERROR_CAPS, "-30/1");
}

GST_END_TEST;

static Suite *
tensorinfo_suite (void)
{
  Suite *s = suite_create ("gpustream-tensorinfo");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_dtype_names_and_sizes);
  tcase_add_test (tc, test_parse_dimensions_valid);
  tcase_add_test (tc, test_parse_dimensions_keeps_trailing_ones);
  tcase_add_test (tc, test_parse_dimensions_rank_limit);
  tcase_add_test (tc, test_caps_single_tensor);
  tcase_add_test (tc, test_caps_multi_tensor);
  tcase_add_test (tc, test_caps_blanks_around_entries);
  tcase_add_test (tc, test_caps_defaults_format_and_num_tensors);
  tcase_add_test (tc, test_caps_sixteen_tensors);
  tcase_add_test (tc, test_round_trip);
  tcase_add_test (tc, test_to_caps_nnstreamer_fields);
  tcase_add_test (tc, test_config_is_equal_framerate);
  tcase_add_test (tc, test_sizes_reject_overflow);

  tcase_add_loop_test (tc, test_dims_rejected, 0, G_N_ELEMENTS (bad_dims));
  tcase_add_test (tc, test_dims_rejects_null);

  tcase_add_loop_test (
      tc, test_caps_fields_rejected, 0, G_N_ELEMENTS (bad_fields));
  tcase_add_test (tc, test_caps_rejects_num_tensors_above_limit);
  tcase_add_loop_test (
      tc, test_caps_string_rejected, 0, G_N_ELEMENTS (bad_caps));
  tcase_add_test (tc, test_caps_rejects_any);
  tcase_add_test (tc, test_structure_rejects_dimensions_of_wrong_type);
  tcase_add_test (tc, test_caps_rejects_negative_framerate);

  return s;
}

int
main (int argc, char **argv)
{
  /* A library unit test needs no plugin: without a registry the test does
   * not scan (and load) every plugin before forking each test. */
  g_setenv ("GST_REGISTRY_DISABLE", "yes", TRUE);
  gst_check_init (&argc, &argv);
  return gst_check_run_suite (tensorinfo_suite (), "tensorinfo", __FILE__);
}
