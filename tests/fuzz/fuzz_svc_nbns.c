/* fuzz_svc_nbns: datagrams to the netbios-ns service; see fuzz_svc.h. */
#include "fuzz_svc.h"

static const char cfg[] =
	FZ_SENSOR
	"create winxp\n"
	"set winxp personality \"Microsoft Windows XP\"\n"
	"add winxp udp port 137 internal \"netbios-ns\"\n"
	"bind 10.0.0.50 winxp\n";

static struct conf *conf;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_svc_udp(&conf, cfg, 137, data, size);
}
