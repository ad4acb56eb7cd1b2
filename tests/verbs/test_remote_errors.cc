// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Remote errors: operations the responder must refuse (bad STag, out of
 * bounds, missing rights, wrong PD, an invalidated or deregistered STag
 * (also one the responder had just written to), address wrap-around, and untagged errors: no receive buffer, a message
 * longer than the receive buffer, invalidating an unknown STag).
 *
 * For each, iWARP requires the responder to send a TERMINATE and move its
 * QP to ERROR, and the requester to move its QP to ERROR on receiving it.
 * What the applications see, and what each case checks:
 *
 *   requester  an error completion: a Read's own completion carries an
 *              error status; a Write or Send may complete successfully
 *              (it left the requester before the TERMINATE came back), so
 *              a Read posted right behind it must complete in error.  The
 *              QP ends in ERR.
 *   responder  the QP ends in ERR, an affiliated async event arrives
 *              (QP_ACCESS_ERR, QP_REQ_ERR or QP_FATAL), and a receive
 *              posted before the error completes in error (flushed).
 *   wire       the responder's first FPDU after the error is a Terminate
 *              (captured on the server's netdev; wire_capture.h)
 *   memory     no byte outside the target buffer changed (guard regions
 *              on both sides), and for refused placements the target
 *              buffer itself is untouched; a refused Read places nothing
 *              into the requester's sink.
 */
#include "suite.h"
#include "wire_capture.h"

#include <cerrno>
#include <cstring>

namespace kv {
namespace {

enum class Op { Write, Read, SendNoRecv, SendTooLong, SendInvBadStag };
enum class Key {
	Valid, BadIndex, WrongKeyByte, Deregistered, DeregisteredAfterWrite,
	Invalidated, OtherPd,
};

struct RemoteCase {
	const char *name;
	Op op;
	int access;		/* rights of the target MR */
	Key key;
	int64_t off;		/* remote offset from the buffer start */
	uint32_t len;
	bool wrap;		/* remote address near 2^64 */
	bool multi_segment = false;	/* valid leading DDP segments may land */
};

constexpr size_t TARGET = 4096;
constexpr int RW = IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE |
		   IBV_ACCESS_REMOTE_READ;

const RemoteCase cases[] = {
	{ "WriteBadStag", Op::Write, RW, Key::BadIndex, 0, 64, false },
	{ "WriteWrongKeyByte", Op::Write, RW, Key::WrongKeyByte, 0, 64, false },
	{ "WriteDeregisteredStag", Op::Write, RW, Key::Deregistered, 0, 64, false },
	{ "WriteDeregisteredAfterWrite", Op::Write, RW, Key::DeregisteredAfterWrite,
	  0, 64, false },
	{ "WriteOtherPd", Op::Write, RW, Key::OtherPd, 0, 64, false },
	{ "WritePastEnd", Op::Write, RW, Key::Valid, TARGET - 16, 64, false },
	{ "WriteOneBytePastEnd", Op::Write, RW, Key::Valid, 1, TARGET, false, true },
	{ "WriteBeforeStart", Op::Write, RW, Key::Valid, -64, 64, false },
	{ "WriteAddressWrap", Op::Write, RW, Key::Valid, 0, 64, true },
	{ "WriteWithoutRemoteWrite", Op::Write,
	  IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_READ, Key::Valid, 0, 64, false },
	{ "ReadBadStag", Op::Read, RW, Key::BadIndex, 0, 64, false },
	{ "ReadDeregisteredStag", Op::Read, RW, Key::Deregistered, 0, 64, false },
	{ "ReadOtherPd", Op::Read, RW, Key::OtherPd, 0, 64, false },
	{ "ReadPastEnd", Op::Read, RW, Key::Valid, TARGET - 16, 64, false },
	{ "ReadBeforeStart", Op::Read, RW, Key::Valid, -64, 64, false },
	{ "ReadAddressWrap", Op::Read, RW, Key::Valid, 0, 64, true },
	{ "ReadWithoutRemoteRead", Op::Read,
	  IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE, Key::Valid, 0, 64, false },
	{ "SendWithoutReceive", Op::SendNoRecv, RW, Key::Valid, 0, 64, false },
	{ "SendLongerThanReceive", Op::SendTooLong, RW, Key::Valid, 0, 65, false },
	{ "SendInvalidateBadStag", Op::SendInvBadStag, RW, Key::BadIndex, 0, 64, false },
};

class RemoteError : public VerbsTest,
		    public ::testing::WithParamInterface<RemoteCase> {};

bool is_error_event(const AsyncEvent &e)
{
	return e.type == IBV_EVENT_QP_FATAL || e.type == IBV_EVENT_QP_ACCESS_ERR ||
	       e.type == IBV_EVENT_QP_REQ_ERR;
}

TEST_P(RemoteError, TerminatesBothSidesAndWritesNothing)
{
	const RemoteCase &k = GetParam();
	expect_errors_ = true;
	QpOpts o;
	o.send_sge = 2;
	auto c = conn(o, o);
	ASSERT_TRUE(c);
	Endpoint &rq = c->client, &rs = c->server;

	Buf target(TARGET), src(TARGET + 64), sink(TARGET + 64), probe(64);
	Buf rrecv(64), flushed(64), psrc(64);
	ibv_pd *other_pd = nullptr;
	if (k.key == Key::OtherPd) {
		other_pd = ibv_alloc_pd(rs.ctx());
		ASSERT_TRUE(other_pd);
		target.reg(other_pd, k.access);
	} else {
		target.reg(rs.pd, k.access);
	}
	fill_pat(target.data(), TARGET, 700);
	src.reg(rq.pd, IBV_ACCESS_LOCAL_WRITE);
	fill_pat(src.data(), src.size(), 701);
	sink.reg(rq.pd, IBV_ACCESS_LOCAL_WRITE);
	probe.reg(rq.pd, IBV_ACCESS_LOCAL_WRITE);
	psrc.reg(rs.pd, IBV_ACCESS_REMOTE_READ);
	rrecv.reg(rs.pd, IBV_ACCESS_LOCAL_WRITE);
	flushed.reg(rs.pd, IBV_ACCESS_LOCAL_WRITE);

	uint32_t rkey = target.mr()->rkey;
	switch (k.key) {
	case Key::BadIndex:
		rkey ^= 0x5a5a5a00;
		break;
	case Key::WrongKeyByte:
		rkey = (rkey & ~0xffu) | ((rkey + 0x33) & 0xff);
		break;
	case Key::Deregistered:
		target.dereg();
		break;
	case Key::DeregisteredAfterWrite: {
		/*
		 * A good Write first, of the bytes the target already holds,
		 * so that the responder has just used this STag (and may keep
		 * the MR at hand); the Read behind it returns only once the
		 * Write is placed.  Then the MR goes away.
		 */
		Buf warm(64), back(64);
		warm.reg(rq.pd, IBV_ACCESS_LOCAL_WRITE);
		back.reg(rq.pd, IBV_ACCESS_LOCAL_WRITE);
		fill_pat(warm.data(), 64, 700);
		ASSERT_EQ(0, post_send(rq.qp(), IBV_WR_RDMA_WRITE, { warm.sge(0, 64) },
				       30, IBV_SEND_SIGNALED, target.addr(0), rkey));
		ASSERT_EQ(0, post_send(rq.qp(), IBV_WR_RDMA_READ, { back.sge(0, 64) },
				       31, IBV_SEND_SIGNALED, target.addr(0), rkey));
		ASSERT_TRUE(expect_wc(rq.scq, 30, IBV_WC_RDMA_WRITE));
		ASSERT_TRUE(expect_wc(rq.scq, 31, IBV_WC_RDMA_READ));
		ASSERT_TRUE(is_pat(back.data(), 64, 700)) << "the good Read";
		target.dereg();
		break;
	}
	default:
		break;
	}
	uint64_t raddr = target.addr(0) + k.off;
	if (k.wrap)
		raddr = ~0ull - 15;

	/* a receive the responder holds when the error strikes: it must be
	 * flushed (or, for untagged errors, completed in error) */
	if (k.op != Op::SendNoRecv) {
		ASSERT_EQ(0, post_recv(rs.qp(), { rrecv.sge(0, 64) }, 1));
	}
	ASSERT_EQ(0, post_recv(rs.qp(), { flushed.sge(0, 64) }, 2)) << "second receive";

	const Config &cfg = Config::get();
	WireCapture cap(cfg.server_ns, cfg.server_if, cfg.server_ip, f_.port());
	if (!cap.ok())
		note("no wire capture: " + cap.error());
	size_t m = AsyncEvents::get().mark();
	const uint64_t BAD = 50, PROBE = 51;
	int rc = 0;
	switch (k.op) {
	case Op::Write:
		rc = post_send(rq.qp(), IBV_WR_RDMA_WRITE, { src.sge(0, k.len) }, BAD,
			       IBV_SEND_SIGNALED, raddr, rkey);
		break;
	case Op::Read:
		rc = post_send(rq.qp(), IBV_WR_RDMA_READ, { sink.sge(0, k.len) }, BAD,
			       IBV_SEND_SIGNALED, raddr, rkey);
		break;
	case Op::SendNoRecv:
	case Op::SendTooLong:
		/* SendNoRecv: the two receives posted are consumed first */
		if (k.op == Op::SendNoRecv) {
			for (int i = 0; i < 1; i++)
				ASSERT_EQ(0, post_send(rq.qp(), IBV_WR_SEND,
						       { src.sge(0, 8) }, 40 + i));
			ASSERT_TRUE(expect_wc(rs.rcq, 2, IBV_WC_RECV));
			ASSERT_TRUE(expect_wc(rq.scq, 40, IBV_WC_SEND));
		}
		rc = post_send(rq.qp(), IBV_WR_SEND, { src.sge(0, k.len) }, BAD);
		break;
	case Op::SendInvBadStag: {
		uint32_t rdma_rkey = 0;
		if (quirk("inv-rkey-in-rdma-rkey",
			  "Send with Invalidate takes its STag from wr.wr.rdma.rkey"))
			rdma_rkey = rkey;
		rc = post_send(rq.qp(), IBV_WR_SEND_WITH_INV, { src.sge(0, k.len) }, BAD,
			       IBV_SEND_SIGNALED, 0, rdma_rkey, rkey);
		break;
	}
	}
	ASSERT_EQ(0, rc) << "the bad WR is only detectable remotely";
	if (k.op == Op::Read && !(k.access & IBV_ACCESS_REMOTE_READ) &&
	    quirk_listed("read-ignores-remote-read-right")) {
		auto w = poll_one(rq.scq, ms(10000));
		if (w && w->status == IBV_WC_SUCCESS &&
		    quirk("read-ignores-remote-read-right",
			  "an RDMA Read of an MR without IBV_ACCESS_REMOTE_READ "
			  "succeeded and returned its data"))
			return;
		ADD_FAILURE() << "expected the siw deviation, got "
			      << (w ? wc_str(*w) : std::string("no completion"));
		return;
	}
	if (k.op == Op::SendInvBadStag && quirk_listed("inv-error-not-fatal")) {
		auto w = poll_one(rs.rcq, ms(10000));
		if (w && w->status != IBV_WC_SUCCESS &&
		    quirk("inv-error-not-fatal",
			  "the receive completed with " + wc_str(*w) +
				  "; the connection carries on"))
			return;
		ADD_FAILURE() << "expected the siw deviation, got "
			      << (w ? wc_str(*w) : std::string("no completion"));
		return;
	}
	/* the probe: a valid Read right behind; it cannot succeed, because
	 * the responder stops at the bad WR */
	if (k.op != Op::Read) {
		ASSERT_EQ(0, post_send(rq.qp(), IBV_WR_RDMA_READ, { probe.sge(0, 64) },
				       PROBE, IBV_SEND_SIGNALED, psrc.addr(0),
				       psrc.mr()->rkey));
	}

	/* requester */
	const int strand_wait =
		quirk_listed("terminate-strands-wr") ? ms(3000) : ms(15000);
	auto wcs = poll_n(rq.scq, k.op == Op::Read ? 1 : 2, strand_wait);
	ASSERT_FALSE(wcs.empty()) << "no completion at the requester";
	bool requester_error = false;
	for (auto &w : wcs) {
		if (w.wr_id == BAD && w.status == IBV_WC_SUCCESS) {
			EXPECT_NE(Op::Read, k.op) << "the bad Read succeeded";
			note(std::string("bad WR completed successfully at the "
					 "requester: ") + wc_str(w));
		}
		if (w.wr_id == PROBE) {
			EXPECT_NE(IBV_WC_SUCCESS, w.status)
				<< "the Read behind the bad WR succeeded";
		}
		if (w.status != IBV_WC_SUCCESS) {
			requester_error = true;
			note("requester completion: " + wc_str(w));
		}
	}
	if (!requester_error &&
	    !quirk("terminate-strands-wr",
		   std::string(k.name) + ": a Read behind the bad WR never "
		   "completes at the requester after the TERMINATE"))
		ADD_FAILURE() << "no error completion at the requester";
	/* IBTA maps a refused Read to IBV_WC_REM_ACCESS_ERR; a flushed Read
	 * is an error completion too, which is what the issue asks for */
	if (k.op == Op::Read && !wcs.empty() && wcs[0].wr_id == BAD &&
	    wcs[0].status != IBV_WC_REM_ACCESS_ERR)
		note(std::string("the refused Read completed with ") +
		     ibv_wc_status_str(wcs[0].status) + ", not REM_ACCESS_ERR");
	EXPECT_TRUE(rq.in_state(IBV_QPS_ERR, ms(15000))) << "requester";

	/* responder */
	EXPECT_TRUE(rs.in_state(IBV_QPS_ERR, ms(15000))) << "responder";
	auto ev = AsyncEvents::get().wait(
		[&](const AsyncEvent &e) {
			return e.is_qp && e.ctx == rs.ctx() && e.qp_num == rs.qpn() &&
			       is_error_event(e);
		},
		quirk_listed("no-event-for-bad-stag") ? ms(3000) : ms(15000), m);
	if (ev)
		note("responder event: " + async_str(*ev));
	else if (!quirk("no-event-for-bad-stag",
			std::string(k.name) + ": the responder raises no "
			"affiliated async event for this error"))
		ADD_FAILURE() << "no QP error event at the responder";
	const bool read_no_flush = k.op == Op::Read &&
				   quirk_listed("responder-no-flush-on-read-error");
	/* with no receive left there is nothing to flush */
	auto rwc = k.op == Op::SendNoRecv ? poll_quiet(rs.rcq, ms(300))
		   : poll_n(rs.rcq, 2, read_no_flush ? ms(3000) : ms(15000));
	bool responder_error = false;
	for (auto &w : rwc) {
		if (w.status != IBV_WC_SUCCESS) {
			responder_error = true;
			note("responder completion: " + wc_str(w));
		} else {
			EXPECT_TRUE(k.op == Op::SendNoRecv && w.wr_id == 2)
				<< "unexpected successful receive " << wc_str(w);
		}
	}
	/* with no receive posted there is nothing to complete */
	if (k.op != Op::SendNoRecv && !responder_error &&
	    !(read_no_flush && quirk("responder-no-flush-on-read-error",
				     std::string(k.name) + ": the responder's "
				     "receives are not flushed"))) {
		ADD_FAILURE() << "no error completion (flushed receive) at the responder";
	}
	for (const AsyncEvent &e : AsyncEvents::get().since(m))
		if (e.is_qp && e.ctx == rq.ctx() && e.qp_num == rq.qpn())
			note("requester event: " + async_str(e));

	/* wire */
	if (cap.ok()) {
		std::string what;
		auto t = cap.terminate(ms(5000), &what);
		if (t && quirk_listed("terminate-nibbles-swapped")) {
			quirk("terminate-nibbles-swapped",
			      "the wire says " + t->str() + "; read as etype/layer");
			std::swap(t->layer, t->etype);
		}
		if (t)
			note("responder sent " + t->str());
		if (!t && k.wrap && quirk("wrap-drops-connection",
					 std::string(k.name) + ": " + what +
						 "; no TERMINATE")) {
		} else {
			EXPECT_TRUE(t) << "no TERMINATE from the responder: " << what;
		}
		if (t) {
			EXPECT_LE(t->layer, 1u) << "a " << t->str() << " for a "
						 << "remote operation error";
		}
	}

	/* memory */
	EXPECT_TRUE(target.guards_ok());
	if (!k.multi_segment) {
		EXPECT_TRUE(is_pat(target.data(), TARGET, 700))
			<< "the target buffer changed";
	} else {
		/* DDP segments before the offending one may have been placed,
		 * at their own offsets and with their own bytes */
		size_t odd = 0;
		for (size_t i = 0; i < TARGET; i++) {
			uint8_t b = target.data()[i];
			if (b != pat(700, i) &&
			    !(i >= static_cast<size_t>(k.off) && b == pat(701, i - k.off)))
				odd++;
		}
		EXPECT_EQ(0u, odd) << "target bytes that are neither old nor "
				   << "the Write's own data at their offset";
	}
	EXPECT_TRUE(is_fill(sink.data(), sink.size(), FILL_BYTE))
		<< "the refused Read placed data";
	EXPECT_TRUE(sink.guards_ok());
	EXPECT_TRUE(rrecv.guards_ok());
	EXPECT_TRUE(flushed.guards_ok());

	target.dereg();
	if (other_pd) {
		EXPECT_EQ(0, ibv_dealloc_pd(other_pd));
	}
}

std::string case_name(const ::testing::TestParamInfo<RemoteCase> &i)
{
	return i.param.name;
}

INSTANTIATE_TEST_SUITE_P(Remote, RemoteError, ::testing::ValuesIn(cases), case_name);

/* After a remote error the device is fine: a new connection works. */
TEST_F(RemoteError, DeviceUsableAfterTerminate)
{
	expect_errors_ = true;
	{
		auto c = conn();
		ASSERT_TRUE(c);
		Buf s(64);
		s.reg(c->client.pd, IBV_ACCESS_LOCAL_WRITE);
		ASSERT_EQ(0, post_send(c->client.qp(), IBV_WR_RDMA_WRITE, { s.sge(0, 64) },
				       1, IBV_SEND_SIGNALED, 0x1000, 0xdead00));
		EXPECT_TRUE(c->server.in_state(IBV_QPS_ERR, ms(15000)));
		s.dereg();
	}
	expect_errors_ = false;
	mark_ = AsyncEvents::get().mark();
	auto c = conn();
	ASSERT_TRUE(c);
	EXPECT_TRUE(marker(*c));
}

} /* namespace */
} /* namespace kv */
