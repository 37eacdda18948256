#include "json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *p, *end;
    char *err;
    size_t err_len;
    int depth;
} parser;

static void fail(parser *ps, const char *what) {
    if (ps->err && ps->err[0] == 0) snprintf(ps->err, ps->err_len, "%s", what);
}

static void ws(parser *ps) {
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\n' || *ps->p == '\r' || *ps->p == '\t')) ps->p++;
}

static json *node(json_kind k) {
    json *v = (json *)calloc(1, sizeof(json));
    if (v) v->kind = k;
    return v;
}

static int hex4(parser *ps, unsigned *out) {
    unsigned v = 0;
    int i;
    if (ps->end - ps->p < 4) return 0;
    for (i = 0; i < 4; i++) {
        char c = *ps->p++;
        v <<= 4;
        if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') v |= (unsigned)(c - 'A' + 10);
        else return 0;
    }
    *out = v;
    return 1;
}

static int put(char **buf, size_t *len, size_t *cap, unsigned char c) {
    if (*len + 1 >= *cap) {
        size_t n = *cap ? *cap * 2 : 32;
        char *b = (char *)realloc(*buf, n);
        if (!b) return 0;
        *buf = b;
        *cap = n;
    }
    (*buf)[(*len)++] = (char)c;
    (*buf)[*len] = 0;
    return 1;
}

static int put_utf8(char **buf, size_t *len, size_t *cap, unsigned cp) {
    if (cp < 0x80) return put(buf, len, cap, (unsigned char)cp);
    if (cp < 0x800)
        return put(buf, len, cap, (unsigned char)(0xC0 | (cp >> 6))) &&
               put(buf, len, cap, (unsigned char)(0x80 | (cp & 0x3F)));
    if (cp < 0x10000)
        return put(buf, len, cap, (unsigned char)(0xE0 | (cp >> 12))) &&
               put(buf, len, cap, (unsigned char)(0x80 | ((cp >> 6) & 0x3F))) &&
               put(buf, len, cap, (unsigned char)(0x80 | (cp & 0x3F)));
    return put(buf, len, cap, (unsigned char)(0xF0 | (cp >> 18))) &&
           put(buf, len, cap, (unsigned char)(0x80 | ((cp >> 12) & 0x3F))) &&
           put(buf, len, cap, (unsigned char)(0x80 | ((cp >> 6) & 0x3F))) &&
           put(buf, len, cap, (unsigned char)(0x80 | (cp & 0x3F)));
}

/* At the opening quote. */
static int string(parser *ps, char **out, size_t *out_len) {
    char *buf = NULL;
    size_t len = 0, cap = 0;
    ps->p++;
    if (!put(&buf, &len, &cap, 0)) goto bad;
    len = 0;
    for (;;) {
        unsigned char c;
        if (ps->p >= ps->end) { fail(ps, "unterminated string"); goto bad; }
        c = (unsigned char)*ps->p++;
        if (c == '"') break;
        if (c < 0x20) { fail(ps, "control character in string"); goto bad; }
        if (c != '\\') {
            if (!put(&buf, &len, &cap, c)) goto bad;
            continue;
        }
        if (ps->p >= ps->end) { fail(ps, "bad escape"); goto bad; }
        c = (unsigned char)*ps->p++;
        switch (c) {
        case '"': case '\\': case '/':
            if (!put(&buf, &len, &cap, c)) goto bad;
            break;
        case 'b': if (!put(&buf, &len, &cap, '\b')) goto bad; break;
        case 'f': if (!put(&buf, &len, &cap, '\f')) goto bad; break;
        case 'n': if (!put(&buf, &len, &cap, '\n')) goto bad; break;
        case 'r': if (!put(&buf, &len, &cap, '\r')) goto bad; break;
        case 't': if (!put(&buf, &len, &cap, '\t')) goto bad; break;
        case 'u': {
            unsigned cp, lo;
            if (!hex4(ps, &cp)) { fail(ps, "bad \\u escape"); goto bad; }
            if (cp >= 0xD800 && cp < 0xDC00) {
                if (ps->end - ps->p < 2 || ps->p[0] != '\\' || ps->p[1] != 'u') { fail(ps, "lone surrogate"); goto bad; }
                ps->p += 2;
                if (!hex4(ps, &lo) || lo < 0xDC00 || lo > 0xDFFF) { fail(ps, "bad surrogate pair"); goto bad; }
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            } else if (cp >= 0xDC00 && cp < 0xE000) {
                fail(ps, "lone surrogate");
                goto bad;
            }
            if (!put_utf8(&buf, &len, &cap, cp)) goto bad;
            break;
        }
        default: fail(ps, "bad escape"); goto bad;
        }
    }
    *out = buf;
    *out_len = len;
    return 1;
bad:
    free(buf);
    fail(ps, "out of memory");
    return 0;
}

static json *value(parser *ps);

static json *container(parser *ps, int obj) {
    json *v = node(obj ? J_OBJ : J_ARR);
    size_t cap = 0;
    if (!v) return NULL;
    if (++ps->depth > 64) { fail(ps, "nested too deeply"); json_free(v); return NULL; }
    ps->p++;
    ws(ps);
    if (ps->p < ps->end && *ps->p == (obj ? '}' : ']')) { ps->p++; ps->depth--; return v; }
    for (;;) {
        char *key = NULL;
        size_t key_len = 0;
        json *item;
        ws(ps);
        if (obj) {
            if (ps->p >= ps->end || *ps->p != '"') { fail(ps, "expected a key"); json_free(v); return NULL; }
            if (!string(ps, &key, &key_len)) { json_free(v); return NULL; }
            ws(ps);
            if (ps->p >= ps->end || *ps->p != ':') { fail(ps, "expected ':'"); free(key); json_free(v); return NULL; }
            ps->p++;
        }
        item = value(ps);
        if (!item) { free(key); json_free(v); return NULL; }
        if (v->len == cap) {
            size_t n = cap ? cap * 2 : 8;
            json **items = (json **)realloc(v->items, n * sizeof(json *));
            char **keys;
            if (!items) { free(key); json_free(item); json_free(v); return NULL; }
            v->items = items;
            if (obj) {
                keys = (char **)realloc(v->keys, n * sizeof(char *));
                if (!keys) { free(key); json_free(item); json_free(v); return NULL; }
                v->keys = keys;
            }
            cap = n;
        }
        v->items[v->len] = item;
        if (obj) {
            size_t i;
            for (i = 0; i < v->len; i++)
                if (strcmp(v->keys[i], key) == 0) { fail(ps, "duplicate key"); free(key); json_free(item); json_free(v); return NULL; }
            v->keys[v->len] = key;
        }
        v->len++;
        ws(ps);
        if (ps->p < ps->end && *ps->p == ',') { ps->p++; continue; }
        if (ps->p < ps->end && *ps->p == (obj ? '}' : ']')) { ps->p++; ps->depth--; return v; }
        fail(ps, "expected ',' or a closing bracket");
        json_free(v);
        return NULL;
    }
}

static int literal(parser *ps, const char *word) {
    size_t n = strlen(word);
    if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0) return 0;
    ps->p += n;
    return 1;
}

static json *value(parser *ps) {
    json *v;
    ws(ps);
    if (ps->p >= ps->end) { fail(ps, "unexpected end"); return NULL; }
    switch (*ps->p) {
    case '{': return container(ps, 1);
    case '[': return container(ps, 0);
    case '"':
        v = node(J_STR);
        if (!v) return NULL;
        if (!string(ps, &v->str, &v->str_len)) { free(v); return NULL; }
        return v;
    case 't': case 'f': case 'n':
        if (literal(ps, "true")) { v = node(J_BOOL); if (v) v->b = 1; return v; }
        if (literal(ps, "false")) return node(J_BOOL);
        if (literal(ps, "null")) return node(J_NULL);
        fail(ps, "bad literal");
        return NULL;
    default:
        if (*ps->p >= '0' && *ps->p <= '9') {
            uint64_t n = 0;
            if (*ps->p == '0' && ps->end - ps->p > 1 && ps->p[1] >= '0' && ps->p[1] <= '9') { fail(ps, "leading zero"); return NULL; }
            while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9') {
                n = n * 10 + (uint64_t)(*ps->p - '0');
                if (n > 9007199254740991ULL) { fail(ps, "number above 2^53 - 1"); return NULL; }
                ps->p++;
            }
            if (ps->p < ps->end && (*ps->p == '.' || *ps->p == 'e' || *ps->p == 'E')) { fail(ps, "only integers are expected"); return NULL; }
            v = node(J_NUM);
            if (v) v->num = n;
            return v;
        }
        fail(ps, "unexpected character");
        return NULL;
    }
}

json *json_parse(const char *text, size_t len, char *err, size_t err_len) {
    parser ps;
    json *v;
    ps.p = text;
    ps.end = text + len;
    ps.err = err;
    ps.err_len = err_len;
    ps.depth = 0;
    if (err && err_len) err[0] = 0;
    v = value(&ps);
    if (!v) { fail(&ps, "parse error"); return NULL; }
    ws(&ps);
    if (ps.p != ps.end) { fail(&ps, "trailing text"); json_free(v); return NULL; }
    return v;
}

void json_free(json *v) {
    size_t i;
    if (!v) return;
    for (i = 0; i < v->len; i++) {
        json_free(v->items[i]);
        if (v->keys) free(v->keys[i]);
    }
    free(v->items);
    free(v->keys);
    free(v->str);
    free(v);
}

const json *json_get(const json *v, const char *key) {
    size_t i;
    if (!v || v->kind != J_OBJ) return NULL;
    for (i = 0; i < v->len; i++)
        if (strcmp(v->keys[i], key) == 0) return v->items[i];
    return NULL;
}
