/* fuzz_udp: UDP datagrams (no IP header: no pseudo-header); see fuzz_net.h. */
#include "fuzz_net.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_net(decode_udp, encode_udp, data, size);
}
