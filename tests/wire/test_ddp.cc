// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Tests for drivers/kiwi/wire/ddp.c: the opcode table, the FPDU header
 * parser with its validation, and the header builder.
 */
#include <gtest/gtest.h>

#include <functional>
#include <random>

#include <kiwi/ddp.h>
#include "test_util.h"

using namespace kiwi_test;

namespace {

const kiwi_fpdu_limits ALL = { 0xffff, KIWI_OPS_ALL };

struct HdrVector {
	int id;
	const char *wire;	/* header bytes, ULPDU_Length first */
	uint8_t opcode;
	bool last;
	uint16_t payload;
	std::function<void(const kiwi_fpdu_hdr &)> check;
};

const std::vector<HdrVector> &hdr_vectors()
{
	static const std::vector<HdrVector> v = {
		{ 1, "0012 c1 40 11223344 0102030405060708", KIWI_OP_WRITE, true, 4,
		  [](const kiwi_fpdu_hdr &h) {
			  EXPECT_TRUE(h.tagged);
			  EXPECT_EQ(h.stag, 0x11223344u);
			  EXPECT_EQ(h.to, 0x0102030405060708ull);
		  } },
		{ 2, "002e 41 41 00000000 00000001 00000007 00000000"
		     " aabbccdd 1111111122222222 00010000 55667788 3333333344444444",
		  KIWI_OP_READ_REQ, true, 0,
		  [](const kiwi_fpdu_hdr &h) {
			  EXPECT_EQ(h.qn, 1u);
			  EXPECT_EQ(h.msn, 7u);
			  EXPECT_EQ(h.u.rreq.sink_stag, 0xaabbccddu);
			  EXPECT_EQ(h.u.rreq.sink_to, 0x1111111122222222ull);
			  EXPECT_EQ(h.u.rreq.size, 0x10000u);
			  EXPECT_EQ(h.u.rreq.src_stag, 0x55667788u);
			  EXPECT_EQ(h.u.rreq.src_to, 0x3333333344444444ull);
		  } },
		{ 3, "0406 81 42 00000100 0000000000001000", KIWI_OP_READ_RESP,
		  false, 1016,
		  [](const kiwi_fpdu_hdr &h) {
			  EXPECT_FALSE(h.last);
			  EXPECT_EQ(h.stag, 0x100u);
			  EXPECT_EQ(h.to, 0x1000ull);
		  } },
		{ 4, "0017 41 43 00000000 00000000 00000001 00000000", KIWI_OP_SEND,
		  true, 5,
		  [](const kiwi_fpdu_hdr &h) {
			  EXPECT_EQ(h.qn, 0u);
			  EXPECT_EQ(h.msn, 1u);
			  EXPECT_EQ(h.mo, 0u);
		  } },
		{ 5, "0012 41 44 deadbeef 00000000 00000002 00000000",
		  KIWI_OP_SEND_INV, true, 0,
		  [](const kiwi_fpdu_hdr &h) {
			  EXPECT_EQ(h.inval_stag, 0xdeadbeefu);
		  } },
		{ 6, "0112 01 45 00000000 00000000 00000003 00000064",
		  KIWI_OP_SEND_SE, false, 256,
		  [](const kiwi_fpdu_hdr &h) { EXPECT_EQ(h.mo, 100u); } },
		{ 7, "0013 41 46 01020304 00000000 ffffffff 00000000",
		  KIWI_OP_SEND_SE_INV, true, 1,
		  [](const kiwi_fpdu_hdr &h) {
			  EXPECT_EQ(h.inval_stag, 0x01020304u);
			  EXPECT_EQ(h.msn, 0xffffffffu);
		  } },
		{ 8, "0016 41 47 00000000 00000002 00000001 00000000",
		  KIWI_OP_TERMINATE, true, 4,
		  [](const kiwi_fpdu_hdr &h) { EXPECT_EQ(h.qn, 2u); } },
		{ 9, "001a 41 48 00000000 00000000 00000009 00000000", KIWI_OP_IMM,
		  true, 8, nullptr },
		{ 10, "001a 41 49 00000000 00000000 0000000a 00000000",
		  KIWI_OP_IMM_SE, true, 0 + 8, nullptr },
		{ 11, "0046 41 4a 00000000 00000001 00000004 00000000"
		      " 00000002 0000abcd 12345678 0000000000002000"
		      " 1111111111111111 2222222222222222"
		      " 3333333333333333 4444444444444444",
		  KIWI_OP_ATOMIC_REQ, true, 0,
		  [](const kiwi_fpdu_hdr &h) {
			  EXPECT_EQ(h.qn, 1u);
			  EXPECT_EQ(h.u.areq.aop, KIWI_ATOMIC_CMP_SWAP);
			  EXPECT_EQ(h.u.areq.req_id, 0xabcdu);
			  EXPECT_EQ(h.u.areq.stag, 0x12345678u);
			  EXPECT_EQ(h.u.areq.to, 0x2000ull);
			  EXPECT_EQ(h.u.areq.add_swap, 0x1111111111111111ull);
			  EXPECT_EQ(h.u.areq.add_swap_mask, 0x2222222222222222ull);
			  EXPECT_EQ(h.u.areq.cmp, 0x3333333333333333ull);
			  EXPECT_EQ(h.u.areq.cmp_mask, 0x4444444444444444ull);
		  } },
		{ 12, "001e 41 4b 00000000 00000003 00000004 00000000"
		      " 0000abcd 0123456789abcdef",
		  KIWI_OP_ATOMIC_RESP, true, 0,
		  [](const kiwi_fpdu_hdr &h) {
			  EXPECT_EQ(h.qn, 3u);
			  EXPECT_EQ(h.u.aresp.req_id, 0xabcdu);
			  EXPECT_EQ(h.u.aresp.orig, 0x0123456789abcdefull);
		  } },
	};
	return v;
}

TEST(OpcodeTable, Consistent)
{
	for (unsigned int op = 0; op < 16; op++) {
		const kiwi_opcode_info *i = kiwi_opcode_lookup(op);
		if (op >= KIWI_OP_COUNT) {
			EXPECT_EQ(i, nullptr);
			continue;
		}
		ASSERT_NE(i, nullptr);
		ASSERT_NE(i->name, nullptr);
		EXPECT_GT(strlen(i->name), 3u);
		EXPECT_LE(i->hdr_len, KIWI_HDR_MAX_LEN);
		EXPECT_LE(i->min_payload, i->max_payload);
		if (i->flags & KIWI_OPF_TAGGED) {
			EXPECT_EQ(i->hdr_len, KIWI_HDR_TAGGED_LEN);
		} else {
			EXPECT_GE(i->hdr_len, KIWI_HDR_UNTAGGED_LEN);
		}
	}
	EXPECT_EQ(kiwi_opcode_lookup(~0u), nullptr);
}

TEST(FpduHdr, ParseVectors)
{
	for (const auto &v : hdr_vectors()) {
		SCOPED_TRACE(v.id);
		Bytes w = hex(v.wire);
		kiwi_fpdu_hdr h;
		ASSERT_EQ(kiwi_fpdu_hdr_parse(w.data(), w.size(), &ALL, &h),
			  (int)w.size()) << kiwi_wire_err_name(h.err);
		EXPECT_EQ(h.opcode, v.opcode);
		EXPECT_EQ(h.last, v.last);
		EXPECT_EQ(h.hdr_len, w.size());
		EXPECT_EQ(h.payload_len, v.payload);
		EXPECT_EQ(h.ulpdu_len, w.size() - 2 + v.payload);
		EXPECT_EQ(kiwi_fpdu_hdr_need(w.data(), w.size()), w.size());
		if (v.check)
			v.check(h);

		/* building the parsed header gives the same bytes */
		uint8_t out[KIWI_HDR_MAX_LEN];
		ASSERT_EQ(kiwi_fpdu_hdr_build(out, sizeof(out), &h), (int)w.size());
		EXPECT_EQ(to_hex(Bytes(out, out + w.size())), to_hex(w));
		EXPECT_EQ(kiwi_fpdu_hdr_build(out, w.size() - 1, &h), -ENOSPC);
	}
}

TEST(FpduHdr, IncrementalParseAsksForExactlyWhatItNeeds)
{
	for (const auto &v : hdr_vectors()) {
		SCOPED_TRACE(v.id);
		Bytes w = hex(v.wire);
		for (size_t len = 0; len < w.size(); len++) {
			Bytes part(w.begin(), w.begin() + len);
			kiwi_fpdu_hdr h;
			ASSERT_EQ(kiwi_fpdu_hdr_parse(part.data(), len, &ALL, &h),
				  -EAGAIN) << len;
			EXPECT_EQ(h.need, len < 4 ? 4 : w.size()) << len;
			EXPECT_EQ(kiwi_fpdu_hdr_need(part.data(), len),
				  len < 4 ? 4 : w.size());
		}
	}
}

struct Bad {
	int id;
	const char *wire;
	kiwi_fpdu_limits lim;
	kiwi_wire_err err;
	kiwi_term_code term;
};

TEST(FpduHdr, EveryRejection)
{
	const kiwi_fpdu_limits L5040 = { 0xffff, KIWI_OPS_RFC5040 };
	const kiwi_fpdu_limits SMALL = { 1000, KIWI_OPS_ALL };
	const Bad cases[] = {
		/* 1: tagged, DDP version 0 */
		{ 1, "0012 c0 40", ALL, KIWI_WERR_DDP_T_VERSION, { 1, 1, 4 } },
		/* 2: untagged, DDP version 2 */
		{ 2, "0012 42 43", ALL, KIWI_WERR_DDP_U_VERSION, { 1, 2, 6 } },
		/* 3: DDP and RDMAP version both bad: DDP reported first */
		{ 3, "0012 43 03", ALL, KIWI_WERR_DDP_U_VERSION, { 1, 2, 6 } },
		/* 4: RDMAP version 0 */
		{ 4, "0012 41 03", ALL, KIWI_WERR_RDMAP_VERSION, { 0, 2, 5 } },
		/* 5: RDMAP version 3 */
		{ 5, "0012 c1 c0", ALL, KIWI_WERR_RDMAP_VERSION, { 0, 2, 5 } },
		/* 6..9: opcodes 0xc-0xf are undefined */
		{ 6, "0012 41 4c", ALL, KIWI_WERR_RDMAP_OPCODE, { 0, 2, 6 } },
		{ 7, "0012 41 4d", ALL, KIWI_WERR_RDMAP_OPCODE, { 0, 2, 6 } },
		{ 8, "0012 41 4e", ALL, KIWI_WERR_RDMAP_OPCODE, { 0, 2, 6 } },
		{ 9, "0012 c1 4f", ALL, KIWI_WERR_RDMAP_OPCODE, { 0, 2, 6 } },
		/* 10: RFC 7306 opcode on a stream without the extensions */
		{ 10, "001a 41 48", L5040, KIWI_WERR_RDMAP_OPCODE, { 0, 2, 6 } },
		/* 11: Write without the T flag */
		{ 11, "0012 41 40", ALL, KIWI_WERR_RDMAP_TAGGED, { 0, 2, 6 } },
		/* 12: Send with the T flag */
		{ 12, "0012 c1 43", ALL, KIWI_WERR_RDMAP_TAGGED, { 0, 2, 6 } },
		/* 13: Read Response without the T flag */
		{ 13, "0012 41 42", ALL, KIWI_WERR_RDMAP_TAGGED, { 0, 2, 6 } },
		/* 14: ULPDU_Length shorter than the untagged header */
		{ 14, "0011 41 43", ALL, KIWI_WERR_MPA_LEN_SHORT, { 2, 0, 3 } },
		/* 15: ULPDU_Length shorter than the tagged header */
		{ 15, "000d c1 40", ALL, KIWI_WERR_MPA_LEN_SHORT, { 2, 0, 3 } },
		/* 16: ULPDU_Length 0 */
		{ 16, "0000 41 43", ALL, KIWI_WERR_MPA_LEN_SHORT, { 2, 0, 3 } },
		/* 17: Read Request shorter than its RDMAP header */
		{ 17, "002d 41 41", ALL, KIWI_WERR_MPA_LEN_SHORT, { 2, 0, 3 } },
		/* 18: ULPDU_Length above the receive limit */
		{ 18, "03e9 c1 40", SMALL, KIWI_WERR_MPA_LEN_LONG, { 2, 0, 3 } },
		/* 19: Read Request with payload */
		{ 19, "002f 41 41", ALL, KIWI_WERR_RDMAP_MSG_LEN, { 0, 2, 0xff } },
		/* 20: Immediate Data with 7 bytes */
		{ 20, "0019 41 48", ALL, KIWI_WERR_RDMAP_MSG_LEN, { 0, 2, 0xff } },
		/* 21: Immediate Data with SE and 9 bytes */
		{ 21, "001b 41 49", ALL, KIWI_WERR_RDMAP_MSG_LEN, { 0, 2, 0xff } },
		/* 22: Terminate without its control word */
		{ 22, "0015 41 47", ALL, KIWI_WERR_RDMAP_MSG_LEN, { 0, 2, 0xff } },
		/* 23: Atomic Response with payload */
		{ 23, "001f 41 4b", ALL, KIWI_WERR_RDMAP_MSG_LEN, { 0, 2, 0xff } },
		/* 24: Send on queue 1 */
		{ 24, "0012 41 43 00000000 00000001 00000000 00000000", ALL,
		  KIWI_WERR_DDP_U_QN, { 1, 2, 1 } },
		/* 25: Read Request on queue 0 */
		{ 25, "002e 41 41 00000000 00000000 00000000 00000000"
		      " 00000000 0000000000000000 00000000 00000000 0000000000000000",
		  ALL, KIWI_WERR_DDP_U_QN, { 1, 2, 1 } },
		/* 26: Terminate on queue 0xffffffff */
		{ 26, "0016 41 47 00000000 ffffffff 00000000 00000000", ALL,
		  KIWI_WERR_DDP_U_QN, { 1, 2, 1 } },
		/* 27: Atomic Response on queue 1 */
		{ 27, "001e 41 4b 00000000 00000001 00000000 00000000"
		      " 00000000 0000000000000000", ALL, KIWI_WERR_DDP_U_QN,
		  { 1, 2, 1 } },
		/* 28: Terminate without the L flag */
		{ 28, "0016 01 47 00000000 00000002 00000000 00000000", ALL,
		  KIWI_WERR_RDMAP_NOT_LAST, { 0, 2, 0xff } },
		/* 29: Read Request with a message offset */
		{ 29, "002e 41 41 00000000 00000001 00000000 00000004"
		      " 00000000 0000000000000000 00000000 00000000 0000000000000000",
		  ALL, KIWI_WERR_DDP_U_MO, { 1, 2, 4 } },
		/* 30: Immediate Data without the L flag */
		{ 30, "001a 01 48 00000000 00000000 00000000 00000000", ALL,
		  KIWI_WERR_RDMAP_NOT_LAST, { 0, 2, 0xff } },
		/* 31: Atomic Request in two segments */
		{ 31, "0046 01 4a 00000000 00000001 00000000 00000000"
		      " 00000000 00000000 00000000 0000000000000000"
		      " 0000000000000000 0000000000000000"
		      " 0000000000000000 0000000000000000",
		  ALL, KIWI_WERR_RDMAP_NOT_LAST, { 0, 2, 0xff } },
	};
	for (const auto &c : cases) {
		SCOPED_TRACE(c.id);
		Bytes w = hex(c.wire);
		kiwi_fpdu_hdr h;
		ASSERT_EQ(kiwi_fpdu_hdr_parse(w.data(), w.size(), &c.lim, &h),
			  -EPROTO);
		EXPECT_STREQ(kiwi_wire_err_name(h.err), kiwi_wire_err_name(c.err));
		EXPECT_EQ(h.term.layer, c.term.layer);
		EXPECT_EQ(h.term.etype, c.term.etype);
		EXPECT_EQ(h.term.ecode, c.term.ecode);
	}
}

/* Reserved bits are ignored on receipt (RFC 5040, RFC 5041) */
TEST(FpduHdr, ReservedBitsIgnored)
{
	Bytes w = hex("0017 7d 73 ffffffff 00000000 00000001 00000000");
	kiwi_fpdu_hdr h;
	ASSERT_EQ(kiwi_fpdu_hdr_parse(w.data(), w.size(), &ALL, &h), 20);
	EXPECT_EQ(h.opcode, KIWI_OP_SEND);
	EXPECT_EQ(h.ddp_ctrl, 0x7d);
	EXPECT_EQ(h.rdmap_ctrl, 0x73);
	/* ...and never sent */
	uint8_t out[KIWI_HDR_MAX_LEN];
	ASSERT_EQ(kiwi_fpdu_hdr_build(out, sizeof(out), &h), 20);
	EXPECT_EQ(out[2], 0x41);
	EXPECT_EQ(out[3], 0x43);
	EXPECT_EQ(kiwi_get_be32(out + 4), 0u);
}

TEST(FpduHdr, MaxUlpduBoundary)
{
	const kiwi_fpdu_limits lim = { 1000, KIWI_OPS_ALL };
	Bytes ok = hex("03e8 c1 40 00000000 0000000000000000");
	kiwi_fpdu_hdr h;
	EXPECT_EQ(kiwi_fpdu_hdr_parse(ok.data(), ok.size(), &lim, &h), 16);
	EXPECT_EQ(h.payload_len, 1000 - 14);
}

TEST(FpduHdr, BuildRejections)
{
	uint8_t out[KIWI_HDR_MAX_LEN];
	kiwi_fpdu_hdr h = {};
	h.opcode = 12;
	EXPECT_EQ(kiwi_fpdu_hdr_build(out, sizeof(out), &h), -EINVAL);
	h.opcode = KIWI_OP_READ_REQ;
	h.last = false;
	EXPECT_EQ(kiwi_fpdu_hdr_build(out, sizeof(out), &h), -EINVAL);
	h.last = true;
	h.mo = 4;
	EXPECT_EQ(kiwi_fpdu_hdr_build(out, sizeof(out), &h), -EINVAL);
	h.mo = 0;
	h.payload_len = 1;
	EXPECT_EQ(kiwi_fpdu_hdr_build(out, sizeof(out), &h), -EINVAL);
	h.opcode = KIWI_OP_IMM;
	h.payload_len = 7;
	EXPECT_EQ(kiwi_fpdu_hdr_build(out, sizeof(out), &h), -EINVAL);
	h.opcode = KIWI_OP_SEND;
	h.payload_len = 0xffff - 17;
	EXPECT_EQ(kiwi_fpdu_hdr_build(out, sizeof(out), &h), -EMSGSIZE);
	h.payload_len = 0xffff - 18;
	EXPECT_EQ(kiwi_fpdu_hdr_build(out, sizeof(out), &h), 20);
	EXPECT_EQ(kiwi_get_be16(out), 0xffff);
}

TEST(FpduHdr, RandomRoundTrip)
{
	std::mt19937_64 rng(11);
	for (int i = 0; i < 20000; i++) {
		kiwi_fpdu_hdr h = {};
		h.opcode = (uint8_t)(rng() % KIWI_OP_COUNT);
		const kiwi_opcode_info *op = kiwi_opcode_lookup(h.opcode);
		bool single = op->flags & KIWI_OPF_SINGLE;
		h.last = single || (rng() & 1);
		h.payload_len = (uint16_t)(op->min_payload +
			rng() % (std::min<unsigned>(op->max_payload, 2000) -
				 op->min_payload + 1));
		h.stag = (uint32_t)rng();
		h.to = rng();
		h.inval_stag = (op->flags & KIWI_OPF_INVAL) ? (uint32_t)rng() : 0;
		h.msn = (uint32_t)rng();
		h.mo = single ? 0 : (uint32_t)rng();
		h.u.areq.aop = rng() & 0xf;
		h.u.areq.req_id = (uint32_t)rng();
		h.u.areq.stag = (uint32_t)rng();
		h.u.areq.to = rng();
		h.u.areq.add_swap = rng();
		h.u.areq.add_swap_mask = rng();
		h.u.areq.cmp = rng();
		h.u.areq.cmp_mask = rng();
		if (h.opcode == KIWI_OP_READ_REQ) {
			h.u.rreq.sink_stag = (uint32_t)rng();
			h.u.rreq.sink_to = rng();
			h.u.rreq.size = (uint32_t)rng();
			h.u.rreq.src_stag = (uint32_t)rng();
			h.u.rreq.src_to = rng();
		} else if (h.opcode == KIWI_OP_ATOMIC_RESP) {
			h.u.aresp.req_id = (uint32_t)rng();
			h.u.aresp.orig = rng();
		}
		uint8_t out[KIWI_HDR_MAX_LEN];
		int n = kiwi_fpdu_hdr_build(out, sizeof(out), &h);
		ASSERT_EQ(n, op->hdr_len);
		kiwi_fpdu_hdr g;
		ASSERT_EQ(kiwi_fpdu_hdr_parse(out, n, &ALL, &g), n)
			<< kiwi_wire_err_name(g.err);
		ASSERT_EQ(g.opcode, h.opcode);
		ASSERT_EQ(g.payload_len, h.payload_len);
		ASSERT_EQ(g.last, h.last);
		if (op->flags & KIWI_OPF_TAGGED) {
			ASSERT_EQ(g.stag, h.stag);
			ASSERT_EQ(g.to, h.to);
		} else {
			ASSERT_EQ(g.qn, op->qn);
			ASSERT_EQ(g.msn, h.msn);
			ASSERT_EQ(g.mo, h.mo);
			ASSERT_EQ(g.inval_stag, h.inval_stag);
		}
		if (h.opcode == KIWI_OP_READ_REQ) {
			ASSERT_EQ(g.u.rreq.sink_stag, h.u.rreq.sink_stag);
			ASSERT_EQ(g.u.rreq.sink_to, h.u.rreq.sink_to);
			ASSERT_EQ(g.u.rreq.size, h.u.rreq.size);
			ASSERT_EQ(g.u.rreq.src_stag, h.u.rreq.src_stag);
			ASSERT_EQ(g.u.rreq.src_to, h.u.rreq.src_to);
		}
		if (h.opcode == KIWI_OP_ATOMIC_REQ) {
			ASSERT_EQ(g.u.areq.aop, h.u.areq.aop);
			ASSERT_EQ(g.u.areq.cmp_mask, h.u.areq.cmp_mask);
			ASSERT_EQ(g.u.areq.to, h.u.areq.to);
		}
		if (h.opcode == KIWI_OP_ATOMIC_RESP) {
			ASSERT_EQ(g.u.aresp.req_id, h.u.aresp.req_id);
			ASSERT_EQ(g.u.aresp.orig, h.u.aresp.orig);
		}
	}
}

} // namespace
