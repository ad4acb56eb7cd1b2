// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Tests for drivers/kiwi/wire/mpa.c: request/reply frames and the
 * negotiation functions.
 */
#include <gtest/gtest.h>

#include <random>

#include <kiwi/mpa.h>
#include "test_util.h"
#include "vectors/mpa.h"

using namespace kiwi_test;

namespace {

const char *REQ_KEY = KIWI_VEC_MPA_REQ_KEY;

struct FrameVector {
	int id;
	kiwi_mpa_rr rr;
	Bytes pdata;
	Bytes wire;
};

kiwi_mpa_rr rr(bool reply, bool m, bool c, bool r, bool e, uint8_t rev,
	       uint16_t ird = 0, uint16_t ord = 0, bool p2p = false,
	       uint8_t rtr = 0)
{
	kiwi_mpa_rr x = {};
	x.reply = reply;
	x.markers = m;
	x.crc = c;
	x.reject = r;
	x.enhanced = e;
	x.rev = rev;
	x.ird = ird;
	x.ord = ord;
	x.p2p = p2p;
	x.rtr = rtr;
	return x;
}

/* The shared frame vectors (vectors/mpa.h) in this file's form. */
std::vector<FrameVector> frame_vectors()
{
	std::vector<FrameVector> out;
	for (const auto &v : kiwi_vec_mpa_frame)
		out.push_back({ v.id,
				rr(v.reply, v.markers, v.crc, v.reject,
				   v.enhanced, v.rev, v.ird, v.ord, v.p2p,
				   v.rtr),
				hex(v.pdata), hex(v.wire) });
	return out;
}

TEST(MpaFrame, BuildVectors)
{
	for (auto v : frame_vectors()) {
		SCOPED_TRACE(v.id);
		v.rr.pdata = v.pdata.data();
		v.rr.pdata_len = (uint16_t)v.pdata.size();
		uint8_t buf[KIWI_MPA_MAX_FRAME];
		int n = kiwi_mpa_rr_build(buf, sizeof(buf), &v.rr);
		ASSERT_EQ(n, (int)v.wire.size());
		EXPECT_EQ(to_hex(Bytes(buf, buf + n)), to_hex(v.wire));
		/* exactly enough room works, one byte less does not */
		EXPECT_EQ(kiwi_mpa_rr_build(buf, v.wire.size(), &v.rr), n);
		EXPECT_EQ(kiwi_mpa_rr_build(buf, v.wire.size() - 1, &v.rr),
			  -ENOSPC);
	}
}

TEST(MpaFrame, ParseVectors)
{
	for (const auto &v : frame_vectors()) {
		SCOPED_TRACE(v.id);
		kiwi_mpa_rr got;
		size_t need = 0;
		kiwi_wire_err err = KIWI_WERR_NONE;
		Bytes stream = v.wire;
		stream.push_back(0xee);	/* first FPDU byte must not be eaten */
		int n = kiwi_mpa_rr_parse(stream.data(), stream.size(),
					  v.rr.reply, &got, &need, &err);
		ASSERT_EQ(n, (int)v.wire.size());
		EXPECT_EQ(got.reply, v.rr.reply);
		EXPECT_EQ(got.markers, v.rr.markers);
		EXPECT_EQ(got.crc, v.rr.crc);
		EXPECT_EQ(got.reject, v.rr.reject);
		EXPECT_EQ(got.enhanced, v.rr.enhanced);
		EXPECT_EQ(got.rev, v.rr.rev);
		EXPECT_EQ(got.ird, v.rr.ird);
		EXPECT_EQ(got.ord, v.rr.ord);
		EXPECT_EQ(got.p2p, v.rr.p2p);
		EXPECT_EQ(got.rtr, v.rr.rtr);
		EXPECT_EQ(Bytes(got.pdata, got.pdata + got.pdata_len), v.pdata);
	}
}

/* every prefix of a frame asks for more, and for the right amount */
TEST(MpaFrame, PartialInputAsksForMore)
{
	for (const auto &v : frame_vectors()) {
		SCOPED_TRACE(v.id);
		for (size_t len = 0; len < v.wire.size(); len++) {
			/* a copy of exactly len bytes lets ASan catch overreads */
			Bytes part(v.wire.begin(), v.wire.begin() + len);
			kiwi_mpa_rr got;
			size_t need = 0;
			int n = kiwi_mpa_rr_parse(part.data(), part.size(),
						  v.rr.reply, &got, &need, nullptr);
			ASSERT_EQ(n, -EAGAIN) << len;
			EXPECT_EQ(need, len < 20 ? 20u : v.wire.size()) << len;
		}
	}
}

TEST(MpaFrame, Rejections)
{
	for (const auto &c : kiwi_vec_mpa_bad) {
		SCOPED_TRACE(c.id);
		Bytes w = hex(c.wire);
		kiwi_mpa_rr got;
		size_t need = 0;
		kiwi_wire_err err = KIWI_WERR_NONE;
		EXPECT_EQ(kiwi_mpa_rr_parse(w.data(), w.size(), c.reply,
					    &got, &need, &err), c.ret);
		EXPECT_EQ(err, c.err);
	}
}

TEST(MpaFrame, PdLength512IsTheLimit)
{
	Bytes pd(512, 0x5a);
	kiwi_mpa_rr x = rr(false, false, false, false, false, 1);
	x.pdata = pd.data();
	x.pdata_len = 512;
	uint8_t buf[KIWI_MPA_MAX_FRAME + 8];
	ASSERT_EQ(kiwi_mpa_rr_build(buf, sizeof(buf), &x), 532);
	kiwi_mpa_rr got;
	size_t need;
	ASSERT_EQ(kiwi_mpa_rr_parse(buf, 532, false, &got, &need, nullptr), 532);
	EXPECT_EQ(got.pdata_len, 512);

	/* enhanced: 508 bytes of ULP data plus the IRD/ORD word */
	x = rr(false, false, false, false, true, 2, 1, 1);
	x.pdata = pd.data();
	x.pdata_len = kiwi_mpa_max_pdata(true);
	EXPECT_EQ(x.pdata_len, 508);
	EXPECT_EQ(kiwi_mpa_rr_build(buf, sizeof(buf), &x), 532);
	x.pdata_len = 509;
	EXPECT_EQ(kiwi_mpa_rr_build(buf, sizeof(buf), &x), -EMSGSIZE);
	x = rr(false, false, false, false, false, 1);
	x.pdata = pd.data();
	x.pdata_len = 513;
	EXPECT_EQ(kiwi_mpa_rr_build(buf, sizeof(buf), &x), -EMSGSIZE);
}

TEST(MpaFrame, BuildRejectsInconsistentFrames)
{
	uint8_t buf[64];
	kiwi_mpa_rr x = rr(false, false, false, true, false, 1);
	EXPECT_EQ(kiwi_mpa_rr_build(buf, sizeof(buf), &x), -EINVAL);
	x = rr(false, false, false, false, true, 1);
	EXPECT_EQ(kiwi_mpa_rr_build(buf, sizeof(buf), &x), -EINVAL);
	x = rr(false, false, false, false, true, 2, 0x4000, 0);
	EXPECT_EQ(kiwi_mpa_rr_build(buf, sizeof(buf), &x), -EINVAL);
	x = rr(false, false, false, false, true, 2, 0, 0x4000);
	EXPECT_EQ(kiwi_mpa_rr_build(buf, sizeof(buf), &x), -EINVAL);
	x = rr(false, false, false, false, true, 2, 0, 0, true, 0x8);
	EXPECT_EQ(kiwi_mpa_rr_build(buf, sizeof(buf), &x), -EINVAL);
}

/* E flag in a revision 1 frame is a reserved bit, not RFC 6581 data */
TEST(MpaFrame, EnhancedFlagIgnoredInRevision1)
{
	Bytes w = hex((std::string(REQ_KEY) + "10 01 0004 8010 c008").c_str());
	kiwi_mpa_rr got;
	size_t need;
	ASSERT_EQ(kiwi_mpa_rr_parse(w.data(), w.size(), false, &got, &need,
				    nullptr), 24);
	EXPECT_FALSE(got.enhanced);
	EXPECT_EQ(got.pdata_len, 4);
}

TEST(MpaFrame, RandomRoundTrip)
{
	std::mt19937 rng(7);
	Bytes pd(512);
	for (auto &b : pd)
		b = (uint8_t)rng();
	for (int i = 0; i < 5000; i++) {
		kiwi_mpa_rr x = {};
		x.reply = rng() & 1;
		x.markers = rng() & 1;
		x.crc = rng() & 1;
		x.reject = x.reply && (rng() & 1);
		x.enhanced = rng() & 1;
		x.rev = x.enhanced ? 2 : (uint8_t)(1 + rng() % 2);
		if (x.enhanced) {
			x.ird = rng() & 0x3fff;
			x.ord = rng() & 0x3fff;
			x.p2p = rng() & 1;
			x.rtr = rng() & 7;
		}
		x.big = rng() & 1;
		x.pdata = pd.data();
		x.pdata_len = (uint16_t)(rng() % (kiwi_mpa_max_pdata(x.enhanced) + 1));
		uint8_t buf[KIWI_MPA_MAX_FRAME];
		int n = kiwi_mpa_rr_build(buf, sizeof(buf), &x);
		ASSERT_GT(n, 0);
		/* feed it in two random pieces, as TCP might */
		size_t cut = rng() % n;
		kiwi_mpa_rr got;
		size_t need = 0;
		ASSERT_EQ(kiwi_mpa_rr_parse(buf, cut, x.reply, &got, &need, nullptr),
			  -EAGAIN);
		ASSERT_GT(need, cut);
		ASSERT_EQ(kiwi_mpa_rr_parse(buf, n, x.reply, &got, &need, nullptr), n);
		EXPECT_EQ(got.markers, x.markers);
		EXPECT_EQ(got.crc, x.crc);
		EXPECT_EQ(got.reject, x.reject);
		EXPECT_EQ(got.enhanced, x.enhanced);
		EXPECT_EQ(got.rev, x.rev);
		EXPECT_EQ(got.ird, x.ird);
		EXPECT_EQ(got.ord, x.ord);
		EXPECT_EQ(got.p2p, x.p2p);
		EXPECT_EQ(got.rtr, x.rtr);
		EXPECT_EQ(got.big, x.big);
		ASSERT_EQ(got.pdata_len, x.pdata_len);
		EXPECT_EQ(0, memcmp(got.pdata, pd.data(), x.pdata_len));
	}
}

/* ---- negotiation ---- */

kiwi_mpa_policy pol(uint8_t rev, uint8_t crc, uint8_t markers,
		    bool p2p = false, uint8_t rtr = 0, bool strict = false,
		    uint16_t ird = 8, uint16_t ord = 8)
{
	kiwi_mpa_policy p = {};
	p.rev = rev;
	p.crc = crc;
	p.markers = markers;
	p.p2p = p2p;
	p.rtr = rtr;
	p.strict_ird = strict;
	p.ird = ird;
	p.ord = ord;
	return p;
}

bool asks_crc(const kiwi_mpa_policy &p)
{
	return p.crc == KIWI_MPA_CRC_PREFER_ON || p.crc == KIWI_MPA_CRC_REQUIRED;
}

/*
 * The expected outcome of a connection between two kiwi ends, written
 * from the RFC text independently of mpa.c.
 */
struct Expect {
	kiwi_wire_err resp;	/* responder verdict */
	kiwi_wire_err init;	/* initiator verdict, if responder accepted */
	kiwi_mpa_params ip, rp;
};

uint8_t first_rtr(uint8_t m)
{
	if (m & KIWI_MPA_RTR_WRITE)
		return KIWI_MPA_RTR_WRITE;
	if (m & KIWI_MPA_RTR_READ)
		return KIWI_MPA_RTR_READ;
	return m & KIWI_MPA_RTR_SEND;
}

Expect model(const kiwi_mpa_policy &I, const kiwi_mpa_policy &R)
{
	Expect e = {};
	bool req_m = I.markers == KIWI_MPA_MARKERS_WANT;
	bool req_c = asks_crc(I);
	bool rep_m = R.markers == KIWI_MPA_MARKERS_WANT;
	bool rep_c = req_c || asks_crc(R);
	uint8_t rev = std::min(I.rev, R.rev);
	bool enh = rev == 2 && I.rev == 2;
	/* a Read RTR is a Read: one ORD credit here, one IRD slot there */
	uint16_t req_ord = I.ord;
	if (I.rev == 2 && I.p2p && (I.rtr & KIWI_MPA_RTR_READ) && !req_ord)
		req_ord = 1;
	uint16_t rep_ird = std::min(R.ird, req_ord);
	uint16_t rep_ord = std::min(R.ord, I.ird);
	uint8_t rtr = (enh && I.p2p && R.p2p) ? first_rtr(I.rtr & R.rtr) : 0;
	if (rtr == KIWI_MPA_RTR_READ && !rep_ird)
		rep_ird = 1;

	/* responder: markers it cannot send, strict CRC, IRD, RTR */
	if (req_m && R.markers == KIWI_MPA_MARKERS_REFUSE)
		e.resp = KIWI_WERR_MPA_RR_MARKER_POLICY;
	else if ((R.crc == KIWI_MPA_CRC_REQUIRED && !req_c) ||
		 (R.crc == KIWI_MPA_CRC_FORBIDDEN && req_c))
		e.resp = KIWI_WERR_MPA_RR_CRC_POLICY;
	else if (enh && R.strict_ird && I.ird < R.ord)
		e.resp = KIWI_WERR_MPA_INSUFF_IRD;
	else if (enh && I.p2p && R.p2p && !rtr)
		e.resp = KIWI_WERR_MPA_NO_RTR;
	if (e.resp)
		return e;

	if (rep_m && I.markers == KIWI_MPA_MARKERS_REFUSE)
		e.init = KIWI_WERR_MPA_RR_MARKER_POLICY;
	else if ((I.crc == KIWI_MPA_CRC_REQUIRED && !rep_c) ||
		 (I.crc == KIWI_MPA_CRC_FORBIDDEN && rep_c))
		e.init = KIWI_WERR_MPA_RR_CRC_POLICY;
	else if (enh && I.strict_ird && rep_ird < req_ord)
		e.init = KIWI_WERR_MPA_INSUFF_IRD;

	e.rp.rev = e.ip.rev = rev;
	e.rp.crc = e.ip.crc = req_c || rep_c;
	e.ip.tx_markers = e.rp.rx_markers = rep_m;
	e.ip.rx_markers = e.rp.tx_markers = req_m;
	e.ip.enhanced = e.rp.enhanced = enh;
	e.ip.rtr = e.rp.rtr = rtr;
	/* kiwi's extension: both offer, and no markers either way */
	e.ip.big = e.rp.big = I.big && R.big && !req_m && !rep_m;
	if (enh) {
		e.rp.ird = rep_ird;
		e.rp.ord = rep_ord;
		e.ip.ird = rep_ord;
		e.ip.ord = std::min(req_ord, rep_ird);
	} else {
		e.ip.ird = I.ird;
		e.ip.ord = I.ord;
		e.rp.ird = R.ird;
		e.rp.ord = R.ord;
	}
	return e;
}

void expect_params(const kiwi_mpa_params &a, const kiwi_mpa_params &b)
{
	EXPECT_EQ(a.rev, b.rev);
	EXPECT_EQ(a.crc, b.crc);
	EXPECT_EQ(a.tx_markers, b.tx_markers);
	EXPECT_EQ(a.rx_markers, b.rx_markers);
	EXPECT_EQ(a.enhanced, b.enhanced);
	EXPECT_EQ(a.ird, b.ird);
	EXPECT_EQ(a.ord, b.ord);
	EXPECT_EQ(a.rtr, b.rtr);
	EXPECT_EQ(a.big, b.big);
}

/* Run a full exchange through the byte format, as two kiwi ends would. */
void connect(const kiwi_mpa_policy &I, const kiwi_mpa_policy &R)
{
	SCOPED_TRACE(testing::Message()
		     << "I rev" << (int)I.rev << " crc" << (int)I.crc << " m"
		     << (int)I.markers << " p2p" << I.p2p << " rtr" << (int)I.rtr
		     << " strict" << I.strict_ird << " ird" << I.ird << " ord"
		     << I.ord << " | R rev" << (int)R.rev << " crc" << (int)R.crc
		     << " m" << (int)R.markers << " p2p" << R.p2p << " rtr"
		     << (int)R.rtr << " strict" << R.strict_ird << " ird"
		     << R.ird << " ord" << R.ord << " big" << I.big << R.big);
	Expect e = model(I, R);
	uint8_t wire[KIWI_MPA_MAX_FRAME];
	size_t need;

	kiwi_mpa_rr req, req_rx, rep, rep_rx;
	ASSERT_EQ(kiwi_mpa_request_init(&I, &req), 0);
	int n = kiwi_mpa_rr_build(wire, sizeof(wire), &req);
	ASSERT_GT(n, 0);
	ASSERT_EQ(kiwi_mpa_rr_parse(wire, n, false, &req_rx, &need, nullptr), n);

	kiwi_mpa_params rp, ip;
	kiwi_wire_err r = kiwi_mpa_negotiate_responder(&R, &req_rx, &rep, &rp);
	ASSERT_EQ(r, e.resp);
	n = kiwi_mpa_rr_build(wire, sizeof(wire), &rep);
	ASSERT_GT(n, 0);
	ASSERT_EQ(kiwi_mpa_rr_parse(wire, n, true, &rep_rx, &need, nullptr), n);
	EXPECT_EQ(rep_rx.reject, r != KIWI_WERR_NONE);

	kiwi_wire_err i = kiwi_mpa_negotiate_initiator(&I, &req, &rep_rx, &ip);
	if (r != KIWI_WERR_NONE) {
		EXPECT_EQ(i, KIWI_WERR_MPA_REJECTED);
		return;
	}
	ASSERT_EQ(i, e.init);
	expect_params(rp, e.rp);
	if (i != KIWI_WERR_NONE)
		return;
	expect_params(ip, e.ip);

	/* invariants between the two ends, independent of the model */
	EXPECT_EQ(ip.crc, rp.crc);
	EXPECT_EQ(ip.tx_markers, rp.rx_markers);
	EXPECT_EQ(ip.rx_markers, rp.tx_markers);
	EXPECT_EQ(ip.rtr, rp.rtr);
	EXPECT_EQ(ip.big, rp.big);
	EXPECT_LE(ip.ord, rp.ird);
	EXPECT_LE(rp.ord, ip.ird);
	EXPECT_LE(ip.ird, I.ird);
	EXPECT_LE(rp.ird, std::max<uint16_t>(R.ird, rp.rtr == KIWI_MPA_RTR_READ));
	/* whoever sends a Read RTR holds an ORD credit for it */
	if (ip.rtr == KIWI_MPA_RTR_READ) {
		EXPECT_GE(ip.ord, 1);
		EXPECT_GE(rp.ird, 1);
	}
	if (I.crc == KIWI_MPA_CRC_REQUIRED || R.crc == KIWI_MPA_CRC_REQUIRED) {
		EXPECT_TRUE(ip.crc);
	}
	if (I.crc == KIWI_MPA_CRC_FORBIDDEN || R.crc == KIWI_MPA_CRC_FORBIDDEN) {
		EXPECT_FALSE(ip.crc);
	}
	if (ip.tx_markers) {
		EXPECT_NE(I.markers, KIWI_MPA_MARKERS_REFUSE);
	}
	if (rp.tx_markers) {
		EXPECT_NE(R.markers, KIWI_MPA_MARKERS_REFUSE);
	}
}

/* revision x CRC policy x marker policy, on both sides */
TEST(MpaNegotiate, RevisionCrcMarkerMatrix)
{
	int n = 0;
	for (uint8_t ir = 1; ir <= 2; ir++)
	for (uint8_t ic = 0; ic <= KIWI_MPA_CRC_FORBIDDEN; ic++)
	for (uint8_t im = 0; im <= KIWI_MPA_MARKERS_WANT; im++)
	for (uint8_t rr_ = 1; rr_ <= 2; rr_++)
	for (uint8_t rc = 0; rc <= KIWI_MPA_CRC_FORBIDDEN; rc++)
	for (uint8_t rm = 0; rm <= KIWI_MPA_MARKERS_WANT; rm++)
	for (int big = 0; big < 4; big++) {
		kiwi_mpa_policy I = pol(ir, ic, im), R = pol(rr_, rc, rm);

		I.big = big & 1;
		R.big = big & 2;
		connect(I, R);
		n++;
	}
	EXPECT_EQ(n, 2304);
}

/* RFC 6581: peer-to-peer, RTR types, strictness and IRD/ORD values */
TEST(MpaNegotiate, EnhancedMatrix)
{
	const uint8_t rtrs[] = { KIWI_MPA_RTR_SEND, KIWI_MPA_RTR_WRITE,
				 KIWI_MPA_RTR_READ,
				 KIWI_MPA_RTR_READ | KIWI_MPA_RTR_SEND,
				 KIWI_MPA_RTR_ALL };
	const uint16_t qd[][2] = { { 0, 0 }, { 4, 16 }, { 16, 4 },
				   { 0x3fff, 0x3fff } };
	int n = 0;
	for (int ip2p = 0; ip2p < 2; ip2p++)
	for (uint8_t irtr : rtrs)
	for (int istrict = 0; istrict < 2; istrict++)
	for (const auto &iq : qd)
	for (int rp2p = 0; rp2p < 2; rp2p++)
	for (uint8_t rrtr : rtrs)
	for (int rstrict = 0; rstrict < 2; rstrict++)
	for (const auto &rq : qd) {
		connect(pol(2, KIWI_MPA_CRC_PREFER_ON, KIWI_MPA_MARKERS_ALLOW,
			    ip2p, irtr, istrict, iq[0], iq[1]),
			pol(2, KIWI_MPA_CRC_PREFER_OFF, KIWI_MPA_MARKERS_ALLOW,
			    rp2p, rrtr, rstrict, rq[0], rq[1]));
		n++;
	}
	EXPECT_EQ(n, 6400);
}

TEST(MpaNegotiate, BadPolicies)
{
	kiwi_mpa_rr req;
	const kiwi_mpa_policy bad[] = {
		pol(0, 0, 0), pol(3, 0, 0), pol(1, 4, 0), pol(1, 0, 3),
		pol(2, 0, 0, true, 0), pol(2, 0, 0, false, 8),
		pol(2, 0, 0, false, 0, false, 0x4000, 0),
		pol(2, 0, 0, false, 0, false, 0, 0x4000),
	};
	for (const auto &p : bad) {
		EXPECT_EQ(kiwi_mpa_request_init(&p, &req), -EINVAL);
		kiwi_mpa_rr good_req, rep;
		kiwi_mpa_params a;
		kiwi_mpa_policy g = pol(1, 0, 0);
		ASSERT_EQ(kiwi_mpa_request_init(&g, &good_req), 0);
		EXPECT_EQ(kiwi_mpa_negotiate_responder(&p, &good_req, &rep, &a),
			  KIWI_WERR_MPA_LOCAL_CATA);
		EXPECT_TRUE(rep.reject);
		EXPECT_EQ(kiwi_mpa_negotiate_initiator(&p, &good_req, &rep, &a),
			  KIWI_WERR_MPA_LOCAL_CATA);
	}
}

/* requests and replies no kiwi end would send */
TEST(MpaNegotiate, HostilePeers)
{
	kiwi_mpa_policy P = pol(2, KIWI_MPA_CRC_PREFER_OFF,
				KIWI_MPA_MARKERS_ALLOW, true, KIWI_MPA_RTR_ALL,
				false, 8, 8);
	kiwi_mpa_rr req, rep;
	kiwi_mpa_params a;
	ASSERT_EQ(kiwi_mpa_request_init(&P, &req), 0);

	struct Case {
		int id;
		kiwi_mpa_rr frame;
		bool responder;
		kiwi_wire_err want;
	};
	const Case cases[] = {
		/* 1: request with revision 0 */
		{ 1, rr(false, false, false, false, false, 0), true,
		  KIWI_WERR_MPA_RR_REV },
		/* 2: request with revision 3 */
		{ 2, rr(false, false, false, false, false, 3), true,
		  KIWI_WERR_MPA_RR_REV },
		/* 3: a reply where a request belongs */
		{ 3, rr(true, false, false, false, false, 1), true,
		  KIWI_WERR_MPA_RR_FLAGS },
		/* 4: reply revision above the request's */
		{ 4, rr(true, false, false, false, false, 3), false,
		  KIWI_WERR_MPA_RR_REV },
		/* 5: reply revision 0 */
		{ 5, rr(true, false, false, false, false, 0), false,
		  KIWI_WERR_MPA_RR_REV },
		/* 6: peer would issue more reads than we offered IRD */
		{ 6, rr(true, false, false, false, true, 2, 8, 9), false,
		  KIWI_WERR_MPA_INSUFF_IRD },
		/* 7: two RTR types chosen */
		{ 7, rr(true, false, false, false, true, 2, 8, 8, true,
			KIWI_MPA_RTR_READ | KIWI_MPA_RTR_WRITE), false,
		  KIWI_WERR_MPA_NO_RTR },
		/* 8: P2P reply without an RTR type */
		{ 8, rr(true, false, false, false, true, 2, 8, 8, true, 0),
		  false, KIWI_WERR_MPA_NO_RTR },
		/* 9: a request where a reply belongs */
		{ 9, rr(false, false, false, false, false, 1), false,
		  KIWI_WERR_MPA_RR_FLAGS },
		/* 10: rejected */
		{ 10, rr(true, false, false, true, false, 1), false,
		  KIWI_WERR_MPA_REJECTED },
	};
	for (const auto &c : cases) {
		SCOPED_TRACE(c.id);
		if (c.responder)
			EXPECT_EQ(kiwi_mpa_negotiate_responder(&P, &c.frame, &rep, &a),
				  c.want);
		else
			EXPECT_EQ(kiwi_mpa_negotiate_initiator(&P, &req, &c.frame, &a),
				  c.want);
	}

	/* 11: P2P reply to a client-server request */
	kiwi_mpa_policy cs = P;
	cs.p2p = false;
	kiwi_mpa_rr req_cs;
	ASSERT_EQ(kiwi_mpa_request_init(&cs, &req_cs), 0);
	kiwi_mpa_rr bad = rr(true, false, false, false, true, 2, 8, 8, true,
			     KIWI_MPA_RTR_WRITE);
	EXPECT_EQ(kiwi_mpa_negotiate_initiator(&cs, &req_cs, &bad, &a),
		  KIWI_WERR_MPA_RR_FLAGS);

	/* 12: RTR type that was not offered */
	kiwi_mpa_policy only_send = P;
	only_send.rtr = KIWI_MPA_RTR_SEND;
	kiwi_mpa_rr req_s;
	ASSERT_EQ(kiwi_mpa_request_init(&only_send, &req_s), 0);
	bad.rtr = KIWI_MPA_RTR_READ;
	EXPECT_EQ(kiwi_mpa_negotiate_initiator(&only_send, &req_s, &bad, &a),
		  KIWI_WERR_MPA_NO_RTR);

	/* 13: the same with rtr_any (siw's answer): taken as named ... */
	only_send.rtr_any = true;
	ASSERT_EQ(kiwi_mpa_negotiate_initiator(&only_send, &req_s, &bad, &a),
		  KIWI_WERR_NONE);
	EXPECT_EQ(a.rtr, KIWI_MPA_RTR_READ);
	/* ... but still one type, never two or none */
	bad.rtr = KIWI_MPA_RTR_READ | KIWI_MPA_RTR_WRITE;
	EXPECT_EQ(kiwi_mpa_negotiate_initiator(&only_send, &req_s, &bad, &a),
		  KIWI_WERR_MPA_NO_RTR);
	bad.rtr = 0;
	EXPECT_EQ(kiwi_mpa_negotiate_initiator(&only_send, &req_s, &bad, &a),
		  KIWI_WERR_MPA_NO_RTR);
}

/* an RFC 6581 initiator meeting an RFC 5044-only responder */
TEST(MpaNegotiate, FallbackToRevision1)
{
	kiwi_mpa_policy I = pol(2, KIWI_MPA_CRC_PREFER_ON,
				KIWI_MPA_MARKERS_ALLOW, true, KIWI_MPA_RTR_ALL,
				true, 5, 6);
	kiwi_mpa_rr req;
	ASSERT_EQ(kiwi_mpa_request_init(&I, &req), 0);
	kiwi_mpa_rr rep = rr(true, false, true, false, false, 1);
	kiwi_mpa_params a;
	ASSERT_EQ(kiwi_mpa_negotiate_initiator(&I, &req, &rep, &a),
		  KIWI_WERR_NONE);
	EXPECT_EQ(a.rev, 1);
	EXPECT_FALSE(a.enhanced);
	EXPECT_EQ(a.ird, 5);
	EXPECT_EQ(a.ord, 6);
	EXPECT_EQ(a.rtr, 0);
}

/*
 * kiwi's big-FPDU extension sits in RFC 5044's Res bits: BIG_OFFER in a
 * request, BIG_ACCEPT in a reply.  A responder that builds its reply on
 * the request's header (siw does) echoes BIG_OFFER; that must not count.
 */
TEST(MpaNegotiate, BigFpdusNeedAKiwiReply)
{
	kiwi_mpa_policy I = pol(2, KIWI_MPA_CRC_PREFER_OFF,
				KIWI_MPA_MARKERS_ALLOW);
	I.big = true;
	kiwi_mpa_rr req, got;
	kiwi_mpa_params a;
	uint8_t wire[KIWI_MPA_MAX_FRAME];
	size_t need;

	ASSERT_EQ(kiwi_mpa_request_init(&I, &req), 0);
	EXPECT_TRUE(req.big);
	int n = kiwi_mpa_rr_build(wire, sizeof(wire), &req);
	ASSERT_GT(n, 0);
	EXPECT_EQ(wire[16], KIWI_MPA_FLAG_E | KIWI_MPA_FLAG_BIG_OFFER);

	/* the echo: the request's header under the reply key */
	memcpy(wire, kiwi_mpa_key_rep, KIWI_MPA_KEY_LEN);
	ASSERT_EQ(kiwi_mpa_rr_parse(wire, n, true, &got, &need, nullptr), n);
	EXPECT_FALSE(got.big);
	ASSERT_EQ(kiwi_mpa_negotiate_initiator(&I, &req, &got, &a),
		  KIWI_WERR_NONE);
	EXPECT_FALSE(a.big);

	/* a kiwi reply: BIG_ACCEPT alone */
	kiwi_mpa_rr rep = rr(true, false, false, false, true, 2, 8, 8);
	rep.big = true;
	n = kiwi_mpa_rr_build(wire, sizeof(wire), &rep);
	ASSERT_GT(n, 0);
	EXPECT_EQ(wire[16], KIWI_MPA_FLAG_E | KIWI_MPA_FLAG_BIG_ACCEPT);
	ASSERT_EQ(kiwi_mpa_rr_parse(wire, n, true, &got, &need, nullptr), n);
	ASSERT_EQ(kiwi_mpa_negotiate_initiator(&I, &req, &got, &a),
		  KIWI_WERR_NONE);
	EXPECT_TRUE(a.big);

	/* an accept to a request that did not offer: ignored */
	I.big = false;
	ASSERT_EQ(kiwi_mpa_request_init(&I, &req), 0);
	EXPECT_FALSE(req.big);
	ASSERT_EQ(kiwi_mpa_negotiate_initiator(&I, &req, &got, &a),
		  KIWI_WERR_NONE);
	EXPECT_FALSE(a.big);

	/* a reply with markers makes the accept void */
	I.big = true;
	ASSERT_EQ(kiwi_mpa_request_init(&I, &req), 0);
	got.markers = true;
	ASSERT_EQ(kiwi_mpa_negotiate_initiator(&I, &req, &got, &a),
		  KIWI_WERR_NONE);
	EXPECT_FALSE(a.big);
	EXPECT_TRUE(a.tx_markers);

	/* an initiator that wants markers does not offer */
	I.markers = KIWI_MPA_MARKERS_WANT;
	ASSERT_EQ(kiwi_mpa_request_init(&I, &req), 0);
	EXPECT_FALSE(req.big);
}

} // namespace
