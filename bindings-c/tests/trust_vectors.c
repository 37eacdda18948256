/* The trust vectors (tests/vectors/trust-vectors.json) through the C API: for every case the
   compiled policy is loaded (sealkit_policy_load_cbor), given the time and the rotations, then
   the artifact is verified whole and in chunks of 1, 7, 64 and 4096 bytes and with empty chunks
   between; the error (code, name and stage) or every fact, each signer included (with its
   timestamp and timestamp key id), is compared,
   and a failed verifier must keep its first error. Built with -DCOUNT_ALLOCATIONS and
   -Wl,--wrap=malloc,... it also counts every allocation made inside a libsealkit call (the
   harness's own are not counted) and fails unless none was.
   Usage: trust_vectors TRUST-VECTORS.json */
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

#ifdef COUNT_ALLOCATIONS
static volatile int counting;
static volatile long allocations;
void *__real_malloc(size_t n);
void *__real_calloc(size_t a, size_t b);
void *__real_realloc(void *p, size_t n);
int __real_posix_memalign(void **p, size_t a, size_t n);
void *__real_aligned_alloc(size_t a, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t a, size_t b);
void *__wrap_realloc(void *p, size_t n);
int __wrap_posix_memalign(void **p, size_t a, size_t n);
void *__wrap_aligned_alloc(size_t a, size_t n);
void *__wrap_malloc(size_t n) { if (counting) allocations++; return __real_malloc(n); }
void *__wrap_calloc(size_t a, size_t b) { if (counting) allocations++; return __real_calloc(a, b); }
void *__wrap_realloc(void *p, size_t n) { if (counting) allocations++; return __real_realloc(p, n); }
int __wrap_posix_memalign(void **p, size_t a, size_t n) { if (counting) allocations++; return __real_posix_memalign(p, a, n); }
void *__wrap_aligned_alloc(size_t a, size_t n) { if (counting) allocations++; return __real_aligned_alloc(a, n); }
/* LIB(x): evaluates one libsealkit call with the allocation counter on. */
static int lib_result;
#define LIB(call) (counting = 1, lib_result = (call), counting = 0, lib_result)
#else
#define LIB(call) (call)
#endif

static const char *str_of(const json *v) { return v && v->kind == J_STR ? v->str : NULL; }
static int is_null(const json *v) { return !v || v->kind == J_NULL; }

static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

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

static int text_equals(int has, const char *text, size_t len, const json *want) {
    if (is_null(want)) return !has && len == 0;
    return has && want->kind == J_STR && want->str_len == len && memcmp(text, want->str, len) == 0;
}

/* Loads the case's policy; returns 0 or the (sticky) error. */
static int load_policy(sealkit_policy *pol, const json *c) {
    size_t n, i;
    uint8_t *cbor = unhex(json_get(c, "policy_hex"), &n);
    const json *now = json_get(c, "now"), *rot = json_get(c, "rotations_hex");
    int rc = LIB(sealkit_policy_load_cbor(pol, cbor, n));
    free(cbor);
    if (rc) return rc;
    if (!is_null(now)) {
        rc = LIB(sealkit_policy_set_time(pol, now->num));
        if (rc) return rc;
    }
    if (!rot || rot->kind != J_ARR) { fprintf(stderr, "%s: no rotations_hex\n", current); exit(1); }
    for (i = 0; i < rot->len; i++) {
        uint8_t kid[8];
        uint8_t *s = unhex(rot->items[i], &n);
        memset(kid, 0, sizeof kid);
        rc = LIB(sealkit_policy_apply_rotation(pol, s, n, kid));
        free(s);
        if (rc) {
            /* Sticky: the policy keeps refusing, and a verifier started with it fails. */
            CHECK(LIB(sealkit_policy_error(pol)) == rc, "policy error not sticky");
            return rc;
        }
        CHECK(kid[0] | kid[1] | kid[2] | kid[3] | kid[4] | kid[5] | kid[6] | kid[7], "rotation gave no key id");
    }
    return 0;
}

static void check_facts(const sealkit_facts *f, const sealkit_trust_facts *t, const json *vf, const char *how) {
    const json *signers = json_get(vf, "signers"), *ver = json_get(vf, "version"), *exp = json_get(vf, "expires_at");
    const json *tc = json_get(vf, "time_checked");
    size_t i;
    CHECK(hex_equals(f->key_id, 8, str_of(json_get(vf, "key_id"))), "%s: key_id", how);
    CHECK(text_equals(f->has_identity, f->identity, f->identity_len, json_get(vf, "identity")), "%s: identity", how);
    CHECK(text_equals(1, f->subject, f->subject_len, json_get(vf, "subject")), "%s: subject", how);
    if (is_null(ver)) CHECK(!f->has_version, "%s: unexpected version", how);
    else CHECK(f->has_version && f->version == ver->num, "%s: version", how);
    CHECK(tc && tc->kind == J_BOOL && t->time_checked == tc->b, "%s: time_checked %d", how, t->time_checked);
    if (is_null(exp)) CHECK(!t->has_expires_at && t->expires_at == 0, "%s: unexpected expires_at", how);
    else CHECK(t->has_expires_at && t->expires_at == exp->num, "%s: expires_at", how);
    if (!signers || signers->kind != J_ARR) { fprintf(stderr, "%s: no signers\n", current); exit(1); }
    CHECK(t->signer_count == signers->len, "%s: %lu signers, expected %lu", how, (unsigned long)t->signer_count,
          (unsigned long)signers->len);
    for (i = 0; i < signers->len && i < t->signer_count; i++) {
        const sealkit_signer *s = &t->signers[i];
        const json *w = signers->items[i], *root = json_get(w, "root_key_id");
        CHECK(hex_equals(s->key_id, 8, str_of(json_get(w, "key_id"))), "%s: signer %lu key_id", how, (unsigned long)i);
        CHECK(text_equals(s->has_identity, s->identity, s->identity_len, json_get(w, "identity")),
              "%s: signer %lu identity", how, (unsigned long)i);
        if (is_null(root)) CHECK(!s->has_root, "%s: signer %lu has a root", how, (unsigned long)i);
        else CHECK(s->has_root && hex_equals(s->root_key_id, 8, str_of(root)), "%s: signer %lu root", how, (unsigned long)i);
        CHECK(s->chain_depth == json_get(w, "chain_depth")->num, "%s: signer %lu depth", how, (unsigned long)i);
        {
            const json *ts = json_get(w, "timestamp"), *tk = json_get(w, "timestamp_key_id");
            if (!ts || !tk) { fprintf(stderr, "%s: signer without timestamp facts\n", current); exit(1); }
            if (is_null(ts)) CHECK(!s->has_timestamp && s->timestamp == 0, "%s: signer %lu has a timestamp", how, (unsigned long)i);
            else CHECK(s->has_timestamp && ts->kind == J_NUM && s->timestamp == ts->num, "%s: signer %lu timestamp %lu", how,
                       (unsigned long)i, (unsigned long)s->timestamp);
            if (is_null(tk)) {
                static const uint8_t zero[8];
                CHECK(memcmp(s->timestamp_key_id, zero, 8) == 0, "%s: signer %lu has a timestamp key", how, (unsigned long)i);
            } else {
                CHECK(hex_equals(s->timestamp_key_id, 8, str_of(tk)), "%s: signer %lu timestamp key id", how, (unsigned long)i);
            }
        }
    }
}

static long runs;

/* One verification: chunk 0 means the whole artifact in one update; gaps adds empty updates. */
static void run_once(const json *c, const uint8_t *sig, size_t sig_len, const uint8_t *art, size_t art_len,
                     size_t chunk, int gaps) {
    sealkit_policy pol = SEALKIT_POLICY_INIT;
    sealkit_verifier v = SEALKIT_VERIFIER_INIT;
    sealkit_facts f;
    sealkit_trust_facts t;
    const json *ex = json_get(c, "expected");
    int ok = strcmp(str_of(json_get(ex, "result")), "ok") == 0;
    const char *stage = "policy";
    char how[64];
    size_t off = 0;
    int rc, st, err;

    snprintf(how, sizeof how, "chunk %lu%s", (unsigned long)chunk, gaps ? " with empty chunks" : "");
    runs++;
    rc = load_policy(&pol, c);
    if (!rc) {
        stage = "new";
        rc = LIB(sealkit_verifier_init(&v, sig, sig_len, &pol));
    } else {
        /* A verifier started with a failed policy fails with the policy's error. */
        int rc2 = LIB(sealkit_verifier_init(&v, sig, sig_len, &pol));
        CHECK(rc2 == rc, "%s: verifier started on a failed policy gave %d, not %d", how, rc2, rc);
    }
    if (!rc) {
        stage = "update";
        while (!rc && off < art_len) {
            size_t n = chunk && art_len - off > chunk ? chunk : art_len - off;
            rc = LIB(sealkit_verifier_update(&v, art + off, n));
            off += n;
            if (!rc && gaps) rc = LIB(sealkit_verifier_update(&v, NULL, 0));
        }
    }
    if (!rc) {
        stage = "finish";
        rc = LIB(sealkit_verifier_finish_trust(&v, &f, &t));
    }
    if (ok) {
        CHECK(rc == 0, "%s: got %d (%s) at stage %s, expected success", how, rc, sealkit_error_name(rc), stage);
        if (!rc) check_facts(&f, &t, json_get(ex, "verified"), how);
        return;
    }
    CHECK(rc != 0, "%s: verified, expected %s", how, str_of(json_get(ex, "error")));
    if (!rc) return;
    CHECK((uint64_t)rc == json_get(ex, "code")->num, "%s: got code %d, expected %lu", how, rc,
          (unsigned long)json_get(ex, "code")->num);
    CHECK(strcmp(sealkit_error_name(rc), str_of(json_get(ex, "error"))) == 0, "%s: got name %s, expected %s", how,
          sealkit_error_name(rc), str_of(json_get(ex, "error")));
    CHECK(strcmp(stage, str_of(json_get(ex, "stage"))) == 0, "%s: got stage %s, expected %s", how, stage,
          str_of(json_get(ex, "stage")));
    /* Sticky: the failed verifier keeps its first error. */
    CHECK(LIB(sealkit_verifier_state(&v, &st, &err)) == 0 && st == SEALKIT_STATE_FAILED && err == rc,
          "%s: state %d error %d after failure", how, st, err);
    CHECK(LIB(sealkit_verifier_update(&v, art, art_len)) == rc, "%s: update after failure", how);
    CHECK(LIB(sealkit_verifier_finish_trust(&v, &f, &t)) == rc, "%s: finish after failure", how);
    CHECK(t.signer_count == 0 && f.length == 0, "%s: facts not zeroed", how);
}

static void run_case(const json *c) {
    static const size_t chunks[] = {0, 1, 7, 64, 4096};
    size_t sig_len, art_len, i;
    uint8_t *sig, *art;
    current = str_of(json_get(c, "name"));
    if (!current) { fprintf(stderr, "case without a name\n"); exit(1); }
    sig = unhex(json_get(c, "signature_hex"), &sig_len);
    art = unhex(json_get(c, "artifact_hex"), &art_len);
    for (i = 0; i < sizeof chunks / sizeof chunks[0]; i++) {
        if (chunks[i] == 1 && art_len > 4096) continue;
        run_once(c, sig, sig_len, art, art_len, chunks[i], 0);
    }
    run_once(c, sig, sig_len, art, art_len, 7, 1);
    free(sig);
    free(art);
}

int main(int argc, char **argv) {
    FILE *fp;
    char *text, err[128];
    long size;
    json *root;
    const json *cases, *ver;
    size_t i;

#ifdef COUNT_ALLOCATIONS
    {
        void *volatile probe;
        counting = 1;
        probe = malloc(16);
        counting = 0;
        free(probe);
        if (allocations != 1) {
            fprintf(stderr, "FAIL the malloc wrapper is not in effect\n");
            return 1;
        }
        allocations = 0;
    }
#endif
    if (argc != 2) { fprintf(stderr, "usage: trust_vectors TRUST-VECTORS.json\n"); return 2; }
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
    if (!str_of(json_get(root, "format")) || strcmp(str_of(json_get(root, "format")), "sealkit-trust-vectors") != 0 ||
        !ver || ver->kind != J_NUM || ver->num != 2) {
        fprintf(stderr, "%s: not sealkit-trust-vectors version 2; refusing to run it\n", argv[1]);
        json_free(root);
        return 1;
    }
    cases = json_get(root, "cases");
    if (!cases || cases->kind != J_ARR || cases->len == 0) {
        fprintf(stderr, "%s: no cases\n", argv[1]);
        json_free(root);
        return 1;
    }
    for (i = 0; i < cases->len; i++) run_case(cases->items[i]);
    printf("trust_vectors: %lu cases, %ld runs, %d checks, %d failed\n", (unsigned long)cases->len, runs, checks,
           failures);
#ifdef COUNT_ALLOCATIONS
    printf("trust_vectors: %ld allocations inside libsealkit\n", allocations);
    if (allocations != 0) failures++;
#endif
    json_free(root);
    return failures ? 1 : 0;
}
