/* Misuse of the tree verifier's C API: calls before init, init twice, NULL pointers, state
   bytes this library did not write, update before next_entry or on a directory, files longer
   or shorter than signed, next_entry before a file is complete, finish with entries left, calls
   after a failure and after finish, abort and reuse, failed policies.
   Usage: tree_misuse tests/vectors/tree-vectors.json (uses its case "good tree"). */
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
            fprintf(stderr, "FAIL tree_misuse line %d: ", __LINE__);    \
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

/* The good tree: its signature file, its key, and its files by path. */
static uint8_t sig[4096];
static size_t sig_len;
static char key[128];
static size_t key_len;
#define MAX_FILES 8
static char file_path[MAX_FILES][64];
static uint8_t file_data[MAX_FILES][64];
static size_t file_len[MAX_FILES], n_files;

static size_t unhex(const char *s, uint8_t *out, size_t cap) {
    size_t n = strlen(s) / 2, i;
    if (n > cap) exit(2);
    for (i = 0; i < n; i++) {
        unsigned v;
        if (sscanf(s + 2 * i, "%2x", &v) != 1) exit(2);
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
    size_t i, j;
    if (!fp || fseek(fp, 0, SEEK_END) || (size = ftell(fp)) < 0 || fseek(fp, 0, SEEK_SET)) exit(2);
    text = (char *)malloc((size_t)size);
    if (!text || fread(text, 1, (size_t)size, fp) != (size_t)size) exit(2);
    fclose(fp);
    root = json_parse(text, (size_t)size, err, sizeof err);
    free(text);
    if (!root) exit(2);
    cases = json_get(root, "cases");
    for (i = 0; cases && i < cases->len; i++) {
        const json *c = cases->items[i], *files = json_get(c, "files"), *k = json_get(c, "keys");
        if (strcmp(json_get(c, "name")->str, "good tree") != 0) continue;
        sig_len = unhex(json_get(c, "sig")->str, sig, sizeof sig);
        if (k->items[0]->str_len >= sizeof key) exit(2);
        key_len = k->items[0]->str_len;
        memcpy(key, k->items[0]->str, key_len);
        for (j = 0; j < files->len && j < MAX_FILES; j++) {
            if (strlen(files->keys[j]) >= sizeof file_path[0]) exit(2);
            strcpy(file_path[j], files->keys[j]);
            file_len[j] = unhex(files->items[j]->str, file_data[j], sizeof file_data[0]);
        }
        n_files = j;
    }
    json_free(root);
    if (!sig_len || n_files < 2) {
        fprintf(stderr, "case \"good tree\" not found\n");
        exit(2);
    }
}

static sealkit_policy policy = SEALKIT_POLICY_INIT;

static int file_index(const sealkit_tree_entry *e) {
    size_t i;
    for (i = 0; i < n_files; i++)
        if (strlen(file_path[i]) == e->path_len && memcmp(file_path[i], e->path, e->path_len) == 0) return (int)i;
    return -1;
}

/* Advances to the next entry that is a file of at least `min` bytes; returns its index. */
static int next_file(sealkit_tree_verifier *t, sealkit_tree_entry *e, size_t min) {
    for (;;) {
        int rc = sealkit_tree_verifier_next_entry(t, e);
        if (rc || e->kind == SEALKIT_TREE_END) return -1;
        if (e->kind == SEALKIT_TREE_FILE && e->size >= min) return file_index(e);
        if (e->kind == SEALKIT_TREE_FILE) {
            int i = file_index(e);
            if (i < 0 || sealkit_tree_verifier_update(t, file_data[i], file_len[i]) != 0) return -1;
        }
    }
}

/* Feeds every remaining entry correctly; returns finish's result. */
static int complete(sealkit_tree_verifier *t, sealkit_facts *f) {
    sealkit_tree_entry e;
    int rc;
    while ((rc = sealkit_tree_verifier_next_entry(t, &e)) == 0 && e.kind != SEALKIT_TREE_END) {
        if (e.kind == SEALKIT_TREE_FILE) {
            int i = file_index(&e);
            if (i < 0) return -1;
            rc = sealkit_tree_verifier_update(t, file_data[i], file_len[i]);
            if (rc) return rc;
        }
    }
    return rc ? rc : sealkit_tree_verifier_finish(t, f);
}

static void expect_failed(sealkit_tree_verifier *t, int code, int line) {
    int st = -1, err = -1;
    sealkit_tree_entry e;
    sealkit_facts f;
    CHECK(sealkit_tree_verifier_state(t, &st, &err) == 0 && st == SEALKIT_STATE_FAILED && err == code,
          "(from line %d) state %d error %d, expected failed with %d", line, st, err, code);
    CHECK(sealkit_tree_verifier_next_entry(t, &e) == code && e.kind == SEALKIT_TREE_END && e.path == NULL,
          "(from line %d) next_entry not sticky", line);
    CHECK(sealkit_tree_verifier_update(t, sig, 1) == code, "(from line %d) update not sticky", line);
    CHECK(sealkit_tree_verifier_finish(t, &f) == code && f.length == 0 && f.subject_len == 0,
          "(from line %d) finish not sticky", line);
    CHECK(sealkit_tree_verifier_init(t, sig, sig_len, &policy) == code, "(from line %d) init not sticky", line);
}
#define FAILED_WITH(t, code) expect_failed((t), (code), __LINE__)

int main(int argc, char **argv) {
    sealkit_tree_verifier t = SEALKIT_TREE_VERIFIER_INIT;
    sealkit_tree_entry e;
    sealkit_facts f;
    int st, err, i;
    uint64_t a, b, c;
    const char *p;
    size_t n;

    if (argc != 2) return 2;
    load(argv[1]);
    EQ(sealkit_policy_trust_key_text(&policy, key, key_len), 0);

    /* Sizes. */
    CHECK(sealkit_tree_verifier_size() == SEALKIT_TREE_VERIFIER_SIZE && sizeof(sealkit_tree_verifier) == SEALKIT_TREE_VERIFIER_SIZE,
          "size");
    CHECK(sealkit_tree_verifier_align() == SEALKIT_TREE_VERIFIER_ALIGN && SEALKIT_TREE_VERIFIER_ALIGN == 16, "align");

    /* A zeroed block is empty. */
    EQ(sealkit_tree_verifier_state(&t, &st, &err), 0);
    CHECK(st == SEALKIT_STATE_EMPTY && err == 0, "zeroed block is empty");
    EQ(sealkit_tree_verifier_counts(&t, &a, &b, &c), SEALKIT_ERR_NOT_STARTED);
    EQ(sealkit_tree_verifier_exclusion(&t, 0, &p, &n), SEALKIT_ERR_NOT_STARTED);
    EQ(sealkit_tree_verifier_state(&t, &st, &err), 0);
    CHECK(st == SEALKIT_STATE_EMPTY, "counts/exclusion before init do not fail the verifier");

    /* Calls before init fail it with 401, sticky until abort. */
    EQ(sealkit_tree_verifier_update(&t, sig, 1), SEALKIT_ERR_NOT_STARTED);
    FAILED_WITH(&t, SEALKIT_ERR_NOT_STARTED);
    EQ(sealkit_tree_verifier_abort(&t), 0);
    EQ(sealkit_tree_verifier_next_entry(&t, &e), SEALKIT_ERR_NOT_STARTED);
    FAILED_WITH(&t, SEALKIT_ERR_NOT_STARTED);
    EQ(sealkit_tree_verifier_abort(&t), 0);
    EQ(sealkit_tree_verifier_finish(&t, &f), SEALKIT_ERR_NOT_STARTED);
    FAILED_WITH(&t, SEALKIT_ERR_NOT_STARTED);
    EQ(sealkit_tree_verifier_abort(&t), 0);

    /* A whole good run, with the state at each step; init twice is 402. */
    EQ(sealkit_tree_verifier_init(&t, sig, sig_len, &policy), 0);
    EQ(sealkit_tree_verifier_state(&t, &st, &err), 0);
    CHECK(st == SEALKIT_STATE_ACTIVE && err == 0, "active after init");
    EQ(sealkit_tree_verifier_counts(&t, &a, &b, &c), 0);
    CHECK(a == 9 && b == 9 && c == 1, "counts %llu %llu %llu", (unsigned long long)a, (unsigned long long)b,
          (unsigned long long)c);
    EQ(sealkit_tree_verifier_exclusion(&t, 0, &p, &n), 0);
    CHECK(n == 5 && memcmp(p, "*.log", 5) == 0, "exclusion");
    EQ(complete(&t, &f), 0);
    CHECK(f.length > 0 && f.digest_len == 32 && strcmp(f.subject, "plugin") == 0 && f.has_version && f.version == 7,
          "facts");
    EQ(sealkit_tree_verifier_state(&t, &st, &err), 0);
    CHECK(st == SEALKIT_STATE_FINISHED && err == 0, "finished");
    EQ(sealkit_tree_verifier_finish(&t, &f), SEALKIT_ERR_ALREADY_FINISHED);
    CHECK(f.length == 0, "facts zeroed on a failed finish");
    EQ(sealkit_tree_verifier_next_entry(&t, &e), SEALKIT_ERR_ALREADY_FINISHED);
    EQ(sealkit_tree_verifier_update(&t, NULL, 0), SEALKIT_ERR_ALREADY_FINISHED);
    EQ(sealkit_tree_verifier_init(&t, sig, sig_len, &policy), SEALKIT_ERR_ALREADY_STARTED);
    FAILED_WITH(&t, SEALKIT_ERR_ALREADY_STARTED);
    /* Abort, then the same block verifies again. */
    EQ(sealkit_tree_verifier_abort(&t), 0);
    EQ(sealkit_tree_verifier_init(&t, sig, sig_len, &policy), 0);
    EQ(sealkit_tree_verifier_init(&t, sig, sig_len, &policy), SEALKIT_ERR_ALREADY_STARTED);
    FAILED_WITH(&t, SEALKIT_ERR_ALREADY_STARTED);
    EQ(sealkit_tree_verifier_abort(&t), 0);
    EQ(sealkit_tree_verifier_init(&t, sig, sig_len, &policy), 0);
    EQ(complete(&t, &f), 0);
    EQ(sealkit_tree_verifier_abort(&t), 0);

    /* update before the first next_entry: no file is open (314). */
    EQ(sealkit_tree_verifier_init(&t, sig, sig_len, &policy), 0);
    EQ(sealkit_tree_verifier_update(&t, sig, 1), SEALKIT_ERR_NO_TREE_FILE_OPEN);
    FAILED_WITH(&t, SEALKIT_ERR_NO_TREE_FILE_OPEN);
    EQ(sealkit_tree_verifier_abort(&t), 0);
    /* An empty update before next_entry is still misuse. */
    EQ(sealkit_tree_verifier_init(&t, sig, sig_len, &policy), 0);
    EQ(sealkit_tree_verifier_update(&t, NULL, 0), SEALKIT_ERR_NO_TREE_FILE_OPEN);
    EQ(sealkit_tree_verifier_abort(&t), 0);

    /* update on a directory entry (314). */
    EQ(sealkit_tree_verifier_init(&t, sig, sig_len, &policy), 0);
    do {
        EQ(sealkit_tree_verifier_next_entry(&t, &e), 0);
        if (e.kind == SEALKIT_TREE_FILE) {
            i = file_index(&e);
            EQ(sealkit_tree_verifier_update(&t, file_data[i], file_len[i]), 0);
        }
    } while (e.kind != SEALKIT_TREE_DIRECTORY && e.kind != SEALKIT_TREE_END);
    CHECK(e.kind == SEALKIT_TREE_DIRECTORY && e.size == 0 && e.path != NULL, "a directory entry");
    EQ(sealkit_tree_verifier_update(&t, sig, 1), SEALKIT_ERR_NO_TREE_FILE_OPEN);
    FAILED_WITH(&t, SEALKIT_ERR_NO_TREE_FILE_OPEN);
    EQ(sealkit_tree_verifier_abort(&t), 0);

    /* A file longer than signed fails at the update that brings the extra byte (310). */
    EQ(sealkit_tree_verifier_init(&t, sig, sig_len, &policy), 0);
    i = next_file(&t, &e, 1);
    CHECK(i >= 0, "a non-empty file");
    if (i >= 0) {
        EQ(sealkit_tree_verifier_update(&t, file_data[i], file_len[i]), 0);
        EQ(sealkit_tree_verifier_update(&t, (const uint8_t *)"!", 1), SEALKIT_ERR_TREE_FILE_TOO_LONG);
        FAILED_WITH(&t, SEALKIT_ERR_TREE_FILE_TOO_LONG);
    }
    EQ(sealkit_tree_verifier_abort(&t), 0);

    /* next_entry before the file is complete: too short (311). */
    EQ(sealkit_tree_verifier_init(&t, sig, sig_len, &policy), 0);
    i = next_file(&t, &e, 2);
    CHECK(i >= 0, "a file of 2 bytes or more");
    if (i >= 0) {
        EQ(sealkit_tree_verifier_update(&t, file_data[i], file_len[i] - 1), 0);
        EQ(sealkit_tree_verifier_next_entry(&t, &e), SEALKIT_ERR_TREE_FILE_TOO_SHORT);
        CHECK(e.kind == SEALKIT_TREE_END && e.path == NULL, "entry zeroed on failure");
        FAILED_WITH(&t, SEALKIT_ERR_TREE_FILE_TOO_SHORT);
    }
    EQ(sealkit_tree_verifier_abort(&t), 0);

    /* finish while the last file read is incomplete: too short (311). */
    EQ(sealkit_tree_verifier_init(&t, sig, sig_len, &policy), 0);
    i = next_file(&t, &e, 1);
    if (i >= 0) {
        EQ(sealkit_tree_verifier_finish(&t, &f), SEALKIT_ERR_TREE_FILE_TOO_SHORT);
        FAILED_WITH(&t, SEALKIT_ERR_TREE_FILE_TOO_SHORT);
    }
    EQ(sealkit_tree_verifier_abort(&t), 0);

    /* A changed byte is found when the file is closed (312). */
    EQ(sealkit_tree_verifier_init(&t, sig, sig_len, &policy), 0);
    i = next_file(&t, &e, 1);
    if (i >= 0) {
        uint8_t copy[64];
        memcpy(copy, file_data[i], file_len[i]);
        copy[0] ^= 1;
        EQ(sealkit_tree_verifier_update(&t, copy, file_len[i]), 0);
        EQ(sealkit_tree_verifier_next_entry(&t, &e), SEALKIT_ERR_TREE_FILE_DIGEST_MISMATCH);
        FAILED_WITH(&t, SEALKIT_ERR_TREE_FILE_DIGEST_MISMATCH);
    }
    EQ(sealkit_tree_verifier_abort(&t), 0);

    /* finish with entries left (313); finish right after init too. */
    EQ(sealkit_tree_verifier_init(&t, sig, sig_len, &policy), 0);
    EQ(sealkit_tree_verifier_finish(&t, &f), SEALKIT_ERR_TREE_ENTRIES_REMAINING);
    FAILED_WITH(&t, SEALKIT_ERR_TREE_ENTRIES_REMAINING);
    EQ(sealkit_tree_verifier_abort(&t), 0);
    EQ(sealkit_tree_verifier_init(&t, sig, sig_len, &policy), 0);
    EQ(sealkit_tree_verifier_next_entry(&t, &e), 0);
    EQ(sealkit_tree_verifier_next_entry(&t, &e), SEALKIT_ERR_TREE_FILE_TOO_SHORT); /* README skipped */
    EQ(sealkit_tree_verifier_abort(&t), 0);

    /* Signature refused at init: the verifier fails with the core's code, sticky. */
    EQ(sealkit_tree_verifier_init(&t, sig, sig_len - 1, &policy), SEALKIT_ERR_TREE_SIGNATURE_MALFORMED);
    FAILED_WITH(&t, SEALKIT_ERR_TREE_SIGNATURE_MALFORMED);
    EQ(sealkit_tree_verifier_abort(&t), 0);
    EQ(sealkit_tree_verifier_init(&t, NULL, 0, &policy), SEALKIT_ERR_TREE_SIGNATURE_MALFORMED);
    EQ(sealkit_tree_verifier_abort(&t), 0);
    {
        sealkit_policy empty = SEALKIT_POLICY_INIT, bad = SEALKIT_POLICY_INIT;
        EQ(sealkit_tree_verifier_init(&t, sig, sig_len, &empty), SEALKIT_ERR_UNTRUSTED_KEY);
        FAILED_WITH(&t, SEALKIT_ERR_UNTRUSTED_KEY);
        EQ(sealkit_tree_verifier_abort(&t), 0);
        /* A failed policy fails the verifier with the policy's error. */
        EQ(sealkit_policy_trust_key_text(&bad, "sealkit-ed25519:nope", 20), SEALKIT_ERR_BAD_PUBLIC_KEY_TEXT);
        EQ(sealkit_tree_verifier_init(&t, sig, sig_len, &bad), SEALKIT_ERR_BAD_PUBLIC_KEY_TEXT);
        FAILED_WITH(&t, SEALKIT_ERR_BAD_PUBLIC_KEY_TEXT);
        EQ(sealkit_tree_verifier_abort(&t), 0);
    }

    /* NULL pointers: 600, sticky once the block is ours. */
    EQ(sealkit_tree_verifier_init(NULL, sig, sig_len, &policy), SEALKIT_ERR_NULL_POINTER);
    EQ(sealkit_tree_verifier_next_entry(NULL, &e), SEALKIT_ERR_NULL_POINTER);
    EQ(sealkit_tree_verifier_update(NULL, sig, 1), SEALKIT_ERR_NULL_POINTER);
    EQ(sealkit_tree_verifier_finish(NULL, &f), SEALKIT_ERR_NULL_POINTER);
    EQ(sealkit_tree_verifier_abort(NULL), SEALKIT_ERR_NULL_POINTER);
    EQ(sealkit_tree_verifier_state(NULL, &st, &err), SEALKIT_ERR_NULL_POINTER);
    EQ(sealkit_tree_verifier_state(&t, NULL, &err), SEALKIT_ERR_NULL_POINTER);
    EQ(sealkit_tree_verifier_state(&t, &st, NULL), SEALKIT_ERR_NULL_POINTER);
    EQ(sealkit_tree_verifier_init(&t, NULL, 5, &policy), SEALKIT_ERR_NULL_POINTER);
    FAILED_WITH(&t, SEALKIT_ERR_NULL_POINTER);
    EQ(sealkit_tree_verifier_abort(&t), 0);
    EQ(sealkit_tree_verifier_init(&t, sig, sig_len, NULL), SEALKIT_ERR_NULL_POINTER);
    FAILED_WITH(&t, SEALKIT_ERR_NULL_POINTER);
    EQ(sealkit_tree_verifier_abort(&t), 0);
    EQ(sealkit_tree_verifier_init(&t, sig, sig_len, &policy), 0);
    EQ(sealkit_tree_verifier_counts(&t, NULL, &b, &c), SEALKIT_ERR_NULL_POINTER);
    EQ(sealkit_tree_verifier_exclusion(&t, 0, NULL, &n), SEALKIT_ERR_NULL_POINTER);
    EQ(sealkit_tree_verifier_exclusion(&t, 0, &p, NULL), SEALKIT_ERR_NULL_POINTER);
    EQ(sealkit_tree_verifier_state(&t, &st, &err), 0);
    CHECK(st == SEALKIT_STATE_ACTIVE, "a NULL output of counts/exclusion does not fail the verifier");
    EQ(sealkit_tree_verifier_next_entry(&t, NULL), SEALKIT_ERR_NULL_POINTER);
    FAILED_WITH(&t, SEALKIT_ERR_NULL_POINTER);
    EQ(sealkit_tree_verifier_abort(&t), 0);
    EQ(sealkit_tree_verifier_init(&t, sig, sig_len, &policy), 0);
    EQ(sealkit_tree_verifier_next_entry(&t, &e), 0);
    EQ(sealkit_tree_verifier_update(&t, NULL, 3), SEALKIT_ERR_NULL_POINTER);
    FAILED_WITH(&t, SEALKIT_ERR_NULL_POINTER);
    EQ(sealkit_tree_verifier_abort(&t), 0);
    EQ(sealkit_tree_verifier_init(&t, sig, sig_len, &policy), 0);
    EQ(sealkit_tree_verifier_finish(&t, NULL), SEALKIT_ERR_NULL_POINTER);
    FAILED_WITH(&t, SEALKIT_ERR_NULL_POINTER);
    EQ(sealkit_tree_verifier_abort(&t), 0);

    /* Memory this library did not write, or misaligned: 601, never read as state. */
    {
        static union {
            sealkit_tree_verifier t;
            uint8_t bytes[sizeof(sealkit_tree_verifier) + 16];
        } junk;
        memset(&junk, 0xA5, sizeof junk);
        EQ(sealkit_tree_verifier_init(&junk.t, sig, sig_len, &policy), SEALKIT_ERR_BAD_STATE);
        EQ(sealkit_tree_verifier_next_entry(&junk.t, &e), SEALKIT_ERR_BAD_STATE);
        EQ(sealkit_tree_verifier_state(&junk.t, &st, &err), SEALKIT_ERR_BAD_STATE);
        EQ(sealkit_tree_verifier_abort(&junk.t), 0);
        EQ(sealkit_tree_verifier_init(&junk.t, sig, sig_len, &policy), 0);
        EQ(complete(&junk.t, &f), 0);
        memset(&junk, 0, sizeof junk);
        EQ(sealkit_tree_verifier_init((sealkit_tree_verifier *)(junk.bytes + 8), sig, sig_len, &policy),
           SEALKIT_ERR_BAD_STATE);
        /* A verifier block is not a tree verifier block. */
        {
            sealkit_verifier v = SEALKIT_VERIFIER_INIT;
            EQ(sealkit_verifier_update(&v, NULL, 0), SEALKIT_ERR_NOT_STARTED);
            memcpy(junk.bytes, &v, sizeof v < sizeof junk ? sizeof v : sizeof junk);
            EQ(sealkit_tree_verifier_state(&junk.t, &st, &err), SEALKIT_ERR_BAD_STATE);
        }
    }

    /* The README's example flow: every entry, files in small chunks, then finish. */
    EQ(sealkit_tree_verifier_init(&t, sig, sig_len, &policy), 0);
    {
        int files = 0, dirs = 0, links = 0, outside = 0, rc;
        while ((rc = sealkit_tree_verifier_next_entry(&t, &e)) == 0 && e.kind != SEALKIT_TREE_END) {
            if (e.kind == SEALKIT_TREE_FILE) {
                size_t k;
                files++;
                i = file_index(&e);
                CHECK(i >= 0 && e.size == file_len[i], "file size");
                for (k = 0; i >= 0 && k < file_len[i]; k += 3) {
                    size_t m = file_len[i] - k < 3 ? file_len[i] - k : 3;
                    EQ(sealkit_tree_verifier_update(&t, file_data[i] + k, m), 0);
                }
            } else if (e.kind == SEALKIT_TREE_DIRECTORY) {
                dirs++;
            } else if (e.kind == SEALKIT_TREE_SYMLINK) {
                links++;
                outside += e.outside;
            }
        }
        EQ(rc, 0);
        CHECK(files == 4 && dirs == 3 && links == 2 && outside == 1, "kinds %d %d %d %d", files, dirs, links, outside);
        EQ(sealkit_tree_verifier_finish(&t, &f), 0);
    }

    printf("tree_misuse: %d checks, %d failures\n", checks, failures);
    return failures ? 1 : 0;
}
