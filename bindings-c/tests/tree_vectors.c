/* The tree signature vectors (tests/vectors/tree-vectors.json) through sealkit_tree_verifier_*,
   every case in several chunkings (whole file, 1, 7, 64, 4096 bytes, 13 with empty updates in
   between): the entries in manifest order, the exclusions, subject and version, or the error's
   code, name and stage ("open" or "files"), then that it stays sticky. Refuses any file
   version but 1.

   Built with -DCOUNT_ALLOCATIONS and -Wl,--wrap=malloc,... it also counts every allocation
   made inside a libsealkit call (the harness's own are not counted) and fails unless none was.
   Usage: tree_vectors tests/vectors/tree-vectors.json */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "sealkit.h"

static int checks, failures;
static size_t runs;

#define CHECK(cond, ...)                                                \
    do {                                                                \
        checks++;                                                       \
        if (!(cond)) {                                                  \
            failures++;                                                 \
            fprintf(stderr, "FAIL tree_vectors: ");                     \
            fprintf(stderr, __VA_ARGS__);                               \
            fputc('\n', stderr);                                        \
        }                                                               \
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

static uint8_t *unhex(const char *s, size_t *len) {
    size_t n = strlen(s) / 2, i;
    uint8_t *out = (uint8_t *)malloc(n + 1);
    if (!out) exit(2);
    for (i = 0; i < n; i++) {
        unsigned v;
        if (sscanf(s + 2 * i, "%2x", &v) != 1) exit(2);
        out[i] = (uint8_t)v;
    }
    *len = n;
    return out;
}

static const char *str_of(const json *v) { return v && v->kind == J_STR ? v->str : ""; }

static int same(const char *p, size_t n, const char *s) { return strlen(s) == n && memcmp(p, s, n) == 0; }

/* The content of `path` (not NUL-terminated) in the case's "files" object, or NULL. */
static const json *file_of(const json *files, const char *path, size_t n) {
    size_t i;
    for (i = 0; files && files->kind == J_OBJ && i < files->len; i++) {
        if (same(path, n, files->keys[i])) return files->items[i];
    }
    return NULL;
}

static void expect_sticky(sealkit_tree_verifier *t, int rc, const char *name, size_t chunk) {
    sealkit_tree_entry e;
    sealkit_facts f;
    int st = -1, err = -1;
    uint64_t a, b, c;
    CHECK(LIB(sealkit_tree_verifier_state(t, &st, &err)) == 0 && st == SEALKIT_STATE_FAILED && err == rc,
          "%s (chunk %zu): state %d/%d after error %d", name, chunk, st, err, rc);
    CHECK(LIB(sealkit_tree_verifier_next_entry(t, &e)) == rc && e.kind == SEALKIT_TREE_END,
          "%s: sticky next_entry", name);
    CHECK(LIB(sealkit_tree_verifier_update(t, (const uint8_t *)"x", 1)) == rc, "%s: sticky update", name);
    CHECK(LIB(sealkit_tree_verifier_finish(t, &f)) == rc && f.length == 0, "%s: sticky finish", name);
    CHECK(LIB(sealkit_tree_verifier_counts(t, &a, &b, &c)) == rc, "%s: sticky counts", name);
}

/* One run of a case: files fed in `chunk`-byte pieces (with an empty update after each if
   `empties`). */
static void run(const json *c, const uint8_t *sig, size_t sig_len, size_t chunk, int empties) {
    const char *name = str_of(json_get(c, "name"));
    const json *ex = json_get(c, "expect"), *keys = json_get(c, "keys"), *files = json_get(c, "files");
    const json *entries = json_get(ex, "entries"), *code = json_get(ex, "code");
    int ok = code == NULL;
    sealkit_policy pol = SEALKIT_POLICY_INIT;
    sealkit_tree_verifier t = SEALKIT_TREE_VERIFIER_INIT;
    sealkit_tree_entry e;
    sealkit_facts f;
    const char *stage = "open";
    size_t i, n_entries = 0;
    int rc = 0;
    runs++;
    for (i = 0; keys && i < keys->len; i++) {
        rc = LIB(sealkit_policy_trust_key_text(&pol, keys->items[i]->str, keys->items[i]->str_len));
        CHECK(rc == 0, "%s: key %zu refused (%d)", name, i, rc);
    }
    rc = LIB(sealkit_tree_verifier_init(&t, sig, sig_len, &pol));
    if (!rc) {
        stage = "files";
        for (;;) {
            const json *data;
            rc = LIB(sealkit_tree_verifier_next_entry(&t, &e));
            if (rc || e.kind == SEALKIT_TREE_END) break;
            CHECK(e.path != NULL && e.path_len > 0 && (const uint8_t *)e.path >= sig &&
                      (const uint8_t *)e.path + e.path_len <= sig + sig_len,
                  "%s: entry path outside the signature buffer", name);
            if (ok) {
                CHECK(entries && n_entries < entries->len &&
                          same(e.path, e.path_len, entries->items[n_entries]->str),
                      "%s: entry %zu is %.*s", name, n_entries, (int)e.path_len, e.path);
            }
            n_entries++;
            data = file_of(files, e.path, e.path_len);
            if (e.kind == SEALKIT_TREE_SYMLINK) {
                CHECK(e.target != NULL && e.target_len > 0 && e.size == 0, "%s: symlink fields", name);
            } else {
                CHECK(e.target == NULL && e.target_len == 0 && e.outside == 0, "%s: non-symlink fields", name);
            }
            CHECK((e.kind == SEALKIT_TREE_FILE) == (data != NULL), "%s: %.*s: file content iff a file", name,
                  (int)e.path_len, e.path);
            if (e.kind == SEALKIT_TREE_FILE && data) {
                size_t len, pos = 0;
                uint8_t *bytes = unhex(data->str, &len);
                if (ok) CHECK(e.size == len, "%s: %.*s: size", name, (int)e.path_len, e.path);
                while (!rc && pos < len) {
                    size_t n = len - pos < chunk ? len - pos : chunk;
                    rc = LIB(sealkit_tree_verifier_update(&t, bytes + pos, n));
                    if (!rc && empties) rc = LIB(sealkit_tree_verifier_update(&t, NULL, 0));
                    pos += n;
                }
                free(bytes);
                if (rc) break;
            }
        }
        if (!rc) rc = LIB(sealkit_tree_verifier_finish(&t, &f));
    }
    if (ok) {
        const json *excl = json_get(ex, "exclusions"), *ver = json_get(ex, "version");
        uint64_t count = 0, left = 1, n_excl = 0;
        CHECK(rc == 0, "%s (chunk %zu): error %d (%s) at %s, expected success", name, chunk, rc,
              sealkit_error_name(rc), stage);
        if (rc == 0) {
            CHECK(entries && n_entries == entries->len, "%s: %zu entries", name, n_entries);
            CHECK(same(f.subject, f.subject_len, str_of(json_get(ex, "subject"))), "%s: subject", name);
            CHECK(ver && ver->kind == J_NUM ? (f.has_version && f.version == ver->num) : !f.has_version,
                  "%s: version", name);
            CHECK(f.content_format == -1 && same(f.media_type, f.media_type_len, "application/vnd.sealkit.tree+cbor"),
                  "%s: media type", name);
            CHECK(LIB(sealkit_tree_verifier_counts(&t, &count, &left, &n_excl)) == 0 && count == n_entries &&
                      left == 0 && excl && n_excl == excl->len,
                  "%s: counts", name);
            for (i = 0; excl && i <= excl->len; i++) {
                const char *p = (const char *)1;
                size_t n = 1;
                CHECK(LIB(sealkit_tree_verifier_exclusion(&t, i, &p, &n)) == 0, "%s: exclusion %zu", name, i);
                if (i < excl->len) {
                    CHECK(p && same(p, n, excl->items[i]->str), "%s: exclusion %zu is %.*s", name, i, (int)n, p);
                } else {
                    CHECK(p == NULL && n == 0, "%s: exclusion past the last", name);
                }
            }
            CHECK(LIB(sealkit_tree_verifier_finish(&t, &f)) == SEALKIT_ERR_ALREADY_FINISHED, "%s: second finish", name);
        }
    } else {
        CHECK(rc == (int)code->num, "%s (chunk %zu): got %d (%s) at %s, expected %d", name, chunk, rc,
              sealkit_error_name(rc), stage, (int)code->num);
        CHECK(strcmp(sealkit_error_name(rc), str_of(json_get(ex, "error"))) == 0, "%s: name %s", name,
              sealkit_error_name(rc));
        CHECK(strcmp(stage, str_of(json_get(ex, "stage"))) == 0, "%s (chunk %zu): stage %s", name, chunk, stage);
        if (rc) expect_sticky(&t, rc, name, chunk);
    }
    CHECK(LIB(sealkit_tree_verifier_abort(&t)) == 0, "%s: abort", name);
}

int main(int argc, char **argv) {
    FILE *fp;
    char *text, err[128];
    long size;
    json *root;
    const json *cases;
    size_t i, k;
    const size_t chunks[] = {(size_t)-1, 1, 7, 64, 4096};
#ifdef COUNT_ALLOCATIONS
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
#endif
    if (argc != 2 || !(fp = fopen(argv[1], "rb"))) {
        fprintf(stderr, "usage: tree_vectors tree-vectors.json\n");
        return 2;
    }
    fseek(fp, 0, SEEK_END);
    size = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    text = (char *)malloc((size_t)size + 1);
    if (!text || fread(text, 1, (size_t)size, fp) != (size_t)size) return 2;
    fclose(fp);
    root = json_parse(text, (size_t)size, err, sizeof err);
    if (!root) {
        fprintf(stderr, "bad JSON: %s\n", err);
        free(text);
        return 2;
    }
    if (strcmp(str_of(json_get(root, "format")), "sealkit-tree-vectors") != 0 || !json_get(root, "version") ||
        json_get(root, "version")->num != 1) {
        fprintf(stderr, "unsupported tree vector file (this harness knows version 1)\n");
        json_free(root);
        free(text);
        return 1;
    }
    cases = json_get(root, "cases");
    CHECK(cases && cases->len >= 20, "too few cases");
    for (i = 0; cases && i < cases->len; i++) {
        size_t len;
        uint8_t *sig = unhex(str_of(json_get(cases->items[i], "sig")), &len);
        for (k = 0; k < sizeof chunks / sizeof chunks[0]; k++) run(cases->items[i], sig, len, chunks[k], 0);
        run(cases->items[i], sig, len, 13, 1);
        free(sig);
    }
    printf("tree_vectors: %zu cases, %zu runs, %d checks, %d failures\n", cases ? cases->len : 0, runs, checks,
           failures);
#ifdef COUNT_ALLOCATIONS
    printf("tree_vectors: %ld allocations inside libsealkit\n", allocations);
    if (allocations != 0) failures++;
#endif
    json_free(root);
    free(text);
    return failures ? 1 : 0;
}
