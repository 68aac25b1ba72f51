/* fittree — see fittree.h. A complete binary tree in two arrays (node 1 is
 * the root, node k has children 2k and 2k+1, leaves from `size`), each node
 * holding the maxima of a and of b below it. The two maxima may come from
 * different slots, so a search prunes a subtree only when one of them is too
 * small and otherwise descends, backtracking when a leaf does not fit: in
 * practice O(log n), since memory and CPU are seldom both scarce at once.
 */
#include <math.h>
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

/* A small max-heap of nodes by a (ties: lower node first, i.e. leftmost). */
#define S_HEAP_MAX 512
#define S_SCAN_MAX 256                  /* leaves: a heap of them never fills */

typedef struct {                        /* the heap: nodes and their a, side by side */
    double a[S_HEAP_MAX];
    size_t node[S_HEAP_MAX];
    size_t len;
} s_heap_t;

/* Does heap slot i come before (node q, value aq)? */
static inline int s_before(const s_heap_t *h, size_t i, double aq, size_t q)
{
    return h->a[i] > aq || (h->a[i] == aq && h->node[i] < q);
}

static void s_push(const xgc_fittree_t *self, s_heap_t *h, size_t node)
{
    if (h->len == S_HEAP_MAX)
        return;                          /* bounded work: drop the candidate */
    double an = self->a[node];
    size_t i = h->len++;
    while (i > 0) {
        size_t up = (i - 1) / 2;
        if (!(an > h->a[up] || (an == h->a[up] && node < h->node[up])))
            break;
        h->a[i] = h->a[up];
        h->node[i] = h->node[up];
        i = up;
    }
    h->a[i] = an;
    h->node[i] = node;
}

static size_t s_pop(s_heap_t *h)
{
    size_t top = h->node[0], i = 0;
    h->len--;
    double la = h->a[h->len];
    size_t ln = h->node[h->len];
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= h->len)
            break;
        if (c + 1 < h->len && s_before(h, c + 1, h->a[c], h->node[c]))
            c++;
        if (!s_before(h, c, la, ln))
            break;
        h->a[i] = h->a[c];
        h->node[i] = h->node[c];
        i = c;
    }
    if (h->len) {
        h->a[i] = la;
        h->node[i] = ln;
    }
    return top;
}

/* The top-k of a small tree by one pass over its leaves, in slot order (so
 * a tie goes after the slots already kept): the same answer as the search
 * below, which cannot overflow its heap on S_SCAN_MAX leaves or fewer, at a
 * tenth of its cost. */
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

size_t xgc_fittree_top(const xgc_fittree_t *self, double x, double y, size_t k, long *out)
{
    s_heap_t heap;
    size_t found = 0;
    heap.len = 0;
    if (!self->n || k == 0)
        return 0;
    if (self->size <= S_SCAN_MAX && k <= S_SCAN_MAX)
        return s_scan_top(self, x, y, k, out);
    s_push(self, &heap, 1);
    while (heap.len && found < k) {
        size_t node = s_pop(&heap);
        if (self->a[node] < x || self->b[node] < y || self->a[node] == -HUGE_VAL)
            continue;                    /* too small, or only empty slots */
        if (node >= self->size) {
            out[found++] = (long)(node - self->size);
            continue;
        }
        s_push(self, &heap, 2 * node);
        s_push(self, &heap, 2 * node + 1);
    }
    return found;
}
