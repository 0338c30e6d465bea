/*
 * mempool_bench: DPDK's mempool on the pattern of gopkt's
 * BenchmarkCacheAllocFree32: bulk get and put of 32 objects through a
 * per-lcore cache, in a loop. It prints nanoseconds per buffer for
 *   raw:     rte_mempool_get_bulk / rte_mempool_put_bulk (no mbuf reset)
 *   pktmbuf: rte_pktmbuf_alloc_bulk / rte_pktmbuf_free_bulk (resets mbufs,
 *            like gopkt's Alloc does)
 * Run with EAL args: --no-huge --no-pci -l 0 -d <librte_mempool_ring.so>.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <rte_eal.h>
#include <rte_mempool.h>
#include <rte_mbuf.h>
#include <rte_lcore.h>
#include <rte_errno.h>

#define NBUF 8192
#define CACHE 256
#define BULK 32

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	int used = rte_eal_init(argc, argv);
	if (used < 0) {
		fprintf(stderr, "mempool_bench: rte_eal_init failed\n");
		return 1;
	}
	argc -= used;
	argv += used;
	long iters = argc > 1 ? atol(argv[1]) : 2000000;

	/* 2048 data room + 128 headroom, like gopkt's slots. */
	struct rte_mempool *mp = rte_pktmbuf_pool_create("bench", NBUF, CACHE, 0,
		RTE_MBUF_DEFAULT_BUF_SIZE, rte_socket_id());
	if (mp == NULL) {
		fprintf(stderr, "mempool_bench: pool create failed: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	void *objs[BULK];
	struct rte_mbuf *mbufs[BULK];

	/* Warm the cache. */
	for (long i = 0; i < 10000; i++) {
		if (rte_mempool_get_bulk(mp, objs, BULK) != 0)
			return 2;
		rte_mempool_put_bulk(mp, objs, BULK);
	}
	double t0 = now_ns();
	for (long i = 0; i < iters; i++) {
		if (rte_mempool_get_bulk(mp, objs, BULK) != 0)
			return 2;
		rte_mempool_put_bulk(mp, objs, BULK);
	}
	double raw = (now_ns() - t0) / ((double)iters * BULK);

	t0 = now_ns();
	for (long i = 0; i < iters; i++) {
		if (rte_pktmbuf_alloc_bulk(mp, mbufs, BULK) != 0)
			return 3;
		rte_pktmbuf_free_bulk(mbufs, BULK);
	}
	double pkt = (now_ns() - t0) / ((double)iters * BULK);

	printf("raw_ns_per_buf %.3f\npktmbuf_ns_per_buf %.3f\n", raw, pkt);
	rte_mempool_free(mp);
	rte_eal_cleanup();
	return 0;
}
