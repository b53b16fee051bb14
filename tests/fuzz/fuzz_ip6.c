/* fuzz_ip6: IPv6 packets, extension headers and what they carry
 * (see fuzz_net.h). */
#include "fuzz_net.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_net(decode_ip6, encode_ip6, data, size);
}
