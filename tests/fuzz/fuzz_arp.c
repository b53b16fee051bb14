/* fuzz_arp: ARP messages; see fuzz_net.h. */
#include "fuzz_net.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_net(decode_arp, encode_arp, data, size);
}
