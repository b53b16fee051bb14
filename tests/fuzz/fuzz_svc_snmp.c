/* fuzz_svc_snmp: datagrams to the snmp service; see fuzz_svc.h. */
#include "fuzz_svc.h"

static const char cfg[] =
	FZ_SENSOR
	"create win\n"
	"set win personality \"Microsoft Windows XP\"\n"
	"add win udp port 161 internal \"snmp\"\n"
	"bind 10.0.0.50 win\n";

static struct conf *conf;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_svc_udp(&conf, cfg, 161, data, size);
}
