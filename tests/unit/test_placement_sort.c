/* Unit tests of xgc_place_sort (scheduler/placement/sort.c): the radix sort
 * on the keys' bits gives the order of xgc_place_entry_above — largest key
 * first, equal keys by position — for negative, zero (-0 as +0), tiny and
 * huge keys, checked against a plain insertion sort with the comparison. */
#include <math.h>
#include <stdlib.h>

#include "scheduler/placement/internal.h"
#include "xgc_test.h"

static void s_reference(xgc_place_entry_t *a, size_t n)
{
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && xgc_place_entry_above(a[j], a[j - 1]); j--) {
            xgc_place_entry_t t = a[j];
            a[j] = a[j - 1];
            a[j - 1] = t;
        }
}

static int s_same_order(const double *keys, size_t n)
{
    xgc_place_entry_t *a = malloc(n * sizeof *a), *tmp = malloc(n * sizeof *tmp),
                      *ref = malloc(n * sizeof *ref);
    for (size_t i = 0; i < n; i++)
        a[i] = ref[i] = (xgc_place_entry_t){keys[i], (int)i, (int)i};
    xgc_place_entry_t *out = xgc_place_sort(a, tmp, n);
    s_reference(ref, n);
    int same = 1;
    for (size_t i = 0; i < n; i++)
        same &= out[i].id == ref[i].id;
    free(a);
    free(tmp);
    free(ref);
    return same;
}

XGC_TEST(signs_zeros_and_extremes)
{
    const double keys[] = {3, -1, 0, -0.0, -5.5, 2, 1e300, -1e300, 4.9e-324, -4.9e-324,
                           -1, 0, HUGE_VAL, -HUGE_VAL, 2, -0.0, 0.5, -0.5};
    CHECK(s_same_order(keys, sizeof keys / sizeof *keys));
}

XGC_TEST(random_keys_with_ties)
{
    srand(7);
    double keys[3000];
    for (size_t i = 0; i < 3000; i++)
        keys[i] = (double)(rand() % 201 - 100) / (1 + rand() % 4);
    CHECK(s_same_order(keys, 3000));
    CHECK(s_same_order(keys, 1));
    CHECK(s_same_order(keys, 0));
}

int main(void)
{
    XGC_TEST_RUN(signs_zeros_and_extremes);
    XGC_TEST_RUN(random_keys_with_ties);
    return XGC_TEST_END();
}
