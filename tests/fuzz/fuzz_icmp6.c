/* fuzz_icmp6: ICMPv6 messages (no IP header: no pseudo-header)
 * (see fuzz_net.h). */
#include "fuzz_net.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_net(decode_icmp6, encode_icmp6, data, size);
}
