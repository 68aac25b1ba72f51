/* libFuzzer target: untrusted msgpack bytes through the validator, the
 * decoder, the JSON printer and every typed decoder (see docs/fuzzing.md).
 * Whatever the validator accepts, msgpack-c must decode; nothing may crash,
 * leak or allocate beyond libFuzzer's malloc limit. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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
    /* A decoded value must encode again and decode to the same thing. */
    xgc_vm_actual_t act;
    if (xgc_msg_vm_actual_from_object(root, &act, err, sizeof err) == 0) {
        void *again;
        size_t again_size;
        xgc_vm_actual_t back;
        if (xgc_msg_vm_actual_encode(&act, &again, &again_size) < 0
            || xgc_msg_vm_actual_decode(again, again_size, &back, err, sizeof err) < 0
            || memcmp(&back, &act, sizeof back) != 0)
            abort();
        free(again);
    }
    for (const char *const *schema = xgc_msg_schema_names; *schema; schema++)
        xgc_msg_check_object(*schema, root, err, sizeof err);
    xgc_msg_destroy(&msg);
    return 0;
}
