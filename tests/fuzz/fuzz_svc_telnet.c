/* fuzz_svc_telnet: the telnet and login services' streams (option
 * negotiation, subnegotiation, login, the shell's command parser); see
 * fuzz_svc.h.  The cut byte's top bit picks the service: clear telnet,
 * set login. */
#include "fuzz_svc.h"

static const char cfg[] =
	FZ_SENSOR
	"create lin\n"
	"set lin personality \"Linux 2.6.32\"\n"
	"add lin tcp port 23 internal \"telnet\"\n"
	"add lin tcp port 2323 internal \"login\"\n"
	"bind 10.0.0.50 lin\n";

static struct conf *conf;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint16_t port = size > 0 && (data[0] & 0x80) ? 2323 : 23;

	return fuzz_svc_tcp(&conf, cfg, port, data, size);
}
