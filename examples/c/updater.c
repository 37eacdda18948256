/* A small updater: verifies an artifact while copying it to a temporary file next to DEST,
   and renames it into place only after the signature, the policy, the length and the digest
   all verified. No unverified byte is ever installed: on any failure the temporary file is
   removed and DEST is left as it was.

   updater [FILE|-] --sig SIG --key 'sealkit-ed25519:...' [--identity ID] [--subject S]
           [--min-version N] --out DEST

   FILE defaults to standard input (a pipe works: curl ... | updater - --sig ...).
   Exit status: 0 installed, 1 rejected or I/O error, 2 usage error. */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sealkit.h"

static int usage(const char *msg) {
    fprintf(stderr, "updater: %s\n"
            "usage: updater [FILE|-] --sig SIG --key KEYTEXT [--identity ID] [--subject S]\n"
            "               [--min-version N] --out DEST\n", msg);
    return 2;
}

static int rejected(int rc) {
    fprintf(stderr, "updater: rejected: %s (%d): %s\n", sealkit_error_name(rc), rc, sealkit_error_message(rc));
    return 1;
}

static int write_all(int fd, const unsigned char *p, size_t n) {
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int main(int argc, char **argv) {
    const char *in_path = "-", *sig_path = NULL, *key = NULL, *identity = NULL, *subject = NULL;
    const char *dest = NULL;
    unsigned long long min_version = 0;
    int has_min = 0, in_set = 0, i, rc, fd = -1, ok = 0;
    static unsigned char sig[SEALKIT_MAX_ENVELOPE_LEN + 1], buf[65536];
    size_t sig_len, n;
    sealkit_policy policy = SEALKIT_POLICY_INIT;
    sealkit_verifier verifier = SEALKIT_VERIFIER_INIT;
    sealkit_facts facts;
    char tmp[4096], dir_buf[4096], base_buf[4096];
    FILE *in, *sf;
    mode_t mask;

    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--sig") == 0 && i + 1 < argc) sig_path = argv[++i];
        else if (strcmp(a, "--key") == 0 && i + 1 < argc) key = argv[++i];
        else if (strcmp(a, "--identity") == 0 && i + 1 < argc) identity = argv[++i];
        else if (strcmp(a, "--subject") == 0 && i + 1 < argc) subject = argv[++i];
        else if (strcmp(a, "--out") == 0 && i + 1 < argc) dest = argv[++i];
        else if (strcmp(a, "--min-version") == 0 && i + 1 < argc) {
            char *end;
            errno = 0;
            min_version = strtoull(argv[++i], &end, 10);
            if (errno || *end || argv[i][0] == '\0' || argv[i][0] == '-') return usage("--min-version needs a number");
            has_min = 1;
        } else if (a[0] == '-' && a[1] != '\0') return usage("unknown or incomplete option");
        else if (!in_set) { in_path = a; in_set = 1; }
        else return usage("more than one input file");
    }
    if (!sig_path || !key || !dest) return usage("--sig, --key and --out are required");
    if (strlen(dest) + 16 > sizeof tmp) return usage("DEST is too long");

    /* The signature envelope is small; anything larger is not one. */
    if (!(sf = fopen(sig_path, "rb"))) { perror(sig_path); return 1; }
    sig_len = fread(sig, 1, sizeof sig, sf);
    fclose(sf);

    /* The policy: errors are sticky, so checking the last call (here: init) is enough, but an
       updater reports the first failure where it happens. */
    rc = sealkit_policy_trust_key_text(&policy, key, strlen(key));
    if (rc == SEALKIT_OK && identity) rc = sealkit_policy_require_identity(&policy, identity, strlen(identity));
    if (rc == SEALKIT_OK && subject) rc = sealkit_policy_require_subject(&policy, subject, strlen(subject));
    if (rc == SEALKIT_OK && has_min) rc = sealkit_policy_require_min_version(&policy, (uint64_t)min_version);
    if (rc != SEALKIT_OK) return rejected(rc);

    /* Signature and policy first: nothing is read or written for an unacceptable envelope. */
    rc = sealkit_verifier_init(&verifier, sig, sig_len, &policy);
    if (rc != SEALKIT_OK) return rejected(rc);

    in = strcmp(in_path, "-") == 0 ? stdin : fopen(in_path, "rb");
    if (!in) { perror(in_path); return 1; }

    /* The temporary file lives in DEST's directory, so rename() is atomic. */
    strcpy(dir_buf, dest);
    strcpy(base_buf, dest);
    snprintf(tmp, sizeof tmp, "%s/.%s.XXXXXX", dirname(dir_buf), basename(base_buf));
    fd = mkstemp(tmp);
    if (fd < 0) { perror(tmp); if (in != stdin) fclose(in); return 1; }

    while ((n = fread(buf, 1, sizeof buf, in)) > 0) {
        rc = sealkit_verifier_update(&verifier, buf, n);
        if (rc != SEALKIT_OK) break;
        if (write_all(fd, buf, n) != 0) { perror(tmp); goto fail; }
    }
    if (ferror(in)) { perror(in_path); goto fail; }
    if (rc == SEALKIT_OK) rc = sealkit_verifier_finish(&verifier, &facts);
    if (rc != SEALKIT_OK) { rejected(rc); goto fail; }

    /* Verified: make it durable, then put it in place. */
    mask = umask(0);
    umask(mask);
    if (fchmod(fd, 0666 & ~mask) != 0 || fsync(fd) != 0) { perror(tmp); goto fail; }
    if (close(fd) != 0) { fd = -1; perror(tmp); goto fail; }
    fd = -1;
    if (rename(tmp, dest) != 0) { perror(dest); goto fail; }
    {
        int dfd;
        strcpy(dir_buf, dest);
        dfd = open(dirname(dir_buf), O_RDONLY);
        if (dfd >= 0) { (void)fsync(dfd); close(dfd); }
    }
    ok = 1;
    printf("installed %s: %s, %llu bytes", dest, facts.subject, (unsigned long long)facts.length);
    if (facts.has_version) printf(", version %llu", (unsigned long long)facts.version);
    if (facts.has_identity) printf(", signed by %s", facts.identity);
    printf("\n");

fail:
    if (in != stdin) fclose(in);
    if (!ok) {
        if (fd >= 0) close(fd);
        unlink(tmp);
        (void)sealkit_verifier_abort(&verifier);
        return 1;
    }
    return 0;
}
