/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Engine registry and the engine-independent part of the vtable calls.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

/* dladdr, dl_iterate_phdr, RTLD_DEEPBIND */
#define _GNU_SOURCE

#include <string.h>

#include <dlfcn.h>
#include <link.h>
#include <gmodule.h>

#include "elements/gpuinfer/engines/gstgpuengine.h"

GQuark
gst_gpu_engine_error_quark (void)
{
  return g_quark_from_static_string ("gst-gpu-engine-error-quark");
}

/* Engines live in modules of their own (libgstgpustream-engine-NAME.so),
 * loaded the first time a model needs them: a heavy runtime such as
 * libtorch then costs nothing to pipelines that never open a model. */
typedef struct
{
  const gchar *name;
  const gchar *const *extensions;
  const gchar *symbol; /* the module's GstGpuEngineClass */
} GstGpuEngineEntry;

static const gchar *const torch_extensions[]
    = { ".pt", ".pth", ".torchscript", NULL };
static const gchar *const onnx_extensions[] = { ".onnx", NULL };

/* Known engines, loadable or not, so `engine=auto` can say which engine a
 * model would need. Add ONNX Runtime / TensorRT entries here. */
static const GstGpuEngineEntry engines[] = {
  { "torch", torch_extensions, "gst_gpu_engine_torch_class" },
  { "onnx", onnx_extensions, "gst_gpu_engine_onnx_class" },
};

/* Directories searched for engine modules: GST_GPUSTREAM_ENGINE_PATH
 * (colon separated, e.g. a build tree), then the install directory. */
static gchar *
find_module_file (const gchar *name)
{
  const gchar *env = g_getenv ("GST_GPUSTREAM_ENGINE_PATH");
  gchar *basename
      = g_strdup_printf ("libgstgpustream-engine-%s.%s", name, G_MODULE_SUFFIX);
  gchar **dirs = g_strsplit (env ? env : "", G_SEARCHPATH_SEPARATOR_S, -1);
  gchar *found = NULL;
  guint i;

  for (i = 0; dirs[i] && !found; i++) {
    gchar *path;

    if (!*dirs[i])
      continue;
    path = g_build_filename (dirs[i], basename, NULL);
    if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
      found = path;
    else
      g_free (path);
  }
  if (!found) {
    gchar *path = g_build_filename (GST_GPU_ENGINE_DIR, basename, NULL);

    if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
      found = path;
    else
      g_free (path);
  }
  g_strfreev (dirs);
  g_free (basename);
  return found;
}

/* C++ exceptions and the two unwinders.
 *
 * Debian's libgstreamer-1.0 links libunwind.so.8, which exports the same
 * _Unwind_* entry points as GCC's libgcc_s.so.1; both then sit in the
 * process, and an exception must be raised and resumed by the same one.
 * libstdc++ raises with whichever it bound first. When a program loaded
 * libstdc++ before GStreamer (Python imports every extension module with
 * RTLD_NOW, so any C++ module imported before gi binds it), libstdc++
 * raises with libgcc_s, while libtorch (linked with -z now) and this
 * engine, loaded later, bind _Unwind_Resume through the global scope,
 * where libgstreamer put libunwind. The first cleanup frame inside
 * libtorch then resumes a libgcc_s exception with libunwind, whose
 * personality call ends in std::terminate: a model that raises aborts
 * the process instead of reaching the engine's catch.
 *
 * The engine module cannot change libstdc++'s choice, so it follows it:
 * when libstdc++ already raises with a library other than the one the
 * global scope would give the engine, the module is loaded with
 * RTLD_DEEPBIND, so that it and the libraries it brings (libtorch, c10)
 * bind their own dependencies first, libgcc_s among them. When libstdc++
 * has not bound yet it will bind the way the engine does, and the module
 * is loaded normally. */

/* Where libstdc++'s _Unwind_RaiseException PLT slot points: the raising
 * unwinder once bound, an address inside libstdc++ before that. */
static int
find_cxx_raise_slot (struct dl_phdr_info *info, size_t size, void *data)
{
  gpointer *target = data;
  const ElfW (Rela) *rela = NULL;
  const ElfW (Sym) *symtab = NULL;
  const gchar *strtab = NULL;
  gsize rela_size = 0, i;
  guint p;

  if (!info->dlpi_name || !strstr (info->dlpi_name, "/libstdc++.so"))
    return 0;
  for (p = 0; p < info->dlpi_phnum; p++) {
    const ElfW (Dyn) * dyn;

    if (info->dlpi_phdr[p].p_type != PT_DYNAMIC)
      continue;
    /* the loader has relocated these addresses in place */
    for (dyn
         = (const ElfW (Dyn) *)(info->dlpi_addr + info->dlpi_phdr[p].p_vaddr);
         dyn->d_tag != DT_NULL; dyn++) {
      if (dyn->d_tag == DT_JMPREL)
        rela = (const ElfW (Rela) *)dyn->d_un.d_ptr;
      else if (dyn->d_tag == DT_PLTRELSZ)
        rela_size = dyn->d_un.d_val;
      else if (dyn->d_tag == DT_SYMTAB)
        symtab = (const ElfW (Sym) *)dyn->d_un.d_ptr;
      else if (dyn->d_tag == DT_STRTAB)
        strtab = (const gchar *)dyn->d_un.d_ptr;
    }
  }
  if (!rela || !symtab || !strtab)
    return 1;
  for (i = 0; i < rela_size / sizeof (*rela); i++) {
    const ElfW (Sym) *sym = &symtab[ELF64_R_SYM (rela[i].r_info)];

    if (strcmp (strtab + sym->st_name, "_Unwind_RaiseException") == 0) {
      *target = *(gpointer *)(info->dlpi_addr + rela[i].r_offset);
      break;
    }
  }
  return 1;
}

/* AddressSanitizer aborts the process on any dlopen with RTLD_DEEPBIND
 * (its interceptors must come first in every lookup), so a sanitizer build
 * loads the engine normally and only warns. */
#if defined(__SANITIZE_ADDRESS__)
#define GST_GPU_ENGINE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define GST_GPU_ENGINE_ASAN 1
#endif
#endif

/* RTLD_DEEPBIND when libstdc++ is bound to another unwinder than the
 * global scope offers (see above), else 0. */
static int
cxx_unwinder_bind_flag (void)
{
  gpointer raise = NULL, resume;
  Dl_info raise_info, resume_info;

  dl_iterate_phdr (find_cxx_raise_slot, &raise);
  if (!raise || !dladdr (raise, &raise_info)
      || strstr (raise_info.dli_fname, "/libstdc++.so"))
    return 0;
  resume = dlsym (RTLD_DEFAULT, "_Unwind_Resume");
  if (!resume || !dladdr (resume, &resume_info)
      || g_strcmp0 (raise_info.dli_fname, resume_info.dli_fname) == 0)
    return 0;
#ifdef GST_GPU_ENGINE_ASAN
  GST_WARNING ("libstdc++ raises with %s but _Unwind_Resume resolves to %s, "
               "and AddressSanitizer forbids loading the engine with its own "
               "dependencies first: a model that raises may abort",
      raise_info.dli_fname, resume_info.dli_fname);
  return 0;
#else
  GST_INFO ("libstdc++ raises with %s but _Unwind_Resume resolves to %s: "
            "loading the engine with its own dependencies first",
      raise_info.dli_fname, resume_info.dli_fname);
  return RTLD_DEEPBIND;
#endif
}

/* OpenMP threads that wait (libgomp's default, OMP_WAIT_POLICY unset)
 * spin on their core between parallel regions. libtorch's CPU kernels run
 * on OpenMP, and in a pipeline the cores are shared with the elements'
 * own threads (sources, gpubatch's conversion): a spinning worker of the
 * engine takes a core from them, and the forward pass then waits on
 * threads that cannot run. Measured with the demo pipeline on 2 cores:
 * one of two runs fell from ~250 to ~15 items/s. libgomp reads the policy
 * once, when it is loaded, so it is set (unless the user set it) before
 * the engine module brings libgomp in. */
static void
prefer_passive_openmp (void)
{
  void *gomp;

  if (g_getenv ("OMP_WAIT_POLICY"))
    return;
  gomp = dlopen ("libgomp.so.1", RTLD_LAZY | RTLD_NOLOAD);
  if (gomp) {
    dlclose (gomp);
    GST_INFO ("libgomp is already loaded: OMP_WAIT_POLICY left unset");
    return;
  }
  g_setenv ("OMP_WAIT_POLICY", "PASSIVE", FALSE);
}

/* Loads the entry's module once per process; it stays resident. */
static const GstGpuEngineClass *
load_engine_class (const GstGpuEngineEntry *entry, GError **error)
{
  static GMutex lock;
  static GHashTable *loaded; /* name -> class */
  const GstGpuEngineClass *klass;
  gchar *file = NULL;
  GModule *module;
  gpointer symbol = NULL;

  g_mutex_lock (&lock);
  if (!loaded)
    loaded = g_hash_table_new (g_str_hash, g_str_equal);
  klass = g_hash_table_lookup (loaded, entry->name);
  if (klass) {
    g_mutex_unlock (&lock);
    return klass;
  }

  file = find_module_file (entry->name);
  if (!file) {
    g_set_error (error, GST_GPU_ENGINE_ERROR, GST_GPU_ENGINE_ERROR_UNAVAILABLE,
        "the %s engine is not installed: no libgstgpustream-engine-%s in "
        "GST_GPUSTREAM_ENGINE_PATH or %s (was it built without its "
        "runtime?)",
        entry->name, entry->name, GST_GPU_ENGINE_DIR);
    goto failed;
  }
  prefer_passive_openmp ();
  /* opened here first with the flags GModule cannot express; the
   * g_module_open below then takes that same, already loaded, module */
  if (!dlopen (file, RTLD_NOW | RTLD_LOCAL | cxx_unwinder_bind_flag ())) {
    g_set_error (error, GST_GPU_ENGINE_ERROR, GST_GPU_ENGINE_ERROR_UNAVAILABLE,
        "could not load the %s engine from '%s': %s", entry->name, file,
        dlerror ());
    goto failed;
  }
  module = g_module_open (file, G_MODULE_BIND_LOCAL);
  if (!module) {
    g_set_error (error, GST_GPU_ENGINE_ERROR, GST_GPU_ENGINE_ERROR_UNAVAILABLE,
        "could not load the %s engine from '%s': %s", entry->name, file,
        g_module_error ());
    goto failed;
  }
  if (!g_module_symbol (module, entry->symbol, &symbol) || !symbol) {
    g_set_error (error, GST_GPU_ENGINE_ERROR, GST_GPU_ENGINE_ERROR_UNAVAILABLE,
        "'%s' is not a %s engine module (no %s)", file, entry->name,
        entry->symbol);
    g_module_close (module);
    goto failed;
  }
  g_module_make_resident (module);
  klass = symbol;
  g_hash_table_insert (loaded, (gpointer)entry->name, (gpointer)klass);
  g_mutex_unlock (&lock);
  g_free (file);
  return klass;

  /* ERRORS */
failed:
  g_mutex_unlock (&lock);
  g_free (file);
  return NULL;
}

static const GstGpuEngineEntry *
find_entry_by_name (const gchar *name)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (engines); i++) {
    if (g_ascii_strcasecmp (engines[i].name, name) == 0)
      return &engines[i];
  }
  return NULL;
}

static const GstGpuEngineEntry *
find_entry_by_path (const gchar *path)
{
  const GstGpuEngineEntry *found = NULL;
  gchar *lower = g_ascii_strdown (path, -1);
  guint i, j;

  for (i = 0; i < G_N_ELEMENTS (engines) && !found; i++) {
    for (j = 0; engines[i].extensions[j] && !found; j++) {
      if (g_str_has_suffix (lower, engines[i].extensions[j]))
        found = &engines[i];
    }
  }
  g_free (lower);
  return found;
}

/* Returns: (transfer full): each known engine with the model file
 * extensions it takes, e.g. "torch: .pt .pth; onnx: .onnx". */
static gchar *
describe_extensions (void)
{
  GString *s = g_string_new (NULL);
  guint i, j;

  for (i = 0; i < G_N_ELEMENTS (engines); i++) {
    g_string_append_printf (s, "%s%s:", i ? "; " : "", engines[i].name);
    for (j = 0; engines[i].extensions[j]; j++)
      g_string_append_printf (s, " %s", engines[i].extensions[j]);
  }
  return g_string_free (s, FALSE);
}

gchar *
gst_gpu_engine_list_available (void)
{
  GString *s = g_string_new (NULL);
  guint i;

  for (i = 0; i < G_N_ELEMENTS (engines); i++) {
    gchar *file = find_module_file (engines[i].name);

    if (file) {
      if (s->len)
        g_string_append (s, ", ");
      g_string_append (s, engines[i].name);
    }
    g_free (file);
  }
  if (!s->len)
    g_string_append (s, "none");
  return g_string_free (s, FALSE);
}

GstGpuEngine *
gst_gpu_engine_open (const gchar *engine_name, const gchar *model_path,
    const GstGpuEngineDevice *device, const GstGpuEngineOptions *options,
    GError **error)
{
  const GstGpuEngineOptions defaults = { TRUE, 0 };
  const GstGpuEngineEntry *entry;
  const GstGpuEngineClass *klass;
  GstGpuEngine *engine;
  gchar *available = NULL;

  g_return_val_if_fail (device != NULL, NULL);

  if (!model_path || !*model_path) {
    g_set_error (error, GST_GPU_ENGINE_ERROR, GST_GPU_ENGINE_ERROR_MODEL,
        "no model set: set the `model` property to a model file");
    goto failed;
  }
  if (!engine_name || g_ascii_strcasecmp (engine_name, "auto") == 0) {
    entry = find_entry_by_path (model_path);
    if (!entry) {
      available = describe_extensions ();
      g_set_error (error, GST_GPU_ENGINE_ERROR,
          GST_GPU_ENGINE_ERROR_UNAVAILABLE,
          "no engine handles the file type of model '%s' (%s); set the "
          "`engine` property",
          model_path, available);
      goto failed;
    }
  } else {
    entry = find_entry_by_name (engine_name);
    if (!entry) {
      available = gst_gpu_engine_list_available ();
      g_set_error (error, GST_GPU_ENGINE_ERROR,
          GST_GPU_ENGINE_ERROR_UNAVAILABLE,
          "unknown engine '%s' for model '%s' (available: auto, %s)",
          engine_name, model_path, available);
      goto failed;
    }
  }
  if (!g_file_test (model_path, G_FILE_TEST_IS_REGULAR)) {
    g_set_error (error, GST_GPU_ENGINE_ERROR, GST_GPU_ENGINE_ERROR_MODEL,
        "model file '%s' does not exist or is not a regular file", model_path);
    goto failed;
  }

  klass = load_engine_class (entry, error);
  if (!klass) {
    g_prefix_error (error, "model '%s': ", model_path);
    goto failed;
  }

  engine = g_malloc0 (klass->instance_size);
  engine->klass = klass;
  engine->model_path = g_strdup (model_path);
  engine->device = *device;
  engine->options = options ? *options : defaults;
  if (!engine->klass->open (engine, error))
    goto open_failed;
  return engine;

  /* ERRORS */
open_failed:
  g_free (engine->warning);
  g_free (engine->model_path);
  g_free (engine);
failed:
  g_free (available);
  return NULL;
}

gboolean
gst_gpu_engine_configure (
    GstGpuEngine *engine, const GstGpuTensorInfo *inputs, GError **error)
{
  g_return_val_if_fail (engine != NULL, FALSE);
  return engine->klass->configure (engine, inputs, error);
}

gboolean
gst_gpu_engine_run (GstGpuEngine *engine, guint n,
    const GstGpuEngineTensor *inputs, GstGpuEngineTensor *outputs,
    gboolean *failed, GError **error)
{
  g_return_val_if_fail (engine != NULL, FALSE);
  memset (failed, 0, n * sizeof (gboolean));
  return engine->klass->run (engine, n, inputs, outputs, failed, error);
}

void
gst_gpu_engine_free (GstGpuEngine *engine)
{
  if (!engine)
    return;
  engine->klass->close (engine);
  g_free (engine->warning);
  g_free (engine->model_path);
  g_free (engine);
}

const gchar *
gst_gpu_engine_get_name (GstGpuEngine *engine)
{
  return engine->klass->name;
}

const gchar *
gst_gpu_engine_get_backend (GstGpuEngine *engine)
{
  return engine->backend ? engine->backend : engine->klass->name;
}

static void
append_info (GString *s, const GstGpuTensorInfo *info)
{
  guint i;

  if (info->rank == 0 || info->dtype == GST_GPU_DTYPE_INVALID) {
    g_string_append (s, "?");
    return;
  }
  g_string_append_printf (s, "%s ", gst_gpu_dtype_to_string (info->dtype));
  for (i = 0; i < info->rank; i++) {
    if (i)
      g_string_append_c (s, ':');
    if (info->dims[i] == 0)
      g_string_append_c (s, 'N');
    else
      g_string_append_printf (s, "%" G_GUINT64_FORMAT, info->dims[i]);
  }
}

gchar *
gst_gpu_engine_describe_tensors (
    guint n, const GstGpuEngineTensorDesc *descs, const GstGpuTensorInfo *infos)
{
  GString *s = g_string_new (NULL);
  guint i;

  for (i = 0; i < n; i++) {
    if (i)
      g_string_append (s, ", ");
    g_string_append_printf (s, "%s=", descs[i].name);
    append_info (s, infos ? &infos[i] : &descs[i].info);
  }
  return g_string_free (s, FALSE);
}
