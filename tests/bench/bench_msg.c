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

#define N 1000000

static double s_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(void)
{
    xgc_vm_actual_t act = {"web-0042", "pm-017", XGC_VM_RUNNING, 1200, 256, 950.5,
                           1764165123456, "placed by PEMM round 812"};
    void *data;
    size_t size;
    char err[XGC_ERR_MAX];
    if (xgc_msg_vm_actual_encode(&act, &data, &size) < 0)
        return 1;
    volatile size_t sink = 0;
    double t0 = s_now();
    for (int i = 0; i < N; i++) {
        msgpack_unpacked u;
        size_t off = 0;
        msgpack_unpacked_init(&u);
        sink += msgpack_unpack_next(&u, data, size, &off) == MSGPACK_UNPACK_SUCCESS;
        msgpack_unpacked_destroy(&u);
    }
    double t1 = s_now();
    for (int i = 0; i < N; i++)
        sink += xgc_msg_validate(data, size, err, sizeof err) == 0;
    double t2 = s_now();
    for (int i = 0; i < N; i++) {
        xgc_msg_t *msg = xgc_msg_decode(data, size, err, sizeof err);
        sink += msg != NULL;
        xgc_msg_destroy(&msg);
    }
    double t3 = s_now();
    xgc_vm_actual_t back;
    for (int i = 0; i < N; i++)
        sink += xgc_msg_vm_actual_decode(data, size, &back, err, sizeof err) == 0;
    double t4 = s_now();
    for (int i = 0; i < N; i++) {
        void *out;
        size_t out_size;
        sink += xgc_msg_vm_actual_encode(&act, &out, &out_size) == 0;
        free(out);
    }
    double t5 = s_now();
    free(data);
    if (sink != 5 * (size_t)N)
        return 1;
    double raw = (t1 - t0) / N * 1e9;
    printf("frame: vm_actual, %zu bytes, %d iterations each\n", size, N);
    printf("%-9s %8.1f ns/frame  %5.2fx raw\n", "raw", raw, 1.0);
    printf("%-9s %8.1f ns/frame  %5.2fx raw\n", "validate", (t2 - t1) / N * 1e9, (t2 - t1) / N * 1e9 / raw);
    printf("%-9s %8.1f ns/frame  %5.2fx raw\n", "decode", (t3 - t2) / N * 1e9, (t3 - t2) / N * 1e9 / raw);
    printf("%-9s %8.1f ns/frame  %5.2fx raw\n", "typed", (t4 - t3) / N * 1e9, (t4 - t3) / N * 1e9 / raw);
    printf("%-9s %8.1f ns/frame  %5.2fx raw\n", "encode", (t5 - t4) / N * 1e9, (t5 - t4) / N * 1e9 / raw);
    return 0;
}
