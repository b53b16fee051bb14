/* fuzz_svc_msrpc: the msrpc service (135): DCE/RPC connection-oriented
 * PDUs, binds, alter contexts, requests; see fuzz_svc.h. */
#include "fuzz_svc.h"

static const char cfg[] =
	FZ_SENSOR
	"create win\n"
	"set win personality \"Microsoft Windows 2000 SP4\"\n"
	"add win tcp port 135 internal \"msrpc\"\n"
	"bind 10.0.0.50 win\n";

static struct conf *conf;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_svc_tcp(&conf, cfg, 135, data, size);
}
