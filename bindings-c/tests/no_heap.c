/* libsealkit never allocates: a whole verification (policy, init, update, finish, one-shot,
   key parsing, error strings) runs with every allocator entry point wrapped and counted
   (linked with -Wl,--wrap=malloc,...). Usage: no_heap VECTORS.json */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "sealkit.h"

/* volatile: the compiler must not drop or move the stores around the calls it watches. */
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

static uint8_t env[SEALKIT_MAX_ENVELOPE_LEN], *art;
static size_t env_len, art_len;
static char key[128];
static size_t key_len;

static size_t unhex(const char *s, uint8_t *out) {
    size_t n = strlen(s) / 2, i;
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
    if (!fp || fseek(fp, 0, SEEK_END) || (size = ftell(fp)) < 0 || fseek(fp, 0, SEEK_SET)) exit(1);
    text = (char *)malloc((size_t)size);
    if (!text || fread(text, 1, (size_t)size, fp) != (size_t)size) exit(1);
    fclose(fp);
    root = json_parse(text, (size_t)size, err, sizeof err);
    free(text);
    if (!root) exit(1);
    cases = json_get(root, "cases");
    for (i = 0; cases && i < cases->len; i++) {
        const json *c = cases->items[i], *hex;
        if (strcmp(json_get(c, "name")->str, "ok_sha512") != 0) continue;
        key_len = json_get(json_get(c, "public_keys")->items[0], "key")->str_len;
        memcpy(key, json_get(json_get(c, "public_keys")->items[0], "key")->str, key_len + 1);
        if (json_get(c, "envelope_hex")->str_len / 2 > sizeof env) exit(1);
        env_len = unhex(json_get(c, "envelope_hex")->str, env);
        hex = json_get(json_get(c, "artifact"), "hex");
        art = (uint8_t *)malloc(hex->str_len / 2 + 1);
        if (!art) exit(1);
        art_len = unhex(hex->str, art);
    }
    json_free(root);
    if (!env_len || !art) { fprintf(stderr, "case ok_sha512 not found\n"); exit(1); }
}

int main(int argc, char **argv) {
    sealkit_policy policy = SEALKIT_POLICY_INIT;
    sealkit_verifier v = SEALKIT_VERIFIER_INIT;
    sealkit_facts f;
    uint8_t raw[32], kid[8];
    int rc = 0, fails = 0;
    void *volatile probe; /* volatile: the compiler may not elide the malloc/free pair */

    if (argc != 2) return 2;
    load(argv[1]);

    /* The counter sees allocations (so a zero below means something). */
    counting = 1;
    probe = malloc(16);
    counting = 0;
    free(probe);
    if (allocations != 1) { fprintf(stderr, "FAIL the malloc wrapper is not in effect\n"); return 1; }
    allocations = 0;

    counting = 1;
    rc |= sealkit_public_key_from_text(key, key_len, raw, kid);
    rc |= sealkit_policy_init(&policy);
    rc |= sealkit_policy_trust_key(&policy, raw, sizeof raw);
    rc |= sealkit_policy_require_subject(&policy, "firmware.bin", 12);
    rc |= sealkit_verifier_init(&v, env, env_len, &policy);
    rc |= sealkit_verifier_update(&v, art, 5);
    rc |= sealkit_verifier_update(&v, art + 5, art_len - 5);
    rc |= sealkit_verifier_finish(&v, &f);
    rc |= sealkit_verifier_abort(&v);
    rc |= sealkit_verify(env, env_len, art, art_len, &policy, &f);
    fails += sealkit_verify(env, env_len, art, art_len - 1, &policy, &f) != SEALKIT_ERR_ARTIFACT_TOO_SHORT;
    fails += sealkit_verifier_update(&v, art, 1) != SEALKIT_ERR_NOT_STARTED;
    fails += sealkit_error_message(SEALKIT_ERR_NOT_STARTED)[0] == 0;
    fails += sealkit_error_name(12345)[0] == 0;
    counting = 0;

    if (rc != 0 || fails) { fprintf(stderr, "FAIL verification did not go as expected (%d, %d)\n", rc, fails); return 1; }
    free(art);
    printf("no_heap: %ld allocations during verification\n", allocations);
    return allocations == 0 ? 0 : 1;
}
