/*
 * lpm_bench: DPDK's rte_lpm (DIR-24-8) on exactly the tables and probes of
 * gopkt's BenchmarkNextHopScale and BenchmarkNextHopBurstScale, written by
 * `go test ./stack/route -run TestPeerInput -route.peer-dump DIR`.
 *
 * Usage (EAL args first): lpm_bench EAL... -- DIR ITERS
 * For each of routes-1.bin and routes-1000000.bin it builds an rte_lpm,
 * then times, over the same 1 Mi uniformly random probes in the same
 * order as the Go benchmarks:
 *   single: rte_lpm_lookup per address (the 24-bit next-hop id)
 *   bulk:   rte_lpm_lookup_bulk of 32 addresses per call
 * and prints wall and thread-CPU nanoseconds per lookup, like the Go
 * benchmarks' ns/op and cpu-ns/op. Record format: see TestPeerInput.
 *
 * The same work as gopkt's NextHop and NextHopBurst: rte_lpm gives a
 * next-hop id, gopkt's table an interface and the address to resolve, so
 * each id is turned into that here too, from the table's next hops
 * (hops-N.bin: gateway, interface) as l3fwd reads its port table: the
 * interface and dst & keep | gateway (keep all ones for an on-link route).
 * Single lookups add the interface and the address to a checksum, as the
 * Go benchmark does; a bulk call fills all 32 results (address, interface,
 * found), as NextHopBurst's Hop array, and the checksum takes the first.
 */
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lpm.h>

#define BULK 32

/* hop is gopkt's next-hop record (stack/route/plane.go): the address to
 * resolve for dst is dst & keep | gw. */
struct hop {
	uint32_t gw, keep;
	int32_t ifindex;
};

/* result is gopkt's route.Hop, what NextHopBurst writes per address. */
struct result {
	uint32_t addr;
	int32_t ifindex;
	uint8_t ok;
};

static double clk(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		perror(path);
		exit(1);
	}
	fseek(f, 0, SEEK_END);
	*len = ftell(f);
	fseek(f, 0, SEEK_SET);
	void *b = malloc(*len);
	if (b == NULL || fread(b, 1, *len, f) != *len) {
		fprintf(stderr, "lpm_bench: reading %s failed\n", path);
		exit(1);
	}
	fclose(f);
	return b;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void run(const char *dir, int n, const uint32_t *ips, size_t nips, long iters)
{
	char path[4096];
	size_t len;
	snprintf(path, sizeof(path), "%s/routes-%d.bin", dir, n);
	uint8_t *rs = slurp(path, &len);
	size_t nr = len / 12;
	uint32_t def = 0;
	snprintf(path, sizeof(path), "%s/hops-%d.bin", dir, n);
	uint8_t *hb = slurp(path, &len);
	size_t nhops = len / 12;
	struct hop *hops = calloc(nhops, sizeof(*hops));
	for (size_t i = 0; i < nhops; i++) {
		const uint8_t *h = hb + 12 * i;
		hops[i].gw = be32(h);
		hops[i].keep = h[8] ? 0xffffffff : 0;
		hops[i].ifindex = (int32_t)(h[4] | h[5] << 8 | h[6] << 16 | (uint32_t)h[7] << 24);
	}
	free(hb);

	struct rte_lpm_config cfg = {
		.max_rules = nr + 16,
		.number_tbl8s = 1 << 12,
	};
	char name[32];
	snprintf(name, sizeof(name), "lpm%d", n);
	struct rte_lpm *lpm = rte_lpm_create(name, SOCKET_ID_ANY, &cfg);
	if (lpm == NULL) {
		fprintf(stderr, "lpm_bench: rte_lpm_create: %s\n", rte_strerror(rte_errno));
		exit(1);
	}
	for (size_t i = 0; i < nr; i++) {
		const uint8_t *r = rs + 12 * i;
		uint32_t nh = r[8] | r[9] << 8 | r[10] << 16 | (uint32_t)r[11] << 24;
		if (r[4] == 0) {
			/* rte_lpm has no depth 0: a miss is the default route,
			 * as in DPDK's l3fwd. */
			def = nh;
			continue;
		}
		if (rte_lpm_add(lpm, be32(r), r[4], nh) != 0) {
			fprintf(stderr, "lpm_bench: rte_lpm_add route %zu failed\n", i);
			exit(1);
		}
	}

	uint64_t sum = 0;
	uint32_t nh;
	size_t mask = nips - 1;
	double w0 = clk(CLOCK_MONOTONIC), c0 = clk(CLOCK_THREAD_CPUTIME_ID);
	for (long i = 0; i < iters; i++) {
		uint32_t ip = ips[i & mask];
		if (rte_lpm_lookup(lpm, ip, &nh) != 0)
			nh = def;
		const struct hop *h = &hops[nh];
		sum += h->ifindex + (ip & h->keep | h->gw);
	}
	double sw = (clk(CLOCK_MONOTONIC) - w0) / iters, sc = (clk(CLOCK_THREAD_CPUTIME_ID) - c0) / iters;

	uint32_t ids[BULK];
	struct result out[BULK];
	w0 = clk(CLOCK_MONOTONIC);
	c0 = clk(CLOCK_THREAD_CPUTIME_ID);
	for (long i = 0; i < iters; i += BULK) {
		const uint32_t *in = &ips[i & mask];
		rte_lpm_lookup_bulk(lpm, in, ids, BULK);
		for (int j = 0; j < BULK; j++) {
			uint32_t id = ids[j] & RTE_LPM_LOOKUP_SUCCESS ? ids[j] & 0xffffff : def;
			const struct hop *h = &hops[id];
			out[j].addr = in[j] & h->keep | h->gw;
			out[j].ifindex = h->ifindex;
			out[j].ok = 1;
		}
		sum += out[0].ifindex + out[0].addr;
	}
	double bw = (clk(CLOCK_MONOTONIC) - w0) / iters, bc = (clk(CLOCK_THREAD_CPUTIME_ID) - c0) / iters;

	/* rte_lpm's tables: tbl24 (2^24 entries), the tbl8 groups and the
	 * rules table, 4-byte entries and 8-byte rules (rte_lpm.h). */
	double bytes = (double)(1 << 24) * 4 + (double)cfg.number_tbl8s * 256 * 4 + (double)cfg.max_rules * 8;
	printf("routes %d bytes %.0f bytes_per_route %.1f single_ns %.2f single_cpu_ns %.2f bulk_ns %.2f bulk_cpu_ns %.2f (checksum %llu)\n",
	       n, bytes, bytes / nr, sw, sc, bw, bc, (unsigned long long)sum);
	rte_lpm_free(lpm);
	free(rs);
	free(hops);
}

int main(int argc, char **argv)
{
	int used = rte_eal_init(argc, argv);
	if (used < 0) {
		fprintf(stderr, "lpm_bench: rte_eal_init failed\n");
		return 1;
	}
	argc -= used;
	argv += used;
	if (argc < 3) {
		fprintf(stderr, "usage: lpm_bench EAL-ARGS -- DIR ITERS\n");
		return 2;
	}
	const char *dir = argv[1];
	long iters = atol(argv[2]);
	char path[4096];
	size_t len;
	snprintf(path, sizeof(path), "%s/probes.bin", dir);
	uint8_t *raw = slurp(path, &len);
	size_t nips = len / 4;
	if (nips == 0 || (nips & (nips - 1)) != 0 || iters % BULK != 0) {
		fprintf(stderr, "lpm_bench: need a power-of-two number of probes and ITERS a multiple of %d\n", BULK);
		return 1;
	}
	uint32_t *ips = malloc(nips * 4);
	for (size_t i = 0; i < nips; i++)
		ips[i] = be32(raw + 4 * i);
	free(raw);
	run(dir, 1, ips, nips, iters);
	run(dir, 1000000, ips, nips, iters);
	rte_eal_cleanup();
	return 0;
}
