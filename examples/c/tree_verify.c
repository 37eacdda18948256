/* Verifies a directory against its tree signature file (`sealkit sign DIR` writes DIR.sig)
   through libsealkit's streaming tree verifier: the signature, the policy and the manifest
   first, then every entry in manifest order, each file streamed in 64 KiB chunks with constant
   memory. What the manifest signs about each entry and the core cannot see (the kind on disk,
   the executable bit, a symlink's target) is compared here; symlinks are never followed.
   Finally the directory is walked (without following symlinks) and every path that is neither
   listed nor excluded by a signed exclusion pattern is reported as added.

   tree_verify DIR --sig DIR.sig --key 'sealkit-ed25519:...' [--identity ID] [--min-version N]

   Exit status: 0 verified, 1 rejected (each difference on stderr) or I/O error, 2 usage. */
#define _XOPEN_SOURCE 700

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sealkit.h"

static int usage(const char *msg) {
    fprintf(stderr, "tree_verify: %s\n"
            "usage: tree_verify DIR --sig DIR.sig --key KEYTEXT [--identity ID] [--min-version N]\n", msg);
    return 2;
}

static int rejected(int rc, const sealkit_tree_entry *e) {
    if (e && e->path)
        fprintf(stderr, "tree_verify: rejected: %s (%d) at %.*s: %s\n", sealkit_error_name(rc), rc,
                (int)e->path_len, e->path, sealkit_error_message(rc));
    else
        fprintf(stderr, "tree_verify: rejected: %s (%d): %s\n", sealkit_error_name(rc), rc, sealkit_error_message(rc));
    return 1;
}

/* The signed exclusion patterns: `*` any run of characters but '/', `?` one character but '/'
   (a byte here: patterns and names are compared as UTF-8 bytes, and '?' is meant for ASCII). */
static int glob(const char *p, size_t pn, const char *s, size_t sn) {
    if (pn == 0) return sn == 0;
    if (*p == '*') {
        size_t i;
        for (i = 0; i <= sn; i++) {
            if (glob(p + 1, pn - 1, s + i, sn - i)) return 1;
            if (i < sn && s[i] == '/') return 0;
        }
        return 0;
    }
    if (sn == 0) return 0;
    if (*p == '?' ? s[0] == '/' : *p != s[0]) return 0;
    return glob(p + 1, pn - 1, s + 1, sn - 1);
}

static sealkit_tree_verifier tree = SEALKIT_TREE_VERIFIER_INIT;
static const char *root;
static size_t root_len;
static unsigned long long walked, added;

/* Whether `path` (relative) or a directory above it is excluded. */
static int excluded(const char *path) {
    size_t i, n = strlen(path);
    const char *pat;
    size_t pat_len;
    for (i = 0; sealkit_tree_verifier_exclusion(&tree, i, &pat, &pat_len) == 0 && pat; i++) {
        int whole = memchr(pat, '/', pat_len) != NULL;
        size_t start = 0, end;
        for (end = 0; end <= n; end++) {
            if (end < n && path[end] != '/') continue;
            if (whole ? glob(pat, pat_len, path, end) : glob(pat, pat_len, path + start, end - start)) return 1;
            start = end + 1;
        }
    }
    return 0;
}

static int count_path(const char *fpath, const struct stat *st, int flag, struct FTW *ftw) {
    (void)st;
    (void)flag;
    if (ftw->level == 0) return 0; /* the root itself has no entry */
    if (excluded(fpath + root_len + 1)) return 0;
    walked++;
    return 0;
}

int main(int argc, char **argv) {
    const char *dir = NULL, *sig_path = NULL, *key = NULL, *identity = NULL;
    unsigned long long min_version = 0;
    int has_min = 0, i, rc, differences = 0;
    static unsigned char buf[65536];
    static char path[8192], link[2048];
    unsigned char *sig;
    long sig_len;
    uint64_t count, left, n_excl;
    sealkit_policy policy = SEALKIT_POLICY_INIT;
    sealkit_tree_entry e, last_file;
    sealkit_facts facts;
    FILE *sf;

    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--sig") && i + 1 < argc) sig_path = argv[++i];
        else if (!strcmp(argv[i], "--key") && i + 1 < argc) key = argv[++i];
        else if (!strcmp(argv[i], "--identity") && i + 1 < argc) identity = argv[++i];
        else if (!strcmp(argv[i], "--min-version") && i + 1 < argc) {
            char *end;
            errno = 0;
            min_version = strtoull(argv[++i], &end, 10);
            if (errno || *end || !*argv[i]) return usage("bad --min-version");
            has_min = 1;
        } else if (argv[i][0] != '-' && !dir) dir = argv[i];
        else return usage("unknown argument");
    }
    if (!dir || !sig_path || !key) return usage("DIR, --sig and --key are required");
    root = dir;
    root_len = strlen(dir);
    while (root_len > 1 && dir[root_len - 1] == '/') root_len--;

    /* The signature file stays in memory, unchanged, until the verifier is done: entries point
       into it. */
    if (!(sf = fopen(sig_path, "rb")) || fseek(sf, 0, SEEK_END) || (sig_len = ftell(sf)) < 0 ||
        fseek(sf, 0, SEEK_SET)) {
        perror(sig_path);
        return 1;
    }
    sig = (unsigned char *)malloc((size_t)sig_len + 1);
    if (!sig || fread(sig, 1, (size_t)sig_len, sf) != (size_t)sig_len) {
        perror(sig_path);
        return 1;
    }
    fclose(sf);

    rc = sealkit_policy_trust_key_text(&policy, key, strlen(key));
    if (!rc && identity) rc = sealkit_policy_require_identity(&policy, identity, strlen(identity));
    if (!rc && has_min) rc = sealkit_policy_require_min_version(&policy, min_version);
    if (rc) return rejected(rc, NULL);

    /* Signature, policy and every manifest rule, before anything is read from DIR. */
    rc = sealkit_tree_verifier_init(&tree, sig, (size_t)sig_len, &policy);
    if (rc) return rejected(rc, NULL);

    memset(&last_file, 0, sizeof last_file);
    while ((rc = sealkit_tree_verifier_next_entry(&tree, &e)) == 0 && e.kind != SEALKIT_TREE_END) {
        struct stat st;
        int n = snprintf(path, sizeof path, "%.*s/%.*s", (int)root_len, root, (int)e.path_len, e.path);
        if (n < 0 || (size_t)n >= sizeof path) return usage("path too long");
        if (lstat(path, &st) != 0) {
            fprintf(stderr, "tree_verify: removed: %.*s\n", (int)e.path_len, e.path);
            /* A listed file's bytes cannot be supplied: the stream stops there. */
            if (e.kind == SEALKIT_TREE_FILE) return 1;
            differences++;
            continue;
        }
        if (e.kind == SEALKIT_TREE_DIRECTORY) {
            if (!S_ISDIR(st.st_mode)) {
                fprintf(stderr, "tree_verify: kind changed (directory): %.*s\n", (int)e.path_len, e.path);
                differences++;
            }
        } else if (e.kind == SEALKIT_TREE_SYMLINK) {
            ssize_t len = S_ISLNK(st.st_mode) ? readlink(path, link, sizeof link) : -1;
            if (!S_ISLNK(st.st_mode)) {
                fprintf(stderr, "tree_verify: kind changed (symlink): %.*s\n", (int)e.path_len, e.path);
                differences++;
            } else if (len < 0 || (size_t)len != e.target_len || memcmp(link, e.target, e.target_len) != 0) {
                fprintf(stderr, "tree_verify: symlink target changed: %.*s\n", (int)e.path_len, e.path);
                differences++;
            }
        } else {
            int fd;
            ssize_t got;
            if (!S_ISREG(st.st_mode)) {
                fprintf(stderr, "tree_verify: kind changed (file): %.*s\n", (int)e.path_len, e.path);
                return 1;
            }
            if (((st.st_mode & 0111) != 0) != (e.executable != 0)) {
                fprintf(stderr, "tree_verify: executable bit changed: %.*s\n", (int)e.path_len, e.path);
                differences++;
            }
            /* O_NOFOLLOW: a file swapped for a symlink since lstat is refused, never read through. */
            if ((fd = open(path, O_RDONLY | O_NOFOLLOW)) < 0) {
                perror(path);
                return 1;
            }
            while ((got = read(fd, buf, sizeof buf)) > 0) {
                rc = sealkit_tree_verifier_update(&tree, buf, (size_t)got);
                if (rc) break;
            }
            close(fd);
            if (got < 0) {
                perror(path);
                return 1;
            }
            if (rc) return rejected(rc, &e);
            last_file = e; /* its size and digest are checked by the next call */
        }
    }
    if (rc) return rejected(rc, &last_file); /* the last file's size or digest (311, 312) */
    rc = sealkit_tree_verifier_finish(&tree, &facts);
    if (rc) return rejected(rc, rc == SEALKIT_ERR_TREE_ENTRIES_REMAINING ? NULL : &last_file);

    /* Anything on disk that is neither listed nor excluded was added. */
    if (sealkit_tree_verifier_counts(&tree, &count, &left, &n_excl) != 0) return 1;
    if (nftw(dir, count_path, 32, FTW_PHYS) != 0) {
        perror(dir);
        return 1;
    }
    if (walked > count) {
        added = walked - count;
        fprintf(stderr, "tree_verify: added: %llu path(s) not in the manifest\n", added);
        differences++;
    }
    if (differences) {
        fprintf(stderr, "tree_verify: rejected: %d difference(s)\n", differences);
        return 1;
    }
    printf("verified %s: %llu entries, subject %s", dir, (unsigned long long)count, facts.subject);
    if (facts.has_version) printf(", version %llu", (unsigned long long)facts.version);
    if (facts.has_identity) printf(", signed by %s", facts.identity);
    printf("\n");
    free(sig);
    return 0;
}
