// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Shared receive queues.  iWARP has no RNR retry: a Send that finds no
 * receive buffer is fatal to the connection.  So "RNR-free" SRQ use means
 * the application keeps the SRQ stocked (credits) and the device must then
 * deliver every message of every QP, in order per QP, from the shared
 * pool, with the SRQ limit event telling the application to restock.
 */
#include "suite.h"

#include <cstring>
#include <map>

namespace kv {
namespace {

class Srq : public VerbsTest {
protected:
	ibv_srq *make_srq(ibv_pd *pd, uint32_t depth, uint32_t sge = 1)
	{
		ibv_srq_init_attr a = {};
		a.attr.max_wr = depth;
		a.attr.max_sge = sge;
		ibv_srq *s = ibv_create_srq(pd, &a);
		if (!s)
			ADD_FAILURE() << "ibv_create_srq(" << depth << "): " << strerror(errno);
		return s;
	}
};

struct SrqRes {
	ibv_pd *pd = nullptr;
	ibv_cq *cq = nullptr;
	ibv_srq *srq = nullptr;
	~SrqRes()
	{
		if (srq)
			ibv_destroy_srq(srq);
		if (cq)
			ibv_destroy_cq(cq);
		if (pd)
			ibv_dealloc_pd(pd);
	}
};

/*
 * Four connections share one 64-deep SRQ on the server.  Each client sends
 * 150 numbered messages in bursts of at most 16 (its share of the SRQ);
 * the server reposts every buffer as soon as it completes.  Every message
 * arrives once, intact, in order per QP, and no QP leaves RTS.
 */
TEST_F(Srq, SharedByFourQpsWithoutExhaustion)
{
	const int NQP = 4, DEPTH = 64, CREDITS = DEPTH / NQP, MSGS = 150;
	const size_t LEN = 512;
	auto probe = conn();
	ASSERT_TRUE(probe);
	ibv_context *sctx = probe->server.ctx();
	probe.reset();

	SrqRes res;
	res.pd = ibv_alloc_pd(sctx);
	ASSERT_TRUE(res.pd);
	res.cq = ibv_create_cq(sctx, 1024, nullptr, nullptr, 0);
	ASSERT_TRUE(res.cq);
	res.srq = make_srq(res.pd, DEPTH);
	ASSERT_TRUE(res.srq);
	{
		Buf pool(DEPTH * LEN);
		pool.reg(res.pd, IBV_ACCESS_LOCAL_WRITE);
		for (int i = 0; i < DEPTH; i++)
			ASSERT_EQ(0, post_srq_recv(res.srq, { pool.sge(i * LEN, LEN) }, i));

		std::vector<std::unique_ptr<Conn>> cs;
		QpOpts so;
		so.pd = res.pd;
		so.cq = res.cq;
		so.srq = res.srq;
		for (int q = 0; q < NQP; q++) {
			cs.push_back(conn({}, so));
			ASSERT_TRUE(cs.back());
		}
		std::map<uint32_t, int> qidx;
		for (int q = 0; q < NQP; q++)
			qidx[cs[q]->server.qpn()] = q;
		std::vector<std::unique_ptr<Buf>> src;
		for (int q = 0; q < NQP; q++) {
			src.push_back(std::make_unique<Buf>(MSGS * LEN));
			src[q]->reg(cs[q]->client.pd, IBV_ACCESS_LOCAL_WRITE);
			for (int m = 0; m < MSGS; m++)
				fill_pat(src[q]->data() + m * LEN, LEN, q * 1000 + m);
		}

		std::vector<int> sent(NQP), recvd(NQP), credits(NQP, CREDITS);
		int total = 0, bad = 0;
		while (total < NQP * MSGS) {
			for (int q = 0; q < NQP; q++) {
				while (credits[q] > 0 && sent[q] < MSGS) {
					ASSERT_EQ(0, post_send(cs[q]->client.qp(), IBV_WR_SEND,
							       { src[q]->sge(sent[q] * LEN, LEN) },
							       sent[q], IBV_SEND_SIGNALED));
					sent[q]++;
					credits[q]--;
				}
				for (auto &w : poll_n(cs[q]->client.scq, 16, 0))
					EXPECT_EQ(IBV_WC_SUCCESS, w.status) << wc_str(w);
			}
			auto wc = poll_one(res.cq, ms(10000));
			ASSERT_TRUE(wc) << "no receive completion after " << total
					<< " messages";
			ASSERT_EQ(IBV_WC_SUCCESS, wc->status) << wc_str(*wc);
			ASSERT_TRUE(qidx.count(wc->qp_num)) << wc_str(*wc);
			int q = qidx[wc->qp_num];
			uint8_t *p = pool.data() + wc->wr_id * LEN;
			EXPECT_EQ(LEN, wc->byte_len);
			if (!is_pat(p, LEN, q * 1000 + recvd[q]) && bad++ < 5)
				ADD_FAILURE() << "QP " << q << " message " << recvd[q]
					      << " wrong or out of order: "
					      << is_pat(p, LEN, q * 1000 + recvd[q]).message();
			recvd[q]++;
			total++;
			credits[q]++;	/* the buffer goes straight back */
			memset(p, FILL_BYTE, LEN);
			ASSERT_EQ(0, post_srq_recv(res.srq, { pool.sge(wc->wr_id * LEN, LEN) },
						   wc->wr_id));
		}
		for (int q = 0; q < NQP; q++) {
			EXPECT_EQ(MSGS, recvd[q]);
			EXPECT_TRUE(cs[q]->server.in_state(IBV_QPS_RTS)) << "QP " << q;
			EXPECT_TRUE(cs[q]->client.in_state(IBV_QPS_RTS)) << "QP " << q;
			for (auto &w : poll_n(cs[q]->client.scq, MSGS, ms(100)))
				EXPECT_EQ(IBV_WC_SUCCESS, w.status) << wc_str(w);
		}
		EXPECT_TRUE(pool.guards_ok());
		src.clear();
		cs.clear();
	}
}

/*
 * The SRQ limit: 32 receives posted and the limit armed at 8.  24 messages
 * leave 8 (no event), the 25th leaves 7 (IBV_EVENT_SRQ_LIMIT_REACHED).
 * The limit is then disarmed: more messages raise nothing until it is
 * armed again.
 */
TEST_F(Srq, LimitEvent)
{
	auto probe = conn();
	ASSERT_TRUE(probe);
	ibv_context *sctx = probe->server.ctx();
	probe.reset();

	SrqRes res;
	res.pd = ibv_alloc_pd(sctx);
	ASSERT_TRUE(res.pd);
	res.cq = ibv_create_cq(sctx, 256, nullptr, nullptr, 0);
	ASSERT_TRUE(res.cq);
	res.srq = make_srq(res.pd, 32);
	ASSERT_TRUE(res.srq);
	{
		Buf pool(32 * 64);
		pool.reg(res.pd, IBV_ACCESS_LOCAL_WRITE);
		for (int i = 0; i < 32; i++)
			ASSERT_EQ(0, post_srq_recv(res.srq, { pool.sge(i * 64, 64) }, i));
		ibv_srq_attr la = {};
		la.srq_limit = 8;
		ASSERT_EQ(0, ibv_modify_srq(res.srq, &la, IBV_SRQ_LIMIT));

		QpOpts so;
		so.pd = res.pd;
		so.cq = res.cq;
		so.srq = res.srq;
		auto c = conn({}, so);
		ASSERT_TRUE(c);
		Buf s(64);
		s.reg(c->client.pd, IBV_ACCESS_LOCAL_WRITE);
		auto limit_event = [&](size_t since, int t) {
			return AsyncEvents::get().wait(
				[&](const AsyncEvent &e) {
					return e.type == IBV_EVENT_SRQ_LIMIT_REACHED &&
					       e.srq == res.srq;
				},
				t, since);
		};
		auto send = [&](int n) {
			for (int i = 0; i < n; i++)
				ASSERT_EQ(0, post_send(c->client.qp(), IBV_WR_SEND,
						       { s.sge(0, 64) }, i));
			ASSERT_EQ(static_cast<size_t>(n),
				  poll_n(c->client.scq, n, ms(10000)).size());
			ASSERT_EQ(static_cast<size_t>(n),
				  poll_n(res.cq, n, ms(10000)).size());
		};

		size_t m = AsyncEvents::get().mark();
		send(24);
		EXPECT_FALSE(limit_event(m, ms(500)))
			<< "limit event with 8 receives left (limit 8)";
		send(1);
		EXPECT_TRUE(limit_event(m, ms(10000)))
			<< "no limit event with 7 receives left (limit 8)";

		m = AsyncEvents::get().mark();
		send(3);
		EXPECT_FALSE(limit_event(m, ms(500)))
			<< "a second limit event without re-arming";

		/* 4 left; re-arm at 6 (above the fill level) */
		for (int i = 0; i < 4; i++)
			ASSERT_EQ(0, post_srq_recv(res.srq, { pool.sge(i * 64, 64) }, i));
		m = AsyncEvents::get().mark();
		la.srq_limit = 6;
		ASSERT_EQ(0, ibv_modify_srq(res.srq, &la, IBV_SRQ_LIMIT));
		send(3);
		EXPECT_TRUE(limit_event(m, ms(10000))) << "re-armed limit: no event";
		ibv_srq_attr qa = {};
		int rc = ibv_query_srq(res.srq, &qa);
		if (rc && quirk("no-query-srq", "ibv_query_srq: " +
						       std::string(strerror(rc)))) {
		} else {
			EXPECT_EQ(0, rc);
			EXPECT_GE(qa.max_wr, 32u);
		}
	}
}

/* post_srq_recv with more SGEs than the SRQ was created with. */
TEST_F(Srq, TooManySges)
{
	auto probe = conn();
	ASSERT_TRUE(probe);
	SrqRes res;
	res.pd = ibv_alloc_pd(probe->server.ctx());
	ASSERT_TRUE(res.pd);
	ibv_srq_init_attr sa = {};
	sa.attr.max_wr = 16;
	sa.attr.max_sge = 1;
	res.srq = ibv_create_srq(res.pd, &sa);
	ASSERT_TRUE(res.srq) << strerror(errno);
	/* one more than the SRQ got (the provider may round up) */
	const int max = static_cast<int>(sa.attr.max_sge);
	Buf b(64);
	b.reg(res.pd, IBV_ACCESS_LOCAL_WRITE);
	std::vector<ibv_sge> sg(max + 1, b.sge(0, 8));
	ibv_recv_wr wr = {}, *bad = nullptr;
	wr.sg_list = sg.data();
	wr.num_sge = max + 1;
	int rc = ibv_post_srq_recv(res.srq, &wr, &bad);
	if (rc == 0 && quirk("sge-limit-per-device",
			     "the provider checks num_sge against the device "
			     "maximum, not the SRQ's max_sge")) {
		b.dereg();
		return;
	}
	EXPECT_TRUE(post_failed_with(rc, { EINVAL, ENOMEM }))
		<< max + 1 << " SGEs on an SRQ created with max_sge " << max;
	EXPECT_EQ(&wr, bad);
	b.dereg();
}

} /* namespace */
} /* namespace kv */
