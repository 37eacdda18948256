/* Verify FILE against its signature SIG with a trusted key, streaming in 64 KiB chunks.
   Usage: readme_example FILE SIG 'sealkit-ed25519:...'   (no heap: all state on the stack) */
#include <stdio.h>
#include <string.h>
#include "sealkit.h"

int main(int argc, char **argv) {
    static unsigned char sig[SEALKIT_MAX_ENVELOPE_LEN], buf[65536];
    sealkit_policy policy = SEALKIT_POLICY_INIT;     /* empty: trusts nothing yet */
    sealkit_verifier verifier = SEALKIT_VERIFIER_INIT;
    sealkit_facts facts;
    size_t sig_len, n;
    FILE *f;
    int rc;

    if (argc != 4) return 2;
    if (!(f = fopen(argv[2], "rb"))) return 2;
    sig_len = fread(sig, 1, sizeof sig, f);
    fclose(f);

    /* Policy errors are sticky: an ignored failure here makes init fail below. */
    sealkit_policy_trust_key_text(&policy, argv[3], strlen(argv[3]));
    sealkit_policy_require_subject(&policy, "firmware.bin", strlen("firmware.bin"));

    /* Signature and policy are checked here, before any byte of FILE is read. */
    rc = sealkit_verifier_init(&verifier, sig, sig_len, &policy);
    if (rc == SEALKIT_OK && (f = fopen(argv[1], "rb")) != NULL) {
        while (rc == SEALKIT_OK && (n = fread(buf, 1, sizeof buf, f)) > 0)
            rc = sealkit_verifier_update(&verifier, buf, n);
        fclose(f);
    }
    if (rc == SEALKIT_OK) rc = sealkit_verifier_finish(&verifier, &facts);
    if (rc != SEALKIT_OK) {
        fprintf(stderr, "rejected: %s (%d): %s\n", sealkit_error_name(rc), rc, sealkit_error_message(rc));
        return 1;
    }
    printf("verified %s: %llu bytes, version %llu, signed by %s\n", facts.subject,
           (unsigned long long)facts.length, (unsigned long long)facts.version,
           facts.has_identity ? facts.identity : "(no identity)");
    return 0;
}
