/* placeholder: implementation in progress */
#include "common/common.h"
#include "watchlist/watchlist.h"
