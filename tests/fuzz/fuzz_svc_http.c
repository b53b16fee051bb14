/* fuzz_svc_http: the http and http-proxy services' streams; see fuzz_svc.h.
 * The cut byte's top bit also picks the service: clear http on an IIS
 * template, set the proxy. */
#include "fuzz_svc.h"

static const char cfg[] =
	FZ_SENSOR
	"create win\n"
	"set win personality \"Microsoft Windows 2000 SP4\"\n"
	"add win tcp port 80 internal \"http\"\n"
	"add win tcp port 3128 internal \"http-proxy\"\n"
	"bind 10.0.0.50 win\n";

static struct conf *conf;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint16_t port = size > 0 && (data[0] & 0x80) ? 3128 : 80;

	return fuzz_svc_tcp(&conf, cfg, port, data, size);
}
