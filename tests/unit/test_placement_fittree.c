/* Unit tests of the fittree's top-k query ("the k slots with the largest a
 * that fit (x, y), ties to the lower slot"), which small trees answer by a
 * scan of the leaves and large ones by walks down the tree (or, with a
 * condition on b, a depth-first search): each must give what a brute-force
 * sort gives, ties, thresholds and left-out slots included. */
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

#include "scheduler/placement/fittree.h"
#include "xgc_test.h"

/* Brute force: the k best fitting slots by (a desc, slot asc). */
static size_t s_brute(const double *a, const double *b, size_t n, double x, double y, size_t k,
                      long *out)
{
    size_t found = 0;
    bool *taken = calloc(n, 1);
    while (found < k) {
        long best = -1;
        for (size_t s = 0; s < n; s++)
            if (!taken[s] && a[s] >= x && b[s] >= y && a[s] != -HUGE_VAL
                && (best < 0 || a[s] > a[best]))
                best = (long)s;
        if (best < 0)
            break;
        taken[best] = true;
        out[found++] = best;
    }
    free(taken);
    return found;
}

XGC_TEST(top_k_equals_brute_force)
{
    size_t sizes[] = {1, 7, 100, 256, 257, 1000, 3000};
    unsigned long r = 99;
    int checked = 0, wrong = 0;
    for (size_t t = 0; t < sizeof sizes / sizeof *sizes; t++) {
        size_t n = sizes[t];
        double *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
        xgc_fittree_t *tree = xgc_fittree_new(n);
        CHECK(a && b && tree);
        for (int round = 0; round < 20; round++) {
            for (size_t s = 0; s < n; s++) {
                r = r * 6364136223846793005UL + 1442695040888963407UL;
                int v = (int)(r >> 40) % 50;           /* few values: many ties */
                /* every other round, very many ties */
                a[s] = v < 5 ? -HUGE_VAL : (double)(v % (round % 2 ? 7 : 50));
                b[s] = (double)((r >> 20) % 10);
                xgc_fittree_set(tree, s, a[s], b[s]);
            }
            size_t k = round < 18 ? 1 + (size_t)round % 9 : 64;
            double y = round % 3 == 0 ? 4 : -HUGE_VAL, x = round % 4 == 1 ? 20 : -HUGE_VAL;
            long got[64], want[64];
            size_t ng = xgc_fittree_top(tree, x, y, k, got);
            size_t nw = s_brute(a, b, n, x, y, k, want);
            bool same = ng == nw;
            for (size_t q = 0; same && q < ng; q++)
                same = got[q] == want[q];
            wrong += !same;
            checked++;
        }
        xgc_fittree_destroy(&tree);
        free(a);
        free(b);
    }
    CHECK(checked == 140);
    CHECK(wrong == 0);
}

int main(void)
{
    XGC_TEST_RUN(top_k_equals_brute_force);
    return XGC_TEST_END();
}
