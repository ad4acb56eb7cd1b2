// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Immediate errors: work requests that ibv_post_send/ibv_post_recv must
 * refuse at post time with a positive errno (ibv_post_send(3)), with bad_wr
 * pointing at the first refused request, nothing of it executed, and the
 * QP still usable afterwards.
 */
#include "suite.h"

#include <cerrno>
#include <cstring>

namespace kv {
namespace {

class PostErrors : public VerbsTest {
protected:
	/* The QP still works after a refused post: a Send round trip. */
	void still_usable(Conn &c)
	{
		EXPECT_TRUE(c.client.in_state(IBV_QPS_RTS));
		EXPECT_TRUE(c.server.in_state(IBV_QPS_RTS));
		EXPECT_TRUE(marker(c, 0x5151)) << "QP unusable after a refused post";
	}
};

/* More send SGEs than the device supports at all. */
TEST_F(PostErrors, TooManySendSgesForDevice)
{
	auto c = conn();
	ASSERT_TRUE(c);
	const int max = dev_attr(c->client.ctx()).max_sge;
	Buf b(4096);
	b.reg(c->client.pd, IBV_ACCESS_LOCAL_WRITE);
	std::vector<ibv_sge> sg(max + 1, b.sge(0, 8));
	ibv_send_wr wr = make_wr(IBV_WR_SEND, sg.data(), max + 1, 1), *bad = nullptr;

	EXPECT_TRUE(post_failed_with(ibv_post_send(c->client.qp(), &wr, &bad),
				     { EINVAL, ENOMEM }))
		<< max + 1 << " SGEs, device max_sge " << max;
	EXPECT_EQ(&wr, bad);
	EXPECT_TRUE(poll_quiet(c->client.scq, ms(300)).empty());
	still_usable(*c);
}

/* More send SGEs than this QP was created with (fewer than the device's). */
TEST_F(PostErrors, TooManySendSgesForQp)
{
	QpOpts co;
	co.send_sge = 1;
	auto c = conn(co);
	ASSERT_TRUE(c);
	const uint32_t cap = c->client.cap.max_send_sge;
	if (cap >= static_cast<uint32_t>(dev_attr(c->client.ctx()).max_sge))
		GTEST_SKIP() << "the QP got the device maximum of " << cap
			     << " SGEs although it asked for 1";
	Buf b(4096);
	b.reg(c->client.pd, IBV_ACCESS_LOCAL_WRITE);
	std::vector<ibv_sge> sg(cap + 1, b.sge(0, 8));
	ibv_send_wr wr = make_wr(IBV_WR_SEND, sg.data(), cap + 1, 1), *bad = nullptr;

	int rc = ibv_post_send(c->client.qp(), &wr, &bad);
	if (rc == 0 && quirk("sge-limit-per-device",
			     "the provider checks num_sge against the device "
			     "maximum, not the QP's max_send_sge")) {
		poll_n(c->client.scq, 1, ms(2000));
		return;
	}
	EXPECT_TRUE(post_failed_with(rc, { EINVAL, ENOMEM }))
		<< cap + 1 << " SGEs on a QP with max_send_sge " << cap;
	EXPECT_EQ(&wr, bad);
	EXPECT_TRUE(poll_quiet(c->client.scq, ms(300)).empty());
	still_usable(*c);
}

/* More receive SGEs than the QP supports. */
TEST_F(PostErrors, TooManyRecvSges)
{
	QpOpts so;
	so.recv_sge = 2;
	auto c = conn({}, so);
	ASSERT_TRUE(c);
	const uint32_t cap = c->server.cap.max_recv_sge;
	Buf b(4096);
	b.reg(c->server.pd, IBV_ACCESS_LOCAL_WRITE);
	std::vector<ibv_sge> sg(cap + 1, b.sge(0, 8));
	ibv_recv_wr wr = {}, *bad = nullptr;
	wr.wr_id = 1;
	wr.sg_list = sg.data();
	wr.num_sge = static_cast<int>(cap + 1);

	int rc = ibv_post_recv(c->server.qp(), &wr, &bad);
	if (rc == 0 && quirk("sge-limit-per-device",
			     "the provider checks num_sge against the device "
			     "maximum, not the QP's max_recv_sge"))
		return;
	EXPECT_TRUE(post_failed_with(rc, { EINVAL, ENOMEM }))
		<< cap + 1 << " SGEs on a QP with max_recv_sge " << cap;
	EXPECT_EQ(&wr, bad);
	still_usable(*c);
}

/* Inline data one byte longer than max_inline_data. */
TEST_F(PostErrors, InlineTooLong)
{
	QpOpts co;
	co.inline_data = 64;
	auto c = conn(co);
	ASSERT_TRUE(c);
	const uint32_t max = c->client.cap.max_inline_data;
	std::vector<uint8_t> m(max + 1, 0x42);
	ibv_sge sg = { reinterpret_cast<uintptr_t>(m.data()), max + 1, 0 };
	ibv_send_wr wr = make_wr(IBV_WR_SEND, &sg, 1, 1,
				 IBV_SEND_SIGNALED | IBV_SEND_INLINE), *bad = nullptr;

	int rc = ibv_post_send(c->client.qp(), &wr, &bad);
	if (rc == 0 && quirk("inline-limit",
			     "the provider accepts more inline data than the "
			     "max_inline_data of " + std::to_string(max) +
			     " it reported")) {
		poll_n(c->client.scq, 1, ms(2000));
		return;
	}
	EXPECT_TRUE(post_failed_with(rc, { EINVAL, ENOMEM }))
		<< max + 1 << " inline bytes, max_inline_data " << max;
	EXPECT_EQ(&wr, bad);
	EXPECT_TRUE(poll_quiet(c->client.scq, ms(300)).empty());
	still_usable(*c);
}

/* Opcodes iWARP (RDMAP without RFC 7306) does not have: immediate data,
 * atomics, memory windows, local invalidate from user space, TSO. */
TEST_F(PostErrors, UnsupportedOpcodes)
{
	auto c = conn();
	ASSERT_TRUE(c);
	Buf b(4096);
	b.reg(c->client.pd, ACCESS_ALL);
	static const ibv_wr_opcode ops[] = {
		IBV_WR_RDMA_WRITE_WITH_IMM, IBV_WR_SEND_WITH_IMM,
		IBV_WR_ATOMIC_CMP_AND_SWP,  IBV_WR_ATOMIC_FETCH_AND_ADD,
		IBV_WR_LOCAL_INV,	    IBV_WR_BIND_MW,
		IBV_WR_TSO,
	};
	for (ibv_wr_opcode op : ops) {
		ibv_sge sg = b.sge(0, 8);
		ibv_send_wr wr = make_wr(op, &sg, 1, 100 + op), *bad = nullptr;
		wr.wr.rdma.remote_addr = b.addr(0);
		wr.wr.rdma.rkey = b.mr()->rkey;

		EXPECT_TRUE(post_failed_with(ibv_post_send(c->client.qp(), &wr, &bad),
					     { EINVAL, EOPNOTSUPP }))
			<< "opcode " << op;
		EXPECT_EQ(&wr, bad) << "opcode " << op;
	}
	EXPECT_TRUE(poll_quiet(c->client.scq, ms(300)).empty());
	still_usable(*c);
}

/* An opcode value that names nothing at all. */
TEST_F(PostErrors, GarbageOpcode)
{
	if (quirk("opcode-table-overrun",
		  "providers/siw indexes its opcode table with the unchecked "
		  "opcode; an out-of-range value reads past the table"))
		GTEST_SKIP() << "undefined behaviour in the siw provider";
	auto c = conn();
	ASSERT_TRUE(c);
	Buf b(4096);
	b.reg(c->client.pd, IBV_ACCESS_LOCAL_WRITE);
	for (int op : { 0x7f, 0xff, 1000 }) {
		ibv_sge sg = b.sge(0, 8);
		ibv_send_wr wr = make_wr(static_cast<ibv_wr_opcode>(op), &sg, 1, 1),
			    *bad = nullptr;

		EXPECT_TRUE(post_failed_with(ibv_post_send(c->client.qp(), &wr, &bad),
					     { EINVAL, EOPNOTSUPP }))
			<< "opcode " << op;
		EXPECT_EQ(&wr, bad);
	}
	EXPECT_TRUE(poll_quiet(c->client.scq, ms(300)).empty());
	still_usable(*c);
}

/* A chain whose second WR is bad: the first is posted and executes,
 * bad_wr names the second, and the third is not posted. */
TEST_F(PostErrors, BadWrInChain)
{
	auto c = conn();
	ASSERT_TRUE(c);
	Buf s(4096), r(4096);
	s.reg(c->client.pd, IBV_ACCESS_LOCAL_WRITE);
	r.reg(c->server.pd, IBV_ACCESS_LOCAL_WRITE);
	fill_pat(s.data(), 4096, 80);
	for (int i = 0; i < 3; i++)
		ASSERT_EQ(0, post_recv(c->server.qp(), { r.sge(i * 1024, 1024) }, i));
	const int max = dev_attr(c->client.ctx()).max_sge;
	std::vector<ibv_sge> many(max + 1, s.sge(0, 1));
	ibv_sge one = s.sge(0, 100), three = s.sge(200, 100);
	ibv_send_wr w1 = make_wr(IBV_WR_SEND, &one, 1, 1);
	ibv_send_wr w2 = make_wr(IBV_WR_SEND, many.data(), max + 1, 2);
	ibv_send_wr w3 = make_wr(IBV_WR_SEND, &three, 1, 3);
	ibv_send_wr *bad = nullptr;
	w1.next = &w2;
	w2.next = &w3;

	int rc = ibv_post_send(c->client.qp(), &w1, &bad);
	if (rc != 0 || !quirk("chain-error-lost",
			      "a refused WR behind accepted ones in one chain is "
			      "reported as success (the doorbell's status wins)")) {
		EXPECT_TRUE(post_failed_with(rc, { EINVAL, ENOMEM }));
	}
	EXPECT_EQ(&w2, bad) << "bad_wr must name the second WR";
	auto wc = poll_n(c->client.scq, 2, ms(2000));
	ASSERT_EQ(1u, wc.size()) << "exactly the first WR completes";
	EXPECT_EQ(1u, wc[0].wr_id);
	EXPECT_EQ(IBV_WC_SUCCESS, wc[0].status) << wc_str(wc[0]);
	auto rwc = poll_n(c->server.rcq, 2, ms(2000));
	ASSERT_EQ(1u, rwc.size()) << "exactly one message arrives";
	EXPECT_EQ(100u, rwc[0].byte_len);
	EXPECT_TRUE(is_pat(r.data(), 100, 80));
}

/*
 * A Send posted to a QP that rdma_cm has created but not yet connected
 * (INIT) is refused, and it is not sent later once the QP is connected:
 * the server, with no receive posted, stays healthy.
 */
TEST_F(PostErrors, SendBeforeConnect)
{
	Buf s(64);
	int rc = 0;
	ibv_send_wr wr = {}, *bad = nullptr;
	ibv_sge sg = {};
	QpOpts co;
	co.before_connect = [&](Endpoint &e) {
		s.reg(e.pd, IBV_ACCESS_LOCAL_WRITE);
		sg = s.sge(0, 64);
		wr = make_wr(IBV_WR_SEND, &sg, 1, 9);
		rc = ibv_post_send(e.qp(), &wr, &bad);
	};
	auto c = conn(co);
	ASSERT_TRUE(c);
	if (rc != 0 && rc != EINVAL && rc != ENOTCONN &&
	    quirk("post-any-state",
		  "post_send on a QP in INIT returned " + std::to_string(rc) +
			  " and left the WR in the ring; the QP is wedged")) {
		s.dereg();
		return;
	}
	EXPECT_TRUE(post_failed_with(rc, { EINVAL, ENOTCONN }))
		<< "post_send on a QP in INIT";
	EXPECT_EQ(&wr, bad);
	EXPECT_TRUE(poll_quiet(c->client.scq, ms(500)).empty())
		<< "the refused Send completed anyway";
	still_usable(*c);
	s.dereg();
}

/* A QP made with plain ibv_create_qp stays in RESET: both post_send and
 * post_recv are refused. */
TEST_F(PostErrors, PostToResetQp)
{
	auto c = conn();
	ASSERT_TRUE(c);
	ibv_qp_init_attr a = {};
	a.send_cq = c->client.scq;
	a.recv_cq = c->client.rcq;
	a.qp_type = IBV_QPT_RC;
	a.cap.max_send_wr = a.cap.max_recv_wr = 4;
	a.cap.max_send_sge = a.cap.max_recv_sge = 1;
	ibv_qp *qp = ibv_create_qp(c->client.pd, &a);
	ASSERT_TRUE(qp) << "ibv_create_qp: " << strerror(errno);
	Buf b(64);
	b.reg(c->client.pd, IBV_ACCESS_LOCAL_WRITE);
	ibv_sge sg = b.sge(0, 64);
	ibv_send_wr swr = make_wr(IBV_WR_SEND, &sg, 1, 1), *sbad = nullptr;
	ibv_recv_wr rwr = {}, *rbad = nullptr;
	rwr.wr_id = 2;
	rwr.sg_list = &sg;
	rwr.num_sge = 1;

	int rc = ibv_post_send(qp, &swr, &sbad);
	if (rc != 0 && rc != EINVAL && rc != ENOTCONN &&
	    quirk("post-any-state",
		  "post_send in RESET returned " + std::to_string(rc))) {
	} else {
		EXPECT_TRUE(post_failed_with(rc, { EINVAL, ENOTCONN }))
			<< "post_send in RESET";
	}
	rc = ibv_post_recv(qp, &rwr, &rbad);
	if (rc == 0 && quirk("post-any-state", "post_recv in RESET succeeded")) {
	} else {
		EXPECT_TRUE(post_failed_with(rc, { EINVAL, ENOTCONN }))
			<< "post_recv in RESET";
	}
	EXPECT_TRUE(poll_quiet(c->client.scq, ms(300)).empty());
	b.dereg();
	EXPECT_EQ(0, ibv_destroy_qp(qp));
}

/* One post of max_send_wr + 1 large Writes: the SQ cannot have drained,
 * so a WR beyond its depth is refused with ENOMEM, and every WR before it
 * completes. */
TEST_F(PostErrors, SendQueueOverflow)
{
	QpOpts co;
	co.sq = 16;
	co.sig_all = true;
	auto c = conn(co);
	ASSERT_TRUE(c);
	const uint32_t depth = c->client.cap.max_send_wr;
	const size_t len = 256 * 1024;
	Buf s(len), t(len);
	s.reg(c->client.pd, IBV_ACCESS_LOCAL_WRITE);
	t.reg(c->server.pd, IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE);
	std::vector<ibv_sge> sg(depth + 1, s.sge(0, len));
	std::vector<ibv_send_wr> wr(depth + 1);
	for (uint32_t i = 0; i <= depth; i++) {
		wr[i] = make_wr(IBV_WR_RDMA_WRITE, &sg[i], 1, i);
		wr[i].wr.rdma.remote_addr = t.addr(0);
		wr[i].wr.rdma.rkey = t.mr()->rkey;
		wr[i].next = i < depth ? &wr[i + 1] : nullptr;
	}
	ibv_send_wr *bad = nullptr;

	int rc = ibv_post_send(c->client.qp(), &wr[0], &bad);
	size_t posted = depth + 1;
	if (rc == 0 && quirk("sq-slot-freed-early",
			     "a send queue slot is free once the kernel has read "
			     "the WR, not when it completes")) {
	} else {
		EXPECT_TRUE(post_failed_with(rc, { ENOMEM }))
			<< depth + 1 << " WRs on a send queue of " << depth;
		ASSERT_NE(nullptr, bad);
		posted = bad - &wr[0];
	}
	EXPECT_GE(posted, depth) << "refused before the queue was full";
	const bool strand = quirk_listed("doorbell-skip-strands-wr");
	auto wc = poll_n(c->client.scq, posted, strand ? ms(15000) : ms(60000));
	if (wc.size() + 1 == posted && strand &&
	    quirk("doorbell-skip-strands-wr",
		  "the last of " + std::to_string(posted) + " Writes never ran")) {
	} else {
		EXPECT_EQ(posted, wc.size());
	}
	for (auto &w : wc)
		EXPECT_EQ(IBV_WC_SUCCESS, w.status) << wc_str(w);
	EXPECT_TRUE(poll_quiet(c->client.scq, ms(300)).empty());
	still_usable(*c);
}

/* Receives beyond max_recv_wr are refused with ENOMEM. */
TEST_F(PostErrors, RecvQueueOverflow)
{
	QpOpts so;
	so.rq = 16;
	auto c = conn({}, so);
	ASSERT_TRUE(c);
	const uint32_t depth = c->server.cap.max_recv_wr;
	Buf b(64);
	b.reg(c->server.pd, IBV_ACCESS_LOCAL_WRITE);
	uint32_t i;
	int rc = 0;

	for (i = 0; i <= depth; i++) {
		rc = post_recv(c->server.qp(), { b.sge(0, 64) }, i);
		if (rc)
			break;
	}
	EXPECT_EQ(depth, i) << "receives accepted before the refusal";
	EXPECT_TRUE(post_failed_with(rc, { ENOMEM }));
}

} /* namespace */
} /* namespace kv */
