/* store — see store.h. Disk records (snapshot and journal alike):
 *   u32 len, u32 crc32(payload), payload[len]
 *   payload: u8 type, u64 seq, i64 expires_ms, u64 cseq,
 *            u8 cid_len, cid, u8 key_len, key, u32 value_len, value
 * all big-endian. Types: SET, DEL, WRITER (snapshot: the dedup table),
 * HEADER (snapshot: the seq it was taken at, first record).
 */
#include "broker/store.h"

#include <czmq.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "xgc_bus.h"

enum { REC_SET = 1, REC_DEL = 2, REC_WRITER = 3, REC_HEADER = 4 };
#define REC_FIXED   (1 + 8 + 8 + 8 + 1 + 1 + 4)
#define REC_MAX     (64u << 20)     /* larger = corrupt length */

typedef struct {
    uint64_t seq;
    int64_t expires_ms;
    uint32_t len;
    uint8_t value[];
} s_entry_t;

typedef struct {
    uint64_t cseq;
    int64_t last_ms;
} s_writer_t;

typedef struct {
    int64_t expires_ms;
    char *key;
} s_timer_t;

typedef struct {
    uint8_t *data;
    size_t len, cap;
} s_buf_t;

/* A decoded record (pointers into the file buffer). */
typedef struct {
    int type;
    uint64_t seq, cseq;
    int64_t expires_ms;
    char cid[256], key[256];
    const uint8_t *value;
    uint32_t value_len;
} s_record_t;

struct _xgc_store_t {
    char *dir;
    zhashx_t *items;            /* key -> s_entry_t */
    zhashx_t *writers;          /* client id -> s_writer_t */
    s_timer_t *heap;            /* TTL min-heap, lazily cleaned */
    size_t heap_len, heap_cap;
    uint64_t seq;
    int journal_fd;
    uint64_t journal_bytes;
    s_buf_t pending;            /* encoded records not yet in the journal */
    size_t pending_records;
    uint64_t torn_bytes;
};

/* ---- byte buffer and encoding -------------------------------------------- */

static void s_buf_put(s_buf_t *b, const void *data, size_t len)
{
    if (!len)
        return;
    if (b->len + len > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + len)
            cap *= 2;
        b->data = realloc(b->data, cap);
        assert(b->data);
        b->cap = cap;
    }
    memcpy(b->data + b->len, data, len);
    b->len += len;
}

static void s_put_u32(uint8_t *p, uint32_t v)
{
    p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = (uint8_t)v;
}

static uint32_t s_get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void s_encode(s_buf_t *b, int type, uint64_t seq, int64_t expires_ms,
                     const char *cid, uint64_t cseq, const char *key,
                     const void *value, uint32_t value_len)
{
    size_t cid_len = cid ? strlen(cid) : 0, key_len = key ? strlen(key) : 0;
    assert(cid_len < 256 && key_len < 256);
    uint8_t head[8 + REC_FIXED], *p = head + 8;
    uint32_t len = (uint32_t)(REC_FIXED + cid_len + key_len + value_len);
    size_t start = b->len;

    *p++ = (uint8_t)type;
    xgc_bus_put_u64(p, seq); p += 8;
    xgc_bus_put_u64(p, (uint64_t)expires_ms); p += 8;
    xgc_bus_put_u64(p, cseq); p += 8;
    s_put_u32(head, len);
    s_buf_put(b, head, 8 + 1 + 24);
    uint8_t n = (uint8_t)cid_len;
    s_buf_put(b, &n, 1);
    s_buf_put(b, cid, cid_len);
    n = (uint8_t)key_len;
    s_buf_put(b, &n, 1);
    s_buf_put(b, key, key_len);
    uint8_t vl[4];
    s_put_u32(vl, value_len);
    s_buf_put(b, vl, 4);
    if (value_len)
        s_buf_put(b, value, value_len);
    uint32_t crc = (uint32_t)crc32(0L, b->data + start + 8, len);
    s_put_u32(b->data + start + 4, crc);
}

/* Decode the record at data[*off]; advance *off. 0, or -1 if torn/corrupt. */
static int s_decode(const uint8_t *data, size_t size, size_t *off, s_record_t *r)
{
    if (size - *off < 8)
        return -1;
    const uint8_t *p = data + *off;
    uint32_t len = s_get_u32(p), crc = s_get_u32(p + 4);
    if (len < REC_FIXED || len > REC_MAX || size - *off - 8 < len)
        return -1;
    p += 8;
    if ((uint32_t)crc32(0L, p, len) != crc)
        return -1;
    const uint8_t *end = p + len;
    r->type = *p++;
    r->seq = xgc_bus_get_u64(p); p += 8;
    r->expires_ms = (int64_t)xgc_bus_get_u64(p); p += 8;
    r->cseq = xgc_bus_get_u64(p); p += 8;
    size_t n = *p++;
    if (end - p < (ptrdiff_t)(n + 1))
        return -1;
    memcpy(r->cid, p, n); r->cid[n] = 0; p += n;
    n = *p++;
    if (end - p < (ptrdiff_t)(n + 4))
        return -1;
    memcpy(r->key, p, n); r->key[n] = 0; p += n;
    r->value_len = s_get_u32(p); p += 4;
    if (end - p != (ptrdiff_t)r->value_len)
        return -1;
    r->value = p;
    *off += 8 + len;
    return 0;
}

/* ---- TTL heap --------------------------------------------------------- */

static void s_heap_swap(xgc_store_t *self, size_t a, size_t b)
{
    s_timer_t t = self->heap[a];
    self->heap[a] = self->heap[b];
    self->heap[b] = t;
}

static void s_heap_push(xgc_store_t *self, const char *key, int64_t expires_ms)
{
    if (self->heap_len == self->heap_cap) {
        self->heap_cap = self->heap_cap ? self->heap_cap * 2 : 64;
        self->heap = realloc(self->heap, self->heap_cap * sizeof *self->heap);
        assert(self->heap);
    }
    size_t i = self->heap_len++;
    self->heap[i] = (s_timer_t){expires_ms, strdup(key)};
    while (i && self->heap[(i - 1) / 2].expires_ms > self->heap[i].expires_ms) {
        s_heap_swap(self, i, (i - 1) / 2);
        i = (i - 1) / 2;
    }
}

static void s_heap_pop(xgc_store_t *self)
{
    free(self->heap[0].key);
    self->heap[0] = self->heap[--self->heap_len];
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < self->heap_len && self->heap[l].expires_ms < self->heap[m].expires_ms)
            m = l;
        if (r < self->heap_len && self->heap[r].expires_ms < self->heap[m].expires_ms)
            m = r;
        if (m == i)
            break;
        s_heap_swap(self, i, m);
        i = m;
    }
}

/* ---- in-memory apply (shared by live writes and replay) ------------------ */

static void s_apply_set(xgc_store_t *self, const char *key, const void *value,
                        uint32_t len, uint64_t seq, int64_t expires_ms)
{
    s_entry_t *e = malloc(sizeof *e + len);
    assert(e);
    e->seq = seq;
    e->expires_ms = expires_ms;
    e->len = len;
    memcpy(e->value, value, len);
    zhashx_update(self->items, key, e);
    if (expires_ms)
        s_heap_push(self, key, expires_ms);
}

static void s_note_writer(xgc_store_t *self, const char *cid, uint64_t cseq,
                          int64_t now_ms)
{
    if (!cid || !*cid)
        return;
    s_writer_t *w = zhashx_lookup(self->writers, cid);
    if (!w) {
        w = calloc(1, sizeof *w);
        assert(w);
        zhashx_insert(self->writers, cid, w);
    }
    if (cseq > w->cseq)
        w->cseq = cseq;
    if (now_ms > w->last_ms)
        w->last_ms = now_ms;
}

/* Dedup rule: a known writer's writes are applied in order, each once. */
static int s_check_writer(xgc_store_t *self, const char *cid, uint64_t cseq)
{
    if (!cid || !*cid)
        return XGC_STORE_APPLIED;
    s_writer_t *w = zhashx_lookup(self->writers, cid);
    if (!w)
        return XGC_STORE_APPLIED;
    if (cseq <= w->cseq)
        return XGC_STORE_DUPLICATE;
    return cseq == w->cseq + 1 ? XGC_STORE_APPLIED : XGC_STORE_OUT_OF_ORDER;
}

/* ---- loading ------------------------------------------------------------ */

static int s_read_file(const char *path, uint8_t **data, size_t *size)
{
    *data = NULL;
    *size = 0;
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return errno == ENOENT ? 0 : -1;
    struct stat st;
    if (fstat(fd, &st) < 0) {
        close(fd);
        return -1;
    }
    *data = malloc(st.st_size + 1);
    assert(*data);
    size_t got = 0;
    while (got < (size_t)st.st_size) {
        ssize_t n = read(fd, *data + got, st.st_size - got);
        if (n <= 0)
            break;
        got += n;
    }
    close(fd);
    *size = got;
    return 0;
}

/* Apply the records of a file; returns the offset of the first bad one. */
static size_t s_replay(xgc_store_t *self, const uint8_t *data, size_t size,
                       uint64_t skip_upto)
{
    size_t off = 0;
    s_record_t r;
    while (off < size && s_decode(data, size, &off, &r) == 0) {
        if (r.type == REC_HEADER)
            self->seq = r.seq;
        else
        if (r.type == REC_WRITER)
            s_note_writer(self, r.cid, r.cseq, r.expires_ms);
        else
        if (r.seq > skip_upto && (r.type == REC_SET || r.type == REC_DEL)) {
            if (r.type == REC_SET)
                s_apply_set(self, r.key, r.value, r.value_len, r.seq, r.expires_ms);
            else
                zhashx_delete(self->items, r.key);
            s_note_writer(self, r.cid, r.cseq, 0);
            self->seq = r.seq;
        }
    }
    return off;
}

static int s_fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

static char *s_path(xgc_store_t *self, const char *name)
{
    return zsys_sprintf("%s/%s", self->dir, name);
}

static int s_load(xgc_store_t *self, char *err, size_t errlen)
{
    uint8_t *data;
    size_t size;
    char *path = s_path(self, "snapshot");
    int rc = s_read_file(path, &data, &size);
    if (rc == 0 && s_replay(self, data, size, 0) != size) {
        snprintf(err, errlen, "%s: corrupt snapshot", path);
        rc = -1;
    }
    else
    if (rc < 0)
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
    free(data);
    zstr_free(&path);
    if (rc < 0)
        return -1;

    path = s_path(self, "journal");
    rc = s_read_file(path, &data, &size);
    if (rc == 0) {
        size_t good = s_replay(self, data, size, self->seq);
        self->torn_bytes = size - good;
        /* the directory entry of a new journal must be durable too */
        self->journal_fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0644);
        if (self->journal_fd < 0 || ftruncate(self->journal_fd, good) < 0
            || (!data && s_fsync_dir(self->dir) < 0))
            rc = -1;
        self->journal_bytes = good;
    }
    if (rc < 0)
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
    free(data);
    zstr_free(&path);
    return rc;
}

static void s_free_entry(void **item)
{
    free(*item);
    *item = NULL;
}

xgc_store_t *xgc_store_open(const char *dir, char *err, size_t errlen)
{
    if (zsys_dir_create("%s", dir) < 0) {
        snprintf(err, errlen, "%s: cannot create: %s", dir, strerror(errno));
        return NULL;
    }
    xgc_store_t *self = calloc(1, sizeof *self);
    assert(self);
    self->dir = strdup(dir);
    self->items = zhashx_new();
    zhashx_set_destructor(self->items, s_free_entry);
    self->writers = zhashx_new();
    zhashx_set_destructor(self->writers, s_free_entry);
    self->journal_fd = -1;
    if (s_load(self, err, errlen) < 0)
        xgc_store_destroy(&self);
    return self;
}

void xgc_store_destroy(xgc_store_t **self_p)
{
    xgc_store_t *self = *self_p;
    if (!self)
        return;
    zhashx_destroy(&self->items);
    zhashx_destroy(&self->writers);
    while (self->heap_len)
        free(self->heap[--self->heap_len].key);
    free(self->heap);
    free(self->pending.data);
    if (self->journal_fd >= 0)
        close(self->journal_fd);
    free(self->dir);
    free(self);
    *self_p = NULL;
}

/* ---- writes ------------------------------------------------------------- */

int xgc_store_set(xgc_store_t *self, const char *cid, uint64_t cseq,
                  const char *key, const void *value, size_t len,
                  int64_t expires_ms, int64_t now_ms, uint64_t *seq)
{
    int rc = s_check_writer(self, cid, cseq);
    if (rc != XGC_STORE_APPLIED)
        return rc;
    *seq = ++self->seq;
    s_apply_set(self, key, value, (uint32_t)len, *seq, expires_ms);
    s_note_writer(self, cid, cseq, now_ms);
    s_encode(&self->pending, REC_SET, *seq, expires_ms, cid, cseq, key, value,
             (uint32_t)len);
    self->pending_records++;
    return XGC_STORE_APPLIED;
}

int xgc_store_del(xgc_store_t *self, const char *cid, uint64_t cseq,
                  const char *key, int64_t now_ms, uint64_t *seq)
{
    int rc = s_check_writer(self, cid, cseq);
    if (rc != XGC_STORE_APPLIED)
        return rc;
    *seq = ++self->seq;
    zhashx_delete(self->items, key);
    s_note_writer(self, cid, cseq, now_ms);
    s_encode(&self->pending, REC_DEL, *seq, 0, cid, cseq, key, NULL, 0);
    self->pending_records++;
    return XGC_STORE_APPLIED;
}

/* Heap entries are not removed when a key is rewritten or deleted: drop the
 * stale ones from the top, so that the top is a live expiry. */
static void s_heap_clean(xgc_store_t *self)
{
    while (self->heap_len) {
        s_entry_t *e = zhashx_lookup(self->items, self->heap[0].key);
        if (e && e->expires_ms == self->heap[0].expires_ms)
            break;
        s_heap_pop(self);
    }
}

int xgc_store_skip(xgc_store_t *self, const char *cid, uint64_t cseq,
                   int64_t now_ms)
{
    int rc = s_check_writer(self, cid, cseq);
    if (rc != XGC_STORE_APPLIED)
        return rc;
    s_note_writer(self, cid, cseq, now_ms);
    s_encode(&self->pending, REC_WRITER, 0, now_ms, cid, cseq, NULL, NULL, 0);
    self->pending_records++;
    return XGC_STORE_APPLIED;
}

size_t xgc_store_expire(xgc_store_t *self, int64_t now_ms,
                        xgc_store_expired_fn *fn, void *arg)
{
    size_t count = 0;
    s_heap_clean(self);
    while (self->heap_len && self->heap[0].expires_ms <= now_ms) {
        uint64_t seq;
        xgc_store_del(self, NULL, 0, self->heap[0].key, now_ms, &seq);
        if (fn)
            fn(arg, self->heap[0].key, seq);
        count++;
        s_heap_pop(self);
        s_heap_clean(self);
    }
    return count;
}

int64_t xgc_store_next_expiry(xgc_store_t *self)
{
    s_heap_clean(self);
    return self->heap_len ? self->heap[0].expires_ms : 0;
}

static int s_write_all(int fd, const uint8_t *data, size_t len)
{
    while (len) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        data += n;
        len -= n;
    }
    return 0;
}

int xgc_store_sync(xgc_store_t *self)
{
    if (!self->pending.len)
        return 0;
    if (s_write_all(self->journal_fd, self->pending.data, self->pending.len) < 0
        || fdatasync(self->journal_fd) < 0)
        return -1;
    self->journal_bytes += self->pending.len;
    self->pending.len = 0;
    self->pending_records = 0;
    return 0;
}

/* ---- compaction ------------------------------------------------------- */


/* Encode the whole store (header, writers, items) into b. */
static void s_encode_snapshot(xgc_store_t *self, s_buf_t *b, int64_t now_ms,
                              int64_t forget_ms)
{
    s_encode(b, REC_HEADER, self->seq, 0, NULL, 0, NULL, NULL, 0);
    for (s_writer_t *w = zhashx_first(self->writers); w; w = zhashx_next(self->writers)) {
        if (w->last_ms == 0)            /* replayed from the journal: seen now */
            w->last_ms = now_ms;
        if (now_ms - w->last_ms <= forget_ms)
            s_encode(b, REC_WRITER, 0, w->last_ms, zhashx_cursor(self->writers),
                     w->cseq, NULL, NULL, 0);
    }
    for (s_entry_t *e = zhashx_first(self->items); e; e = zhashx_next(self->items))
        s_encode(b, REC_SET, e->seq, e->expires_ms, NULL, 0,
                 zhashx_cursor(self->items), e->value, e->len);
}

int xgc_store_compact(xgc_store_t *self, int64_t now_ms, int64_t forget_ms)
{
    if (xgc_store_sync(self) < 0)
        return -1;
    s_buf_t b = {0};
    s_encode_snapshot(self, &b, now_ms, forget_ms);
    char *tmp = s_path(self, "snapshot.tmp"), *path = s_path(self, "snapshot");
    int rc = -1, fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0 && s_write_all(fd, b.data, b.len) == 0 && fdatasync(fd) == 0
        && rename(tmp, path) == 0 && s_fsync_dir(self->dir) == 0
        && ftruncate(self->journal_fd, 0) == 0 && fdatasync(self->journal_fd) == 0)
        rc = 0;
    if (fd >= 0)
        close(fd);
    if (rc == 0)
        self->journal_bytes = 0;
    free(b.data);
    zstr_free(&tmp);
    zstr_free(&path);
    return rc;
}

/* ---- reads -------------------------------------------------------------- */

static void s_item(const s_entry_t *e, xgc_store_item_t *item)
{
    item->value = e->value;
    item->len = e->len;
    item->seq = e->seq;
    item->expires_ms = e->expires_ms;
}

bool xgc_store_get(xgc_store_t *self, const char *key, xgc_store_item_t *item)
{
    s_entry_t *e = zhashx_lookup(self->items, key);
    if (e && item)
        s_item(e, item);
    return e != NULL;
}

void xgc_store_foreach(xgc_store_t *self, const char *prefix,
                       xgc_store_each_fn *fn, void *arg)
{
    size_t plen = strlen(prefix);
    xgc_store_item_t item;
    for (s_entry_t *e = zhashx_first(self->items); e; e = zhashx_next(self->items)) {
        const char *key = zhashx_cursor(self->items);
        if (strncmp(key, prefix, plen) == 0) {
            s_item(e, &item);
            fn(arg, key, &item);
        }
    }
}

bool xgc_store_writer(xgc_store_t *self, const char *cid, uint64_t *last_cseq)
{
    s_writer_t *w = zhashx_lookup(self->writers, cid);
    if (w)
        *last_cseq = w->cseq;
    return w != NULL;
}

uint64_t xgc_store_seq(xgc_store_t *self) { return self->seq; }
size_t xgc_store_size(xgc_store_t *self) { return zhashx_size(self->items); }
size_t xgc_store_pending(xgc_store_t *self) { return self->pending_records; }
size_t xgc_store_pending_bytes(xgc_store_t *self) { return self->pending.len; }
uint64_t xgc_store_journal_bytes(xgc_store_t *self) { return self->journal_bytes; }
size_t xgc_store_writers(xgc_store_t *self) { return zhashx_size(self->writers); }
uint64_t xgc_store_torn_bytes(xgc_store_t *self) { return self->torn_bytes; }
