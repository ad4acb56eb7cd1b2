/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * MPA request/reply frame vectors (drivers/kiwi/wire/mpa.c): frames both
 * suites build and parse, and frames the parser must reject.
 */
#ifndef KIWI_TEST_VECTORS_MPA_H
#define KIWI_TEST_VECTORS_MPA_H

#include <kiwi/mpa.h>
#include <kiwi/terminate.h>
#include "vectors.h"

/* A frame: its fields (pdata as hex) and its bytes on the wire. */
struct kiwi_vec_mpa_frame {
	int id;
	bool reply;
	bool markers;
	bool crc;
	bool reject;
	bool enhanced;
	u8 rev;
	u16 ird;
	u16 ord;
	bool p2p;
	u8 rtr;
	const char *pdata;
	const char *wire;
};

static const struct kiwi_vec_mpa_frame kiwi_vec_mpa_frame[] = {
	/* 1: RFC 5044 request, CRC wanted, no private data */
	{ 1, false, false, true, false, false, 1, 0, 0, false, 0, "",
	  KIWI_VEC_MPA_REQ_KEY "40 01 0000" },
	/* 2: RFC 5044 request asking for markers, private data "abc" */
	{ 2, false, true, false, false, false, 1, 0, 0, false, 0, "616263",
	  KIWI_VEC_MPA_REQ_KEY "80 01 0003 616263" },
	/* 3: reply with reject */
	{ 3, true, false, true, true, false, 1, 0, 0, false, 0, "",
	  KIWI_VEC_MPA_REP_KEY "60 01 0000" },
	/* 4: RFC 6581 request: IRD 16, ORD 8, P2P, Write+Read RTR, "hi" */
	{ 4, false, false, true, false, true, 2, 16, 8, true,
	  KIWI_MPA_RTR_WRITE | KIWI_MPA_RTR_READ, "6869",
	  KIWI_VEC_MPA_REQ_KEY "50 02 0006 8010 c008 6869" },
	/* 5: RFC 6581 reply: IRD 0x3fff, ORD 1, P2P, Send RTR */
	{ 5, true, true, true, false, true, 2, 0x3fff, 1, true,
	  KIWI_MPA_RTR_SEND, "",
	  KIWI_VEC_MPA_REP_KEY "d0 02 0004 ffff 0001" },
	/* 6: RFC 6581 request, client-server, no RTR */
	{ 6, false, false, false, false, true, 2, 2, 3, false, 0, "",
	  KIWI_VEC_MPA_REQ_KEY "10 02 0004 0002 0003" },
};

/* A frame kiwi_mpa_rr_parse() must refuse with @ret and @err. */
struct kiwi_vec_mpa_bad {
	int id;
	const char *wire;
	bool reply;
	int ret;
	enum kiwi_wire_err err;
};

static const struct kiwi_vec_mpa_bad kiwi_vec_mpa_bad[] = {
	/* 1: reply key where a request is expected */
	{ 1, KIWI_VEC_MPA_REP_KEY "00 01 0000", false, -EBADMSG,
	  KIWI_WERR_MPA_RR_KEY },
	/* 2: wrong first byte is rejected without waiting for more */
	{ 2, "4e", false, -EBADMSG, KIWI_WERR_MPA_RR_KEY },
	/* 3: HTTP instead of MPA: "GET / HTTP/1.1\r\n" */
	{ 3, "474554202f20485454502f312e310d0a", true, -EBADMSG,
	  KIWI_WERR_MPA_RR_KEY },
	/* 4: PD_Length 513, rejected before the data arrives */
	{ 4, KIWI_VEC_MPA_REQ_KEY "00 01 0201", false, -EMSGSIZE,
	  KIWI_WERR_MPA_RR_PDLEN },
	/* 5: PD_Length 0xffff */
	{ 5, KIWI_VEC_MPA_REP_KEY "00 01 ffff", true, -EMSGSIZE,
	  KIWI_WERR_MPA_RR_PDLEN },
	/* 6: reject bit in a request */
	{ 6, KIWI_VEC_MPA_REQ_KEY "20 01 0000", false, -EPROTO,
	  KIWI_WERR_MPA_RR_FLAGS },
	/* 7: enhanced frame too short for IRD/ORD */
	{ 7, KIWI_VEC_MPA_REQ_KEY "10 02 0002 0000", false, -EPROTO,
	  KIWI_WERR_MPA_RR_FLAGS },
};

#endif /* KIWI_TEST_VECTORS_MPA_H */
