/* fuzz_svc_mssql: datagrams to the ms-sql-m service; see fuzz_svc.h. */
#include "fuzz_svc.h"

static const char cfg[] =
	FZ_SENSOR
	"create winxp\n"
	"set winxp personality \"Microsoft Windows XP\"\n"
	"add winxp udp port 1434 internal \"ms-sql-m\"\n"
	"bind 10.0.0.50 winxp\n";

static struct conf *conf;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_svc_udp(&conf, cfg, 1434, data, size);
}
