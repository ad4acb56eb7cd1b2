// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Scatter/gather lists and inline data.  Gather lists on the sending side
 * (Send, Write) and scatter lists on the receiving side (receive buffers,
 * Read sinks) span several MRs at odd offsets and lengths; the bytes must
 * land in list order, and nothing past the message may change.  Inline
 * data comes from unregistered memory that the test overwrites right after
 * posting.
 */
#include "suite.h"

#include <cstring>

namespace kv {
namespace {

struct Piece {
	Buf *buf;
	size_t off, len;
};

/* The bytes of a gather list, in order. */
std::vector<uint8_t> gather(const std::vector<Piece> &ps)
{
	std::vector<uint8_t> v;

	for (const Piece &p : ps)
		v.insert(v.end(), p.buf->data() + p.off, p.buf->data() + p.off + p.len);
	return v;
}

std::vector<ibv_sge> sges(const std::vector<Piece> &ps)
{
	std::vector<ibv_sge> v;

	for (const Piece &p : ps)
		v.push_back(p.buf->sge(p.off, p.len));
	return v;
}

/* The scatter list holds 'stream' in order, and what is left of it, and
 * the bytes around each piece, are untouched. */
::testing::AssertionResult scattered(const std::vector<Piece> &ps,
				     const std::vector<uint8_t> &stream)
{
	size_t at = 0;

	for (size_t i = 0; i < ps.size(); i++) {
		const Piece &p = ps[i];
		size_t n = std::min(p.len, stream.size() - at);
		const uint8_t *d = p.buf->data() + p.off;

		for (size_t k = 0; k < n; k++) {
			if (d[k] != stream[at + k])
				return ::testing::AssertionFailure()
				       << "scatter piece " << i << " byte " << k
				       << " (message byte " << at + k << ") is "
				       << int(d[k]) << ", expected " << int(stream[at + k]);
		}
		auto r = is_fill(d + n, p.len - n, FILL_BYTE);
		if (!r)
			return ::testing::AssertionFailure()
			       << "scatter piece " << i << " past the message: "
			       << r.message();
		at += n;
	}
	if (at != stream.size())
		return ::testing::AssertionFailure()
		       << "only " << at << " of " << stream.size() << " bytes fit";
	return ::testing::AssertionSuccess();
}

class Sge : public VerbsTest {};

/* A Send gathered from 4 pieces of 2 MRs lands in a receive scattered
 * over 3 pieces of 2 other MRs. */
TEST_F(Sge, SendGatherToReceiveScatter)
{
	QpOpts co, so;
	co.send_sge = 4;
	so.recv_sge = 3;
	auto c = conn(co, so);
	ASSERT_TRUE(c);
	ASSERT_GE(c->client.cap.max_send_sge, 4u);
	ASSERT_GE(c->server.cap.max_recv_sge, 3u);
	Buf a(8192), b(8192), r1(16384), r2(4096);
	a.reg(c->client.pd, IBV_ACCESS_LOCAL_WRITE);
	b.reg(c->client.pd, IBV_ACCESS_LOCAL_WRITE);
	r1.reg(c->server.pd, IBV_ACCESS_LOCAL_WRITE);
	r2.reg(c->server.pd, IBV_ACCESS_LOCAL_WRITE);
	fill_pat(a.data(), a.size(), 61);
	fill_pat(b.data(), b.size(), 62);

	std::vector<Piece> g = { { &a, 3, 1 }, { &b, 100, 100 }, { &a, 1000, 4096 },
				 { &b, 5000, 3000 } };
	std::vector<Piece> s = { { &r1, 7, 50 }, { &r2, 1, 2000 }, { &r1, 4000, 8192 } };
	auto stream = gather(g);

	ASSERT_EQ(0, post_recv(c->server.qp(), sges(s), 1));
	ASSERT_EQ(0, post_send(c->client.qp(), IBV_WR_SEND, sges(g), 2));
	EXPECT_TRUE(expect_wc(c->client.scq, 2, IBV_WC_SEND));
	ibv_wc wc = {};
	ASSERT_TRUE(expect_wc(c->server.rcq, 1, IBV_WC_RECV, 0, &wc));
	EXPECT_EQ(stream.size(), wc.byte_len);
	EXPECT_TRUE(scattered(s, stream));
	EXPECT_TRUE(is_fill(r1.data(), 7, FILL_BYTE));
	EXPECT_TRUE(is_fill(r1.data() + 57, 4000 - 57, FILL_BYTE));
	for (Buf *x : { &a, &b, &r1, &r2 })
		EXPECT_TRUE(x->guards_ok());
}

/* An RDMA Write gathered from 4 local pieces is contiguous remotely. */
TEST_F(Sge, WriteGather)
{
	QpOpts co;
	co.send_sge = 4;
	auto c = conn(co);
	ASSERT_TRUE(c);
	Buf a(8192), b(8192), t(16384);
	a.reg(c->client.pd, IBV_ACCESS_LOCAL_WRITE);
	b.reg(c->client.pd, IBV_ACCESS_LOCAL_WRITE);
	t.reg(c->server.pd, IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE);
	fill_pat(a.data(), a.size(), 63);
	fill_pat(b.data(), b.size(), 64);
	std::vector<Piece> g = { { &b, 11, 777 }, { &a, 0, 4096 }, { &b, 4096, 1 },
				 { &a, 5000, 3001 } };
	auto stream = gather(g);

	ASSERT_EQ(0, post_send(c->client.qp(), IBV_WR_RDMA_WRITE, sges(g), 3,
			       IBV_SEND_SIGNALED, t.addr(5), t.mr()->rkey));
	EXPECT_TRUE(expect_wc(c->client.scq, 3, IBV_WC_RDMA_WRITE));
	ASSERT_TRUE(marker(*c));
	EXPECT_TRUE(scattered({ { &t, 5, t.size() - 5 } }, stream));
	EXPECT_TRUE(is_fill(t.data(), 5, FILL_BYTE));
	EXPECT_TRUE(t.guards_ok());
}

/* An RDMA Read scatters a contiguous remote range over 4 local pieces. */
TEST_F(Sge, ReadScatter)
{
	QpOpts co;
	co.send_sge = 4;
	auto c = conn(co);
	ASSERT_TRUE(c);
	const uint32_t max_rd = dev_attr(c->client.ctx()).max_sge_rd;
	if (max_rd < 4)
		GTEST_SKIP() << "device reports max_sge_rd " << max_rd;
	Buf src(16384), a(8192), b(8192);
	src.reg(c->server.pd, IBV_ACCESS_REMOTE_READ);
	a.reg(c->client.pd, IBV_ACCESS_LOCAL_WRITE);
	b.reg(c->client.pd, IBV_ACCESS_LOCAL_WRITE);
	fill_pat(src.data(), src.size(), 65);
	std::vector<Piece> s = { { &a, 1, 100 }, { &b, 3, 4096 }, { &a, 200, 5 },
				 { &b, 4200, 3000 } };
	size_t total = 100 + 4096 + 5 + 3000;
	std::vector<uint8_t> stream(src.data() + 33, src.data() + 33 + total);

	ASSERT_EQ(0, post_send(c->client.qp(), IBV_WR_RDMA_READ, sges(s), 4,
			       IBV_SEND_SIGNALED, src.addr(33), src.mr()->rkey));
	EXPECT_TRUE(expect_wc(c->client.scq, 4, IBV_WC_RDMA_READ));
	EXPECT_TRUE(scattered(s, stream));
	EXPECT_TRUE(is_fill(a.data(), 1, FILL_BYTE));
	EXPECT_TRUE(is_fill(a.data() + 101, 99, FILL_BYTE));
	for (Buf *x : { &a, &b })
		EXPECT_TRUE(x->guards_ok());
}

/* The QP's own SGE limits: a Send with max_send_sge pieces into a receive
 * with max_recv_sge pieces (both as the device reports them). */
TEST_F(Sge, MaxSgeCounts)
{
	auto probe = conn();
	ASSERT_TRUE(probe);
	const ibv_device_attr &da = dev_attr(probe->client.ctx());
	const ibv_device_attr &sa = dev_attr(probe->server.ctx());
	probe.reset();

	QpOpts co, so;
	co.send_sge = da.max_sge;
	so.recv_sge = sa.max_sge;
	auto c = conn(co, so);
	ASSERT_TRUE(c);
	const size_t ns = c->client.cap.max_send_sge, nr = c->server.cap.max_recv_sge;
	ASSERT_GE(ns, 1u);
	ASSERT_GE(nr, 1u);
	Buf src(ns * 512), dst(nr * 1024);
	src.reg(c->client.pd, IBV_ACCESS_LOCAL_WRITE);
	dst.reg(c->server.pd, IBV_ACCESS_LOCAL_WRITE);
	fill_pat(src.data(), src.size(), 66);
	std::vector<Piece> g, s;
	for (size_t i = 0; i < ns; i++)
		g.push_back({ &src, i * 512 + i, 1 + i * 37 });
	for (size_t i = 0; i < nr; i++)
		s.push_back({ &dst, i * 1024 + 1, 1 + 7 * i + (i + 1 == nr ? 512 : 0) });
	auto stream = gather(g);
	size_t cap = 0;
	for (auto &p : s)
		cap += p.len;
	ASSERT_LE(stream.size(), cap);

	ASSERT_EQ(0, post_recv(c->server.qp(), sges(s), 5))
		<< nr << " receive SGEs";
	ASSERT_EQ(0, post_send(c->client.qp(), IBV_WR_SEND, sges(g), 6))
		<< ns << " send SGEs";
	EXPECT_TRUE(expect_wc(c->client.scq, 6, IBV_WC_SEND));
	ibv_wc wc = {};
	ASSERT_TRUE(expect_wc(c->server.rcq, 5, IBV_WC_RECV, 0, &wc));
	EXPECT_EQ(stream.size(), wc.byte_len);
	EXPECT_TRUE(scattered(s, stream));
	EXPECT_TRUE(dst.guards_ok());
}

class Inline : public VerbsTest {
protected:
	static constexpr uint32_t WANT = 64;

	std::unique_ptr<Conn> inline_conn()
	{
		QpOpts co;
		co.inline_data = WANT;
		co.send_sge = 2;
		return conn(co);
	}
};

/* Inline Sends of 1 byte up to max_inline_data from unregistered memory
 * (lkey 0), overwritten right after the post: the receiver sees the data
 * as it was at post time. */
TEST_F(Inline, SendFromUnregisteredMemory)
{
	auto c = inline_conn();
	ASSERT_TRUE(c);
	const uint32_t max = c->client.cap.max_inline_data;
	ASSERT_GE(max, WANT) << "QP created with max_inline_data " << WANT;
	std::vector<size_t> lens = { 1, 17, WANT, max };
	Buf dst(lens.size() * 4096);
	dst.reg(c->server.pd, IBV_ACCESS_LOCAL_WRITE);

	for (size_t i = 0; i < lens.size(); i++)
		ASSERT_EQ(0, post_recv(c->server.qp(), { dst.sge(i * 4096, 4096) }, i));
	for (size_t i = 0; i < lens.size(); i++) {
		std::vector<uint8_t> mem(lens[i]);
		fill_pat(mem.data(), lens[i], 70 + i);
		ibv_sge sg = { reinterpret_cast<uintptr_t>(mem.data()),
			       static_cast<uint32_t>(lens[i]), 0 };
		ASSERT_EQ(0, post_send(c->client.qp(), IBV_WR_SEND, { sg }, 10 + i,
				       IBV_SEND_SIGNALED | IBV_SEND_INLINE))
			<< "inline send of " << lens[i];
		memset(mem.data(), 0xee, mem.size());
	}
	for (size_t i = 0; i < lens.size(); i++) {
		EXPECT_TRUE(expect_wc(c->client.scq, 10 + i, IBV_WC_SEND));
		ibv_wc wc = {};
		ASSERT_TRUE(expect_wc(c->server.rcq, i, IBV_WC_RECV, 0, &wc));
		EXPECT_EQ(lens[i], wc.byte_len);
		EXPECT_TRUE(is_pat(dst.data() + i * 4096, lens[i], 70 + i))
			<< "inline send of " << lens[i];
		EXPECT_TRUE(is_fill(dst.data() + i * 4096 + lens[i], 4096 - lens[i],
				    FILL_BYTE));
	}
	EXPECT_TRUE(dst.guards_ok());
}

/* Inline data gathered from two unregistered pieces. */
TEST_F(Inline, SendGatheredFromTwoPieces)
{
	auto c = inline_conn();
	ASSERT_TRUE(c);
	Buf dst(4096);
	dst.reg(c->server.pd, IBV_ACCESS_LOCAL_WRITE);
	std::vector<uint8_t> m(64);
	fill_pat(m.data(), 64, 75);
	ibv_sge sg[2] = { { reinterpret_cast<uintptr_t>(m.data()), 20, 0 },
			  { reinterpret_cast<uintptr_t>(m.data() + 20), 44, 0 } };

	ASSERT_EQ(0, post_recv(c->server.qp(), { dst.sge(0, 4096) }, 1));
	ASSERT_EQ(0, post_send(c->client.qp(), IBV_WR_SEND, { sg[0], sg[1] }, 2,
			       IBV_SEND_SIGNALED | IBV_SEND_INLINE));
	memset(m.data(), 0, m.size());
	EXPECT_TRUE(expect_wc(c->client.scq, 2, IBV_WC_SEND));
	ibv_wc wc = {};
	ASSERT_TRUE(expect_wc(c->server.rcq, 1, IBV_WC_RECV, 0, &wc));
	EXPECT_EQ(64u, wc.byte_len);
	EXPECT_TRUE(is_pat(dst.data(), 64, 75));
}

/* Inline RDMA Write from unregistered memory. */
TEST_F(Inline, WriteFromUnregisteredMemory)
{
	auto c = inline_conn();
	ASSERT_TRUE(c);
	Buf t(256);
	t.reg(c->server.pd, IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE);
	std::vector<uint8_t> m(WANT);
	fill_pat(m.data(), WANT, 76);
	ibv_sge sg = { reinterpret_cast<uintptr_t>(m.data()), WANT, 0 };

	ASSERT_EQ(0, post_send(c->client.qp(), IBV_WR_RDMA_WRITE, { sg }, 3,
			       IBV_SEND_SIGNALED | IBV_SEND_INLINE, t.addr(100),
			       t.mr()->rkey));
	memset(m.data(), 0, m.size());
	EXPECT_TRUE(expect_wc(c->client.scq, 3, IBV_WC_RDMA_WRITE));
	ASSERT_TRUE(marker(*c));
	EXPECT_TRUE(is_fill(t.data(), 100, FILL_BYTE));
	EXPECT_TRUE(is_pat(t.data() + 100, WANT, 76));
	EXPECT_TRUE(is_fill(t.data() + 100 + WANT, 256 - 100 - WANT, FILL_BYTE));
	EXPECT_TRUE(t.guards_ok());
}

} /* namespace */
} /* namespace kv */
