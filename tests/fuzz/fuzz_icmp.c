/* fuzz_icmp: ICMP messages (no IP header: checksum only); see fuzz_net.h. */
#include "fuzz_net.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_net(decode_icmp, encode_icmp, data, size);
}
