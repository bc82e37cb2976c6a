/* placeholder: implementation in progress */
#include "common/common.h"
#include "reports/report.h"
