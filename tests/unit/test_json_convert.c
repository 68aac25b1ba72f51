/* Unit tests of common/xgc_json: msgpack → strict JSON, and YAML/JSON text
 * → msgpack with typed scalars. */
#include <stdlib.h>

#include "xgc_json.h"
#include "xgc_msg.h"
#include "xgc_test.h"

/* Text → msgpack → JSON text, in one go (NULL on error, err set). */
static char *s_via_msgpack(const char *text, char *err, size_t errlen)
{
    void *data;
    size_t size;
    if (xgc_json_to_msgpack(text, strlen(text), "arg", &data, &size, err, errlen) < 0)
        return NULL;
    char *json = xgc_json_text(data, size, err, errlen);
    free(data);
    return json;
}

XGC_TEST(msgpack_to_strict_json)
{
    xgc_msg_enc_t enc;
    void *data;
    size_t size;
    char err[XGC_ERR_MAX];
    xgc_msg_enc_init(&enc);
    xgc_msg_enc_map_begin(&enc);
    xgc_msg_enc_kv_str(&enc, "quote", "a\"b\\c\nd\x01");
    xgc_msg_enc_key(&enc, "bin");
    xgc_msg_enc_bin(&enc, "\x00\xff\x10hi", 5);
    xgc_msg_enc_key(&enc, "bad_utf8");
    xgc_msg_enc_strn(&enc, "x\xff\xc3(y", 5);
    xgc_msg_enc_kv_double(&enc, "nan", NAN);
    xgc_msg_enc_kv_double(&enc, "half", 0.5);
    xgc_msg_enc_key(&enc, "big");
    xgc_msg_enc_uint(&enc, UINT64_MAX);
    xgc_msg_enc_kv_int(&enc, "neg", -7);
    xgc_msg_enc_key(&enc, "list");
    xgc_msg_enc_array_begin(&enc);
    xgc_msg_enc_nil(&enc);
    xgc_msg_enc_bool(&enc, true);
    xgc_msg_enc_array_end(&enc);
    xgc_msg_enc_map_end(&enc);
    CHECK(xgc_msg_enc_finish(&enc, &data, &size) == 0);
    char *text = xgc_json_text(data, size, err, sizeof err);
    free(data);
    CHECK_STR(text, "{\"quote\":\"a\\\"b\\\\c\\nd\\u0001\",\"bin\":\"AP8QaGk=\","
                    "\"bad_utf8\":\"x\xef\xbf\xbd\xef\xbf\xbd(y\",\"nan\":null,\"half\":0.5,"
                    "\"big\":1.8446744073709552e19,\"neg\":-7,\"list\":[null,true]}");
    free(text);
}

XGC_TEST(non_string_keys_are_stringified)
{
    /* {1: "a", -2: "b", [1]: "c", nil: "d"} built by hand. */
    static const unsigned char frame[] = {0x84, 0x01, 0xa1, 'a', 0xfe, 0xa1, 'b',
                                          0x91, 0x01, 0xa1, 'c', 0xc0, 0xa1, 'd'};
    char err[XGC_ERR_MAX];
    char *text = xgc_json_text(frame, sizeof frame, err, sizeof err);
    CHECK_STR(text, "{\"1\":\"a\",\"-2\":\"b\",\"[1]\":\"c\",\"null\":\"d\"}");
    free(text);
    /* A top-level scalar prints too; garbage is refused with a reason. */
    text = xgc_json_text("\xa2hi", 3, err, sizeof err);
    CHECK_STR(text, "\"hi\"");
    free(text);
    CHECK(xgc_json_text("\x92\x01", 2, err, sizeof err) == NULL);
    CHECK_STR(err, "count 2 at byte 0 exceeds the 1 bytes left");
}

XGC_TEST(yaml_scalars_are_typed)
{
    char err[XGC_ERR_MAX];
    char *text = s_via_msgpack(
        "{i: 42, n: -3, h: 0x1f, o: 0o17, f: 2.5, e: 1e3, t: true, F: False, z: null,\n"
        " tilde: ~, empty: , s: hello, q: \"42\", sq: 'true', ver: 1.2.3, inf: .inf}",
        err, sizeof err);
    CHECK_STR(text, "{\"i\":42,\"n\":-3,\"h\":31,\"o\":15,\"f\":2.5,\"e\":1000.0,\"t\":true,"
                    "\"F\":false,\"z\":null,\"tilde\":null,\"empty\":null,\"s\":\"hello\","
                    "\"q\":\"42\",\"sq\":\"true\",\"ver\":\"1.2.3\",\"inf\":null}");
    free(text);
    /* Block style YAML works the same as JSON. */
    text = s_via_msgpack("name: web\nmin_mhz: 500\nlist:\n  - 1\n  - x\n", err, sizeof err);
    CHECK_STR(text, "{\"name\":\"web\",\"min_mhz\":500,\"list\":[1,\"x\"]}");
    free(text);
    /* A bare scalar is a value too. */
    text = s_via_msgpack("-12", err, sizeof err);
    CHECK_STR(text, "-12");
    free(text);
    /* Out of int64 range: a float. */
    text = s_via_msgpack("[18446744073709551615, 99999999999999999999]", err, sizeof err);
    CHECK_STR(text, "[1.8446744073709552e19,1e20]");
    free(text);
}

XGC_TEST(typed_value_from_yaml_text)
{
    /* What `xgc set vm/web/spec '...'` does: text → msgpack → typed decode. */
    const char *yaml = "{v: 1, name: web, min_mhz: 500, max_mhz: 1500.5, mem_mb: 1024}";
    void *data;
    size_t size;
    char err[XGC_ERR_MAX];
    CHECK(xgc_json_to_msgpack(yaml, strlen(yaml), "arg", &data, &size, err, sizeof err) == 0);
    xgc_vm_spec_t vm;
    CHECK(xgc_msg_vm_spec_decode(data, size, &vm, err, sizeof err) == 0);
    CHECK_STR(vm.name, "web");
    CHECK(vm.min_mhz == 500 && vm.max_mhz == 1500.5 && vm.mem_mb == 1024);
    free(data);
}

XGC_TEST(bad_text_is_refused_with_position)
{
    void *data;
    size_t size;
    char err[XGC_ERR_MAX];
    const char *dup = "a: 1\nb: 2\na: 3\n";
    CHECK(xgc_json_to_msgpack(dup, strlen(dup), "arg", &data, &size, err, sizeof err) < 0);
    CHECK_STR(err, "arg:3:1: duplicate key 'a'");
    const char *bad = "{a: [1, 2}";
    CHECK(xgc_json_to_msgpack(bad, strlen(bad), "arg", &data, &size, err, sizeof err) < 0);
    CHECK(strncmp(err, "arg:1:", 6) == 0);
    char deep[200] = "";
    for (int i = 0; i < XGC_MSG_MAX_DEPTH + 1; i++)
        strcat(deep, "[");
    for (int i = 0; i < XGC_MSG_MAX_DEPTH + 1; i++)
        strcat(deep, "]");
    CHECK(xgc_json_to_msgpack(deep, strlen(deep), "arg", &data, &size, err, sizeof err) < 0);
    CHECK(strstr(err, "nested deeper than 16"));
}

int main(void)
{
    XGC_TEST_RUN(msgpack_to_strict_json);
    XGC_TEST_RUN(non_string_keys_are_stringified);
    XGC_TEST_RUN(yaml_scalars_are_typed);
    XGC_TEST_RUN(typed_value_from_yaml_text);
    XGC_TEST_RUN(bad_text_is_refused_with_position);
    return XGC_TEST_END();
}
