/* fittree — a max segment tree over two free quantities (CPU, memory) of n
 * slots, for first-fit and "most free first" in O(log n) instead of O(n).
 *
 * Slot i holds a pair (a, b); a slot fits a request (x, y) when a ≥ x and
 * b ≥ y. Internal to the placement core.
 */
#ifndef XGC_FITTREE_H
#define XGC_FITTREE_H

#include <stddef.h>

typedef struct xgc_fittree xgc_fittree_t;

/* n slots, all at (-inf, -inf): a slot whose a is -inf never fits, it is
 * how a slot is left out. NULL on allocation failure. */
xgc_fittree_t *xgc_fittree_new(size_t n);
void xgc_fittree_destroy(xgc_fittree_t **self_p);
void xgc_fittree_set(xgc_fittree_t *self, size_t slot, double a, double b);
double xgc_fittree_a(const xgc_fittree_t *self, size_t slot);
/* The leftmost slot that fits (x, y), or -1. */
long xgc_fittree_first(const xgc_fittree_t *self, double x, double y);
/* Up to k (at most 64) slots that fit (x, y), largest a first (ties: lower
 * slot); returns how many were written to out. */
size_t xgc_fittree_top(const xgc_fittree_t *self, double x, double y, size_t k, long *out);

#endif
