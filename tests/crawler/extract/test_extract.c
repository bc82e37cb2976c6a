#include "common/common.h"
#include "tests/common/test.h"
int main(void){return test_finish();}
