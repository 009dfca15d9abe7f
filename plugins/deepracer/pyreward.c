/* Reward functions in Python: embedded CPython (pyreward.h). */
#include "config.h"

#ifdef HAVE_PYTHON
/* Python.h first: it sets the feature macros the system headers see. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <frameobject.h>
#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#endif

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pyreward.h"

#include <rl/checkpoint.h>

const char dr_pyreward_missing[] =
    "this librl was built without Python: install python3-dev and rebuild "
    "(./configure reports 'CPython embed: yes')";

static void say(char *msg, size_t len, const char *fmt, ...)
{
    if (!len) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, len, fmt, ap);
    va_end(ap);
}

void dr_pyreward_names(const char *real, const char **name, size_t *name_len, size_t *dir_len)
{
    const char *slash = strrchr(real, '/');
    const char *base = slash ? slash + 1 : real;
    *name = base;
    *name_len = strcspn(base, ".");
    *dir_len = slash ? (size_t)(slash - real) + (slash == real) : 0;
}

#ifndef HAVE_PYTHON

int dr_pyreward_available(void) { return 0; }

dr_pyreward *dr_pyreward_open(const char *path, const char *symbol, int *code, char *msg,
                              size_t len)
{
    (void)symbol;
    *code = RL_EINVAL;
    say(msg, len, "cannot run '%s': %s", path, dr_pyreward_missing);
    return NULL;
}

int dr_pyreward_call(dr_pyreward *r, const rl_deepracer_params *p, double sim_time,
                     double *reward, char *msg, size_t len)
{
    (void)r, (void)p, (void)sim_time;
    *reward = 0;
    say(msg, len, "%s", dr_pyreward_missing);
    return RL_EPLUGIN;
}

void dr_pyreward_close(dr_pyreward *r) { (void)r; }

#else /* HAVE_PYTHON */

int dr_pyreward_available(void) { return 1; }

/* The keys of the simulator's params dict (RewardParam in
 * bundle/markov/agent_ctrl/constants.py, and sim_time), in its order. */
enum {
    K_ALL_WHEELS_ON_TRACK,
    K_X,
    K_Y,
    K_HEADING,
    K_DISTANCE_FROM_CENTER,
    K_PROJECTION_DISTANCE,
    K_PROGRESS,
    K_STEPS,
    K_SPEED,
    K_STEERING_ANGLE,
    K_TRACK_WIDTH,
    K_TRACK_LENGTH,
    K_WAYPOINTS,
    K_CLOSEST_WAYPOINTS,
    K_IS_LEFT_OF_CENTER,
    K_IS_REVERSED,
    K_CLOSEST_OBJECTS,
    K_OBJECTS_LOCATION,
    K_OBJECTS_LEFT_OF_CENTER,
    K_OBJECT_IN_CAMERA,
    K_OBJECTS_SPEED,
    K_OBJECTS_HEADING,
    K_OBJECTS_DISTANCE_FROM_CENTER,
    K_OBJECTS_DISTANCE,
    K_IS_CRASHED,
    K_IS_OFFTRACK,
    K_SIM_TIME,
    NKEYS
};

static const char *const key_names[NKEYS] = {
    "all_wheels_on_track", "x", "y", "heading", "distance_from_center",
    "projection_distance", "progress", "steps", "speed", "steering_angle",
    "track_width", "track_length", "waypoints", "closest_waypoints",
    "is_left_of_center", "is_reversed", "closest_objects", "objects_location",
    "objects_left_of_center", "object_in_camera", "objects_speed", "objects_heading",
    "objects_distance_from_center", "objects_distance", "is_crashed", "is_offtrack",
    "sim_time"};

/* The object lists, empty while there are no objects: reused from step to
 * step while only this code and the dict hold them. */
enum { L_OBJECTS_LOCATION, L_OBJECTS_LEFT, L_OBJECTS_SPEED, L_OBJECTS_HEADING, L_OBJECTS_DFC,
       L_OBJECTS_DISTANCE, NLISTS };

struct dr_pyreward {
    char *path;          /* as the configuration gave it, for messages */
    PyObject *module;    /* the instance's own module */
    PyObject *func;      /* its reward function */
    PyObject *params;    /* the dict passed to it, reused from step to step */
    PyObject *waypoints; /* list of (x, y) tuples, built at the first step */
    const void *wp_of;   /* the waypoints it was built from: a new track's
                          * (`track = a, b`) get a new list */
    PyObject *lists[NLISTS];
    int started;         /* counted among the interpreter's users */
};

/* ---- the process's interpreter ------------------------------------------- */

/* Compiled files, by real path, size and modification time. */
typedef struct code_entry {
    char *real;
    off_t size;
    struct timespec mtime;
    PyObject *code;
    struct code_entry *next;
} code_entry;

static pthread_mutex_t py_lock = PTHREAD_MUTEX_INITIALIZER;
static int py_ready;         /* interpreter up, keys made */
static int py_users;         /* open instances */
static PyObject *py_keys[NKEYS];
static code_entry *py_codes; /* guarded by the GIL */

/* libltdl opens the plugin with local symbols, so libpython (a dependency
 * of the plugin) is local too, and extension modules (the .so files in lib-dynload,
 * which do not link libpython) could not resolve Python's symbols. Open
 * libpython again, globally; the handle is kept for the process's life. */
static void make_libpython_global(void)
{
    Dl_info info;
    void *fn;
    void (*init)(void) = Py_Initialize;
    memcpy(&fn, &init, sizeof fn);
    if (!dladdr(fn, &info) || !info.dli_fname) return;
    if (!dlopen(info.dli_fname, RTLD_NOW | RTLD_GLOBAL | RTLD_NOLOAD))
        (void)dlopen(info.dli_fname, RTLD_NOW | RTLD_GLOBAL);
}

static int start_python(char *msg, size_t len)
{
    pthread_mutex_lock(&py_lock);
    if (py_ready) {
        py_users++;
        pthread_mutex_unlock(&py_lock);
        return RL_OK;
    }
    make_libpython_global();
    int ours = !Py_IsInitialized();
    if (ours) {
#if defined(__SANITIZE_ADDRESS__)
        /* Under AddressSanitizer, Python's objects in malloc's heap rather
         * than in pymalloc's mmap'd arenas, which LeakSanitizer does not
         * scan: it would report every object they reference as leaked. */
        PyPreConfig pre;
        PyPreConfig_InitIsolatedConfig(&pre);
        pre.allocator = PYMEM_ALLOCATOR_MALLOC;
        PyStatus pst = Py_PreInitialize(&pre);
        if (PyStatus_Exception(pst)) {
            say(msg, len, "the Python interpreter failed to start: %s",
                pst.err_msg ? pst.err_msg : "unknown error");
            pthread_mutex_unlock(&py_lock);
            return RL_EPLUGIN;
        }
#endif
        /* Isolated: no PYTHON* variables, no user site (whatever Python
         * the user's shell prefers), no signal handlers (Ctrl-C stays the
         * host's). A fixed hash seed keeps set and dict orders, and so
         * runs, the same from one run to the next. Unbuffered output, so
         * a reward function's print() shows at once (the interpreter is
         * never finalised, which would flush it). */
        PyConfig config;
        PyConfig_InitIsolatedConfig(&config);
        config.install_signal_handlers = 0;
        config.use_hash_seed = 1;
        config.hash_seed = 0;
        config.buffered_stdio = 0;
        config.write_bytecode = 0;
        config.parse_argv = 0;
        PyStatus st = Py_InitializeFromConfig(&config);
        PyConfig_Clear(&config);
        if (PyStatus_Exception(st)) {
            say(msg, len, "the Python interpreter failed to start: %s",
                st.err_msg ? st.err_msg : "unknown error");
            pthread_mutex_unlock(&py_lock);
            return RL_EPLUGIN;
        }
    }
    PyGILState_STATE gil = ours ? PyGILState_UNLOCKED : PyGILState_Ensure();
    int ok = 1;
    for (int k = 0; k < NKEYS; k++) {
        py_keys[k] = PyUnicode_InternFromString(key_names[k]);
        ok = ok && py_keys[k];
    }
    if (!ok) PyErr_Clear();
    if (ours)
        PyEval_SaveThread(); /* every later use takes the GIL with PyGILState_Ensure */
    else
        PyGILState_Release(gil);
    if (!ok) {
        say(msg, len, "out of memory in the Python interpreter");
        pthread_mutex_unlock(&py_lock);
        return RL_ENOMEM;
    }
    py_ready = 1;
    py_users = 1;
    pthread_mutex_unlock(&py_lock);
    return RL_OK;
}

/* With the GIL held. The interpreter stays; the compiled files go when no
 * instance uses them. */
static void stop_python(void)
{
    pthread_mutex_lock(&py_lock);
    if (--py_users == 0) {
        while (py_codes) {
            code_entry *c = py_codes;
            py_codes = c->next;
            Py_DECREF(c->code);
            free(c->real);
            free(c);
        }
    }
    pthread_mutex_unlock(&py_lock);
}

/* ---- messages from Python exceptions ------------------------------------- */

/* Append to buf (of size len, holding a string) what fits. */
static void append(char *buf, size_t len, const char *s)
{
    size_t used = strlen(buf);
    if (used + 1 >= len) return;
    snprintf(buf + used, len - used, "%s", s);
}

/* str(o) as UTF-8 on one line, cut to fit out. */
static void text_of(PyObject *o, char *out, size_t len)
{
    out[0] = 0;
    PyObject *s = o ? PyObject_Str(o) : NULL;
    const char *u = s ? PyUnicode_AsUTF8(s) : NULL;
    if (!u) {
        PyErr_Clear();
        snprintf(out, len, "(no message)");
    } else {
        snprintf(out, len, "%s", u);
        for (char *c = out; *c; c++)
            if (*c == '\n' || *c == '\r' || *c == '\t') *c = ' ';
    }
    Py_XDECREF(s);
}

/* "FILE:LINE in FUNC" of every frame of tb, the most recent last, in out;
 * when they do not all fit, the most recent ones after "... > ". Frames
 * of the reward's own file (own, which the message names already) give
 * only its base name. */
static void frames_of(PyObject *tb, const char *own, char *out, size_t len)
{
    enum { MAXF = 64 };
    char one[MAXF][320];
    int n = 0, dropped = 0;
    for (PyTracebackObject *t = (PyTracebackObject *)tb; t && (PyObject *)t != Py_None;
         t = t->tb_next) {
        if (n == MAXF) {
            memmove(one[0], one[1], sizeof one - sizeof one[0]);
            n--;
            dropped = 1;
        }
        PyCodeObject *code = PyFrame_GetCode(t->tb_frame);
        const char *file = code ? PyUnicode_AsUTF8(code->co_filename) : NULL;
        const char *func = code ? PyUnicode_AsUTF8(code->co_name) : NULL;
        if (!file || !func) PyErr_Clear();
        if (file && own && strcmp(file, own) == 0 && strrchr(file, '/'))
            file = strrchr(file, '/') + 1;
        snprintf(one[n++], sizeof one[0], "%s:%d in %s", file ? file : "?", t->tb_lineno,
                 func ? func : "?");
        Py_XDECREF(code);
    }
    /* Keep the most recent frames that fit. */
    int first = n;
    size_t need = 0;
    while (first > 0) {
        size_t add = strlen(one[first - 1]) + (first < n ? 3 : 0);
        if (need + add + 6 >= len) break;
        need += add;
        first--;
    }
    if (first == n && n > 0) first = n - 1; /* the raising frame, cut if need be */
    out[0] = 0;
    if (first > 0 || dropped) append(out, len, "... > ");
    for (int i = first; i < n; i++) {
        if (i > first) append(out, len, " > ");
        append(out, len, one[i]);
    }
}

/* Describe the pending exception in msg and clear it: "TYPE: MESSAGE
 * (traceback: FRAMES)". A SyntaxError names its own FILE:LINE:COLUMN. */
static void describe_exception(const char *own, char *msg, size_t len)
{
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    if (tb && value) PyException_SetTraceback(value, tb);
    const char *tname = type ? ((PyTypeObject *)type)->tp_name : "exception";
    /* Room for the message first, then the frames in what is left. */
    size_t cap = len > 64 ? len : 64;
    char *text = malloc(cap), *frames = malloc(cap);
    if (!text || !frames) {
        say(msg, len, "%s (out of memory for the rest)", tname);
        goto done;
    }
    if (type && PyErr_GivenExceptionMatches(type, PyExc_SyntaxError) && value) {
        /* filename, lineno, offset and msg: the place, not a traceback. */
        PyObject *f = PyObject_GetAttrString(value, "filename");
        PyObject *l = PyObject_GetAttrString(value, "lineno");
        PyObject *o = PyObject_GetAttrString(value, "offset");
        PyObject *m = PyObject_GetAttrString(value, "msg");
        PyErr_Clear();
        char file[1024], what[512];
        text_of(f && f != Py_None ? f : NULL, file, sizeof file);
        text_of(m, what, sizeof what);
        long line = l && PyLong_Check(l) ? PyLong_AsLong(l) : 0;
        long col = o && PyLong_Check(o) ? PyLong_AsLong(o) : 0;
        PyErr_Clear();
        say(msg, len, "%s:%ld:%ld: %s: %s", file, line, col, tname, what);
        Py_XDECREF(f), Py_XDECREF(l), Py_XDECREF(o), Py_XDECREF(m);
        goto done;
    }
    text_of(value, text, len / 2 > 48 ? len / 2 : 48);
    size_t used = strlen(tname) + strlen(text) + 16;
    frames[0] = 0;
    if (tb && used + 40 < len) frames_of(tb, own, frames, len - used - 14);
    if (frames[0])
        say(msg, len, "%s: %s (traceback: %s)", tname, text, frames);
    else
        say(msg, len, "%s: %s", tname, text);
done:
    free(text);
    free(frames);
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(tb);
}

/* ---- loading ---------------------------------------------------------------- */

/* The compiled file (a new reference), from the cache or compiled now.
 * With the GIL held. */
static PyObject *compiled(const char *path, const char *real, const struct stat *st,
                          int *code, char *msg, size_t len)
{
    for (code_entry *c = py_codes; c; c = c->next)
        if (strcmp(c->real, real) == 0 && c->size == st->st_size &&
            c->mtime.tv_sec == st->st_mtim.tv_sec && c->mtime.tv_nsec == st->st_mtim.tv_nsec) {
            Py_INCREF(c->code);
            return c->code;
        }
    size_t n;
    char *src = NULL;
    rl_error e = {0};
    if (rl_read_file(path, 0, &src, &n, &e) != RL_OK) {
        *code = e.code == RL_ENOMEM ? RL_ENOMEM : RL_ENOTFOUND;
        say(msg, len, "cannot read the reward function: %s", e.msg);
        return NULL;
    }
    if (strlen(src) != n) {
        free(src);
        *code = RL_EFORMAT;
        say(msg, len, "'%s' is not a Python source file (it holds a NUL byte)", path);
        return NULL;
    }
    PyObject *co = Py_CompileStringExFlags(src, path, Py_file_input, NULL, -1);
    free(src);
    if (!co) {
        *code = RL_EFORMAT;
        char why[1024];
        describe_exception(path, why, sizeof why);
        say(msg, len, "the reward function '%s' does not compile: %s", path, why);
        return NULL;
    }
    code_entry *c = calloc(1, sizeof *c);
    if (c && (c->real = strdup(real))) {
        c->size = st->st_size;
        c->mtime = st->st_mtim;
        c->code = co;
        Py_INCREF(co);
        c->next = py_codes;
        py_codes = c;
    } else {
        free(c);
    }
    return co;
}

/* Put the directory of real first on sys.path, so modules beside the file
 * import; once. */
static int add_path(const char *real)
{
    const char *name;
    size_t name_len, dir_len;
    dr_pyreward_names(real, &name, &name_len, &dir_len);
    PyObject *dir = PyUnicode_DecodeFSDefaultAndSize(real, (Py_ssize_t)dir_len);
    PyObject *sys_path = PySys_GetObject("path"); /* borrowed */
    int rc = -1;
    if (dir && sys_path && PyList_Check(sys_path)) {
        int has = PySequence_Contains(sys_path, dir);
        rc = has < 0 ? -1 : has ? 0 : PyList_Insert(sys_path, 0, dir);
    }
    Py_XDECREF(dir);
    return rc;
}

static PyObject *make_waypoints(const rl_deepracer_params *p)
{
    PyObject *list = PyList_New(p->num_waypoints);
    for (int i = 0; list && i < p->num_waypoints; i++) {
        PyObject *pt = Py_BuildValue("(dd)", p->waypoints[i][0], p->waypoints[i][1]);
        if (!pt) Py_CLEAR(list);
        else PyList_SET_ITEM(list, i, pt);
    }
    return list;
}

void dr_pyreward_close(dr_pyreward *r)
{
    if (!r) return;
    if (r->started) {
        PyGILState_STATE gil = PyGILState_Ensure();
        Py_XDECREF(r->func);
        Py_XDECREF(r->params);
        Py_XDECREF(r->waypoints);
        for (int i = 0; i < NLISTS; i++) Py_XDECREF(r->lists[i]);
        if (r->module) {
            /* Break the cycles between the module's functions and its dict
             * now, rather than at some later collection. */
            PyObject *d = PyModule_GetDict(r->module);
            if (d) PyDict_Clear(d);
            Py_DECREF(r->module);
        }
        stop_python();
        PyGILState_Release(gil);
    }
    free(r->path);
    free(r);
}

dr_pyreward *dr_pyreward_open(const char *path, const char *symbol, int *code, char *msg,
                              size_t len)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        *code = RL_ENOTFOUND;
        say(msg, len, "no reward function file '%s': %s", path, strerror(errno));
        return NULL;
    }
    if (!S_ISREG(st.st_mode)) {
        *code = RL_EINVAL;
        say(msg, len, "'%s' is not a file: give a Python file (.py)", path);
        return NULL;
    }
    char real[PATH_MAX];
    if (!realpath(path, real)) {
        *code = RL_ENOTFOUND;
        say(msg, len, "cannot resolve '%s': %s", path, strerror(errno));
        return NULL;
    }
    dr_pyreward *r = calloc(1, sizeof *r);
    if (!r || !(r->path = strdup(path))) {
        free(r);
        *code = RL_ENOMEM;
        say(msg, len, "out of memory for the reward function '%s'", path);
        return NULL;
    }
    int rc = start_python(msg, len);
    if (rc != RL_OK) {
        *code = rc;
        free(r->path);
        free(r);
        return NULL;
    }
    r->started = 1;
    PyGILState_STATE gil = PyGILState_Ensure();
    PyObject *co = compiled(path, real, &st, code, msg, len);
    if (!co) goto fail;

    /* The module: named after the file (so not "__main__": a file's own
     * test code under `if __name__ == "__main__":` does not run). */
    const char *name;
    size_t name_len, dir_len;
    dr_pyreward_names(real, &name, &name_len, &dir_len);
    /* Decoded as Python decodes file names (surrogateescape), so a name
     * that is not UTF-8 still makes a module, as `python3 FILE` would. */
    PyObject *mod_name = name_len ? PyUnicode_DecodeFSDefaultAndSize(name, (Py_ssize_t)name_len)
                                  : PyUnicode_FromString("reward_function");
    r->module = mod_name ? PyModule_NewObject(mod_name) : NULL;
    Py_XDECREF(mod_name);
    PyObject *d = r->module ? PyModule_GetDict(r->module) : NULL;
    PyObject *file = PyUnicode_DecodeFSDefault(real);
    if (!d || !file || PyDict_SetItemString(d, "__file__", file) < 0 ||
        PyDict_SetItemString(d, "__builtins__", PyEval_GetBuiltins()) < 0 || add_path(real) < 0) {
        Py_XDECREF(file);
        Py_DECREF(co);
        *code = RL_EPLUGIN;
        char why[512];
        describe_exception(path, why, sizeof why);
        say(msg, len, "cannot set up a module for '%s': %s", path, why);
        goto fail;
    }
    Py_DECREF(file);
    PyObject *res = PyEval_EvalCode(co, d, d);
    Py_DECREF(co);
    if (!res) {
        *code = RL_EFORMAT;
        char why[1024];
        describe_exception(path, why, sizeof why);
        say(msg, len, "the reward function file '%s' failed while it loaded: %s", path, why);
        goto fail;
    }
    Py_DECREF(res);
    PyObject *fn = PyDict_GetItemString(d, symbol); /* borrowed */
    if (!fn) {
        *code = RL_ENOTFOUND;
        say(msg, len, "'%s' defines no function '%s'", path, symbol);
        goto fail;
    }
    if (!PyCallable_Check(fn)) {
        *code = RL_ENOTFOUND;
        say(msg, len, "'%s' in '%s' is a %s, not a function", symbol, path, Py_TYPE(fn)->tp_name);
        goto fail;
    }
    Py_INCREF(fn);
    r->func = fn;

    /* The dict and the lists; the waypoints come with the first step. */
    r->params = PyDict_New();
    int ok = r->params != NULL;
    for (int i = 0; ok && i < NLISTS; i++) ok = (r->lists[i] = PyList_New(0)) != NULL;
    if (!ok) {
        PyErr_Clear();
        *code = RL_ENOMEM;
        say(msg, len, "out of memory for the parameters of '%s'", path);
        goto fail;
    }
    PyGILState_Release(gil);
    return r;
fail:
    PyGILState_Release(gil);
    dr_pyreward_close(r);
    return NULL;
}

/* ---- a step ------------------------------------------------------------------ */

/* Set params[key] to v (a new reference, taken); -1 on failure. */
static int put(PyObject *d, int key, PyObject *v)
{
    if (!v) return -1;
    int rc = PyDict_SetItem(d, py_keys[key], v);
    Py_DECREF(v);
    return rc;
}

static PyObject *new_bool(int b) { return PyBool_FromLong(b); }

/* A list of n items for the instance's object list i (the caller sets
 * them): while there are no objects, the same empty list every step,
 * unless the reward function kept it or changed it. A new reference. */
static PyObject *object_list(dr_pyreward *r, int i, Py_ssize_t n)
{
    PyObject *l = r->lists[i];
    if (n == 0 && Py_REFCNT(l) <= 2 && PyList_GET_SIZE(l) == 0) {
        Py_INCREF(l);
        return l;
    }
    if (n == 0) {
        if (!(l = PyList_New(0))) return NULL;
        Py_SETREF(r->lists[i], l);
        Py_INCREF(l);
        return l;
    }
    l = PyList_New(n);
    for (Py_ssize_t k = 0; l && k < n; k++) {
        Py_INCREF(Py_None);
        PyList_SET_ITEM(l, k, Py_None);
    }
    return l;
}

/* A new [a, b]. */
static PyObject *int_pair(int a, int b) { return Py_BuildValue("[ii]", a, b); }

static PyObject *float_list(dr_pyreward *r, int i, int n, const double *v)
{
    PyObject *l = object_list(r, i, v ? n : 0);
    for (int k = 0; l && v && k < n; k++) {
        PyObject *f = PyFloat_FromDouble(v[k]);
        if (!f) Py_CLEAR(l);
        else PyList_SetItem(l, k, f);
    }
    return l;
}

static int fill(dr_pyreward *r, const rl_deepracer_params *p, double sim_time)
{
    /* A dict the function kept (module-level state holding last step's
     * params, say) is left to it, as the simulator passes a new one
     * every step. */
    if (Py_REFCNT(r->params) > 1) {
        PyObject *d = PyDict_New();
        if (!d) return -1;
        Py_SETREF(r->params, d);
        /* Its lists stay with it too. */
        for (int i = 0; i < NLISTS; i++) {
            PyObject *l = PyList_New(0);
            if (!l) return -1;
            Py_SETREF(r->lists[i], l);
        }
    }
    PyObject *d = r->params;
    /* What never changes while the track stays, once per track. */
    if (r->waypoints && r->wp_of != (const void *)p->waypoints) Py_CLEAR(r->waypoints);
    if (!r->waypoints) {
        if (!(r->waypoints = make_waypoints(p))) return -1;
        r->wp_of = (const void *)p->waypoints;
    }
    int n = p->num_objects > 0 ? p->num_objects : 0;
    int rc = 0;
    rc |= put(d, K_ALL_WHEELS_ON_TRACK, new_bool(p->all_wheels_on_track));
    rc |= put(d, K_X, PyFloat_FromDouble(p->x));
    rc |= put(d, K_Y, PyFloat_FromDouble(p->y));
    rc |= put(d, K_HEADING, PyFloat_FromDouble(p->heading));
    rc |= put(d, K_DISTANCE_FROM_CENTER, PyFloat_FromDouble(p->distance_from_center));
    rc |= put(d, K_PROJECTION_DISTANCE, PyFloat_FromDouble(p->projection_distance));
    rc |= put(d, K_PROGRESS, PyFloat_FromDouble(p->progress));
    rc |= put(d, K_STEPS, PyLong_FromLong(p->steps));
    rc |= put(d, K_SPEED, PyFloat_FromDouble(p->speed));
    rc |= put(d, K_STEERING_ANGLE, PyFloat_FromDouble(p->steering_angle));
    rc |= put(d, K_TRACK_WIDTH, PyFloat_FromDouble(p->track_width));
    rc |= put(d, K_TRACK_LENGTH, PyFloat_FromDouble(p->track_length));
    Py_INCREF(r->waypoints);
    rc |= put(d, K_WAYPOINTS, r->waypoints);
    rc |= put(d, K_CLOSEST_WAYPOINTS,
              int_pair(p->closest_waypoints[0], p->closest_waypoints[1]));
    rc |= put(d, K_IS_LEFT_OF_CENTER, new_bool(p->is_left_of_center));
    rc |= put(d, K_IS_REVERSED, new_bool(p->is_reversed));
    rc |= put(d, K_CLOSEST_OBJECTS,
              int_pair(p->closest_objects[0], p->closest_objects[1]));
    PyObject *loc = object_list(r, L_OBJECTS_LOCATION, p->objects_location ? n : 0);
    for (int k = 0; loc && p->objects_location && k < n; k++) {
        PyObject *pt = Py_BuildValue("(dd)", p->objects_location[k][0], p->objects_location[k][1]);
        if (!pt) Py_CLEAR(loc);
        else PyList_SetItem(loc, k, pt);
    }
    rc |= put(d, K_OBJECTS_LOCATION, loc);
    PyObject *left = object_list(r, L_OBJECTS_LEFT, p->objects_left_of_center ? n : 0);
    for (int k = 0; left && p->objects_left_of_center && k < n; k++)
        PyList_SetItem(left, k, new_bool(p->objects_left_of_center[k]));
    rc |= put(d, K_OBJECTS_LEFT_OF_CENTER, left);
    rc |= put(d, K_OBJECT_IN_CAMERA, new_bool(0)); /* no camera, no objects yet */
    rc |= put(d, K_OBJECTS_SPEED, float_list(r, L_OBJECTS_SPEED, n, p->objects_speed));
    rc |= put(d, K_OBJECTS_HEADING, float_list(r, L_OBJECTS_HEADING, n, p->objects_heading));
    rc |= put(d, K_OBJECTS_DISTANCE_FROM_CENTER,
              float_list(r, L_OBJECTS_DFC, n, p->objects_distance_from_center));
    rc |= put(d, K_OBJECTS_DISTANCE, float_list(r, L_OBJECTS_DISTANCE, n, p->objects_distance));
    rc |= put(d, K_IS_CRASHED, new_bool(p->is_crashed));
    rc |= put(d, K_IS_OFFTRACK, new_bool(p->is_offtrack));
    rc |= put(d, K_SIM_TIME, PyFloat_FromDouble(sim_time));
    return rc ? -1 : 0;
}

int dr_pyreward_call(dr_pyreward *r, const rl_deepracer_params *p, double sim_time,
                     double *reward, char *msg, size_t len)
{
    *reward = 0;
    PyGILState_STATE gil = PyGILState_Ensure();
    int rc = RL_OK;
    PyObject *res = NULL;
    if (fill(r, p, sim_time) < 0) {
        char why[256];
        describe_exception(r->path, why, sizeof why);
        say(msg, len, "could not be given its parameters: %s", why);
        rc = RL_EPLUGIN;
        goto done;
    }
    res = PyObject_CallOneArg(r->func, r->params);
    if (!res) {
        say(msg, len, "raised ");
        size_t used = strlen(msg);
        describe_exception(r->path, msg + used, len > used ? len - used : 0);
        rc = RL_EPLUGIN;
        goto done;
    }
    /* A number, as float() takes it, but no string. */
    PyTypeObject *t = Py_TYPE(res);
    if (PyFloat_Check(res)) {
        *reward = PyFloat_AS_DOUBLE(res);
    } else if (!PyUnicode_Check(res) && !PyBytes_Check(res) && t->tp_as_number &&
               (t->tp_as_number->nb_float || t->tp_as_number->nb_index)) {
        /* int, bool and numbers with __float__ or __index__. */
        PyObject *f = PyNumber_Float(res);
        if (!f) {
            say(msg, len, "returned %s that float() refused: ", t->tp_name);
            size_t used = strlen(msg);
            describe_exception(r->path, msg + used, len > used ? len - used : 0);
            rc = RL_EPLUGIN;
            goto done;
        }
        *reward = PyFloat_AS_DOUBLE(f);
        Py_DECREF(f);
    } else {
        say(msg, len, "returned a %s, not a number (int, float or bool)", t->tp_name);
        rc = RL_EPLUGIN;
    }
done:
    Py_XDECREF(res);
    PyGILState_Release(gil);
    return rc;
}

#endif /* HAVE_PYTHON */
