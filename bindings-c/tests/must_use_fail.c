/* Must NOT compile with -Werror: the verdict of sealkit_verifier_update is ignored. The test
   script checks that the compiler refuses it (warn_unused_result). */
#include "sealkit.h"

int main(void) {
    sealkit_verifier v = SEALKIT_VERIFIER_INIT;
    sealkit_verifier_update(&v, 0, 0);
    return 0;
}
