/* A minimal strict JSON reader for the conformance vectors: objects, arrays, strings (with
   escapes, \u included), non-negative integers up to 2^53 - 1, true, false, null. Anything
   else (fractions, exponents, negative numbers, trailing commas, trailing text) is refused. */
#ifndef SEALKIT_TEST_JSON_H
#define SEALKIT_TEST_JSON_H

#include <stddef.h>
#include <stdint.h>

typedef enum { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ } json_kind;

typedef struct json {
    json_kind kind;
    int b;
    uint64_t num;
    char *str;          /* J_STR: NUL-terminated; str_len bytes (may hold NUL) */
    size_t str_len;
    struct json **items; /* J_ARR values, J_OBJ values */
    char **keys;         /* J_OBJ keys */
    size_t len;
} json;

/* Parses text[0..len); NULL on any error (with a message in err). */
json *json_parse(const char *text, size_t len, char *err, size_t err_len);
void json_free(json *v);
/* Object member, or NULL if absent (or v is not an object). */
const json *json_get(const json *v, const char *key);

#endif
