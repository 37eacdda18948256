/* libsealkit throughput: the one-shot sealkit_verify and the streaming verifier (64 KiB
   chunks) over a file held in memory; best of N runs, in MiB/s. See run.sh.
   Usage: bench FILE SIG KEYTEXT [RUNS] */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sealkit.h"

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static unsigned char *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    unsigned char *b;
    long n;
    if (!f || fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) { perror(path); exit(1); }
    b = (unsigned char *)malloc((size_t)n + 1);
    if (!b || fread(b, 1, (size_t)n, f) != (size_t)n) { perror(path); exit(1); }
    fclose(f);
    *len = (size_t)n;
    return b;
}

int main(int argc, char **argv) {
    sealkit_policy policy = SEALKIT_POLICY_INIT;
    sealkit_verifier v = SEALKIT_VERIFIER_INIT;
    sealkit_facts facts;
    size_t len, sig_len, off;
    unsigned char *data, *sig;
    int runs, i, rc;
    double best, t, mib;

    if (argc < 4) { fprintf(stderr, "usage: bench FILE SIG KEYTEXT [RUNS]\n"); return 2; }
    data = slurp(argv[1], &len);
    sig = slurp(argv[2], &sig_len);
    runs = argc > 4 ? atoi(argv[4]) : 5;
    if (sealkit_policy_trust_key_text(&policy, argv[3], strlen(argv[3])) != SEALKIT_OK) return 1;
    mib = (double)len / (1024.0 * 1024.0);

    best = 1e30;
    for (i = 0; i < runs; i++) {
        t = now();
        rc = sealkit_verify(sig, sig_len, data, len, &policy, &facts);
        t = now() - t;
        if (rc != SEALKIT_OK || facts.length != len) { fprintf(stderr, "verify: %s\n", sealkit_error_name(rc)); return 1; }
        if (t < best) best = t;
    }
    printf("c one-shot (sealkit_verify): %.0f MiB/s\n", mib / best);

    best = 1e30;
    for (i = 0; i < runs; i++) {
        t = now();
        rc = sealkit_verifier_init(&v, sig, sig_len, &policy);
        for (off = 0; rc == SEALKIT_OK && off < len; off += 65536)
            rc = sealkit_verifier_update(&v, data + off, len - off < 65536 ? len - off : 65536);
        if (rc == SEALKIT_OK) rc = sealkit_verifier_finish(&v, &facts);
        t = now() - t;
        if (rc != SEALKIT_OK || facts.length != len) { fprintf(stderr, "stream: %s\n", sealkit_error_name(rc)); return 1; }
        if (sealkit_verifier_abort(&v) != SEALKIT_OK) return 1;
        if (t < best) best = t;
    }
    printf("c streaming (sealkit_verifier_update, 64 KiB): %.0f MiB/s\n", mib / best);
    free(data);
    free(sig);
    return 0;
}
