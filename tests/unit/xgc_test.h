/* xgc_test.h — the unit-test harness: one header, no library.
 *
 * A test program defines tests with XGC_TEST(name) { ... } and lists them in
 * main() with XGC_TEST_RUN(name); XGC_TEST_END() prints the closing line
 * "N passed, N failed" that tests/run.sh sums up, and returns the exit code.
 * A check failing prints file:line and the expression and ends that test only.
 */
#ifndef XGC_TEST_H
#define XGC_TEST_H

#include <math.h>
#include <stdio.h>
#include <string.h>

static int xgc_test_passed, xgc_test_failed, xgc_test_ok;

#define XGC_TEST(name) static void test_##name(void)

#define XGC_TEST_RUN(name)                                                  \
    do {                                                                    \
        xgc_test_ok = 1;                                                    \
        test_##name();                                                      \
        if (xgc_test_ok) xgc_test_passed++;                                 \
        else { xgc_test_failed++; fprintf(stderr, "FAIL %s\n", #name); }    \
    } while (0)

#define XGC_TEST_END()                                                      \
    (printf("%d passed, %d failed\n", xgc_test_passed, xgc_test_failed),    \
     xgc_test_failed ? 1 : 0)

#define CHECK(cond)                                                         \
    do {                                                                    \
        if (!(cond)) {                                                      \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__,          \
                    __LINE__, #cond);                                       \
            xgc_test_ok = 0;                                                \
            return;                                                         \
        }                                                                   \
    } while (0)

#define CHECK_NEAR(a, b, eps)                                               \
    do {                                                                    \
        double a_ = (a), b_ = (b);                                          \
        if (!(fabs(a_ - b_) <= (eps))) {                                    \
            fprintf(stderr, "%s:%d: %s = %.9g, expected %.9g (±%g)\n",      \
                    __FILE__, __LINE__, #a, a_, b_, (double)(eps));         \
            xgc_test_ok = 0;                                                \
            return;                                                         \
        }                                                                   \
    } while (0)

#define CHECK_STR(a, b)                                                     \
    do {                                                                    \
        const char *a_ = (a), *b_ = (b);                                    \
        if (!a_ || !b_ || strcmp(a_, b_) != 0) {                            \
            fprintf(stderr, "%s:%d: %s = \"%s\", expected \"%s\"\n",        \
                    __FILE__, __LINE__, #a, a_ ? a_ : "(null)",             \
                    b_ ? b_ : "(null)");                                    \
            xgc_test_ok = 0;                                                \
            return;                                                         \
        }                                                                   \
    } while (0)

#endif
