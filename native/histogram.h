/* A log-bucketed latency histogram in the manner of HdrHistogram: constant cost per record, bounded
 * relative error, mergeable by adding counts. The TypeScript side of the same layout is
 * src/model/histogram.ts (it reads the sparse form written by hist_json); keep them in step.
 *
 * Layout: with B sub-bucket bits, values below 2^(B+1) have a bucket each; above, a value v with its
 * highest set bit at m falls in bucket ((m - B + 1) << B) | ((v >> (m - B)) & (2^B - 1)). Every bucket
 * above the exact range is [low, low + 2^(m-B)), so its width is at most 2^-B of its values: B = 8 keeps
 * a recorded value within 0.4 % (the midpoint within 0.2 %), as HdrHistogram's 2-3 significant digits. */
#ifndef CGBENCH_HISTOGRAM_H
#define CGBENCH_HISTOGRAM_H

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Values are nanoseconds; 2^40 ns is 18 minutes, longer than any time-out, and clamped beyond. */
#define HIST_MAX_BITS 40

struct hist {
    unsigned bits;   /* sub-bucket bits B */
    uint32_t nbuckets;
    uint64_t count, sum, min, max;
    uint64_t *counts;
};

static inline uint32_t hist_index(unsigned bits, uint64_t v)
{
    if (v < (2ull << bits))
        return (uint32_t)v;
    unsigned m = 63u - (unsigned)__builtin_clzll(v);
    unsigned shift = m - bits;
    return (uint32_t)(((uint64_t)(shift + 1) << bits) | ((v >> shift) & ((1ull << bits) - 1)));
}

static inline uint32_t hist_buckets(unsigned bits)
{
    return hist_index(bits, (1ull << HIST_MAX_BITS) - 1) + 1;
}

/* Returns 0, or -1 when the counts cannot be allocated. */
static inline int hist_init(struct hist *h, unsigned bits)
{
    memset(h, 0, sizeof *h);
    h->bits = bits;
    h->nbuckets = hist_buckets(bits);
    h->min = UINT64_MAX;
    h->counts = calloc(h->nbuckets, sizeof *h->counts);
    return h->counts ? 0 : -1;
}

static inline void hist_record(struct hist *h, uint64_t v)
{
    if (v > (1ull << HIST_MAX_BITS) - 1)
        v = (1ull << HIST_MAX_BITS) - 1;
    h->counts[hist_index(h->bits, v)]++;
    h->count++;
    h->sum += v;
    if (v < h->min)
        h->min = v;
    if (v > h->max)
        h->max = v;
}

/* Same layout only (the caller's contract). */
static inline void hist_add(struct hist *into, const struct hist *from)
{
    for (uint32_t i = 0; i < from->nbuckets; i++)
        into->counts[i] += from->counts[i];
    into->count += from->count;
    into->sum += from->sum;
    if (from->min < into->min)
        into->min = from->min;
    if (from->max > into->max)
        into->max = from->max;
}

static inline void hist_reset(struct hist *h)
{
    memset(h->counts, 0, h->nbuckets * sizeof *h->counts);
    h->count = h->sum = h->max = 0;
    h->min = UINT64_MAX;
}

static inline void hist_free(struct hist *h)
{
    free(h->counts);
    h->counts = NULL;
}

/* The lowest value of bucket i and its width. */
static inline uint64_t hist_low(unsigned bits, uint32_t i)
{
    if (i < (2u << bits))
        return i;
    unsigned shift = (i >> bits) - 1;
    return ((1ull << bits) | (i & ((1u << bits) - 1))) << shift;
}

static inline uint64_t hist_width(unsigned bits, uint32_t i)
{
    return i < (2u << bits) ? 1 : 1ull << ((i >> bits) - 1);
}

/* The value at quantile q (0..1): the midpoint of the bucket holding the rank-ceil(q*n) value,
 * clamped to the exact min and max (the first and last ranks are those exactly); 0 when empty. The
 * TypeScript side answers the same. */
static inline uint64_t hist_quantile(const struct hist *h, double q)
{
    if (h->count == 0)
        return 0;
    double r = q * (double)h->count;
    uint64_t rank = (uint64_t)r;
    if ((double)rank < r)
        rank++;
    if (rank < 1)
        rank = 1;
    if (rank > h->count)
        rank = h->count;
    if (rank == 1)
        return h->min;
    if (rank == h->count)
        return h->max;
    uint64_t seen = 0;
    for (uint32_t i = 0; i < h->nbuckets; i++) {
        seen += h->counts[i];
        if (seen >= rank) {
            uint64_t v = hist_low(h->bits, i) + hist_width(h->bits, i) / 2;
            return v < h->min ? h->min : v > h->max ? h->max : v;
        }
    }
    return h->max;
}

/* The sparse form the TypeScript side reads: {"bits":B,"count":N,"sum":S,"min":A,"max":Z,"buckets":[i,c,i,c,...]}
 * with the non-empty buckets in index order (min is 0 when empty). */
static inline void hist_json(FILE *out, const struct hist *h)
{
    fprintf(out, "{\"bits\":%u,\"count\":%" PRIu64 ",\"sum\":%" PRIu64 ",\"min\":%" PRIu64 ",\"max\":%" PRIu64 ",\"buckets\":[",
            h->bits, h->count, h->sum, h->count ? h->min : 0, h->max);
    int first = 1;
    for (uint32_t i = 0; i < h->nbuckets; i++) {
        if (!h->counts[i])
            continue;
        fprintf(out, "%s%" PRIu32 ",%" PRIu64, first ? "" : ",", i, h->counts[i]);
        first = 0;
    }
    fputs("]}", out);
}

#endif
