/* fuzz_svc_dns: datagrams to the dns service; see fuzz_svc.h. */
#include "fuzz_svc.h"

static const char cfg[] =
	FZ_SENSOR
	"create lin\n"
	"set lin personality \"Linux 2.6.32\"\n"
	"add lin udp port 53 internal \"dns\"\n"
	"bind 10.0.0.50 lin\n";

static struct conf *conf;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_svc_udp(&conf, cfg, 53, data, size);
}
