/* datasurface hooks in C: the contract's plumbing, so a hook is only its decision.
 *
 * A hook is a WebAssembly module with no imports (docs/hooks.md). This header
 * gives it the three exports the contract needs, a bump allocator, a small
 * reader for the input's fields and a writer for the decision. Write one
 * function:
 *
 *     void decide(const struct ds_input *in, struct ds_answer *out);
 *
 * and build with clang's own WebAssembly target and lld, no C library:
 *
 *     clang --target=wasm32 -O2 -nostdlib -fno-builtin -Wl,--no-entry \
 *         -Wl,--export=ds_contract_version -Wl,--export=ds_alloc \
 *         -Wl,--export=ds_decide -Wl,--strip-all -o hook.wasm hook.c
 *
 * The reader is deliberately small: it finds `"key":` in the input and reads
 * the string or number after it. The input is compact JSON that datasurface
 * writes itself (the event first, then its context), so the first match of
 * an event's key is the event's.
 */
#ifndef DATASURFACE_HOOK_H
#define DATASURFACE_HOOK_H

typedef unsigned long size_t;

/* clang may turn loops into calls to these; with no C library, they are here. */
void *memcpy(void *dst, const void *src, size_t n) {
    unsigned char *d = dst;
    const unsigned char *s = src;
    while (n--) *d++ = *s++;
    return dst;
}
void *memset(void *dst, int c, size_t n) {
    unsigned char *d = dst;
    while (n--) *d++ = (unsigned char)c;
    return dst;
}

/* A string inside the input: not NUL-terminated. */
struct ds_str {
    const char *at;
    int len;
};

struct ds_input {
    const char *json;
    int len;
};

struct ds_answer {
    const char *action; /* "run", "skip" or "defer" */
    char until[32];     /* with "defer": an RFC 3339 time, such as 2026-12-01T00:00:00Z */
    char reason[256];   /* why, for people */
};

void decide(const struct ds_input *in, struct ds_answer *out);

/* ---- memory: a bump allocator over the module's own memory ---- */

extern unsigned char __heap_base;
static size_t ds_heap_top;

static void *ds_bump(size_t len) {
    if (!ds_heap_top) ds_heap_top = (size_t)&__heap_base;
    size_t at = (ds_heap_top + 7) & ~(size_t)7;
    size_t end = at + len;
    size_t have = __builtin_wasm_memory_size(0) * 65536;
    if (end > have && __builtin_wasm_memory_grow(0, (end - have + 65535) / 65536) == (size_t)-1)
        return 0;
    ds_heap_top = end;
    return (void *)at;
}

/* ---- reading the input ---- */

static int ds_eq(struct ds_str s, const char *lit) {
    int i = 0;
    for (; i < s.len; i++)
        if (lit[i] != s.at[i]) return 0;
    return lit[i] == 0;
}

/* Where the value of the first `"key":` starts, or 0. */
static const char *ds_find(const struct ds_input *in, const char *key) {
    int klen = 0;
    while (key[klen]) klen++;
    for (int i = 0; i + klen + 3 <= in->len; i++) {
        const char *p = in->json + i;
        if (p[0] != '"') continue;
        int k = 0;
        while (k < klen && p[1 + k] == key[k]) k++;
        if (k != klen || p[1 + klen] != '"') continue;
        const char *v = p + klen + 2;
        const char *end = in->json + in->len;
        while (v < end && (*v == ' ' || *v == ':')) v++;
        return v < end ? v : 0;
    }
    return 0;
}

/* The string value of the first `"key":`, or an empty string. */
static struct ds_str ds_string(const struct ds_input *in, const char *key) {
    struct ds_str s = {0, 0};
    const char *v = ds_find(in, key);
    if (!v || *v != '"') return s;
    const char *end = in->json + in->len;
    const char *e = v + 1;
    while (e < end && *e != '"') e += (*e == '\\') ? 2 : 1;
    s.at = v + 1;
    s.len = (int)(e - v - 1);
    return s;
}

/* The number value of the first `"key":`, or `missing`. */
static long long ds_number(const struct ds_input *in, const char *key, long long missing) {
    const char *v = ds_find(in, key);
    const char *end = in->json + in->len;
    if (!v || v >= end || *v < '0' || *v > '9') return missing;
    long long n = 0;
    while (v < end && *v >= '0' && *v <= '9') n = n * 10 + (*v++ - '0');
    return n;
}

/* ---- writing the answer ---- */

static void ds_copy(char *dst, int cap, const char *src) {
    int i = 0;
    for (; src[i] && i < cap - 1; i++) dst[i] = src[i];
    dst[i] = 0;
}

static char *ds_put(char *p, const char *s) {
    while (*s) *p++ = *s++;
    return p;
}

/* Writes `s` as the inside of a JSON string. */
static char *ds_put_escaped(char *p, const char *s) {
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') { *p++ = '\\'; *p++ = (char)c; }
        else if (c >= 0x20) *p++ = (char)c;
    }
    return p;
}

/* ---- the contract's exports ---- */

__attribute__((export_name("ds_contract_version"))) int ds_contract_version(void) { return 1; }

__attribute__((export_name("ds_alloc"))) void *ds_alloc(int len) { return ds_bump((size_t)len); }

__attribute__((export_name("ds_decide"))) long long ds_decide(const char *json, int len) {
    struct ds_input in = {json, len};
    struct ds_answer out;
    out.action = "skip";
    out.until[0] = 0;
    out.reason[0] = 0;
    decide(&in, &out);
    char *buf = ds_bump(512);
    if (!buf) return 0;
    char *p = ds_put(buf, "{\"action\":\"");
    p = ds_put(p, out.action);
    p = ds_put(p, "\"");
    if (out.until[0]) {
        p = ds_put(p, ",\"until\":\"");
        p = ds_put_escaped(p, out.until);
        p = ds_put(p, "\"");
    }
    p = ds_put(p, ",\"reason\":\"");
    p = ds_put_escaped(p, out.reason);
    p = ds_put(p, "\"}");
    return ((long long)(size_t)buf << 32) | (long long)(p - buf);
}

#endif
