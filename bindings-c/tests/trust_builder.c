/* Trust policies built call by call (sealkit_policy_trust_root, _trust_entry, _allow_identity,
   _require_*_pattern, _revoke_*, _set_max_chain_depth, _require_signers, _set_time,
   _apply_rotation, _trust_timestamp_key, _require_timestamp) give the verdict the trust vectors expect from the same policy in compiled
   form; the builder's errors are sticky; sealkit_check_signers reports each signature. Usage: trust_builder TRUST-VECTORS.json */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* The test keys of the trust vectors (public keys; the policies of the vectors hold them). */
#define ROOT_HEX "8a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c"
#define K1_HEX "ed4928c628d1c2c6eae90338905995612959273a5c63f93636c14614ac8737d1"
#define K2_HEX "ca93ac1705187071d67b83c7ff0efe8108e8ec4530575d7726879333dbdabe7c"
#define ROOT_KID "34750f98bd59fcfc"
#define SIGNING_KID "b62e867fa2f33afe"
#define INTERMEDIATE_KID "6a3803d5f059902a"
/* The timestamp authority of the keyless cases, its text form and id, and the receipt's time. */
#define TSA_HEX "8a875fff1eb38451577acd5afee405456568dd7c89e090863a0557bc7af49f17"
#define TSA_TEXT "sealkit-ed25519:iodf/x6zhFFXes1a/uQFRWVo3XyJ4JCGOgVXvHr0nxc="
#define TSA_KID "72456720412037a6"
#define RECEIPT_TIME 1800086412u
#define MONTHS_LATER 1810454400u

static char *text;

static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

static size_t unhex(const char *h, size_t n, uint8_t *out) {
    size_t i;
    for (i = 0; i < n / 2; i++) out[i] = (uint8_t)(hexval(h[2 * i]) * 16 + hexval(h[2 * i + 1]));
    return n / 2;
}

/* The value of string member `key` (or the first string of an array member) of the case named
   `name` (the file's layout is fixed by its generator: "name" comes first in each case),
   hex-decoded into a fresh buffer. */
static uint8_t *case_hex(const char *name, const char *key, size_t *len) {
    char pat[128];
    const char *p, *q;
    uint8_t *out;
    snprintf(pat, sizeof pat, "\"name\": \"%s\"", name);
    p = strstr(text, pat);
    if (!p) { fprintf(stderr, "no case %s\n", name); exit(1); }
    snprintf(pat, sizeof pat, "\"%s\": ", key);
    p = strstr(p, pat);
    if (!p) { fprintf(stderr, "no %s in %s\n", key, name); exit(1); }
    /* A string, or the first string of an array. */
    p = strchr(p + strlen(pat), '"') + 1;
    q = strchr(p, '"');
    out = (uint8_t *)malloc((size_t)(q - p) / 2 + 1);
    if (!out) exit(1);
    *len = unhex(p, (size_t)(q - p), out);
    return out;
}

/* The error name the case expects, or "ok". */
static const char *expected_of(const char *name, char *buf, size_t n) {
    char pat[128];
    const char *p, *e, *r;
    snprintf(pat, sizeof pat, "\"name\": \"%s\"", name);
    p = strstr(text, pat);
    if (!p) { fprintf(stderr, "no case %s\n", name); exit(1); }
    r = strstr(p, "\"result\": \"");
    if (!r) exit(1);
    if (strncmp(r + 11, "ok", 2) == 0) return "ok";
    e = strstr(p, "\"error\": \"");
    if (!e) exit(1);
    e += 10;
    snprintf(buf, n, "%.*s", (int)(strchr(e, '"') - e), e);
    return buf;
}

static void key(const char *hex, uint8_t out[32]) { unhex(hex, 64, out); }

/* Verifies the signature and artifact of case `name` under `pol`, expecting `want` ("ok" or an
   error name); the trust facts go to `t`. */
static void verify_expect(const char *name, sealkit_policy *pol, const char *want, sealkit_trust_facts *t) {
    size_t sl, al;
    uint8_t *sig = case_hex(name, "signature_hex", &sl), *art = case_hex(name, "artifact_hex", &al);
    sealkit_verifier v = SEALKIT_VERIFIER_INIT;
    sealkit_facts f;
    int rc = sealkit_verifier_init(&v, sig, sl, pol);
    memset(t, 0, sizeof *t);
    if (!rc) rc = sealkit_verifier_update(&v, art, al);
    if (!rc) rc = sealkit_verifier_finish_trust(&v, &f, t);
    current = name;
    if (strcmp(want, "ok") == 0) {
        CHECK(rc == 0, "got %s (%d), expected success", sealkit_error_name(rc), rc);
        CHECK(rc != 0 || t->signer_count >= 1, "no signer reported");
    } else {
        CHECK(rc != 0 && strcmp(sealkit_error_name(rc), want) == 0, "got %s (%d), expected %s",
              rc ? sealkit_error_name(rc) : "success", rc, want);
    }
    free(sig);
    free(art);
}

/* Verifies case `name` under `pol`; compares with the vector's verdict (name of the error). */
static void verify_case(const char *name, sealkit_policy *pol) {
    char buf[64];
    sealkit_trust_facts t;
    verify_expect(name, pol, expected_of(name, buf, sizeof buf), &t);
}

static void root_policy(sealkit_policy *pol) {
    uint8_t r[32];
    key(ROOT_HEX, r);
    CHECK(sealkit_policy_trust_root(pol, r, 32, "vendor-root", 11) == 0, "trust_root");
}

static void kid(const char *hex, uint8_t out[8]) { unhex(hex, 16, out); }

int main(int argc, char **argv) {
    FILE *fp;
    long size;
    uint8_t k1[32], k2[32], id[8];
    if (argc != 2) { fprintf(stderr, "usage: trust_builder TRUST-VECTORS.json\n"); return 2; }
    fp = fopen(argv[1], "rb");
    if (!fp) { perror(argv[1]); return 1; }
    if (fseek(fp, 0, SEEK_END) != 0 || (size = ftell(fp)) < 0 || fseek(fp, 0, SEEK_SET) != 0) { fclose(fp); return 1; }
    text = (char *)malloc((size_t)size + 1);
    if (!text || fread(text, 1, (size_t)size, fp) != (size_t)size) { fclose(fp); free(text); return 1; }
    fclose(fp);
    text[size] = 0;
    key(K1_HEX, k1);
    key(K2_HEX, k2);

    { /* A direct signing key. */
        sealkit_policy p = SEALKIT_POLICY_INIT;
        CHECK(sealkit_policy_trust_entry(&p, k1, 32, 1, 0, NULL, 0) == 0, "trust_entry");
        verify_case("direct_key", &p);
    }
    { /* The same key as a certifier only: it may not sign. */
        sealkit_policy p = SEALKIT_POLICY_INIT;
        CHECK(sealkit_policy_trust_entry(&p, k1, 32, 0, 1, NULL, 0) == 0, "trust_entry");
        current = "certifier_only";
        {
            size_t sl, al;
            uint8_t *sig = case_hex("direct_key", "signature_hex", &sl), *art = case_hex("direct_key", "artifact_hex", &al);
            sealkit_facts f;
            CHECK(sealkit_verify(sig, sl, art, al, &p, &f) != 0, "a certify-only key signed");
            free(sig);
            free(art);
        }
    }
    { sealkit_policy p = SEALKIT_POLICY_INIT; root_policy(&p); verify_case("two_link_chain", &p); }
    { sealkit_policy p = SEALKIT_POLICY_INIT; root_policy(&p); verify_case("one_link_chain", &p); }
    {
        sealkit_policy p = SEALKIT_POLICY_INIT;
        root_policy(&p);
        CHECK(sealkit_policy_set_max_chain_depth(&p, 1) == 0, "depth");
        verify_case("chain_too_deep_policy", &p);
    }
    {
        sealkit_policy p = SEALKIT_POLICY_INIT;
        root_policy(&p);
        kid(ROOT_KID, id);
        CHECK(sealkit_policy_allow_identity(&p, id, "*@vendor.example", 16) == 0, "allow_identity");
        verify_case("identity_allowed_by_pattern", &p);
    }
    {
        sealkit_policy p = SEALKIT_POLICY_INIT;
        root_policy(&p);
        kid(ROOT_KID, id);
        CHECK(sealkit_policy_allow_identity(&p, id, "*@other.example", 15) == 0, "allow_identity");
        verify_case("identity_not_allowed", &p);
    }
    {
        sealkit_policy p = SEALKIT_POLICY_INIT;
        root_policy(&p);
        CHECK(sealkit_policy_require_identity_pattern(&p, "release-*", 9) == 0, "identity pattern");
        verify_case("required_identity_pattern", &p);
    }
    {
        sealkit_policy p = SEALKIT_POLICY_INIT;
        root_policy(&p);
        CHECK(sealkit_policy_require_subject_pattern(&p, "tool-*", 6) == 0, "subject pattern");
        verify_case("required_subject_mismatch", &p);
    }
    {
        sealkit_policy p = SEALKIT_POLICY_INIT;
        root_policy(&p);
        kid(SIGNING_KID, id);
        CHECK(sealkit_policy_revoke_key(&p, id) == 0, "revoke_key");
        verify_case("revoked_signing_key", &p);
    }
    {
        sealkit_policy p = SEALKIT_POLICY_INIT;
        root_policy(&p);
        kid(INTERMEDIATE_KID, id);
        CHECK(sealkit_policy_revoke_key(&p, id) == 0, "revoke_key");
        verify_case("revoked_intermediate_key", &p);
    }
    {
        sealkit_policy p = SEALKIT_POLICY_INIT;
        root_policy(&p);
        CHECK(sealkit_policy_revoke_certificate(&p, (const uint8_t *)"leaf-9", 6) == 0, "revoke cert");
        CHECK(sealkit_policy_revoke_certificate(&p, (const uint8_t *)"inter-1", 7) == 0, "revoke cert");
        verify_case("revoked_certificate", &p);
    }
    {
        sealkit_policy p = SEALKIT_POLICY_INIT;
        root_policy(&p);
        CHECK(sealkit_policy_require_min_version(&p, 8) == 0, "min version");
        verify_case("rollback_with_chain", &p);
    }
    {
        sealkit_policy p = SEALKIT_POLICY_INIT;
        root_policy(&p);
        CHECK(sealkit_policy_set_time(&p, 1802678400u) == 0, "time");
        verify_case("certificate_expired", &p);
    }
    {
        sealkit_policy p = SEALKIT_POLICY_INIT;
        root_policy(&p);
        CHECK(sealkit_policy_set_time(&p, 1800172800u) == 0, "time");
        verify_case("two_link_chain_with_time", &p);
    }
    {
        static const struct { const char *name; uint8_t k; int distinct; } sets[] = {
            {"two_of_three", 2, 0}, {"threshold_not_met", 3, 0}, {"distinct_identities", 2, 1}};
        size_t i;
        for (i = 0; i < sizeof sets / sizeof sets[0]; i++) {
            sealkit_policy p = SEALKIT_POLICY_INIT;
            CHECK(sealkit_policy_trust_entry(&p, k1, 32, 1, 0, NULL, 0) == 0, "k1");
            CHECK(sealkit_policy_trust_entry(&p, k2, 32, 1, 0, NULL, 0) == 0, "k2");
            CHECK(sealkit_policy_require_signers(&p, sets[i].k, sets[i].distinct) == 0, "require_signers");
            verify_case(sets[i].name, &p);
        }
    }
    { /* Rotation through the builder, and the new root's id reported. */
        sealkit_policy p = SEALKIT_POLICY_INIT;
        size_t n;
        uint8_t *s = case_hex("rotation_followed", "rotations_hex", &n), got[8], want[8];
        root_policy(&p);
        memset(got, 0, sizeof got);
        current = "rotation_followed";
        CHECK(sealkit_policy_apply_rotation(&p, s, n, got) == 0, "apply_rotation");
        kid("72456720412037a6", want);
        CHECK(memcmp(got, want, 8) == 0, "new root id");
        verify_case("rotation_followed", &p);
        free(s);
    }
    { /* Keyless: a ten-minute certificate verified months later, saved by its receipt; the
         receipt's time and key are reported. */
        sealkit_policy p = SEALKIT_POLICY_INIT;
        sealkit_trust_facts t;
        uint8_t tsa[32], want[8];
        key(TSA_HEX, tsa);
        kid(TSA_KID, want);
        root_policy(&p);
        CHECK(sealkit_policy_trust_timestamp_key(&p, tsa, 32) == 0, "trust_timestamp_key");
        CHECK(sealkit_policy_set_time(&p, MONTHS_LATER) == 0, "time");
        verify_expect("keyless_receipt_after_expiry", &p, "ok", &t);
        CHECK(t.signer_count == 1 && t.signers[0].has_timestamp == 1 && t.signers[0].timestamp == RECEIPT_TIME &&
                  memcmp(t.signers[0].timestamp_key_id, want, 8) == 0,
              "timestamp %d %lu", t.signers[0].has_timestamp, (unsigned long)t.signers[0].timestamp);
        /* The same with the key in text form, and with a receipt required. */
        CHECK(sealkit_policy_init(&p) == 0, "init");
        root_policy(&p);
        CHECK(sealkit_policy_trust_timestamp_key_text(&p, TSA_TEXT, strlen(TSA_TEXT)) == 0, "trust_timestamp_key_text");
        CHECK(sealkit_policy_require_timestamp(&p) == 0, "require_timestamp");
        CHECK(sealkit_policy_set_time(&p, MONTHS_LATER) == 0, "time");
        verify_expect("keyless_receipt_after_expiry", &p, "ok", &t);
        CHECK(t.signers[0].has_timestamp == 1 && t.signers[0].timestamp == RECEIPT_TIME, "timestamp (text key)");
        /* Without the receipt, the expired certificate is refused. */
        verify_expect("keyless_no_receipt_after_expiry", &p, "timestamp_missing", &t);
    }
    { /* A receipt is refused when its key is trusted as a root but not to timestamp; the root
         may be given the right too (one key, flags certify + timestamp). */
        sealkit_policy p = SEALKIT_POLICY_INIT;
        sealkit_trust_facts t;
        uint8_t tsa[32], r[32];
        key(TSA_HEX, tsa);
        key(ROOT_HEX, r);
        root_policy(&p);
        CHECK(sealkit_policy_set_time(&p, MONTHS_LATER) == 0, "time");
        verify_expect("keyless_receipt_after_expiry", &p, "untrusted_timestamp_key", &t);
        CHECK(t.signer_count == 0 && t.signers[0].has_timestamp == 0, "facts of a refusal");
        CHECK(sealkit_policy_init(&p) == 0, "init");
        root_policy(&p);
        CHECK(sealkit_policy_trust_timestamp_key(&p, r, 32) == 0, "root also timestamps");
        CHECK(sealkit_policy_set_time(&p, MONTHS_LATER) == 0, "time");
        verify_case("keyless_root_also_timestamps", &p);
        (void)tsa;
    }
    { /* require_timestamp refuses an envelope without a receipt even with no clock (which
         would otherwise skip every time check and accept it). */
        sealkit_policy p = SEALKIT_POLICY_INIT;
        sealkit_trust_facts t;
        root_policy(&p);
        verify_expect("keyless_no_receipt_after_expiry", &p, "ok", &t);
        CHECK(t.signers[0].has_timestamp == 0 && t.signers[0].timestamp == 0, "a timestamp without a receipt");
        CHECK(sealkit_policy_require_timestamp(&p) == 0, "require_timestamp");
        verify_expect("keyless_no_receipt_after_expiry", &p, "timestamp_missing", &t);
    }
    { /* The new calls: argument errors, and stickiness. */
        sealkit_policy p = SEALKIT_POLICY_INIT;
        uint8_t tsa[32];
        key(TSA_HEX, tsa);
        current = "timestamp_arguments";
        CHECK(sealkit_policy_trust_timestamp_key(&p, tsa, 31) == SEALKIT_ERR_INVALID_PUBLIC_KEY, "short key");
        CHECK(sealkit_policy_require_timestamp(&p) == SEALKIT_ERR_INVALID_PUBLIC_KEY, "not sticky");
        CHECK(sealkit_policy_init(&p) == 0, "init");
        CHECK(sealkit_policy_trust_timestamp_key_text(&p, "sealkit-ed25519:AAAA", 20) == SEALKIT_ERR_BAD_PUBLIC_KEY_TEXT,
              "bad text");
        CHECK(sealkit_policy_trust_timestamp_key(&p, tsa, 32) == SEALKIT_ERR_BAD_PUBLIC_KEY_TEXT, "not sticky");
        CHECK(sealkit_policy_init(&p) == 0, "init");
        CHECK(sealkit_policy_trust_timestamp_key_text(&p, "\xff", 1) == SEALKIT_ERR_ARGUMENT_NOT_UTF8, "bad UTF-8");
        CHECK(sealkit_policy_init(&p) == 0, "init");
        CHECK(sealkit_policy_trust_timestamp_key(&p, NULL, 32) == SEALKIT_ERR_NULL_POINTER, "NULL key");
        CHECK(sealkit_policy_require_timestamp(NULL) == SEALKIT_ERR_NULL_POINTER, "NULL policy");
        CHECK(sealkit_policy_trust_timestamp_key(NULL, tsa, 32) == SEALKIT_ERR_NULL_POINTER, "NULL policy");
    }
    { /* Errors are sticky: a bad compiled policy, then every later call refuses. */
        sealkit_policy p = SEALKIT_POLICY_INIT;
        sealkit_verifier v = SEALKIT_VERIFIER_INIT;
        size_t n;
        uint8_t *pol = case_hex("policy_trailing_bytes", "policy_hex", &n), r[32];
        int rc = sealkit_policy_load_cbor(&p, pol, n);
        current = "sticky_policy_error";
        CHECK(rc == SEALKIT_ERR_BAD_POLICY, "load_cbor gave %d", rc);
        key(ROOT_HEX, r);
        CHECK(sealkit_policy_trust_root(&p, r, 32, "vendor-root", 11) == rc, "not sticky");
        CHECK(sealkit_policy_set_time(&p, 1) == rc, "not sticky");
        CHECK(sealkit_policy_error(&p) == rc, "policy_error");
        CHECK(sealkit_verifier_init(&v, pol, n, &p) == rc, "a verifier started on it");
        free(pol);
    }
    { /* Argument errors. */
        sealkit_policy p = SEALKIT_POLICY_INIT;
        current = "arguments";
        CHECK(sealkit_policy_load_cbor(&p, NULL, 3) == SEALKIT_ERR_NULL_POINTER, "NULL cbor");
        CHECK(sealkit_policy_error(&p) == SEALKIT_ERR_NULL_POINTER, "not sticky");
    }
    {
        sealkit_policy p = SEALKIT_POLICY_INIT;
        CHECK(sealkit_policy_revoke_key(&p, NULL) == SEALKIT_ERR_NULL_POINTER, "NULL kid");
    }
    {
        sealkit_policy p = SEALKIT_POLICY_INIT;
        CHECK(sealkit_policy_trust_root(&p, k1, 32, "\xff", 1) == SEALKIT_ERR_ARGUMENT_NOT_UTF8, "bad UTF-8 name");
    }
    {
        sealkit_policy p = SEALKIT_POLICY_INIT;
        CHECK(sealkit_policy_trust_root(&p, k1, 31, NULL, 0) == SEALKIT_ERR_INVALID_PUBLIC_KEY, "short key");
    }
    {
        sealkit_policy p = SEALKIT_POLICY_INIT;
        kid(ROOT_KID, id);
        CHECK(sealkit_policy_allow_subject(&p, id, "app-*", 5) != 0, "allow_subject for an untrusted key");
    }
    {
        sealkit_policy p = SEALKIT_POLICY_INIT;
        sealkit_facts f;
        sealkit_trust_facts t;
        sealkit_verifier v = SEALKIT_VERIFIER_INIT;
        memset(&t, 0xab, sizeof t);
        CHECK(sealkit_verifier_finish_trust(&v, &f, &t) == SEALKIT_ERR_NOT_STARTED, "finish on empty");
        CHECK(t.signer_count == 0 && t.time_checked == 0, "trust facts not zeroed");
        CHECK(sealkit_verifier_abort(&v) == 0, "abort");
        CHECK(sealkit_verifier_finish_trust(&v, &f, NULL) == SEALKIT_ERR_NULL_POINTER, "NULL out_trust");
        (void)p;
    }
    { /* check_signers on a set: each verdict, the counted signers, the threshold. */
        size_t n, i, refused = 0, counted = 0;
        uint8_t *sig = case_hex("two_of_three", "signature_hex", &n);
        sealkit_policy p = SEALKIT_POLICY_INIT;
        sealkit_signer_check c;
        current = "check_signers_set";
        CHECK(sealkit_policy_trust_entry(&p, k1, 32, 1, 0, NULL, 0) == 0, "k1");
        CHECK(sealkit_policy_trust_entry(&p, k2, 32, 1, 0, NULL, 0) == 0, "k2");
        CHECK(sealkit_policy_require_signers(&p, 2, 0) == 0, "k");
        CHECK(sealkit_check_signers(sig, n, &p, &c) == 0, "check_signers");
        CHECK(c.verdict == 0 && c.is_set == 1 && c.report_count == 3, "verdict %d set %d count %lu", c.verdict,
              c.is_set, (unsigned long)c.report_count);
        for (i = 0; i < c.report_count && i < SEALKIT_MAX_SIGNERS; i++) {
            CHECK(c.reports[i].index == i, "index");
            if (c.reports[i].error) {
                refused++;
                CHECK(c.reports[i].error == SEALKIT_ERR_UNTRUSTED_KEY && c.reports[i].signer.key_id[0] == 0 &&
                          !c.reports[i].counted,
                      "refused report %lu: %d", (unsigned long)i, c.reports[i].error);
            } else {
                CHECK(memcmp(c.reports[i].signer.key_id, c.reports[i].unverified_key_id, 8) == 0, "signer id");
            }
            counted += (size_t)c.reports[i].counted;
        }
        CHECK(refused == 1 && counted == 2, "refused %lu counted %lu", (unsigned long)refused, (unsigned long)counted);
        CHECK(sealkit_policy_require_signers(&p, 3, 0) == 0, "k=3");
        CHECK(sealkit_check_signers(sig, n, &p, &c) == 0 && c.verdict == SEALKIT_ERR_THRESHOLD_NOT_MET,
              "threshold verdict %d", c.verdict);
        free(sig);
    }
    { /* A single envelope: the verdict is its own error. */
        size_t n;
        uint8_t *sig = case_hex("revoked_signing_key", "signature_hex", &n);
        sealkit_policy p = SEALKIT_POLICY_INIT;
        sealkit_signer_check c;
        current = "check_signers_single";
        root_policy(&p);
        kid(SIGNING_KID, id);
        CHECK(sealkit_policy_revoke_key(&p, id) == 0, "revoke");
        CHECK(sealkit_check_signers(sig, n, &p, &c) == 0, "check_signers");
        CHECK(c.verdict == SEALKIT_ERR_KEY_REVOKED && c.is_set == 0 && c.report_count == 1 &&
                  c.reports[0].error == SEALKIT_ERR_KEY_REVOKED,
              "verdict %d", c.verdict);
        /* Malformed file, NULL output, failed policy. */
        memset(&c, 0xab, sizeof c);
        CHECK(sealkit_check_signers((const uint8_t *)"\x01\x02", 2, &p, &c) > 0 && c.report_count == 0,
              "garbage accepted or output not zeroed");
        CHECK(sealkit_check_signers(sig, n, &p, NULL) == SEALKIT_ERR_NULL_POINTER, "NULL out");
        CHECK(sealkit_policy_load_cbor(&p, (const uint8_t *)"\x00", 1) == SEALKIT_ERR_BAD_POLICY, "bad cbor");
        CHECK(sealkit_check_signers(sig, n, &p, &c) == SEALKIT_ERR_BAD_POLICY, "failed policy used");
        free(sig);
    }
    printf("trust_builder: %d checks, %d failed\n", checks, failures);
    free(text);
    return failures ? 1 : 0;
}
