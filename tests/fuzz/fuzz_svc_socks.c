/* fuzz_svc_socks: the socks, mydoom and bagle services' streams; see
 * fuzz_svc.h.  The cut byte's top bits also pick the port: 0x00-0x3f
 * socks (1080), 0x40-0x7f mydoom (3127), 0x80-0xff bagle (2745). */
#include "fuzz_svc.h"

static const char cfg[] =
	FZ_SENSOR
	"create win\n"
	"set win personality \"Microsoft Windows XP\"\n"
	"add win tcp port 1080 internal \"socks\"\n"
	"add win tcp port 3127 internal \"mydoom\"\n"
	"add win tcp port 2745 internal \"bagle\"\n"
	"bind 10.0.0.50 win\n";

static struct conf *conf;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint16_t ports[4] = { 1080, 3127, 2745, 2745 };
	uint16_t port = size > 0 ? ports[data[0] >> 6] : 1080;

	return fuzz_svc_tcp(&conf, cfg, port, data, size);
}
