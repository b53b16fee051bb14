/*
 * IPv4/IPv6 addresses, CIDR prefixes, ranges and address sets.
 *
 * An address set is a sorted array of disjoint, non-adjacent ranges of one
 * or both families, so membership is a binary search and a /8 costs the same
 * as a single host.  Used for claimed ranges, bindings, whitelists and
 * blacklists.  Adding in ascending order is amortised O(1), anywhere else
 * O(log n + n / 128) (addr.c has the details).
 */
#ifndef DIAS_ADDR_H
#define DIAS_ADDR_H

#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>

#define ADDR_STRLEN	46	/* INET6_ADDRSTRLEN */
#define CIDR_STRLEN	(ADDR_STRLEN + 4)

struct addr {
	uint8_t	 af;		/* AF_INET or AF_INET6 */
	uint8_t	 a[16];		/* network order; IPv4 uses a[0..3], rest 0 */
};

struct cidr {
	struct addr	 addr;	/* host bits are always zero */
	uint8_t		 plen;
};

/* Parse/format.  Parsers return 0, or -1 with errno = EINVAL. */
int	 addr_parse(const char *, struct addr *);
int	 addr_fmt(const struct addr *, char *, size_t);
/* The host of "scheme://host[:port]/..." ("[v6]" without brackets) into
 * host (cap bytes); *rest (if not NULL) points just after it, at ":port",
 * "/..." or the end.  0, or -1 if there is no host or it does not fit. */
int	 addr_url_host(const char *url, char *host, size_t cap,
	    const char **rest);
/* "10.0.0.0/24", "2001:db8::/64" or a bare address (full-length prefix).
 * Host bits set below the prefix are an error: "10.0.0.1/24" is a typo. */
int	 cidr_parse(const char *, struct cidr *);
int	 cidr_fmt(const struct cidr *, char *, size_t);
/* "10.0.0.10-10.0.0.50": same family, lo <= hi. */
int	 range_parse(const char *, struct addr *lo, struct addr *hi);

void	 addr_from_v4(struct addr *, uint32_t be);	/* network order */
uint32_t addr_v4(const struct addr *);			/* network order */
int	 addr_cmp(const struct addr *, const struct addr *);
int	 addr_eq(const struct addr *, const struct addr *);
int	 addr_bits(const struct addr *);		/* 32 or 128 */
/* Step to the next/previous address; -1 on wrap-around (a stays unchanged). */
int	 addr_inc(struct addr *);
int	 addr_dec(struct addr *);
int	 cidr_contains(const struct cidr *, const struct addr *);
/* First and last address of a prefix. */
void	 cidr_bounds(const struct cidr *, struct addr *lo, struct addr *hi);

struct addrset;

struct addrset	*addrset_new(void);
void		 addrset_free(struct addrset *);
/* Add or remove [lo, hi] (same family, lo <= hi); -1 on bad input/ENOMEM. */
int		 addrset_add_range(struct addrset *, const struct addr *,
		    const struct addr *);
int		 addrset_del_range(struct addrset *, const struct addr *,
		    const struct addr *);
int		 addrset_add_cidr(struct addrset *, const struct cidr *);
int		 addrset_del_cidr(struct addrset *, const struct cidr *);
int		 addrset_add(struct addrset *, const struct addr *);
int		 addrset_contains(const struct addrset *, const struct addr *);
/* Number of addresses, saturating at UINT64_MAX (an IPv6 /64 is huge). */
uint64_t	 addrset_count(const struct addrset *);
size_t		 addrset_nranges(const struct addrset *);
/* The i-th range in ascending order (IPv4 before IPv6). */
int		 addrset_range(const struct addrset *, size_t i,
		    struct addr *lo, struct addr *hi);

/* Iterate every address in ascending order:
 *	struct addrset_iter it; struct addr a;
 *	addrset_iter_init(&it, set);
 *	while (addrset_iter_next(&it, &a)) ...			*/
struct addrset_iter {
	const struct addrset	*set;
	size_t			 range;
	struct addr		 next;
	int			 started;
};
void	 addrset_iter_init(struct addrset_iter *, const struct addrset *);
int	 addrset_iter_next(struct addrset_iter *, struct addr *);

#endif
