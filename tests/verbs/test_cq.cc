// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Completion queues: the completion channel (ibv_req_notify_cq,
 * ibv_get_cq_event) with its one-shot and solicited-only arming, CQ
 * overflow raising IBV_EVENT_CQ_ERR, and resize.
 */
#include "suite.h"

#include <cerrno>
#include <cstring>

namespace kv {
namespace {

class Cq : public VerbsTest {
protected:
	/* A pair whose server CQ reports to a channel, 64 receives posted;
	 * the fixture owns it (its buffers must go first). */
	Conn *evconn()
	{
		QpOpts so;
		so.comp_channel = true;
		so.rq = 64;
		c_ = conn({}, so);
		Conn *c = c_.get();
		if (c) {
			s_ = std::make_unique<Buf>(64);
			r_ = std::make_unique<Buf>(64 * 64);
			s_->reg(c->client.pd, IBV_ACCESS_LOCAL_WRITE);
			r_->reg(c->server.pd, IBV_ACCESS_LOCAL_WRITE);
			for (int i = 0; i < 64; i++)
				EXPECT_EQ(0, post_recv(c->server.qp(), { r_->sge(i * 64, 64) }, i));
		}
		return c;
	}

	void send(Conn &c, unsigned flags, uint64_t id)
	{
		ASSERT_EQ(0, post_send(c.client.qp(), IBV_WR_SEND, { s_->sge(0, 64) }, id,
				       IBV_SEND_SIGNALED | flags));
		ASSERT_TRUE(expect_wc(c.client.scq, id, IBV_WC_SEND));
	}

	void TearDown() override
	{
		s_.reset();
		r_.reset();
		c_.reset();
		VerbsTest::TearDown();
	}

	std::unique_ptr<Conn> c_;
	std::unique_ptr<Buf> s_, r_;
};

/* Armed for any completion: one event, then silence until re-armed. */
TEST_F(Cq, EventOnNextCompletionIsOneShot)
{
	auto c = evconn();
	ASSERT_TRUE(c);
	ASSERT_EQ(0, ibv_req_notify_cq(c->server.rcq, 0));
	send(*c, 0, 1);
	EXPECT_EQ(c->server.rcq, wait_cq_event(c->server.ch, ms(10000)))
		<< "no event for the next completion";
	EXPECT_TRUE(expect_wc(c->server.rcq, 0, IBV_WC_RECV));

	send(*c, 0, 2);
	EXPECT_FALSE(wait_cq_event(c->server.ch, ms(1000)))
		<< "an event without re-arming";
	EXPECT_TRUE(expect_wc(c->server.rcq, 1, IBV_WC_RECV));

	ASSERT_EQ(0, ibv_req_notify_cq(c->server.rcq, 0));
	send(*c, IBV_SEND_SOLICITED, 3);
	EXPECT_EQ(c->server.rcq, wait_cq_event(c->server.ch, ms(10000)))
		<< "no event after re-arming";
	EXPECT_TRUE(expect_wc(c->server.rcq, 2, IBV_WC_RECV));
}

/* Armed for solicited completions only: an ordinary Send raises nothing
 * (its completion is still there to poll), a solicited one does. */
TEST_F(Cq, SolicitedOnlyArming)
{
	auto c = evconn();
	ASSERT_TRUE(c);
	ASSERT_EQ(0, ibv_req_notify_cq(c->server.rcq, 1));
	send(*c, 0, 1);
	EXPECT_FALSE(wait_cq_event(c->server.ch, ms(1500)))
		<< "an unsolicited completion woke a solicited-only CQ";
	EXPECT_TRUE(expect_wc(c->server.rcq, 0, IBV_WC_RECV));

	send(*c, IBV_SEND_SOLICITED, 2);
	ibv_cq *ev = wait_cq_event(c->server.ch, quirk_listed("no-solicited-event")
							 ? ms(2000) : ms(10000));
	if (!ev && quirk("no-solicited-event",
			 "a CQ armed for solicited events is not woken by a "
			 "Send with Solicited Event")) {
	} else {
		EXPECT_EQ(c->server.rcq, ev) << "no event for a solicited Send";
	}
	EXPECT_TRUE(expect_wc(c->server.rcq, 1, IBV_WC_RECV));
}

/* Arming for solicited completions does not weaken an earlier arm for
 * any completion (the stronger request stays). */
TEST_F(Cq, NextArmNotWeakenedBySolicitedArm)
{
	auto c = evconn();
	ASSERT_TRUE(c);
	ASSERT_EQ(0, ibv_req_notify_cq(c->server.rcq, 0));
	ASSERT_EQ(0, ibv_req_notify_cq(c->server.rcq, 1));
	send(*c, 0, 1);
	ibv_cq *ev = wait_cq_event(c->server.ch, quirk_listed("arm-downgrade")
							 ? ms(2000) : ms(10000));
	if (!ev && quirk("arm-downgrade",
			 "arming for solicited completions replaces an "
			 "earlier arm for the next completion")) {
	} else {
		EXPECT_EQ(c->server.rcq, ev) << "the NEXT arm was lost";
	}
	EXPECT_TRUE(expect_wc(c->server.rcq, 0, IBV_WC_RECV));
}

/* A completion that raced with arming is either polled or signalled:
 * poll empty, arm, poll again - the classic loop never sleeps forever. */
TEST_F(Cq, ArmThenPollLoopLosesNothing)
{
	auto c = evconn();
	ASSERT_TRUE(c);
	int got = 0;
	for (int i = 0; i < 20; i++) {
		ASSERT_EQ(0, post_send(c->client.qp(), IBV_WR_SEND, { s_->sge(0, 64) },
				       i, IBV_SEND_SIGNALED));
		bool done = false;
		while (!done) {
			ibv_wc wc;
			int n = ibv_poll_cq(c->server.rcq, 1, &wc);
			if (n > 0) {
				EXPECT_EQ(IBV_WC_SUCCESS, wc.status) << wc_str(wc);
				got++;
				done = true;
				continue;
			}
			ASSERT_EQ(0, ibv_req_notify_cq(c->server.rcq, 0));
			n = ibv_poll_cq(c->server.rcq, 1, &wc);
			if (n > 0) {
				EXPECT_EQ(IBV_WC_SUCCESS, wc.status) << wc_str(wc);
				got++;
				done = true;
				/* an event may still come for it: eat it */
				wait_cq_event(c->server.ch, 0);
				continue;
			}
			ASSERT_TRUE(wait_cq_event(c->server.ch, ms(10000)))
				<< "message " << i << ": armed, nothing to poll, no event";
		}
	}
	EXPECT_EQ(20, got);
	EXPECT_EQ(20u, poll_n(c->client.scq, 20, ms(10000)).size());
}

/*
 * Overflow: a receive CQ of (at least) 4 entries, never polled, gets
 * cqe + 4 completions.  IBV_EVENT_CQ_ERR arrives for that CQ.
 */
TEST_F(Cq, OverflowRaisesCqErr)
{
	expect_errors_ = true;
	QpOpts so;
	so.split_cq = true;
	so.cq_size = 4;
	so.rq = 64;
	auto c = conn({}, so);
	ASSERT_TRUE(c);
	const int cqe = c->server.rcq->cqe;
	ASSERT_LT(cqe, 60) << "the CQ came out too large for this test";
	const int n = cqe + 4;
	Buf s(64), r(n * 64);
	s.reg(c->client.pd, IBV_ACCESS_LOCAL_WRITE);
	r.reg(c->server.pd, IBV_ACCESS_LOCAL_WRITE);
	for (int i = 0; i < n; i++)
		ASSERT_EQ(0, post_recv(c->server.qp(), { r.sge(i * 64, 64) }, i));
	size_t m = AsyncEvents::get().mark();
	for (int i = 0; i < n; i++)
		ASSERT_EQ(0, post_send(c->client.qp(), IBV_WR_SEND, { s.sge(0, 64) }, i));
	auto ev = AsyncEvents::get().wait(
		[&](const AsyncEvent &e) {
			return e.type == IBV_EVENT_CQ_ERR && e.cq == c->server.rcq;
		},
		ms(15000), m);
	EXPECT_TRUE(ev) << "no IBV_EVENT_CQ_ERR after " << n
			<< " completions on a CQ of " << cqe;
	for (const AsyncEvent &e : AsyncEvents::get().since(m))
		note("event: " + async_str(e));
	note("server QP after the overflow: " + std::string(qp_state_str(c->server.state())));
}

/* Resize keeps queued completions (skipped where resize is unsupported). */
TEST_F(Cq, ResizeKeepsCompletions)
{
	auto c = evconn();
	ASSERT_TRUE(c);
	for (int i = 0; i < 5; i++)
		send(*c, 0, i);
	int rc = ibv_resize_cq(c->server.rcq, 512);
	if (rc == EOPNOTSUPP || rc == ENOSYS || rc == -EOPNOTSUPP)
		GTEST_SKIP() << "ibv_resize_cq: " << strerror(rc < 0 ? -rc : rc);
	ASSERT_EQ(0, rc) << strerror(rc);
	EXPECT_GE(c->server.rcq->cqe, 512);
	auto wc = poll_n(c->server.rcq, 5, ms(5000));
	ASSERT_EQ(5u, wc.size()) << "completions lost by the resize";
	for (int i = 0; i < 5; i++)
		EXPECT_EQ(static_cast<uint64_t>(i), wc[i].wr_id);
	send(*c, 0, 9);
	EXPECT_TRUE(expect_wc(c->server.rcq, 5, IBV_WC_RECV));
}

} /* namespace */
} /* namespace kv */
