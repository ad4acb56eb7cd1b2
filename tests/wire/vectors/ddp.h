/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * FPDU header vectors (drivers/kiwi/wire/ddp.c): headers that parse, with
 * the fields they carry, and headers that must be rejected, with the error
 * and the TERMINATE code.  Both suites also build every parsed header back
 * and compare the bytes.
 */
#ifndef KIWI_TEST_VECTORS_DDP_H
#define KIWI_TEST_VECTORS_DDP_H

#include <kiwi/ddp.h>
#include <kiwi/terminate.h>
#include "vectors.h"

/*
 * A header that parses.  For tagged opcodes @stag and @to are checked, for
 * untagged ones @qn, @msn, @mo and @inval_stag.  The RDMAP headers of Read
 * Requests and atomics are checked field by field in test_ddp.cc and by
 * the round trip in both suites.
 */
struct kiwi_vec_ddp_hdr {
	int id;
	const char *wire;	/* header bytes, ULPDU_Length first */
	u8 opcode;
	bool last;
	u16 payload;
	u32 stag;
	u64 to;
	u32 qn;
	u32 msn;
	u32 mo;
	u32 inval_stag;
};

static const struct kiwi_vec_ddp_hdr kiwi_vec_ddp_hdr[] = {
	{ 1, "0012 c1 40 11223344 0102030405060708", KIWI_OP_WRITE, true, 4,
	  0x11223344, 0x0102030405060708ull, 0, 0, 0, 0 },
	{ 2, "002e 41 41 00000000 00000001 00000007 00000000"
	     " aabbccdd 1111111122222222 00010000 55667788 3333333344444444",
	  KIWI_OP_READ_REQ, true, 0, 0, 0, 1, 7, 0, 0 },
	{ 3, "0406 81 42 00000100 0000000000001000", KIWI_OP_READ_RESP,
	  false, 1016, 0x100, 0x1000, 0, 0, 0, 0 },
	{ 4, "0017 41 43 00000000 00000000 00000001 00000000", KIWI_OP_SEND,
	  true, 5, 0, 0, 0, 1, 0, 0 },
	{ 5, "0012 41 44 deadbeef 00000000 00000002 00000000",
	  KIWI_OP_SEND_INV, true, 0, 0, 0, 0, 2, 0, 0xdeadbeef },
	{ 6, "0112 01 45 00000000 00000000 00000003 00000064",
	  KIWI_OP_SEND_SE, false, 256, 0, 0, 0, 3, 100, 0 },
	{ 7, "0013 41 46 01020304 00000000 ffffffff 00000000",
	  KIWI_OP_SEND_SE_INV, true, 1, 0, 0, 0, 0xffffffff, 0, 0x01020304 },
	{ 8, "0016 41 47 00000000 00000002 00000001 00000000",
	  KIWI_OP_TERMINATE, true, 4, 0, 0, 2, 1, 0, 0 },
	{ 9, "001a 41 48 00000000 00000000 00000009 00000000", KIWI_OP_IMM,
	  true, 8, 0, 0, 0, 9, 0, 0 },
	{ 10, "001a 41 49 00000000 00000000 0000000a 00000000",
	  KIWI_OP_IMM_SE, true, 8, 0, 0, 0, 10, 0, 0 },
	{ 11, "0046 41 4a 00000000 00000001 00000004 00000000"
	      " 00000002 0000abcd 12345678 0000000000002000"
	      " 1111111111111111 2222222222222222"
	      " 3333333333333333 4444444444444444",
	  KIWI_OP_ATOMIC_REQ, true, 0, 0, 0, 1, 4, 0, 0 },
	{ 12, "001e 41 4b 00000000 00000003 00000004 00000000"
	      " 0000abcd 0123456789abcdef",
	  KIWI_OP_ATOMIC_RESP, true, 0, 0, 0, 3, 4, 0, 0 },
};

/* Receive limits the rejection vectors use, in this order. */
enum kiwi_vec_ddp_lim {
	KIWI_VEC_LIM_ALL,	/* 0xffff, every opcode */
	KIWI_VEC_LIM_5040,	/* 0xffff, RFC 5040 opcodes only */
	KIWI_VEC_LIM_SMALL,	/* max_ulpdu 1000 */
};

static const struct kiwi_fpdu_limits kiwi_vec_ddp_limits[] = {
	{ 0xffff, KIWI_OPS_ALL },	/* KIWI_VEC_LIM_ALL */
	{ 0xffff, KIWI_OPS_RFC5040 },	/* KIWI_VEC_LIM_5040 */
	{ 1000, KIWI_OPS_ALL },		/* KIWI_VEC_LIM_SMALL */
};

/* A header that must be rejected with -EPROTO. */
struct kiwi_vec_ddp_bad {
	int id;
	const char *wire;
	enum kiwi_vec_ddp_lim lim;
	enum kiwi_wire_err err;
	struct kiwi_term_code term;
};

static const struct kiwi_vec_ddp_bad kiwi_vec_ddp_bad[] = {
	/* 1: tagged, DDP version 0 */
	{ 1, "0012 c0 40", KIWI_VEC_LIM_ALL, KIWI_WERR_DDP_T_VERSION, { 1, 1, 4 } },
	/* 2: untagged, DDP version 2 */
	{ 2, "0012 42 43", KIWI_VEC_LIM_ALL, KIWI_WERR_DDP_U_VERSION, { 1, 2, 6 } },
	/* 3: DDP and RDMAP version both bad: DDP reported first */
	{ 3, "0012 43 03", KIWI_VEC_LIM_ALL, KIWI_WERR_DDP_U_VERSION, { 1, 2, 6 } },
	/* 4: RDMAP version 0 */
	{ 4, "0012 41 03", KIWI_VEC_LIM_ALL, KIWI_WERR_RDMAP_VERSION, { 0, 2, 5 } },
	/* 5: RDMAP version 3 */
	{ 5, "0012 c1 c0", KIWI_VEC_LIM_ALL, KIWI_WERR_RDMAP_VERSION, { 0, 2, 5 } },
	/* 6..9: opcodes 0xc-0xf are undefined */
	{ 6, "0012 41 4c", KIWI_VEC_LIM_ALL, KIWI_WERR_RDMAP_OPCODE, { 0, 2, 6 } },
	{ 7, "0012 41 4d", KIWI_VEC_LIM_ALL, KIWI_WERR_RDMAP_OPCODE, { 0, 2, 6 } },
	{ 8, "0012 41 4e", KIWI_VEC_LIM_ALL, KIWI_WERR_RDMAP_OPCODE, { 0, 2, 6 } },
	{ 9, "0012 c1 4f", KIWI_VEC_LIM_ALL, KIWI_WERR_RDMAP_OPCODE, { 0, 2, 6 } },
	/* 10: RFC 7306 opcode on a stream without the extensions */
	{ 10, "001a 41 48", KIWI_VEC_LIM_5040, KIWI_WERR_RDMAP_OPCODE, { 0, 2, 6 } },
	/* 11: Write without the T flag */
	{ 11, "0012 41 40", KIWI_VEC_LIM_ALL, KIWI_WERR_RDMAP_TAGGED, { 0, 2, 6 } },
	/* 12: Send with the T flag */
	{ 12, "0012 c1 43", KIWI_VEC_LIM_ALL, KIWI_WERR_RDMAP_TAGGED, { 0, 2, 6 } },
	/* 13: Read Response without the T flag */
	{ 13, "0012 41 42", KIWI_VEC_LIM_ALL, KIWI_WERR_RDMAP_TAGGED, { 0, 2, 6 } },
	/* 14: ULPDU_Length shorter than the untagged header */
	{ 14, "0011 41 43", KIWI_VEC_LIM_ALL, KIWI_WERR_MPA_LEN_SHORT, { 2, 0, 3 } },
	/* 15: ULPDU_Length shorter than the tagged header */
	{ 15, "000d c1 40", KIWI_VEC_LIM_ALL, KIWI_WERR_MPA_LEN_SHORT, { 2, 0, 3 } },
	/* 16: ULPDU_Length 0 */
	{ 16, "0000 41 43", KIWI_VEC_LIM_ALL, KIWI_WERR_MPA_LEN_SHORT, { 2, 0, 3 } },
	/* 17: Read Request shorter than its RDMAP header */
	{ 17, "002d 41 41", KIWI_VEC_LIM_ALL, KIWI_WERR_MPA_LEN_SHORT, { 2, 0, 3 } },
	/* 18: ULPDU_Length above the receive limit */
	{ 18, "03e9 c1 40", KIWI_VEC_LIM_SMALL, KIWI_WERR_MPA_LEN_LONG, { 2, 0, 3 } },
	/* 19: Read Request with payload */
	{ 19, "002f 41 41", KIWI_VEC_LIM_ALL, KIWI_WERR_RDMAP_MSG_LEN, { 0, 2, 0xff } },
	/* 20: Immediate Data with 7 bytes */
	{ 20, "0019 41 48", KIWI_VEC_LIM_ALL, KIWI_WERR_RDMAP_MSG_LEN, { 0, 2, 0xff } },
	/* 21: Immediate Data with SE and 9 bytes */
	{ 21, "001b 41 49", KIWI_VEC_LIM_ALL, KIWI_WERR_RDMAP_MSG_LEN, { 0, 2, 0xff } },
	/* 22: Terminate without its control word */
	{ 22, "0015 41 47", KIWI_VEC_LIM_ALL, KIWI_WERR_RDMAP_MSG_LEN, { 0, 2, 0xff } },
	/* 23: Atomic Response with payload */
	{ 23, "001f 41 4b", KIWI_VEC_LIM_ALL, KIWI_WERR_RDMAP_MSG_LEN, { 0, 2, 0xff } },
	/* 24: Send on queue 1 */
	{ 24, "0012 41 43 00000000 00000001 00000000 00000000", KIWI_VEC_LIM_ALL,
	  KIWI_WERR_DDP_U_QN, { 1, 2, 1 } },
	/* 25: Read Request on queue 0 */
	{ 25, "002e 41 41 00000000 00000000 00000000 00000000"
	      " 00000000 0000000000000000 00000000 00000000 0000000000000000",
	  KIWI_VEC_LIM_ALL, KIWI_WERR_DDP_U_QN, { 1, 2, 1 } },
	/* 26: Terminate on queue 0xffffffff */
	{ 26, "0016 41 47 00000000 ffffffff 00000000 00000000", KIWI_VEC_LIM_ALL,
	  KIWI_WERR_DDP_U_QN, { 1, 2, 1 } },
	/* 27: Atomic Response on queue 1 */
	{ 27, "001e 41 4b 00000000 00000001 00000000 00000000"
	      " 00000000 0000000000000000", KIWI_VEC_LIM_ALL, KIWI_WERR_DDP_U_QN,
	  { 1, 2, 1 } },
	/* 28: Terminate without the L flag */
	{ 28, "0016 01 47 00000000 00000002 00000000 00000000", KIWI_VEC_LIM_ALL,
	  KIWI_WERR_RDMAP_NOT_LAST, { 0, 2, 0xff } },
	/* 29: Read Request with a message offset */
	{ 29, "002e 41 41 00000000 00000001 00000000 00000004"
	      " 00000000 0000000000000000 00000000 00000000 0000000000000000",
	  KIWI_VEC_LIM_ALL, KIWI_WERR_DDP_U_MO, { 1, 2, 4 } },
	/* 30: Immediate Data without the L flag */
	{ 30, "001a 01 48 00000000 00000000 00000000 00000000", KIWI_VEC_LIM_ALL,
	  KIWI_WERR_RDMAP_NOT_LAST, { 0, 2, 0xff } },
	/* 31: Atomic Request in two segments */
	{ 31, "0046 01 4a 00000000 00000001 00000000 00000000"
	      " 00000000 00000000 00000000 0000000000000000"
	      " 0000000000000000 0000000000000000"
	      " 0000000000000000 0000000000000000",
	  KIWI_VEC_LIM_ALL, KIWI_WERR_RDMAP_NOT_LAST, { 0, 2, 0xff } },
};

#endif /* KIWI_TEST_VECTORS_DDP_H */
