// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * kiwi: ibv_poll_cq(), ibv_req_notify_cq() and the ibv_cq_ex interface
 * over a CQ ring the fake kernel fills.
 *
 * Copyright (c) 2026 The kiwi authors
 */
#include <cerrno>
#include <chrono>
#include <future>
#include <vector>

#include "fake_kernel.h"

namespace kiwi_test {
namespace {

class PollCq : public ProviderTest {};

TEST_F(PollCq, EmptyGivesNothing)
{
	Cq cq;
	ibv_wc wc[4];

	EXPECT_EQ(kiwi_poll_cq(cq.ibcq(), 4, wc), 0);
	EXPECT_EQ(kiwi_poll_cq(cq.ibcq(), 0, wc), 0);
	EXPECT_EQ(kiwi_poll_cq(cq.ibcq(), -1, wc), 0);
	EXPECT_EQ(cq.cons(), 0u);
	EXPECT_TRUE(cq.unlocked());
}

/*
 * Run @poll while another thread holds the CQ's lock; true if it returned
 * without waiting for that thread (which lets go after two seconds
 * either way, so a poll that waits fails rather than hangs).
 */
template <typename F> bool returns_while_locked(Cq &cq, F poll)
{
	cq.lock();
	auto done = std::async(std::launch::async, poll);
	bool quick = done.wait_for(std::chrono::seconds(2)) ==
		     std::future_status::ready;
	cq.unlock();
	done.wait();
	return quick;
}

/* A busy-polling thread finds an empty CQ empty without the CQ's lock. */
TEST_F(PollCq, EmptyPollTakesNoLock)
{
	Cq cq;
	ibv_wc wc;
	int got = -1;

	EXPECT_TRUE(returns_while_locked(cq, [&] {
		got = kiwi_poll_cq(cq.ibcq(), 1, &wc);
	}));
	EXPECT_EQ(got, 0);
	EXPECT_TRUE(cq.unlocked());
}

/* One CQE in, one ibv_wc out. */
struct CqeCase {
	int n;
	uint8_t opcode;
	uint8_t status;
	uint8_t flags;
	ibv_wc_opcode wc_opcode;
	ibv_wc_status wc_status;
	unsigned int wc_flags;
};

const CqeCase cqe_cases[] = {
	{ 1, KIWI_CQE_SEND, 0, 0, IBV_WC_SEND, IBV_WC_SUCCESS, 0 },
	{ 2, KIWI_CQE_WRITE, 0, 0, IBV_WC_RDMA_WRITE, IBV_WC_SUCCESS, 0 },
	{ 3, KIWI_CQE_READ, 0, 0, IBV_WC_RDMA_READ, IBV_WC_SUCCESS, 0 },
	{ 4, KIWI_CQE_LOCAL_INV, 0, 0, IBV_WC_LOCAL_INV, IBV_WC_SUCCESS, 0 },
	{ 5, KIWI_CQE_RECV, 0, 0, IBV_WC_RECV, IBV_WC_SUCCESS, 0 },
	{ 6, KIWI_CQE_RECV, 0, KIWI_CQE_F_WITH_INV, IBV_WC_RECV,
	  IBV_WC_SUCCESS, IBV_WC_WITH_INV },
	{ 7, KIWI_CQE_RECV, 0, KIWI_CQE_F_SOLICITED, IBV_WC_RECV,
	  IBV_WC_SUCCESS, 0 },
	{ 8, KIWI_CQE_SEND, KIWI_WC_WR_FLUSH_ERR, 0, IBV_WC_SEND,
	  IBV_WC_WR_FLUSH_ERR, 0 },
	{ 9, KIWI_CQE_WRITE, KIWI_WC_REM_ACCESS_ERR, 0, IBV_WC_RDMA_WRITE,
	  IBV_WC_REM_ACCESS_ERR, 0 },
	{ 10, KIWI_CQE_RECV, KIWI_WC_LOC_LEN_ERR, 0, IBV_WC_RECV,
	  IBV_WC_LOC_LEN_ERR, 0 },
	{ 11, KIWI_CQE_READ, KIWI_WC_GENERAL_ERR, 0, IBV_WC_RDMA_READ,
	  IBV_WC_GENERAL_ERR, 0 },
	/* Slots the kernel cannot have written. */
	{ 12, KIWI_CQE_REG_MR, 0, 0, IBV_WC_SEND, IBV_WC_GENERAL_ERR, 0 },
	{ 13, 200, 0, 0, IBV_WC_SEND, IBV_WC_GENERAL_ERR, 0 },
	{ 14, KIWI_CQE_SEND, 99, 0, IBV_WC_SEND, IBV_WC_GENERAL_ERR, 0 },
};

TEST_F(PollCq, CqeTable)
{
	for (const CqeCase &c : cqe_cases) {
		SCOPED_TRACE(testing::Message() << "case " << c.n);
		Cq cq;
		kiwi_cqe e = make_cqe(1000 + c.n, c.opcode, c.status, 4096, 33);
		e.flags = c.flags;
		e.inv_rkey = 0x1234;
		e.vendor_err = 0x30201;
		cq.ring.produce(e);

		ibv_wc wc;
		std::memset(&wc, 0xee, sizeof(wc));
		ASSERT_EQ(kiwi_poll_cq(cq.ibcq(), 1, &wc), 1);
		EXPECT_EQ(wc.wr_id, uint64_t(1000 + c.n));
		EXPECT_EQ(wc.status, c.wc_status);
		EXPECT_EQ(wc.opcode, c.wc_opcode);
		EXPECT_EQ(wc.wc_flags, c.wc_flags);
		EXPECT_EQ(wc.byte_len, 4096u);
		EXPECT_EQ(wc.qp_num, 33u);
		EXPECT_EQ(wc.vendor_err, 0x30201u);
		EXPECT_EQ(wc.invalidated_rkey,
			  c.wc_flags & IBV_WC_WITH_INV ? 0x1234u : 0u);
		EXPECT_EQ(wc.src_qp, 0u);
		EXPECT_EQ(wc.slid, 0);
		EXPECT_EQ(wc.sl, 0);
		EXPECT_EQ(wc.pkey_index, 0);
		EXPECT_EQ(wc.dlid_path_bits, 0);
		EXPECT_EQ(cq.cons(), 1u);
	}
}

TEST_F(PollCq, PartialPollsHandBackWhatWasRead)
{
	Cq cq(8);
	for (uint64_t i = 0; i < 5; i++)
		cq.ring.produce(make_cqe(i, KIWI_CQE_RECV));

	ibv_wc wc[8];
	ASSERT_EQ(kiwi_poll_cq(cq.ibcq(), 2, wc), 2);
	EXPECT_EQ(wc[0].wr_id, 0u);
	EXPECT_EQ(wc[1].wr_id, 1u);
	EXPECT_EQ(cq.cons(), 2u);
	ASSERT_EQ(kiwi_poll_cq(cq.ibcq(), 8, wc), 3);
	EXPECT_EQ(wc[0].wr_id, 2u);
	EXPECT_EQ(wc[2].wr_id, 4u);
	EXPECT_EQ(cq.cons(), 5u);
	EXPECT_EQ(kiwi_poll_cq(cq.ibcq(), 8, wc), 0);
}

TEST_F(PollCq, WrapsAroundAndThroughZero)
{
	Cq cq(4, false, 0xfffffffd);
	uint64_t next = 0, seen = 0;

	for (int round = 0; round < 40; round++) {
		int k = round % 4 + 1;
		for (int i = 0; i < k; i++)
			cq.ring.produce(make_cqe(next++, KIWI_CQE_SEND));
		ibv_wc wc[4];
		ASSERT_EQ(kiwi_poll_cq(cq.ibcq(), 4, wc), k);
		for (int i = 0; i < k; i++)
			EXPECT_EQ(wc[i].wr_id, seen++);
	}
	EXPECT_EQ(cq.cons(), cq.ring.kprod());
}

/* A prod the kernel cannot have written is no licence to read garbage. */
TEST_F(PollCq, NonsenseProdReadsAsEmpty)
{
	Cq cq(4);
	ibv_wc wc[8];

	cq.ring.hdr()->prod = 5;	/* five in a four-slot ring */
	EXPECT_EQ(kiwi_poll_cq(cq.ibcq(), 8, wc), 0);
	cq.ring.hdr()->prod = 0x80000000;
	EXPECT_EQ(kiwi_poll_cq(cq.ibcq(), 8, wc), 0);
	cq.ring.hdr()->prod = 4;
	EXPECT_EQ(kiwi_poll_cq(cq.ibcq(), 8, wc), 4);
	EXPECT_EQ(cq.cons(), 4u);
}

class NotifyCq : public ProviderTest {};

/* Arm sequences; the kernel clears arm (to NONE) when it raises the event. */
struct ArmCase {
	int n;
	uint32_t before;
	int solicited_only;
	uint32_t after;
};

const ArmCase arm_cases[] = {
	{ 1, KIWI_CQ_ARM_NONE, 0, KIWI_CQ_ARM_NEXT },
	{ 2, KIWI_CQ_ARM_NONE, 1, KIWI_CQ_ARM_SOLICITED },
	{ 3, KIWI_CQ_ARM_SOLICITED, 0, KIWI_CQ_ARM_NEXT },
	{ 4, KIWI_CQ_ARM_SOLICITED, 1, KIWI_CQ_ARM_SOLICITED },
	{ 5, KIWI_CQ_ARM_NEXT, 1, KIWI_CQ_ARM_NEXT },	/* never lowered */
	{ 6, KIWI_CQ_ARM_NEXT, 0, KIWI_CQ_ARM_NEXT },
	{ 7, 77, 1, KIWI_CQ_ARM_SOLICITED },		/* scribbled */
};

TEST_F(NotifyCq, ArmTable)
{
	for (const ArmCase &c : arm_cases) {
		SCOPED_TRACE(testing::Message() << "case " << c.n);
		Cq cq;

		cq.ring.hdr()->arm = c.before;
		EXPECT_EQ(kiwi_req_notify_cq(cq.ibcq(), c.solicited_only), 0);
		EXPECT_EQ(cq.arm(), c.after);
		EXPECT_EQ(syscalls.doorbells + syscalls.flush_kicks, 0);
	}
}

class CqEx : public ProviderTest {};

TEST_F(CqEx, StartPollOnEmptyIsENOENTAndUnlocked)
{
	Cq cq;
	ibv_poll_cq_attr attr = {};

	EXPECT_EQ(ibv_start_poll(cq.cqx(), &attr), ENOENT);
	EXPECT_TRUE(cq.unlocked());
	EXPECT_EQ(cq.cons(), 0u);
}

TEST_F(CqEx, StartPollOnEmptyTakesNoLock)
{
	Cq cq;
	ibv_poll_cq_attr attr = {};
	int got = -1;

	EXPECT_TRUE(returns_while_locked(cq, [&] {
		got = ibv_start_poll(cq.cqx(), &attr);
	}));
	EXPECT_EQ(got, ENOENT);
	EXPECT_TRUE(cq.unlocked());
}

TEST_F(CqEx, UnknownPollAttrIsRefused)
{
	Cq cq;
	ibv_poll_cq_attr attr = { .comp_mask = 1 };

	cq.ring.produce(make_cqe(1, KIWI_CQE_SEND));
	EXPECT_EQ(ibv_start_poll(cq.cqx(), &attr), EOPNOTSUPP);
	EXPECT_TRUE(cq.unlocked());
	EXPECT_EQ(cq.cons(), 0u);
}

TEST_F(CqEx, ReadsEveryFieldAndHandsBackAtEnd)
{
	Cq cq;
	kiwi_cqe a = make_cqe(10, KIWI_CQE_RECV, 0, 100, 5);
	a.flags = KIWI_CQE_F_WITH_INV;
	a.inv_rkey = 0xabcd01;
	kiwi_cqe b = make_cqe(11, KIWI_CQE_READ, KIWI_WC_REM_ACCESS_ERR, 0, 6);
	b.vendor_err = 0x21;
	kiwi_cqe c = make_cqe(12, KIWI_CQE_WRITE, 0, 0, 7);
	cq.ring.produce(a);
	cq.ring.produce(b);
	cq.ring.produce(c);

	ibv_cq_ex *x = cq.cqx();
	ibv_poll_cq_attr attr = {};
	ASSERT_EQ(ibv_start_poll(x, &attr), 0);
	EXPECT_FALSE(cq.unlocked());
	EXPECT_EQ(x->wr_id, 10u);
	EXPECT_EQ(x->status, IBV_WC_SUCCESS);
	EXPECT_EQ(ibv_wc_read_opcode(x), IBV_WC_RECV);
	EXPECT_EQ(ibv_wc_read_byte_len(x), 100u);
	EXPECT_EQ(ibv_wc_read_qp_num(x), 5u);
	EXPECT_EQ(ibv_wc_read_wc_flags(x), unsigned(IBV_WC_WITH_INV));
	EXPECT_EQ(ibv_wc_read_invalidated_rkey(x), 0xabcd01u);
	EXPECT_EQ(ibv_wc_read_src_qp(x), 0u);
	EXPECT_EQ(ibv_wc_read_slid(x), 0u);
	EXPECT_EQ(ibv_wc_read_sl(x), 0);
	EXPECT_EQ(ibv_wc_read_dlid_path_bits(x), 0);

	ASSERT_EQ(ibv_next_poll(x), 0);
	EXPECT_EQ(x->wr_id, 11u);
	EXPECT_EQ(x->status, IBV_WC_REM_ACCESS_ERR);
	EXPECT_EQ(ibv_wc_read_opcode(x), IBV_WC_RDMA_READ);
	EXPECT_EQ(ibv_wc_read_vendor_err(x), 0x21u);
	EXPECT_EQ(ibv_wc_read_wc_flags(x), 0u);
	EXPECT_EQ(ibv_wc_read_qp_num(x), 6u);

	ASSERT_EQ(ibv_next_poll(x), 0);
	EXPECT_EQ(x->wr_id, 12u);
	EXPECT_EQ(ibv_wc_read_opcode(x), IBV_WC_RDMA_WRITE);
	EXPECT_EQ(ibv_next_poll(x), ENOENT);
	/* Nothing is handed back before end_poll. */
	EXPECT_EQ(cq.cons(), 0u);
	ibv_end_poll(x);
	EXPECT_EQ(cq.cons(), 3u);
	EXPECT_TRUE(cq.unlocked());
	EXPECT_EQ(ibv_start_poll(x, &attr), ENOENT);
}

TEST_F(CqEx, SeesCompletionsThatArriveDuringThePoll)
{
	Cq cq(4);
	ibv_cq_ex *x = cq.cqx();
	ibv_poll_cq_attr attr = {};

	cq.ring.produce(make_cqe(1, KIWI_CQE_SEND));
	ASSERT_EQ(ibv_start_poll(x, &attr), 0);
	EXPECT_EQ(ibv_next_poll(x), ENOENT);
	cq.ring.produce(make_cqe(2, KIWI_CQE_SEND));
	ASSERT_EQ(ibv_next_poll(x), 0);
	EXPECT_EQ(x->wr_id, 2u);
	ibv_end_poll(x);
	EXPECT_EQ(cq.cons(), 2u);
}

TEST_F(CqEx, EndPollAfterAFullBatchAndWrap)
{
	Cq cq(4, true, 0xfffffffe);
	ibv_cq_ex *x = cq.cqx();
	ibv_poll_cq_attr attr = {};
	uint64_t next = 0, seen = 0;

	for (int round = 0; round < 20; round++) {
		for (int i = 0; i < 4; i++)
			cq.ring.produce(make_cqe(next++, KIWI_CQE_RECV));
		ASSERT_EQ(ibv_start_poll(x, &attr), 0);
		int n = 0;
		do {
			EXPECT_EQ(x->wr_id, seen++);
			n++;
		} while (ibv_next_poll(x) == 0);
		ibv_end_poll(x);
		EXPECT_EQ(n, 4);
	}
	EXPECT_EQ(cq.cons(), cq.ring.kprod());
}

TEST_F(CqEx, MixesWithPollCq)
{
	Cq cq;
	ibv_cq_ex *x = cq.cqx();
	ibv_poll_cq_attr attr = {};
	ibv_wc wc;

	cq.ring.produce(make_cqe(1, KIWI_CQE_SEND));
	cq.ring.produce(make_cqe(2, KIWI_CQE_SEND));
	ASSERT_EQ(ibv_start_poll(x, &attr), 0);
	ibv_end_poll(x);
	ASSERT_EQ(kiwi_poll_cq(cq.ibcq(), 1, &wc), 1);
	EXPECT_EQ(wc.wr_id, 2u);
	EXPECT_EQ(cq.cons(), 2u);
}

TEST_F(CqEx, SingleThreadedTakesNoLock)
{
	Cq cq(8, true, 0, true);
	ibv_cq_ex *x = cq.cqx();
	ibv_poll_cq_attr attr = {};

	cq.ring.produce(make_cqe(1, KIWI_CQE_SEND));
	ASSERT_EQ(ibv_start_poll(x, &attr), 0);
	EXPECT_TRUE(cq.unlocked());
	ibv_end_poll(x);
	EXPECT_EQ(cq.cons(), 1u);
}

} // namespace
} // namespace kiwi_test
