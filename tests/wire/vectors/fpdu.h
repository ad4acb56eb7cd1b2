/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * FPDU framing vectors (drivers/kiwi/wire/fpdu.c): pad and total length,
 * the RFC 5044 MULPDU formula, and one complete FPDU.
 */
#ifndef KIWI_TEST_VECTORS_FPDU_H
#define KIWI_TEST_VECTORS_FPDU_H

#include "vectors.h"

struct kiwi_vec_fpdu_len {
	int id;
	u32 ulpdu;
	u32 pad;
	u32 fpdu;
};

static const struct kiwi_vec_fpdu_len kiwi_vec_fpdu_len[] = {
	{ 1, 0, 2, 8 },   { 2, 1, 1, 8 },     { 3, 2, 0, 8 },
	{ 4, 3, 3, 12 },  { 5, 14, 0, 20 },   { 6, 18, 0, 24 },
	{ 7, 19, 3, 28 }, { 8, 20, 2, 28 },   { 9, 21, 1, 28 },
	{ 10, 65535, 3, 65544 }, { 11, 65534, 0, 65540 },
};

struct kiwi_vec_fpdu_mulpdu {
	int id;
	u32 emss;
	bool markers;
	u32 want;
};

static const struct kiwi_vec_fpdu_mulpdu kiwi_vec_fpdu_mulpdu[] = {
	/* EMSS - (6 + EMSS mod 4) */
	{ 1, 1460, false, 1454 },
	{ 2, 1448, false, 1442 },
	{ 3, 1461, false, 1454 },
	{ 4, 9000, false, 8994 },
	/* EMSS - (6 + 4 * ceil(EMSS / 512) + EMSS mod 4) */
	{ 5, 1460, true, 1442 },
	{ 6, 1448, true, 1430 },
	{ 7, 512, true, 502 },
	{ 8, 513, true, 498 },
	{ 9, 6, false, 0 },
	{ 10, 7, false, 0 },
	{ 11, 8, false, 2 },
	{ 12, 10, true, 0 },
	{ 13, 0, true, 0 },
	{ 14, 0xffffffffu, false, 0xffff },
	{ 15, 65536, true, 65536 - 6 - 4 * 128 },
	{ 16, 70000, false, 0xffff },
};

/*
 * A complete FPDU: Send "abc", MSN 1, CRC on.  @hdr is everything before
 * the pad; @fpdu the whole FPDU with pad and CRC.
 */
#define KIWI_VEC_FPDU_SEND_HDR \
	"0015 41 43 00000000 00000000 00000001 00000000 616263"
#define KIWI_VEC_FPDU_SEND \
	KIWI_VEC_FPDU_SEND_HDR " 00 447065aa"

#endif /* KIWI_TEST_VECTORS_FPDU_H */
