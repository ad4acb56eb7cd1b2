// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * kiwi: ibv_post_recv() and ibv_post_srq_recv() through the provider.
 *
 * Copyright (c) 2026 The kiwi authors
 */
#include <cerrno>
#include <cstring>
#include <vector>

#include "fake_kernel.h"

namespace kiwi_test {
namespace {

class PostRecv : public ProviderTest {};

ibv_recv_wr make_wr(uint64_t wr_id, ibv_sge *sg, int num)
{
	ibv_recv_wr wr{};
	wr.wr_id = wr_id;
	wr.sg_list = sg;
	wr.num_sge = num;
	return wr;
}

TEST_F(PostRecv, FillsOneEntryWithoutASyscall)
{
	Qp qp;
	ibv_sge sg[3] = { { 0x1000, 1, 1 }, { 0x2000, 2, 2 }, { 0x3000, 3, 3 } };
	ibv_recv_wr wr = make_wr(7, sg, 3);
	ibv_recv_wr *bad = nullptr;

	/* Old bytes in the slot must not leak through. */
	std::memset(qp.rq.slot<kiwi_rqe>(0), 0xff, sizeof(kiwi_rqe));
	ASSERT_EQ(kiwi_post_recv(qp.ibqp(), &wr, &bad), 0);
	ASSERT_EQ(qp.rq.pending(), 1u);
	const kiwi_rqe &e = qp.rqe(0);
	EXPECT_EQ(e.wr_id, 7u);
	EXPECT_EQ(e.num_sge, 3);
	for (uint8_t b : e.rsvd0)
		EXPECT_EQ(b, 0);
	for (int i = 0; i < 3; i++) {
		EXPECT_EQ(e.sge[i].addr, sg[i].addr);
		EXPECT_EQ(e.sge[i].length, sg[i].length);
		EXPECT_EQ(e.sge[i].lkey, sg[i].lkey);
	}
	EXPECT_EQ(syscalls.doorbells + syscalls.flush_kicks, 0);
	EXPECT_EQ(qp.sq.pending(), 0u);
}

struct RecvCase {
	int n;
	int num_sge;
	int ret;
};

const RecvCase recv_cases[] = {
	{ 1, 0, 0 },
	{ 2, 1, 0 },
	{ 3, KIWI_MAX_RECV_SGE, 0 },
	{ 4, KIWI_MAX_RECV_SGE + 1, EINVAL },
	{ 5, -1, EINVAL },
	{ 6, 1 << 30, EINVAL },
};

TEST_F(PostRecv, SgeLimitTable)
{
	std::vector<ibv_sge> sg(KIWI_MAX_RECV_SGE + 1, ibv_sge{ 0x1000, 8, 1 });

	for (const RecvCase &c : recv_cases) {
		SCOPED_TRACE(testing::Message() << "case " << c.n);
		Qp qp;
		ibv_recv_wr wr = make_wr(c.n, sg.data(), c.num_sge);
		ibv_recv_wr *bad = nullptr;

		ASSERT_EQ(kiwi_post_recv(qp.ibqp(), &wr, &bad), c.ret);
		EXPECT_EQ(qp.rq.pending(), c.ret ? 0u : 1u);
		EXPECT_EQ(bad, c.ret ? &wr : nullptr);
	}
}

TEST_F(PostRecv, LimitIsTheQpsNotTheSlots)
{
	QpConfig cfg;
	cfg.max_recv_sge = 2;
	Qp qp(cfg);
	ibv_sge sg[3] = {};
	ibv_recv_wr wr = make_wr(1, sg, 3);
	ibv_recv_wr *bad;

	EXPECT_EQ(kiwi_post_recv(qp.ibqp(), &wr, &bad), EINVAL);
	wr.num_sge = 2;
	EXPECT_EQ(kiwi_post_recv(qp.ibqp(), &wr, &bad), 0);
}

TEST_F(PostRecv, FullRingPostsThePrefix)
{
	QpConfig cfg;
	cfg.rq_entries = 4;
	Qp qp(cfg);
	std::vector<ibv_recv_wr> wr(5);
	for (size_t i = 0; i < wr.size(); i++) {
		wr[i] = make_wr(i, nullptr, 0);
		wr[i].next = i + 1 < wr.size() ? &wr[i + 1] : nullptr;
	}
	ibv_recv_wr *bad = nullptr;

	ASSERT_EQ(kiwi_post_recv(qp.ibqp(), &wr[0], &bad), ENOMEM);
	EXPECT_EQ(bad, &wr[4]);
	EXPECT_EQ(qp.rq.pending(), 4u);
	/* The kernel hands an RQ slot back as soon as it has copied it. */
	qp.rq.consume(1);
	ASSERT_EQ(kiwi_post_recv(qp.ibqp(), &wr[4], &bad), 0);
	EXPECT_EQ(qp.rqe(4).wr_id, 4u);
}

TEST_F(PostRecv, WrapsAroundTheRing)
{
	QpConfig cfg;
	cfg.rq_entries = 8;
	cfg.start = 0xfffffff0;
	Qp qp(cfg);

	for (uint64_t i = 0; i < 100; i++) {
		ibv_sge sg = { i, uint32_t(i), uint32_t(i) };
		ibv_recv_wr wr = make_wr(i, &sg, 1);
		ibv_recv_wr *bad;

		ASSERT_EQ(kiwi_post_recv(qp.ibqp(), &wr, &bad), 0);
		if (qp.rq.pending() == 5) {
			for (uint32_t k = 0; k < 5; k++)
				EXPECT_EQ(qp.rqe(qp.rq.kcons() + k).wr_id,
					  i - 4 + k);
			qp.rq.consume(5);
		}
	}
}

TEST_F(PostRecv, QpWithSrqRefuses)
{
	QpConfig cfg;
	cfg.srq = true;
	Qp qp(cfg);
	ibv_recv_wr wr = make_wr(1, nullptr, 0);
	ibv_recv_wr *bad = nullptr;

	EXPECT_EQ(kiwi_post_recv(qp.ibqp(), &wr, &bad), EINVAL);
	EXPECT_EQ(bad, &wr);
}

/* Receives posted to a QP in error are flushed only if the kernel is told. */
struct KickCase {
	int n;
	uint32_t rq_flags;
	uint32_t sq_flags;
	int kicks;
};

const KickCase kick_cases[] = {
	{ 1, 0, 0, 0 },
	{ 2, KIWI_RING_F_ERROR, 0, 1 },
	{ 3, 0, KIWI_RING_F_ERROR, 1 },
	{ 4, KIWI_RING_F_NEED_WAKEUP, KIWI_RING_F_NEED_WAKEUP, 0 },
};

TEST_F(PostRecv, FlushKickTable)
{
	for (const KickCase &c : kick_cases) {
		SCOPED_TRACE(testing::Message() << "case " << c.n);
		Qp qp;
		ibv_recv_wr wr = make_wr(1, nullptr, 0);
		ibv_recv_wr *bad;

		syscalls = Syscalls();
		qp.rq.hdr()->flags = c.rq_flags;
		qp.sq.hdr()->flags = c.sq_flags;
		ASSERT_EQ(kiwi_post_recv(qp.ibqp(), &wr, &bad), 0);
		EXPECT_EQ(syscalls.flush_kicks, c.kicks);
		EXPECT_EQ(syscalls.doorbells, 0);
	}
}

TEST_F(PostRecv, NothingPostedNoKick)
{
	Qp qp;
	ibv_recv_wr wr = make_wr(1, nullptr, -1);
	ibv_recv_wr *bad;

	qp.rq.hdr()->flags = KIWI_RING_F_ERROR;
	EXPECT_EQ(kiwi_post_recv(qp.ibqp(), &wr, &bad), EINVAL);
	EXPECT_EQ(syscalls.flush_kicks, 0);
}

/* Receives may be posted from INIT on (before the connection), not in
 * RESET. */
TEST_F(PostRecv, QpStateTable)
{
	const struct {
		uint32_t state;
		int ret;
	} cases[] = {
		{ IBV_QPS_RESET, EINVAL }, { IBV_QPS_INIT, 0 }, { IBV_QPS_RTR, 0 },
		{ IBV_QPS_RTS, 0 },	   { IBV_QPS_SQD, 0 },	{ IBV_QPS_ERR, 0 },
	};

	for (const auto &c : cases) {
		SCOPED_TRACE(testing::Message() << "state " << c.state);
		QpConfig cfg;
		cfg.state = c.state;
		Qp qp(cfg);
		ibv_recv_wr wr = make_wr(1, nullptr, 0);
		ibv_recv_wr *bad = nullptr;

		EXPECT_EQ(kiwi_post_recv(qp.ibqp(), &wr, &bad), c.ret);
		EXPECT_EQ(bad, c.ret ? &wr : nullptr);
		EXPECT_EQ(qp.rq.pending(), c.ret ? 0u : 1u);
	}
}

class PostSrqRecv : public ProviderTest {};

TEST_F(PostSrqRecv, FillsAndWraps)
{
	Srq srq(4, 2);
	ibv_sge sg[2] = { { 0x10, 1, 5 }, { 0x20, 2, 6 } };
	ibv_recv_wr *bad = nullptr;

	for (uint64_t i = 0; i < 10; i++) {
		ibv_recv_wr wr = make_wr(i, sg, 2);

		ASSERT_EQ(kiwi_post_srq_recv(srq.ibsrq(), &wr, &bad), 0);
		EXPECT_EQ(srq.rqe(srq.ring.kcons()).wr_id, i);
		EXPECT_EQ(srq.rqe(srq.ring.kcons()).sge[1].lkey, 6u);
		srq.ring.consume(1);
	}
	ibv_recv_wr wr = make_wr(99, sg, 3);
	EXPECT_EQ(kiwi_post_srq_recv(srq.ibsrq(), &wr, &bad), EINVAL);
	EXPECT_EQ(bad, &wr);
	EXPECT_EQ(syscalls.doorbells + syscalls.flush_kicks, 0);
}

TEST_F(PostSrqRecv, FullIsENOMEM)
{
	Srq srq(4);
	std::vector<ibv_recv_wr> wr(6);
	for (size_t i = 0; i < wr.size(); i++) {
		wr[i] = make_wr(i, nullptr, 0);
		wr[i].next = i + 1 < wr.size() ? &wr[i + 1] : nullptr;
	}
	ibv_recv_wr *bad;

	ASSERT_EQ(kiwi_post_srq_recv(srq.ibsrq(), &wr[0], &bad), ENOMEM);
	EXPECT_EQ(bad, &wr[4]);
	EXPECT_EQ(srq.ring.pending(), 4u);
	srq.ring.hdr()->cons = 77;	/* scribbled: reads as full */
	EXPECT_EQ(kiwi_post_srq_recv(srq.ibsrq(), &wr[4], &bad), ENOMEM);
}

} // namespace
} // namespace kiwi_test
