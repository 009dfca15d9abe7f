/* librl: the registry of environment types and plugin loading with libltdl.
 *
 * Lifetime: each loaded plugin is a record with a reference count. The
 * registry that loaded it holds one reference, and every environment made
 * from one of its types holds another (rl__plugin_hold), so freeing the
 * registry before the environments does not unmap code still in use. The
 * records are process-wide because an environment knows only its type. */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <ltdl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "rl/plugin.h"

#define NAME_MAX_LEN 64

/* ---- process-wide plugin records ---------------------------------------------- */

typedef struct plugin_rec {
    char name[NAME_MAX_LEN];
    lt_dlhandle handle;
    unsigned refs;
    struct plugin_rec *next;
} plugin_rec;

/* Which plugin registered which type: the core's copy of the plugin's
 * table lives here, as long as the plugin stays loaded. */
typedef struct owned_type {
    rl_env_type type;
    plugin_rec *plugin;
    struct owned_type *next;
} owned_type;

static pthread_mutex_t plugins_lock = PTHREAD_MUTEX_INITIALIZER;
static plugin_rec *plugins;
static owned_type *owned;

/* Call with plugins_lock held. */
static void rec_release_locked(plugin_rec *p)
{
    if (--p->refs > 0) return;
    for (owned_type **o = &owned; *o;) {
        if ((*o)->plugin == p) {
            owned_type *dead = *o;
            *o = dead->next;
            free(dead);
        } else {
            o = &(*o)->next;
        }
    }
    for (plugin_rec **q = &plugins; *q; q = &(*q)->next) {
        if (*q == p) {
            *q = p->next;
            break;
        }
    }
    lt_dlclose(p->handle);
    lt_dlexit();
    free(p);
}

void rl__plugin_hold(const rl_env_type *type)
{
    pthread_mutex_lock(&plugins_lock);
    for (owned_type *o = owned; o; o = o->next) {
        if (&o->type == type) {
            o->plugin->refs++;
            break;
        }
    }
    pthread_mutex_unlock(&plugins_lock);
}

void rl__plugin_release(const rl_env_type *type)
{
    pthread_mutex_lock(&plugins_lock);
    for (owned_type *o = owned; o; o = o->next) {
        if (&o->type == type) {
            rec_release_locked(o->plugin);
            break;
        }
    }
    pthread_mutex_unlock(&plugins_lock);
}

/* ---- the registry ---------------------------------------------------------------- */

typedef struct env_entry {
    const rl_env_type *type; /* the core's copy: an owned_type's, or own */
    rl_env_type *own;        /* the copy of a type added directly, or NULL */
    char plugin[NAME_MAX_LEN];
} env_entry;

typedef struct command_entry {
    rl_command cmd;          /* the core's copy */
    char plugin[NAME_MAX_LEN];
} command_entry;

struct rl_registry {
    env_entry *envs;
    size_t nenvs, cap;
    command_entry *cmds;
    size_t ncmds;
    plugin_rec **loaded; /* plugins this registry holds a reference on */
    size_t nloaded;
    plugin_rec *loading; /* the plugin whose entry point is running */
    char *search_path;
    char errmsg[RL_ERRMSG_SIZE * 4];
};

static int append_dir(char **path, const char *dir)
{
    size_t old = *path ? strlen(*path) : 0, add = strlen(dir);
    char *p = realloc(*path, old + add + 2);
    if (!p) return RL_ENOMEM;
    if (old) p[old++] = ':';
    memcpy(p + old, dir, add + 1);
    *path = p;
    return RL_OK;
}

static int is_dir(const char *d)
{
    struct stat st;
    return stat(d, &st) == 0 && S_ISDIR(st.st_mode);
}

static int build_search_path(rl_registry *reg)
{
    const char *env = getenv("RL_PLUGIN_PATH");
    if (env && *env) {
        char *copy = strdup(env);
        if (!copy) return RL_ENOMEM;
        for (char *save = NULL, *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
            if (append_dir(&reg->search_path, d) != RL_OK) {
                free(copy);
                return RL_ENOMEM;
            }
        }
        free(copy);
    }
    /* The build tree comes before the install directory so that a freshly
     * built plugin wins over an older installed one while developing. */
    if (is_dir(RL_BUILD_PLUGINDIR) && append_dir(&reg->search_path, RL_BUILD_PLUGINDIR) != RL_OK)
        return RL_ENOMEM;
    if (append_dir(&reg->search_path, RL_PKGLIBDIR) != RL_OK) return RL_ENOMEM;
    return RL_OK;
}

rl_registry *rl_registry_alloc(rl_error *err)
{
    rl_registry *reg = calloc(1, sizeof *reg);
    if (!reg) {
        rl_error_set(err, RL_ENOMEM, "out of memory for the registry");
        return NULL;
    }
    if (build_search_path(reg) != RL_OK) {
        free(reg->search_path);
        free(reg);
        rl_error_set(err, RL_ENOMEM, "out of memory for the plugin search path");
        return NULL;
    }
    return reg;
}

void rl_registry_free(rl_registry *reg)
{
    if (!reg) return;
    pthread_mutex_lock(&plugins_lock);
    for (size_t i = 0; i < reg->nloaded; i++) rec_release_locked(reg->loaded[i]);
    pthread_mutex_unlock(&plugins_lock);
    free(reg->loaded);
    for (size_t i = 0; i < reg->nenvs; i++) free(reg->envs[i].own);
    free(reg->envs);
    free(reg->cmds);
    free(reg->search_path);
    free(reg);
}

static int valid_name(const char *name)
{
    size_t n = 0;
    for (; name[n]; n++)
        if (!(islower((unsigned char)name[n]) || isdigit((unsigned char)name[n]) || name[n] == '_'))
            return 0;
    return n > 0 && n < NAME_MAX_LEN;
}

int rl_registry_add_env(rl_registry *reg, const rl_env_type *type)
{
    rl_env_type copy;
    int rc = rl__env_type_copy(type, &copy, reg->errmsg);
    if (rc != RL_OK) return rc;
    if (!valid_name(copy.name))
        return rl__fmt(reg->errmsg, RL_EINVAL,
                       "environment name '%s' is not valid: use 1 to %d of a-z, 0-9 and _",
                       copy.name, NAME_MAX_LEN - 1);
    for (size_t i = 0; i < reg->nenvs; i++) {
        if (strcmp(reg->envs[i].type->name, copy.name) == 0)
            return rl__fmt(reg->errmsg, RL_EINVAL,
                           "environment '%s' is registered twice (by %s and by %s)", copy.name,
                           reg->envs[i].plugin[0] ? reg->envs[i].plugin : "the program",
                           reg->loading ? reg->loading->name : "the program");
    }
    if (reg->nenvs == reg->cap) {
        size_t cap = reg->cap ? 2 * reg->cap : 8;
        env_entry *e = realloc(reg->envs, cap * sizeof *e);
        if (!e) return rl__fmt(reg->errmsg, RL_ENOMEM, "out of memory registering '%s'", copy.name);
        reg->envs = e;
        reg->cap = cap;
    }
    env_entry *e = &reg->envs[reg->nenvs];
    e->own = NULL;
    if (reg->loading) {
        owned_type *o = malloc(sizeof *o);
        if (!o) return rl__fmt(reg->errmsg, RL_ENOMEM, "out of memory registering '%s'", copy.name);
        o->type = copy;
        pthread_mutex_lock(&plugins_lock);
        o->plugin = reg->loading;
        o->next = owned;
        owned = o;
        pthread_mutex_unlock(&plugins_lock);
        e->type = &o->type;
    } else {
        if (!(e->own = malloc(sizeof *e->own)))
            return rl__fmt(reg->errmsg, RL_ENOMEM, "out of memory registering '%s'", copy.name);
        *e->own = copy;
        e->type = e->own;
    }
    reg->nenvs++;
    rl__strlcpy(e->plugin, reg->loading ? reg->loading->name : "", sizeof e->plugin);
    return RL_OK;
}

static int valid_command_name(const char *name)
{
    size_t n = 0;
    for (; name && name[n]; n++)
        if (!(islower((unsigned char)name[n]) || isdigit((unsigned char)name[n]) || name[n] == '-'))
            return 0;
    return n > 0 && n < NAME_MAX_LEN && name[0] != '-';
}

int rl_registry_add_command(rl_registry *reg, const rl_command *cmd)
{
    rl_command copy;
    int rc = rl__command_copy(cmd, &copy, reg->errmsg);
    if (rc != RL_OK) return rc;
    if (!valid_command_name(copy.name))
        return rl__fmt(reg->errmsg, RL_EINVAL,
                       "command name '%s' is not valid: use 1 to %d of a-z, 0-9 and '-', not "
                       "starting with '-'",
                       copy.name ? copy.name : "(none)", NAME_MAX_LEN - 1);
    if (copy.min_args < 0 || copy.max_args < copy.min_args)
        return rl__fmt(reg->errmsg, RL_EINVAL,
                       "command '%s' takes from %d to %d arguments, which is no range", copy.name,
                       copy.min_args, copy.max_args);
    for (size_t i = 0; i < reg->ncmds; i++)
        if (strcmp(reg->cmds[i].cmd.name, copy.name) == 0)
            return rl__fmt(reg->errmsg, RL_EINVAL,
                           "command '%s' is registered twice (by %s and by %s)", copy.name,
                           reg->cmds[i].plugin[0] ? reg->cmds[i].plugin : "the program",
                           reg->loading ? reg->loading->name : "the program");
    command_entry *grown = realloc(reg->cmds, (reg->ncmds + 1) * sizeof *grown);
    if (!grown) return rl__fmt(reg->errmsg, RL_ENOMEM, "out of memory registering '%s'", copy.name);
    reg->cmds = grown;
    grown[reg->ncmds].cmd = copy;
    rl__strlcpy(grown[reg->ncmds].plugin, reg->loading ? reg->loading->name : "",
                sizeof grown[reg->ncmds].plugin);
    reg->ncmds++;
    return RL_OK;
}

const rl_command *rl_registry_find_command(const rl_registry *reg, const char *name)
{
    for (size_t i = 0; i < reg->ncmds; i++)
        if (strcmp(reg->cmds[i].cmd.name, name) == 0) return &reg->cmds[i].cmd;
    return NULL;
}

size_t rl_registry_command_count(const rl_registry *reg) { return reg->ncmds; }

const rl_command *rl_registry_command_at(const rl_registry *reg, size_t i)
{
    return i < reg->ncmds ? &reg->cmds[i].cmd : NULL;
}

const char *rl_registry_command_plugin(const rl_registry *reg, size_t i)
{
    return i < reg->ncmds ? reg->cmds[i].plugin : "";
}

const char *rl_command_name(const rl_command *cmd) { return cmd->name; }
const char *rl_command_args(const rl_command *cmd) { return cmd->args ? cmd->args : ""; }
const char *rl_command_summary(const rl_command *cmd) { return cmd->summary ? cmd->summary : ""; }

int rl_command_run(const rl_command *cmd, int argc, char *const *argv, FILE *out, rl_error *err)
{
    if (argc < cmd->min_args || argc > cmd->max_args) {
        char want[64];
        if (cmd->min_args == cmd->max_args)
            snprintf(want, sizeof want, "%d", cmd->min_args);
        else
            snprintf(want, sizeof want, "%d to %d", cmd->min_args, cmd->max_args);
        return rl_error_set(err, RL_EINVAL, "--%s takes %s argument%s, not %d: %s %s",
                            cmd->name, want, cmd->max_args == 1 ? "" : "s", argc, cmd->name,
                            rl_command_args(cmd));
    }
    rl_error e = {0};
    int rc = cmd->run(argc, argv, out, &e);
    if (rc != RL_OK)
        rl_error_set(err, rc, "%s", e.msg[0] ? e.msg : rl_strerror(rc));
    return rc;
}

const rl_env_type *rl_registry_find_env(const rl_registry *reg, const char *name)
{
    for (size_t i = 0; i < reg->nenvs; i++)
        if (strcmp(reg->envs[i].type->name, name) == 0) return reg->envs[i].type;
    return NULL;
}

size_t rl_registry_env_count(const rl_registry *reg) { return reg->nenvs; }

const rl_env_type *rl_registry_env_at(const rl_registry *reg, size_t i)
{
    return i < reg->nenvs ? reg->envs[i].type : NULL;
}

const char *rl_registry_env_plugin(const rl_registry *reg, size_t i)
{
    return i < reg->nenvs ? reg->envs[i].plugin : "";
}

const char *rl_registry_search_path(const rl_registry *reg) { return reg->search_path; }
const char *rl_registry_errmsg(const rl_registry *reg) { return reg->errmsg; }

/* Does dir hold a module called name (libtool archive or shared object)? */
static int module_exists(const char *dir, const char *name, char *path, size_t len)
{
    static const char *const exts[] = {".la", ".so"};
    for (size_t i = 0; i < 2; i++) {
        snprintf(path, len, "%s/%s%s", dir, name, exts[i]);
        if (access(path, F_OK) == 0) {
            snprintf(path, len, "%s/%s", dir, name);
            return 1;
        }
    }
    return 0;
}

/* Forget the types a failed plugin registered before it failed. */
static void drop_types_of(rl_registry *reg, const char *plugin)
{
    size_t k = 0;
    for (size_t i = 0; i < reg->nenvs; i++)
        if (strcmp(reg->envs[i].plugin, plugin) != 0) reg->envs[k++] = reg->envs[i];
    reg->nenvs = k;
    k = 0;
    for (size_t i = 0; i < reg->ncmds; i++)
        if (strcmp(reg->cmds[i].plugin, plugin) != 0) reg->cmds[k++] = reg->cmds[i];
    reg->ncmds = k;
}

static int open_plugin(rl_registry *reg, const char *name, const char *base)
{
    if (lt_dlinit() != 0)
        return rl__fmt(reg->errmsg, RL_EPLUGIN, "cannot initialise libltdl: %s", lt_dlerror());

    /* Local symbols: plugins do not see each other's, only librl's. */
    lt_dladvise advise;
    lt_dlhandle h = NULL;
    if (lt_dladvise_init(&advise) == 0) {
        lt_dladvise_ext(&advise);
        lt_dladvise_local(&advise);
        h = lt_dlopenadvise(base, advise);
        lt_dladvise_destroy(&advise);
    }
    if (!h) {
        const char *why = lt_dlerror();
        lt_dlexit();
        /* libltdl gives no reason when the file is there but no loader
         * takes it (not a shared library, or not for this system). */
        return rl__fmt(reg->errmsg, RL_EPLUGIN, "plugin '%s' (%s) cannot be loaded: %s", name,
                       base,
                       why ? why
                           : "libltdl gives no reason (is it a shared library for this system, "
                             "built with libtool -module, its dependencies installed?)");
    }

    const unsigned *abi = (const unsigned *)lt_dlsym(h, "rl_plugin_abi");
    int (*entry)(rl_registry *) = NULL;
    void *sym = lt_dlsym(h, "rl_plugin_init");
    memcpy(&entry, &sym, sizeof entry < sizeof sym ? sizeof entry : sizeof sym);
    int rc = RL_OK;
    if (!entry || !abi) {
        rc = rl__fmt(reg->errmsg, RL_EPLUGIN,
                     "plugin '%s' (%s) has no entry point %s_LTX_rl_plugin_init / "
                     "rl_plugin_abi: define it with RL_PLUGIN_ENTRY(%s)",
                     name, base, name, name);
    } else if (*abi > RL_ABI_VERSION || *abi < RL_ABI_OLDEST) {
        rc = rl__fmt(reg->errmsg, RL_EVERSION,
                     "plugin '%s' (%s) was built against librl ABI %u, this librl loads ABI %u "
                     "to %u: %s",
                     name, base, *abi, RL_ABI_OLDEST, RL_ABI_VERSION,
                     *abi > RL_ABI_VERSION ? "upgrade librl or rebuild the plugin against it"
                                           : "rebuild the plugin");
    }
    if (rc != RL_OK) {
        lt_dlclose(h);
        lt_dlexit();
        return rc;
    }

    plugin_rec *p = calloc(1, sizeof *p);
    plugin_rec **grown = realloc(reg->loaded, (reg->nloaded + 1) * sizeof *grown);
    if (!p || !grown) {
        free(p);
        if (grown) reg->loaded = grown;
        lt_dlclose(h);
        lt_dlexit();
        return rl__fmt(reg->errmsg, RL_ENOMEM, "out of memory loading plugin '%s'", name);
    }
    reg->loaded = grown;
    rl__strlcpy(p->name, name, sizeof p->name);
    p->handle = h;
    p->refs = 1;
    pthread_mutex_lock(&plugins_lock);
    p->next = plugins;
    plugins = p;
    pthread_mutex_unlock(&plugins_lock);
    reg->loaded[reg->nloaded++] = p;

    reg->errmsg[0] = '\0';
    reg->loading = p;
    rc = entry(reg);
    reg->loading = NULL;
    if (rc != RL_OK) {
        char why[RL_ERRMSG_SIZE];
        rl__strlcpy(why, reg->errmsg[0] ? reg->errmsg : rl_strerror(rc), sizeof why);
        drop_types_of(reg, name);
        reg->nloaded--;
        pthread_mutex_lock(&plugins_lock);
        rec_release_locked(p);
        pthread_mutex_unlock(&plugins_lock);
        return rl__fmt(reg->errmsg, RL_EPLUGIN, "plugin '%s' (%s): entry point failed: %s", name,
                       base, why);
    }
    return RL_OK;
}

static int is_loaded(const rl_registry *reg, const char *name)
{
    for (size_t i = 0; i < reg->nloaded; i++)
        if (strcmp(reg->loaded[i]->name, name) == 0) return 1;
    return 0;
}

int rl_registry_load(rl_registry *reg, const char *name)
{
    if (!name || !valid_name(name))
        return rl__fmt(reg->errmsg, RL_EINVAL,
                       "plugin name '%s' is not valid: use a-z, 0-9 and _ (no path, no extension)",
                       name ? name : "(null)");
    if (is_loaded(reg, name)) return RL_OK;

    char path[PATH_MAX];
    char *dirs = strdup(reg->search_path);
    if (!dirs) return rl__fmt(reg->errmsg, RL_ENOMEM, "out of memory");
    int found = 0;
    for (char *save = NULL, *d = strtok_r(dirs, ":", &save); d && !found;
         d = strtok_r(NULL, ":", &save))
        found = module_exists(d, name, path, sizeof path);
    free(dirs);
    if (!found)
        return rl__fmt(reg->errmsg, RL_ENOTFOUND,
                       "plugin '%s' not found; searched: %s (set RL_PLUGIN_PATH to add directories)",
                       name, reg->search_path);
    return open_plugin(reg, name, path);
}

static int strcmp_ptr(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Append a failure message to the joined messages of rl_registry_load_all. */
static void append_msg(char *all, size_t len, const char *msg)
{
    size_t used = strlen(all);
    if (used) {
        if (used + 3 >= len) return;
        memcpy(all + used, "; ", 3);
        used += 2;
    }
    rl__strlcpy(all + used, msg, len - used);
}

/* Add the plugin names found in dir (files NAME.la or NAME.so) to the set
 * names[0..*n). Returns RL_ENOMEM when the set cannot grow. */
static int collect_names(const char *dir_path, char ***names, size_t *n)
{
    DIR *dir = opendir(dir_path);
    if (!dir) return RL_OK; /* a directory of the path that does not exist */
    int rc = RL_OK;
    for (struct dirent *de; rc == RL_OK && (de = readdir(dir));) {
        size_t l = strlen(de->d_name);
        if (l < 4 || (strcmp(de->d_name + l - 3, ".la") && strcmp(de->d_name + l - 3, ".so")))
            continue;
        char base[NAME_MAX_LEN];
        if (l - 3 >= sizeof base) continue;
        memcpy(base, de->d_name, l - 3);
        base[l - 3] = '\0';
        if (!valid_name(base)) continue;
        int seen = 0;
        for (size_t k = 0; k < *n && !seen; k++) seen = strcmp((*names)[k], base) == 0;
        if (seen) continue;
        char **grown = realloc(*names, (*n + 1) * sizeof *grown);
        if (!grown) {
            rc = RL_ENOMEM;
            break;
        }
        *names = grown;
        if (!(grown[*n] = strdup(base))) rc = RL_ENOMEM;
        else (*n)++;
    }
    closedir(dir);
    return rc;
}

int rl_registry_load_all(rl_registry *reg)
{
    char *dirs = strdup(reg->search_path);
    char **names = NULL;
    size_t n = 0;
    int rc = dirs ? RL_OK : RL_ENOMEM;
    for (char *save = NULL, *d = dirs ? strtok_r(dirs, ":", &save) : NULL; d && rc == RL_OK;
         d = strtok_r(NULL, ":", &save))
        rc = collect_names(d, &names, &n);
    free(dirs);

    /* Each name is loaded once, from the first directory that has it, in
     * sorted order so that registration, and so --list, is reproducible. */
    char all[sizeof reg->errmsg] = "";
    int first_rc = rc;
    if (rc == RL_OK && n) qsort(names, n, sizeof *names, strcmp_ptr);
    for (size_t k = 0; k < n; k++) {
        if (rc == RL_OK && !is_loaded(reg, names[k])) {
            int lrc = rl_registry_load(reg, names[k]);
            if (lrc != RL_OK) {
                append_msg(all, sizeof all, reg->errmsg);
                if (first_rc == RL_OK) first_rc = lrc;
            }
        }
        free(names[k]);
    }
    free(names);
    if (rc != RL_OK) return rl__fmt(reg->errmsg, rc, "out of memory listing plugins");
    rl__strlcpy(reg->errmsg, all, sizeof reg->errmsg);
    return first_rc;
}
