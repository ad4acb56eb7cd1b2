// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * kiwi: the ibv_qp_ex work request builder (ibv_wr_start ...
 * ibv_wr_complete) over the provider's send queue.
 *
 * Copyright (c) 2026 The kiwi authors
 */
#include <cerrno>
#include <cstring>
#include <functional>
#include <vector>

#include "fake_kernel.h"

namespace kiwi_test {
namespace {

class QpEx : public ProviderTest {};

TEST_F(QpEx, OneSendPerStartComplete)
{
	Qp qp;
	ibv_qp_ex *x = qp.qpx();

	ibv_wr_start(x);
	EXPECT_FALSE(qp.sq_unlocked());
	x->wr_id = 5;
	x->wr_flags = IBV_SEND_SIGNALED | IBV_SEND_SOLICITED;
	ibv_wr_send(x);
	ibv_wr_set_sge(x, 0x33, 0x4000, 128);
	/* Not visible before wr_complete. */
	EXPECT_EQ(qp.sq.pending(), 0u);
	ASSERT_EQ(ibv_wr_complete(x), 0);
	EXPECT_TRUE(qp.sq_unlocked());
	ASSERT_EQ(qp.sq.pending(), 1u);
	const kiwi_sqe &e = qp.sqe(0);
	EXPECT_EQ(e.wr_id, 5u);
	EXPECT_EQ(e.opcode, KIWI_WR_SEND);
	EXPECT_EQ(e.flags, KIWI_SQE_SIGNALED | KIWI_SQE_SOLICITED);
	EXPECT_EQ(e.num_sge, 1);
	EXPECT_EQ(e.sge[0].addr, 0x4000u);
	EXPECT_EQ(e.sge[0].length, 128u);
	EXPECT_EQ(e.sge[0].lkey, 0x33u);
	EXPECT_EQ(syscalls.doorbells, 1);
}

TEST_F(QpEx, BatchOfEveryOpcode)
{
	Qp qp;
	ibv_qp_ex *x = qp.qpx();
	ibv_sge list[2] = { { 0x100, 1, 1 }, { 0x200, 2, 2 } };
	char text[] = "inline!";

	ibv_wr_start(x);
	x->wr_id = 1;
	x->wr_flags = 0;
	ibv_wr_rdma_write(x, 0xaa, 0x10000);
	ibv_wr_set_sge_list(x, 2, list);
	x->wr_id = 2;
	x->wr_flags = IBV_SEND_FENCE;
	ibv_wr_rdma_read(x, 0xbb, 0x20000);
	ibv_wr_set_sge(x, 7, 0x300, 3);
	x->wr_id = 3;
	x->wr_flags = IBV_SEND_INLINE;
	ibv_wr_send_inv(x, 0xcc);
	ibv_wr_set_inline_data(x, text, 7);
	x->wr_id = 4;
	x->wr_flags = 0;
	ibv_wr_send(x);
	ASSERT_EQ(ibv_wr_complete(x), 0);

	ASSERT_EQ(qp.sq.pending(), 4u);
	EXPECT_EQ(qp.sqe(0).opcode, KIWI_WR_WRITE);
	EXPECT_EQ(qp.sqe(0).rkey, 0xaau);
	EXPECT_EQ(qp.sqe(0).remote_addr, 0x10000u);
	EXPECT_EQ(qp.sqe(0).num_sge, 2);
	EXPECT_EQ(qp.sqe(0).sge[1].addr, 0x200u);
	EXPECT_EQ(qp.sqe(1).opcode, KIWI_WR_READ);
	EXPECT_EQ(qp.sqe(1).flags, KIWI_SQE_FENCE);
	EXPECT_EQ(qp.sqe(1).rkey, 0xbbu);
	EXPECT_EQ(qp.sqe(1).remote_addr, 0x20000u);
	EXPECT_EQ(qp.sqe(1).sge[0].lkey, 7u);
	EXPECT_EQ(qp.sqe(2).opcode, KIWI_WR_SEND_INV);
	EXPECT_EQ(qp.sqe(2).inv_rkey, 0xccu);
	EXPECT_EQ(qp.sqe(2).flags, KIWI_SQE_INLINE);
	EXPECT_EQ(qp.sqe(2).inline_len, 7u);
	EXPECT_EQ(std::memcmp(qp.sqe(2).inline_data, "inline!", 7), 0);
	EXPECT_EQ(qp.sqe(3).opcode, KIWI_WR_SEND);
	EXPECT_EQ(qp.sqe(3).num_sge, 0);
	EXPECT_EQ(qp.sqe(3).wr_id, 4u);
	/* One doorbell for the whole batch. */
	EXPECT_EQ(syscalls.doorbells, 1);
}

TEST_F(QpEx, SigAllSignalsEveryRequest)
{
	QpConfig cfg;
	cfg.sig_all = true;
	Qp qp(cfg);
	ibv_qp_ex *x = qp.qpx();

	ibv_wr_start(x);
	x->wr_flags = 0;
	ibv_wr_send(x);
	ASSERT_EQ(ibv_wr_complete(x), 0);
	EXPECT_EQ(qp.sqe(0).flags, KIWI_SQE_SIGNALED);
}

TEST_F(QpEx, InlineListAndItsLimit)
{
	QpConfig cfg;
	cfg.max_inline = 16;
	Qp qp(cfg);
	ibv_qp_ex *x = qp.qpx();
	char a[] = "0123456789", b[] = "abcdef", c[] = "Z";
	ibv_data_buf ok[2] = { { a, 10 }, { b, 6 } };
	ibv_data_buf too_much[3] = { { a, 10 }, { b, 6 }, { c, 1 } };

	ibv_wr_start(x);
	ibv_wr_send(x);
	ibv_wr_set_inline_data_list(x, 2, ok);
	ASSERT_EQ(ibv_wr_complete(x), 0);
	EXPECT_EQ(qp.sqe(0).inline_len, 16u);
	EXPECT_EQ(std::memcmp(qp.sqe(0).inline_data, "0123456789abcdef", 16), 0);

	ibv_wr_start(x);
	ibv_wr_send(x);
	ibv_wr_set_inline_data_list(x, 3, too_much);
	EXPECT_EQ(ibv_wr_complete(x), EINVAL);
	EXPECT_EQ(qp.sq.pending(), 1u);
	EXPECT_TRUE(qp.sq_unlocked());
}

/* Each case is one builder sequence that must fail the whole batch. */
struct FailCase {
	int n;
	const char *what;
	std::function<void(ibv_qp_ex *)> build;
	int ret;
};

TEST_F(QpEx, FailedBatchPublishesNothing)
{
	static char data[KIWI_MAX_INLINE + 1];
	static ibv_sge many[KIWI_MAX_SEND_SGE + 1];
	static ibv_sge two[2];
	const std::vector<FailCase> cases = {
		{ 1, "atomic cmp_swp", [](ibv_qp_ex *x) {
			ibv_wr_send(x);
			ibv_wr_atomic_cmp_swp(x, 1, 0x1000, 1, 2);
		}, EOPNOTSUPP },
		{ 2, "atomic fetch_add", [](ibv_qp_ex *x) {
			ibv_wr_send(x);		/* a good request first */
			ibv_wr_atomic_fetch_add(x, 1, 0x1000, 1);
		}, EOPNOTSUPP },
		{ 3, "bind_mw", [](ibv_qp_ex *x) {
			ibv_wr_bind_mw(x, nullptr, 1, nullptr);
		}, EOPNOTSUPP },
		{ 4, "local_inv", [](ibv_qp_ex *x) {
			ibv_wr_local_inv(x, 1);
		}, EOPNOTSUPP },
		{ 5, "write_imm", [](ibv_qp_ex *x) {
			ibv_wr_rdma_write_imm(x, 1, 0x1000, 0);
		}, EOPNOTSUPP },
		{ 6, "send_imm", [](ibv_qp_ex *x) {
			ibv_wr_send_imm(x, 0);
		}, EOPNOTSUPP },
		{ 7, "tso", [](ibv_qp_ex *x) {
			ibv_wr_send_tso(x, nullptr, 0, 0);
		}, EOPNOTSUPP },
		{ 8, "ud_addr", [](ibv_qp_ex *x) {
			ibv_wr_send(x);
			ibv_wr_set_ud_addr(x, nullptr, 1, 1);
		}, EOPNOTSUPP },
		{ 9, "xrc_srqn", [](ibv_qp_ex *x) {
			ibv_wr_send(x);
			ibv_wr_set_xrc_srqn(x, 1);
		}, EOPNOTSUPP },
		{ 10, "setter before any opcode", [](ibv_qp_ex *x) {
			ibv_wr_set_sge(x, 1, 0x1000, 1);
		}, EINVAL },
		{ 11, "too many SGEs", [](ibv_qp_ex *x) {
			ibv_wr_send(x);
			ibv_wr_set_sge_list(x, KIWI_MAX_SEND_SGE + 1, many);
		}, EINVAL },
		{ 12, "two SGEs for a Read sink", [](ibv_qp_ex *x) {
			ibv_wr_rdma_read(x, 1, 0x1000);
			ibv_wr_set_sge_list(x, 2, two);
		}, EINVAL },
		{ 13, "inline too long", [](ibv_qp_ex *x) {
			ibv_wr_rdma_write(x, 1, 0x1000);
			ibv_wr_set_inline_data(x, data, KIWI_MAX_INLINE + 1);
		}, EINVAL },
		{ 14, "inline on a Read", [](ibv_qp_ex *x) {
			ibv_wr_rdma_read(x, 1, 0x1000);
			ibv_wr_set_inline_data(x, data, 4);
		}, EINVAL },
		{ 15, "unknown wr_flags", [](ibv_qp_ex *x) {
			x->wr_flags = IBV_SEND_IP_CSUM;
			ibv_wr_send(x);
		}, EINVAL },
		{ 16, "ring full", [](ibv_qp_ex *x) {
			for (int i = 0; i < 9; i++)
				ibv_wr_send(x);
		}, ENOMEM },
		{ 17, "first error wins", [](ibv_qp_ex *x) {
			ibv_wr_set_sge(x, 1, 0x1000, 1);
			ibv_wr_local_inv(x, 1);
		}, EINVAL },
		{ 18, "setter after a failed opcode", [](ibv_qp_ex *x) {
			ibv_wr_send_imm(x, 0);
			ibv_wr_set_sge(x, 1, 0x1000, 1);
			ibv_wr_send(x);
		}, EOPNOTSUPP },
	};

	for (const FailCase &c : cases) {
		SCOPED_TRACE(testing::Message() << "case " << c.n << ": " << c.what);
		Qp qp;		/* eight slots */
		ibv_qp_ex *x = qp.qpx();

		syscalls = Syscalls();
		ibv_wr_start(x);
		x->wr_id = c.n;
		x->wr_flags = 0;
		c.build(x);
		EXPECT_EQ(ibv_wr_complete(x), c.ret);
		EXPECT_EQ(qp.sq.pending(), 0u);
		EXPECT_EQ(qp.sq.hdr()->prod, 0u);
		EXPECT_EQ(syscalls.doorbells, 0);
		EXPECT_TRUE(qp.sq_unlocked());

		/* The QP is usable afterwards, from either interface. */
		x->wr_flags = 0;
		ibv_wr_start(x);
		ibv_wr_send(x);
		EXPECT_EQ(ibv_wr_complete(x), 0);
		ibv_send_wr wr{};
		ibv_send_wr *bad;
		wr.opcode = IBV_WR_SEND;
		EXPECT_EQ(kiwi_post_send(qp.ibqp(), &wr, &bad), 0);
		EXPECT_EQ(qp.sq.pending(), 2u);
	}
}

/* Before the connection (RTS) a batch is refused whole. */
TEST_F(QpEx, BatchBeforeRtsIsRefused)
{
	QpConfig cfg;
	cfg.state = IBV_QPS_INIT;
	Qp qp(cfg);
	ibv_qp_ex *x = qp.qpx();

	ibv_wr_start(x);
	ibv_wr_send(x);
	EXPECT_EQ(ibv_wr_complete(x), EINVAL);
	EXPECT_TRUE(qp.sq_unlocked());
	EXPECT_EQ(qp.sq.pending(), 0u);
	EXPECT_EQ(syscalls.doorbells, 0);
}

TEST_F(QpEx, AbortDropsTheBatch)
{
	Qp qp;
	ibv_qp_ex *x = qp.qpx();

	ibv_wr_start(x);
	ibv_wr_send(x);
	ibv_wr_send(x);
	ibv_wr_abort(x);
	EXPECT_TRUE(qp.sq_unlocked());
	EXPECT_EQ(qp.sq.pending(), 0u);
	EXPECT_EQ(syscalls.doorbells, 0);

	x->wr_id = 9;
	ibv_wr_start(x);
	ibv_wr_send(x);
	ASSERT_EQ(ibv_wr_complete(x), 0);
	EXPECT_EQ(qp.sq.pending(), 1u);
	EXPECT_EQ(qp.sqe(0).wr_id, 9u);
}

TEST_F(QpEx, EmptyBatchIsANoOp)
{
	Qp qp;
	ibv_qp_ex *x = qp.qpx();

	ibv_wr_start(x);
	EXPECT_EQ(ibv_wr_complete(x), 0);
	EXPECT_EQ(syscalls.doorbells, 0);
	EXPECT_TRUE(qp.sq_unlocked());
}

TEST_F(QpEx, FillsExactlyTheFreeSlots)
{
	QpConfig cfg;
	cfg.sq_entries = 4;
	cfg.start = 0xfffffffd;
	Qp qp(cfg);
	ibv_qp_ex *x = qp.qpx();

	for (int round = 0; round < 6; round++) {
		ibv_wr_start(x);
		for (int i = 0; i < 4; i++) {
			x->wr_id = round * 4 + i;
			ibv_wr_send(x);
		}
		ASSERT_EQ(ibv_wr_complete(x), 0);
		ASSERT_EQ(qp.sq.pending(), 4u);
		for (int i = 0; i < 4; i++)
			EXPECT_EQ(qp.sqe(qp.sq.kcons() + i).wr_id,
				  uint64_t(round * 4 + i));
		qp.sq.consume(4);
	}
}

TEST_F(QpEx, DoorbellOnlyWhenThePollerSleeps)
{
	QpConfig cfg;
	cfg.sq_poll = true;
	Qp qp(cfg);
	ibv_qp_ex *x = qp.qpx();

	ibv_wr_start(x);
	ibv_wr_send(x);
	ASSERT_EQ(ibv_wr_complete(x), 0);
	EXPECT_EQ(syscalls.doorbells, 0);
	qp.sq.hdr()->flags = KIWI_RING_F_NEED_WAKEUP;
	ibv_wr_start(x);
	ibv_wr_send(x);
	ASSERT_EQ(ibv_wr_complete(x), 0);
	EXPECT_EQ(syscalls.doorbells, 1);
}

TEST_F(QpEx, MarksTheQpExtended)
{
	Qp qp;
	QpConfig plain;
	plain.ex = false;
	Qp old(plain);

	EXPECT_TRUE(qp.raw()->vqp.comp_mask & VERBS_QP_EX);
	EXPECT_FALSE(old.raw()->vqp.comp_mask & VERBS_QP_EX);
}

} // namespace
} // namespace kiwi_test
