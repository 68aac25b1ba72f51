/* libFuzzer target: untrusted YAML/JSON text → msgpack (what `xgc set`
 * does) → JSON. Whatever the text encoder produces must be valid msgpack
 * that prints as JSON. */
#include <stdint.h>
#include <stdlib.h>

#include "xgc_json.h"
#include "xgc_msg.h"
#include "xgc_yaml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[XGC_ERR_MAX];
    void *packed;
    size_t packed_size;
    if (xgc_json_to_msgpack((const char *)data, size, "arg", &packed, &packed_size,
                            err, sizeof err) < 0)
        return 0;
    char *text = xgc_json_text(packed, packed_size, err, sizeof err);
    if (!text)
        abort();
    free(text);
    free(packed);
    return 0;
}
