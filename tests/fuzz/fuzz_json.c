/* libFuzzer target: untrusted YAML/JSON text → msgpack (what `xgc set`
 * does) → JSON. Whatever the text encoder produces must be valid msgpack
 * that prints as JSON. The same text as a log line must make a valid
 * log.<component> event. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xgc_json.h"
#include "xgc_msg.h"
#include "xgc_yaml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[XGC_ERR_MAX];
    void *packed;
    size_t packed_size;
    char *line = strndup((const char *)data, size);
    if (!line || xgc_msg_log_encode("info", line, &packed, &packed_size) < 0
        || xgc_msg_validate(packed, packed_size, err, sizeof err) < 0)
        abort();
    free(packed);
    free(line);
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
