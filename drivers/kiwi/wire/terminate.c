// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * TERMINATE message body: build, parse, and the table from wire library
 * errors to (layer, error type, error code).
 *
 * kiwi_term_build()/kiwi_term_parse() handle the bytes that follow the
 * 18-byte untagged DDP/RDMAP header of a TERMINATE segment; the header
 * itself is built and checked by ddp.c like any other.
 */
#include <kiwi/terminate.h>

struct err_info {
	const char *name;
	struct kiwi_term_code code;
};

#define E(err, l, t, c) \
	[KIWI_WERR_##err] = { .name = #err, .code = { .layer = (l), \
						      .etype = (t), \
						      .ecode = (c) } }
#define LLP(err, c)	E(err, KIWI_TERM_LAYER_LLP, KIWI_TERM_LLP_MPA, c)
#define DDPT(err, c)	E(err, KIWI_TERM_LAYER_DDP, KIWI_TERM_DDP_TAGGED, c)
#define DDPU(err, c)	E(err, KIWI_TERM_LAYER_DDP, KIWI_TERM_DDP_UNTAGGED, c)
#define RDMA(err, t, c)	E(err, KIWI_TERM_LAYER_RDMAP, KIWI_TERM_RDMAP_##t, c)

/*
 * Where the RFCs leave a choice, the code picked is the one whose text
 * describes the failure best; see Documentation/wire.rst.
 */
static const struct err_info err_table[KIWI_WERR_COUNT] = {
	[KIWI_WERR_NONE] = { .name = "NONE" },
	LLP(MPA_TCP_LOST, KIWI_TERM_LLP_TCP_LOST),
	LLP(MPA_CRC, KIWI_TERM_LLP_CRC),
	LLP(MPA_MARKER, KIWI_TERM_LLP_MARKER_LEN),
	LLP(MPA_LEN_SHORT, KIWI_TERM_LLP_MARKER_LEN),
	LLP(MPA_LEN_LONG, KIWI_TERM_LLP_MARKER_LEN),
	LLP(MPA_RR_KEY, KIWI_TERM_LLP_INVALID_RR),
	LLP(MPA_RR_REV, KIWI_TERM_LLP_INVALID_RR),
	LLP(MPA_RR_PDLEN, KIWI_TERM_LLP_INVALID_RR),
	LLP(MPA_RR_FLAGS, KIWI_TERM_LLP_INVALID_RR),
	LLP(MPA_RR_CRC_POLICY, KIWI_TERM_LLP_INVALID_RR),
	LLP(MPA_RR_MARKER_POLICY, KIWI_TERM_LLP_INVALID_RR),
	LLP(MPA_REJECTED, KIWI_TERM_LLP_INVALID_RR),
	LLP(MPA_LOCAL_CATA, KIWI_TERM_LLP_LOCAL_CATA),
	LLP(MPA_INSUFF_IRD, KIWI_TERM_LLP_INSUFF_IRD),
	LLP(MPA_NO_RTR, KIWI_TERM_LLP_NO_RTR),
	DDPT(DDP_T_VERSION, KIWI_TERM_DDP_T_VERSION),
	DDPT(DDP_T_STAG, KIWI_TERM_DDP_T_INVALID_STAG),
	DDPT(DDP_T_BOUNDS, KIWI_TERM_DDP_T_BASE_BOUNDS),
	DDPT(DDP_T_STAG_STREAM, KIWI_TERM_DDP_T_STAG_STREAM),
	DDPT(DDP_T_TO_WRAP, KIWI_TERM_DDP_T_TO_WRAP),
	DDPU(DDP_U_VERSION, KIWI_TERM_DDP_U_VERSION),
	DDPU(DDP_U_QN, KIWI_TERM_DDP_U_INVALID_QN),
	DDPU(DDP_U_MO, KIWI_TERM_DDP_U_INVALID_MO),
	DDPU(DDP_U_MSN_NOBUF, KIWI_TERM_DDP_U_MSN_NOBUF),
	DDPU(DDP_U_MSN_RANGE, KIWI_TERM_DDP_U_MSN_RANGE),
	DDPU(DDP_U_TOO_LONG, KIWI_TERM_DDP_U_TOO_LONG),
	RDMA(RDMAP_VERSION, OPERATION, KIWI_TERM_RDMAP_VERSION),
	RDMA(RDMAP_OPCODE, OPERATION, KIWI_TERM_RDMAP_OPCODE),
	RDMA(RDMAP_TAGGED, OPERATION, KIWI_TERM_RDMAP_OPCODE),
	RDMA(RDMAP_NOT_LAST, OPERATION, KIWI_TERM_RDMAP_UNSPECIFIED),
	RDMA(RDMAP_MSG_LEN, OPERATION, KIWI_TERM_RDMAP_UNSPECIFIED),
	RDMA(RDMAP_STAG, PROTECTION, KIWI_TERM_RDMAP_INVALID_STAG),
	RDMA(RDMAP_BOUNDS, PROTECTION, KIWI_TERM_RDMAP_BASE_BOUNDS),
	RDMA(RDMAP_ACCESS, PROTECTION, KIWI_TERM_RDMAP_ACCESS),
	RDMA(RDMAP_STAG_STREAM, PROTECTION, KIWI_TERM_RDMAP_STAG_STREAM),
	RDMA(RDMAP_TO_WRAP, PROTECTION, KIWI_TERM_RDMAP_TO_WRAP),
	RDMA(RDMAP_INVAL_PROT, PROTECTION, KIWI_TERM_RDMAP_CANNOT_INVAL),
	RDMA(RDMAP_INVAL_OP, OPERATION, KIWI_TERM_RDMAP_CANNOT_INVAL),
	RDMA(RDMAP_CATA_STREAM, OPERATION, KIWI_TERM_RDMAP_CATA_STREAM),
	RDMA(RDMAP_CATA_LOCAL, CATASTROPHIC, KIWI_TERM_RDMAP_UNSPECIFIED),
};

#undef E
#undef LLP
#undef DDPT
#undef DDPU
#undef RDMA

/**
 * kiwi_wire_err_code() - TERMINATE classification of a wire error
 * @err: error reported by a wire library parser or by the data path
 * @code: filled with layer, error type and error code
 *
 * Return: 0, or -EINVAL if @err is %KIWI_WERR_NONE or out of range.
 */
int kiwi_wire_err_code(enum kiwi_wire_err err, struct kiwi_term_code *code)
{
	/* err may come from a caller's state machine: check before indexing */
	if ((unsigned int)err >= KIWI_WERR_COUNT || err == KIWI_WERR_NONE)
		return -EINVAL;
	*code = err_table[err].code;
	return 0;
}

/**
 * kiwi_wire_err_name() - short name of a wire error, for logs
 * @err: error
 *
 * Return: a static string such as "DDP_U_QN"; "INVALID" if out of range.
 */
const char *kiwi_wire_err_name(enum kiwi_wire_err err)
{
	if ((unsigned int)err >= KIWI_WERR_COUNT)
		return "INVALID";
	return err_table[err].name;
}

/**
 * kiwi_term_code_valid() - is this a (layer, type, code) the RFCs define?
 * @code: triple to check
 *
 * Return: true if RFC 5040, 5041, 5044 or 6581 assigns a meaning to it.
 */
bool kiwi_term_code_valid(const struct kiwi_term_code *code)
{
	u8 c = code->ecode;

	switch (code->layer) {
	case KIWI_TERM_LAYER_RDMAP:
		switch (code->etype) {
		case KIWI_TERM_RDMAP_CATASTROPHIC:
			return c == 0 || c == KIWI_TERM_RDMAP_UNSPECIFIED;
		case KIWI_TERM_RDMAP_PROTECTION:
			return c <= KIWI_TERM_RDMAP_TO_WRAP ||
			       c == KIWI_TERM_RDMAP_CANNOT_INVAL ||
			       c == KIWI_TERM_RDMAP_UNSPECIFIED;
		case KIWI_TERM_RDMAP_OPERATION:
			return (c >= KIWI_TERM_RDMAP_VERSION &&
				c <= KIWI_TERM_RDMAP_CANNOT_INVAL) ||
			       c == KIWI_TERM_RDMAP_UNSPECIFIED;
		}
		return false;
	case KIWI_TERM_LAYER_DDP:
		switch (code->etype) {
		case KIWI_TERM_DDP_CATASTROPHIC:
			return c == 0;
		case KIWI_TERM_DDP_TAGGED:
			return c <= KIWI_TERM_DDP_T_VERSION;
		case KIWI_TERM_DDP_UNTAGGED:
			return c >= KIWI_TERM_DDP_U_INVALID_QN &&
			       c <= KIWI_TERM_DDP_U_VERSION;
		}
		return false;
	case KIWI_TERM_LAYER_LLP:
		return code->etype == KIWI_TERM_LLP_MPA &&
		       c >= KIWI_TERM_LLP_TCP_LOST && c <= KIWI_TERM_LLP_NO_RTR;
	}
	return false;
}

/*
 * Length of a DDP header from its first (control) byte: the T flag picks
 * the tagged or the untagged buffer model.
 */
static u8 ddp_hdr_len(u8 ctrl)
{
	return (ctrl & 0x80) ? KIWI_TERM_DDP_T_HDR_LEN : KIWI_TERM_DDP_U_HDR_LEN;
}

/**
 * kiwi_term_set_hdrs() - copy the offending segment's headers into @term
 * @term: message being prepared; @term->code must already be set
 * @fpdu: start of the offending FPDU (its 2-byte ULPDU_Length)
 * @len: bytes available at @fpdu
 *
 * Sets D and copies the DDP header; sets M with the segment length taken
 * from ULPDU_Length; and for an RDMA Read Request (untagged, opcode 1) with
 * all 28 bytes present sets R and copies the Read Request header.
 *
 * Return: 0, or -EINVAL if @len does not cover the DDP header.
 */
int kiwi_term_set_hdrs(struct kiwi_term *term, const u8 *fpdu, size_t len)
{
	u8 dlen;

	/* need the control byte before its T flag can size the header */
	if (len < 3)
		return -EINVAL;
	dlen = ddp_hdr_len(fpdu[2]);
	if (len < 2u + dlen)
		return -EINVAL;

	term->hdrct = KIWI_TERM_HDRCT_M | KIWI_TERM_HDRCT_D;
	term->seg_len = kiwi_get_be16(fpdu);
	term->ddp_hdr_len = dlen;
	memcpy(term->ddp_hdr, fpdu + 2, dlen);
	term->rdma_hdr_len = 0;

	if (dlen == KIWI_TERM_DDP_U_HDR_LEN && (fpdu[3] & 0x0f) == 1 &&
	    len >= 2u + dlen + KIWI_TERM_RDMA_HDR_LEN) {
		term->hdrct |= KIWI_TERM_HDRCT_R;
		term->rdma_hdr_len = KIWI_TERM_RDMA_HDR_LEN;
		memcpy(term->rdma_hdr, fpdu + 2 + dlen, KIWI_TERM_RDMA_HDR_LEN);
	}
	return 0;
}

/**
 * kiwi_term_build() - write a TERMINATE message body
 * @buf: output, placed right after the untagged DDP/RDMAP header
 * @len: room at @buf
 * @term: content; D and R in @term->hdrct decide which headers follow
 *
 * Return: bytes written (4 to %KIWI_TERM_MAX_LEN), -ENOSPC if @len is too
 * small, or -EINVAL if @term is inconsistent (M without D, a header
 * length that does not match its flag, a copied DDP header whose T flag
 * disagrees with its length, or a code outside 4/4/8 bits).
 */
int kiwi_term_build(u8 *buf, size_t len, const struct kiwi_term *term)
{
	u32 hdrct = term->hdrct;
	size_t need = KIWI_TERM_CTRL_LEN;
	u32 ctrl;

	if (term->code.layer > 0xf || term->code.etype > 0xf)
		return -EINVAL;
	if (hdrct & ~(KIWI_TERM_HDRCT_M | KIWI_TERM_HDRCT_D |
		      KIWI_TERM_HDRCT_R))
		return -EINVAL;
	if ((hdrct & KIWI_TERM_HDRCT_M) && !(hdrct & KIWI_TERM_HDRCT_D))
		return -EINVAL;
	if (hdrct & KIWI_TERM_HDRCT_D) {
		if (term->ddp_hdr_len != KIWI_TERM_DDP_T_HDR_LEN &&
		    term->ddp_hdr_len != KIWI_TERM_DDP_U_HDR_LEN)
			return -EINVAL;
		if (ddp_hdr_len(term->ddp_hdr[0]) != term->ddp_hdr_len)
			return -EINVAL;
		need += KIWI_TERM_SEGLEN_LEN + term->ddp_hdr_len;
	}
	if (hdrct & KIWI_TERM_HDRCT_R) {
		if (term->rdma_hdr_len != KIWI_TERM_RDMA_HDR_LEN)
			return -EINVAL;
		need += KIWI_TERM_RDMA_HDR_LEN;
	}
	if (len < need)
		return -ENOSPC;

	ctrl = (u32)term->code.layer << 28 | (u32)term->code.etype << 24 |
	       (u32)term->code.ecode << 16 | hdrct;
	kiwi_put_be32(buf, ctrl);
	buf += KIWI_TERM_CTRL_LEN;
	if (hdrct & KIWI_TERM_HDRCT_D) {
		kiwi_put_be16(buf, (hdrct & KIWI_TERM_HDRCT_M) ?
				   term->seg_len : 0);
		memcpy(buf + KIWI_TERM_SEGLEN_LEN, term->ddp_hdr,
		       term->ddp_hdr_len);
		buf += KIWI_TERM_SEGLEN_LEN + term->ddp_hdr_len;
	}
	if (hdrct & KIWI_TERM_HDRCT_R)
		memcpy(buf, term->rdma_hdr, KIWI_TERM_RDMA_HDR_LEN);
	return (int)need;
}

/**
 * kiwi_term_parse() - decode a received TERMINATE message body
 * @buf: bytes after the untagged DDP/RDMAP header
 * @len: ULPDU payload length of the TERMINATE segment
 * @term: filled in
 *
 * Parsing is lenient about the optional headers, because a TERMINATE is
 * the peer's last word and is worth reading even when imperfect: a D or
 * R flag whose header does not fit in @len leaves @term->ddp_hdr_len or
 * @term->rdma_hdr_len at 0 (siw, for example, sets R on errors for Send
 * messages without appending a Read Request header), and bytes past the
 * announced headers are ignored.
 *
 * Return: 0; -EBADMSG if @len cannot hold the control word; -EPROTO if
 * the layer or error type is one no RFC defines.
 */
int kiwi_term_parse(const u8 *buf, size_t len, struct kiwi_term *term)
{
	size_t off = KIWI_TERM_CTRL_LEN;
	u32 ctrl;

	memset(term, 0, sizeof(*term));
	if (len < KIWI_TERM_CTRL_LEN)
		return -EBADMSG;

	ctrl = kiwi_get_be32(buf);
	term->code.layer = (u8)(ctrl >> 28);
	term->code.etype = (u8)((ctrl >> 24) & 0xf);
	term->code.ecode = (u8)(ctrl >> 16);
	term->hdrct = ctrl & (KIWI_TERM_HDRCT_M | KIWI_TERM_HDRCT_D |
			      KIWI_TERM_HDRCT_R);

	switch (term->code.layer) {
	case KIWI_TERM_LAYER_RDMAP:
		if (term->code.etype > KIWI_TERM_RDMAP_OPERATION)
			return -EPROTO;
		break;
	case KIWI_TERM_LAYER_DDP:
		if (term->code.etype > KIWI_TERM_DDP_UNTAGGED)
			return -EPROTO;
		break;
	case KIWI_TERM_LAYER_LLP:
		if (term->code.etype != KIWI_TERM_LLP_MPA)
			return -EPROTO;
		break;
	default:
		return -EPROTO;
	}

	/* segment length + control byte are needed to size the DDP header */
	if ((term->hdrct & KIWI_TERM_HDRCT_D) &&
	    len >= off + KIWI_TERM_SEGLEN_LEN + 1) {
		u8 dlen = ddp_hdr_len(buf[off + KIWI_TERM_SEGLEN_LEN]);

		if (len >= off + KIWI_TERM_SEGLEN_LEN + dlen) {
			term->seg_len = kiwi_get_be16(buf + off);
			term->ddp_hdr_len = dlen;
			memcpy(term->ddp_hdr, buf + off + KIWI_TERM_SEGLEN_LEN,
			       dlen);
			off += KIWI_TERM_SEGLEN_LEN + dlen;
		}
	}
	/* without the DDP header the RDMA header's offset is unknown */
	if ((term->hdrct & KIWI_TERM_HDRCT_R) &&
	    (!(term->hdrct & KIWI_TERM_HDRCT_D) || term->ddp_hdr_len) &&
	    len >= off + KIWI_TERM_RDMA_HDR_LEN) {
		term->rdma_hdr_len = KIWI_TERM_RDMA_HDR_LEN;
		memcpy(term->rdma_hdr, buf + off, KIWI_TERM_RDMA_HDR_LEN);
	}
	return 0;
}
