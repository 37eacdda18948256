/* The sealed-stream vectors (tests/vectors/sealed-vectors.json) through sealkit_unsealer_*, in
   several chunkings: the payload bytes and the facts (length, digest, subject, version), or the
   error's code, name and stage, then stickiness. Refuses any file version but 1.
   Usage: sealed_vectors tests/vectors/sealed-vectors.json */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "sealkit.h"

static int checks, failures;

#define CHECK(cond, ...)                                                \
    do {                                                                \
        checks++;                                                       \
        if (!(cond)) {                                                  \
            failures++;                                                 \
            fprintf(stderr, "FAIL sealed_vectors: ");                   \
            fprintf(stderr, __VA_ARGS__);                               \
            fputc('\n', stderr);                                        \
        }                                                               \
    } while (0)

static uint8_t *unhex(const char *s, size_t *len) {
    size_t n = strlen(s) / 2, i;
    uint8_t *out = (uint8_t *)malloc(n + 1);
    if (!out) exit(2);
    for (i = 0; i < n; i++) {
        unsigned v;
        if (sscanf(s + 2 * i, "%2x", &v) != 1) exit(2);
        out[i] = (uint8_t)v;
    }
    *len = n;
    return out;
}

static void tohex(const uint8_t *b, size_t n, char *out) {
    size_t i;
    for (i = 0; i < n; i++) sprintf(out + 2 * i, "%02x", b[i]);
    out[2 * n] = 0;
}

static const char *str_of(const json *v) { return v && v->kind == J_STR ? v->str : ""; }
static int is_null(const json *v) { return !v || v->kind == J_NULL; }

static int build_policy(sealkit_policy *pol, const json *c) {
    const json *keys = json_get(c, "public_keys"), *p = json_get(c, "policy");
    const json *id = json_get(p, "identity"), *sub = json_get(p, "subject"), *mv = json_get(p, "min_version");
    int rc = sealkit_policy_init(pol);
    size_t i;
    for (i = 0; !rc && keys && i < keys->len; i++) {
        const json *k = json_get(keys->items[i], "key");
        rc = sealkit_policy_trust_key_text(pol, k->str, k->str_len);
    }
    if (!rc && !is_null(id)) rc = sealkit_policy_require_identity(pol, id->str, id->str_len);
    if (!rc && !is_null(sub)) rc = sealkit_policy_require_subject(pol, sub->str, sub->str_len);
    if (!rc && !is_null(mv)) rc = sealkit_policy_require_min_version(pol, mv->num);
    return rc;
}

static void run(const json *c, const uint8_t *s, size_t len, size_t chunk, int empties) {
    const char *name = str_of(json_get(c, "name"));
    const json *ex = json_get(c, "expected");
    int ok = strcmp(str_of(json_get(ex, "result")), "ok") == 0;
    sealkit_policy pol = SEALKIT_POLICY_INIT;
    sealkit_unsealer u = SEALKIT_UNSEALER_INIT;
    sealkit_facts f;
    uint8_t *out = (uint8_t *)malloc(len + 1);
    char *hex = (char *)malloc(2 * len + 1);
    size_t pos = 0, n_out = 0, off;
    const char *stage = "update";
    int rc;
    if (!out || !hex) exit(2);
    CHECK(build_policy(&pol, c) == 0, "%s: policy", name);
    CHECK(sealkit_unsealer_init(&u, &pol) == 0, "%s: init", name);
    rc = 0;
    while (!rc && pos < len) {
        size_t n = len - pos < chunk ? len - pos : chunk;
        rc = sealkit_unsealer_update(&u, s + pos, n, &off);
        if (!rc) {
            memcpy(out + n_out, s + pos + off, n - off);
            n_out += n - off;
            if (empties) rc = sealkit_unsealer_update(&u, NULL, 0, &off);
        }
        pos += n;
    }
    if (!rc) {
        stage = "finish";
        rc = sealkit_unsealer_finish(&u, &f);
    }
    if (ok) {
        const json *v = json_get(ex, "verified"), *ver = json_get(v, "version");
        CHECK(rc == 0, "%s (chunk %zu): error %d (%s) in %s, expected success", name, chunk, rc,
              sealkit_error_name(rc), stage);
        if (rc == 0) {
            tohex(out, n_out, hex);
            CHECK(strcmp(hex, str_of(json_get(ex, "payload_hex"))) == 0, "%s: payload", name);
            CHECK(f.length == json_get(v, "length")->num, "%s: length", name);
            tohex(f.digest, f.digest_len, hex);
            CHECK(strcmp(hex, str_of(json_get(v, "digest_hex"))) == 0, "%s: digest", name);
            CHECK(strcmp(f.subject, str_of(json_get(v, "subject"))) == 0, "%s: subject", name);
            CHECK(is_null(ver) ? !f.has_version : (f.has_version && f.version == ver->num), "%s: version", name);
        }
    } else {
        int st, err;
        CHECK(rc == (int)json_get(ex, "code")->num, "%s (chunk %zu): got %d (%s), expected %d", name, chunk, rc,
              sealkit_error_name(rc), (int)json_get(ex, "code")->num);
        CHECK(strcmp(sealkit_error_name(rc), str_of(json_get(ex, "error"))) == 0, "%s: name", name);
        CHECK(strcmp(stage, str_of(json_get(ex, "stage"))) == 0, "%s: stage %s", name, stage);
        CHECK(sealkit_unsealer_state(&u, &st, &err) == 0 && st == SEALKIT_STATE_FAILED && err == rc, "%s: state", name);
        CHECK(sealkit_unsealer_update(&u, s, len ? 1 : 0, &off) == rc, "%s: sticky update", name);
        CHECK(sealkit_unsealer_finish(&u, &f) == rc, "%s: sticky finish", name);
    }
    free(out);
    free(hex);
}

int main(int argc, char **argv) {
    FILE *fp;
    char *text, err[128];
    long size;
    json *root;
    const json *cases;
    size_t i, k;
    const size_t chunks[] = {(size_t)-1, 1, 7, 64, 4096};
    if (argc != 2 || !(fp = fopen(argv[1], "rb"))) {
        fprintf(stderr, "usage: sealed_vectors sealed-vectors.json\n");
        return 2;
    }
    fseek(fp, 0, SEEK_END);
    size = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    text = (char *)malloc((size_t)size + 1);
    if (!text || fread(text, 1, (size_t)size, fp) != (size_t)size) return 2;
    fclose(fp);
    root = json_parse(text, (size_t)size, err, sizeof err);
    if (!root) {
        fprintf(stderr, "bad JSON: %s\n", err);
        free(text);
        return 2;
    }
    if (strcmp(str_of(json_get(root, "format")), "sealkit-sealed-vectors") != 0 ||
        !json_get(root, "version") || json_get(root, "version")->num != 1) {
        fprintf(stderr, "unsupported sealed vector file (this harness knows version 1)\n");
        json_free(root);
        free(text);
        return 1;
    }
    cases = json_get(root, "cases");
    CHECK(cases && cases->len >= 25, "too few cases");
    for (i = 0; cases && i < cases->len; i++) {
        size_t len;
        uint8_t *s = unhex(str_of(json_get(cases->items[i], "stream_hex")), &len);
        for (k = 0; k < sizeof chunks / sizeof chunks[0]; k++) {
            if (chunks[k] == 1 && len > 4096) continue;
            run(cases->items[i], s, len, chunks[k], 0);
        }
        run(cases->items[i], s, len, 13, 1);
        free(s);
    }
    printf("sealed_vectors: %zu cases, %d checks, %d failures\n", cases ? cases->len : 0, checks, failures);
    json_free(root);
    free(text);
    return failures ? 1 : 0;
}
