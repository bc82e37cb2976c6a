/* placeholder: implementation in progress */
#include "common/common.h"
#include "crawler/crawler.h"
