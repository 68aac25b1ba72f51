/* Codec benchmark: what the safety check costs. For a typical state value
 * (vm_actual, ~120 bytes) it times, in the same run:
 *   raw      msgpack_unpack_next alone (unsafe on untrusted input)
 *   validate xgc_msg_validate alone (what a broker needs to accept a frame)
 *   decode   xgc_msg_decode (validate + copy + msgpack-c)
 *   typed    xgc_msg_vm_actual_decode (decode + fields into the struct)
 *   encode   xgc_msg_vm_actual_encode
 * and prints ns per frame and each ratio to `raw`. Figures: docs/benchmarks/foundation.md. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "xgc_msg.h"

#define N 200000
#define ROUNDS 7

static double s_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* One phase: N runs of `what`, seconds. */
typedef enum { RAW, VALIDATE, DECODE, TYPED, ENCODE, PHASES } s_phase_t;

static double s_run(s_phase_t phase, const void *data, size_t size, const xgc_vm_actual_t *act)
{
    char err[XGC_ERR_MAX];
    size_t ok = 0;
    double t0 = s_now();
    for (int i = 0; i < N; i++) {
        if (phase == RAW) {
            msgpack_unpacked u;
            size_t off = 0;
            msgpack_unpacked_init(&u);
            ok += msgpack_unpack_next(&u, data, size, &off) == MSGPACK_UNPACK_SUCCESS;
            msgpack_unpacked_destroy(&u);
        } else if (phase == VALIDATE) {
            ok += xgc_msg_validate(data, size, err, sizeof err) == 0;
        } else if (phase == DECODE) {
            xgc_msg_t *msg = xgc_msg_decode(data, size, err, sizeof err);
            ok += msg != NULL;
            xgc_msg_destroy(&msg);
        } else if (phase == TYPED) {
            xgc_vm_actual_t back;
            ok += xgc_msg_vm_actual_decode(data, size, &back, err, sizeof err) == 0;
        } else {
            void *out;
            size_t out_size;
            ok += xgc_msg_vm_actual_encode(act, &out, &out_size) == 0;
            free(out);
        }
    }
    double t = s_now() - t0;
    return ok == N ? t : -1;
}

int main(void)
{
    static const char *const names[] = {"raw", "validate", "decode", "typed", "encode"};
    xgc_vm_actual_t act = {"web-0042", "pm-017", XGC_VM_RUNNING, 1200, 256, 950.5,
                           1764165123456, "placed by PEMM round 812"};
    void *data;
    size_t size;
    if (xgc_msg_vm_actual_encode(&act, &data, &size) < 0)
        return 1;
    /* Interleaved rounds; the best round of each phase is the least disturbed
     * by whatever else runs on the machine. */
    double best[PHASES];
    for (int p = 0; p < PHASES; p++)
        best[p] = 1e9;
    for (int round = 0; round < ROUNDS; round++)
        for (int p = 0; p < PHASES; p++) {
            double t = s_run((s_phase_t)p, data, size, &act);
            if (t < 0)
                return 1;
            if (t < best[p])
                best[p] = t;
        }
    free(data);
    printf("frame: vm_actual, %zu bytes; best of %d rounds of %d\n", size, ROUNDS, N);
    for (int p = 0; p < PHASES; p++)
        printf("%-9s %8.1f ns/frame  %5.2fx raw\n", names[p], best[p] / N * 1e9,
               best[p] / best[RAW]);
    return 0;
}
