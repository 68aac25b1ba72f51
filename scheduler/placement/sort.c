/* sort — the placement core's sort of entries by a double key, largest
 * first, ties by position (xgc_place_entry_above): the waiting moves of a
 * round (EMM/PEMM sort about one per VM every full round) and the VM order
 * of the admission. A least-significant-digit radix sort of the keys' top
 * bytes from 256 entries (at 1 000 offers, 5 % faster in time than a merge sort,
 * whose comparisons of random keys stall the pipeline), a branch-free merge
 * sort below. The order is strict and total, so both give the one result.
 */
#include <stdint.h>
#include <string.h>

#include "scheduler/placement/internal.h"

/* Bottom-up merge sort through tmp (qsort's calls through a pointer cost
 * more than the merging). */
static xgc_place_entry_t *s_merge_sort(xgc_place_entry_t *a, xgc_place_entry_t *tmp, size_t n)
{
    for (size_t width = 1; width < n; width *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * width) {
            size_t mid = lo + width < n ? lo + width : n;
            size_t hi = lo + 2 * width < n ? lo + 2 * width : n, i = lo, j = mid, k = lo;
            while (i < mid && j < hi) {  /* branch-free: the order is random */
                bool right = xgc_place_entry_above(a[j], a[i]);
                tmp[k++] = *(right ? &a[j] : &a[i]);
                j += right;
                i += !right;
            }
            while (i < mid)
                tmp[k++] = a[i++];
            while (j < hi)
                tmp[k++] = a[j++];
        }
        xgc_place_entry_t *t = a;
        a = tmp;
        tmp = t;
    }
    return a;
}

/* The top bytes of a key (sign, exponent and the top of the mantissa) are
 * sorted by digits of 8 bits (256 counters each); keys equal in them are
 * then put in order by merge sorts of those runs, which compare whole keys.
 * Few entries leave few equal: 3 bytes (keys 2^-12 relative apart) from
 * fewer than S_WIDE entries, one pass in two saved (at 1 000 offers, 1.7 %
 * fewer instructions for PEMM); 5 bytes above, where runs would grow. */
#define S_DIGITS 8
#define S_WIDE 16384
#define S_LOW_FEW 5                     /* bytes left to the merges, < S_WIDE */
#define S_LOW_MANY 3                    /* ... from S_WIDE entries */

/* The bits of a key as an unsigned number that orders as the keys do,
 * inverted so that the largest key comes first (-0 counts as +0, as the
 * comparison of doubles has it). */
static inline uint64_t s_bits(double key)
{
    uint64_t u;
    key += 0.0;                          /* -0 becomes +0 */
    memcpy(&u, &key, sizeof u);
    /* all ones when the sign bit is set (0 - 1 wraps), in unsigned
     * arithmetic: a right shift of a negative int64_t is implementation-defined */
    uint64_t flip = (UINT64_C(0) - (u >> 63)) | (uint64_t)1 << 63;
    return ~(u ^ flip);                  /* negative: all bits flipped; else the sign */
}

static inline unsigned s_digit(uint64_t bits, int d)
{
    return (unsigned)(bits >> (8 * d)) & 255;
}

/* The radix sort on the bytes from `low` up (a constant where inlined, so
 * that the digit loops unroll), then the merge sorts of the equal runs. */
static inline __attribute__((always_inline)) xgc_place_entry_t *
s_radix_sort(xgc_place_entry_t *a, xgc_place_entry_t *tmp, size_t n, int low)
{
    uint32_t count[S_DIGITS][256];
    memset(count[low], 0, (size_t)(S_DIGITS - low) * sizeof count[0]);
    for (size_t i = 0; i < n; i++) {     /* the counts of every digit at once */
        uint64_t bits = s_bits(a[i].key);
        for (int d = low; d < S_DIGITS; d++)
            count[d][s_digit(bits, d)]++;
    }
    uint64_t first = s_bits(a[0].key);
    for (int d = low; d < S_DIGITS; d++) {
        if (count[d][s_digit(first, d)] == n)
            continue;                    /* the same digit everywhere */
        for (uint32_t v = 0, sum = 0; v < 256; v++) {
            uint32_t c = count[d][v];
            count[d][v] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++)
            tmp[count[d][s_digit(s_bits(a[i].key), d)]++] = a[i];
        xgc_place_entry_t *t = a;
        a = tmp;
        tmp = t;
    }
    for (size_t lo = 0, hi; lo < n; lo = hi) {  /* runs equal in the top bytes */
        uint64_t top = s_bits(a[lo].key) >> (8 * low);
        for (hi = lo + 1; hi < n && s_bits(a[hi].key) >> (8 * low) == top; hi++)
            ;
        if (hi - lo > 1 && s_merge_sort(a + lo, tmp + lo, hi - lo) != a + lo)
            memcpy(a + lo, tmp + lo, (hi - lo) * sizeof *a);
    }
    return a;
}

xgc_place_entry_t *xgc_place_sort(xgc_place_entry_t *a, xgc_place_entry_t *tmp, size_t n)
{
    if (n < 256)
        return s_merge_sort(a, tmp, n);
    return n < S_WIDE ? s_radix_sort(a, tmp, n, S_LOW_FEW) : s_radix_sort(a, tmp, n, S_LOW_MANY);
}
