/* main.c - entry point (command table comes with the orchestration). */
#include "common/common.h"
int main(void) { return 0; }
