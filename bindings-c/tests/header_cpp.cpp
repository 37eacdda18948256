// The header compiled as C++ (extern "C" linkage, the aligned opaque types, the initialisers).
#include <cstdio>
#include <cstring>

#include "sealkit.h"

static_assert(sizeof(sealkit_verifier) == SEALKIT_VERIFIER_SIZE, "verifier size");
static_assert(alignof(sealkit_verifier) == SEALKIT_VERIFIER_ALIGN, "verifier alignment");
static_assert(sizeof(sealkit_policy) == SEALKIT_POLICY_SIZE, "policy size");
static_assert(alignof(sealkit_policy) == SEALKIT_POLICY_ALIGN, "policy alignment");

int main() {
    sealkit_policy policy = SEALKIT_POLICY_INIT;
    sealkit_verifier verifier = SEALKIT_VERIFIER_INIT;
    sealkit_facts facts;
    int rc = sealkit_verifier_init(&verifier, nullptr, 0, &policy);
    if (rc != SEALKIT_ERR_ENVELOPE_TRUNCATED) return 1;
    rc = sealkit_verify(nullptr, 0, nullptr, 0, &policy, &facts);
    if (rc != SEALKIT_ERR_ENVELOPE_TRUNCATED) return 1;
    if (std::strcmp(sealkit_error_name(rc), "envelope_truncated") != 0) return 1;
    std::printf("header as C++: libsealkit %s\n", sealkit_version());
    return 0;
}
