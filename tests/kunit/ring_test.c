// SPDX-License-Identifier: GPL-2.0
/*
 * kiwi_ring: the shared rings (drivers/kiwi/ring.[ch]) and what the
 * kernel does with entries a process wrote into them.  A user ring's
 * header and entries are process memory: its indices can be anything,
 * and its work requests can ask for anything.  The kernel must neither
 * read outside the ring nor act on a request it has not validated.
 *
 * Copyright (c) 2026 The kiwi authors
 */
#include <kunit/test.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/sizes.h>

#include "kiwi_kunit.h"
#include "kiwi_test.h"

static void ring_release(void *data)
{
	kiwi_ring_free(data);
}

/* A kernel-only ring of @want entries of @esize bytes. */
static struct kiwi_ring *test_ring(struct kunit *test, u32 want, u32 esize)
{
	struct kiwi_ring *ring = kunit_kzalloc(test, sizeof(*ring), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, ring);
	KUNIT_ASSERT_EQ(test, kiwi_ring_alloc(ring, want, esize, NULL), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, ring_release,
							ring), 0);
	return ring;
}

/* Sizes: rounded up to a power of two, at least KIWI_MIN_RING, bounded. */
static void ring_alloc_sizes(struct kunit *test)
{
	static const u32 want[] = { 1, 3, 4, 5, 64, 100, 4096, KIWI_MAX_CQE };
	struct kiwi_ring ring;
	unsigned int i;
	u32 n;

	for (i = 0; i < ARRAY_SIZE(want); i++) {
		KUNIT_ASSERT_EQ(test, kiwi_ring_alloc(&ring, want[i], 32, NULL), 0);
		n = kiwi_ring_size(&ring);
		KUNIT_EXPECT_TRUE(test, is_power_of_2(n));
		KUNIT_EXPECT_GE(test, n, want[i]);
		KUNIT_EXPECT_GE(test, n, (u32)KIWI_MIN_RING);
		KUNIT_EXPECT_LT(test, n / 2, max_t(u32, want[i], KIWI_MIN_RING));
		KUNIT_EXPECT_EQ(test, ring.bytes % PAGE_SIZE, 0);
		KUNIT_EXPECT_GE(test, ring.bytes,
				(size_t)KIWI_RING_HDR_SIZE + (size_t)n * 32);
		KUNIT_EXPECT_PTR_EQ(test, ring.entries,
				    (void *)ring.hdr + KIWI_RING_HDR_SIZE);
		KUNIT_EXPECT_EQ(test, ring.hdr->prod, 0u);
		KUNIT_EXPECT_EQ(test, ring.hdr->cons, 0u);
		kiwi_ring_free(&ring);
	}
	KUNIT_EXPECT_EQ(test, kiwi_ring_alloc(&ring, 0, 32, NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, kiwi_ring_alloc(&ring, KIWI_MAX_CQE + 1, 32, NULL),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, kiwi_ring_alloc(&ring, U32_MAX, 32, NULL), -EINVAL);
}

/* Every u32 index names an entry inside the ring. */
static void ring_entry_masks(struct kunit *test)
{
	struct kiwi_ring *ring = test_ring(test, 8, 128);
	void *end = ring->entries + kiwi_ring_size(ring) * 128;
	int i;

	KUNIT_EXPECT_PTR_EQ(test, kiwi_ring_entry(ring, 8), ring->entries);
	KUNIT_EXPECT_PTR_EQ(test, kiwi_ring_entry(ring, 9),
			    ring->entries + 128);
	KUNIT_EXPECT_PTR_EQ(test, kiwi_ring_entry(ring, U32_MAX),
			    ring->entries + 7 * 128);
	for (i = 0; i < 1000; i++) {
		void *e = kiwi_ring_entry(ring, get_random_u32());

		KUNIT_ASSERT_TRUE(test, e >= ring->entries && e + 128 <= end);
	}
}

/*
 * Consumer side: the producer index is the other side's.  Anything from
 * 0 to the ring size ahead of our consumer index is fine, across the u32
 * wrap; anything else is corruption (-EIO), not a huge count.
 */
static void ring_avail_indices(struct kunit *test)
{
	static const struct {
		u32 cons;
		u32 prod;
		int want;
	} c[] = {
		{ 0, 0, 0 },
		{ 0, 8, 8 },
		{ 0, 9, -EIO },
		{ 5, 4, -EIO },			/* producer went back */
		{ U32_MAX - 1, 2, 4 },		/* across the wrap */
		{ U32_MAX - 3, 4, 8 },
		{ U32_MAX - 3, 5, -EIO },
		{ 100, 100 + U32_MAX / 2, -EIO },
		{ 7, 15, 8 },
	};
	struct kiwi_ring *ring = test_ring(test, 8, 128);
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(c); i++) {
		ring->cons = c[i].cons;
		ring->hdr->prod = c[i].prod;
		KUNIT_EXPECT_EQ_MSG(test, kiwi_ring_avail(ring), c[i].want,
				    "cons %u prod %u", c[i].cons, c[i].prod);
	}
	ring->cons = 41;
	kiwi_ring_publish_cons(ring);
	KUNIT_EXPECT_EQ(test, ring->hdr->cons, 41u);
}

/*
 * Producer side (CQ): a consumer index the process corrupted reads as a
 * full ring, so the process loses its own completions and nothing else.
 */
static void ring_space_indices(struct kunit *test)
{
	static const struct {
		u32 prod;
		u32 cons;
		u32 want;
	} c[] = {
		{ 0, 0, 8 },
		{ 8, 0, 0 },
		{ 5, 2, 5 },
		{ 2, U32_MAX - 1, 4 },		/* across the wrap */
		{ 0, 1, 0 },			/* consumer ahead: corrupt */
		{ 20, 0, 0 },			/* more than a ring apart */
	};
	struct kiwi_ring *ring = test_ring(test, 8, 32);
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(c); i++) {
		ring->prod = c[i].prod;
		ring->hdr->cons = c[i].cons;
		KUNIT_EXPECT_EQ_MSG(test, kiwi_ring_space(ring), c[i].want,
				    "prod %u cons %u", c[i].prod, c[i].cons);
	}
	ring->prod = 77;
	kiwi_ring_publish_prod(ring);
	KUNIT_EXPECT_EQ(test, ring->hdr->prod, 77u);
}

/* A QP with an RQ ring and nothing else. */
static struct kiwi_qp *test_rq_qp(struct kunit *test, u32 depth)
{
	struct kiwi_qp *qp = kunit_kzalloc(test, sizeof(*qp), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, qp);
	KUNIT_ASSERT_EQ(test, kiwi_ring_alloc(&qp->rq, depth,
					      sizeof(struct kiwi_rqe), NULL), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, ring_release,
							&qp->rq), 0);
	spin_lock_init(&qp->rq_lock);
	return qp;
}

/*
 * Taking receive WRs: entries come out in order with their contents, the
 * consumer index is published, and a corrupt producer index is -EIO
 * without consuming anything.
 */
static void rq_get_rqe(struct kunit *test)
{
	struct kiwi_qp *qp = test_rq_qp(test, 4);
	struct kiwi_rqe rqe, *e;
	u32 i;

	KUNIT_EXPECT_EQ(test, kiwi_qp_get_rqe(qp, &rqe), -ENOENT);
	for (i = 0; i < 4; i++) {
		e = kiwi_ring_entry(&qp->rq, i);
		e->wr_id = 100 + i;
		e->num_sge = i;
	}
	/* As a provider publishes: the entries, then the index. */
	smp_store_release(&qp->rq.hdr->prod, 3);
	for (i = 0; i < 3; i++) {
		KUNIT_ASSERT_EQ(test, kiwi_qp_get_rqe(qp, &rqe), 0);
		KUNIT_EXPECT_EQ(test, rqe.wr_id, 100ull + i);
		KUNIT_EXPECT_EQ(test, rqe.num_sge, i);
		KUNIT_EXPECT_EQ(test, qp->rq.hdr->cons, i + 1);
	}
	KUNIT_EXPECT_EQ(test, kiwi_qp_get_rqe(qp, &rqe), -ENOENT);

	/* The process claims more entries than the ring holds. */
	WRITE_ONCE(qp->rq.hdr->prod, 3 + 5);
	KUNIT_EXPECT_EQ(test, kiwi_qp_get_rqe(qp, &rqe), -EIO);
	KUNIT_EXPECT_EQ(test, qp->rq.cons, 3u);
	/* ...or moves the producer index backwards. */
	WRITE_ONCE(qp->rq.hdr->prod, 2);
	KUNIT_EXPECT_EQ(test, kiwi_qp_get_rqe(qp, &rqe), -EIO);
	KUNIT_EXPECT_EQ(test, qp->rq.cons, 3u);
	KUNIT_EXPECT_EQ(test, qp->rq.hdr->cons, 3u);
}

/* The same through an SRQ, with its limit event armed. */
static void srq_get_rqe(struct kunit *test)
{
	struct kiwi_srq *srq = kunit_kzalloc(test, sizeof(*srq), GFP_KERNEL);
	struct kiwi_rqe rqe;

	KUNIT_ASSERT_NOT_NULL(test, srq);
	KUNIT_ASSERT_EQ(test, kiwi_ring_alloc(&srq->ring, 8,
					      sizeof(struct kiwi_rqe), NULL), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, ring_release,
							&srq->ring), 0);
	spin_lock_init(&srq->lock);

	KUNIT_EXPECT_EQ(test, kiwi_srq_get_rqe(srq, &rqe), -ENOENT);
	WRITE_ONCE(srq->ring.hdr->prod, 9);
	KUNIT_EXPECT_EQ(test, kiwi_srq_get_rqe(srq, &rqe), -EIO);
	WRITE_ONCE(srq->ring.hdr->prod, 8);
	KUNIT_EXPECT_EQ(test, kiwi_srq_get_rqe(srq, &rqe), 0);
	KUNIT_EXPECT_EQ(test, srq->ring.hdr->cons, 1u);
}

/* ---- Send queue entries written by a process ---- */

#define SQ_KEY		0x42
#define SQ_STAG		(3 << KIWI_STAG_KEY_BITS | SQ_KEY)	/* writable */
#define SQ_RO_STAG	(4 << KIWI_STAG_KEY_BITS | SQ_KEY)	/* read-only */
#define SQ_BIG_STAG	(5 << KIWI_STAG_KEY_BITS | SQ_KEY)	/* 4 GiB */
#define SQ_BASE		0x20000ull
#define SQ_LEN		0x4000ull
#define SQ_LW_RW	(IB_ACCESS_LOCAL_WRITE | IB_ACCESS_REMOTE_WRITE)

struct sqe_case {
	const char *name;
	u8 opcode;
	u8 flags;
	u8 num_sge;
	u32 inline_len;
	struct kiwi_sge sge[3];
	u8 want;
	u32 length;		/* w->length on success */
};

static const struct sqe_case sqe_cases[] = {
	{ "send, two SGEs", KIWI_WR_SEND, KIWI_SQE_SIGNALED, 2, 0,
	  { { SQ_BASE, 100, SQ_STAG }, { SQ_BASE + 200, 50, SQ_STAG } },
	  KIWI_WC_SUCCESS, 150 },
	{ "write, zero-length SGE skips the lookup", KIWI_WR_WRITE, 0, 2, 0,
	  { { 0, 0, 0xdeadbeef }, { SQ_BASE, 8, SQ_STAG } },
	  KIWI_WC_SUCCESS, 8 },
	{ "read into a writable sink", KIWI_WR_READ, 0, 1, 0,
	  { { SQ_BASE, SQ_LEN, SQ_STAG } }, KIWI_WC_SUCCESS, SQ_LEN },
	{ "no SGEs", KIWI_WR_SEND, 0, 0, 0, { }, KIWI_WC_SUCCESS, 0 },
	{ "inline", KIWI_WR_SEND, KIWI_SQE_INLINE, 0, 64, { },
	  KIWI_WC_SUCCESS, 64 },
	{ "unknown flag", KIWI_WR_SEND, 0x10, 0, 0, { },
	  KIWI_WC_LOC_QP_OP_ERR, 0 },
	{ "unknown opcode", 0x7f, 0, 0, 0, { }, KIWI_WC_LOC_QP_OP_ERR, 0 },
	{ "reserved atomic opcode", KIWI_WR_ATOMIC_CS, 0, 0, 0, { },
	  KIWI_WC_LOC_QP_OP_ERR, 0 },
	{ "REG_MR from a process", KIWI_WR_REG_MR, 0, 0, 0, { },
	  KIWI_WC_LOC_QP_OP_ERR, 0 },
	{ "LOCAL_INV from a process", KIWI_WR_LOCAL_INV, 0, 0, 0, { },
	  KIWI_WC_LOC_QP_OP_ERR, 0 },
	{ "READ_INV from a process", KIWI_WR_READ_INV, 0, 0, 0, { },
	  KIWI_WC_LOC_QP_OP_ERR, 0 },
	{ "inline longer than the QP allows", KIWI_WR_SEND, KIWI_SQE_INLINE,
	  0, 65, { }, KIWI_WC_LOC_LEN_ERR, 0 },
	{ "inline longer than the entry", KIWI_WR_SEND, KIWI_SQE_INLINE, 0,
	  U32_MAX, { }, KIWI_WC_LOC_LEN_ERR, 0 },
	{ "inline read", KIWI_WR_READ, KIWI_SQE_INLINE, 0, 8, { },
	  KIWI_WC_LOC_LEN_ERR, 0 },
	{ "more SGEs than the QP allows", KIWI_WR_SEND, 0, 3, 0, { },
	  KIWI_WC_LOC_LEN_ERR, 0 },
	{ "more SGEs than the entry holds", KIWI_WR_SEND, 0, 0xff, 0, { },
	  KIWI_WC_LOC_LEN_ERR, 0 },
	{ "read with two sinks", KIWI_WR_READ, 0, 2, 0,
	  { { SQ_BASE, 8, SQ_STAG }, { SQ_BASE + 8, 8, SQ_STAG } },
	  KIWI_WC_LOC_LEN_ERR, 0 },
	{ "message of 2 GiB", KIWI_WR_SEND, 0, 2, 0,
	  { { SQ_BASE, 0x7fffffffu, SQ_BIG_STAG },
	    { SQ_BASE, 1, SQ_BIG_STAG } }, KIWI_WC_SUCCESS, 0x80000000u },
	{ "message longer than 2 GiB", KIWI_WR_SEND, 0, 2, 0,
	  { { SQ_BASE, 0x80000000u, SQ_BIG_STAG },
	    { SQ_BASE, 1, SQ_BIG_STAG } }, KIWI_WC_LOC_LEN_ERR, 0 },
	{ "unknown STag", KIWI_WR_SEND, 0, 1, 0,
	  { { SQ_BASE, 8, SQ_STAG + 1 } }, KIWI_WC_LOC_PROT_ERR, 0 },
	{ "SGE past the region", KIWI_WR_SEND, 0, 1, 0,
	  { { SQ_BASE + SQ_LEN - 4, 8, SQ_STAG } }, KIWI_WC_LOC_LEN_ERR, 0 },
	{ "SGE address wraps", KIWI_WR_SEND, 0, 1, 0,
	  { { U64_MAX - 3, 8, SQ_STAG } }, KIWI_WC_LOC_LEN_ERR, 0 },
	{ "read into a read-only region", KIWI_WR_READ, 0, 1, 0,
	  { { SQ_BASE, 8, SQ_RO_STAG } }, KIWI_WC_LOC_PROT_ERR, 0 },
	{ "good SGE then a bad one", KIWI_WR_SEND, 0, 2, 0,
	  { { SQ_BASE, 8, SQ_STAG }, { SQ_BASE, 8, SQ_STAG ^ 1 } },
	  KIWI_WC_LOC_PROT_ERR, 0 },
};

static void sqe_desc(const struct sqe_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(sqe, sqe_cases, sqe_desc);

/*
 * kiwi_tx_prepare() on an entry of a user QP's SQ (max_send_sge 2,
 * max_inline 64), with a writable region under SQ_STAG, a read-only one
 * under SQ_RO_STAG and a 4 GiB one (never touched) under SQ_BIG_STAG.
 * Whatever it decides, the references it took are the caller's to drop
 * and must be exactly those of the SGEs it looked up, besides the one of
 * the transmitter's MR cache.
 */
static void sqe_validation(struct kunit *test)
{
	const struct sqe_case *c = test->param_value;
	struct kiwi_device *kdev = kiwi_test_dev(test);
	struct ib_pd *pd = kiwi_test_pd(test);
	struct kiwi_mr *rw = kiwi_test_mr(test, kdev, pd, KIWI_MR_USER, 3,
					  SQ_KEY, SQ_LW_RW, SQ_BASE, SQ_LEN);
	struct kiwi_mr *ro = kiwi_test_mr(test, kdev, pd, KIWI_MR_USER, 4,
					  SQ_KEY, 0, SQ_BASE, SQ_LEN);
	struct kiwi_mr *big = kiwi_test_mr(test, kdev, pd, KIWI_MR_USER, 5,
					   SQ_KEY, SQ_LW_RW, SQ_BASE, SZ_4G);
	struct kiwi_qp *qp = kunit_kzalloc(test, sizeof(*qp), GFP_KERNEL);
	struct kiwi_sqe *sqe = kunit_kzalloc(test, sizeof(*sqe), GFP_KERNEL);
	struct kiwi_wqe *w;
	unsigned int i;
	u8 st;

	KUNIT_ASSERT_NOT_NULL(test, qp);
	KUNIT_ASSERT_NOT_NULL(test, sqe);
	qp->tx = kunit_kzalloc(test, sizeof(*qp->tx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, qp->tx);
	qp->kdev = kdev;
	qp->ibqp.pd = pd;
	qp->user = true;
	qp->max_send_sge = 2;
	qp->max_inline = 64;

	sqe->wr_id = 0x1234;
	sqe->opcode = c->opcode;
	sqe->flags = c->flags;
	sqe->num_sge = c->num_sge;
	sqe->inline_len = c->inline_len;
	if (c->flags & KIWI_SQE_INLINE)
		memset(sqe->inline_data, 0xab, sizeof(sqe->inline_data));
	else
		memcpy(sqe->sge, c->sge, sizeof(c->sge));

	st = kiwi_tx_prepare(qp, sqe, 17);
	KUNIT_EXPECT_EQ(test, st, c->want);
	w = &qp->tx->wqe;
	if (st == KIWI_WC_SUCCESS) {
		KUNIT_EXPECT_EQ(test, w->length, c->length);
		KUNIT_EXPECT_EQ(test, w->sq_idx, 17u);
		if (c->flags & KIWI_SQE_INLINE)
			KUNIT_EXPECT_EQ(test, w->inline_data[c->inline_len - 1],
					0xab);
	}
	for (i = 0; i < KIWI_MAX_SEND_SGE; i++) {
		bool looked_up = i < c->num_sge && i < ARRAY_SIZE(c->sge) &&
				 c->sge[i].length;

		if (!w->mr[i])
			continue;
		/* Only SGEs with bytes are looked up. */
		KUNIT_EXPECT_TRUE(test, looked_up);
		kiwi_mr_put(w->mr[i]);
		w->mr[i] = NULL;
	}
	if (qp->tx->mr_cache) {
		kiwi_mr_put(qp->tx->mr_cache);
		qp->tx->mr_cache = NULL;
	}
	KUNIT_EXPECT_EQ(test, refcount_read(&rw->ref), 1);
	KUNIT_EXPECT_EQ(test, refcount_read(&ro->ref), 1);
	KUNIT_EXPECT_EQ(test, refcount_read(&big->ref), 1);
}

static struct kunit_case kiwi_ring_cases[] = {
	KUNIT_CASE(ring_alloc_sizes),
	KUNIT_CASE(ring_entry_masks),
	KUNIT_CASE(ring_avail_indices),
	KUNIT_CASE(ring_space_indices),
	KUNIT_CASE(rq_get_rqe),
	KUNIT_CASE(srq_get_rqe),
	KUNIT_CASE_PARAM(sqe_validation, sqe_gen_params),
	{}
};

static struct kunit_suite kiwi_ring_suite = {
	.name = "kiwi_ring",
	.test_cases = kiwi_ring_cases,
};

kunit_test_suite(kiwi_ring_suite);
