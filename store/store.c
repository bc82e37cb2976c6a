/* placeholder: implementation in progress */
#include "common/common.h"
#include "store/store.h"
