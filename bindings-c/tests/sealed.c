/* Sealed streams from C: sealkit_unsealer_* over a stream written by `sealkit seal`.
   Feeds it in several chunk sizes and checks that exactly the artifact bytes come out, then
   every rejection (appended bytes, a second stream, truncations, a tampered byte, wrong magic,
   version or envelope length, a bad signature before any artifact byte) and misuse.
   Usage: sealed FILE.sealed ARTIFACT PUBKEY_TEXT */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sealkit.h"

static int checks, failures;

#define CHECK(cond, ...)                                        \
    do {                                                        \
        checks++;                                               \
        if (!(cond)) {                                          \
            failures++;                                         \
            fprintf(stderr, "FAIL sealed line %d: ", __LINE__); \
            fprintf(stderr, __VA_ARGS__);                       \
            fputc('\n', stderr);                                \
        }                                                       \
    } while (0)
#define EQ(expr, want)                                                                      \
    do {                                                                                    \
        int got_ = (expr);                                                                  \
        CHECK(got_ == (want), "%s: got %d (%s), expected %d", #expr, got_,                  \
              sealkit_error_name(got_), (int)(want));                                       \
    } while (0)

static uint8_t *read_file(const char *path, size_t *len) {
    FILE *fp = fopen(path, "rb");
    uint8_t *buf;
    long n;
    if (!fp || fseek(fp, 0, SEEK_END) != 0 || (n = ftell(fp)) < 0 || fseek(fp, 0, SEEK_SET) != 0) {
        fprintf(stderr, "cannot read %s\n", path);
        exit(2);
    }
    buf = (uint8_t *)malloc((size_t)n + 1);
    if (!buf || fread(buf, 1, (size_t)n, fp) != (size_t)n) exit(2);
    fclose(fp);
    *len = (size_t)n;
    return buf;
}

static sealkit_policy policy = SEALKIT_POLICY_INIT;
static uint8_t *out;
static size_t out_len;

/* Unseals `s` in chunks of `chunk` bytes; returns the first error (0 if verified). The
   artifact bytes go to `out`. */
static int unseal(const uint8_t *s, size_t len, size_t chunk, sealkit_facts *facts) {
    sealkit_unsealer u = SEALKIT_UNSEALER_INIT;
    size_t pos = 0, off;
    int rc, st, err;
    out_len = 0;
    rc = sealkit_unsealer_init(&u, &policy);
    if (rc) return rc;
    while (pos < len) {
        size_t n = len - pos < chunk ? len - pos : chunk;
        rc = sealkit_unsealer_update(&u, s + pos, n, &off);
        if (rc) {
            CHECK(off == n, "no artifact bytes on failure");
            EQ(sealkit_unsealer_state(&u, &st, &err), SEALKIT_OK);
            CHECK(st == SEALKIT_STATE_FAILED && err == rc, "failed state");
            EQ(sealkit_unsealer_update(&u, s, 1, &off), rc); /* sticky */
            EQ(sealkit_unsealer_finish(&u, facts), rc);
            return rc;
        }
        CHECK(off <= n, "offset in range");
        memcpy(out + out_len, s + pos + off, n - off);
        out_len += n - off;
        pos += n;
    }
    rc = sealkit_unsealer_finish(&u, facts);
    if (rc == 0) {
        sealkit_facts again;
        EQ(sealkit_unsealer_state(&u, &st, &err), SEALKIT_OK);
        CHECK(st == SEALKIT_STATE_FINISHED, "finished state");
        EQ(sealkit_unsealer_finish(&u, &again), SEALKIT_ERR_ALREADY_FINISHED);
    } else {
        EQ(sealkit_unsealer_finish(&u, facts), rc);
    }
    return rc;
}

int main(int argc, char **argv) {
    size_t slen, alen, env_len, i;
    uint8_t *s, *a, *m, hdr[SEALKIT_SEALED_HEADER_LEN];
    const size_t chunks[] = {1, 7, 64, 4096, 65536, (size_t)-1};
    sealkit_facts f;
    sealkit_unsealer u = SEALKIT_UNSEALER_INIT;
    size_t off;
    int st, err;
    if (argc != 4) {
        fprintf(stderr, "usage: sealed FILE.sealed ARTIFACT PUBKEY_TEXT\n");
        return 2;
    }
    s = read_file(argv[1], &slen);
    a = read_file(argv[2], &alen);
    m = (uint8_t *)malloc(2 * slen + 16);
    out = (uint8_t *)malloc(2 * slen + 16);
    if (!m || !out) return 2;
    EQ(sealkit_policy_trust_key_text(&policy, argv[3], strlen(argv[3])), SEALKIT_OK);
    env_len = ((size_t)s[9] << 8) | s[10];
    CHECK(slen == SEALKIT_SEALED_HEADER_LEN + env_len + alen, "layout");
    EQ(sealkit_sealed_header(env_len, hdr), SEALKIT_OK);
    CHECK(memcmp(hdr, s, sizeof hdr) == 0, "header bytes");
    CHECK(memcmp(hdr, "\x89SEALKIT\x01", 9) == 0, "magic and version");
    EQ(sealkit_sealed_header(SEALKIT_MAX_ENVELOPE_LEN + 1, hdr), SEALKIT_ERR_ENVELOPE_TOO_LARGE);
    CHECK(sealkit_unsealer_size() == SEALKIT_UNSEALER_SIZE && sealkit_unsealer_align() == 16, "sizes");

    for (i = 0; i < sizeof chunks / sizeof chunks[0]; i++) {
        if (chunks[i] == 1 && slen > 100000) continue; /* covered by 7 */
        EQ(unseal(s, slen, chunks[i], &f), SEALKIT_OK);
        CHECK(out_len == alen && memcmp(out, a, alen) == 0, "artifact bytes, chunk %zu", chunks[i]);
        CHECK(f.length == alen, "facts length");
    }

    memcpy(m, s, slen);
    m[slen] = 0;
    EQ(unseal(m, slen + 1, 4096, &f), SEALKIT_ERR_ARTIFACT_TOO_LONG);
    memcpy(m + slen, s, slen);
    EQ(unseal(m, 2 * slen, 65536, &f), SEALKIT_ERR_ARTIFACT_TOO_LONG);
    CHECK(f.length == 0, "facts zeroed on failure");
    EQ(unseal(s, slen - 1, 4096, &f), SEALKIT_ERR_ARTIFACT_TOO_SHORT);
    EQ(unseal(s, 20, 7, &f), SEALKIT_ERR_SEALED_STREAM_TRUNCATED);
    EQ(unseal(s, 0, 7, &f), SEALKIT_ERR_SEALED_STREAM_TRUNCATED);
    memcpy(m, s, slen);
    m[slen - 10] ^= 1;
    EQ(unseal(m, slen, 4096, &f), SEALKIT_ERR_DIGEST_MISMATCH);
    memcpy(m, s, slen);
    m[1] = 'X';
    EQ(unseal(m, slen, 1, &f), SEALKIT_ERR_NOT_SEALED_STREAM);
    CHECK(out_len == 0, "nothing out");
    memcpy(m, s, slen);
    m[8] = 2;
    EQ(unseal(m, slen, 4096, &f), SEALKIT_ERR_UNSUPPORTED_SEALED_VERSION);
    memcpy(m, s, slen);
    m[10] = (uint8_t)(m[10] + 1);
    EQ(unseal(m, slen, 4096, &f), SEALKIT_ERR_TRAILING_BYTES);
    memcpy(m, s, slen);
    m[9] = 0xff;
    EQ(unseal(m, slen, 4096, &f), SEALKIT_ERR_ENVELOPE_TOO_LARGE);
    memcpy(m, s, slen);
    m[SEALKIT_SEALED_HEADER_LEN + env_len - 1] ^= 1; /* last signature byte */
    EQ(unseal(m, slen, 65536, &f), SEALKIT_ERR_BAD_SIGNATURE);
    CHECK(out_len == 0, "no artifact byte before the signature is checked");

    /* Misuse. */
    EQ(sealkit_unsealer_update(&u, s, 1, &off), SEALKIT_ERR_NOT_STARTED);
    EQ(sealkit_unsealer_init(&u, &policy), SEALKIT_ERR_NOT_STARTED); /* sticky */
    EQ(sealkit_unsealer_abort(&u), SEALKIT_OK);
    EQ(sealkit_unsealer_state(&u, &st, &err), SEALKIT_OK);
    CHECK(st == SEALKIT_STATE_EMPTY && err == 0, "empty after abort");
    EQ(sealkit_unsealer_init(&u, &policy), SEALKIT_OK);
    EQ(sealkit_unsealer_init(&u, &policy), SEALKIT_ERR_ALREADY_STARTED);
    EQ(sealkit_unsealer_abort(&u), SEALKIT_OK);
    EQ(sealkit_unsealer_init(&u, &policy), SEALKIT_OK);
    EQ(sealkit_unsealer_update(&u, NULL, 5, &off), SEALKIT_ERR_NULL_POINTER);
    EQ(sealkit_unsealer_update(&u, s, 5, &off), SEALKIT_ERR_NULL_POINTER);
    EQ(sealkit_unsealer_abort(&u), SEALKIT_OK);
    EQ(sealkit_unsealer_init(NULL, &policy), SEALKIT_ERR_NULL_POINTER);
    EQ(sealkit_unsealer_init(&u, NULL), SEALKIT_ERR_NULL_POINTER);
    EQ(sealkit_unsealer_abort(&u), SEALKIT_OK);
    EQ(sealkit_unsealer_init(&u, &policy), SEALKIT_OK);
    EQ(sealkit_unsealer_update(&u, s, 5, NULL), SEALKIT_ERR_NULL_POINTER);
    EQ(sealkit_unsealer_finish(&u, NULL), SEALKIT_ERR_NULL_POINTER);
    memset(&u, 0xA5, sizeof u);
    EQ(sealkit_unsealer_init(&u, &policy), SEALKIT_ERR_BAD_STATE);
    EQ(sealkit_unsealer_abort(NULL), SEALKIT_ERR_NULL_POINTER);
    EQ(sealkit_sealed_header(100, NULL), SEALKIT_ERR_NULL_POINTER);

    free(s);
    free(a);
    free(m);
    free(out);
    printf("sealed: %d checks, %d failures\n", checks, failures);
    return failures ? 1 : 0;
}
