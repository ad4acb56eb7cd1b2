// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * MPA FPDU framing arithmetic and the pad + CRC trailer.
 */
#include <kiwi/fpdu.h>
#include <kiwi/crc32c.h>

#define MARKER_INTERVAL	512
#define MARKER_LEN	4

/**
 * kiwi_fpdu_max_ulpdu() - MULPDU for an effective MSS (RFC 5044 4.2)
 * @emss: effective maximum segment size of the TCP connection
 * @markers: whether markers are inserted into this direction
 *
 * Uses the RFC's formula, MULPDU = EMSS - (6 + 4 * ceil(EMSS / 512) +
 * EMSS mod 4) with markers and EMSS - (6 + EMSS mod 4) without, so that an
 * FPDU of that size fits one segment wherever it starts relative to the
 * marker grid.  markers.h has an exact version for a known position.
 *
 * Return: largest ULPDU_Length, capped at 0xffff; 0 if @emss is too small
 * for any FPDU.
 */
u32 kiwi_fpdu_max_ulpdu(u32 emss, bool markers)
{
	u32 overhead = KIWI_FPDU_OVERHEAD + (emss & 3);
	u32 mulpdu;

	if (markers)
		overhead += MARKER_LEN *
			    ((emss + MARKER_INTERVAL - 1) / MARKER_INTERVAL);
	if (emss <= overhead)
		return 0;
	mulpdu = emss - overhead;
	return mulpdu > 0xffff ? 0xffff : mulpdu;
}

/**
 * kiwi_fpdu_trailer_build() - write pad and CRC after a ULPDU
 * @trl: room for kiwi_fpdu_pad(@ulpdu_len) + 4 bytes
 * @ulpdu_len: ULPDU_Length of the FPDU
 * @crc_reg: raw CRC register (kiwi_crc32c_update() from
 *	%KIWI_CRC32C_SEED) over every byte sent before the pad
 * @crc: CRCs negotiated; when false the CRC field is zero
 *
 * Do not use this when a marker falls between the pad and the CRC field;
 * see kiwi_mkr_tx_room().
 *
 * Return: bytes written (pad + 4).
 */
int kiwi_fpdu_trailer_build(u8 *trl, u32 ulpdu_len, u32 crc_reg, bool crc)
{
	u32 pad = kiwi_fpdu_pad(ulpdu_len);

	memset(trl, 0, pad);
	if (crc) {
		crc_reg = kiwi_crc32c_update(crc_reg, trl, pad);
		kiwi_crc32c_put(trl + pad, kiwi_crc32c_final(crc_reg));
	} else {
		memset(trl + pad, 0, KIWI_FPDU_CRC_SIZE);
	}
	return (int)(pad + KIWI_FPDU_CRC_SIZE);
}

/**
 * kiwi_fpdu_trailer_check() - verify the CRC of a received FPDU
 * @trl: the received pad and CRC bytes
 * @ulpdu_len: ULPDU_Length of the FPDU
 * @crc_reg: raw CRC register over every byte received before the pad
 * @crc: CRCs negotiated; when false the trailer is always valid
 *
 * Pad bytes are not required to be zero (receivers ignore them), but they
 * are covered by the CRC.
 *
 * Return: 0, or -EBADMSG on a CRC mismatch (%KIWI_WERR_MPA_CRC).
 */
int kiwi_fpdu_trailer_check(const u8 *trl, u32 ulpdu_len, u32 crc_reg,
			    bool crc)
{
	u32 pad = kiwi_fpdu_pad(ulpdu_len);

	if (!crc)
		return 0;
	crc_reg = kiwi_crc32c_update(crc_reg, trl, pad);
	if (kiwi_crc32c_final(crc_reg) != kiwi_crc32c_get(trl + pad))
		return -EBADMSG;
	return 0;
}
