/* fuzz_svc_ssh: the ssh service's stream (the identification line, then
 * binary packets and KEXINIT's name-lists); see fuzz_svc.h. */
#include "fuzz_svc.h"

static const char cfg[] =
	FZ_SENSOR
	"create lin\n"
	"set lin personality \"Linux 2.6.32\"\n"
	"add lin tcp port 22 internal \"ssh\"\n"
	"bind 10.0.0.50 lin\n";

static struct conf *conf;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_svc_tcp(&conf, cfg, 22, data, size);
}
