/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * MPA FPDU framing (RFC 5044 section 4): sizes, padding and the CRC
 * trailer.
 *
 *	+---------------+------------------------+---------+-----------+
 *	| ULPDU_Length  | ULPDU (DDP segment)    | PAD 0-3 | CRC32c    |
 *	| 2 bytes       | ULPDU_Length bytes     |         | 4 bytes   |
 *	+---------------+------------------------+---------+-----------+
 *
 * PAD makes ULPDU_Length + ULPDU + PAD a multiple of four.  The CRC
 * covers everything before it, markers included, and is sent least
 * significant byte first (see crc32c.h).  Without CRCs negotiated the
 * field is still sent (as zero) and ignored on receipt.  Markers, when
 * negotiated, are inserted on top of this layout by markers.h.
 */
#ifndef KIWI_FPDU_H
#define KIWI_FPDU_H

#include <kiwi/wire_types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define KIWI_FPDU_LEN_SIZE	2
#define KIWI_FPDU_CRC_SIZE	4
#define KIWI_FPDU_OVERHEAD	(KIWI_FPDU_LEN_SIZE + KIWI_FPDU_CRC_SIZE)
#define KIWI_FPDU_MAX_TRAILER	(3 + KIWI_FPDU_CRC_SIZE)

/**
 * kiwi_fpdu_pad() - pad bytes after a ULPDU
 * @ulpdu_len: ULPDU_Length
 *
 * Return: 0 to 3.
 */
static inline u32 kiwi_fpdu_pad(u32 ulpdu_len)
{
	return (0u - (ulpdu_len + KIWI_FPDU_LEN_SIZE)) & 3;
}

/**
 * kiwi_fpdu_len() - bytes of an FPDU on the wire, markers not counted
 * @ulpdu_len: ULPDU_Length
 *
 * Return: 2 + @ulpdu_len + pad + 4, a multiple of four.
 */
static inline u32 kiwi_fpdu_len(u32 ulpdu_len)
{
	return KIWI_FPDU_OVERHEAD + ulpdu_len + kiwi_fpdu_pad(ulpdu_len);
}

u32 kiwi_fpdu_max_ulpdu(u32 emss, bool markers);
int kiwi_fpdu_trailer_build(u8 *trl, u32 ulpdu_len, u32 crc_reg, bool crc);
int kiwi_fpdu_trailer_check(const u8 *trl, u32 ulpdu_len, u32 crc_reg,
			    bool crc);

#ifdef __cplusplus
}
#endif

#endif /* KIWI_FPDU_H */
