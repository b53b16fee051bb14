/* fuzz_ip4: IPv4 datagrams and what they carry; see fuzz_net.h. */
#include "fuzz_net.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_net(decode_ip4, encode_ip4, data, size);
}
