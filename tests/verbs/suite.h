/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The fixture every test derives from: a Fabric (listener and CM event
 * channels) and a check, at the end of each test, that no error event
 * arrived that the test did not ask for.
 */
#ifndef KIWI_VERBS_SUITE_H
#define KIWI_VERBS_SUITE_H

#include "common.h"
#include "events.h"
#include "fabric.h"

namespace kv {

class VerbsTest : public ::testing::Test {
protected:
	void SetUp() override
	{
		ASSERT_TRUE(f_.ok()) << "no listener";
		mark_ = AsyncEvents::get().mark();
	}

	void TearDown() override
	{
		if (expect_errors_)
			return;
		for (const AsyncEvent &e : AsyncEvents::get().since(mark_)) {
			switch (e.type) {
			case IBV_EVENT_COMM_EST:
			case IBV_EVENT_SQ_DRAINED:
			case IBV_EVENT_QP_LAST_WQE_REACHED:
			case IBV_EVENT_SRQ_LIMIT_REACHED:
			case IBV_EVENT_PORT_ACTIVE:
				break;
			default:
				ADD_FAILURE() << "unexpected async event "
					      << async_str(e);
			}
		}
	}

	/* Connect a pair, failing the test if that does not work. */
	std::unique_ptr<Conn> conn(const QpOpts &c = {}, const QpOpts &s = {},
				   const std::function<void(Conn &)> &pre = {})
	{
		auto p = f_.connect(c, s, pre);

		if (!p)
			ADD_FAILURE() << "connection setup failed";
		return p;
	}

	/*
	 * Send an 8-byte marker from client to server and wait for both
	 * completions: once the server has it, every earlier RDMA Write of the
	 * client has been placed (RDMAP delivers in order on one stream).
	 */
	::testing::AssertionResult marker(Conn &c, uint64_t id = 0xfeed)
	{
		Buf s(8), r(8);

		s.reg(c.client.pd, IBV_ACCESS_LOCAL_WRITE);
		r.reg(c.server.pd, IBV_ACCESS_LOCAL_WRITE);
		int rc = post_recv(c.server.qp(), { r.sge(0, 8) }, id);
		if (rc)
			return ::testing::AssertionFailure() << "post_recv " << rc;
		rc = post_send(c.client.qp(), IBV_WR_SEND, { s.sge(0, 8) }, id);
		if (rc)
			return ::testing::AssertionFailure() << "post_send " << rc;
		auto a = expect_wc(c.client.scq, id, IBV_WC_SEND);
		if (!a)
			return a;
		return expect_wc(c.server.rcq, id, IBV_WC_RECV);
	}

	Fabric f_;
	size_t mark_ = 0;
	bool expect_errors_ = false;	/* set by tests that provoke errors */
};

/* gtest parameter names for sizes: 0, 1, 4k, 64k_1, 1M */
std::string size_name(const ::testing::TestParamInfo<size_t> &i);

} /* namespace kv */

#endif
