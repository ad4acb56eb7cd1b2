// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Local protection errors: a work request that names the lkey of a buffer
 * deregistered since it was last used completes with IBV_WC_LOC_PROT_ERR,
 * and no byte moves to or from the buffer.  Each case uses the buffer
 * successfully first, so a device that keeps the MR of its last access at
 * hand (kiwi does) has to notice that the MR is gone rather than trust it.
 */
#include "suite.h"

#include <cstring>

namespace kv {
namespace {

/* Each case ends in a local error: the QPs go to ERROR with an async
 * event, which is what the cases provoke. */
class LocalErrors : public VerbsTest {
protected:
	void SetUp() override
	{
		VerbsTest::SetUp();
		expect_errors_ = true;
	}

	/* Connect, and move one Send from s_ to r_: both have been used. */
	void use_once(uint32_t seed)
	{
		c_ = conn();
		ASSERT_TRUE(c_);
		s_.reg(c_->client.pd, IBV_ACCESS_LOCAL_WRITE);
		r_.reg(c_->server.pd, IBV_ACCESS_LOCAL_WRITE);
		fill_pat(s_.data(), s_.size(), seed);
		ASSERT_EQ(0, post_recv(c_->server.qp(), { r_.sge(0, 4096) }, 1));
		ASSERT_EQ(0, post_send(c_->client.qp(), IBV_WR_SEND,
				       { s_.sge(0, 64) }, 2));
		ASSERT_TRUE(expect_wc(c_->client.scq, 2, IBV_WC_SEND));
		ASSERT_TRUE(expect_wc(c_->server.rcq, 1, IBV_WC_RECV));
	}

	/* The completion of WR @wr_id, which named a deregistered buffer. */
	void expect_prot_err(ibv_cq *cq, uint64_t wr_id)
	{
		auto wc = poll_one(cq, ms(10000));

		ASSERT_TRUE(wc) << "no completion for WR " << wr_id
				<< ", which named a deregistered buffer";
		EXPECT_EQ(wr_id, wc->wr_id) << wc_str(*wc);
		if (wc->status != IBV_WC_LOC_PROT_ERR &&
		    wc->status != IBV_WC_SUCCESS &&
		    quirk("local-prot-status",
			  "a WR on a deregistered MR completed with " +
				  wc_str(*wc)))
			return;
		EXPECT_EQ(IBV_WC_LOC_PROT_ERR, wc->status) << wc_str(*wc);
	}

	std::unique_ptr<Conn> c_;
	Buf s_{4096}, r_{4096};
};

/* A receive WR on a deregistered buffer: the Send that takes it completes
 * it in error, and the buffer keeps what it held. */
TEST_F(LocalErrors, ReceiveIntoDeregisteredBuffer)
{
	ASSERT_NO_FATAL_FAILURE(use_once(71));
	const ibv_sge stale = r_.sge(0, 4096);

	r_.dereg();
	std::memset(r_.data(), FILL_BYTE, r_.size());
	ASSERT_EQ(0, post_recv(c_->server.qp(), { stale }, 3));
	ASSERT_EQ(0, post_send(c_->client.qp(), IBV_WR_SEND, { s_.sge(64, 64) },
			       4));
	expect_prot_err(c_->server.rcq, 3);
	EXPECT_TRUE(is_fill(r_.data(), r_.size(), FILL_BYTE))
		<< "the Send was placed into the deregistered buffer";
	EXPECT_TRUE(r_.guards_ok());
}

/* A Send from a deregistered buffer completes in error, and nothing of it
 * is received. */
TEST_F(LocalErrors, SendFromDeregisteredBuffer)
{
	ASSERT_NO_FATAL_FAILURE(use_once(72));
	const ibv_sge stale = s_.sge(64, 64);

	s_.dereg();
	ASSERT_EQ(0, post_recv(c_->server.qp(), { r_.sge(0, 4096) }, 3));
	ASSERT_EQ(0, post_send(c_->client.qp(), IBV_WR_SEND, { stale }, 4));
	expect_prot_err(c_->client.scq, 4);
	/* The receive may be flushed as the connection goes, not filled. */
	for (const ibv_wc &w : poll_quiet(c_->server.rcq, ms(1000)))
		EXPECT_NE(IBV_WC_SUCCESS, w.status)
			<< "the Send arrived anyway: " << wc_str(w);
}

} // namespace
} // namespace kv
