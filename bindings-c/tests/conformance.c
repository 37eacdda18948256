/* The shared conformance vectors (tests/vectors/sealkit-vectors.json) through the C API:
   every case, the whole artifact in one update and in chunks of 1 (up to 4096 bytes), 7, 64
   and 4096 bytes and with empty chunks, the one-shot sealkit_verify, sticky errors after each
   failure, and the public key text cases. Usage: conformance VECTORS.json */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "sealkit.h"

static int checks, failures;
static const char *current = "";

#define CHECK(cond, ...)                                                    \
    do {                                                                    \
        checks++;                                                           \
        if (!(cond)) {                                                      \
            failures++;                                                     \
            fprintf(stderr, "FAIL %s (line %d): ", current, __LINE__);      \
            fprintf(stderr, __VA_ARGS__);                                   \
            fputc('\n', stderr);                                            \
        }                                                                   \
    } while (0)

static const char *str_of(const json *v) { return v && v->kind == J_STR ? v->str : NULL; }
static int is_null(const json *v) { return v && v->kind == J_NULL; }

static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

/* Lower-case hex to bytes; NULL (and *len 0) for "" ; exits on malformed hex (a bad file). */
static uint8_t *unhex(const json *v, size_t *len) {
    size_t i, n;
    uint8_t *out;
    if (!v || v->kind != J_STR || v->str_len % 2) { fprintf(stderr, "bad hex in %s\n", current); exit(1); }
    n = v->str_len / 2;
    *len = n;
    out = (uint8_t *)malloc(n ? n : 1);
    if (!out) exit(1);
    for (i = 0; i < n; i++) {
        int hi = hexval(v->str[2 * i]), lo = hexval(v->str[2 * i + 1]);
        if (hi < 0 || lo < 0) { fprintf(stderr, "bad hex in %s\n", current); exit(1); }
        out[i] = (uint8_t)(hi * 16 + lo);
    }
    return out;
}

static int hex_equals(const uint8_t *b, size_t n, const char *hex) {
    size_t i;
    if (!hex || strlen(hex) != 2 * n) return 0;
    for (i = 0; i < n; i++)
        if (hexval(hex[2 * i]) * 16 + hexval(hex[2 * i + 1]) != b[i]) return 0;
    return 1;
}

static int all_zero(const void *p, size_t n) {
    const uint8_t *b = (const uint8_t *)p;
    size_t i;
    for (i = 0; i < n; i++)
        if (b[i]) return 0;
    return 1;
}

typedef struct {
    int ok;             /* 1: expected success */
    int code;           /* expected error code */
    const char *name;   /* expected error name */
    const char *stage;  /* policy, new, update, finish */
    const json *verified;
} expectation;

static void check_error(int rc, const expectation *ex, const char *stage, const char *how) {
    CHECK(!ex->ok, "%s: got error %d (%s) in stage %s, expected success", how, rc, sealkit_error_name(rc), stage);
    if (ex->ok) return;
    CHECK(rc == ex->code, "%s: got code %d, expected %d", how, rc, ex->code);
    CHECK(strcmp(sealkit_error_name(rc), ex->name) == 0, "%s: got name %s, expected %s", how, sealkit_error_name(rc), ex->name);
    CHECK(strcmp(sealkit_error_message(rc), "unknown error code") != 0, "%s: code %d has no message", how, rc);
    if (stage) CHECK(strcmp(ex->stage, stage) == 0, "%s: error surfaced in stage %s, expected %s", how, stage, ex->stage);
}

/* After a failure with `code`, every call but abort keeps returning it. */
static void check_sticky(sealkit_verifier *v, int code, const uint8_t *env, size_t env_len,
                         const sealkit_policy *pol, const char *how) {
    sealkit_facts f;
    int st = -1, err = -1;
    CHECK(sealkit_verifier_state(v, &st, &err) == SEALKIT_OK && st == SEALKIT_STATE_FAILED && err == code,
          "%s: state %d/%d after failure %d", how, st, err, code);
    CHECK(sealkit_verifier_update(v, (const uint8_t *)"x", 1) == code, "%s: update after failure", how);
    CHECK(sealkit_verifier_update(v, NULL, 0) == code, "%s: empty update after failure", how);
    memset(&f, 0xAA, sizeof f);
    CHECK(sealkit_verifier_finish(v, &f) == code, "%s: finish after failure", how);
    CHECK(all_zero(&f, sizeof f), "%s: facts not zeroed on failure", how);
    CHECK(sealkit_verifier_init(v, env, env_len, pol) == code, "%s: init after failure", how);
    CHECK(sealkit_verifier_abort(v) == SEALKIT_OK, "%s: abort", how);
    CHECK(sealkit_verifier_state(v, &st, &err) == SEALKIT_OK && st == SEALKIT_STATE_EMPTY && err == 0,
          "%s: state after abort", how);
}

static void check_facts(const sealkit_facts *f, const json *vf, const char *how) {
    const json *id = json_get(vf, "identity"), *cf = json_get(vf, "content_format");
    const json *mt = json_get(vf, "media_type"), *ver = json_get(vf, "version");
    const char *alg = str_of(json_get(vf, "alg")), *hash = str_of(json_get(vf, "hash_alg"));
    const char *sub = str_of(json_get(vf, "subject"));

    CHECK(hex_equals(f->key_id, 8, str_of(json_get(vf, "key_id"))), "%s: key_id", how);
    CHECK(alg && f->alg == (strcmp(alg, "Ed25519") == 0 ? -19 : strcmp(alg, "EdDSA") == 0 ? -8 : 0), "%s: alg %d", how, (int)f->alg);
    if (is_null(id)) {
        CHECK(f->has_identity == 0 && f->identity_len == 0 && f->identity[0] == 0, "%s: identity should be absent", how);
    } else {
        CHECK(f->has_identity == 1 && id && f->identity_len == id->str_len &&
                  memcmp(f->identity, id->str, id->str_len) == 0 && f->identity[f->identity_len] == 0,
              "%s: identity %s", how, f->identity);
    }
    CHECK(sub && f->subject_len == strlen(sub) && strcmp(f->subject, sub) == 0, "%s: subject %s", how, f->subject);
    if (is_null(cf)) {
        CHECK(f->content_format == -1, "%s: content_format %d, expected a media type", how, (int)f->content_format);
        CHECK(mt && mt->kind == J_STR && f->media_type_len == mt->str_len && strcmp(f->media_type, mt->str) == 0,
              "%s: media_type %s", how, f->media_type);
    } else {
        CHECK(cf && cf->kind == J_NUM && f->content_format == (int32_t)cf->num, "%s: content_format %d", how, (int)f->content_format);
        CHECK(is_null(mt) && f->media_type_len == 0 && f->media_type[0] == 0, "%s: media_type should be empty", how);
    }
    CHECK(f->issued_at == json_get(vf, "issued_at")->num, "%s: issued_at", how);
    if (is_null(ver)) CHECK(f->has_version == 0 && f->version == 0, "%s: version should be absent", how);
    else CHECK(f->has_version == 1 && ver && f->version == ver->num, "%s: version", how);
    CHECK(f->length == json_get(vf, "length")->num, "%s: length", how);
    CHECK(hash && ((strcmp(hash, "sha256") == 0 && f->hash_alg == -16 && f->digest_len == 32) ||
                   (strcmp(hash, "sha512") == 0 && f->hash_alg == -44 && f->digest_len == 64)),
          "%s: hash_alg %d / %u", how, (int)f->hash_alg, (unsigned)f->digest_len);
    CHECK(f->digest_len <= 64 && hex_equals(f->digest, f->digest_len, str_of(json_get(vf, "digest_hex"))), "%s: digest", how);
}

/* Builds the policy; returns the first failing code (0 if none). The policy keeps that error. */
static int build_policy(sealkit_policy *pol, const json *c) {
    const json *keys = json_get(c, "public_keys"), *p = json_get(c, "policy");
    const json *id = json_get(p, "identity"), *sub = json_get(p, "subject"), *mv = json_get(p, "min_version");
    int first = 0, rc;
    size_t i;
    if (sealkit_policy_init(pol) != SEALKIT_OK) return -1;
    for (i = 0; keys && i < keys->len; i++) {
        const json *k = json_get(keys->items[i], "key"), *kid = json_get(keys->items[i], "identity");
        if (is_null(kid))
            rc = sealkit_policy_trust_key_text(pol, k->str, k->str_len);
        else
            rc = sealkit_policy_trust_key_text_for_identity(pol, k->str, k->str_len, kid->str, kid->str_len);
        if (rc && !first) first = rc;
        if (first) CHECK(rc == first, "a call after a failed policy call returned %d, not the first error %d", rc, first);
    }
    if (id && !is_null(id)) {
        rc = sealkit_policy_require_identity(pol, id->str, id->str_len);
        if (rc && !first) first = rc;
        if (first) CHECK(rc == first, "require_identity after failure returned %d", rc);
    }
    if (sub && !is_null(sub)) {
        rc = sealkit_policy_require_subject(pol, sub->str, sub->str_len);
        if (rc && !first) first = rc;
        if (first) CHECK(rc == first, "require_subject after failure returned %d", rc);
    }
    if (mv && !is_null(mv)) {
        rc = sealkit_policy_require_min_version(pol, mv->num);
        if (rc && !first) first = rc;
        if (first) CHECK(rc == first, "require_min_version after failure returned %d", rc);
    }
    return first;
}

static long streamed_runs;

/* chunk 0: the whole artifact in one update. empties: an empty (NULL, 0) update around chunks. */
static void run_stream(const uint8_t *env, size_t env_len, const uint8_t *art, size_t len,
                       size_t chunk, int empties, const sealkit_policy *pol, const expectation *ex) {
    sealkit_verifier v = SEALKIT_VERIFIER_INIT;
    sealkit_facts f;
    char how[64];
    size_t off = 0;
    int rc, st = -1, err = -1;
    uint64_t signed_len = 0, received = 0;

    snprintf(how, sizeof how, "chunk %lu%s", (unsigned long)chunk, empties ? " with empty chunks" : "");
    streamed_runs++;
    rc = sealkit_verifier_init(&v, env, env_len, pol);
    if (rc) {
        check_error(rc, ex, "new", how);
        check_sticky(&v, rc, env, env_len, pol, how);
        return;
    }
    CHECK(sealkit_verifier_state(&v, &st, &err) == SEALKIT_OK && st == SEALKIT_STATE_ACTIVE, "%s: state after init", how);
    for (;;) {
        size_t n = chunk == 0 ? len - off : (len - off < chunk ? len - off : chunk);
        if (empties && (rc = sealkit_verifier_update(&v, NULL, 0)) != 0) break;
        if (n == 0 && off > 0) break;
        rc = sealkit_verifier_update(&v, art + off, n);
        if (rc) break;
        off += n;
        if (off == len) {
            if (empties) rc = sealkit_verifier_update(&v, NULL, 0);
            break;
        }
    }
    if (rc) {
        check_error(rc, ex, "update", how);
        check_sticky(&v, rc, env, env_len, pol, how);
        return;
    }
    CHECK(sealkit_verifier_progress(&v, &signed_len, &received) == SEALKIT_OK && received == len,
          "%s: progress %lu of %lu", how, (unsigned long)received, (unsigned long)len);
    memset(&f, 0xAA, sizeof f);
    rc = sealkit_verifier_finish(&v, &f);
    if (rc) {
        check_error(rc, ex, "finish", how);
        CHECK(all_zero(&f, sizeof f), "%s: facts not zeroed on failure", how);
        check_sticky(&v, rc, env, env_len, pol, how);
        return;
    }
    CHECK(ex->ok, "%s: verified, expected error %s in stage %s", how, ex->name, ex->stage);
    if (!ex->ok) return;
    check_facts(&f, ex->verified, how);
    /* Finished: facts are never returned twice. */
    memset(&f, 0xAA, sizeof f);
    CHECK(sealkit_verifier_finish(&v, &f) == SEALKIT_ERR_ALREADY_FINISHED, "%s: second finish", how);
    CHECK(all_zero(&f, sizeof f), "%s: facts after second finish", how);
    CHECK(sealkit_verifier_update(&v, art, len ? 1 : 0) == SEALKIT_ERR_ALREADY_FINISHED, "%s: update after finish", how);
    CHECK(sealkit_verifier_state(&v, &st, &err) == SEALKIT_OK && st == SEALKIT_STATE_FINISHED, "%s: finished state", how);
}

static void run_case(const json *c) {
    const json *exj = json_get(c, "expected"), *artj = json_get(c, "artifact");
    const json *pat = json_get(artj, "pattern");
    expectation ex;
    sealkit_policy pol = SEALKIT_POLICY_INIT;
    sealkit_verifier v = SEALKIT_VERIFIER_INIT;
    sealkit_facts f;
    uint8_t *env, *art;
    size_t env_len, len, i;
    int prc, rc;
    static const size_t chunks[] = {0, 1, 7, 64, 4096};

    current = str_of(json_get(c, "name"));
    ex.ok = strcmp(str_of(json_get(exj, "result")), "ok") == 0;
    ex.code = ex.ok ? 0 : (int)json_get(exj, "code")->num;
    ex.name = ex.ok ? "" : str_of(json_get(exj, "error"));
    ex.stage = ex.ok ? "" : str_of(json_get(exj, "stage"));
    ex.verified = json_get(exj, "verified");

    env = unhex(json_get(c, "envelope_hex"), &env_len);
    len = (size_t)json_get(artj, "len")->num;
    if (pat) {
        CHECK(strcmp(str_of(pat), "mod251") == 0, "unknown artifact pattern %s", str_of(pat));
        art = (uint8_t *)malloc(len ? len : 1);
        if (!art) exit(1);
        for (i = 0; i < len; i++) art[i] = (uint8_t)(i % 251);
    } else {
        size_t n;
        art = unhex(json_get(artj, "hex"), &n);
        CHECK(n == len, "artifact hex has %lu bytes, len says %lu", (unsigned long)n, (unsigned long)len);
    }

    prc = build_policy(&pol, c);
    if (prc) {
        check_error(prc, &ex, "policy", "policy");
        CHECK(sealkit_policy_error(&pol) == prc, "policy error not sticky");
        /* A verifier started with the failed policy fails with the policy's error. */
        rc = sealkit_verifier_init(&v, env, env_len, &pol);
        CHECK(rc == prc, "init with a failed policy returned %d, expected %d", rc, prc);
        check_sticky(&v, prc, env, env_len, &pol, "failed policy");
        memset(&f, 0xAA, sizeof f);
        CHECK(sealkit_verify(env, env_len, art, len, &pol, &f) == prc, "one-shot with a failed policy");
        CHECK(all_zero(&f, sizeof f), "one-shot facts not zeroed");
    } else {
        CHECK(ex.ok || strcmp(ex.stage, "policy") != 0, "the policy was built, expected %s", ex.name);
        CHECK(sealkit_policy_error(&pol) == SEALKIT_OK, "usable policy reports an error");
        for (i = 0; i < sizeof chunks / sizeof chunks[0]; i++) {
            /* The vector file's rule: one-byte chunks only up to 4096 bytes (the 1 MiB cases
               are streamed in the other sizes). */
            if (chunks[i] == 1 && len > 4096) continue;
            run_stream(env, env_len, art, len, chunks[i], 0, &pol, &ex);
        }
        run_stream(env, env_len, art, len, 7, 1, &pol, &ex);
        run_stream(env, env_len, art, len, 0, 1, &pol, &ex);
        memset(&f, 0xAA, sizeof f);
        rc = sealkit_verify(env, env_len, art, len, &pol, &f);
        if (rc) {
            check_error(rc, &ex, NULL, "one-shot");
            CHECK(all_zero(&f, sizeof f), "one-shot facts not zeroed");
        } else {
            CHECK(ex.ok, "one-shot verified, expected %s", ex.name);
            if (ex.ok) check_facts(&f, ex.verified, "one-shot");
        }
    }
    free(env);
    free(art);
}

static void run_key_text(const json *c) {
    const json *t = json_get(c, "text");
    uint8_t raw[32], kid[8];
    int rc;
    current = str_of(json_get(c, "name"));
    memset(raw, 0xAA, sizeof raw);
    memset(kid, 0xAA, sizeof kid);
    rc = sealkit_public_key_from_text(t->str, t->str_len, raw, kid);
    if (strcmp(str_of(json_get(c, "result")), "ok") == 0) {
        CHECK(rc == SEALKIT_OK, "key text: got %d (%s)", rc, sealkit_error_name(rc));
        CHECK(hex_equals(raw, 32, str_of(json_get(c, "raw_hex"))), "key text: raw bytes");
        CHECK(hex_equals(kid, 8, str_of(json_get(c, "key_id"))), "key text: key id");
    } else {
        CHECK(rc == (int)json_get(c, "code")->num, "key text: got %d, expected %d", rc, (int)json_get(c, "code")->num);
        CHECK(strcmp(sealkit_error_name(rc), str_of(json_get(c, "error"))) == 0, "key text: name %s", sealkit_error_name(rc));
        CHECK(all_zero(raw, 32) && all_zero(kid, 8), "key text: outputs not zeroed on failure");
    }
}

int main(int argc, char **argv) {
    FILE *fp;
    char *text, err[128];
    long size;
    json *root;
    const json *cases, *keys, *ver;
    size_t i;

    if (argc != 2) { fprintf(stderr, "usage: conformance VECTORS.json\n"); return 2; }
    fp = fopen(argv[1], "rb");
    if (!fp) { perror(argv[1]); return 1; }
    if (fseek(fp, 0, SEEK_END) != 0 || (size = ftell(fp)) < 0 || fseek(fp, 0, SEEK_SET) != 0) { fclose(fp); return 1; }
    text = (char *)malloc((size_t)size + 1);
    if (!text || fread(text, 1, (size_t)size, fp) != (size_t)size) { fclose(fp); free(text); return 1; }
    fclose(fp);
    root = json_parse(text, (size_t)size, err, sizeof err);
    free(text);
    if (!root) { fprintf(stderr, "%s: %s\n", argv[1], err); return 1; }

    ver = json_get(root, "version");
    if (!str_of(json_get(root, "format")) || strcmp(str_of(json_get(root, "format")), "sealkit-vectors") != 0 ||
        !ver || ver->kind != J_NUM || ver->num != 2) {
        fprintf(stderr, "%s: not sealkit-vectors version 2; refusing to run it\n", argv[1]);
        json_free(root);
        return 1;
    }
    cases = json_get(root, "cases");
    keys = json_get(root, "public_key_text");
    if (!cases || cases->kind != J_ARR || cases->len == 0 || !keys || keys->kind != J_ARR || keys->len == 0) {
        fprintf(stderr, "%s: no cases\n", argv[1]);
        json_free(root);
        return 1;
    }
    for (i = 0; i < cases->len; i++) run_case(cases->items[i]);
    for (i = 0; i < keys->len; i++) run_key_text(keys->items[i]);
    printf("conformance: %lu cases (%ld streamed runs + one-shot each), %lu key text cases, %d checks, %d failed\n",
           (unsigned long)cases->len, streamed_runs, (unsigned long)keys->len, checks, failures);
    json_free(root);
    return failures ? 1 : 0;
}
