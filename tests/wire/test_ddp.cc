// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Tests for drivers/kiwi/wire/ddp.c: the opcode table, the FPDU header
 * parser with its validation, and the header builder.
 */
#include <gtest/gtest.h>

#include <random>

#include <kiwi/ddp.h>
#include "test_util.h"
#include "vectors/ddp.h"

using namespace kiwi_test;

namespace {

const kiwi_fpdu_limits ALL = { 0xffff, KIWI_OPS_ALL };

/*
 * Field checks beyond the shared table, for the vectors whose RDMAP
 * header carries more than the DDP fields (by vector number).
 */
void check_rdmap_fields(int id, const kiwi_fpdu_hdr &h)
{
	switch (id) {
	case 2:
		EXPECT_EQ(h.u.rreq.sink_stag, 0xaabbccddu);
		EXPECT_EQ(h.u.rreq.sink_to, 0x1111111122222222ull);
		EXPECT_EQ(h.u.rreq.size, 0x10000u);
		EXPECT_EQ(h.u.rreq.src_stag, 0x55667788u);
		EXPECT_EQ(h.u.rreq.src_to, 0x3333333344444444ull);
		break;
	case 11:
		EXPECT_EQ(h.u.areq.aop, KIWI_ATOMIC_CMP_SWAP);
		EXPECT_EQ(h.u.areq.req_id, 0xabcdu);
		EXPECT_EQ(h.u.areq.stag, 0x12345678u);
		EXPECT_EQ(h.u.areq.to, 0x2000ull);
		EXPECT_EQ(h.u.areq.add_swap, 0x1111111111111111ull);
		EXPECT_EQ(h.u.areq.add_swap_mask, 0x2222222222222222ull);
		EXPECT_EQ(h.u.areq.cmp, 0x3333333333333333ull);
		EXPECT_EQ(h.u.areq.cmp_mask, 0x4444444444444444ull);
		break;
	case 12:
		EXPECT_EQ(h.u.aresp.req_id, 0xabcdu);
		EXPECT_EQ(h.u.aresp.orig, 0x0123456789abcdefull);
		break;
	}
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
	for (const auto &v : kiwi_vec_ddp_hdr) {
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
		if (h.tagged) {
			EXPECT_EQ(h.stag, v.stag);
			EXPECT_EQ(h.to, v.to);
		} else {
			EXPECT_EQ(h.qn, v.qn);
			EXPECT_EQ(h.msn, v.msn);
			EXPECT_EQ(h.mo, v.mo);
			EXPECT_EQ(h.inval_stag, v.inval_stag);
		}
		check_rdmap_fields(v.id, h);

		/* building the parsed header gives the same bytes */
		uint8_t out[KIWI_HDR_MAX_LEN];
		ASSERT_EQ(kiwi_fpdu_hdr_build(out, sizeof(out), &h), (int)w.size());
		EXPECT_EQ(to_hex(Bytes(out, out + w.size())), to_hex(w));
		EXPECT_EQ(kiwi_fpdu_hdr_build(out, w.size() - 1, &h), -ENOSPC);
	}
}

TEST(FpduHdr, IncrementalParseAsksForExactlyWhatItNeeds)
{
	for (const auto &v : kiwi_vec_ddp_hdr) {
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

TEST(FpduHdr, EveryRejection)
{
	for (const auto &c : kiwi_vec_ddp_bad) {
		SCOPED_TRACE(c.id);
		Bytes w = hex(c.wire);
		kiwi_fpdu_hdr h;
		ASSERT_EQ(kiwi_fpdu_hdr_parse(w.data(), w.size(),
					      &kiwi_vec_ddp_limits[c.lim], &h),
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
