// SPDX-License-Identifier: GPL-2.0
/*
 * kiwi_wire: the wire library's numbered vectors (tests/wire/vectors, the
 * same tables the GoogleTest suites run), in the kernel, against kiwi.ko's
 * build of the library.  There kiwi_crc32c_update() is the kernel's own
 * crc32c(), so the CRC vectors check that kiwi calls it correctly and
 * that the kernel's result matches the RFC values; random buffers compare
 * the two directly and check the combine arithmetic against it.
 *
 * Copyright (c) 2026 The kiwi authors
 */
#include <kunit/test.h>
#include <linux/crc32c.h>
#include <linux/kernel.h>
#include <linux/random.h>
#include <linux/slab.h>

#include <kiwi/crc32c.h>
#include <kiwi/ddp.h>
#include <kiwi/fpdu.h>
#include <kiwi/markers.h>
#include <kiwi/mpa.h>
#include <kiwi/terminate.h>

#include "vectors/crc32c.h"
#include "vectors/ddp.h"
#include "vectors/fpdu.h"
#include "vectors/markers.h"
#include "vectors/mpa.h"
#include "vectors/terminate.h"

/* Large enough for every vector: an MPA frame with its private data. */
#define VEC_MAX 600

/* Decode a vector's hex text into test-managed memory. */
static u8 *vec_bytes(struct kunit *test, const char *hex, int *len)
{
	u8 *buf = kunit_kzalloc(test, VEC_MAX, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, buf);
	*len = kiwi_vec_hex(hex, buf, VEC_MAX);
	KUNIT_ASSERT_GE_MSG(test, *len, 0, "bad hex in vector: %s", hex);
	return buf;
}

/* Each table kiwi_vec_X of struct kiwi_vec_X, one parameter per vector. */
#define VEC_PARAMS(x)							\
static void kiwi_vec_##x##_desc(const struct kiwi_vec_##x *v,		\
				char *desc)				\
{									\
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "vector %d", v->id);	\
}									\
KUNIT_ARRAY_PARAM(kiwi_vec_##x, kiwi_vec_##x, kiwi_vec_##x##_desc)

VEC_PARAMS(crc32c);
VEC_PARAMS(fpdu_len);
VEC_PARAMS(fpdu_mulpdu);
VEC_PARAMS(mkr_wire_len);
VEC_PARAMS(ddp_hdr);
VEC_PARAMS(ddp_bad);
VEC_PARAMS(mpa_frame);
VEC_PARAMS(mpa_bad);
VEC_PARAMS(term);

static void term_code_desc(const struct kiwi_vec_term_code *v, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s", kiwi_wire_err_name(v->err));
}

KUNIT_ARRAY_PARAM(kiwi_vec_term_code, kiwi_vec_term_code, term_code_desc);

/* ---- CRC32c ---- */

static void crc32c_vectors(struct kunit *test)
{
	const struct kiwi_vec_crc32c *v = test->param_value;
	u8 w[4];
	int n;
	u8 *d = vec_bytes(test, v->data, &n);

	KUNIT_EXPECT_EQ(test, kiwi_crc32c(d, n), v->crc);
	/* The kernel's crc32c() on its own, standard pre/post inversion. */
	KUNIT_EXPECT_EQ(test, ~crc32c(~0u, d, n), v->crc);
	kiwi_crc32c_put(w, v->crc);
	KUNIT_EXPECT_MEMEQ(test, w, v->wire, 4);
	KUNIT_EXPECT_EQ(test, kiwi_crc32c_get(v->wire), v->crc);
}

/*
 * Random buffers, lengths and alignments: kiwi's register update is the
 * kernel's crc32c(), a split anywhere gives the same register, and
 * combine/shift (kiwi's own GF(2) arithmetic) agree with crc32c() over
 * the concatenation and over zero bytes.
 */
static void crc32c_random_against_kernel(struct kunit *test)
{
	const size_t size = 8192;
	u8 *buf = kunit_kmalloc(test, size, GFP_KERNEL);
	u8 *zero = kunit_kzalloc(test, size, GFP_KERNEL);
	int round;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_ASSERT_NOT_NULL(test, zero);
	get_random_bytes(buf, size);
	for (round = 0; round < 500; round++) {
		u32 off = get_random_u32_below(64);
		u32 len = get_random_u32_below(size - 64);
		u32 cut = len ? get_random_u32_below(len + 1) : 0;
		u32 seed = get_random_u32();
		u32 whole = crc32c(seed, buf + off, len);
		u32 a, b;

		KUNIT_ASSERT_EQ(test, kiwi_crc32c_update(seed, buf + off, len),
				whole);
		a = kiwi_crc32c_update(seed, buf + off, cut);
		KUNIT_ASSERT_EQ(test, kiwi_crc32c_update(a, buf + off + cut,
							 len - cut), whole);
		/* combine on finished CRC values */
		a = kiwi_crc32c(buf + off, cut);
		b = kiwi_crc32c(buf + off + cut, len - cut);
		KUNIT_ASSERT_EQ(test, kiwi_crc32c_combine(a, b, len - cut),
				~crc32c(~0u, buf + off, len));
		/* shift == feeding zero bytes */
		KUNIT_ASSERT_EQ(test, kiwi_crc32c_shift(seed, cut),
				crc32c(seed, zero, cut));
	}
}

/* ---- FPDU framing ---- */

static void fpdu_len_vectors(struct kunit *test)
{
	const struct kiwi_vec_fpdu_len *v = test->param_value;

	KUNIT_EXPECT_EQ(test, kiwi_fpdu_pad(v->ulpdu), v->pad);
	KUNIT_EXPECT_EQ(test, kiwi_fpdu_len(v->ulpdu), v->fpdu);
	KUNIT_EXPECT_EQ(test, kiwi_fpdu_len(v->ulpdu) % 4, 0u);
}

static void fpdu_mulpdu_vectors(struct kunit *test)
{
	const struct kiwi_vec_fpdu_mulpdu *v = test->param_value;

	KUNIT_EXPECT_EQ(test, kiwi_fpdu_max_ulpdu(v->emss, v->markers), v->want);
}

/* One complete FPDU, its CRC from the kernel's crc32c(). */
static void fpdu_send_vector(struct kunit *test)
{
	u8 trl[KIWI_FPDU_MAX_TRAILER];
	int hlen, flen, n, bit;
	u8 *f = vec_bytes(test, KIWI_VEC_FPDU_SEND_HDR, &hlen);
	u8 *want = vec_bytes(test, KIWI_VEC_FPDU_SEND, &flen);
	u32 reg = kiwi_crc32c_update(KIWI_CRC32C_SEED, f, hlen);

	n = kiwi_fpdu_trailer_build(trl, 0x15, reg, true);
	KUNIT_ASSERT_EQ(test, n, 5);
	KUNIT_ASSERT_EQ(test, hlen + n, flen);
	memcpy(f + hlen, trl, n);
	KUNIT_EXPECT_MEMEQ(test, f, want, flen);
	KUNIT_EXPECT_EQ(test, kiwi_crc32c_get(f + flen - 4),
			~crc32c(~0u, f, flen - 4));
	KUNIT_EXPECT_EQ(test, kiwi_fpdu_trailer_check(trl, 0x15, reg, true), 0);
	for (bit = 0; bit < n * 8; bit++) {
		trl[bit / 8] ^= BIT(bit % 8);
		KUNIT_EXPECT_EQ(test, kiwi_fpdu_trailer_check(trl, 0x15, reg, true),
				-EBADMSG);
		trl[bit / 8] ^= BIT(bit % 8);
	}
}

/* ---- Markers ---- */

static void mkr_wire_len_vectors(struct kunit *test)
{
	const struct kiwi_vec_mkr_wire_len *v = test->param_value;

	KUNIT_EXPECT_EQ(test, kiwi_mkr_fpdu_wire_len(v->pos, v->len), v->want);
}

/* ---- DDP/RDMAP headers ---- */

static const struct kiwi_fpdu_limits lim_all = { 0xffff, KIWI_OPS_ALL };

static void opcode_table(struct kunit *test)
{
	const struct kiwi_opcode_info *i;
	unsigned int op;

	for (op = 0; op < 16; op++) {
		i = kiwi_opcode_lookup(op);
		if (op >= KIWI_OP_COUNT) {
			KUNIT_EXPECT_NULL(test, i);
			continue;
		}
		KUNIT_ASSERT_NOT_NULL(test, i);
		KUNIT_EXPECT_NOT_NULL(test, i->name);
		KUNIT_EXPECT_LE(test, i->hdr_len, KIWI_HDR_MAX_LEN);
		KUNIT_EXPECT_LE(test, i->min_payload, i->max_payload);
		if (i->flags & KIWI_OPF_TAGGED)
			KUNIT_EXPECT_EQ(test, i->hdr_len, KIWI_HDR_TAGGED_LEN);
		else
			KUNIT_EXPECT_GE(test, i->hdr_len, KIWI_HDR_UNTAGGED_LEN);
	}
	KUNIT_EXPECT_NULL(test, kiwi_opcode_lookup(~0u));
}

static void ddp_hdr_vectors(struct kunit *test)
{
	const struct kiwi_vec_ddp_hdr *v = test->param_value;
	struct kiwi_fpdu_hdr h;
	u8 out[KIWI_HDR_MAX_LEN];
	int n, len;
	u8 *w = vec_bytes(test, v->wire, &n);

	KUNIT_ASSERT_EQ_MSG(test, kiwi_fpdu_hdr_parse(w, n, &lim_all, &h), n,
			    "%s", kiwi_wire_err_name(h.err));
	KUNIT_EXPECT_EQ(test, h.opcode, v->opcode);
	KUNIT_EXPECT_EQ(test, h.last, v->last);
	KUNIT_EXPECT_EQ(test, h.hdr_len, n);
	KUNIT_EXPECT_EQ(test, h.payload_len, v->payload);
	KUNIT_EXPECT_EQ(test, h.ulpdu_len, n - 2 + v->payload);
	KUNIT_EXPECT_EQ(test, kiwi_fpdu_hdr_need(w, n), n);
	if (h.tagged) {
		KUNIT_EXPECT_EQ(test, h.stag, v->stag);
		KUNIT_EXPECT_EQ(test, h.to, v->to);
	} else {
		KUNIT_EXPECT_EQ(test, h.qn, v->qn);
		KUNIT_EXPECT_EQ(test, h.msn, v->msn);
		KUNIT_EXPECT_EQ(test, h.mo, v->mo);
		KUNIT_EXPECT_EQ(test, h.inval_stag, v->inval_stag);
	}
	/* Building the parsed header gives the same bytes. */
	KUNIT_ASSERT_EQ(test, kiwi_fpdu_hdr_build(out, sizeof(out), &h), n);
	KUNIT_EXPECT_MEMEQ(test, out, w, n);
	KUNIT_EXPECT_EQ(test, kiwi_fpdu_hdr_build(out, n - 1, &h), -ENOSPC);

	/* Every prefix asks for more, and for exactly what it needs. */
	for (len = 0; len < n; len++) {
		u8 *part = kunit_kmalloc(test, len + 1, GFP_KERNEL);

		KUNIT_ASSERT_NOT_NULL(test, part);
		memcpy(part, w, len);
		KUNIT_EXPECT_EQ(test, kiwi_fpdu_hdr_parse(part, len, &lim_all, &h),
				-EAGAIN);
		KUNIT_EXPECT_EQ(test, h.need, len < 4 ? 4 : n);
		kunit_kfree(test, part);
	}
}

static void ddp_bad_vectors(struct kunit *test)
{
	const struct kiwi_vec_ddp_bad *v = test->param_value;
	struct kiwi_fpdu_hdr h;
	int n;
	u8 *w = vec_bytes(test, v->wire, &n);

	KUNIT_ASSERT_EQ(test, kiwi_fpdu_hdr_parse(w, n,
						  &kiwi_vec_ddp_limits[v->lim],
						  &h), -EPROTO);
	KUNIT_EXPECT_STREQ(test, kiwi_wire_err_name(h.err),
			   kiwi_wire_err_name(v->err));
	KUNIT_EXPECT_EQ(test, h.term.layer, v->term.layer);
	KUNIT_EXPECT_EQ(test, h.term.etype, v->term.etype);
	KUNIT_EXPECT_EQ(test, h.term.ecode, v->term.ecode);
}

/* ---- MPA frames ---- */

static void mpa_frame_vectors(struct kunit *test)
{
	const struct kiwi_vec_mpa_frame *v = test->param_value;
	struct kiwi_mpa_rr rr = {
		.reply = v->reply, .markers = v->markers, .crc = v->crc,
		.reject = v->reject, .enhanced = v->enhanced, .rev = v->rev,
		.ird = v->ird, .ord = v->ord, .p2p = v->p2p, .rtr = v->rtr,
	};
	enum kiwi_wire_err err = KIWI_WERR_NONE;
	struct kiwi_mpa_rr got;
	size_t need = 0;
	int n, pdlen, len;
	u8 *w = vec_bytes(test, v->wire, &n);
	u8 *pd = vec_bytes(test, v->pdata, &pdlen);
	u8 *buf = kunit_kzalloc(test, KIWI_MPA_MAX_FRAME + 1, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, buf);
	rr.pdata = pd;
	rr.pdata_len = pdlen;
	KUNIT_ASSERT_EQ(test, kiwi_mpa_rr_build(buf, KIWI_MPA_MAX_FRAME, &rr), n);
	KUNIT_EXPECT_MEMEQ(test, buf, w, n);
	KUNIT_EXPECT_EQ(test, kiwi_mpa_rr_build(buf, n - 1, &rr), -ENOSPC);

	/* A trailing byte (the first FPDU) must not be consumed. */
	memcpy(buf, w, n);
	buf[n] = 0xee;
	KUNIT_ASSERT_EQ(test, kiwi_mpa_rr_parse(buf, n + 1, v->reply, &got,
						&need, &err), n);
	KUNIT_EXPECT_EQ(test, got.reply, v->reply);
	KUNIT_EXPECT_EQ(test, got.markers, v->markers);
	KUNIT_EXPECT_EQ(test, got.crc, v->crc);
	KUNIT_EXPECT_EQ(test, got.reject, v->reject);
	KUNIT_EXPECT_EQ(test, got.enhanced, v->enhanced);
	KUNIT_EXPECT_EQ(test, got.rev, v->rev);
	KUNIT_EXPECT_EQ(test, got.ird, v->ird);
	KUNIT_EXPECT_EQ(test, got.ord, v->ord);
	KUNIT_EXPECT_EQ(test, got.p2p, v->p2p);
	KUNIT_EXPECT_EQ(test, got.rtr, v->rtr);
	KUNIT_ASSERT_EQ(test, got.pdata_len, pdlen);
	KUNIT_EXPECT_MEMEQ(test, got.pdata, pd, pdlen);

	for (len = 0; len < n; len++) {
		u8 *part = kunit_kmalloc(test, len + 1, GFP_KERNEL);

		KUNIT_ASSERT_NOT_NULL(test, part);
		memcpy(part, w, len);
		KUNIT_EXPECT_EQ(test, kiwi_mpa_rr_parse(part, len, v->reply, &got,
							&need, NULL), -EAGAIN);
		KUNIT_EXPECT_EQ(test, need, len < 20 ? 20 : n);
		kunit_kfree(test, part);
	}
}

static void mpa_bad_vectors(struct kunit *test)
{
	const struct kiwi_vec_mpa_bad *v = test->param_value;
	enum kiwi_wire_err err = KIWI_WERR_NONE;
	struct kiwi_mpa_rr got;
	size_t need = 0;
	int n;
	u8 *w = vec_bytes(test, v->wire, &n);

	KUNIT_EXPECT_EQ(test, kiwi_mpa_rr_parse(w, n, v->reply, &got, &need,
						&err), v->ret);
	KUNIT_EXPECT_EQ(test, err, v->err);
}

/* ---- TERMINATE ---- */

static void term_code_vectors(struct kunit *test)
{
	const struct kiwi_vec_term_code *v = test->param_value;
	struct kiwi_term_code t;

	KUNIT_ASSERT_EQ(test, kiwi_wire_err_code(v->err, &t), 0);
	KUNIT_EXPECT_EQ(test, t.layer, v->layer);
	KUNIT_EXPECT_EQ(test, t.etype, v->etype);
	KUNIT_EXPECT_EQ(test, t.ecode, v->ecode);
	KUNIT_EXPECT_TRUE(test, kiwi_term_code_valid(&t));
}

/* The table covers every error, and only errors have codes. */
static void term_code_table_complete(struct kunit *test)
{
	struct kiwi_term_code t;

	KUNIT_EXPECT_EQ(test, ARRAY_SIZE(kiwi_vec_term_code),
			(size_t)KIWI_WERR_COUNT - 1);
	KUNIT_EXPECT_EQ(test, kiwi_wire_err_code(KIWI_WERR_NONE, &t), -EINVAL);
	KUNIT_EXPECT_EQ(test, kiwi_wire_err_code(KIWI_WERR_COUNT, &t), -EINVAL);
	KUNIT_EXPECT_STREQ(test, kiwi_wire_err_name(KIWI_WERR_COUNT), "INVALID");
}

static void term_vectors(struct kunit *test)
{
	const struct kiwi_vec_term *v = test->param_value;
	struct kiwi_term term = {
		.code = { v->layer, v->etype, v->ecode },
		.hdrct = v->hdrct,
		.seg_len = v->seg_len,
	};
	struct kiwi_term t;
	u8 buf[KIWI_TERM_MAX_LEN];
	int n, dlen, rlen;
	u8 *w = vec_bytes(test, v->wire, &n);
	u8 *ddp = vec_bytes(test, v->ddp_hdr, &dlen);
	u8 *rdma = vec_bytes(test, v->rdma_hdr, &rlen);

	KUNIT_ASSERT_LE(test, dlen, (int)sizeof(term.ddp_hdr));
	KUNIT_ASSERT_LE(test, rlen, (int)sizeof(term.rdma_hdr));
	memcpy(term.ddp_hdr, ddp, dlen);
	term.ddp_hdr_len = dlen;
	memcpy(term.rdma_hdr, rdma, rlen);
	term.rdma_hdr_len = rlen;

	KUNIT_ASSERT_EQ(test, kiwi_term_build(buf, sizeof(buf), &term), n);
	KUNIT_EXPECT_MEMEQ(test, buf, w, n);
	KUNIT_EXPECT_EQ(test, kiwi_term_build(buf, n - 1, &term), -ENOSPC);

	KUNIT_ASSERT_EQ(test, kiwi_term_parse(w, n, &t), 0);
	KUNIT_EXPECT_EQ(test, t.code.layer, v->layer);
	KUNIT_EXPECT_EQ(test, t.code.etype, v->etype);
	KUNIT_EXPECT_EQ(test, t.code.ecode, v->ecode);
	KUNIT_EXPECT_EQ(test, t.hdrct, v->hdrct);
	KUNIT_ASSERT_EQ(test, t.ddp_hdr_len, dlen);
	KUNIT_EXPECT_MEMEQ(test, t.ddp_hdr, ddp, dlen);
	KUNIT_ASSERT_EQ(test, t.rdma_hdr_len, rlen);
	KUNIT_EXPECT_MEMEQ(test, t.rdma_hdr, rdma, rlen);
	if (t.hdrct & KIWI_TERM_HDRCT_M)
		KUNIT_EXPECT_EQ(test, t.seg_len, v->seg_len);
}

static struct kunit_case kiwi_wire_cases[] = {
	KUNIT_CASE_PARAM(crc32c_vectors, kiwi_vec_crc32c_gen_params),
	KUNIT_CASE(crc32c_random_against_kernel),
	KUNIT_CASE_PARAM(fpdu_len_vectors, kiwi_vec_fpdu_len_gen_params),
	KUNIT_CASE_PARAM(fpdu_mulpdu_vectors, kiwi_vec_fpdu_mulpdu_gen_params),
	KUNIT_CASE(fpdu_send_vector),
	KUNIT_CASE_PARAM(mkr_wire_len_vectors, kiwi_vec_mkr_wire_len_gen_params),
	KUNIT_CASE(opcode_table),
	KUNIT_CASE_PARAM(ddp_hdr_vectors, kiwi_vec_ddp_hdr_gen_params),
	KUNIT_CASE_PARAM(ddp_bad_vectors, kiwi_vec_ddp_bad_gen_params),
	KUNIT_CASE_PARAM(mpa_frame_vectors, kiwi_vec_mpa_frame_gen_params),
	KUNIT_CASE_PARAM(mpa_bad_vectors, kiwi_vec_mpa_bad_gen_params),
	KUNIT_CASE_PARAM(term_code_vectors, kiwi_vec_term_code_gen_params),
	KUNIT_CASE(term_code_table_complete),
	KUNIT_CASE_PARAM(term_vectors, kiwi_vec_term_gen_params),
	{}
};

static struct kunit_suite kiwi_wire_suite = {
	.name = "kiwi_wire",
	.test_cases = kiwi_wire_cases,
};

kunit_test_suite(kiwi_wire_suite);
