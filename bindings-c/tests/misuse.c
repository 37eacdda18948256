/* Misuse of the C API: NULL pointers everywhere, wrong call order, init twice, double finish,
   update after failure, state bytes this library did not write, abort then reuse, failed
   policies. Usage: misuse VECTORS.json (takes the good case "ok_sha256" from it). */
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
            fprintf(stderr, "FAIL misuse line %d: ", __LINE__);         \
            fprintf(stderr, __VA_ARGS__);                               \
            fputc('\n', stderr);                                        \
        }                                                               \
    } while (0)
#define EQ(expr, want)                                                          \
    do {                                                                        \
        int got_ = (expr);                                                      \
        CHECK(got_ == (want), "%s: got %d (%s), expected %d (%s)", #expr, got_, \
              sealkit_error_name(got_), (int)(want), sealkit_error_name(want)); \
    } while (0)

static uint8_t env[SEALKIT_MAX_ENVELOPE_LEN], art[64];
static size_t env_len, art_len;
static char key_text[128];
static size_t key_len;
static uint8_t raw_key[32], key_id[8];

static int all_zero(const void *p, size_t n) {
    const uint8_t *b = (const uint8_t *)p;
    size_t i;
    for (i = 0; i < n; i++)
        if (b[i]) return 0;
    return 1;
}

static size_t unhex(const char *s, uint8_t *out, size_t cap) {
    size_t n = strlen(s) / 2, i;
    if (n > cap) exit(1);
    for (i = 0; i < n; i++) {
        unsigned v;
        if (sscanf(s + 2 * i, "%2x", &v) != 1) exit(1);
        out[i] = (uint8_t)v;
    }
    return n;
}

static void load(const char *path) {
    FILE *fp = fopen(path, "rb");
    char *text, err[128];
    long size;
    json *root;
    const json *cases;
    size_t i;
    if (!fp || fseek(fp, 0, SEEK_END) || (size = ftell(fp)) < 0 || fseek(fp, 0, SEEK_SET)) { perror(path); exit(1); }
    text = (char *)malloc((size_t)size);
    if (!text || fread(text, 1, (size_t)size, fp) != (size_t)size) exit(1);
    fclose(fp);
    root = json_parse(text, (size_t)size, err, sizeof err);
    free(text);
    if (!root) { fprintf(stderr, "%s\n", err); exit(1); }
    cases = json_get(root, "cases");
    for (i = 0; cases && i < cases->len; i++) {
        const json *c = cases->items[i];
        if (strcmp(json_get(c, "name")->str, "ok_sha256") == 0) {
            const json *k = json_get(json_get(c, "public_keys")->items[0], "key");
            env_len = unhex(json_get(c, "envelope_hex")->str, env, sizeof env);
            art_len = unhex(json_get(json_get(c, "artifact"), "hex")->str, art, sizeof art);
            key_len = k->str_len;
            memcpy(key_text, k->str, key_len + 1);
        }
    }
    json_free(root);
    if (!env_len || !art_len || !key_len) { fprintf(stderr, "case ok_sha256 not found\n"); exit(1); }
}

static void good_policy(sealkit_policy *p) {
    EQ(sealkit_policy_init(p), SEALKIT_OK);
    EQ(sealkit_policy_trust_key_text(p, key_text, key_len), SEALKIT_OK);
}

static void expect_state(const sealkit_verifier *v, int state, int error) {
    int s = -1, e = -1;
    EQ(sealkit_verifier_state(v, &s, &e), SEALKIT_OK);
    CHECK(s == state && e == error, "state %d/%d, expected %d/%d", s, e, state, error);
}

static void expect_sticky(sealkit_verifier *v, const sealkit_policy *p, int code) {
    sealkit_facts f;
    expect_state(v, SEALKIT_STATE_FAILED, code);
    EQ(sealkit_verifier_update(v, art, art_len), code);
    EQ(sealkit_verifier_init(v, env, env_len, p), code);
    memset(&f, 0xAA, sizeof f);
    EQ(sealkit_verifier_finish(v, &f), code);
    CHECK(all_zero(&f, sizeof f), "facts zeroed");
}

struct verifier_after_char { char c; sealkit_verifier v; };
struct policy_after_char { char c; sealkit_policy p; };

static void sizes_and_strings(void) {
    CHECK(sealkit_verifier_size() == SEALKIT_VERIFIER_SIZE && sizeof(sealkit_verifier) == SEALKIT_VERIFIER_SIZE, "verifier size");
    CHECK(sealkit_policy_size() == SEALKIT_POLICY_SIZE && sizeof(sealkit_policy) == SEALKIT_POLICY_SIZE, "policy size");
    CHECK(sealkit_verifier_align() == SEALKIT_VERIFIER_ALIGN && offsetof(struct verifier_after_char, v) == SEALKIT_VERIFIER_ALIGN, "verifier align");
    CHECK(sealkit_policy_align() == SEALKIT_POLICY_ALIGN && offsetof(struct policy_after_char, p) == SEALKIT_POLICY_ALIGN, "policy align");
    CHECK(sealkit_version() && strlen(sealkit_version()) > 0, "version");
    CHECK(strcmp(sealkit_error_name(SEALKIT_OK), "ok") == 0, "name of 0");
    CHECK(strcmp(sealkit_error_name(SEALKIT_ERR_DIGEST_MISMATCH), "digest_mismatch") == 0, "name of 302");
    CHECK(strcmp(sealkit_error_name(SEALKIT_ERR_NULL_POINTER), "null_pointer") == 0, "name of 600");
    CHECK(strcmp(sealkit_error_name(SEALKIT_ERR_BAD_STATE), "bad_state") == 0, "name of 601");
    CHECK(strcmp(sealkit_error_name(SEALKIT_ERR_INTERNAL), "internal") == 0, "name of 602");
    CHECK(strcmp(sealkit_error_message(-5), "unknown error code") == 0, "unknown message");
    CHECK(strcmp(sealkit_error_message(603), "unknown error code") == 0, "unknown message 603");
    CHECK(strcmp(sealkit_error_name(9999), "unknown") == 0, "unknown name");
    CHECK(strstr(sealkit_error_message(SEALKIT_ERR_ARTIFACT_TOO_LONG), "too long") != NULL, "message of 300");
}

static void null_pointers(void) {
    sealkit_verifier v = SEALKIT_VERIFIER_INIT;
    sealkit_policy p = SEALKIT_POLICY_INIT;
    sealkit_facts f;
    int s, e;
    uint64_t a, b;
    uint8_t raw[32], kid[8];

    EQ(sealkit_policy_init(NULL), SEALKIT_ERR_NULL_POINTER);
    EQ(sealkit_policy_trust_key(NULL, raw_key, 32), SEALKIT_ERR_NULL_POINTER);
    EQ(sealkit_policy_trust_key_text(NULL, key_text, key_len), SEALKIT_ERR_NULL_POINTER);
    EQ(sealkit_policy_trust_key_for_identity(NULL, raw_key, 32, "a", 1), SEALKIT_ERR_NULL_POINTER);
    EQ(sealkit_policy_trust_key_text_for_identity(NULL, key_text, key_len, "a", 1), SEALKIT_ERR_NULL_POINTER);
    EQ(sealkit_policy_require_identity(NULL, "a", 1), SEALKIT_ERR_NULL_POINTER);
    EQ(sealkit_policy_require_subject(NULL, "a", 1), SEALKIT_ERR_NULL_POINTER);
    EQ(sealkit_policy_require_min_version(NULL, 1), SEALKIT_ERR_NULL_POINTER);
    EQ(sealkit_policy_error(NULL), SEALKIT_ERR_NULL_POINTER);

    EQ(sealkit_verifier_init(NULL, env, env_len, &p), SEALKIT_ERR_NULL_POINTER);
    EQ(sealkit_verifier_update(NULL, art, art_len), SEALKIT_ERR_NULL_POINTER);
    EQ(sealkit_verifier_finish(NULL, &f), SEALKIT_ERR_NULL_POINTER);
    EQ(sealkit_verifier_abort(NULL), SEALKIT_ERR_NULL_POINTER);
    EQ(sealkit_verifier_state(NULL, &s, &e), SEALKIT_ERR_NULL_POINTER);
    EQ(sealkit_verifier_state(&v, NULL, &e), SEALKIT_ERR_NULL_POINTER);
    EQ(sealkit_verifier_state(&v, &s, NULL), SEALKIT_ERR_NULL_POINTER);
    EQ(sealkit_verifier_progress(NULL, &a, &b), SEALKIT_ERR_NULL_POINTER);
    EQ(sealkit_verifier_progress(&v, NULL, &b), SEALKIT_ERR_NULL_POINTER);
    EQ(sealkit_public_key_from_text(key_text, key_len, NULL, kid), SEALKIT_ERR_NULL_POINTER);
    EQ(sealkit_public_key_from_text(key_text, key_len, raw, NULL), SEALKIT_ERR_NULL_POINTER);
    EQ(sealkit_public_key_from_text(NULL, 5, raw, kid), SEALKIT_ERR_NULL_POINTER);
    EQ(sealkit_public_key_from_text(NULL, 0, raw, kid), SEALKIT_ERR_BAD_PUBLIC_KEY_TEXT);

    /* One-shot: every pointer. */
    good_policy(&p);
    EQ(sealkit_verify(env, env_len, art, art_len, &p, NULL), SEALKIT_ERR_NULL_POINTER);
    EQ(sealkit_verify(NULL, env_len, art, art_len, &p, &f), SEALKIT_ERR_NULL_POINTER);
    EQ(sealkit_verify(env, env_len, NULL, art_len, &p, &f), SEALKIT_ERR_NULL_POINTER);
    EQ(sealkit_verify(env, env_len, art, art_len, NULL, &f), SEALKIT_ERR_NULL_POINTER);
    CHECK(all_zero(&f, sizeof f), "facts zeroed after a NULL argument");
    EQ(sealkit_verify(NULL, 0, art, art_len, &p, &f), SEALKIT_ERR_ENVELOPE_TRUNCATED);
    EQ(sealkit_verify(env, env_len, NULL, 0, &p, &f), SEALKIT_ERR_ARTIFACT_TOO_SHORT);
    EQ(sealkit_verify(env, env_len, art, art_len, &p, &f), SEALKIT_OK);

    /* Streaming: a NULL input with a length fails the verifier (sticky). */
    EQ(sealkit_verifier_init(&v, NULL, env_len, &p), SEALKIT_ERR_NULL_POINTER);
    expect_sticky(&v, &p, SEALKIT_ERR_NULL_POINTER);
    EQ(sealkit_verifier_abort(&v), SEALKIT_OK);
    EQ(sealkit_verifier_init(&v, env, env_len, NULL), SEALKIT_ERR_NULL_POINTER);
    expect_sticky(&v, &p, SEALKIT_ERR_NULL_POINTER);
    EQ(sealkit_verifier_abort(&v), SEALKIT_OK);
    EQ(sealkit_verifier_init(&v, env, env_len, &p), SEALKIT_OK);
    EQ(sealkit_verifier_update(&v, NULL, 0), SEALKIT_OK);
    EQ(sealkit_verifier_update(&v, NULL, 3), SEALKIT_ERR_NULL_POINTER);
    expect_sticky(&v, &p, SEALKIT_ERR_NULL_POINTER);
    EQ(sealkit_verifier_abort(&v), SEALKIT_OK);
    EQ(sealkit_verifier_init(&v, env, env_len, &p), SEALKIT_OK);
    EQ(sealkit_verifier_update(&v, art, art_len), SEALKIT_OK);
    EQ(sealkit_verifier_finish(&v, NULL), SEALKIT_ERR_NULL_POINTER);
    expect_sticky(&v, &p, SEALKIT_ERR_NULL_POINTER);
    EQ(sealkit_verifier_abort(&v), SEALKIT_OK);
    EQ(sealkit_verifier_init(&v, NULL, 0, &p), SEALKIT_ERR_ENVELOPE_TRUNCATED);
    expect_sticky(&v, &p, SEALKIT_ERR_ENVELOPE_TRUNCATED);

    /* Policy: a NULL text with a length fails the policy (sticky, and so does the verifier). */
    EQ(sealkit_verifier_abort(&v), SEALKIT_OK);
    good_policy(&p);
    EQ(sealkit_policy_require_identity(&p, NULL, 4), SEALKIT_ERR_NULL_POINTER);
    EQ(sealkit_policy_require_subject(&p, "firmware.bin", 12), SEALKIT_ERR_NULL_POINTER);
    EQ(sealkit_policy_error(&p), SEALKIT_ERR_NULL_POINTER);
    EQ(sealkit_verifier_init(&v, env, env_len, &p), SEALKIT_ERR_NULL_POINTER);
    EQ(sealkit_verify(env, env_len, art, art_len, &p, &f), SEALKIT_ERR_NULL_POINTER);
    good_policy(&p);
    EQ(sealkit_policy_trust_key(&p, NULL, 32), SEALKIT_ERR_NULL_POINTER);
    EQ(sealkit_policy_error(&p), SEALKIT_ERR_NULL_POINTER);
    good_policy(&p);
    EQ(sealkit_policy_require_subject(&p, NULL, 0), SEALKIT_ERR_EMPTY_ARGUMENT);
    EQ(sealkit_policy_error(&p), SEALKIT_ERR_EMPTY_ARGUMENT);
}

static void order(void) {
    sealkit_verifier v = SEALKIT_VERIFIER_INIT;
    sealkit_policy p;
    sealkit_facts f;
    uint64_t signed_len, received;
    good_policy(&p);

    /* update or finish before init: not started, and sticky (bytes before the envelope can
       never count as verified). */
    EQ(sealkit_verifier_update(&v, art, art_len), SEALKIT_ERR_NOT_STARTED);
    expect_sticky(&v, &p, SEALKIT_ERR_NOT_STARTED);
    EQ(sealkit_verifier_abort(&v), SEALKIT_OK);
    expect_state(&v, SEALKIT_STATE_EMPTY, 0);
    EQ(sealkit_verifier_progress(&v, &signed_len, &received), SEALKIT_ERR_NOT_STARTED);
    EQ(sealkit_verifier_finish(&v, &f), SEALKIT_ERR_NOT_STARTED);
    expect_sticky(&v, &p, SEALKIT_ERR_NOT_STARTED);

    /* init twice: already started, sticky. */
    EQ(sealkit_verifier_abort(&v), SEALKIT_OK);
    EQ(sealkit_verifier_init(&v, env, env_len, &p), SEALKIT_OK);
    expect_state(&v, SEALKIT_STATE_ACTIVE, 0);
    EQ(sealkit_verifier_progress(&v, &signed_len, &received), SEALKIT_OK);
    CHECK(signed_len == art_len && received == 0, "progress");
    EQ(sealkit_verifier_init(&v, env, env_len, &p), SEALKIT_ERR_ALREADY_STARTED);
    expect_sticky(&v, &p, SEALKIT_ERR_ALREADY_STARTED);
    /* ... even with a NULL envelope or policy, the slot reports its own misuse. */
    EQ(sealkit_verifier_abort(&v), SEALKIT_OK);
    EQ(sealkit_verifier_init(&v, env, env_len, &p), SEALKIT_OK);
    EQ(sealkit_verifier_init(&v, NULL, 9, NULL), SEALKIT_ERR_ALREADY_STARTED);

    /* double finish. */
    EQ(sealkit_verifier_abort(&v), SEALKIT_OK);
    EQ(sealkit_verifier_init(&v, env, env_len, &p), SEALKIT_OK);
    EQ(sealkit_verifier_update(&v, art, art_len), SEALKIT_OK);
    EQ(sealkit_verifier_finish(&v, &f), SEALKIT_OK);
    CHECK(f.length == art_len && f.digest_len == 32, "facts");
    expect_state(&v, SEALKIT_STATE_FINISHED, 0);
    EQ(sealkit_verifier_finish(&v, &f), SEALKIT_ERR_ALREADY_FINISHED);
    CHECK(all_zero(&f, sizeof f), "no facts after a second finish");
    EQ(sealkit_verifier_update(&v, art, 1), SEALKIT_ERR_ALREADY_FINISHED);

    /* update after failure: artifact too long, then everything returns it. */
    EQ(sealkit_verifier_abort(&v), SEALKIT_OK);
    EQ(sealkit_verifier_init(&v, env, env_len, &p), SEALKIT_OK);
    EQ(sealkit_verifier_update(&v, art, art_len), SEALKIT_OK);
    EQ(sealkit_verifier_update(&v, art, 1), SEALKIT_ERR_ARTIFACT_TOO_LONG);
    expect_sticky(&v, &p, SEALKIT_ERR_ARTIFACT_TOO_LONG);
    /* a tampered byte: digest mismatch at finish, then sticky. */
    EQ(sealkit_verifier_abort(&v), SEALKIT_OK);
    EQ(sealkit_verifier_init(&v, env, env_len, &p), SEALKIT_OK);
    art[0] ^= 1;
    EQ(sealkit_verifier_update(&v, art, art_len), SEALKIT_OK);
    art[0] ^= 1;
    EQ(sealkit_verifier_finish(&v, &f), SEALKIT_ERR_DIGEST_MISMATCH);
    expect_sticky(&v, &p, SEALKIT_ERR_DIGEST_MISMATCH);

    /* abort then reuse: a full good run on the same memory. */
    EQ(sealkit_verifier_abort(&v), SEALKIT_OK);
    CHECK(all_zero(&v, sizeof v), "abort zeroes the state");
    EQ(sealkit_verifier_init(&v, env, env_len, &p), SEALKIT_OK);
    EQ(sealkit_verifier_update(&v, art, 5), SEALKIT_OK);
    EQ(sealkit_verifier_abort(&v), SEALKIT_OK);
    EQ(sealkit_verifier_init(&v, env, env_len, &p), SEALKIT_OK);
    EQ(sealkit_verifier_update(&v, art, art_len), SEALKIT_OK);
    EQ(sealkit_verifier_finish(&v, &f), SEALKIT_OK);
}

static void bad_state(void) {
    sealkit_verifier v;
    sealkit_policy p, good;
    sealkit_facts f;
    int s, e;
    static union { sealkit_verifier v; unsigned char b[sizeof(sealkit_verifier) + 16]; } buf;
    sealkit_verifier *misaligned = (sealkit_verifier *)(void *)(buf.b + 1);

    good_policy(&good);
    memset(&v, 0x5A, sizeof v);
    EQ(sealkit_verifier_init(&v, env, env_len, &good), SEALKIT_ERR_BAD_STATE);
    EQ(sealkit_verifier_update(&v, art, art_len), SEALKIT_ERR_BAD_STATE);
    EQ(sealkit_verifier_finish(&v, &f), SEALKIT_ERR_BAD_STATE);
    EQ(sealkit_verifier_state(&v, &s, &e), SEALKIT_ERR_BAD_STATE);
    CHECK(((unsigned char *)&v)[100] == 0x5A, "bad state left untouched");
    /* abort is the way back. */
    EQ(sealkit_verifier_abort(&v), SEALKIT_OK);
    EQ(sealkit_verifier_init(&v, env, env_len, &good), SEALKIT_OK);
    /* one flipped byte of the magic word */
    ((unsigned char *)&v)[0] ^= 0x01;
    EQ(sealkit_verifier_update(&v, art, art_len), SEALKIT_ERR_BAD_STATE);

    EQ(sealkit_verifier_update(misaligned, art, art_len), SEALKIT_ERR_BAD_STATE);

    memset(&p, 0x33, sizeof p);
    EQ(sealkit_policy_trust_key_text(&p, key_text, key_len), SEALKIT_ERR_BAD_STATE);
    EQ(sealkit_policy_error(&p), SEALKIT_ERR_BAD_STATE);
    EQ(sealkit_verify(env, env_len, art, art_len, &p, &f), SEALKIT_ERR_BAD_STATE);
    EQ(sealkit_verifier_abort(&v), SEALKIT_OK);
    EQ(sealkit_verifier_init(&v, env, env_len, &p), SEALKIT_ERR_BAD_STATE);
    expect_sticky(&v, &good, SEALKIT_ERR_BAD_STATE);
    /* A verifier is not a policy, nor the reverse. */
    EQ(sealkit_verifier_abort(&v), SEALKIT_OK);
    EQ(sealkit_verifier_init(&v, env, env_len, &good), SEALKIT_OK);
    EQ(sealkit_verifier_update((sealkit_verifier *)(void *)&good, art, art_len), SEALKIT_ERR_BAD_STATE);
    EQ(sealkit_policy_error(&good), SEALKIT_OK);
    /* init makes any policy memory a fresh empty policy. */
    EQ(sealkit_policy_init(&p), SEALKIT_OK);
    EQ(sealkit_policy_error(&p), SEALKIT_OK);
}

static void policies(void) {
    sealkit_policy p = SEALKIT_POLICY_INIT;
    sealkit_verifier v = SEALKIT_VERIFIER_INIT;
    sealkit_facts f;
    char long_text[200];
    uint8_t raw[32], kid[8];

    /* A zeroed policy is empty: trusts nothing. It needs no init call. */
    EQ(sealkit_verify(env, env_len, art, art_len, &p, &f), SEALKIT_ERR_UNTRUSTED_KEY);
    EQ(sealkit_policy_trust_key(&p, raw_key, 32), SEALKIT_OK);
    EQ(sealkit_verify(env, env_len, art, art_len, &p, &f), SEALKIT_OK);
    CHECK(memcmp(f.key_id, key_id, 8) == 0, "key id of the raw key");
    EQ(sealkit_policy_trust_key(&p, raw_key, 32), SEALKIT_ERR_DUPLICATE_KEY);
    EQ(sealkit_policy_error(&p), SEALKIT_ERR_DUPLICATE_KEY);

    /* An ignored failed requirement never leaves a weaker policy. */
    memset(long_text, 'x', sizeof long_text);
    good_policy(&p);
    EQ(sealkit_policy_require_identity(&p, long_text, sizeof long_text), SEALKIT_ERR_ARGUMENT_TOO_LONG);
    EQ(sealkit_policy_require_min_version(&p, 1), SEALKIT_ERR_ARGUMENT_TOO_LONG);
    EQ(sealkit_verifier_init(&v, env, env_len, &p), SEALKIT_ERR_ARGUMENT_TOO_LONG);
    expect_sticky(&v, &p, SEALKIT_ERR_ARGUMENT_TOO_LONG);
    EQ(sealkit_verifier_abort(&v), SEALKIT_OK);

    good_policy(&p);
    EQ(sealkit_policy_require_subject(&p, "\xff\xfe", 2), SEALKIT_ERR_ARGUMENT_NOT_UTF8);
    EQ(sealkit_policy_error(&p), SEALKIT_ERR_ARGUMENT_NOT_UTF8);
    good_policy(&p);
    EQ(sealkit_policy_trust_key_text_for_identity(&p, key_text, key_len, "\xc3", 1), SEALKIT_ERR_ARGUMENT_NOT_UTF8);
    good_policy(&p);
    EQ(sealkit_policy_trust_key_text(&p, "sealkit-ed25519:xx", 18), SEALKIT_ERR_BAD_PUBLIC_KEY_TEXT);
    EQ(sealkit_policy_trust_key_text(&p, key_text, key_len), SEALKIT_ERR_BAD_PUBLIC_KEY_TEXT);
    EQ(sealkit_policy_init(&p), SEALKIT_OK);
    EQ(sealkit_policy_trust_key(&p, raw_key, 31), SEALKIT_ERR_INVALID_PUBLIC_KEY);
    EQ(sealkit_policy_init(&p), SEALKIT_OK);
    EQ(sealkit_policy_trust_key_for_identity(&p, raw_key, 32, "", 0), SEALKIT_ERR_EMPTY_ARGUMENT);

    /* Policy rules through the C API. */
    good_policy(&p);
    EQ(sealkit_policy_require_identity(&p, "release@example.org", 19), SEALKIT_OK);
    EQ(sealkit_policy_require_subject(&p, "firmware.bin", 12), SEALKIT_OK);
    EQ(sealkit_policy_require_min_version(&p, 7), SEALKIT_OK);
    EQ(sealkit_verify(env, env_len, art, art_len, &p, &f), SEALKIT_OK);
    EQ(sealkit_policy_require_min_version(&p, 8), SEALKIT_OK);
    EQ(sealkit_verify(env, env_len, art, art_len, &p, &f), SEALKIT_ERR_ROLLBACK);
    EQ(sealkit_policy_init(&p), SEALKIT_OK);
    EQ(sealkit_policy_trust_key_for_identity(&p, raw_key, 32, "someone@example.org", 19), SEALKIT_OK);
    EQ(sealkit_verify(env, env_len, art, art_len, &p, &f), SEALKIT_ERR_IDENTITY_MISMATCH);

    /* Raw keys from their text form (too many keys and duplicates are vector cases). */
    EQ(sealkit_policy_init(&p), SEALKIT_OK);
    {
        int i, rc = 0;
        static const char *keys[] = {
            "sealkit-ed25519:0EqyMnQrtKs6E2i9RhXk5tAiSrcaAWuvhSCjMsl3hzc=",
            "sealkit-ed25519:oJql9HpnWYAv+VX43C0qFKXJnSO+l/hkEn/5ODRVpPA=",
        };
        for (i = 0; i < 2; i++) {
            EQ(sealkit_public_key_from_text(keys[i], strlen(keys[i]), raw, kid), SEALKIT_OK);
            rc = sealkit_policy_trust_key(&p, raw, 32);
            EQ(rc, SEALKIT_OK);
        }
    }
    EQ(sealkit_public_key_from_text(" sealkit-ed25519:0EqyMnQrtKs6E2i9RhXk5tAiSrcaAWuvhSCjMsl3hzc=\n", 62, raw, kid), SEALKIT_OK);
    EQ(sealkit_public_key_from_text("sealkit-ed25519:0EqyMnQrtKs6E2i9RhXk5tAiSrcaAWuvhSCjMsl3hzc=", 59, raw, kid), SEALKIT_ERR_BAD_PUBLIC_KEY_TEXT);
    CHECK(all_zero(raw, 32) && all_zero(kid, 8), "outputs zeroed on failure");
    EQ(sealkit_public_key_from_text("sealkit-ed25519:\xff", 17, raw, kid), SEALKIT_ERR_ARGUMENT_NOT_UTF8);
}

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: misuse VECTORS.json\n"); return 2; }
    load(argv[1]);
    if (sealkit_public_key_from_text(key_text, key_len, raw_key, key_id) != SEALKIT_OK) return 1;
    sizes_and_strings();
    null_pointers();
    order();
    bad_state();
    policies();
    printf("misuse: %d checks, %d failed\n", checks, failures);
    return failures ? 1 : 0;
}
