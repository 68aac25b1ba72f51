/* 100 000 random and mutated frames through the decoder, the JSON printer
 * and every typed decoder: none may crash, leak (LeakSanitizer runs at
 * exit) or ask for absurd memory (ASan aborts on huge allocations), and
 * whatever the validator accepts, msgpack-c must decode.
 * Mutations of valid encodings: bit flips, truncations, insertions and
 * deletions, huge declared counts and lengths, deep nesting, splices.
 * Deterministic: seed from $XGC_FUZZ_SEED, default 1. */
#include <stdint.h>
#include <stdlib.h>

#include "xgc_json.h"
#include "xgc_msg.h"
#include "xgc_test.h"

#define FRAMES 100000
#define MAX_FRAME 4096

static uint64_t s_rng = 1;

static uint32_t s_rand(void)
{
    s_rng ^= s_rng << 13;
    s_rng ^= s_rng >> 7;
    s_rng ^= s_rng << 17;
    return (uint32_t)(s_rng >> 11);
}

static uint32_t s_below(uint32_t n) { return n ? s_rand() % n : 0; }

/* ---- Valid seeds ---------------------------------------------------------- */

typedef struct { unsigned char *data; size_t size; } s_frame_t;

static s_frame_t s_seeds[64];
static size_t s_seed_count;

static void s_keep(void *data, size_t size)
{
    if (s_seed_count < sizeof s_seeds / sizeof s_seeds[0])
        s_seeds[s_seed_count++] = (s_frame_t){data, size};
    else
        free(data);
}

/* A random tree of every msgpack type, through the encoder. */
static void s_random_value(xgc_msg_enc_t *enc, int depth)
{
    static const char *const words[] = {"v", "vm", "host", "state", "running", "cap_mhz",
                                        "ts_ms", "name", "\xff\xfe", "é", ""};
    switch (s_below(depth > 4 ? 7 : 9)) {
    case 0: xgc_msg_enc_nil(enc); break;
    case 1: xgc_msg_enc_bool(enc, s_below(2)); break;
    case 2: xgc_msg_enc_int(enc, (int64_t)s_rand() - (1 << 30)); break;
    case 3: xgc_msg_enc_uint(enc, (uint64_t)s_rand() << s_below(40)); break;
    case 4: xgc_msg_enc_double(enc, (double)s_rand() / 7.0); break;
    case 5: xgc_msg_enc_str(enc, words[s_below(11)]); break;
    case 6: xgc_msg_enc_bin(enc, "\x00\x01\x02\xff", s_below(5)); break;
    case 7: {
        xgc_msg_enc_array_begin(enc);
        for (uint32_t i = s_below(5); i > 0; i--)
            s_random_value(enc, depth + 1);
        xgc_msg_enc_array_end(enc);
        break;
    }
    default: {
        xgc_msg_enc_map_begin(enc);
        for (uint32_t i = s_below(6); i > 0; i--) {
            xgc_msg_enc_key(enc, words[s_below(8)]);
            s_random_value(enc, depth + 1);
        }
        xgc_msg_enc_map_end(enc);
    }
    }
}

static void s_make_seeds(void)
{
    void *data;
    size_t size;
    xgc_vm_spec_t vm = {"web", 100, 900, 256, 512, 1, 5, "img"};
    if (xgc_msg_vm_spec_encode(&vm, &data, &size) == 0) s_keep(data, size);
    xgc_pm_spec_t pm = {"pm1", 9600, 8192, 4, 2, {80, 200, 11, {80, 90, 100, 110, 120, 130,
                        140, 150, 160, 170, 200}}, "sim", "10.0.0.1"};
    if (xgc_msg_pm_spec_encode(&pm, &data, &size) == 0) s_keep(data, size);
    xgc_heartbeat_t hb = {"pm1", 1764165123456, 99, 3000};
    if (xgc_msg_heartbeat_encode(&hb, &data, &size) == 0) s_keep(data, size);
    xgc_vm_actual_t act = {"web", "pm1", XGC_VM_RUNNING, 800, 256, 700, 5, "ok"};
    if (xgc_msg_vm_actual_encode(&act, &data, &size) == 0) s_keep(data, size);
    xgc_plan_entry_t plan = {"web", "pm2", XGC_PLAN_RUN, 0, 256, "pm1", 3, "move", "pm0"};
    if (xgc_msg_plan_entry_encode(&plan, &data, &size) == 0) s_keep(data, size);
    xgc_power_state_t power = {"pm3", XGC_POWER_OFF, "idle"};
    if (xgc_msg_power_state_encode(&power, &data, &size) == 0) s_keep(data, size);
    xgc_pm_admin_t admin = {"pm3", true};
    if (xgc_msg_pm_admin_encode(&admin, &data, &size) == 0) s_keep(data, size);
    xgc_lease_t lease = {"a:1", 5};
    if (xgc_msg_lease_encode(&lease, &data, &size) == 0) s_keep(data, size);
    xgc_metric_vm_t mv = {"web", "pm1", 7, 300, 12.5, 9.25, true, 60};
    if (xgc_msg_metric_vm_encode(&mv, &data, &size) == 0) s_keep(data, size);
    xgc_metric_pm_t mp = {"pm1", 7, 50, 4800, 150, 3};
    if (xgc_msg_metric_pm_encode(&mp, &data, &size) == 0) s_keep(data, size);
    xgc_op_t op = {"web", "pm1", XGC_OP_DONE, "", 1500};
    if (xgc_msg_op_encode(&op, &data, &size) == 0) s_keep(data, size);
    while (s_seed_count < 40) {
        xgc_msg_enc_t enc;
        xgc_msg_enc_init(&enc);
        s_random_value(&enc, 0);
        if (xgc_msg_enc_finish(&enc, &data, &size) == 0)
            s_keep(data, size);
    }
}

/* ---- Mutations ------------------------------------------------------------ */

static size_t s_insert(unsigned char *buf, size_t size, size_t at, const void *bytes, size_t n)
{
    if (size + n > MAX_FRAME)
        return size;
    memmove(buf + at + n, buf + at, size - at);
    memcpy(buf + at, bytes, n);
    return size + n;
}

static size_t s_mutate(unsigned char *buf, size_t size)
{
    static const unsigned char huge[][5] = {
        {0xdd, 0xff, 0xff, 0xff, 0xff}, {0xdf, 0xff, 0xff, 0xff, 0xff},
        {0xdb, 0xff, 0xff, 0xff, 0xff}, {0xc6, 0x7f, 0xff, 0xff, 0xff},
        {0xc9, 0xff, 0xff, 0xff, 0xf0}, {0xdc, 0xff, 0xff, 0x91, 0x91},
        {0xde, 0x80, 0x00, 0x00, 0x00}};
    size_t at = s_below((uint32_t)size + 1);
    switch (s_below(8)) {
    case 0:                                          /* bit flips */
        for (uint32_t n = 1 + s_below(4); n > 0 && size; n--)
            buf[s_below((uint32_t)size)] ^= (unsigned char)(1u << s_below(8));
        return size;
    case 1:                                          /* truncation */
        return s_below((uint32_t)size + 1);
    case 2: {                                        /* random bytes in */
        unsigned char junk[8];
        for (int i = 0; i < 8; i++)
            junk[i] = (unsigned char)s_rand();
        return s_insert(buf, size, at, junk, 1 + s_below(8));
    }
    case 3:                                          /* a deletion */
        if (at < size) {
            size_t n = 1 + s_below((uint32_t)(size - at));
            memmove(buf + at, buf + at + n, size - at - n);
            return size - n;
        }
        return size;
    case 4:                                          /* a huge declared count */
        return s_insert(buf, size, at, huge[s_below(7)], 5);
    case 5: {                                        /* deep nesting */
        unsigned char deep[64];
        memset(deep, s_below(2) ? 0x91 : 0x81, sizeof deep);
        return s_insert(buf, size, 0, deep, 1 + s_below(40));
    }
    case 6: {                                        /* splice another seed */
        s_frame_t *other = &s_seeds[s_below((uint32_t)s_seed_count)];
        size_t from = s_below((uint32_t)other->size);
        return s_insert(buf, s_below((uint32_t)size + 1), 0, other->data + from,
                        other->size - from);
    }
    default:                                         /* overwrite a byte */
        if (size)
            buf[s_below((uint32_t)size)] = (unsigned char)s_rand();
        return size;
    }
}

/* ---- The property --------------------------------------------------------- */

static int s_inconsistent, s_accepted;

static void s_exercise(const unsigned char *buf, size_t size)
{
    char err[XGC_ERR_MAX];
    int valid = xgc_msg_validate(buf, size, err, sizeof err) == 0;
    xgc_msg_t *msg = xgc_msg_decode(buf, size, err, sizeof err);
    if (valid != (msg != NULL))
        s_inconsistent++;
    if (!msg)
        return;
    s_accepted++;
    const msgpack_object *root = xgc_msg_root(msg);
    json_t *json = xgc_json_from_object(root);
    char *text = json ? json_dumps(json, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    if (!text)
        s_inconsistent++;            /* any valid frame must print as JSON */
    free(text);
    json_decref(json);
    for (const char *const *schema = xgc_msg_schema_names; *schema; schema++)
        xgc_msg_check_object(*schema, root, err, sizeof err);
    xgc_msg_destroy(&msg);
}

XGC_TEST(hundred_thousand_frames)
{
    static unsigned char buf[MAX_FRAME];
    const char *seed = getenv("XGC_FUZZ_SEED");
    s_rng = seed ? strtoull(seed, NULL, 10) | 1 : 1;
    s_make_seeds();
    CHECK(s_seed_count == 40);
    for (size_t i = 0; i < s_seed_count; i++)          /* every seed is valid */
        CHECK(xgc_msg_validate(s_seeds[i].data, s_seeds[i].size, NULL, 0) == 0);
    for (int n = 0; n < FRAMES; n++) {
        size_t size;
        if (n % 10 == 0) {                             /* pure noise */
            size = s_below(64);
            for (size_t i = 0; i < size; i++)
                buf[i] = (unsigned char)s_rand();
        } else {                                       /* 1..3 mutations of a seed */
            s_frame_t *seed_frame = &s_seeds[s_below((uint32_t)s_seed_count)];
            size = seed_frame->size;
            memcpy(buf, seed_frame->data, size);
            for (uint32_t m = 1 + s_below(3); m > 0; m--)
                size = s_mutate(buf, size);
        }
        s_exercise(buf, size);
    }
    printf("frames: %d, accepted: %d\n", FRAMES, s_accepted);
    for (size_t i = 0; i < s_seed_count; i++)
        free(s_seeds[i].data);
    CHECK(s_inconsistent == 0);
    CHECK(s_accepted > 1000);          /* the mutations are not all fatal */
}

int main(void)
{
    XGC_TEST_RUN(hundred_thousand_frames);
    return XGC_TEST_END();
}
