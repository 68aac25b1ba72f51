/* libFuzzer target: untrusted msgpack bytes through the validator, the
 * decoder, the JSON printer and every typed decoder (see docs/fuzzing.md).
 * Whatever the validator accepts, msgpack-c must decode; nothing may crash,
 * leak or allocate beyond libFuzzer's malloc limit. */
#include <stdint.h>
#include <stdlib.h>

#include "xgc_json.h"
#include "xgc_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[XGC_ERR_MAX];
    int valid = xgc_msg_validate(data, size, err, sizeof err) == 0;
    xgc_msg_t *msg = xgc_msg_decode(data, size, err, sizeof err);
    if (valid != (msg != NULL))
        abort();
    if (!msg)
        return 0;
    const msgpack_object *root = xgc_msg_root(msg);
    char *text = xgc_json_text(data, size, err, sizeof err);
    if (!text)
        abort();
    free(text);
    union {
        xgc_vm_spec_t a; xgc_pm_spec_t b; xgc_heartbeat_t c; xgc_vm_actual_t d;
        xgc_plan_entry_t e; xgc_power_state_t f; xgc_pm_admin_t g; xgc_lease_t h;
        xgc_metric_vm_t i; xgc_metric_pm_t j; xgc_plan_round_t k; xgc_cmd_t l; xgc_op_t m;
    } out;
    /* Decoded values must encode again and decode to the same thing. */
    if (xgc_msg_vm_actual_from_object(root, &out.d, err, sizeof err) == 0) {
        void *again;
        size_t again_size;
        xgc_vm_actual_t back;
        if (xgc_msg_vm_actual_encode(&out.d, &again, &again_size) < 0
            || xgc_msg_vm_actual_decode(again, again_size, &back, err, sizeof err) < 0
            || memcmp(&back, &out.d, sizeof back) != 0)
            abort();
        free(again);
    }
    xgc_msg_vm_spec_from_object(root, &out.a, err, sizeof err);
    xgc_msg_pm_spec_from_object(root, &out.b, err, sizeof err);
    xgc_msg_heartbeat_from_object(root, &out.c, err, sizeof err);
    xgc_msg_plan_entry_from_object(root, &out.e, err, sizeof err);
    xgc_msg_power_state_from_object(root, &out.f, err, sizeof err);
    xgc_msg_pm_admin_from_object(root, &out.g, err, sizeof err);
    xgc_msg_lease_from_object(root, &out.h, err, sizeof err);
    xgc_msg_metric_vm_from_object(root, &out.i, err, sizeof err);
    xgc_msg_metric_pm_from_object(root, &out.j, err, sizeof err);
    xgc_msg_plan_round_from_object(root, &out.k, err, sizeof err);
    xgc_msg_cmd_from_object(root, &out.l, err, sizeof err);
    xgc_msg_op_from_object(root, &out.m, err, sizeof err);
    xgc_msg_destroy(&msg);
    return 0;
}
