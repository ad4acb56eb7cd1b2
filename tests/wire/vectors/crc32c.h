/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * CRC32c vectors (drivers/kiwi/wire/crc32c.c): RFC 3720 appendix B.4, the
 * usual "123456789" check value, and the four bytes each CRC is sent as
 * (least significant first, as siw sends and Wireshark checks).
 */
#ifndef KIWI_TEST_VECTORS_CRC32C_H
#define KIWI_TEST_VECTORS_CRC32C_H

#include "vectors.h"

struct kiwi_vec_crc32c {
	int id;
	const char *data;	/* hex */
	u32 crc;		/* CRC value */
	u8 wire[4];		/* the four trailer bytes */
};

#define KIWI_VEC_ZERO32 \
	"00000000000000000000000000000000" "00000000000000000000000000000000"
#define KIWI_VEC_ONES32 \
	"ffffffffffffffffffffffffffffffff" "ffffffffffffffffffffffffffffffff"

static const struct kiwi_vec_crc32c kiwi_vec_crc32c[] = {
	{ 1, "313233343536373839", 0xe3069283, { 0x83, 0x92, 0x06, 0xe3 } },
	{ 2, KIWI_VEC_ZERO32, 0x8a9136aa, { 0xaa, 0x36, 0x91, 0x8a } },
	{ 3, KIWI_VEC_ONES32, 0x62a8ab43, { 0x43, 0xab, 0xa8, 0x62 } },
	{ 4, "00010203 04050607 08090a0b 0c0d0e0f"
	     "10111213 14151617 18191a1b 1c1d1e1f",
	  0x46dd794e, { 0x4e, 0x79, 0xdd, 0x46 } },
	{ 5, "1f1e1d1c 1b1a1918 17161514 13121110"
	     "0f0e0d0c 0b0a0908 07060504 03020100",
	  0x113fdb5c, { 0x5c, 0xdb, 0x3f, 0x11 } },
	/* RFC 3720 B.4: an iSCSI Read command PDU */
	{ 6, "01c00000 00000000 00000000 00000000"
	     "14000000 00000400 00000014 00000018"
	     "28000000 00000000 02000000 00000000",
	  0xd9963a56, { 0x56, 0x3a, 0x96, 0xd9 } },
	{ 7, "", 0x00000000, { 0, 0, 0, 0 } },
	{ 8, "61", 0xc1d04330, { 0x30, 0x43, 0xd0, 0xc1 } },
};

#endif /* KIWI_TEST_VECTORS_CRC32C_H */
