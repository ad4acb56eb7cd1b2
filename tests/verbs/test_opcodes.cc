// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Every RDMAP operation a user can post (Send, Send with Solicited Event,
 * Send with Invalidate, RDMA Write, RDMA Read) moves its data byte for byte:
 * position-dependent patterns, buffers surrounded by untouched fill and
 * guard regions, and the completion fields checked on both sides.
 */
#include "suite.h"

namespace kv {

std::string size_name(const ::testing::TestParamInfo<size_t> &i)
{
	size_t n = i.param;
	std::string s;

	if (n >= (1u << 20) && n % (1u << 20) == 0)
		return std::to_string(n >> 20) + "M";
	if (n >= 1024)
		s = std::to_string(n >> 10) + "k";
	if (n >= 1024 && n % 1024)
		s += "_" + std::to_string(n % 1024);
	return s.empty() ? std::to_string(n) : s;
}

namespace {

const size_t sizes[] = { 0, 1, 7, 4096, 65537, 1u << 20 };

class SendSize : public VerbsTest, public ::testing::WithParamInterface<size_t> {};

/* Send of n bytes into a larger receive buffer: byte_len is n, the
 * receive buffer past n and the guards stay untouched. */
TEST_P(SendSize, PatternArrivesIntact)
{
	const size_t n = GetParam();
	auto c = conn();
	ASSERT_TRUE(c);
	Buf src(n ? n : 1), dst(n + 64);	/* no zero-length MR */
	src.reg(c->client.pd, IBV_ACCESS_LOCAL_WRITE);
	dst.reg(c->server.pd, IBV_ACCESS_LOCAL_WRITE);
	fill_pat(src.data(), n, 11);

	ASSERT_EQ(0, post_recv(c->server.qp(), { dst.sge(0, n + 64) }, 7));
	std::vector<ibv_sge> sg;
	if (n)
		sg.push_back(src.sge(0, n));
	ASSERT_EQ(0, post_send(c->client.qp(), IBV_WR_SEND, sg, 1));

	EXPECT_TRUE(expect_wc(c->client.scq, 1, IBV_WC_SEND));
	ibv_wc wc = {};
	ASSERT_TRUE(expect_wc(c->server.rcq, 7, IBV_WC_RECV, 0, &wc));
	EXPECT_EQ(n, wc.byte_len);
	EXPECT_EQ(c->server.qpn(), wc.qp_num);
	EXPECT_EQ(0u, wc.wc_flags & (IBV_WC_WITH_IMM | IBV_WC_WITH_INV));
	EXPECT_TRUE(is_pat(dst.data(), n, 11));
	EXPECT_TRUE(is_fill(dst.data() + n, 64, FILL_BYTE));
	EXPECT_TRUE(dst.guards_ok());
	EXPECT_TRUE(src.guards_ok());
}

INSTANTIATE_TEST_SUITE_P(Opcodes, SendSize, ::testing::ValuesIn(sizes), size_name);

class WriteSize : public VerbsTest, public ::testing::WithParamInterface<size_t> {};

/* RDMA Write of n bytes to an odd offset of a remote buffer; only those
 * bytes change.  A following Send proves placement (RDMAP ordering). */
TEST_P(WriteSize, PatternPlacedAtOffset)
{
	const size_t n = GetParam(), off = 13;
	auto c = conn();
	ASSERT_TRUE(c);
	Buf src(n + 5), dst(n + 64);
	src.reg(c->client.pd, IBV_ACCESS_LOCAL_WRITE);
	dst.reg(c->server.pd, IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE);
	fill_pat(src.data() + 5, n, 23);

	std::vector<ibv_sge> sg;
	if (n)
		sg.push_back(src.sge(5, n));
	ASSERT_EQ(0, post_send(c->client.qp(), IBV_WR_RDMA_WRITE, sg, 2,
			       IBV_SEND_SIGNALED, dst.addr(off), dst.mr()->rkey));
	EXPECT_TRUE(expect_wc(c->client.scq, 2, IBV_WC_RDMA_WRITE));
	ASSERT_TRUE(marker(*c));

	EXPECT_TRUE(is_fill(dst.data(), off, FILL_BYTE));
	EXPECT_TRUE(is_pat(dst.data() + off, n, 23));
	EXPECT_TRUE(is_fill(dst.data() + off + n, 64 - off, FILL_BYTE));
	EXPECT_TRUE(dst.guards_ok());
}

INSTANTIATE_TEST_SUITE_P(Opcodes, WriteSize, ::testing::ValuesIn(sizes), size_name);

class ReadSize : public VerbsTest, public ::testing::WithParamInterface<size_t> {};

/* RDMA Read of n bytes from an odd remote offset into an odd local one;
 * the Read's completion means the data is placed. */
TEST_P(ReadSize, PatternFetched)
{
	const size_t n = GetParam(), roff = 9, loff = 3;
	auto c = conn();
	ASSERT_TRUE(c);
	Buf src(n + roff), dst(n + 64);
	src.reg(c->server.pd, IBV_ACCESS_REMOTE_READ);
	dst.reg(c->client.pd, IBV_ACCESS_LOCAL_WRITE);
	fill_pat(src.data(), n + roff, 31);

	std::vector<ibv_sge> sg;
	if (n)
		sg.push_back(dst.sge(loff, n));
	ASSERT_EQ(0, post_send(c->client.qp(), IBV_WR_RDMA_READ, sg, 3,
			       IBV_SEND_SIGNALED, src.addr(roff), src.mr()->rkey));
	EXPECT_TRUE(expect_wc(c->client.scq, 3, IBV_WC_RDMA_READ));

	EXPECT_TRUE(is_fill(dst.data(), loff, FILL_BYTE));
	EXPECT_TRUE(is_pat(dst.data() + loff, n, 31, roff));
	EXPECT_TRUE(is_fill(dst.data() + loff + n, 64 - loff, FILL_BYTE));
	EXPECT_TRUE(dst.guards_ok());
	EXPECT_TRUE(is_pat(src.data(), n + roff, 31)) << "the Read changed its source";
}

INSTANTIATE_TEST_SUITE_P(Opcodes, ReadSize, ::testing::ValuesIn(sizes), size_name);

class Opcodes : public VerbsTest {};

/* Send with Solicited Event: wakes a CQ armed for solicited events only,
 * and carries its data like a plain Send. */
TEST_F(Opcodes, SendWithSolicitedEvent)
{
	QpOpts so;
	so.comp_channel = true;
	auto c = conn({}, so);
	ASSERT_TRUE(c);
	Buf src(300), dst(300);
	src.reg(c->client.pd, IBV_ACCESS_LOCAL_WRITE);
	dst.reg(c->server.pd, IBV_ACCESS_LOCAL_WRITE);
	fill_pat(src.data(), 300, 41);

	ASSERT_EQ(0, ibv_req_notify_cq(c->server.rcq, 1));
	ASSERT_EQ(0, post_recv(c->server.qp(), { dst.sge(0, 300) }, 8));
	ASSERT_EQ(0, post_send(c->client.qp(), IBV_WR_SEND, { src.sge(0, 300) }, 4,
			       IBV_SEND_SIGNALED | IBV_SEND_SOLICITED));
	EXPECT_TRUE(expect_wc(c->client.scq, 4, IBV_WC_SEND));
	ibv_cq *ev = wait_cq_event(c->server.ch, quirk_listed("no-solicited-event")
							 ? ms(2000) : ms(10000));
	if (!ev && quirk("no-solicited-event",
			 "a CQ armed for solicited events is not woken by a "
			 "Send with Solicited Event")) {
	} else {
		EXPECT_EQ(c->server.rcq, ev)
			<< "no completion event for a solicited Send";
	}
	ibv_wc wc = {};
	ASSERT_TRUE(expect_wc(c->server.rcq, 8, IBV_WC_RECV, 0, &wc));
	EXPECT_EQ(300u, wc.byte_len);
	EXPECT_TRUE(is_pat(dst.data(), 300, 41));
	EXPECT_TRUE(dst.guards_ok());
}

/*
 * Send with Invalidate naming the rkey of an ordinary user MR.  The data
 * arrives either way; then the responder does one of two things, both
 * allowed:
 *   - invalidates it (siw): the receive completion says IBV_WC_WITH_INV
 *     with the rkey, and the STag is dead: a Write to it is refused and
 *     changes nothing;
 *   - refuses, because only fast-registered MRs can be invalidated (IBTA
 *     semantics; kiwi): the receive completes with IBV_WC_REM_INV_REQ_ERR
 *     and the connection terminates (responder QP in ERR).
 * Never: a successful receive that does not say the STag was invalidated.
 */
TEST_F(Opcodes, SendWithInvalidate)
{
	expect_errors_ = true;
	auto c = conn();
	ASSERT_TRUE(c);
	Buf src(200), dst(200), target(4096), wsrc(64);
	src.reg(c->client.pd, IBV_ACCESS_LOCAL_WRITE);
	wsrc.reg(c->client.pd, IBV_ACCESS_LOCAL_WRITE);
	dst.reg(c->server.pd, IBV_ACCESS_LOCAL_WRITE);
	target.reg(c->server.pd, IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE);
	fill_pat(src.data(), 200, 51);
	fill_pat(wsrc.data(), 64, 52);
	const uint32_t rkey = target.mr()->rkey;

	ASSERT_EQ(0, post_recv(c->server.qp(), { dst.sge(0, 200) }, 9));
	/* wr.invalidate_rkey names the STag; wr.rdma must not matter */
	uint32_t rdma_rkey = 0;
	if (quirk("inv-rkey-in-rdma-rkey",
		  "the provider sends wr.wr.rdma.rkey as the STag to invalidate, "
		  "not wr.invalidate_rkey"))
		rdma_rkey = rkey;
	size_t m = AsyncEvents::get().mark();
	ASSERT_EQ(0, post_send(c->client.qp(), IBV_WR_SEND_WITH_INV,
			       { src.sge(0, 200) }, 5, IBV_SEND_SIGNALED, 0,
			       rdma_rkey, rkey));
	EXPECT_TRUE(expect_wc(c->client.scq, 5, IBV_WC_SEND));
	auto wc = poll_one(c->server.rcq, ms(10000));
	ASSERT_TRUE(wc) << "no receive completion";
	EXPECT_EQ(9u, wc->wr_id);
	EXPECT_EQ(IBV_WC_RECV, wc->opcode);
	EXPECT_TRUE(is_pat(dst.data(), 200, 51));

	if (wc->status == IBV_WC_REM_INV_REQ_ERR) {
		note("the responder refused to invalidate a user MR: " + wc_str(*wc));
		EXPECT_TRUE(c->server.in_state(IBV_QPS_ERR, ms(10000)))
			<< "refused invalidation, but the connection lives on";
	} else {
		ASSERT_EQ(IBV_WC_SUCCESS, wc->status) << wc_str(*wc);
		EXPECT_EQ(200u, wc->byte_len);
		note("the responder invalidated the user MR's STag");
		if (!(wc->wc_flags & IBV_WC_WITH_INV) &&
		    quirk("no-wc-with-inv", "receive completion lacks IBV_WC_WITH_INV")) {
		} else {
			EXPECT_TRUE(wc->wc_flags & IBV_WC_WITH_INV) << wc_str(*wc);
			EXPECT_EQ(rkey, wc->invalidated_rkey);
		}
		/* The STag is invalid now: a Write to it must not land. */
		m = AsyncEvents::get().mark();
		ASSERT_EQ(0, post_send(c->client.qp(), IBV_WR_RDMA_WRITE,
				       { wsrc.sge(0, 64) }, 6, IBV_SEND_SIGNALED,
				       target.addr(0), rkey));
		poll_one(c->client.scq, ms(10000));
		EXPECT_TRUE(c->server.in_state(IBV_QPS_ERR, ms(10000)))
			<< "after a Write to an invalidated STag";
	}
	EXPECT_TRUE(AsyncEvents::get().wait_qp(c->server.ctx(), c->server.qpn(),
					       { IBV_EVENT_QP_ACCESS_ERR,
						 IBV_EVENT_QP_FATAL,
						 IBV_EVENT_QP_REQ_ERR },
					       quirk_listed("no-event-for-bad-stag")
						       ? ms(3000) : ms(10000), m) ||
		    quirk("no-event-for-bad-stag",
			  "no async event for a Write to an invalidated STag"))
		<< "no async error event on the responder";
	EXPECT_TRUE(is_fill(target.data(), 4096, FILL_BYTE));
	EXPECT_TRUE(target.guards_ok());
}

/*
 * A stream of 96 mixed operations on one QP: Sends, Writes and Reads of
 * varied sizes.  Send queue completions arrive in posting order, receive
 * completions in message order, and every byte is where it belongs.
 */
TEST_F(Opcodes, MixedStreamInOrder)
{
	QpOpts o;
	o.sq = 128;
	o.rq = 128;
	auto c = conn(o, o);
	ASSERT_TRUE(c);
	const int N = 96;
	const size_t SLOT = 8192;
	Buf lsrc(N * SLOT), ldst(N * SLOT), rbuf(N * SLOT), rrecv(N * SLOT);
	lsrc.reg(c->client.pd, IBV_ACCESS_LOCAL_WRITE);
	ldst.reg(c->client.pd, IBV_ACCESS_LOCAL_WRITE);
	rbuf.reg(c->server.pd, ACCESS_ALL);
	rrecv.reg(c->server.pd, IBV_ACCESS_LOCAL_WRITE);

	std::vector<size_t> len(N);
	int nsend = 0;
	for (int i = 0; i < N; i++) {
		len[i] = 1 + (static_cast<size_t>(i) * 2731) % SLOT;
		fill_pat(lsrc.data() + i * SLOT, len[i], 100 + i);
		if (i % 3 == 2)	/* Reads fetch from the remote slot */
			fill_pat(rbuf.data() + i * SLOT, len[i], 100 + i);
		if (i % 3 == 0) {
			ASSERT_EQ(0, post_recv(c->server.qp(),
					       { rrecv.sge(nsend++ * SLOT, SLOT) }, i));
		}
	}
	for (int i = 0; i < N; i++) {
		int rc;

		switch (i % 3) {
		case 0:
			rc = post_send(c->client.qp(), IBV_WR_SEND,
				       { lsrc.sge(i * SLOT, len[i]) }, i);
			break;
		case 1:
			rc = post_send(c->client.qp(), IBV_WR_RDMA_WRITE,
				       { lsrc.sge(i * SLOT, len[i]) }, i,
				       IBV_SEND_SIGNALED, rbuf.addr(i * SLOT),
				       rbuf.mr()->rkey);
			break;
		default:
			rc = post_send(c->client.qp(), IBV_WR_RDMA_READ,
				       { ldst.sge(i * SLOT, len[i]) }, i,
				       IBV_SEND_SIGNALED, rbuf.addr(i * SLOT),
				       rbuf.mr()->rkey);
			break;
		}
		ASSERT_EQ(0, rc) << "post " << i;
	}
	auto swc = poll_n(c->client.scq, N, ms(30000));
	ASSERT_EQ(static_cast<size_t>(N), swc.size());
	static const ibv_wc_opcode op[3] = { IBV_WC_SEND, IBV_WC_RDMA_WRITE,
					     IBV_WC_RDMA_READ };
	std::vector<int> seen(N);
	bool in_order = true;
	for (int i = 0; i < N; i++) {
		uint64_t id = swc[i].wr_id;

		ASSERT_LT(id, static_cast<uint64_t>(N)) << wc_str(swc[i]);
		EXPECT_EQ(IBV_WC_SUCCESS, swc[i].status) << wc_str(swc[i]);
		EXPECT_EQ(op[id % 3], swc[i].opcode) << wc_str(swc[i]);
		EXPECT_EQ(0, seen[id]++) << "completed twice: " << wc_str(swc[i]);
		in_order &= id == static_cast<uint64_t>(i);
	}
	if (!in_order && !quirk("sq-completion-order",
				"an RDMA Read completes after Sends and Writes "
				"posted behind it"))
		ADD_FAILURE() << "send queue completions out of posting order";
	auto rwc = poll_n(c->server.rcq, nsend, ms(30000));
	ASSERT_EQ(static_cast<size_t>(nsend), rwc.size());
	for (int k = 0; k < nsend; k++) {
		int i = k * 3;
		EXPECT_EQ(IBV_WC_SUCCESS, rwc[k].status) << wc_str(rwc[k]);
		EXPECT_EQ(static_cast<uint64_t>(i), rwc[k].wr_id) << "receive order";
		EXPECT_EQ(len[i], rwc[k].byte_len);
		EXPECT_TRUE(is_pat(rrecv.data() + k * SLOT, len[i], 100 + i)) << "send " << i;
	}
	for (int i = 0; i < N; i++) {
		if (i % 3 == 1) {
			EXPECT_TRUE(is_pat(rbuf.data() + i * SLOT, len[i], 100 + i))
				<< "write " << i;
		}
		if (i % 3 == 2) {
			EXPECT_TRUE(is_pat(ldst.data() + i * SLOT, len[i], 100 + i))
				<< "read " << i;
		}
	}
	for (Buf *b : { &lsrc, &ldst, &rbuf, &rrecv })
		EXPECT_TRUE(b->guards_ok());
}

/*
 * A Send or Write completes only once its source may change: each source
 * region is overwritten the moment its completion is polled, and every
 * message must still arrive as it was posted.  With zero-copy transmit
 * (kiwi's tx_zcopy_min), a completion delivered while TCP still held the
 * pages (unsent in its write queue, say) shows up here as bytes of the
 * overwrite.  Several large messages are in flight at once, so that TCP
 * has a backlog when the first ones complete.
 */
TEST_F(Opcodes, SourceOverwrittenAtCompletion)
{
	const size_t n = 512 * 1024;
	const int inflight = 4, rounds = 6;
	auto c = conn();
	ASSERT_TRUE(c);
	Buf src(n * inflight), dst(n * inflight), wdst(n * inflight);
	src.reg(c->client.pd, IBV_ACCESS_LOCAL_WRITE);
	dst.reg(c->server.pd, IBV_ACCESS_LOCAL_WRITE);
	wdst.reg(c->server.pd, IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE);

	for (int r = 0; r < rounds; r++) {
		const bool write = r % 2;

		for (int i = 0; i < inflight; i++) {
			const uint64_t id = r * inflight + i;

			fill_pat(src.data() + i * n, n, 700 + id);
			if (write) {
				ASSERT_EQ(0, post_send(c->client.qp(), IBV_WR_RDMA_WRITE,
						       { src.sge(i * n, n) }, id,
						       IBV_SEND_SIGNALED,
						       wdst.addr(i * n),
						       wdst.mr()->rkey));
			} else {
				ASSERT_EQ(0, post_recv(c->server.qp(),
						       { dst.sge(i * n, n) }, id));
				ASSERT_EQ(0, post_send(c->client.qp(), IBV_WR_SEND,
						       { src.sge(i * n, n) }, id));
			}
		}
		for (int i = 0; i < inflight; i++) {
			const uint64_t id = r * inflight + i;

			ASSERT_TRUE(expect_wc(c->client.scq, id,
					      write ? IBV_WC_RDMA_WRITE : IBV_WC_SEND));
			memset(src.data() + i * n, 0xa5, n);
		}
		if (write) {
			ASSERT_TRUE(marker(*c, 0xfeed + r));
		} else {
			for (int i = 0; i < inflight; i++)
				ASSERT_TRUE(expect_wc(c->server.rcq, r * inflight + i,
						      IBV_WC_RECV));
		}
		for (int i = 0; i < inflight; i++) {
			const uint8_t *p = (write ? wdst : dst).data() + i * n;

			EXPECT_TRUE(is_pat(p, n, 700 + r * inflight + i))
				<< (write ? "write " : "send ") << r * inflight + i;
		}
	}
	EXPECT_TRUE(src.guards_ok());
	EXPECT_TRUE(dst.guards_ok());
	EXPECT_TRUE(wdst.guards_ok());
}

} /* namespace */
} /* namespace kv */
