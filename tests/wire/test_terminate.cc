// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Tests for drivers/kiwi/wire/terminate.c.
 */
#include <gtest/gtest.h>

#include <random>
#include <set>
#include <string>

#include <kiwi/ddp.h>
#include <kiwi/terminate.h>
#include "test_util.h"
#include "vectors/terminate.h"

using namespace kiwi_test;

namespace {

const auto &codes = kiwi_vec_term_code;

TEST(TermCode, EveryErrorHasItsCode)
{
	ASSERT_EQ(sizeof(codes) / sizeof(codes[0]), (size_t)KIWI_WERR_COUNT - 1);
	std::set<std::string> names;
	for (const auto &c : codes) {
		SCOPED_TRACE(kiwi_wire_err_name(c.err));
		kiwi_term_code t;
		ASSERT_EQ(kiwi_wire_err_code(c.err, &t), 0);
		EXPECT_EQ(t.layer, c.layer);
		EXPECT_EQ(t.etype, c.etype);
		EXPECT_EQ(t.ecode, c.ecode);
		EXPECT_TRUE(kiwi_term_code_valid(&t));
		names.insert(kiwi_wire_err_name(c.err));
	}
	EXPECT_EQ(names.size(), (size_t)KIWI_WERR_COUNT - 1);
	kiwi_term_code t;
	EXPECT_EQ(kiwi_wire_err_code(KIWI_WERR_NONE, &t), -EINVAL);
	EXPECT_EQ(kiwi_wire_err_code(KIWI_WERR_COUNT, &t), -EINVAL);
	EXPECT_EQ(kiwi_wire_err_code((kiwi_wire_err)-1, &t), -EINVAL);
	EXPECT_STREQ(kiwi_wire_err_name(KIWI_WERR_COUNT), "INVALID");
	EXPECT_STREQ(kiwi_wire_err_name(KIWI_WERR_NONE), "NONE");
}

TEST(TermCode, ValidityTable)
{
	int valid = 0;
	for (int l = 0; l < 16; l++)
		for (int t = 0; t < 16; t++)
			for (int c = 0; c < 256; c++) {
				kiwi_term_code k = { (uint8_t)l, (uint8_t)t, (uint8_t)c };
				valid += kiwi_term_code_valid(&k);
			}
	/*
	 * RDMAP: catastrophic 2 (0x00, 0xff), protection 7 (0x00-0x04, 0x09,
	 * 0xff), operation 6 (0x05-0x09, 0xff); DDP: 1 + 5 + 6; LLP: 7.
	 */
	EXPECT_EQ(valid, 2 + 7 + 6 + 1 + 5 + 6 + 7);
}

struct TermVector {
	int id;
	kiwi_term term;
	const char *wire;
};

kiwi_term make(uint8_t l, uint8_t t, uint8_t c, uint32_t hdrct,
	       uint16_t seg = 0, const char *ddp = nullptr,
	       const char *rdma = nullptr)
{
	kiwi_term x = {};
	x.code = { l, t, c };
	x.hdrct = hdrct;
	x.seg_len = seg;
	if (ddp) {
		Bytes d = hex(ddp);
		x.ddp_hdr_len = (uint8_t)d.size();
		memcpy(x.ddp_hdr, d.data(), d.size());
	}
	if (rdma) {
		Bytes r = hex(rdma);
		x.rdma_hdr_len = (uint8_t)r.size();
		memcpy(x.rdma_hdr, r.data(), r.size());
	}
	return x;
}

const uint32_t M = KIWI_TERM_HDRCT_M, D = KIWI_TERM_HDRCT_D,
	       R = KIWI_TERM_HDRCT_R;
const char *UNTAGGED = KIWI_VEC_TERM_UNTAGGED;
const char *TAGGED = KIWI_VEC_TERM_TAGGED;
const char *RREQ_DDP = KIWI_VEC_TERM_RREQ_DDP;
const char *RREQ = KIWI_VEC_TERM_RREQ;

/* The shared TERMINATE vectors (vectors/terminate.h) in this file's form. */
std::vector<TermVector> term_vectors()
{
	std::vector<TermVector> out;
	for (const auto &v : kiwi_vec_term)
		out.push_back({ v.id,
				make(v.layer, v.etype, v.ecode, v.hdrct,
				     v.seg_len, *v.ddp_hdr ? v.ddp_hdr : nullptr,
				     *v.rdma_hdr ? v.rdma_hdr : nullptr),
				v.wire });
	return out;
}

TEST(Terminate, BuildAndParseVectors)
{
	for (const auto &v : term_vectors()) {
		SCOPED_TRACE(v.id);
		Bytes w = hex(v.wire);
		uint8_t buf[KIWI_TERM_MAX_LEN];
		int n = kiwi_term_build(buf, sizeof(buf), &v.term);
		ASSERT_EQ(n, (int)w.size());
		EXPECT_EQ(to_hex(Bytes(buf, buf + n)), to_hex(w));
		EXPECT_EQ(kiwi_term_build(buf, w.size() - 1, &v.term), -ENOSPC);

		kiwi_term t;
		ASSERT_EQ(kiwi_term_parse(w.data(), w.size(), &t), 0);
		EXPECT_EQ(t.code.layer, v.term.code.layer);
		EXPECT_EQ(t.code.etype, v.term.code.etype);
		EXPECT_EQ(t.code.ecode, v.term.code.ecode);
		EXPECT_EQ(t.hdrct, v.term.hdrct);
		EXPECT_EQ(t.ddp_hdr_len, v.term.ddp_hdr_len);
		EXPECT_EQ(0, memcmp(t.ddp_hdr, v.term.ddp_hdr, t.ddp_hdr_len));
		EXPECT_EQ(t.rdma_hdr_len, v.term.rdma_hdr_len);
		EXPECT_EQ(0, memcmp(t.rdma_hdr, v.term.rdma_hdr, t.rdma_hdr_len));
		if (t.hdrct & M) {
			EXPECT_EQ(t.seg_len, v.term.seg_len);
		}
	}
}

TEST(Terminate, BuildRejectsInconsistentMessages)
{
	uint8_t buf[KIWI_TERM_MAX_LEN];
	const kiwi_term bad[] = {
		make(16, 0, 0, 0),			/* layer > 4 bits */
		make(0, 16, 0, 0),			/* etype > 4 bits */
		make(0, 0, 0, M),			/* M without D */
		make(0, 0, 0, 0x1000),			/* reserved bit */
		make(0, 0, 0, D),			/* D, no header */
		make(0, 0, 0, D, 0, "41 43 0000"),	/* D, 4-byte header */
		make(0, 0, 0, D, 0, TAGGED, nullptr),	/* fine (control) */
		make(0, 0, 0, R),			/* R, no header */
	};
	const int want[] = { -EINVAL, -EINVAL, -EINVAL, -EINVAL, -EINVAL,
			     -EINVAL, 20, -EINVAL };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		EXPECT_EQ(kiwi_term_build(buf, sizeof(buf), &bad[i]), want[i]) << i;

	/* a copied header whose T flag contradicts its length */
	kiwi_term x = make(1, 1, 0, D, 0, TAGGED);
	x.ddp_hdr[0] = 0x41;
	EXPECT_EQ(kiwi_term_build(buf, sizeof(buf), &x), -EINVAL);
}

TEST(Terminate, ParseRejections)
{
	kiwi_term t;
	Bytes w = hex("200200");
	EXPECT_EQ(kiwi_term_parse(w.data(), w.size(), &t), -EBADMSG);
	EXPECT_EQ(kiwi_term_parse(w.data(), 0, &t), -EBADMSG);
	const char *bad[] = {
		"30020000",	/* layer 3 */
		"f0000000",	/* layer 15 */
		"03000000",	/* RDMAP error type 3 */
		"13000000",	/* DDP error type 3 */
		"21020000",	/* LLP error type 1 */
	};
	for (const char *b : bad) {
		w = hex(b);
		EXPECT_EQ(kiwi_term_parse(w.data(), w.size(), &t), -EPROTO) << b;
	}
}

/* Optional headers that do not fit are reported absent, not fatal. */
TEST(Terminate, LenientAboutMissingHeaders)
{
	kiwi_term t;
	/* siw style: M, D and R set, DDP header of a Send, no RDMA header */
	Bytes w = hex("0100e000 0017 41430000000000000005000000010000 0000");
	ASSERT_EQ(kiwi_term_parse(w.data(), w.size(), &t), 0);
	EXPECT_EQ(t.hdrct, M | D | R);
	EXPECT_EQ(t.ddp_hdr_len, 18);
	EXPECT_EQ(t.rdma_hdr_len, 0);
	EXPECT_EQ(t.seg_len, 0x17);

	/* D set but the DDP header is cut short: neither header is used */
	w = hex("0100e000 0017 4143000000000000");
	ASSERT_EQ(kiwi_term_parse(w.data(), w.size(), &t), 0);
	EXPECT_EQ(t.ddp_hdr_len, 0);
	EXPECT_EQ(t.rdma_hdr_len, 0);

	/* trailing bytes are ignored */
	w = hex("20020000 deadbeef");
	ASSERT_EQ(kiwi_term_parse(w.data(), w.size(), &t), 0);
	EXPECT_EQ(t.code.ecode, 2);
}

TEST(Terminate, SetHdrsFromOffendingFpdu)
{
	kiwi_term t = make(0, 1, 0, 0);
	Bytes rreq = hex(("002e " + std::string(RREQ_DDP) + RREQ).c_str());
	ASSERT_EQ(kiwi_term_set_hdrs(&t, rreq.data(), rreq.size()), 0);
	EXPECT_EQ(t.hdrct, M | D | R);
	EXPECT_EQ(t.seg_len, 0x2e);
	EXPECT_EQ(t.ddp_hdr_len, 18);
	EXPECT_EQ(t.rdma_hdr_len, 28);
	uint8_t buf[KIWI_TERM_MAX_LEN];
	EXPECT_EQ(kiwi_term_build(buf, sizeof(buf), &t), 52);

	Bytes wr = hex(("0012 " + std::string(TAGGED)).c_str());
	t = make(1, 1, 0, 0);
	ASSERT_EQ(kiwi_term_set_hdrs(&t, wr.data(), wr.size()), 0);
	EXPECT_EQ(t.hdrct, M | D);
	EXPECT_EQ(t.ddp_hdr_len, 14);
	EXPECT_EQ(kiwi_term_build(buf, sizeof(buf), &t), 20);

	EXPECT_EQ(kiwi_term_set_hdrs(&t, wr.data(), 2), -EINVAL);
	EXPECT_EQ(kiwi_term_set_hdrs(&t, wr.data(), 15), -EINVAL);
}

/* A whole TERMINATE FPDU through the header parser and this parser. */
TEST(Terminate, FullSegment)
{
	kiwi_term t = make(1, 2, 1, M | D, 0x17, UNTAGGED);
	uint8_t body[KIWI_TERM_MAX_LEN];
	int blen = kiwi_term_build(body, sizeof(body), &t);
	ASSERT_GT(blen, 0);
	kiwi_fpdu_hdr h = {};
	h.opcode = KIWI_OP_TERMINATE;
	h.last = true;
	h.msn = 1;
	h.payload_len = (uint16_t)blen;
	uint8_t fpdu[KIWI_HDR_MAX_LEN + KIWI_TERM_MAX_LEN];
	int hl = kiwi_fpdu_hdr_build(fpdu, sizeof(fpdu), &h);
	ASSERT_EQ(hl, 20);
	memcpy(fpdu + hl, body, blen);
	const kiwi_fpdu_limits lim = { 0xffff, KIWI_OPS_ALL };
	kiwi_fpdu_hdr g;
	ASSERT_EQ(kiwi_fpdu_hdr_parse(fpdu, hl + blen, &lim, &g), 20);
	kiwi_term p;
	ASSERT_EQ(kiwi_term_parse(fpdu + hl, g.payload_len, &p), 0);
	EXPECT_EQ(p.code.ecode, 1);
	EXPECT_EQ(p.ddp_hdr_len, 18);
}

TEST(Terminate, RandomRoundTrip)
{
	std::mt19937 rng(9);
	for (int i = 0; i < 20000; i++) {
		kiwi_term x;
		memset(&x, 0, sizeof(x));	/* padding too: compared below */
		x.code.layer = (uint8_t)(rng() % 3);
		x.code.etype = (uint8_t)(x.code.layer == 2 ? 0 : rng() % 3);
		x.code.ecode = (uint8_t)rng();
		if (rng() & 1) {
			x.hdrct |= D;
			if (rng() & 1)
				x.hdrct |= M;
			x.ddp_hdr_len = (rng() & 1) ? 14 : 18;
			for (int b = 0; b < x.ddp_hdr_len; b++)
				x.ddp_hdr[b] = (uint8_t)rng();
			x.ddp_hdr[0] = (uint8_t)((x.ddp_hdr[0] & 0x7f) |
						 (x.ddp_hdr_len == 14 ? 0x80 : 0));
			x.seg_len = (x.hdrct & M) ? (uint16_t)rng() : 0;
		}
		if (rng() & 1) {
			x.hdrct |= R;
			x.rdma_hdr_len = 28;
			for (auto &b : x.rdma_hdr)
				b = (uint8_t)rng();
		}
		uint8_t buf[KIWI_TERM_MAX_LEN];
		int n = kiwi_term_build(buf, sizeof(buf), &x);
		ASSERT_GT(n, 0);
		kiwi_term y;
		ASSERT_EQ(kiwi_term_parse(buf, n, &y), 0);
		ASSERT_EQ(0, memcmp(&x, &y, sizeof(x)));
	}
}

} // namespace
