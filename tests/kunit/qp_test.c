// SPDX-License-Identifier: GPL-2.0
/*
 * kiwi_qp: QP logic that needs no connection: the state transition table
 * (qp.c), FPDU sizing from the MSS (tx.c), and ORD/IRD from the module's
 * MPA policy through negotiation to the number of RDMA Reads the
 * transmitter lets out (cm.c, the wire library, tx.c).
 *
 * Copyright (c) 2026 The kiwi authors
 */
#include <kunit/test.h>
#include <linux/log2.h>

#include <kiwi/fpdu.h>
#include <kiwi/markers.h>
#include <kiwi/mpa.h>

#include "kiwi_kunit.h"
#include "kiwi_test.h"

/* ---- State machine ---- */

/*
 * The transitions the verbs may ask for, written from the rules in
 * Documentation and qp.c's comment rather than copied from the table:
 * only the connection manager brings a QP to RTS; a connected QP goes to
 * CLOSING or TERMINATE; every state may go to ERROR or stay put; only an
 * unconnected (IDLE) or dead (ERROR) QP may be reset to IDLE.
 */
static bool expected_transition(enum kiwi_qp_state from,
				enum kiwi_qp_state to)
{
	if (from == to || to == KIWI_QPS_ERROR)
		return true;
	switch (to) {
	case KIWI_QPS_IDLE:
		return from == KIWI_QPS_ERROR;
	case KIWI_QPS_CLOSING:
	case KIWI_QPS_TERMINATE:
		return from == KIWI_QPS_RTS;
	default:
		return false;
	}
}

static void qp_state_table(struct kunit *test)
{
	int from, to;

	for (from = 0; from < KIWI_QPS_NUM; from++)
		for (to = 0; to < KIWI_QPS_NUM; to++)
			KUNIT_EXPECT_EQ_MSG(test, kiwi_qp_next_state[from][to],
					    expected_transition(from, to),
					    "%s -> %s",
					    kiwi_qp_state_name[from],
					    kiwi_qp_state_name[to]);
}

/* Every state has a distinct name (they appear in logs and debugfs). */
static void qp_state_names(struct kunit *test)
{
	int i, j;

	for (i = 0; i < KIWI_QPS_NUM; i++) {
		KUNIT_ASSERT_NOT_NULL(test, kiwi_qp_state_name[i]);
		KUNIT_EXPECT_GT(test, strlen(kiwi_qp_state_name[i]), 0);
		for (j = 0; j < i; j++)
			KUNIT_EXPECT_STRNEQ(test, kiwi_qp_state_name[i],
					    kiwi_qp_state_name[j]);
	}
}

/* ---- FPDU sizing from the MSS ---- */

static void fpdu_size_known_mss(struct kunit *test)
{
	static const struct {
		u32 mss;
		u32 want;
	} c[] = {
		{ 1460, 1454 },		/* Ethernet, no TCP options */
		{ 1448, 1442 },		/* Ethernet with timestamps */
		{ 8948, 8942 },		/* jumbo frames with timestamps */
		{ 65483, 65474 },	/* loopback */
		{ 536, 530 },		/* the IPv4 default MSS */
		{ 200000, 0xffff },	/* ULPDU_Length is 16 bits */
		{ 0, KIWI_HDR_MAX_LEN },	/* never less than a header */
		{ 40, KIWI_HDR_MAX_LEN },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(c); i++)
		KUNIT_EXPECT_EQ_MSG(test, kiwi_tx_max_ulpdu(c[i].mss, false), c[i].want,
				    "mss %u", c[i].mss);
}

/*
 * For every MSS that can carry a header-sized FPDU: the FPDU fits one
 * segment (RFC 5044 section 6), and is the largest that does.
 */
static void fpdu_size_fits_segment(struct kunit *test)
{
	u32 mss, u;

	for (mss = 0; mss <= 70000; mss++) {
		u = kiwi_tx_max_ulpdu(mss, false);
		KUNIT_ASSERT_GE(test, u, (u32)KIWI_HDR_MAX_LEN);
		KUNIT_ASSERT_LE(test, u, 0xffffu);
		if (mss < kiwi_fpdu_len(KIWI_HDR_MAX_LEN))
			continue;
		KUNIT_ASSERT_LE_MSG(test, kiwi_fpdu_len(u), mss, "mss %u", mss);
		if (u < 0xffff)
			KUNIT_ASSERT_GT_MSG(test, kiwi_fpdu_len(u + 1), mss,
					    "mss %u", mss);
	}
}

/*
 * With markers: wherever the FPDU starts relative to the marker grid, it
 * fits one segment with its markers (RFC 5044 section 6's MULPDU).
 */
static void fpdu_size_fits_segment_markers(struct kunit *test)
{
	u32 mss, u, pos, wire;

	for (mss = 200; mss <= 9000; mss++) {
		u = kiwi_tx_max_ulpdu(mss, true);
		KUNIT_ASSERT_LT_MSG(test, u, kiwi_tx_max_ulpdu(mss, false),
				    "mss %u", mss);
		for (pos = 0; pos < KIWI_MKR_INTERVAL; pos += 4) {
			wire = kiwi_mkr_fpdu_wire_len(pos, kiwi_fpdu_len(u));
			KUNIT_ASSERT_LE_MSG(test, wire, mss, "mss %u pos %u",
					    mss, pos);
		}
	}
	u = kiwi_tx_max_ulpdu(65483, true);
	for (pos = 0; pos < KIWI_MKR_INTERVAL; pos += 4)
		KUNIT_ASSERT_LE(test, kiwi_mkr_fpdu_wire_len(pos,
							     kiwi_fpdu_len(u)),
				65483u);
}

/* ---- ORD/IRD ---- */

/* The policy kiwi offers is clamped to the device's limits. */
static void ird_ord_policy_clamp(struct kunit *test)
{
	static const u32 in[] = { 0, 1, 3, KIWI_MAX_IRD, KIWI_MAX_IRD + 1,
				  0x3fff, U32_MAX };
	struct kiwi_mpa_policy pol;
	unsigned int i, j;

	for (i = 0; i < ARRAY_SIZE(in); i++)
		for (j = 0; j < ARRAY_SIZE(in); j++) {
			kiwi_policy_init(&pol, in[i], in[j], true);
			KUNIT_EXPECT_EQ(test, pol.ird,
					min_t(u32, in[i], KIWI_MAX_IRD));
			KUNIT_EXPECT_EQ(test, pol.ord,
					min_t(u32, in[j], KIWI_MAX_ORD));
			KUNIT_EXPECT_TRUE(test, pol.rev == 1 || pol.rev == 2);
		}
}

struct ird_ord_case {
	u32 i_ird, i_ord;	/* what the initiator's consumer asked for */
	u32 r_ird, r_ord;	/* what the responder's consumer asked for */
};

static const struct ird_ord_case ird_ord_cases[] = {
	{ 1, 1, 1, 1 },		/* rping */
	{ 16, 16, 16, 16 },
	{ 3, 3, 3, 3 },
	{ 8, 5, 5, 8 },
	{ 16, 16, 3, 7 },
	{ 2, 100, 100, 2 },
	{ 128, 128, 128, 128 },
	{ 1000, 1000, 6, 6 },	/* beyond the device limit */
};

static void ird_ord_desc(const struct ird_ord_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "I %u/%u R %u/%u", c->i_ird,
		 c->i_ord, c->r_ird, c->r_ord);
}

KUNIT_ARRAY_PARAM(ird_ord, ird_ord_cases, ird_ord_desc);

/*
 * How many RDMA Reads the transmitter lets out at once on a QP that
 * agreed on @mpa, with its Read queue set up as kiwi_qp_to_rts() sets it
 * up.
 */
static u32 reads_in_flight(struct kunit *test,
			   const struct kiwi_mpa_params *mpa)
{
	struct kiwi_qp *qp = kunit_kzalloc(test, sizeof(*qp), GFP_KERNEL);
	u32 n = 0;

	KUNIT_ASSERT_NOT_NULL(test, qp);
	qp->mpa = *mpa;
	qp->ord = roundup_pow_of_two(max_t(u32, mpa->ord, 1));
	/* Start near the u32 wrap: the indices are free-running. */
	qp->orq_head = U32_MAX - 2;
	qp->orq_tail = qp->orq_head;
	while (!kiwi_orq_full(qp) && n <= KIWI_MAX_ORD + 1) {
		qp->orq_tail++;
		n++;
	}
	return n;
}

/*
 * Both ends negotiate with the policies kiwi builds (RFC 6581): neither
 * end's ORD may exceed the other's IRD, and the transmitter lets out
 * exactly as many Reads as the ORD it agreed to, no more (the peer would
 * have no room for the rest: siw terminates the connection) and no fewer.
 */
static void ird_ord_negotiated(struct kunit *test)
{
	const struct ird_ord_case *c = test->param_value;
	struct kiwi_mpa_policy ipol, rpol;
	struct kiwi_mpa_params ip, rp;
	struct kiwi_mpa_rr req, rep;

	kiwi_policy_init(&ipol, c->i_ird, c->i_ord, true);
	kiwi_policy_init(&rpol, c->r_ird, c->r_ord, false);
	/* IRD/ORD are exchanged only in MPA revision 2 (RFC 6581). */
	ipol.rev = 2;
	rpol.rev = 2;
	KUNIT_ASSERT_EQ(test, kiwi_mpa_request_init(&ipol, &req), 0);
	KUNIT_ASSERT_EQ(test, kiwi_mpa_negotiate_responder(&rpol, &req, &rep,
							   &rp),
			KIWI_WERR_NONE);
	KUNIT_ASSERT_EQ(test, kiwi_mpa_negotiate_initiator(&ipol, &req, &rep,
							   &ip),
			KIWI_WERR_NONE);
	KUNIT_ASSERT_TRUE(test, ip.enhanced && rp.enhanced);

	KUNIT_EXPECT_LE(test, ip.ord, rp.ird);
	KUNIT_EXPECT_LE(test, rp.ord, ip.ird);
	KUNIT_EXPECT_LE(test, ip.ird, (u16)KIWI_MAX_IRD);
	KUNIT_EXPECT_LE(test, rp.ird, (u16)KIWI_MAX_IRD);

	if (ip.ord)
		KUNIT_EXPECT_EQ_MSG(test, reads_in_flight(test, &ip), ip.ord,
				    "initiator: ORD %u, peer IRD %u",
				    ip.ord, rp.ird);
	if (rp.ord)
		KUNIT_EXPECT_EQ_MSG(test, reads_in_flight(test, &rp), rp.ord,
				    "responder: ORD %u, peer IRD %u",
				    rp.ord, ip.ird);
}

static struct kunit_case kiwi_qp_cases[] = {
	KUNIT_CASE(qp_state_table),
	KUNIT_CASE(qp_state_names),
	KUNIT_CASE(fpdu_size_known_mss),
	KUNIT_CASE(fpdu_size_fits_segment),
	KUNIT_CASE(fpdu_size_fits_segment_markers),
	KUNIT_CASE(ird_ord_policy_clamp),
	KUNIT_CASE_PARAM(ird_ord_negotiated, ird_ord_gen_params),
	{}
};

static struct kunit_suite kiwi_qp_suite = {
	.name = "kiwi_qp",
	.test_cases = kiwi_qp_cases,
};

kunit_test_suite(kiwi_qp_suite);
