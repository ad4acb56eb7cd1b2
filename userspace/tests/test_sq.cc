// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * kiwi: ibv_post_send() through the provider's send queue.
 *
 * Copyright (c) 2026 The kiwi authors
 */
#include <cerrno>
#include <cstring>
#include <vector>

#include "fake_kernel.h"

namespace kiwi_test {
namespace {

class PostSend : public ProviderTest {};

ibv_send_wr make_wr(uint64_t wr_id, ibv_wr_opcode op, ibv_sge *sg, int num,
		    unsigned int flags = 0)
{
	ibv_send_wr wr{};
	wr.wr_id = wr_id;
	wr.opcode = op;
	wr.sg_list = sg;
	wr.num_sge = num;
	wr.send_flags = flags;
	return wr;
}

TEST_F(PostSend, SendWithSgesFillsOneEntry)
{
	Qp qp;
	ibv_sge sg[2] = { { 0x1000, 10, 0x11 }, { 0x2000, 20, 0x22 } };
	ibv_send_wr wr = make_wr(42, IBV_WR_SEND, sg, 2, IBV_SEND_SIGNALED);
	ibv_send_wr *bad = nullptr;

	ASSERT_EQ(kiwi_post_send(qp.ibqp(), &wr, &bad), 0);
	EXPECT_EQ(bad, nullptr);
	ASSERT_EQ(qp.sq.pending(), 1u);
	const kiwi_sqe &e = qp.sqe(0);
	EXPECT_EQ(e.wr_id, 42u);
	EXPECT_EQ(e.opcode, KIWI_WR_SEND);
	EXPECT_EQ(e.flags, KIWI_SQE_SIGNALED);
	EXPECT_EQ(e.num_sge, 2);
	EXPECT_EQ(e.rsvd0, 0);
	EXPECT_EQ(e.inline_len, 0u);
	EXPECT_EQ(e.sge[0].addr, 0x1000u);
	EXPECT_EQ(e.sge[0].length, 10u);
	EXPECT_EQ(e.sge[0].lkey, 0x11u);
	EXPECT_EQ(e.sge[1].addr, 0x2000u);
	EXPECT_EQ(e.sge[1].length, 20u);
	EXPECT_EQ(e.sge[1].lkey, 0x22u);
	EXPECT_EQ(syscalls.doorbells, 1);
	EXPECT_EQ(syscalls.last_qp, qp.raw());
	EXPECT_TRUE(qp.sq_unlocked());
}

/* Every ibv_wr_opcode and what post_send makes of it. */
struct OpcodeCase {
	int n;
	unsigned int opcode;
	int ret;
	uint8_t kiwi_opcode;
};

const OpcodeCase opcode_cases[] = {
	{ 1, IBV_WR_RDMA_WRITE, 0, KIWI_WR_WRITE },
	{ 2, IBV_WR_RDMA_WRITE_WITH_IMM, EOPNOTSUPP, 0 },
	{ 3, IBV_WR_SEND, 0, KIWI_WR_SEND },
	{ 4, IBV_WR_SEND_WITH_IMM, EOPNOTSUPP, 0 },
	{ 5, IBV_WR_RDMA_READ, 0, KIWI_WR_READ },
	{ 6, IBV_WR_ATOMIC_CMP_AND_SWP, EOPNOTSUPP, 0 },
	{ 7, IBV_WR_ATOMIC_FETCH_AND_ADD, EOPNOTSUPP, 0 },
	{ 8, IBV_WR_LOCAL_INV, EOPNOTSUPP, 0 },
	{ 9, IBV_WR_BIND_MW, EOPNOTSUPP, 0 },
	{ 10, IBV_WR_SEND_WITH_INV, 0, KIWI_WR_SEND_INV },
	{ 11, IBV_WR_TSO, EOPNOTSUPP, 0 },
	{ 12, IBV_WR_DRIVER1, EOPNOTSUPP, 0 },
	{ 13, 12, EINVAL, 0 },		/* no such opcode */
	{ 14, 15, EINVAL, 0 },		/* ATOMIC_WRITE, not in every libibverbs */
	{ 15, 255, EINVAL, 0 },
	{ 16, 0x80000000u, EINVAL, 0 },
};

TEST_F(PostSend, OpcodeTable)
{
	for (const OpcodeCase &c : opcode_cases) {
		SCOPED_TRACE(testing::Message() << "case " << c.n);
		Qp qp;
		ibv_sge sg = { 0x1000, 8, 1 };
		ibv_send_wr wr = make_wr(c.n, ibv_wr_opcode(c.opcode), &sg, 1);
		ibv_send_wr *bad = nullptr;

		syscalls = Syscalls();
		wr.wr.rdma.remote_addr = 0xabc000;
		wr.wr.rdma.rkey = 0x77;
		ASSERT_EQ(kiwi_post_send(qp.ibqp(), &wr, &bad), c.ret);
		if (c.ret) {
			EXPECT_EQ(bad, &wr);
			EXPECT_EQ(qp.sq.pending(), 0u);
			EXPECT_EQ(syscalls.doorbells, 0);
			continue;
		}
		ASSERT_EQ(qp.sq.pending(), 1u);
		EXPECT_EQ(qp.sqe(0).opcode, c.kiwi_opcode);
		bool remote = c.opcode == IBV_WR_RDMA_WRITE ||
			      c.opcode == IBV_WR_RDMA_READ;
		EXPECT_EQ(qp.sqe(0).remote_addr, remote ? 0xabc000u : 0u);
		EXPECT_EQ(qp.sqe(0).rkey, remote ? 0x77u : 0u);
	}
}

TEST_F(PostSend, SendWithInvalidateCarriesTheRkey)
{
	Qp qp;
	ibv_send_wr wr = make_wr(1, IBV_WR_SEND_WITH_INV, nullptr, 0);
	ibv_send_wr *bad;

	wr.invalidate_rkey = 0xdeadbe01;
	ASSERT_EQ(kiwi_post_send(qp.ibqp(), &wr, &bad), 0);
	EXPECT_EQ(qp.sqe(0).inv_rkey, 0xdeadbe01u);
	EXPECT_EQ(qp.sqe(0).num_sge, 0);
}

struct FlagCase {
	int n;
	unsigned int send_flags;
	bool sig_all;
	int ret;
	uint8_t sqe_flags;
};

const FlagCase flag_cases[] = {
	{ 1, 0, false, 0, 0 },
	{ 2, IBV_SEND_SIGNALED, false, 0, KIWI_SQE_SIGNALED },
	{ 3, IBV_SEND_SOLICITED, false, 0, KIWI_SQE_SOLICITED },
	{ 4, IBV_SEND_FENCE, false, 0, KIWI_SQE_FENCE },
	{ 5, IBV_SEND_FENCE | IBV_SEND_SIGNALED | IBV_SEND_SOLICITED, false,
	  0, KIWI_SQE_FENCE | KIWI_SQE_SIGNALED | KIWI_SQE_SOLICITED },
	{ 6, 0, true, 0, KIWI_SQE_SIGNALED },
	{ 7, IBV_SEND_SOLICITED, true, 0,
	  KIWI_SQE_SIGNALED | KIWI_SQE_SOLICITED },
	{ 8, IBV_SEND_IP_CSUM, false, EINVAL, 0 },
	{ 9, 1u << 20, false, EINVAL, 0 },
};

TEST_F(PostSend, FlagTable)
{
	for (const FlagCase &c : flag_cases) {
		SCOPED_TRACE(testing::Message() << "case " << c.n);
		QpConfig cfg;
		cfg.sig_all = c.sig_all;
		Qp qp(cfg);
		ibv_send_wr wr = make_wr(c.n, IBV_WR_SEND, nullptr, 0,
					 c.send_flags);
		ibv_send_wr *bad = nullptr;

		ASSERT_EQ(kiwi_post_send(qp.ibqp(), &wr, &bad), c.ret);
		if (!c.ret)
			EXPECT_EQ(qp.sqe(0).flags, c.sqe_flags);
		else
			EXPECT_EQ(qp.sq.pending(), 0u);
	}
}

TEST_F(PostSend, FullRingPostsThePrefixAndReportsENOMEM)
{
	QpConfig cfg;
	cfg.sq_entries = 4;
	Qp qp(cfg);
	std::vector<ibv_send_wr> wr(6);

	for (size_t i = 0; i < wr.size(); i++) {
		wr[i] = make_wr(i, IBV_WR_SEND, nullptr, 0);
		wr[i].next = i + 1 < wr.size() ? &wr[i + 1] : nullptr;
	}
	ibv_send_wr *bad = nullptr;
	ASSERT_EQ(kiwi_post_send(qp.ibqp(), &wr[0], &bad), ENOMEM);
	EXPECT_EQ(bad, &wr[4]);
	EXPECT_EQ(qp.sq.pending(), 4u);
	EXPECT_EQ(syscalls.doorbells, 1);

	/* Nothing more until the kernel completes a request. */
	ASSERT_EQ(kiwi_post_send(qp.ibqp(), &wr[4], &bad), ENOMEM);
	EXPECT_EQ(bad, &wr[4]);
	EXPECT_EQ(syscalls.doorbells, 1);

	/* Slots come back when the kernel completes, not when it reads. */
	qp.sq.consume(2);
	ASSERT_EQ(kiwi_post_send(qp.ibqp(), &wr[4], &bad), 0);
	EXPECT_EQ(qp.sq.pending(), 4u);
	EXPECT_EQ(qp.sqe(4).wr_id, 4u);
	EXPECT_EQ(qp.sqe(5).wr_id, 5u);
}

TEST_F(PostSend, WrapsAroundTheRing)
{
	QpConfig cfg;
	cfg.sq_entries = 4;
	Qp qp(cfg);
	uint64_t next = 0;

	for (int round = 0; round < 25; round++) {
		ibv_send_wr wr[3];
		ibv_send_wr *bad;

		for (int i = 0; i < 3; i++) {
			wr[i] = make_wr(next + i, IBV_WR_SEND, nullptr, 0);
			wr[i].next = i < 2 ? &wr[i + 1] : nullptr;
		}
		ASSERT_EQ(kiwi_post_send(qp.ibqp(), wr, &bad), 0);
		ASSERT_EQ(qp.sq.pending(), 3u);
		for (int i = 0; i < 3; i++)
			EXPECT_EQ(qp.sqe(qp.sq.kcons() + i).wr_id, next + i);
		qp.sq.consume(3);
		next += 3;
	}
	EXPECT_EQ(qp.sq.hdr()->prod, 75u);
}

/* The 32-bit indices are free-running: they wrap through zero. */
TEST_F(PostSend, IndicesWrapThroughZero)
{
	QpConfig cfg;
	cfg.sq_entries = 4;
	cfg.start = 0xfffffffe;
	Qp qp(cfg);

	for (uint64_t i = 0; i < 12; i++) {
		ibv_send_wr wr = make_wr(i, IBV_WR_SEND, nullptr, 0);
		ibv_send_wr *bad;

		ASSERT_EQ(kiwi_post_send(qp.ibqp(), &wr, &bad), 0);
		ASSERT_EQ(qp.sq.pending(), 1u);
		EXPECT_EQ(qp.sqe(qp.sq.kcons()).wr_id, i);
		qp.sq.consume(1);
	}
	EXPECT_EQ(qp.sq.hdr()->prod, 10u);
}

TEST_F(PostSend, InlineCopiesEverySge)
{
	Qp qp;
	char a[] = "hello, ", b[] = "iwarp";
	ibv_sge sg[2] = { { uintptr_t(a), 7, 0 }, { uintptr_t(b), 5, 0 } };
	ibv_send_wr wr = make_wr(1, IBV_WR_SEND, sg, 2, IBV_SEND_INLINE);
	ibv_send_wr *bad;

	ASSERT_EQ(kiwi_post_send(qp.ibqp(), &wr, &bad), 0);
	const kiwi_sqe &e = qp.sqe(0);
	EXPECT_EQ(e.flags, KIWI_SQE_INLINE);
	EXPECT_EQ(e.num_sge, 0);
	EXPECT_EQ(e.inline_len, 12u);
	EXPECT_EQ(std::memcmp(e.inline_data, "hello, iwarp", 12), 0);
}

TEST_F(PostSend, InlineLimitIsExact)
{
	QpConfig cfg;
	cfg.max_inline = 64;
	Qp qp(cfg);
	std::vector<uint8_t> buf(KIWI_MAX_INLINE + 1, 0x5a);
	ibv_sge sg[2] = { { uintptr_t(buf.data()), 60, 0 },
			  { uintptr_t(buf.data()), 4, 0 } };
	ibv_send_wr wr = make_wr(1, IBV_WR_RDMA_WRITE, sg, 2, IBV_SEND_INLINE);
	ibv_send_wr *bad;

	ASSERT_EQ(kiwi_post_send(qp.ibqp(), &wr, &bad), 0);
	EXPECT_EQ(qp.sqe(0).inline_len, 64u);

	sg[1].length = 5;
	ASSERT_EQ(kiwi_post_send(qp.ibqp(), &wr, &bad), EINVAL);
	EXPECT_EQ(bad, &wr);

	/* A length that would wrap a 32-bit sum. */
	sg[1].length = 0xfffffff0;
	ASSERT_EQ(kiwi_post_send(qp.ibqp(), &wr, &bad), EINVAL);
	EXPECT_EQ(qp.sq.pending(), 1u);
}

/* The slot's size bounds inline data whatever the QP says. */
TEST_F(PostSend, InlineFillsTheWholeSgeArea)
{
	Qp qp;
	std::vector<uint8_t> buf(KIWI_MAX_INLINE);
	for (size_t i = 0; i < buf.size(); i++)
		buf[i] = uint8_t(i);
	ibv_sge sg = { uintptr_t(buf.data()), KIWI_MAX_INLINE, 0 };
	ibv_send_wr wr = make_wr(1, IBV_WR_SEND, &sg, 1, IBV_SEND_INLINE);
	ibv_send_wr *bad;

	ASSERT_EQ(kiwi_post_send(qp.ibqp(), &wr, &bad), 0);
	EXPECT_EQ(std::memcmp(qp.sqe(0).inline_data, buf.data(), buf.size()), 0);
	/* The neighbouring slot is untouched. */
	EXPECT_EQ(qp.sqe(1).wr_id, 0u);
	EXPECT_EQ(qp.sqe(1).opcode, 0);
}

TEST_F(PostSend, InlineMeansNothingForARead)
{
	Qp qp;
	ibv_sge sg = { 0x1000, 4096, 9 };
	ibv_send_wr wr = make_wr(1, IBV_WR_RDMA_READ, &sg, 1, IBV_SEND_INLINE);
	ibv_send_wr *bad;

	ASSERT_EQ(kiwi_post_send(qp.ibqp(), &wr, &bad), 0);
	EXPECT_EQ(qp.sqe(0).flags, 0);
	EXPECT_EQ(qp.sqe(0).num_sge, 1);
	EXPECT_EQ(qp.sqe(0).sge[0].length, 4096u);
}

struct SgeCase {
	int n;
	ibv_wr_opcode opcode;
	int num_sge;
	int ret;
};

const SgeCase sge_cases[] = {
	{ 1, IBV_WR_SEND, 0, 0 },
	{ 2, IBV_WR_SEND, 3, 0 },
	{ 3, IBV_WR_SEND, 4, EINVAL },		/* max_send_sge is 3 */
	{ 4, IBV_WR_SEND, -1, EINVAL },
	{ 5, IBV_WR_RDMA_WRITE, 3, 0 },
	{ 6, IBV_WR_RDMA_WRITE, 7, EINVAL },
	{ 7, IBV_WR_RDMA_READ, 1, 0 },
	{ 8, IBV_WR_RDMA_READ, 2, EINVAL },	/* max_sge_rd is 1 */
	{ 9, IBV_WR_RDMA_READ, 0, 0 },
	{ 10, IBV_WR_SEND_WITH_INV, 4, EINVAL },
};

TEST_F(PostSend, SgeLimitTable)
{
	ibv_sge sg[8];
	for (int i = 0; i < 8; i++)
		sg[i] = { uint64_t(0x1000 * (i + 1)), uint32_t(i + 1),
			  uint32_t(i) };
	for (const SgeCase &c : sge_cases) {
		SCOPED_TRACE(testing::Message() << "case " << c.n);
		QpConfig cfg;
		cfg.max_send_sge = 3;
		Qp qp(cfg);
		ibv_send_wr wr = make_wr(c.n, c.opcode, sg, c.num_sge);
		ibv_send_wr *bad = nullptr;

		ASSERT_EQ(kiwi_post_send(qp.ibqp(), &wr, &bad), c.ret);
		EXPECT_EQ(qp.sq.pending(), c.ret ? 0u : 1u);
		if (!c.ret) {
			EXPECT_EQ(qp.sqe(0).num_sge, c.num_sge);
			for (int i = 0; i < c.num_sge; i++)
				EXPECT_EQ(qp.sqe(0).sge[i].addr, sg[i].addr);
		}
	}
}

TEST_F(PostSend, BadRequestInTheMiddleStopsThere)
{
	Qp qp;
	ibv_send_wr wr[3] = { make_wr(1, IBV_WR_SEND, nullptr, 0),
			      make_wr(2, IBV_WR_ATOMIC_FETCH_AND_ADD, nullptr, 0),
			      make_wr(3, IBV_WR_SEND, nullptr, 0) };
	wr[0].next = &wr[1];
	wr[1].next = &wr[2];
	ibv_send_wr *bad = nullptr;

	ASSERT_EQ(kiwi_post_send(qp.ibqp(), wr, &bad), EOPNOTSUPP);
	EXPECT_EQ(bad, &wr[1]);
	EXPECT_EQ(qp.sq.pending(), 1u);
	EXPECT_EQ(qp.sqe(0).wr_id, 1u);
	/* What was posted is announced. */
	EXPECT_EQ(syscalls.doorbells, 1);
}

TEST_F(PostSend, EmptyListIsANoOp)
{
	Qp qp;
	ibv_send_wr *bad = nullptr;

	ASSERT_EQ(kiwi_post_send(qp.ibqp(), nullptr, &bad), 0);
	EXPECT_EQ(qp.sq.pending(), 0u);
	EXPECT_EQ(syscalls.doorbells, 0);
}

/* When the context has an SQ poller, which ring flags ring the doorbell. */
struct DoorbellCase {
	int n;
	bool sq_poll;
	uint32_t flags;
	int doorbells;
};

const DoorbellCase doorbell_cases[] = {
	{ 1, false, 0, 1 },
	{ 2, false, KIWI_RING_F_NEED_WAKEUP, 1 },
	{ 3, true, 0, 0 },
	{ 4, true, KIWI_RING_F_NEED_WAKEUP, 1 },
	{ 5, true, KIWI_RING_F_ERROR, 1 },
	{ 6, true, KIWI_RING_F_OVERFLOW, 0 },
	{ 7, true, KIWI_RING_F_NEED_WAKEUP | KIWI_RING_F_ERROR, 1 },
};

TEST_F(PostSend, DoorbellTable)
{
	for (const DoorbellCase &c : doorbell_cases) {
		SCOPED_TRACE(testing::Message() << "case " << c.n);
		QpConfig cfg;
		cfg.sq_poll = c.sq_poll;
		Qp qp(cfg);
		ibv_send_wr wr = make_wr(1, IBV_WR_SEND, nullptr, 0);
		ibv_send_wr *bad;

		syscalls = Syscalls();
		qp.sq.hdr()->flags = c.flags;
		ASSERT_EQ(kiwi_post_send(qp.ibqp(), &wr, &bad), 0);
		EXPECT_EQ(syscalls.doorbells, c.doorbells);
	}
}

/*
 * The QP state the kernel publishes gates post_send: an iWARP QP sends
 * once connected (RTS); in SQD, SQE and ERR posts go in (ERR flushes
 * them).  A refused post publishes nothing and makes no system call.
 */
struct StateCase {
	uint32_t state;
	int ret;
};

const StateCase send_state_cases[] = {
	{ IBV_QPS_RESET, EINVAL }, { IBV_QPS_INIT, EINVAL },
	{ IBV_QPS_RTR, EINVAL },   { IBV_QPS_RTS, 0 },
	{ IBV_QPS_SQD, 0 },	   { IBV_QPS_SQE, 0 },
	{ IBV_QPS_ERR, 0 },
};

TEST_F(PostSend, QpStateTable)
{
	for (const StateCase &c : send_state_cases) {
		SCOPED_TRACE(testing::Message() << "state " << c.state);
		QpConfig cfg;
		cfg.state = c.state;
		Qp qp(cfg);
		ibv_send_wr wr = make_wr(1, IBV_WR_SEND, nullptr, 0);
		ibv_send_wr *bad = nullptr;

		syscalls = Syscalls();
		EXPECT_EQ(kiwi_post_send(qp.ibqp(), &wr, &bad), c.ret);
		EXPECT_EQ(bad, c.ret ? &wr : nullptr);
		EXPECT_EQ(qp.sq.pending(), c.ret ? 0u : 1u);
		EXPECT_EQ(syscalls.doorbells, c.ret ? 0 : 1);
		EXPECT_TRUE(qp.sq_unlocked());
	}
}

/* The poller goes to sleep between two posts: only the second rings. */
TEST_F(PostSend, DoorbellFollowsNeedWakeup)
{
	QpConfig cfg;
	cfg.sq_poll = true;
	Qp qp(cfg);
	ibv_send_wr wr = make_wr(1, IBV_WR_SEND, nullptr, 0);
	ibv_send_wr *bad;

	ASSERT_EQ(kiwi_post_send(qp.ibqp(), &wr, &bad), 0);
	EXPECT_EQ(syscalls.doorbells, 0);
	__atomic_store_n(&qp.sq.hdr()->flags, KIWI_RING_F_NEED_WAKEUP,
			 __ATOMIC_SEQ_CST);
	ASSERT_EQ(kiwi_post_send(qp.ibqp(), &wr, &bad), 0);
	EXPECT_EQ(syscalls.doorbells, 1);
	__atomic_store_n(&qp.sq.hdr()->flags, 0, __ATOMIC_SEQ_CST);
	ASSERT_EQ(kiwi_post_send(qp.ibqp(), &wr, &bad), 0);
	EXPECT_EQ(syscalls.doorbells, 1);
}

/*
 * Shared memory is the process's own: a scribbled cons must not make the
 * provider overwrite slots or index outside the ring.
 */
TEST_F(PostSend, NonsenseConsReadsAsFull)
{
	QpConfig cfg;
	cfg.sq_entries = 4;
	Qp qp(cfg);
	ibv_send_wr wr = make_wr(1, IBV_WR_SEND, nullptr, 0);
	ibv_send_wr *bad;

	for (int i = 0; i < 4; i++)
		ASSERT_EQ(kiwi_post_send(qp.ibqp(), &wr, &bad), 0);
	qp.sq.hdr()->cons = 1000;	/* beyond prod */
	EXPECT_EQ(kiwi_post_send(qp.ibqp(), &wr, &bad), ENOMEM);
	qp.sq.hdr()->cons = 0xffff0000;
	EXPECT_EQ(kiwi_post_send(qp.ibqp(), &wr, &bad), ENOMEM);
	/* A sane value again: space again. */
	qp.sq.hdr()->cons = 1;
	EXPECT_EQ(kiwi_post_send(qp.ibqp(), &wr, &bad), 0);
	/* prod was never taken from shared memory. */
	qp.sq.hdr()->prod = 1234;
	qp.sq.hdr()->cons = 5;
	EXPECT_EQ(kiwi_post_send(qp.ibqp(), &wr, &bad), 0);
	EXPECT_EQ(qp.sq.hdr()->prod, 6u);
}

} // namespace
} // namespace kiwi_test
