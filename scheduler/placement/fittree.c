/* fittree — see fittree.h. A complete binary tree in two arrays (node 1 is
 * the root, node k has children 2k and 2k+1, leaves from `size`), each node
 * holding the maxima of a and of b below it. The two maxima may come from
 * different slots, so a search prunes a subtree only when one of them is too
 * small and otherwise descends, backtracking when a leaf does not fit: in
 * practice O(log n), since memory and CPU are seldom both scarce at once.
 */
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

#include "scheduler/placement/fittree.h"

struct xgc_fittree {
    size_t n, size;
    double *a, *b;
};

xgc_fittree_t *xgc_fittree_new(size_t n)
{
    xgc_fittree_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->n = n;
    self->size = 1;
    while (self->size < n)
        self->size <<= 1;
    self->a = malloc(2 * self->size * sizeof *self->a);
    self->b = malloc(2 * self->size * sizeof *self->b);
    if (!self->a || !self->b) {
        xgc_fittree_destroy(&self);
        return NULL;
    }
    for (size_t k = 0; k < 2 * self->size; k++)
        self->a[k] = self->b[k] = -HUGE_VAL;
    return self;
}

void xgc_fittree_destroy(xgc_fittree_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free((*self_p)->a);
    free((*self_p)->b);
    free(*self_p);
    *self_p = NULL;
}

/* fmax without the call (no NaN here; ±0 compare equal either way). */
static inline double s_larger(double x, double y)
{
    return x > y ? x : y;
}

void xgc_fittree_set(xgc_fittree_t *self, size_t slot, double a, double b)
{
    size_t k = self->size + slot;
    self->a[k] = a;
    self->b[k] = b;
    for (k >>= 1; k >= 1; k >>= 1) {
        double na = s_larger(self->a[2 * k], self->a[2 * k + 1]);
        double nb = s_larger(self->b[2 * k], self->b[2 * k + 1]);
        if (na == self->a[k] && nb == self->b[k])
            break;                       /* nothing above changes */
        self->a[k] = na;
        self->b[k] = nb;
    }
}

double xgc_fittree_a(const xgc_fittree_t *self, size_t slot)
{
    return self->a[self->size + slot];
}

static long s_first(const xgc_fittree_t *self, size_t k, double x, double y)
{
    if (self->a[k] < x || self->b[k] < y || self->a[k] == -HUGE_VAL)
        return -1;
    if (k >= self->size)
        return (long)(k - self->size);
    long found = s_first(self, 2 * k, x, y);
    return found >= 0 ? found : s_first(self, 2 * k + 1, x, y);
}

long xgc_fittree_first(const xgc_fittree_t *self, double x, double y)
{
    return self->n ? s_first(self, 1, x, y) : -1;
}

#define S_SCAN_MAX 256                  /* leaves: scanned rather than searched */

/* The top-k of a small tree by one pass over its leaves, in slot order (so
 * a tie goes after the slots already kept): the same answer as the search
 * below, and cheaper on S_SCAN_MAX leaves or fewer. */
static size_t s_scan_top(const xgc_fittree_t *self, double x, double y, size_t k, long *out)
{
    double val[S_SCAN_MAX], bar = -HUGE_VAL;     /* to beat: the k-th, once full */
    size_t found = 0;
    const double *a = self->a + self->size, *b = self->b + self->size;
    for (size_t slot = 0; slot < self->n; slot++) {
        if (!(a[slot] > bar) || a[slot] < x || b[slot] < y)
            continue;                    /* (a = -inf never beats bar) */
        size_t r = found < k ? found++ : k - 1;
        for (; r > 0 && a[slot] > val[r - 1]; r--) {
            val[r] = val[r - 1];
            out[r] = out[r - 1];
        }
        val[r] = a[slot];
        out[r] = (long)slot;
        if (found == k)
            bar = val[k - 1];
    }
    return found;
}

/* The top-k search: a depth-first descent, the larger child first (ties:
 * the left), that skips a subtree whose maximum cannot enter the list; the
 * list is kept sorted by (a descending, slot ascending). */
typedef struct {
    const xgc_fittree_t *t;
    double x, y;
    size_t k, found;
    long *out;
    double val[64];                     /* val[r]: the a of out[r] (k ≤ 64) */
} s_top_t;

static void s_keep(s_top_t *q, size_t slot, double a)
{
    size_t r = q->found < q->k ? q->found++ : q->k - 1;
    for (; r > 0 && (a > q->val[r - 1] || (a == q->val[r - 1] && (long)slot < q->out[r - 1])); r--) {
        q->val[r] = q->val[r - 1];
        q->out[r] = q->out[r - 1];
    }
    q->val[r] = a;
    q->out[r] = (long)slot;
}

static void s_top(s_top_t *q, size_t node)
{
    const xgc_fittree_t *t = q->t;
    double a = t->a[node];
    if (a < q->x || t->b[node] < q->y || a == -HUGE_VAL
        || (q->found == q->k && a < q->val[q->k - 1]))
        return;                          /* too small, only empty, or cannot enter */
    if (node >= t->size) {
        size_t slot = node - t->size;
        if (q->found < q->k || a > q->val[q->k - 1]
            || (long)slot < q->out[q->k - 1])
            s_keep(q, slot, a);
        return;
    }
    size_t first = t->a[2 * node + 1] > t->a[2 * node] ? 2 * node + 1 : 2 * node;
    s_top(q, first);
    s_top(q, first ^ 1);
}

/* Without a condition on b, the best leaf below a node is found by walking
 * down the larger child (ties: the left), and the top-k come one per pop of a
 * heap of the subtrees passed by on the way (by their maximum, ties: the
 * subtree further left), each at most one walk down: O(k log n). */
#define S_WALK_MAX (64 * 32)            /* k ≤ 64 walks of ≤ 31 levels */

typedef struct {
    double a;
    size_t node;
} s_sub_t;

/* The first slot below a node: ties between two subtrees go to the left. */
static size_t s_start(const xgc_fittree_t *t, size_t node)
{
    int shift = __builtin_clzl(node) - __builtin_clzl(t->size);
    return (node << shift) - t->size;
}

static bool s_sub_above(const xgc_fittree_t *t, s_sub_t u, s_sub_t v)
{
    return u.a > v.a || (u.a == v.a && s_start(t, u.node) < s_start(t, v.node));
}

static size_t s_walk_top(const xgc_fittree_t *t, double x, size_t k, long *out)
{
    s_sub_t heap[S_WALK_MAX];
    size_t len = 0, found = 0;
    heap[len++] = (s_sub_t){t->a[1], 1};
    while (len && found < k) {
        size_t node = heap[0].node, i = 0;
        s_sub_t last = heap[--len];      /* pop */
        for (size_t c = 1; c < len; i = c, c = 2 * c + 1) {
            if (c + 1 < len && s_sub_above(t, heap[c + 1], heap[c]))
                c++;
            if (!s_sub_above(t, heap[c], last))
                break;
            heap[i] = heap[c];
        }
        heap[i] = last;
        if (!(t->a[node] >= x) || t->a[node] == -HUGE_VAL)
            continue;                    /* too small, or only empty slots */
        for (; node < t->size; node = node * 2 + (t->a[2 * node + 1] > t->a[2 * node])) {
            size_t other = node * 2 + !(t->a[2 * node + 1] > t->a[2 * node]);
            s_sub_t u = {t->a[other], other};
            if (!(u.a >= x) || u.a == -HUGE_VAL)
                continue;
            size_t j = len++;            /* push */
            for (; j > 0 && s_sub_above(t, u, heap[(j - 1) / 2]); j = (j - 1) / 2)
                heap[j] = heap[(j - 1) / 2];
            heap[j] = u;
        }
        out[found++] = (long)(node - t->size);
    }
    return found;
}

size_t xgc_fittree_top(const xgc_fittree_t *self, double x, double y, size_t k, long *out)
{
    if (!self->n || k == 0)
        return 0;
    if (self->size <= S_SCAN_MAX && k <= S_SCAN_MAX)
        return s_scan_top(self, x, y, k, out);
    if (y == -HUGE_VAL && self->size <= (size_t)1 << 31)
        return s_walk_top(self, x, k < 64 ? k : 64, out);
    s_top_t q = {.t = self, .x = x, .y = y, .k = k < 64 ? k : 64, .out = out};
    s_top(&q, 1);
    return q.found;
}
