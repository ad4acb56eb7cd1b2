/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * MPA connection setup: request and reply frames (RFC 5044 section 7.1)
 * with the enhanced connection establishment of RFC 6581, and the pure
 * negotiation functions for both roles.
 *
 * Frame layout:
 *
 *	 0                   1                   2                   3
 *	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *	+---------------------------------------------------------------+
 *	|   Key: "MPA ID Req Frame" or "MPA ID Rep Frame" (16 bytes)    |
 *	+-+-+-+-+-------+---------------+-------------------------------+
 *	|M|C|R|E|  Res  |      Rev      |          PD_Length            |
 *	+-+-+-+-+-------+---------------+-------------------------------+
 *	|A|B|     IRD (14 bits)         |C|D|     ORD (14 bits)         |
 *	+-+-+---------------------------+-+-+---------------------------+
 *	|               ULP private data (PD_Length - 4)                |
 *	+---------------------------------------------------------------+
 *
 * The IRD/ORD word is present only in revision 2 frames with the E flag
 * (RFC 6581 "enhanced" setup); A is the peer-to-peer flag and B, C, D
 * select a zero-length Send, RDMA Write or RDMA Read as ready-to-receive
 * (RTR) message.  PD_Length counts the IRD/ORD word, so a frame carries
 * at most 512 bytes of private data in total and at most 508 bytes of ULP
 * private data in enhanced mode (RFC 6581 section 9).
 *
 * M asks the *peer* to put markers into the stream it sends (RFC 5044:
 * "a receiver's requirement for Markers"), so markers are negotiated per
 * direction.  C asks for CRCs; CRCs are used in both directions when
 * either frame sets C.
 *
 * kiwi's own extension lives in two of the Res bits, which RFC 5044 has
 * every receiver ignore: a request with BIG_OFFER says "I can receive
 * FPDUs of any ULPDU_Length, not just ones that fit a TCP segment", and a
 * reply with BIG_ACCEPT says the same back.  Only then do both ends send
 * FPDUs of up to 64 KiB.  The reply uses a different bit from the request
 * because some responders (siw) build their reply on the request's header
 * and so echo whatever Res bits it had; such an echo must not read as
 * consent.  Neither is offered or accepted on a connection with markers:
 * a receiver that asks for markers wants to find FPDUs within segments.
 */
#ifndef KIWI_MPA_H
#define KIWI_MPA_H

#include <kiwi/wire_types.h>
#include <kiwi/terminate.h>

#ifdef __cplusplus
extern "C" {
#endif

#define KIWI_MPA_KEY_LEN	16
#define KIWI_MPA_RR_HDR_LEN	20
#define KIWI_MPA_MAX_PD		512
#define KIWI_MPA_V2_LEN		4
#define KIWI_MPA_MAX_FRAME	(KIWI_MPA_RR_HDR_LEN + KIWI_MPA_MAX_PD)
#define KIWI_MPA_IRD_ORD_MAX	0x3fff

/* byte 16 of the frame */
#define KIWI_MPA_FLAG_M		0x80
#define KIWI_MPA_FLAG_C		0x40
#define KIWI_MPA_FLAG_R		0x20
#define KIWI_MPA_FLAG_E		0x10
#define KIWI_MPA_FLAG_BIG_OFFER	0x04	/* kiwi extension, requests only */
#define KIWI_MPA_FLAG_BIG_ACCEPT 0x02	/* kiwi extension, replies only */

/* RFC 6581 IRD/ORD word control bits */
#define KIWI_MPA_V2_P2P		0x8000	/* in IRD: peer-to-peer model */
#define KIWI_MPA_V2_SEND_RTR	0x4000	/* in IRD: zero-length Send RTR */
#define KIWI_MPA_V2_WRITE_RTR	0x8000	/* in ORD: zero-length Write RTR */
#define KIWI_MPA_V2_READ_RTR	0x4000	/* in ORD: zero-length Read RTR */

/* RTR message types, as a bit mask */
#define KIWI_MPA_RTR_SEND	0x1
#define KIWI_MPA_RTR_WRITE	0x2
#define KIWI_MPA_RTR_READ	0x4
#define KIWI_MPA_RTR_ALL	0x7

extern const u8 kiwi_mpa_key_req[KIWI_MPA_KEY_LEN];
extern const u8 kiwi_mpa_key_rep[KIWI_MPA_KEY_LEN];

/**
 * struct kiwi_mpa_rr - a request or reply frame, decoded
 * @reply: true for "MPA ID Rep Frame", false for "MPA ID Req Frame"
 * @markers: M flag: the sender wants markers in what it receives
 * @crc: C flag: the sender wants CRCs
 * @reject: R flag (replies only)
 * @enhanced: E flag with revision 2: the IRD/ORD word is present
 * @rev: MPA revision
 * @ird: inbound RDMA Read queue depth (enhanced only, 14 bits)
 * @ord: outbound RDMA Read queue depth (enhanced only, 14 bits)
 * @p2p: peer-to-peer flag (enhanced only)
 * @rtr: KIWI_MPA_RTR_* bits (enhanced only); a request offers a set, a
 *	reply picks one
 * @big: BIG_OFFER in a request, BIG_ACCEPT in a reply (kiwi extension)
 * @pdata: ULP private data, after the IRD/ORD word; for parsed frames
 *	this points into the parsed buffer
 * @pdata_len: bytes at @pdata
 */
struct kiwi_mpa_rr {
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
	bool big;
	const u8 *pdata;
	u16 pdata_len;
};

/* How this end wants CRCs; the strict kinds reject a peer that differs. */
enum kiwi_mpa_crc_policy {
	KIWI_MPA_CRC_PREFER_OFF,	/* send C=0, accept C=1 */
	KIWI_MPA_CRC_PREFER_ON,		/* send C=1 */
	KIWI_MPA_CRC_REQUIRED,		/* send C=1, reject a peer's C=0 */
	KIWI_MPA_CRC_FORBIDDEN,		/* send C=0, reject a peer's C=1 */
};

/* Whether this end asks for markers, and whether it will send them. */
enum kiwi_mpa_marker_policy {
	KIWI_MPA_MARKERS_REFUSE,	/* send M=0, reject a peer's M=1 */
	KIWI_MPA_MARKERS_ALLOW,		/* send M=0, insert if peer asks */
	KIWI_MPA_MARKERS_WANT,		/* send M=1, insert if peer asks */
};

/**
 * struct kiwi_mpa_policy - local connection setup policy
 * @rev: highest MPA revision to speak, 1 or 2 (2 enables RFC 6581)
 * @crc: enum kiwi_mpa_crc_policy
 * @markers: enum kiwi_mpa_marker_policy
 * @strict_ird: fail with "insufficient IRD" instead of lowering this
 *	end's ORD when the peer's IRD is smaller
 * @p2p: initiator: request the peer-to-peer model with an RTR message;
 *	responder: accept a peer-to-peer request
 * @rtr: KIWI_MPA_RTR_* types this end can send (initiator) or accept
 *	(responder) as RTR message
 * @ird: local inbound RDMA Read queue depth, at most 0x3fff
 * @ord: local outbound RDMA Read queue depth, at most 0x3fff
 * @rtr_any: initiator: also take a reply that names an RTR type this end
 *	did not offer, as long as it is a single type of KIWI_MPA_RTR_ALL.
 *	RFC 6581 has the responder pick from the offer, but siw answers an
 *	offer of Send alone with Write; an initiator that can send any RTR
 *	message loses nothing by following it.
 * @big: offer (initiator) or accept (responder) FPDUs larger than a TCP
 *	segment when the peer speaks kiwi's extension
 */
struct kiwi_mpa_policy {
	u8 rev;
	u8 crc;
	u8 markers;
	bool strict_ird;
	bool p2p;
	u8 rtr;
	u16 ird;
	u16 ord;
	bool rtr_any;
	bool big;
};

/**
 * struct kiwi_mpa_params - what both ends agreed on
 * @rev: revision of the reply
 * @crc: CRCs are generated and checked in both directions
 * @tx_markers: insert markers into the stream this end sends
 * @rx_markers: expect markers in the stream this end receives
 * @enhanced: RFC 6581 IRD/ORD were exchanged
 * @ird: inbound RDMA Read queue depth to provide
 * @ord: outbound RDMA Read requests this end may have in flight
 * @rtr: 0 for client-server, else the single KIWI_MPA_RTR_* type the
 *	initiator sends as its first message
 * @big: both ends are kiwi and send FPDUs of up to 64 KiB, whatever the
 *	MSS; never together with markers
 */
struct kiwi_mpa_params {
	u8 rev;
	bool crc;
	bool tx_markers;
	bool rx_markers;
	bool enhanced;
	u16 ird;
	u16 ord;
	u8 rtr;
	bool big;
};

/**
 * kiwi_mpa_max_pdata() - largest ULP private data a frame can carry
 * @enhanced: whether the frame carries the RFC 6581 IRD/ORD word
 *
 * Return: 512 or 508.
 */
static inline u16 kiwi_mpa_max_pdata(bool enhanced)
{
	return enhanced ? KIWI_MPA_MAX_PD - KIWI_MPA_V2_LEN : KIWI_MPA_MAX_PD;
}

int kiwi_mpa_rr_build(u8 *buf, size_t len, const struct kiwi_mpa_rr *rr);
int kiwi_mpa_rr_parse(const u8 *buf, size_t len, bool reply,
		      struct kiwi_mpa_rr *rr, size_t *need,
		      enum kiwi_wire_err *err);
int kiwi_mpa_request_init(const struct kiwi_mpa_policy *pol,
			  struct kiwi_mpa_rr *req);
enum kiwi_wire_err
kiwi_mpa_negotiate_responder(const struct kiwi_mpa_policy *pol,
			     const struct kiwi_mpa_rr *req,
			     struct kiwi_mpa_rr *reply,
			     struct kiwi_mpa_params *agreed);
enum kiwi_wire_err
kiwi_mpa_negotiate_initiator(const struct kiwi_mpa_policy *pol,
			     const struct kiwi_mpa_rr *req,
			     const struct kiwi_mpa_rr *reply,
			     struct kiwi_mpa_params *agreed);

#ifdef __cplusplus
}
#endif

#endif /* KIWI_MPA_H */
