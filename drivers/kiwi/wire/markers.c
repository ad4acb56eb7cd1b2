// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * MPA marker arithmetic, insertion and removal.
 *
 * All functions are O(1) per call plus a memcpy/memmove of the content
 * bytes between markers, so the per-byte cost is that of the copy.
 */
#include <kiwi/markers.h>

#define MOD(pos)	((pos) & (KIWI_MKR_INTERVAL - 1))
#define SPAN		(KIWI_MKR_INTERVAL - KIWI_MKR_LEN)

KIWI_STATIC_ASSERT((KIWI_MKR_INTERVAL & (KIWI_MKR_INTERVAL - 1)) == 0,
		   "MOD() needs a power of two");

/**
 * kiwi_mkr_fpdu_wire_len() - bytes an FPDU takes on a stream with markers
 * @pos: stream position where the FPDU begins
 * @fpdu_len: FPDU length without markers, kiwi_fpdu_len()
 *
 * Return: @fpdu_len plus four bytes for each marker inside the FPDU,
 * including a leading one when @pos is a marker position.
 */
u32 kiwi_mkr_fpdu_wire_len(u32 pos, u32 fpdu_len)
{
	/* FPDU bytes that come before the first marker */
	u32 before = MOD(KIWI_MKR_INTERVAL - MOD(pos));

	/* a marker right after the last byte belongs to the next FPDU */
	if (fpdu_len <= before)
		return fpdu_len;
	return fpdu_len + ((fpdu_len - before - 1) / SPAN + 1) * KIWI_MKR_LEN;
}

/**
 * kiwi_mkr_max_ulpdu() - largest ULPDU that fits in @room stream bytes
 * @pos: stream position where the FPDU would begin
 * @room: stream bytes available, e.g. the EMSS of a segment
 *
 * Exact for the given position, unlike the position-independent bound of
 * kiwi_fpdu_max_ulpdu().
 *
 * Return: the largest ULPDU_Length whose FPDU, markers included, fits in
 * @room (capped at 65534), or 0 if not even an FPDU with a 2-byte ULPDU
 * fits.
 */
u32 kiwi_mkr_max_ulpdu(u32 pos, u32 room)
{
	u32 len;

	/* no FPDU is longer than this; also keeps the sums below in range */
	if (room > 0x20000)
		room = 0x20000;
	len = room & ~3u;
	for (;;) {
		u32 wire, cut;

		if (len < 8)
			return 0;
		wire = kiwi_mkr_fpdu_wire_len(pos, len);
		if (wire <= room)
			break;
		/* dropping n bytes drops at least n bytes of wire length */
		cut = (wire - room + 3) & ~3u;
		if (cut >= len)
			return 0;
		len -= cut;
	}
	/*
	 * The cut may have removed a marker as well, leaving a few bytes
	 * unused; take them back (at most two steps: a cut below 1 KiB drops
	 * at most two markers).
	 */
	while (kiwi_mkr_fpdu_wire_len(pos, len + 4) <= room)
		len += 4;
	len -= 6;
	return len > 0xfffe ? 0xfffe : len;
}

/**
 * kiwi_mkr_tx_init() - start marker insertion at the first FPDU
 * @st: state
 */
void kiwi_mkr_tx_init(struct kiwi_mkr_tx *st)
{
	st->pos = 0;
	st->hdr_pos = KIWI_MKR_LEN;
}

/**
 * kiwi_mkr_tx_fpdu_start() - the next content byte starts an FPDU
 * @st: state
 */
void kiwi_mkr_tx_fpdu_start(struct kiwi_mkr_tx *st)
{
	st->hdr_pos = MOD(st->pos) ? st->pos : st->pos + KIWI_MKR_LEN;
}

/**
 * kiwi_mkr_tx_room() - content bytes that can go out before a marker
 * @st: state
 *
 * Return: 0 when a marker is due before the next content byte, else the
 * number of content bytes up to the next marker position (1-511).
 */
u32 kiwi_mkr_tx_room(const struct kiwi_mkr_tx *st)
{
	return MOD(st->pos) ? KIWI_MKR_INTERVAL - MOD(st->pos) : 0;
}

/**
 * kiwi_mkr_tx_marker() - emit the marker that is due
 * @st: state; kiwi_mkr_tx_room() must be 0
 * @out: four bytes for the marker
 */
void kiwi_mkr_tx_marker(struct kiwi_mkr_tx *st, u8 *out)
{
	u32 ptr = st->pos + KIWI_MKR_LEN == st->hdr_pos ?
		  0 : st->pos - st->hdr_pos;

	kiwi_put_be16(out, 0);
	kiwi_put_be16(out + 2, (u16)ptr);
	st->pos += KIWI_MKR_LEN;
}

/**
 * kiwi_mkr_tx_advance() - account for content bytes sent
 * @st: state
 * @n: bytes sent, at most kiwi_mkr_tx_room()
 */
void kiwi_mkr_tx_advance(struct kiwi_mkr_tx *st, u32 n)
{
	st->pos += n;
}

/**
 * kiwi_mkr_tx_copy() - copy content, inserting markers
 * @st: state
 * @dst: output
 * @dst_len: room at @dst
 * @src: content bytes (FPDU bytes without markers)
 * @src_len: bytes at @src
 * @src_used: set to the content bytes consumed
 *
 * A due marker is only written when a content byte follows it, so that a
 * marker at an FPDU boundary is left for the next FPDU.  Copying stops
 * when @src is used up or the next marker or byte does not fit.
 *
 * Return: bytes written to @dst.
 */
size_t kiwi_mkr_tx_copy(struct kiwi_mkr_tx *st, u8 *dst, size_t dst_len,
			const u8 *src, size_t src_len, size_t *src_used)
{
	size_t in = 0, out = 0;

	while (in < src_len) {
		u32 room = kiwi_mkr_tx_room(st);
		size_t n;

		if (!room) {
			if (dst_len - out < KIWI_MKR_LEN)
				break;
			kiwi_mkr_tx_marker(st, dst + out);
			out += KIWI_MKR_LEN;
			continue;
		}
		n = src_len - in;
		if (n > room)
			n = room;
		if (n > dst_len - out)
			n = dst_len - out;
		if (!n)
			break;
		memcpy(dst + out, src + in, n);
		st->pos += (u32)n;
		in += n;
		out += n;
	}
	*src_used = in;
	return out;
}

/**
 * kiwi_mkr_rx_init() - start marker removal at the first FPDU
 * @st: state
 */
void kiwi_mkr_rx_init(struct kiwi_mkr_rx *st)
{
	memset(st, 0, sizeof(*st));
	st->hdr_pos = KIWI_MKR_LEN;
}

/**
 * kiwi_mkr_rx_fpdu_start() - the next content byte starts an FPDU
 * @st: state
 */
void kiwi_mkr_rx_fpdu_start(struct kiwi_mkr_rx *st)
{
	if (st->mlen)
		st->hdr_pos = st->pos - st->mlen + KIWI_MKR_LEN;
	else if (!MOD(st->pos))
		st->hdr_pos = st->pos + KIWI_MKR_LEN;
	else
		st->hdr_pos = st->pos;
}

static bool marker_ok(const struct kiwi_mkr_rx *st)
{
	u32 start = st->pos - KIWI_MKR_LEN;
	u16 expect = start + KIWI_MKR_LEN == st->hdr_pos ?
		     0 : (u16)(start - st->hdr_pos);

	/* RFC 5044: receivers treat the two low bits of FPDUPTR as zero */
	return (kiwi_get_be16(st->mbuf + 2) & ~3u) == expect;
}

/**
 * kiwi_mkr_rx_room() - content bytes that come before the next marker
 * @st: state
 *
 * For a receive path that places content straight from the stream
 * instead of copying it through kiwi_mkr_rx_strip().
 *
 * Return: 0 when the next stream bytes are a marker (or the rest of one),
 * else the number of content bytes up to the next marker position
 * (1-511).
 */
u32 kiwi_mkr_rx_room(const struct kiwi_mkr_rx *st)
{
	if (st->mlen || !MOD(st->pos))
		return 0;
	return KIWI_MKR_INTERVAL - MOD(st->pos);
}

/**
 * kiwi_mkr_rx_advance() - account for content bytes received
 * @st: state
 * @n: content bytes consumed, at most kiwi_mkr_rx_room()
 */
void kiwi_mkr_rx_advance(struct kiwi_mkr_rx *st, u32 n)
{
	st->pos += n;
}

/**
 * kiwi_mkr_rx_marker() - take stream bytes of the marker that is due
 * @st: state; kiwi_mkr_rx_room() must be 0
 * @in: stream bytes
 * @in_len: bytes at @in
 *
 * Takes at most the rest of the marker.  Once it is whole, its FPDUPTR is
 * checked against the FPDU set by the last kiwi_mkr_rx_fpdu_start().
 *
 * Return: bytes taken, or -EBADMSG when the completed marker does not
 * point at the current FPDU (%KIWI_WERR_MPA_MARKER).
 */
int kiwi_mkr_rx_marker(struct kiwi_mkr_rx *st, const u8 *in, size_t in_len)
{
	size_t n = KIWI_MKR_LEN - st->mlen;

	if (n > in_len)
		n = in_len;
	memcpy(st->mbuf + st->mlen, in, n);
	st->mlen += (u8)n;
	st->pos += (u32)n;
	if (st->mlen < KIWI_MKR_LEN)
		return (int)n;
	st->mlen = 0;
	return marker_ok(st) ? (int)n : -EBADMSG;
}

/**
 * kiwi_mkr_rx_strip() - remove markers from received stream bytes
 * @st: state
 * @in: stream bytes as received
 * @in_len: bytes at @in
 * @in_used: set to the bytes of @in consumed
 * @out: content output; may be @in itself (the copy only moves bytes
 *	towards the front)
 * @out_max: content bytes wanted
 * @out_len: set to the content bytes written
 *
 * Each complete marker is checked against the FPDU set by the last
 * kiwi_mkr_rx_fpdu_start().  A marker that is not yet started is only
 * consumed when content is still wanted, so asking for exactly the rest
 * of an FPDU leaves a marker at its end for the next one.  Markers may be
 * split across calls.
 *
 * Return: 0; or -EBADMSG when a marker's FPDUPTR does not point at the
 * current FPDU (%KIWI_WERR_MPA_MARKER), with the outputs covering the
 * bytes up to and including that marker.
 */
int kiwi_mkr_rx_strip(struct kiwi_mkr_rx *st, const u8 *in, size_t in_len,
		      size_t *in_used, u8 *out, size_t out_max,
		      size_t *out_len)
{
	size_t i = 0, o = 0;
	int ret = 0;

	while (i < in_len) {
		size_t n;

		if (!kiwi_mkr_rx_room(st)) {
			size_t rest = KIWI_MKR_LEN - st->mlen;
			int taken;

			if (!st->mlen && o == out_max)
				break;
			taken = kiwi_mkr_rx_marker(st, in + i, in_len - i);
			if (taken < 0) {
				/* only a whole marker fails: all of it was taken */
				i += rest;
				ret = taken;
				break;
			}
			i += (size_t)taken;
			continue;
		}
		if (o == out_max)
			break;
		n = in_len - i;
		if (n > out_max - o)
			n = out_max - o;
		if (n > KIWI_MKR_INTERVAL - MOD(st->pos))
			n = KIWI_MKR_INTERVAL - MOD(st->pos);
		memmove(out + o, in + i, n);
		st->pos += (u32)n;
		i += n;
		o += n;
	}
	*in_used = i;
	*out_len = o;
	return ret;
}
