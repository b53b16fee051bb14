/* fuzz_eth: Ethernet frames, the whole stack below; see fuzz_net.h. */
#include "fuzz_net.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_net(decode_eth, encode_eth, data, size);
}
