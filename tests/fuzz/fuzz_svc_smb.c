/* fuzz_svc_smb: the smb (445) and netbios-ssn (139) services' streams:
 * NBT framing, SMB1 and SMB2 up to 2.1, NTLMSSP, the pipes' DCE/RPC;
 * see fuzz_svc.h.  The cut byte's top bit picks the port: 0x00-0x7f
 * smb (445), 0x80-0xff netbios-ssn (139). */
#include "fuzz_svc.h"

static const char cfg[] =
	FZ_SENSOR
	"create win\n"
	"set win personality \"Microsoft Windows 7 Professional SP1\"\n"
	"add win tcp port 445 internal \"smb SHARED\"\n"
	"add win tcp port 139 internal \"netbios-ssn\"\n"
	"bind 10.0.0.50 win\n";

static struct conf *conf;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint16_t port = size > 0 && data[0] >= 0x80 ? 139 : 445;

	return fuzz_svc_tcp(&conf, cfg, port, data, size);
}
