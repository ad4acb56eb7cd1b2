// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Completion signalling and fences.
 *
 * Selective signalling: with sq_sig_all off, only WRs posted with
 * IBV_SEND_SIGNALED produce a completion, and reaping one frees the send
 * queue slots of the unsignalled WRs before it.  With sq_sig_all on, every
 * WR completes whatever its flags.
 *
 * Fences: IBV_SEND_FENCE holds a WR until every RDMA Read before it has
 * completed.  Two checks make a missing fence visible instead of merely
 * possible: a Send whose source is the sink of the Read before it must
 * carry the data the Read fetched, and a Write to the source of the Read
 * before it must not overtake the Read at the responder.
 */
#include "suite.h"

#include <cstring>

namespace kv {
namespace {

class Signal : public VerbsTest {};

/* 64 Sends through a 16-deep send queue, every 4th signalled: exactly
 * 16 completions with the right wr_ids, all 64 messages delivered. */
TEST_F(Signal, SelectiveSignalling)
{
	QpOpts co, so;
	co.sq = 16;
	so.rq = 128;
	auto c = conn(co, so);
	ASSERT_TRUE(c);
	const int N = 64;
	Buf s(N * 64), r(N * 64);
	s.reg(c->client.pd, IBV_ACCESS_LOCAL_WRITE);
	r.reg(c->server.pd, IBV_ACCESS_LOCAL_WRITE);
	for (int i = 0; i < N; i++) {
		fill_pat(s.data() + i * 64, 64, 200 + i);
		ASSERT_EQ(0, post_recv(c->server.qp(), { r.sge(i * 64, 64) }, i));
	}
	std::vector<uint64_t> got;
	int outstanding = 0;
	for (int i = 0; i < N; i++) {
		bool sig = i % 4 == 3;
		if (outstanding + 1 > static_cast<int>(c->client.cap.max_send_wr)) {
			auto wc = poll_one(c->client.scq, ms(10000));
			ASSERT_TRUE(wc) << "no completion to free the send queue";
			ASSERT_EQ(IBV_WC_SUCCESS, wc->status) << wc_str(*wc);
			got.push_back(wc->wr_id);
			outstanding -= 4;
		}
		ASSERT_EQ(0, post_send(c->client.qp(), IBV_WR_SEND,
				       { s.sge(i * 64, 64) }, i,
				       sig ? IBV_SEND_SIGNALED : 0))
			<< "post " << i << " with " << outstanding << " outstanding";
		outstanding++;
	}
	for (auto &wc : poll_n(c->client.scq, N / 4 - got.size(), ms(10000))) {
		EXPECT_EQ(IBV_WC_SUCCESS, wc.status) << wc_str(wc);
		got.push_back(wc.wr_id);
	}
	ASSERT_EQ(static_cast<size_t>(N / 4), got.size());
	for (int k = 0; k < N / 4; k++)
		EXPECT_EQ(static_cast<uint64_t>(4 * k + 3), got[k]);
	EXPECT_TRUE(poll_quiet(c->client.scq, ms(300)).empty())
		<< "an unsignalled WR produced a completion";
	auto rwc = poll_n(c->server.rcq, N, ms(10000));
	ASSERT_EQ(static_cast<size_t>(N), rwc.size());
	for (int i = 0; i < N; i++) {
		EXPECT_EQ(IBV_WC_SUCCESS, rwc[i].status) << wc_str(rwc[i]);
		EXPECT_TRUE(is_pat(r.data() + i * 64, 64, 200 + i)) << "message " << i;
	}
}

/* Unsignalled Writes and Reads: only the signalled last WR completes, and
 * its completion means all the earlier ones are done. */
TEST_F(Signal, UnsignalledWritesAndReads)
{
	auto c = conn();
	ASSERT_TRUE(c);
	const int N = 8;
	const size_t L = 8192;
	Buf s(N * L), d(N * L), t(N * L);
	s.reg(c->client.pd, IBV_ACCESS_LOCAL_WRITE);
	d.reg(c->client.pd, IBV_ACCESS_LOCAL_WRITE);
	t.reg(c->server.pd, ACCESS_ALL);
	fill_pat(s.data(), s.size(), 210);
	for (int i = 0; i < N; i++)
		ASSERT_EQ(0, post_send(c->client.qp(), IBV_WR_RDMA_WRITE,
				       { s.sge(i * L, L) }, i, 0, t.addr(i * L),
				       t.mr()->rkey));
	for (int i = 0; i < N; i++)
		ASSERT_EQ(0, post_send(c->client.qp(), IBV_WR_RDMA_READ,
				       { d.sge(i * L, L) }, 100 + i,
				       i == N - 1 ? IBV_SEND_SIGNALED : 0,
				       t.addr(i * L), t.mr()->rkey));
	EXPECT_TRUE(expect_wc(c->client.scq, 100 + N - 1, IBV_WC_RDMA_READ));
	EXPECT_TRUE(poll_quiet(c->client.scq, ms(300)).empty());
	EXPECT_TRUE(is_pat(t.data(), t.size(), 210)) << "written data";
	EXPECT_TRUE(is_pat(d.data(), d.size(), 210)) << "data read back";
}

/* With sq_sig_all, WRs posted without IBV_SEND_SIGNALED complete too. */
TEST_F(Signal, SigAllOverridesFlags)
{
	QpOpts co;
	co.sig_all = true;
	auto c = conn(co);
	ASSERT_TRUE(c);
	Buf s(64), r(8 * 64);
	s.reg(c->client.pd, IBV_ACCESS_LOCAL_WRITE);
	r.reg(c->server.pd, IBV_ACCESS_LOCAL_WRITE);
	for (int i = 0; i < 8; i++) {
		ASSERT_EQ(0, post_recv(c->server.qp(), { r.sge(i * 64, 64) }, i));
		ASSERT_EQ(0, post_send(c->client.qp(), IBV_WR_SEND, { s.sge(0, 64) }, i, 0));
	}
	auto wc = poll_n(c->client.scq, 8, ms(10000));
	ASSERT_EQ(8u, wc.size());
	for (int i = 0; i < 8; i++) {
		EXPECT_EQ(static_cast<uint64_t>(i), wc[i].wr_id);
		EXPECT_EQ(IBV_WC_SUCCESS, wc[i].status) << wc_str(wc[i]);
	}
	EXPECT_EQ(8u, poll_n(c->server.rcq, 8, ms(10000)).size());
}

class Fence : public VerbsTest {};

/*
 * Read remote NEW into local L, then a fenced Send from L: the Send must
 * carry NEW.  Without the fence the Send would go out while L still holds
 * OLD.  Ten rounds with fresh patterns.
 */
TEST_F(Fence, SendAfterReadCarriesReadData)
{
	auto c = conn();
	ASSERT_TRUE(c);
	const size_t L = 65536;
	Buf rsrc(L), local(L), rdst(L);
	rsrc.reg(c->server.pd, IBV_ACCESS_REMOTE_READ);
	local.reg(c->client.pd, IBV_ACCESS_LOCAL_WRITE);
	rdst.reg(c->server.pd, IBV_ACCESS_LOCAL_WRITE);
	for (uint32_t round = 0; round < 10; round++) {
		fill_pat(rsrc.data(), L, 300 + round);		/* NEW */
		fill_pat(local.data(), L, 400 + round);		/* OLD */
		ASSERT_EQ(0, post_recv(c->server.qp(), { rdst.sge(0, L) }, round));
		ASSERT_EQ(0, post_send(c->client.qp(), IBV_WR_RDMA_READ,
				       { local.sge(0, L) }, 10 * round, 0,
				       rsrc.addr(0), rsrc.mr()->rkey));
		ASSERT_EQ(0, post_send(c->client.qp(), IBV_WR_SEND,
				       { local.sge(0, L) }, 10 * round + 1,
				       IBV_SEND_SIGNALED | IBV_SEND_FENCE));
		EXPECT_TRUE(expect_wc(c->client.scq, 10 * round + 1, IBV_WC_SEND));
		ASSERT_TRUE(expect_wc(c->server.rcq, round, IBV_WC_RECV));
		EXPECT_TRUE(is_pat(rdst.data(), L, 300 + round))
			<< "round " << round << ": the fenced Send did not wait "
			<< "for the Read (pattern " << 400 + round
			<< " would be the stale local data)";
	}
}

/*
 * Read remote R (OLD) into L, then a fenced Write of NEW to R: the Read
 * must return OLD (the Write did not overtake it) and R ends as NEW.
 */
TEST_F(Fence, WriteAfterReadDoesNotOvertake)
{
	auto c = conn();
	ASSERT_TRUE(c);
	const size_t L = 65536;
	Buf r(L), l(L), n(L);
	r.reg(c->server.pd, IBV_ACCESS_REMOTE_READ | IBV_ACCESS_REMOTE_WRITE |
				    IBV_ACCESS_LOCAL_WRITE);
	l.reg(c->client.pd, IBV_ACCESS_LOCAL_WRITE);
	n.reg(c->client.pd, IBV_ACCESS_LOCAL_WRITE);
	for (uint32_t round = 0; round < 10; round++) {
		fill_pat(r.data(), L, 500 + round);	/* OLD */
		fill_pat(n.data(), L, 600 + round);	/* NEW */
		memset(l.data(), FILL_BYTE, L);
		ASSERT_EQ(0, post_send(c->client.qp(), IBV_WR_RDMA_READ,
				       { l.sge(0, L) }, 10 * round, IBV_SEND_SIGNALED,
				       r.addr(0), r.mr()->rkey));
		ASSERT_EQ(0, post_send(c->client.qp(), IBV_WR_RDMA_WRITE,
				       { n.sge(0, L) }, 10 * round + 1,
				       IBV_SEND_SIGNALED | IBV_SEND_FENCE, r.addr(0),
				       r.mr()->rkey));
		auto wc = poll_n(c->client.scq, 2, ms(10000));
		ASSERT_EQ(2u, wc.size());
		for (auto &w : wc)
			EXPECT_EQ(IBV_WC_SUCCESS, w.status) << wc_str(w);
		ASSERT_TRUE(marker(*c, round));
		EXPECT_TRUE(is_pat(l.data(), L, 500 + round))
			<< "round " << round << ": the Read returned data of the "
			<< "fenced Write behind it";
		EXPECT_TRUE(is_pat(r.data(), L, 600 + round)) << "round " << round;
	}
}

} /* namespace */
} /* namespace kv */
