// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * MPA request/reply frames and connection parameter negotiation.
 *
 * The parser works on a byte stream that may arrive in pieces: it asks
 * for more bytes with -EAGAIN and reports how many it needs, and it never
 * looks past the length it is given.  The negotiation functions are pure:
 * local policy plus the frames in, agreed parameters or a reason out.
 */
#include <kiwi/mpa.h>

const u8 kiwi_mpa_key_req[KIWI_MPA_KEY_LEN] = {
	'M', 'P', 'A', ' ', 'I', 'D', ' ', 'R',
	'e', 'q', ' ', 'F', 'r', 'a', 'm', 'e',
};

const u8 kiwi_mpa_key_rep[KIWI_MPA_KEY_LEN] = {
	'M', 'P', 'A', ' ', 'I', 'D', ' ', 'R',
	'e', 'p', ' ', 'F', 'r', 'a', 'm', 'e',
};

KIWI_STATIC_ASSERT(KIWI_MPA_KEY_LEN + 4 == KIWI_MPA_RR_HDR_LEN,
		   "MPA frame header is key + flags + rev + PD_Length");
KIWI_STATIC_ASSERT(KIWI_MPA_MAX_FRAME == 532, "RFC 5044: PD_Length <= 512");

/* a single RTR type is exactly one bit of KIWI_MPA_RTR_ALL */
static bool rtr_is_one(u8 rtr)
{
	return rtr == KIWI_MPA_RTR_SEND || rtr == KIWI_MPA_RTR_WRITE ||
	       rtr == KIWI_MPA_RTR_READ;
}

/**
 * kiwi_mpa_rr_build() - write an MPA request or reply frame
 * @buf: output
 * @len: room at @buf
 * @rr: frame content; @rr->pdata may be NULL when @rr->pdata_len is 0
 *
 * Return: frame length (20 + PD_Length); -ENOSPC if @len is too small;
 * -EMSGSIZE if PD_Length would exceed 512; -EINVAL for a reject flag on a
 * request, an E flag without revision 2, IRD/ORD above 0x3fff or unknown
 * RTR bits.
 */
int kiwi_mpa_rr_build(u8 *buf, size_t len, const struct kiwi_mpa_rr *rr)
{
	size_t pd_len = rr->pdata_len;
	u8 flags = 0;
	u8 *p;

	if (rr->reject && !rr->reply)
		return -EINVAL;
	if (rr->enhanced) {
		if (rr->rev != 2 || rr->ird > KIWI_MPA_IRD_ORD_MAX ||
		    rr->ord > KIWI_MPA_IRD_ORD_MAX ||
		    (rr->rtr & ~KIWI_MPA_RTR_ALL))
			return -EINVAL;
		pd_len += KIWI_MPA_V2_LEN;
	}
	if (pd_len > KIWI_MPA_MAX_PD)
		return -EMSGSIZE;
	if (len < KIWI_MPA_RR_HDR_LEN + pd_len)
		return -ENOSPC;

	memcpy(buf, rr->reply ? kiwi_mpa_key_rep : kiwi_mpa_key_req,
	       KIWI_MPA_KEY_LEN);
	if (rr->markers)
		flags |= KIWI_MPA_FLAG_M;
	if (rr->crc)
		flags |= KIWI_MPA_FLAG_C;
	if (rr->reject)
		flags |= KIWI_MPA_FLAG_R;
	if (rr->enhanced)
		flags |= KIWI_MPA_FLAG_E;
	if (rr->big)
		flags |= rr->reply ? KIWI_MPA_FLAG_BIG_ACCEPT :
				     KIWI_MPA_FLAG_BIG_OFFER;
	buf[16] = flags;
	buf[17] = rr->rev;
	kiwi_put_be16(buf + 18, (u16)pd_len);
	p = buf + KIWI_MPA_RR_HDR_LEN;

	if (rr->enhanced) {
		u16 ird = rr->ird, ord = rr->ord;

		if (rr->p2p)
			ird |= KIWI_MPA_V2_P2P;
		if (rr->rtr & KIWI_MPA_RTR_SEND)
			ird |= KIWI_MPA_V2_SEND_RTR;
		if (rr->rtr & KIWI_MPA_RTR_WRITE)
			ord |= KIWI_MPA_V2_WRITE_RTR;
		if (rr->rtr & KIWI_MPA_RTR_READ)
			ord |= KIWI_MPA_V2_READ_RTR;
		kiwi_put_be16(p, ird);
		kiwi_put_be16(p + 2, ord);
		p += KIWI_MPA_V2_LEN;
	}
	if (rr->pdata_len)
		memcpy(p, rr->pdata, rr->pdata_len);
	return (int)(KIWI_MPA_RR_HDR_LEN + pd_len);
}

static int rr_fail(enum kiwi_wire_err *err, enum kiwi_wire_err why, int ret)
{
	if (err)
		*err = why;
	return ret;
}

/**
 * kiwi_mpa_rr_parse() - decode an MPA request or reply from stream bytes
 * @buf: bytes received since the TCP connection was established
 * @len: bytes at @buf; may be less than a whole frame
 * @reply: expect a reply (initiator) rather than a request (responder)
 * @rr: filled in on success; @rr->pdata points into @buf
 * @need: on -EAGAIN, the total number of bytes needed to make progress
 * @err: on failure other than -EAGAIN, why (may be NULL)
 *
 * The key is compared as soon as its first bytes are there, so a peer
 * that is not speaking MPA is rejected without waiting for 20 bytes, and
 * PD_Length is checked before waiting for the private data it announces.
 * Revision and flag semantics are left to the negotiation functions,
 * which must answer an unsupported revision with a reject reply.
 *
 * Return: the frame length (bytes of @buf consumed; any bytes after it
 * already belong to the FPDU stream); -EAGAIN when more bytes are needed;
 * -EBADMSG for a wrong key; -EMSGSIZE for PD_Length > 512; -EPROTO for
 * the R flag in a request or an enhanced frame too short for its IRD/ORD
 * word.
 */
int kiwi_mpa_rr_parse(const u8 *buf, size_t len, bool reply,
		      struct kiwi_mpa_rr *rr, size_t *need,
		      enum kiwi_wire_err *err)
{
	const u8 *key = reply ? kiwi_mpa_key_rep : kiwi_mpa_key_req;
	size_t klen = len < KIWI_MPA_KEY_LEN ? len : KIWI_MPA_KEY_LEN;
	u16 pd_len;
	u8 flags;

	if (klen && memcmp(buf, key, klen))
		return rr_fail(err, KIWI_WERR_MPA_RR_KEY, -EBADMSG);
	if (len < KIWI_MPA_RR_HDR_LEN) {
		*need = KIWI_MPA_RR_HDR_LEN;
		return -EAGAIN;
	}

	pd_len = kiwi_get_be16(buf + 18);
	/* RFC 5044 caps PD_Length; checking it first bounds what we wait for */
	if (pd_len > KIWI_MPA_MAX_PD)
		return rr_fail(err, KIWI_WERR_MPA_RR_PDLEN, -EMSGSIZE);
	if (len < (size_t)KIWI_MPA_RR_HDR_LEN + pd_len) {
		*need = (size_t)KIWI_MPA_RR_HDR_LEN + pd_len;
		return -EAGAIN;
	}

	flags = buf[16];
	memset(rr, 0, sizeof(*rr));
	rr->reply = reply;
	rr->markers = flags & KIWI_MPA_FLAG_M;
	rr->crc = flags & KIWI_MPA_FLAG_C;
	rr->reject = flags & KIWI_MPA_FLAG_R;
	rr->big = flags & (reply ? KIWI_MPA_FLAG_BIG_ACCEPT :
			   KIWI_MPA_FLAG_BIG_OFFER);
	rr->rev = buf[17];
	rr->pdata = buf + KIWI_MPA_RR_HDR_LEN;
	rr->pdata_len = pd_len;

	if (rr->reject && !reply)
		return rr_fail(err, KIWI_WERR_MPA_RR_FLAGS, -EPROTO);

	/* E is a reserved bit in revision 1 frames: ignore it there */
	if ((flags & KIWI_MPA_FLAG_E) && rr->rev == 2) {
		u16 ird, ord;

		/* the IRD/ORD word is counted in PD_Length */
		if (pd_len < KIWI_MPA_V2_LEN)
			return rr_fail(err, KIWI_WERR_MPA_RR_FLAGS, -EPROTO);
		ird = kiwi_get_be16(rr->pdata);
		ord = kiwi_get_be16(rr->pdata + 2);
		rr->enhanced = true;
		rr->ird = ird & KIWI_MPA_IRD_ORD_MAX;
		rr->ord = ord & KIWI_MPA_IRD_ORD_MAX;
		rr->p2p = ird & KIWI_MPA_V2_P2P;
		if (ird & KIWI_MPA_V2_SEND_RTR)
			rr->rtr |= KIWI_MPA_RTR_SEND;
		if (ord & KIWI_MPA_V2_WRITE_RTR)
			rr->rtr |= KIWI_MPA_RTR_WRITE;
		if (ord & KIWI_MPA_V2_READ_RTR)
			rr->rtr |= KIWI_MPA_RTR_READ;
		rr->pdata += KIWI_MPA_V2_LEN;
		rr->pdata_len -= KIWI_MPA_V2_LEN;
	}
	return KIWI_MPA_RR_HDR_LEN + pd_len;
}

static bool policy_ok(const struct kiwi_mpa_policy *pol)
{
	return (pol->rev == 1 || pol->rev == 2) &&
	       pol->crc <= KIWI_MPA_CRC_FORBIDDEN &&
	       pol->markers <= KIWI_MPA_MARKERS_WANT &&
	       pol->ird <= KIWI_MPA_IRD_ORD_MAX &&
	       pol->ord <= KIWI_MPA_IRD_ORD_MAX &&
	       !(pol->rtr & ~KIWI_MPA_RTR_ALL) &&
	       (!pol->p2p || pol->rtr);
}

static bool policy_asks_crc(const struct kiwi_mpa_policy *pol)
{
	return pol->crc == KIWI_MPA_CRC_PREFER_ON ||
	       pol->crc == KIWI_MPA_CRC_REQUIRED;
}

/* strict CRC policies refuse a peer whose C flag differs from ours */
static bool crc_conflict(const struct kiwi_mpa_policy *pol, bool peer_crc)
{
	return (pol->crc == KIWI_MPA_CRC_REQUIRED && !peer_crc) ||
	       (pol->crc == KIWI_MPA_CRC_FORBIDDEN && peer_crc);
}

/**
 * kiwi_mpa_request_init() - the request frame an initiator sends
 * @pol: local policy
 * @req: filled in; the caller adds @req->pdata and @req->pdata_len
 *
 * An enhanced request that offers a Read RTR asks for an ORD of at
 * least one, whatever @pol->ord says.
 *
 * Return: 0, or -EINVAL if @pol is invalid.
 */
int kiwi_mpa_request_init(const struct kiwi_mpa_policy *pol,
			  struct kiwi_mpa_rr *req)
{
	if (!policy_ok(pol))
		return -EINVAL;
	memset(req, 0, sizeof(*req));
	req->markers = pol->markers == KIWI_MPA_MARKERS_WANT;
	req->crc = policy_asks_crc(pol);
	req->rev = pol->rev;
	req->enhanced = pol->rev == 2;
	req->big = pol->big && !req->markers;
	if (req->enhanced) {
		req->ird = pol->ird;
		req->ord = pol->ord;
		req->p2p = pol->p2p;
		req->rtr = pol->p2p ? pol->rtr : 0;
		/*
		 * A zero-length Read Request is a Read like any other: it
		 * takes one of the initiator's ORD credits and one of the
		 * responder's IRD slots.  Ask for the credit, so that a
		 * responder that sizes its IRD from our ORD (siw, cxgb4)
		 * has room for the RTR.
		 */
		if ((req->rtr & KIWI_MPA_RTR_READ) && !req->ord)
			req->ord = 1;
	}
	return 0;
}

/* RTR preference: a zero-length Write needs no buffer or completion */
static u8 pick_rtr(u8 common)
{
	if (common & KIWI_MPA_RTR_WRITE)
		return KIWI_MPA_RTR_WRITE;
	if (common & KIWI_MPA_RTR_READ)
		return KIWI_MPA_RTR_READ;
	return common & KIWI_MPA_RTR_SEND;
}

static u16 min16(u16 a, u16 b)
{
	return a < b ? a : b;
}

/**
 * kiwi_mpa_negotiate_responder() - answer a peer's MPA request
 * @pol: local policy
 * @req: the request as parsed by kiwi_mpa_rr_parse()
 * @reply: filled with the reply to send, with the R flag set when the
 *	request is rejected; the caller adds the ULP private data
 * @agreed: on success, the parameters of the connection
 *
 * Rules: the reply revision is the lower of the two; CRCs are used if
 * either side asks (RFC 5044), unless a strict local policy rejects the
 * mismatch; markers are decided per direction by the receiving side's M
 * flag; with RFC 6581 this end's ORD is lowered to the peer's IRD (or
 * the request rejected when @pol->strict_ird), the reply's IRD is lowered
 * to the peer's ORD, and one RTR type is picked from the ones both sides
 * support.  A Read RTR raises a reply IRD of zero to one.  FPDUs above
 * the MSS are accepted when both policy and request allow them and
 * neither side asks for markers.
 *
 * Return: %KIWI_WERR_NONE to accept, else the reason the request was
 * rejected.
 */
enum kiwi_wire_err
kiwi_mpa_negotiate_responder(const struct kiwi_mpa_policy *pol,
			     const struct kiwi_mpa_rr *req,
			     struct kiwi_mpa_rr *reply,
			     struct kiwi_mpa_params *agreed)
{
	enum kiwi_wire_err why = KIWI_WERR_NONE;
	bool valid = policy_ok(pol);

	memset(reply, 0, sizeof(*reply));
	memset(agreed, 0, sizeof(*agreed));
	reply->reply = true;
	reply->rev = valid ? pol->rev : 1;
	if (req->rev >= 1 && req->rev < reply->rev)
		reply->rev = req->rev;
	reply->markers = valid && pol->markers == KIWI_MPA_MARKERS_WANT;
	reply->crc = req->crc || (valid && policy_asks_crc(pol));
	reply->enhanced = reply->rev == 2 && req->enhanced;
	if (reply->enhanced) {
		reply->ird = valid ? min16(pol->ird, req->ord) : 0;
		reply->ord = valid ? min16(pol->ord, req->ird) : 0;
	}

	if (!valid)
		why = KIWI_WERR_MPA_LOCAL_CATA;
	else if (req->reply || req->reject)
		why = KIWI_WERR_MPA_RR_FLAGS;
	else if (req->rev < 1 || req->rev > 2)
		why = KIWI_WERR_MPA_RR_REV;
	else if (req->markers && pol->markers == KIWI_MPA_MARKERS_REFUSE)
		why = KIWI_WERR_MPA_RR_MARKER_POLICY;
	else if (crc_conflict(pol, req->crc))
		why = KIWI_WERR_MPA_RR_CRC_POLICY;
	else if (reply->enhanced && pol->strict_ird && req->ird < pol->ord)
		why = KIWI_WERR_MPA_INSUFF_IRD;

	if (why == KIWI_WERR_NONE && reply->enhanced && req->p2p && pol->p2p) {
		u8 rtr = pick_rtr(req->rtr & pol->rtr);

		if (!rtr) {
			why = KIWI_WERR_MPA_NO_RTR;
		} else {
			reply->p2p = true;
			reply->rtr = rtr;
			/* the Read RTR lands in our IRD: grant it a slot */
			if (rtr == KIWI_MPA_RTR_READ && !reply->ird)
				reply->ird = 1;
		}
	}

	if (why != KIWI_WERR_NONE) {
		reply->reject = true;
		reply->p2p = false;
		reply->rtr = 0;
		return why;
	}

	agreed->rev = reply->rev;
	agreed->crc = reply->crc;
	agreed->tx_markers = req->markers;
	agreed->rx_markers = reply->markers;
	agreed->enhanced = reply->enhanced;
	agreed->ird = reply->enhanced ? reply->ird : pol->ird;
	agreed->ord = reply->enhanced ? reply->ord : pol->ord;
	agreed->rtr = reply->rtr;
	reply->big = pol->big && req->big && !req->markers && !reply->markers;
	agreed->big = reply->big;
	return KIWI_WERR_NONE;
}

/**
 * kiwi_mpa_negotiate_initiator() - judge the peer's MPA reply
 * @pol: local policy, the same that built @req
 * @req: the request this end sent
 * @reply: the reply as parsed by kiwi_mpa_rr_parse()
 * @agreed: on success, the parameters of the connection
 *
 * A revision 1 reply to an enhanced request falls back to RFC 5044
 * operation with the local IRD/ORD.  With RFC 6581 the peer may not ask
 * for more inbound reads than this end offered (its ORD above our IRD),
 * this end's ORD is lowered to the peer's IRD unless @pol->strict_ird,
 * and a peer-to-peer reply must name exactly one of the RTR types that
 * were offered (any one type with @pol->rtr_any).  FPDUs above the MSS
 * are agreed only when the request offered them and the reply accepted.
 *
 * Return: %KIWI_WERR_NONE when the connection may go to RTS, else the
 * failure; errors other than %KIWI_WERR_MPA_REJECTED should be reported
 * to the peer in a TERMINATE message (kiwi_wire_err_code()).
 */
enum kiwi_wire_err
kiwi_mpa_negotiate_initiator(const struct kiwi_mpa_policy *pol,
			     const struct kiwi_mpa_rr *req,
			     const struct kiwi_mpa_rr *reply,
			     struct kiwi_mpa_params *agreed)
{
	bool enhanced;

	memset(agreed, 0, sizeof(*agreed));
	if (!policy_ok(pol))
		return KIWI_WERR_MPA_LOCAL_CATA;
	if (!reply->reply)
		return KIWI_WERR_MPA_RR_FLAGS;
	if (reply->reject)
		return KIWI_WERR_MPA_REJECTED;
	if (reply->rev < 1 || reply->rev > req->rev)
		return KIWI_WERR_MPA_RR_REV;
	if (reply->markers && pol->markers == KIWI_MPA_MARKERS_REFUSE)
		return KIWI_WERR_MPA_RR_MARKER_POLICY;
	if (crc_conflict(pol, reply->crc))
		return KIWI_WERR_MPA_RR_CRC_POLICY;

	enhanced = req->enhanced && reply->enhanced;
	agreed->ird = pol->ird;
	agreed->ord = pol->ord;
	if (enhanced) {
		/* the peer would issue reads we have no room for */
		if (reply->ord > req->ird)
			return KIWI_WERR_MPA_INSUFF_IRD;
		if (reply->ird < req->ord && pol->strict_ird)
			return KIWI_WERR_MPA_INSUFF_IRD;
		agreed->ird = reply->ord;
		agreed->ord = min16(req->ord, reply->ird);

		if (reply->p2p) {
			if (!req->p2p)
				return KIWI_WERR_MPA_RR_FLAGS;
			if (!rtr_is_one(reply->rtr) ||
			    (!(reply->rtr & req->rtr) && !pol->rtr_any))
				return KIWI_WERR_MPA_NO_RTR;
			agreed->rtr = reply->rtr;
		}
	}

	agreed->rev = reply->rev;
	agreed->crc = req->crc || reply->crc;
	agreed->tx_markers = reply->markers;
	agreed->rx_markers = req->markers;
	agreed->enhanced = enhanced;
	/* an echo of our offer is not an answer: BIG_ACCEPT is a reply bit */
	agreed->big = req->big && reply->big && !req->markers &&
		      !reply->markers;
	return KIWI_WERR_NONE;
}
