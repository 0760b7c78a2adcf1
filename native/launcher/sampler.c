/* The sampler (sampler.h): opens the stat files once and preads them at every tick, so a tick costs one
 * pread per file and, for a kept tick, one copy; cumulative counters make halving the kept ticks exact. */
#include "sampler.h"

#include "../protocol.h"

static int add_file(struct sampler *s, const struct cg_set *g, const struct cgb_stat_file *sf, struct err *e)
{
    if (s->nfiles == SAMPLER_MAX_FILES)
        return errorf(e, "too many stat files");
    const char *dir = cg_dir_of(g, sf->controller);
    struct stat_file *f = &s->files[s->nfiles];
    if (g->v2)
        snprintf(f->key, sizeof f->key, "%s", sf->file);
    else
        snprintf(f->key, sizeof f->key, "%s/%s", sf->controller, sf->file);
    if (!dir) {
        if (!sf->optional)
            return errorf(e, "no group directory for the %s controller (pass --cgroup-dir %s=DIR)", sf->controller, sf->controller);
        memcpy(s->missing[s->nmissing++], f->key, sizeof f->key);
        return 0;
    }
    snprintf(f->path, sizeof f->path, "%s/%s", dir, sf->file);
    f->fd = open(f->path, O_RDONLY | O_CLOEXEC);
    if (f->fd < 0) {
        if (sf->optional && errno == ENOENT) {
            memcpy(s->missing[s->nmissing++], f->key, sizeof f->key);
            return 0;
        }
        return errorf(e, "cannot open stat file %s: %s%s", f->path, strerror(errno),
                      errno == ENOENT ? " (is the controller enabled for this group?)" : "");
    }
    s->nfiles++;
    return 0;
}

int sampler_open(struct sampler *s, const struct cg_set *g, uint64_t interval_ns, struct err *e)
{
    memset(s, 0, sizeof *s);
    s->interval_ns = interval_ns;
    s->stride = 1;
    s->max_kept = interval_ns / 1000 < CGB_FINE_BELOW_US ? CGB_MAX_KEPT : CGB_KEPT_COARSE;
    const struct cgb_stat_file *list = g->v2 ? CGB_V2_FILES : CGB_V1_FILES;
    size_t n = g->v2 ? sizeof CGB_V2_FILES / sizeof CGB_V2_FILES[0] : sizeof CGB_V1_FILES / sizeof CGB_V1_FILES[0];
    for (size_t k = 0; k < n; k++)
        if (add_file(s, g, &list[k], e) != 0)
            return -1;
    s->scratch = malloc((size_t)s->nfiles * SAMPLER_FILE_MAX);
    s->kept = malloc(sizeof *s->kept * (size_t)s->max_kept);
    if (!s->scratch || !s->kept)
        return errorf(e, "out of memory");
    return 0;
}

int sampler_read(struct sampler *s, uint64_t *t)
{
    *t = now_ns();
    for (int f = 0; f < s->nfiles; f++) {
        ssize_t n = pread(s->files[f].fd, s->scratch + (size_t)f * SAMPLER_FILE_MAX, SAMPLER_FILE_MAX, 0);
        if (n < 0) {
            snprintf(s->error, sizeof s->error, "reading %s failed (%s): the group was removed while the workload ran",
                     s->files[f].path, strerror(errno));
            return -1;
        }
        s->scratch_len[f] = (uint32_t)n;
    }
    return 0;
}

struct reading *sampler_keep(const struct sampler *s, uint64_t t)
{
    size_t total = 0;
    for (int f = 0; f < s->nfiles; f++)
        total += s->scratch_len[f];
    struct reading *r = malloc(sizeof *r);
    char *data = malloc(total ? total : 1);
    if (!r || !data) {
        free(r);
        free(data);
        return NULL;
    }
    r->t = t;
    r->data = data;
    for (int f = 0; f < s->nfiles; f++) {
        r->len[f] = s->scratch_len[f];
        memcpy(data, s->scratch + (size_t)f * SAMPLER_FILE_MAX, s->scratch_len[f]);
        data += s->scratch_len[f];
    }
    return r;
}

const char *reading_text(const struct reading *r, int f, uint32_t *len)
{
    size_t off = 0;
    for (int k = 0; k < f; k++)
        off += r->len[k];
    *len = r->len[f];
    return r->data + off;
}

void reading_free(struct reading *r)
{
    if (r) {
        free(r->data);
        free(r);
    }
}

/* Drops every other kept reading and doubles the stride: cumulative counters stay exact at the coarser
 * step; only the time resolution halves. */
static void halve(struct sampler *s)
{
    int w = 0;
    for (int k = 0; k < s->nkept; k++) {
        if (k % 2 == 0)
            s->kept[w++] = s->kept[k];
        else
            reading_free(s->kept[k]);
    }
    s->nkept = w;
    s->stride *= 2;
}

int sampler_tick(struct sampler *s)
{
    uint64_t t;
    if (s->error[0] || sampler_read(s, &t) != 0)
        return 0;
    if (s->last_ns) {
        uint64_t d = t - s->last_ns;
        s->intervals++;
        s->sum_ns += d;
        if (d > s->max_ns)
            s->max_ns = d;
        uint64_t dev = d > s->interval_ns ? d - s->interval_ns : s->interval_ns - d;
        if (dev * 10 > s->interval_ns)
            s->off++;
    }
    s->last_ns = t;
    if (s->ticks++ % s->stride == 0) {
        struct reading *r = sampler_keep(s, t);
        if (!r)
            return -1;
        s->kept[s->nkept++] = r;
        if (s->nkept == s->max_kept)
            halve(s);
    }
    return 0;
}
