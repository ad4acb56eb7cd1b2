/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * MPA markers (RFC 5044 section 5).
 *
 * When a receiver asks for markers (M flag), its peer inserts a 4-byte
 * marker every 512 bytes of TCP sequence space, counted from the first
 * byte of the first FPDU (relative position 0, which therefore carries a
 * marker itself):
 *
 *	+-------------------------------+-------------------------------+
 *	|        Reserved (zero)        |            FPDUPTR            |
 *	+-------------------------------+-------------------------------+
 *
 * FPDUPTR is the distance in stream bytes from the ULPDU_Length of the
 * FPDU the marker sits in back to the marker.  A marker that falls
 * exactly where an FPDU begins precedes that FPDU's ULPDU_Length, belongs
 * to it (it is counted in its length and covered by its CRC) and has
 * FPDUPTR 0.  Markers may fall anywhere else inside an FPDU, including
 * between the pad and the CRC.  Because FPDUs are multiples of four
 * bytes, markers never split a 4-byte aligned field.
 *
 * Positions are u32 offsets from the first FPDU; 2^32 is a multiple of
 * 512, so they may simply wrap with the TCP sequence number.
 *
 * Transmit: kiwi_mkr_tx_fpdu_start() at each FPDU, then either
 * kiwi_mkr_tx_copy() or the kiwi_mkr_tx_room()/kiwi_mkr_tx_marker()/
 * kiwi_mkr_tx_advance() primitives.  Receive: kiwi_mkr_rx_fpdu_start() at
 * each FPDU, and kiwi_mkr_rx_strip() on whatever chunks TCP delivers, or
 * the kiwi_mkr_rx_room()/kiwi_mkr_rx_marker()/kiwi_mkr_rx_advance()
 * primitives for a path that places content without copying it first.
 */
#ifndef KIWI_MARKERS_H
#define KIWI_MARKERS_H

#include <kiwi/wire_types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define KIWI_MKR_INTERVAL	512
#define KIWI_MKR_LEN		4

/**
 * struct kiwi_mkr_tx - marker insertion state of one sending stream
 * @pos: stream position of the next byte to send
 * @hdr_pos: stream position of the current FPDU's ULPDU_Length
 */
struct kiwi_mkr_tx {
	u32 pos;
	u32 hdr_pos;
};

/**
 * struct kiwi_mkr_rx - marker removal state of one receiving stream
 * @pos: stream position of the next byte to read
 * @hdr_pos: stream position of the current FPDU's ULPDU_Length
 * @mlen: bytes of a marker read so far (0-3)
 * @mbuf: those bytes
 */
struct kiwi_mkr_rx {
	u32 pos;
	u32 hdr_pos;
	u8 mlen;
	u8 mbuf[KIWI_MKR_LEN];
};

u32 kiwi_mkr_fpdu_wire_len(u32 pos, u32 fpdu_len);
u32 kiwi_mkr_max_ulpdu(u32 pos, u32 room);

void kiwi_mkr_tx_init(struct kiwi_mkr_tx *st);
void kiwi_mkr_tx_fpdu_start(struct kiwi_mkr_tx *st);
u32 kiwi_mkr_tx_room(const struct kiwi_mkr_tx *st);
void kiwi_mkr_tx_marker(struct kiwi_mkr_tx *st, u8 *out);
void kiwi_mkr_tx_advance(struct kiwi_mkr_tx *st, u32 n);
size_t kiwi_mkr_tx_copy(struct kiwi_mkr_tx *st, u8 *dst, size_t dst_len,
			const u8 *src, size_t src_len, size_t *src_used);

void kiwi_mkr_rx_init(struct kiwi_mkr_rx *st);
void kiwi_mkr_rx_fpdu_start(struct kiwi_mkr_rx *st);
u32 kiwi_mkr_rx_room(const struct kiwi_mkr_rx *st);
void kiwi_mkr_rx_advance(struct kiwi_mkr_rx *st, u32 n);
int kiwi_mkr_rx_marker(struct kiwi_mkr_rx *st, const u8 *in, size_t in_len);
int kiwi_mkr_rx_strip(struct kiwi_mkr_rx *st, const u8 *in, size_t in_len,
		      size_t *in_used, u8 *out, size_t out_max,
		      size_t *out_len);

#ifdef __cplusplus
}
#endif

#endif /* KIWI_MARKERS_H */
