/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * TERMINATE vectors (drivers/kiwi/wire/terminate.c): the (layer, type,
 * code) of every enum kiwi_wire_err, and TERMINATE messages both suites
 * build and parse.
 */
#ifndef KIWI_TEST_VECTORS_TERMINATE_H
#define KIWI_TEST_VECTORS_TERMINATE_H

#include <kiwi/terminate.h>
#include "vectors.h"

struct kiwi_vec_term_code {
	enum kiwi_wire_err err;
	u8 layer;
	u8 etype;
	u8 ecode;
};

/* RFC 5040 7.1, RFC 5041 7.2, RFC 5044 8, RFC 6581 8: every error once. */
static const struct kiwi_vec_term_code kiwi_vec_term_code[] = {
	{ KIWI_WERR_MPA_TCP_LOST, 2, 0, 0x01 },
	{ KIWI_WERR_MPA_CRC, 2, 0, 0x02 },
	{ KIWI_WERR_MPA_MARKER, 2, 0, 0x03 },
	{ KIWI_WERR_MPA_LEN_SHORT, 2, 0, 0x03 },
	{ KIWI_WERR_MPA_LEN_LONG, 2, 0, 0x03 },
	{ KIWI_WERR_MPA_RR_KEY, 2, 0, 0x04 },
	{ KIWI_WERR_MPA_RR_REV, 2, 0, 0x04 },
	{ KIWI_WERR_MPA_RR_PDLEN, 2, 0, 0x04 },
	{ KIWI_WERR_MPA_RR_FLAGS, 2, 0, 0x04 },
	{ KIWI_WERR_MPA_RR_CRC_POLICY, 2, 0, 0x04 },
	{ KIWI_WERR_MPA_RR_MARKER_POLICY, 2, 0, 0x04 },
	{ KIWI_WERR_MPA_REJECTED, 2, 0, 0x04 },
	{ KIWI_WERR_MPA_LOCAL_CATA, 2, 0, 0x05 },
	{ KIWI_WERR_MPA_INSUFF_IRD, 2, 0, 0x06 },
	{ KIWI_WERR_MPA_NO_RTR, 2, 0, 0x07 },
	{ KIWI_WERR_DDP_T_VERSION, 1, 1, 0x04 },
	{ KIWI_WERR_DDP_T_STAG, 1, 1, 0x00 },
	{ KIWI_WERR_DDP_T_BOUNDS, 1, 1, 0x01 },
	{ KIWI_WERR_DDP_T_STAG_STREAM, 1, 1, 0x02 },
	{ KIWI_WERR_DDP_T_TO_WRAP, 1, 1, 0x03 },
	{ KIWI_WERR_DDP_U_VERSION, 1, 2, 0x06 },
	{ KIWI_WERR_DDP_U_QN, 1, 2, 0x01 },
	{ KIWI_WERR_DDP_U_MO, 1, 2, 0x04 },
	{ KIWI_WERR_DDP_U_MSN_NOBUF, 1, 2, 0x02 },
	{ KIWI_WERR_DDP_U_MSN_RANGE, 1, 2, 0x03 },
	{ KIWI_WERR_DDP_U_TOO_LONG, 1, 2, 0x05 },
	{ KIWI_WERR_RDMAP_VERSION, 0, 2, 0x05 },
	{ KIWI_WERR_RDMAP_OPCODE, 0, 2, 0x06 },
	{ KIWI_WERR_RDMAP_TAGGED, 0, 2, 0x06 },
	{ KIWI_WERR_RDMAP_NOT_LAST, 0, 2, 0xff },
	{ KIWI_WERR_RDMAP_MSG_LEN, 0, 2, 0xff },
	{ KIWI_WERR_RDMAP_STAG, 0, 1, 0x00 },
	{ KIWI_WERR_RDMAP_BOUNDS, 0, 1, 0x01 },
	{ KIWI_WERR_RDMAP_ACCESS, 0, 1, 0x02 },
	{ KIWI_WERR_RDMAP_STAG_STREAM, 0, 1, 0x03 },
	{ KIWI_WERR_RDMAP_TO_WRAP, 0, 1, 0x04 },
	{ KIWI_WERR_RDMAP_INVAL_PROT, 0, 1, 0x09 },
	{ KIWI_WERR_RDMAP_INVAL_OP, 0, 2, 0x09 },
	{ KIWI_WERR_RDMAP_CATA_STREAM, 0, 2, 0x07 },
	{ KIWI_WERR_RDMAP_CATA_LOCAL, 0, 0, 0xff },
};

/* Headers the TERMINATE vectors copy, as hex text. */
#define KIWI_VEC_TERM_UNTAGGED	"41 43 00000000 00000005 00000001 00000000"
#define KIWI_VEC_TERM_TAGGED	"c1 40 00001234 0000000000000100"
#define KIWI_VEC_TERM_RREQ_DDP	"41 41 00000000 00000001 00000003 00000000"
#define KIWI_VEC_TERM_RREQ \
	"aabbccdd 1111111122222222 00010000 55667788 3333333344444444"

/* A TERMINATE message: its fields and its bytes (after the DDP header). */
struct kiwi_vec_term {
	int id;
	u8 layer;
	u8 etype;
	u8 ecode;
	u32 hdrct;		/* KIWI_TERM_HDRCT_* */
	u16 seg_len;
	const char *ddp_hdr;	/* hex, "" if none */
	const char *rdma_hdr;	/* hex, "" if none */
	const char *wire;
};

static const struct kiwi_vec_term kiwi_vec_term[] = {
	/* 1: LLP CRC error, no headers */
	{ 1, 2, 0, 2, 0, 0, "", "", "20020000" },
	/* 2: DDP untagged invalid QN with the DDP header */
	{ 2, 1, 2, 1, KIWI_TERM_HDRCT_M | KIWI_TERM_HDRCT_D, 0x17,
	  KIWI_VEC_TERM_UNTAGGED, "",
	  "1201c000 0017 41430000000000000005000000010000 0000" },
	/* 3: DDP tagged base/bounds with a tagged DDP header */
	{ 3, 1, 1, 1, KIWI_TERM_HDRCT_M | KIWI_TERM_HDRCT_D, 0x400,
	  KIWI_VEC_TERM_TAGGED, "",
	  "1101c000 0400 c14000001234 0000000000000100" },
	/* 4: RDMAP protection error on a Read Request: all headers */
	{ 4, 0, 1, 0,
	  KIWI_TERM_HDRCT_M | KIWI_TERM_HDRCT_D | KIWI_TERM_HDRCT_R, 0x2e,
	  KIWI_VEC_TERM_RREQ_DDP, KIWI_VEC_TERM_RREQ,
	  "0100e000 002e 4141 00000000 00000001 00000003 00000000"
	  " aabbccdd 1111111122222222 00010000 55667788 3333333344444444" },
	/* 5: D without M: segment length sent as zero */
	{ 5, 0, 2, 6, KIWI_TERM_HDRCT_D, 0x99, KIWI_VEC_TERM_UNTAGGED, "",
	  "02064000 0000 41430000000000000005000000010000 0000" },
	/* 6: RFC 6581 no matching RTR */
	{ 6, 2, 0, 7, 0, 0, "", "", "20070000" },
};

#endif /* KIWI_TEST_VECTORS_TERMINATE_H */
